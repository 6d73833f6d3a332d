"""The frozen plan: per role, its services, nodes and lifecycle tasks split into steps.

Value objects only (no I/O); :mod:`simulator.planning` builds them from a THT tree through the fake Heat.
The step split is tripleo-common config-download's: the regex ``\\(?step(?:\\|int)?\\)?==(\\d+)`` over the task's
``when`` text with blanks removed; a task that names no step runs at every step of its playbook's loop; a task
whose steps all lie outside the loop never runs (kept, and reported in :attr:`Role.never_runs`). Ocata/Pike
upgrade tasks are split by ``tags: stepN`` instead (``common``/``always`` run at every step, untagged never).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fakes.ansible.roles import containers_managed_from, containers_started_by
from fakes.heat.lifecycle import StackResource

__all__ = [
    "STEP_RE",
    "NeverRun",
    "Node",
    "Phase",
    "Plan",
    "Role",
    "Task",
    "release_major",
    "split_steps",
    "task_steps",
]


def release_major(release: str) -> int | None:
    """A THT release's major version (one per OpenStack release: 6 Ocata ... 11 Train, 14 Wallaby, 18); None for a
    local tree whose version is not a number."""
    major = release.split(".")[0]
    return int(major) if major.isdigit() else None


STEP_RE = re.compile(r"\(?step(?:\|int)?\)?==(\d+)")
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class Phase:
    """A role_data key run by a playbook loop over ``steps``; ``steps`` is None for a key run once."""

    key: str
    steps: tuple[int, ...] | None
    by_tags: bool = False


@dataclass(frozen=True)
class Task:
    name: str
    index: int  # position in the role's list for this key
    body: Mapping[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def module(self) -> str:
        for key in self.body:
            if key not in _TASK_KEYWORDS:
                return key
        return "block" if "block" in self.body else "?"


_TASK_KEYWORDS = frozenset({
    "name", "when", "tags", "become", "become_user", "register", "loop", "with_items", "with_dict",
    "with_sequence", "loop_control", "vars", "ignore_errors", "failed_when", "changed_when", "until", "retries",
    "delay", "delegate_to", "run_once", "no_log", "environment", "args", "notify", "check_mode", "any_errors_fatal",
    "block", "rescue", "always", "async", "poll", "debugger", "diff", "timeout", "throttle", "connection",
    "collections", "module_defaults", "ignore_unreachable", "local_action", "delegate_facts", "listen",
})


@dataclass(frozen=True)
class NeverRun:
    key: str
    step: int | str
    task: str
    reason: str


@dataclass(frozen=True)
class Node:
    name: str
    role: str
    index: int
    bootstrap: bool


@dataclass(frozen=True)
class Role:
    name: str
    count: int
    hostname_format: str
    services: tuple[str, ...]
    disabled_services: tuple[str, ...]
    nodes: tuple[Node, ...]
    tags: tuple[str, ...]
    networks: tuple[str, ...]
    update_serial: int | str
    tasks: Mapping[str, Mapping[str, tuple[Task, ...]]]  # key -> step ("0".."5" or "all") -> tasks
    never_runs: tuple[NeverRun, ...]
    containers: Mapping[str, tuple[str, ...]]  # docker_config step -> container names
    role_data_keys: tuple[str, ...]
    docker_config: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # the Kolla config of each container (config file path -> command, config_files, permissions) and the role's
    # hieradata (role_data config_settings)
    kolla_config: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    config_settings: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # a hash of what each config volume of the role's puppet_config is generated from (simulator.puppet_config)
    config_volumes: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    # roles_data: Ocata's composable upgrade leaves these roles to upgrade-non-controller.sh
    disable_upgrade_deployment: bool = False

    @property
    def bootstrap_node(self) -> Node | None:
        return self.nodes[0] if self.nodes else None

    def step_config(self, step: str) -> dict[str, Any]:
        """The docker_config definitions of the containers started at deploy step ``step``: the step's own and those
        of ``step_0`` its tasks start (see :func:`with_role_started_containers`), or, at step 0, those they do
        not."""
        started = set(self.containers.get(step, ()))
        own = self.docker_config.get(f"step_{step}", self.docker_config.get(step, {}))
        config = {n: d for n, d in own.items() if step != "0" or n in started} if isinstance(own, Mapping) else {}
        zero = self.docker_config.get("step_0", {})
        if step != "0" and isinstance(zero, Mapping):
            config.update((n, d) for n, d in zero.items() if n in started and n not in config)
        return config

    def images(self, step: str | None = None) -> dict[str, str]:
        """The image (name:tag) of each container of the role's docker_config (at ``step``, or every step)."""
        steps = [self.step_config(step)] if step is not None else list(self.docker_config.values())
        return {name: d["image"] for config in steps if isinstance(config, Mapping) for name, d in config.items()
                if isinstance(d, Mapping) and isinstance(d.get("image"), str)}

    def mounts(self) -> Iterator[tuple[str, str]]:
        """``(container, host path)`` of each bind mount in the role's docker_config (``host:container[:opts]``)."""
        for config in self.docker_config.values():
            for name, d in (config.items() if isinstance(config, Mapping) else ()):
                volumes = d.get("volumes") if isinstance(d, Mapping) else None
                for volume in volumes if isinstance(volumes, list) else ():
                    if isinstance(volume, str) and ":" in volume:
                        yield name, volume


@dataclass(frozen=True)
class Plan:
    release: str
    templates: str
    roles: tuple[Role, ...]
    phases: tuple[Phase, ...]
    environment_files: tuple[str, ...]
    # config-download's global_vars (RoleConfig output of the stack); filled on request, for simulations
    global_vars: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # the overcloud stack's resources and their dependencies (fakes.heat.lifecycle), for stack operations
    stack_resources: tuple[StackResource, ...] = field(default=(), compare=False, repr=False)
    # Ocata's Heat-driven upgrade: the resources of the upgrade-steps stack (major_upgrade_steps.yaml)
    heat_upgrade_steps: tuple[StackResource, ...] = field(default=(), compare=False, repr=False)
    # the stack's VipMap (network -> VIP address, '' where the network has none), for simulations
    vip_map: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # what the release's pacemaker_restart_bundle.sh tests before a global restart (simulator.planning.restart_gate)
    restart_gate: str = field(default="", compare=False, repr=False)

    def role(self, name: str) -> Role:
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(f"no role {name!r} in the plan (roles: {', '.join(r.name for r in self.roles)})")

    def role_of(self, node: str) -> Role | None:
        """The role whose nodes include ``node`` (None: no such node in the plan)."""
        return next((r for r in self.roles if any(n.name == node for n in r.nodes)), None)

    def inventory(self) -> dict[str, tuple[str, ...]]:
        """Groups as tripleo-ansible-inventory makes them: one per role, one per service_name, and
        ``excluded_overcloud`` (empty unless nodes are blacklisted), ``overcloud`` for all."""
        groups: dict[str, list[str]] = {"overcloud": [], "excluded_overcloud": []}
        for role in self.roles:
            names = [n.name for n in role.nodes]
            groups[role.name] = names
            groups["overcloud"] += names
            for service in role.services:
                groups.setdefault(service, []).extend(names)
        return {k: tuple(v) for k, v in groups.items()}

    def to_json(self) -> dict[str, Any]:
        """The documented, stable JSON of ``tripleo-sim plan --json`` (schema version 1)."""
        return {
            "schema": 1,
            "release": self.release,
            "templates": self.templates,
            "environment_files": list(self.environment_files),
            "phases": {p.key: (list(p.steps) if p.steps is not None else None) for p in self.phases},
            "roles": [
                {
                    "name": r.name,
                    "count": r.count,
                    "hostname_format": r.hostname_format,
                    "nodes": [{"name": n.name, "bootstrap": n.bootstrap} for n in r.nodes],
                    "services": list(r.services),
                    "disabled_services": list(r.disabled_services),
                    "tags": list(r.tags),
                    "networks": list(r.networks),
                    "update_serial": r.update_serial,
                    "tasks": {key: {step: [t.name for t in tasks] for step, tasks in steps.items()}
                              for key, steps in r.tasks.items()},
                    "never_runs": [{"phase": n.key, "step": n.step, "task": n.task, "reason": n.reason}
                                   for n in r.never_runs],
                    "containers": {step: list(names) for step, names in r.containers.items()},
                }
                for r in self.roles
            ],
            "inventory": {k: list(v) for k, v in self.inventory().items()},
        }


def stable_digest(value: Any, length: int = 12) -> str:
    """A short sha256 of ``value``'s JSON (keys sorted): the same for equal values in any run."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:length]


def nested_mappings(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping in ``node`` (a task body, a list of them), ``node`` itself first, then what its values and list
    items hold, in order (depth first)."""
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from nested_mappings(value)
    elif isinstance(node, list):
        for item in node:
            yield from nested_mappings(item)


def task_steps(task: Mapping[str, Any]) -> set[int] | None:
    """The steps a task's ``when`` names (config-download's regex), or None when it names none."""
    when = task.get("when")
    if when is None:
        return None
    if not isinstance(when, list):
        when = [when]
    flat = "".join(_BLANKS.sub("", w) for w in when if isinstance(w, str))
    found = STEP_RE.findall(flat)
    return {int(s) for s in found} if found else None


def _tag_steps(task: Mapping[str, Any], inherited: frozenset[str] = frozenset()) -> tuple[bool, set[int] | None]:
    """Ocata/Pike: (selected by `--tags common,stepN` at all, its steps or None for every step). A block's tasks
    carry their own tags and the block's (Ansible filters tasks, not blocks): a block without tags whose tasks
    are tagged ``step5`` runs at step 5."""
    tags = task.get("tags")
    own = [t.strip() for t in (tags.split(",") if isinstance(tags, str) else tags or []) if isinstance(t, str)]
    names = inherited | frozenset(own)
    if "always" in names or "common" in names:
        return True, None
    steps = {int(t[4:]) for t in names if t.startswith("step") and t[4:].isdigit()}
    inner = [t for key in ("block", "rescue", "always") if isinstance(task.get(key), list)
             for t in task[key] if isinstance(t, Mapping)]
    if not inner:
        return bool(steps), steps
    selected = False
    for t in inner:
        t_selected, t_steps = _tag_steps(t, names)
        if t_selected and t_steps is None:
            return True, None
        if t_selected:
            selected = True
            steps |= t_steps or set()
    return selected, steps


def _task_name(task: Any, index: int) -> str:
    if isinstance(task, Mapping) and isinstance(task.get("name"), str):
        return task["name"]
    if isinstance(task, Mapping):
        for key in task:
            if key not in _TASK_KEYWORDS:
                return f"<unnamed {key} #{index}>"
    return f"<unnamed #{index}>"


def with_role_started_containers(containers: Mapping[str, tuple[str, ...]],
                                 deploy_steps: Mapping[str, tuple[Task, ...]]) -> dict[str, tuple[str, ...]]:
    """A role's containers by deploy step: its docker_config's, plus (from 18.0.0 on) those that tripleo-ansible
    roles start in its deploy_steps_tasks (:data:`fakes.ansible.roles.SERVICE_CONTAINER_ROLES`)."""
    out = dict(containers)
    for step, step_tasks in deploy_steps.items():
        started = {c for t in step_tasks if isinstance(t.body, Mapping) for c in containers_started_by(t.body)}
        if started and step.isdigit():
            out[step] = tuple(sorted({*out.get(step, ()), *started}))
    # docker_config's step_0 containers: the deploy steps start containers from step 1 on, so a service with step_0
    # containers starts them itself with tripleo_container_manage (Wallaby's and 18.0.0's ovn-dbs-cluster-ansible
    # at step 3); they start at the first step whose tasks do so (those no task names stay at step 0)
    for step in sorted((s for s in deploy_steps if s.isdigit() and s != "0"), key=int):
        managed = {c for t in deploy_steps[step] if isinstance(t.body, Mapping)
                   for c in containers_managed_from(t.body, "step_0")} & set(out.get("0", ()))
        if managed:
            out[step] = tuple(sorted({*out.get(step, ()), *managed}))
            out["0"] = tuple(c for c in out["0"] if c not in managed)
    return dict(sorted(out.items()))


def split_steps(key: str, tasks: list[Any], phase: Phase) -> tuple[dict[str, tuple[Task, ...]], list[NeverRun]]:
    """Split one role_data task list into steps of its playbook loop."""
    objs = [Task(_task_name(t, i), i, t if isinstance(t, Mapping) else {"raw": t}) for i, t in enumerate(tasks)]
    if phase.steps is None:
        return {"all": tuple(objs)}, []
    loop = phase.steps
    per: dict[str, list[Task]] = {str(s): [] for s in loop}
    never: list[NeverRun] = []
    for obj in objs:
        steps: set[int] | None
        if phase.by_tags:
            selected, steps = _tag_steps(obj.body)
            if not selected:
                never.append(NeverRun(key, "-", obj.name, "no stepN/common tag: `--tags stepN` never selects it"))
                continue
        else:
            steps = task_steps(obj.body)
        if steps is None:
            for s in loop:
                per[str(s)].append(obj)
            continue
        inside = [s for s in sorted(steps) if s in loop]
        for s in inside:
            per[str(s)].append(obj)
        for s in sorted(steps):
            if s not in loop:
                never.append(NeverRun(key, s, obj.name,
                                      f"step {s} is outside the playbook loop {loop[0]}..{loop[-1]}"))
    return {k: tuple(v) for k, v in per.items()}, never
