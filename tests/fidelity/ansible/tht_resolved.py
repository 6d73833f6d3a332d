"""Real THT step files resolved by the fake Heat: for each default role of a release, the role's
``upgrade_tasks``/``update_tasks`` as config-download splits them per step (tripleo-common's step regex), run as
one play per step over that role's hosts, with the global and per-service variables config-download gives
(``simulator.inventory``). Both sides run the same plays with the same variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tht_real import _role_calls, modules

from fakes.ansible import parse_tasks
from simulator.inventory import build_inventory
from simulator.planning import build_plan

__all__ = ["resolved_cases"]

KEYS = ("upgrade_tasks", "update_tasks")


def resolved_cases(tht_root: Path, counts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    counts = counts or {"ControllerCount": 3, "ComputeCount": 1}
    plan = build_plan(tht_root, parameters=counts)
    inventory = build_inventory(plan)
    group_vars = {"all": dict(inventory.group_vars.get("all", {}))}
    cases = []
    for role in plan.roles:
        if not role.nodes:
            continue
        groups = {role.name: [n.name for n in role.nodes]}
        role_vars = {**group_vars, role.name: dict(inventory.group_vars.get(role.name, {}))}
        for key in KEYS:
            steps = role.tasks.get(key, {})
            plays = []
            all_tasks: list[Any] = []
            for step in sorted(steps, key=int):
                tasks = [dict(t.body) for t in steps[step]]
                if not tasks:
                    continue
                all_tasks += tasks
                plays.append({"name": f"{role.name} {key} step {step}", "hosts": role.name, "gather_facts": False,
                              "vars": {"step": int(step)}, "tasks": tasks})
            if not plays:
                continue
            nodes = parse_tasks(all_tasks, f"{role.name}.{key}")
            cases.append({
                "name": f"{plan.release} {role.name} {key} (resolved by the fake Heat)",
                "playbook": plays, "groups": groups, "group_vars": role_vars, "files": {}, "limit": None,
                "tags": None, "skip_tags": None,
                "modules": sorted(modules(nodes)), "roles": sorted(set(_role_calls(nodes))),
            })
    return cases
