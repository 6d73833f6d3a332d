"""The fast-forward upgrade of Queens' templates (THT 8.x): Newton (or Ocata, Pike) straight to Queens, in the order
the OSP 10 -> 13 procedure gives:

1. ``openstack overcloud ffwd-upgrade prepare``: a Heat stack update with the target release's templates;
2. ``openstack overcloud ffwd-upgrade run``: THT's ``fast_forward_upgrade_playbook`` on every overcloud node.
   For each release skipped over (``FastForwardUpgradeReleases`` but its last: Ocata, then Pike), the prep
   tasks — the os-collect-config workaround, ``hiera bootstrap_nodeid`` and ``is_bootstrap_node``, then each
   role's ``fast_forward_upgrade_tasks`` at steps 0-3 on every node — and the bootstrap tasks: the same tasks
   at steps 4-9 on each role's bootstrap node only (database syncs, package updates). Then ``release`` is the
   last one and each role's ``fast_forward_post_upgrade_tasks`` run, with the heat agents' package update;
3. ``openstack overcloud upgrade run --roles/--nodes`` per batch of the operator's order: the target's
   upgrade steps, deploy steps and post-upgrade steps (as :class:`UpgradeSimulation`);
4. ``openstack overcloud ffwd-upgrade converge``: a stack update.

The playbook is run as deploy-steps.j2 writes it: one play over the overcloud, ``include_tasks`` of each role's
task file guarded by ``tripleo_role_name`` (and ``is_bootstrap_node`` for steps 4-9), ``step`` a string as
``with_sequence`` gives it. Each (release, step) is one playbook segment here, so the trace names its step
(``ocata 3``) and a step is a barrier across hosts.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from fakes.ansible import MappingLoader, Runner

from .upgrade import UpgradeSimulation

__all__ = ["FAST_FORWARD_KEY", "FastForwardUpgradeSimulation", "release_names"]

FAST_FORWARD_KEY = "fast_forward_upgrade_tasks"
_POST_KEY = "fast_forward_post_upgrade_tasks"
# deploy-steps.j2 (8.x): fast_forward_upgrade_prep_steps_max = 3, fast_forward_upgrade_steps_max = 9
_PREP_STEPS = range(0, 4)
_BOOTSTRAP_STEPS = range(4, 10)
_NAMES = {5: "newton", 6: "ocata", 7: "pike", 8: "queens", 9: "rocky", 10: "stein"}


def release_names(source: str | None, target: str | None) -> list[str] | None:
    """``FastForwardUpgradeReleases`` for a jump between two THT releases: every release after the source up to
    the target (Newton 5.x -> Queens 8.x: ocata, pike, queens); None when either is not a known release."""
    try:
        first, last = int(str(source).split(".")[0]) + 1, int(str(target).split(".")[0])
    except ValueError:
        return None
    if not all(m in _NAMES for m in (first, last)) or first > last:
        return None
    return [_NAMES[m] for m in range(first, last + 1)]


class FastForwardUpgradeSimulation(UpgradeSimulation):
    kind = "upgrade"

    def _planned_phases(self) -> int:
        return 3 + len(self.order)

    def _prepare(self) -> Generator[Any, Any, None]:
        yield from self._phase("ffwd-upgrade prepare", self._stack(self.target, "UPDATE", before=self.source))
        if not self.failures:
            yield from self._phase("ffwd-upgrade run", self._ffwd_run())

    def _conclude(self) -> Generator[Any, Any, None]:
        yield from self._phase("ffwd-upgrade converge", self._converge())

    def releases(self) -> list[str]:
        return release_names(self.source.release, self.target.release) or ["ocata", "pike", "queens"]

    def _ffwd_run(self) -> Generator[Any, Any, None]:
        roles = [(r, [n.name for n in r.nodes]) for r in self.target.roles if r.nodes]
        hosts = [h for _, members in roles for h in members]
        files = {}
        for role, _ in roles:
            for key in (FAST_FORWARD_KEY, _POST_KEY):
                files[f"{role.name}/{key}.yaml"] = [t.body for t_step in role.tasks.get(key, {}).values()
                                                    for t in t_step]
        runner = Runner(self.inventory, effects=self._effects, limit=hosts, templar=self.templar,
                        loader=MappingLoader(files), extra_vars={"ansible_limit": ":".join(hosts)})
        releases = self.releases()
        skipped_over = releases[:-1]
        for index, release in enumerate(skipped_over):
            self._advance(index / len(releases))
            segments: list[tuple[str, list[dict[str, Any]]]] = [(f"{release} prep", _prep_tasks(roles))]
            segments += [(f"{release} {step}", _role_includes(roles, FAST_FORWARD_KEY, step, bootstrap=False))
                         for step in _PREP_STEPS]
            segments += [(f"{release} {step}", _role_includes(roles, FAST_FORWARD_KEY, step, bootstrap=True))
                         for step in _BOOTSTRAP_STEPS]
            for label, tasks in segments:
                play = {"hosts": "overcloud", "become": True, "name": f"Fast forward upgrade {label}",
                        "vars": {"release": release, "releases": releases, "ffu_releases": skipped_over},
                        "tasks": tasks}
                yield from self._run_plays(runner, [play], FAST_FORWARD_KEY, label)
                if self.failures:
                    return
        self._advance((len(releases) - 1) / len(releases))
        last = releases[-1]
        post = [{"set_fact": {"release": last, "ffu_packages_apply": True}},
                *_role_includes(roles, _POST_KEY, None, bootstrap=False),
                {"name": "Openstack Heat Agents package update", "yum": "name=openstack-heat-agents state=latest"},
                {"name": "Update os-collect-config", "yum": "name=os-collect-config state=latest"},
                {"name": "Start os-collect-config back up",
                 "service": "name=os-collect-config state=started enabled=yes"}]
        play = {"hosts": "overcloud", "become": True, "name": f"Fast forward upgrade post ({last})", "tasks": post}
        yield from self._run_plays(runner, [play], _POST_KEY, last)


def _prep_tasks(roles: Sequence[tuple[Any, list[str]]]) -> list[dict[str, Any]]:
    """fast_forward_upgrade_prep_tasks before the step loop: the os-collect-config workaround per role, the
    bootstrap node from hiera, the docker-puppet directory and script."""
    tasks: list[dict[str, Any]] = [
        {"name": f"Run Fast Forward Upgrade Prep Workarounds for {role.name}",
         "shell": "if [ ! -f /root/.ffu_workaround ]; then touch /root/.ffu_workaround; os-apply-config -m "
                  f"/var/lib/os-collect-config/{role.name}Deployment.json; systemctl stop os-collect-config; fi",
         "when": f"tripleo_role_name == '{role.name}'"}
        for role, _ in roles
    ]
    tasks += [
        {"name": "get bootstrap nodeid", "tags": "common",
         "command": "hiera -c /etc/puppet/hiera.yaml bootstrap_nodeid", "register": "bootstrap_node"},
        {"name": "set is_bootstrap_node ffu_packages_bootstrap_only facts", "tags": "common",
         "set_fact": "is_bootstrap_node={{bootstrap_node.stdout|lower == ansible_hostname|lower}} "
                     "ffu_packages_apply={{bootstrap_node.stdout|lower == ansible_hostname|lower}}"},
        {"name": "Create /var/lib/docker-puppet",
         "file": "path=/var/lib/docker-puppet state=directory setype=svirt_sandbox_file_t selevel=s0 recurse=true"},
        {"name": "Write docker-puppet.py",
         "copy": "src=docker_puppet_script.yaml dest=/var/lib/docker-puppet/docker-puppet.py force=yes mode=0600"},
    ]
    return tasks


def _role_includes(roles: Sequence[tuple[Any, list[str]]], key: str, step: int | None,
                   *, bootstrap: bool) -> list[dict[str, Any]]:
    """Each role's task file, included on its own hosts (and on its bootstrap node only, for steps 4-9)."""
    out = []
    for role, _ in roles:
        when = [f"tripleo_role_name == '{role.name}'"]
        if bootstrap:
            when.append("is_bootstrap_node|bool")
        include: dict[str, Any] = {"include_tasks": f"{role.name}/{key}.yaml", "when": when}
        if step is not None:
            include["vars"] = {"step": str(step)}  # with_sequence yields strings
        out.append(include)
    return out
