"""Real THT task lists as oracle inputs: from every ``deployment/**/*.yaml`` of a THT tree, the top-level
``upgrade_tasks``/``update_tasks`` entries that contain no Heat intrinsic function (until the fake Heat
evaluator resolves the rest), run as one play per step on a Controller/Compute inventory.

The THT tree is read at run time (``fakes.heat.fetch_release`` or a path); nothing from it is stored here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from fakes.ansible import parse_tasks
from fakes.ansible.tasks import Block, Node, Task

HEAT_FUNCTIONS = frozenset(
    {
        "get_param",
        "get_attr",
        "get_resource",
        "get_file",
        "str_replace",
        "str_replace_strict",
        "str_split",
        "list_join",
        "list_concat",
        "list_concat_unique",
        "map_merge",
        "map_replace",
        "repeat",
        "yaql",
        "if",
        "equals",
        "not",
        "and",
        "or",
        "contains",
        "filter",
        "make_url",
        "digest",
        "resolve",
    }
)
GROUPS = {"Controller": ["controller-0", "controller-1", "controller-2"], "Compute": ["compute-0"]}
GROUP_VARS = {
    "all": {
        "container_cli": "podman",
        "tripleo_role_name": "Controller",
        "deploy_identifier": "1",
        "enabled_services": ["pacemaker", "haproxy", "redis", "nova_libvirt"],
        "bootstrap_server_id": "x",
        "tripleo_minor_update": False,
        "cluster_recreate": False,
        "container_registry_insecure_registries": [],
    },
}
STEPS = range(6)


def heat_free(value: Any) -> bool:
    if isinstance(value, dict):
        return not (HEAT_FUNCTIONS & set(value)) and all(heat_free(v) for v in value.values())
    if isinstance(value, list):
        return all(heat_free(v) for v in value)
    return True


def _role_calls(nodes: Iterable[Node]) -> Iterable[tuple[str, str]]:
    for node in nodes:
        if isinstance(node, Block):
            yield from _role_calls((*node.block, *node.rescue, *node.always))
        elif isinstance(node, Task) and node.include is not None and node.include.kind == "role":
            yield node.include.target, node.include.tasks_from


def modules(nodes: Iterable[Node]) -> set[str]:
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, Block):
            out |= modules((*node.block, *node.rescue, *node.always))
        elif node.include is None:
            out.add(node.fqcn)
    return out


def task_lists(tht_root: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    """(``deployment/x.yaml: upgrade_tasks``, Heat-free top-level entries) for every service template."""
    out = []
    for path in sorted((tht_root / "deployment").rglob("*.yaml")):
        if path.name.endswith(".j2.yaml"):
            continue
        try:
            data = yaml.safe_load(path.read_text())
            role_data = data["outputs"]["role_data"]["value"]
        except (KeyError, TypeError, yaml.YAMLError):
            continue
        if not isinstance(role_data, dict):
            continue
        for key in ("upgrade_tasks", "update_tasks"):
            tasks = role_data.get(key)
            if isinstance(tasks, list):
                kept = [t for t in tasks if heat_free(t)]
                if kept:
                    out.append((f"{path.relative_to(tht_root)}: {key}", kept))
    return out


def real_cases(tht_root: Path) -> list[dict[str, Any]]:
    cases = []
    for where, tasks in task_lists(tht_root):
        nodes = parse_tasks(tasks, where)
        plays = [
            {
                "name": f"{where} step {step}",
                "hosts": "all",
                "gather_facts": False,
                "vars": {"step": step},
                "tasks": tasks,
            }
            for step in STEPS
        ]
        cases.append(
            {
                "name": where,
                "groups": GROUPS,
                "group_vars": GROUP_VARS,
                "files": {},
                "playbook": plays,
                "limit": None,
                "tags": None,
                "skip_tags": None,
                "modules": sorted(modules(nodes)),
                "roles": sorted(set(_role_calls(nodes))),
            }
        )
    return cases
