"""Real THT task lists as oracle inputs: from every ``deployment/**/*.yaml`` of a THT tree, the top-level
``upgrade_tasks``/``update_tasks`` entries that contain no Heat intrinsic function (until the fake Heat
evaluator resolves the rest), run as one play per step on a Controller/Compute inventory.

The THT tree is read at run time (``fakes.heat.fetch_release`` or a path); nothing from it is stored here.
"""

from __future__ import annotations

import re
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


SERVICE_DIRS = ("deployment", "puppet/services", "docker/services", "extraconfig/services")
STEP_TAG = re.compile(r"^step\d$")


def _lists(value: Any, where: str) -> Iterable[tuple[str, list[Any]]]:
    """Task lists inside a role_data value: the value itself, or lists nested in Heat functions (yaql data,
    list_concat...) whose entries are task mappings.  Only Heat-free entries are kept."""
    if isinstance(value, list):
        if value and all(isinstance(t, dict) and not (HEAT_FUNCTIONS & set(t)) for t in value):
            kept = [t for t in value if heat_free(t)]
            if kept:
                yield where, kept
            return
        for index, item in enumerate(value):
            yield from _lists(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _lists(item, f"{where}.{key}")


def task_lists(tht_root: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    """(``deployment/x.yaml: upgrade_tasks``, Heat-free entries) for every service template of the tree."""
    out = []
    for folder in SERVICE_DIRS:
        for path in sorted((tht_root / folder).rglob("*.yaml")) if (tht_root / folder).is_dir() else ():
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
                out += list(_lists(role_data.get(key), f"{path.relative_to(tht_root)}: {key}"))
    return out


def _tags(nodes: Iterable[Node]) -> set[str]:
    out: set[str] = set()
    for node in nodes:
        out |= set(node.tags)
        if isinstance(node, Block):
            out |= _tags((*node.block, *node.rescue, *node.always))
    return out


def real_cases(tht_root: Path) -> list[dict[str, Any]]:
    """One case per task list.  Queens+ lists (``when: step|int == N``) run as one play per step; Ocata lists
    (``tags: stepN``) run per step with ``--tags stepN`` as Ocata's Heat-driven upgrade did."""
    cases = []
    for where, tasks in task_lists(tht_root):
        nodes = parse_tasks(tasks, where)
        step_tags = sorted(t for t in _tags(nodes) if STEP_TAG.match(t))
        base = {
            "groups": GROUPS,
            "group_vars": GROUP_VARS,
            "files": {},
            "limit": None,
            "skip_tags": None,
            "modules": sorted(modules(nodes)),
            "roles": sorted(set(_role_calls(nodes))),
        }
        if step_tags:
            for tag in step_tags:
                play = {
                    "name": f"{where} {tag}",
                    "hosts": "all",
                    "gather_facts": False,
                    "vars": {"step": int(tag[4:])},
                    "tasks": tasks,
                }
                cases.append({**base, "name": f"{where} --tags {tag}", "playbook": [play], "tags": [tag]})
            continue
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
        cases.append({**base, "name": where, "playbook": plays, "tags": None})
    return cases
