"""Ordering invariants over the plan's task lists per phase and step (config-download's step split)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..plan import Plan, Role
from .context import CheckContext
from .model import Invariant, TraceEntry, Violation
from .tasks import Leaf, bootstrap_guarded, db_sync_service, leaves, tests_definedness, when_variables

__all__ = ["ORDERING", "UPGRADE_KEYS", "positions"]

UPGRADE_KEYS = ("upgrade_tasks", "update_tasks")
# keys run by `upgrade run` / `update run` after the upgrade/update tasks: they restart what docker_config owns
_CONVERGED = ("deploy_steps_tasks", "post_upgrade_tasks", "post_update_tasks")
_CLUSTER_CHANGE = re.compile(r"\bpcs\s+(?:resource\s+(?:bundle\s+update|create|update|meta|op\s+add|delete)|"
                             r"property\s+set|constraint\s+(?:add|location|order|colocation))\b")
Pos = tuple[int, int, tuple[int, ...]]
# packages whose removal decommissions a unit of another name
PACKAGE_UNITS = {"net_snmp": ("snmpd",), "openstack_nova_compute": ("openstack_nova_compute",)}


def _step_num(step: str) -> int:
    return int(step) if step.isdigit() else -1


def positions(role: Role, key: str) -> list[tuple[Pos, str, Leaf]]:
    """Every leaf of ``key`` on ``role`` in execution order: (position, step, leaf); a task that names no step
    appears once per step. Leaves tagged ``never`` (run only on request, e.g. ``--tags system_upgrade`` with
    ``--limit`` one node) are not part of the plain phase run and are left out."""
    out = []
    for step in sorted(role.tasks.get(key, {}), key=_step_num):
        for task in role.tasks[key][step]:
            for leaf in leaves(task):
                if not leaf.on_request_only:
                    out.append(((_step_num(step), task.index, leaf.path), step, leaf))
    return out


def _deployed(plan: Plan) -> list[Role]:
    return [r for r in plan.roles if r.count > 0]


def _never_run(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        for nr in role.never_runs:
            yield Violation("never-run-step", f"{nr.key} task {nr.task!r} on role {role.name} never runs: {nr.reason}",
                            "guard the task with a step inside the loop (e.g. step|int == 5), or remove it",
                            (TraceEntry(f"when names step {nr.step}", role.name, nr.key, str(nr.step), nr.task),),
                            f"{role.name}/{nr.key}:{nr.task}")


def _unit(effect_target: str) -> str:
    name = effect_target.strip().strip("'\"")
    for suffix in (".service", "-bundle"):
        name = name.removesuffix(suffix)
    return name.removeprefix("tripleo_").replace("-", "_")


def _stops(leaf: Leaf) -> list[str]:
    out = []
    for e in leaf.effects:
        if e.kind in ("service", "container") and e.state == "stopped":
            out.append(_unit(e.target))
        elif e.kind == "pacemaker" and e.state in ("stopped", "disabled", "offline", "cluster-stopped"):
            out.append("pacemaker" if leaf.module == "pacemaker_cluster" or e.target == "cluster" else _unit(e.target))
    return out


def _starts(leaf: Leaf) -> list[tuple[str, str]]:
    out = []
    for e in leaf.effects:
        unit = "pacemaker" if leaf.module == "pacemaker_cluster" or e.target == "cluster" else _unit(e.target)
        if e.state in ("started", "restarted", "enabled", "online", "cluster-started"):
            out.append((unit, "started"))
        elif (e.kind, e.state) in (("service", "disabled"), ("container", "removed"), ("package", "absent"),
                                   ("package", "removed")):
            out += [(u, "decommissioned") for u in (unit, *PACKAGE_UNITS.get(unit, ()))]
    return out


def _converged_units(role: Role) -> set[str]:
    units = {_unit(c) for names in role.containers.values() for c in names}
    for key in _CONVERGED:
        for _, _, leaf in positions(role, key):
            units |= {u for u, _ in _starts(leaf)}
    return units


def _stopped_restarted(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        converged = _converged_units(role)
        for key in (*UPGRADE_KEYS, *_CONVERGED):
            seq = positions(role, key)
            for i, (_pos, step, leaf) in enumerate(seq):
                for unit in _stops(leaf):
                    later = [(u, k) for _, _, lf in seq[i:] for u, k in _starts(lf)]
                    if any(u == unit for u, _ in later):
                        continue
                    if key in UPGRADE_KEYS and unit in converged:
                        continue
                    yield Violation(
                        "stopped-restarted", f"{unit} is stopped in {key} on role {role.name} and nothing starts "
                        "it again (or removes it) before the phase ends", f"add a task that starts {unit} "
                        f"later in {key} (or disables/removes it on purpose)",
                        (TraceEntry(f"stops {unit}", role.name, key, step, leaf.name),
                         TraceEntry(f"no start of {unit} after step {step} in {key}, and the converge "
                                    f"(docker_config, {', '.join(_CONVERGED)}) does not restart it")),
                        f"{role.name}/{key}:{leaf.name}:{unit}")


def _api_stops(plan: Plan, key: str, service: str) -> list[tuple[Role, Pos, str, Leaf]]:
    out = []
    for role in _deployed(plan):
        for pos, step, leaf in positions(role, key):
            if any(u == service or u.startswith(f"{service}_api") for u in _stops(leaf)):
                out.append((role, pos, step, leaf))
    return out


def _db_syncs(plan: Plan) -> Iterator[tuple[Role, str, Pos, str, Leaf, str, TraceEntry]]:
    for role in _deployed(plan):
        for key in (*UPGRADE_KEYS, *_CONVERGED):
            for pos, step, leaf in positions(role, key):
                service = db_sync_service(leaf)
                if service is not None:
                    yield role, key, pos, step, leaf, service, TraceEntry(
                        f"migrates the {service} schema ({leaf.raw[:60] or leaf.module})", role.name, key, step,
                        leaf.name)


def _db_sync_once(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role, key, _pos, _step, leaf, service, here in _db_syncs(plan):
        if not bootstrap_guarded(leaf):
            yield Violation(
                "db-sync-once", f"{service} db sync in {key} runs on every node of role {role.name} "
                f"({role.count} now), not once on the bootstrap node",
                f"guard it with `when: {service}_short_bootstrap_node_name|lower == "
                "ansible_facts['hostname']|lower` (or run_once, or bootstrap_host_exec)",
                (here,), f"{role.name}/{key}:{leaf.name}")


def _db_sync_after_stop(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role, key, pos, step, leaf, service, here in _db_syncs(plan):
        if key not in UPGRADE_KEYS:
            continue
        apis = [(r.name, s) for r in _deployed(plan) for s in r.services
                if s == service or s.startswith(f"{service}_api")]
        stops = _api_stops(plan, key, service)
        before = [s for s in stops if s[1][0] < pos[0] or (s[0] is role and s[1] < pos)]
        if apis and not before:
            after = [s for s in stops if s not in before]
            trail = [TraceEntry(f"old {s} still serving", role=rn) for rn, s in apis[:3]]
            trail += [TraceEntry(f"stops the {service} API only after the migration", r.name, key, st, lf.name)
                      for r, _, st, lf in after[:2]]
            yield Violation(
                "db-sync-after-api-stop", f"{service} schema migration in {key} step {step} runs while "
                f"the old {service} API is still running", f"stop every old {service} API in an earlier "
                f"step of {key} than the migration (or move the migration after the stops)",
                (here, *trail), f"{role.name}/{key}:{leaf.name}")


def _cluster_change_once(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        for key in (*UPGRADE_KEYS, *_CONVERGED):
            for _, step, leaf in positions(role, key):
                if _CLUSTER_CHANGE.search(leaf.raw) and not bootstrap_guarded(leaf):
                    yield Violation(
                        "cluster-change-once", f"a cluster-wide pacemaker change in {key} runs on every node of "
                        f"role {role.name}, not once on the bootstrap node",
                        "guard it with the service's is_<service>_bootstrap_node fact (or run_once)",
                        (TraceEntry(leaf.raw[:80], role.name, key, step, leaf.name),),
                        f"{role.name}/{key}:{leaf.name}")


def _fact_before_set(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        for key, steps in role.tasks.items():
            if set(steps) == {"all"}:
                continue
            seq = positions(role, key)
            sets: dict[str, list[tuple[Pos, str, Leaf]]] = {}
            for pos, step, leaf in seq:
                for fact in leaf.facts_set:
                    sets.setdefault(fact, []).append((pos, step, leaf))
            reported = set()
            for pos, step, leaf in seq:
                used = {v for w in leaf.when for v in when_variables(w) if not tests_definedness(w, v)} & set(sets)
                for fact in sorted(used):
                    if any(p < pos for p, _, _ in sets[fact]) or (leaf.task.index, fact) in reported:
                        continue
                    reported.add((leaf.task.index, fact))
                    _p2, s2, l2 = min(sets[fact], key=lambda x: x[0])
                    yield Violation(
                        "fact-before-set", f"{leaf.name!r} on role {role.name} reads {fact} at {key} step {step}, "
                        f"but {fact} is first set at step {s2}", f"set {fact} in step {step} or earlier (or move "
                        "the reading task after it)",
                        (TraceEntry(f"when reads {fact}", role.name, key, step, leaf.name),
                         TraceEntry(f"sets {fact}", role.name, key, s2, l2.name)),
                        f"{role.name}/{key}:{leaf.name}:{fact}")


def _is_cluster_stop(leaf: Leaf) -> bool:
    return "pacemaker" in _stops(leaf) or bool(re.search(r"\bpcs\s+cluster\s+stop\b", leaf.raw))


def _serial(role: Role) -> Any:
    s = role.update_serial
    return int(s) if isinstance(s, int) or (isinstance(s, str) and s.isdigit()) else s


def _pacemaker_serial(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    members = sum(r.count for r in _deployed(plan) if "pacemaker" in r.services)
    for role in _deployed(plan):
        for key in UPGRADE_KEYS:
            seq = positions(role, key)
            for pos, step, leaf in seq:
                if not _is_cluster_stop(leaf):
                    continue
                everyone = "--all" in leaf.raw
                serial = _serial(role)
                locked = any(p < pos and p[0] == pos[0] and "--acquire" in lf.raw for p, _, lf in seq)
                batch = members if everyone else (serial if isinstance(serial, int) else role.count)
                batch = min(batch, role.count) if not everyone else batch
                if (leaf.throttle == 1 or locked) and not everyone:
                    continue
                if members < 2 or batch * 2 < members or (batch == 1 and not everyone):
                    continue  # one node at a time is the best a serial can do; even sizes are quorum-size's
                yield Violation(
                    "pacemaker-stop-serial", f"{key} step {step} stops pacemaker on {batch} of {members} cluster "
                    f"node(s) at once (role {role.name}, update_serial {role.update_serial}"
                    + (", pcs cluster stop --all" if everyone else "") + "): the cluster loses quorum",
                    "stop pacemaker node by node: update_serial 1 for the role, the cluster shutdown lock, or "
                    "`--limit` one node per run; never `pcs cluster stop --all` in an upgrade step",
                    (TraceEntry(f"stops pacemaker ({leaf.raw[:50] or leaf.module})", role.name, key, step, leaf.name),
                     TraceEntry(f"serial {role.update_serial}, no shutdown lock acquired earlier in step {step}",
                                role=role.name)), f"{role.name}/{key}:{leaf.name}")


ORDERING: tuple[Invariant, ...] = (
    Invariant("never-run-step", "ordering", "a task guarded by a step outside its playbook's loop never runs",
              _never_run),
    Invariant("db-sync-once", "ordering", "a schema migration runs once, on the bootstrap node", _db_sync_once),
    Invariant("db-sync-after-api-stop", "ordering", "a schema migration runs after every old API of that "
              "service has stopped", _db_sync_after_stop),
    Invariant("cluster-change-once", "ordering", "cluster-wide pacemaker changes (pcs resource/property) run "
              "once, on the bootstrap node", _cluster_change_once),
    Invariant("stopped-restarted", "ordering", "every service stopped in a phase runs again when the phase ends "
              "(or is removed on purpose)", _stopped_restarted),
    Invariant("fact-before-set", "ordering", "a fact read in a `when` is set in the same or an earlier step",
              _fact_before_set),
    Invariant("pacemaker-stop-serial", "ordering", "pacemaker is stopped on fewer than half the cluster at a "
              "time (serial, shutdown lock or --limit)", _pacemaker_serial),
)
