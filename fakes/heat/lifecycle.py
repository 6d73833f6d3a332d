"""The resource dependency graph of an evaluated stack, for simulating Heat stack operations.

Heat orders a stack's resources by their references: ``depends_on`` and every ``get_resource``/``get_attr``
naming another resource of the same template (in either branch of an ``if``, as Heat's dependency scan does).
Resources whose ``condition`` is false are not part of the stack.  A ``OS::Heat::ResourceGroup`` carries its
member count (members are created concurrently); other nested stacks are one resource each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .errors import CyclicStackError, TemplateError
from .functions import EvalError

__all__ = ["Deployment", "StackResource", "resource_graph", "to_networkx"]


@dataclass(frozen=True)
class Deployment:
    """What a SoftwareDeploymentGroup of Ocata's upgrade steps runs: ``role_data[role][tasks_key]`` at ``step``
    on the role's servers (``servers: {get_param: [servers, Role]}``, its config resource's
    ``UpgradeStepConfig: {get_param: [role_data, Role, key]}`` and ``step``), ``batch_size`` servers at a time
    when the group has an ``update_policy`` (``batch_create.max_batch_size``)."""

    role: str
    tasks_key: str
    step: int
    batch_size: int | None = None


@dataclass(frozen=True)
class StackResource:
    name: str
    type: str  # as written in the template (a registry alias such as OS::TripleO::Controller, or a native type)
    depends: tuple[str, ...] = ()
    members: int = 1  # a ResourceGroup's count
    deployment: Deployment | None = None  # for an upgrade-step SoftwareDeploymentGroup


def _references(snippet: Any, names: Mapping[str, Any]) -> Iterator[str]:
    if isinstance(snippet, Mapping):
        for key, value in snippet.items():
            if key == "get_resource" and isinstance(value, str) and value in names:
                yield value
            elif key == "get_attr" and isinstance(value, list) and value and isinstance(value[0], str) \
                    and value[0] in names:
                yield value[0]
            yield from _references(value, names)
    elif isinstance(snippet, list):
        for item in snippet:
            yield from _references(item, names)


def resource_graph(stack: Any) -> tuple[StackResource, ...]:
    """The resources of ``stack`` (a :class:`fakes.heat.stack.Stack`) with what each waits for, in template
    order; a dependency cycle is a :class:`~fakes.heat.errors.CyclicStackError` naming it."""
    definitions: Mapping[str, Any] = stack.template.get("resources") or {}
    present: dict[str, Mapping[str, Any]] = {}
    for name, definition in definitions.items():
        if not isinstance(definition, Mapping):
            continue
        if "condition" in definition and not stack.located_condition(definition["condition"],
                                                                       f"resources.{name}.condition"):
            continue
        present[name] = definition
    out = []
    for name, definition in present.items():
        depends = definition.get("depends_on") or []
        deps = dict.fromkeys([depends] if isinstance(depends, str) else list(depends))
        deps.update(dict.fromkeys(_references({k: v for k, v in definition.items() if k != "depends_on"}, present)))
        deps.pop(name, None)
        members = 1
        if definition.get("type") == "OS::Heat::ResourceGroup":
            try:
                members = int(stack.resource(name).properties().get("count", 1))
            except (EvalError, TemplateError, TypeError, ValueError):
                members = 1
        deployment = _deployment(definition, present) if definition.get("type") == _GROUP else None
        out.append(StackResource(name, str(definition.get("type")), tuple(d for d in deps if d in present),
                                 members, deployment))
    graph = to_networkx(out)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        raise CyclicStackError(stack.file, "resources", expected="resources without a dependency cycle",
                               found=" -> ".join([str(cycle[0][0]), *(str(v) for _, v in cycle)]))
    return tuple(out)


_GROUP = "OS::Heat::SoftwareDeploymentGroup"


def _get_param_path(value: Any) -> list[Any] | None:
    if isinstance(value, Mapping) and isinstance(value.get("get_param"), list):
        return list(value["get_param"])
    return None


def _deployment(definition: Mapping[str, Any], present: Mapping[str, Mapping[str, Any]]) -> Deployment | None:
    props = definition.get("properties") or {}
    servers = _get_param_path(props.get("servers"))
    config = props.get("config")
    if not servers or len(servers) != 2 or servers[0] != "servers" or not isinstance(config, Mapping):
        return None
    config_def = present.get(str(config.get("get_resource")))
    config_props = (config_def or {}).get("properties") or {}
    tasks = _get_param_path(config_props.get("UpgradeStepConfig"))
    step = config_props.get("step")
    if not tasks or len(tasks) != 3 or tasks[0] != "role_data" or not isinstance(step, int | str):
        return None
    policy = definition.get("update_policy") or {}
    batch = (policy.get("batch_create") or policy.get("rolling_update") or {}).get("max_batch_size")
    try:
        return Deployment(str(servers[1]), str(tasks[2]), int(step), int(batch) if batch is not None else None)
    except (TypeError, ValueError):
        return None


def to_networkx(resources: tuple[StackResource, ...] | list[StackResource]) -> nx.DiGraph:
    """Edges point from a resource to the resources that wait for it."""
    graph = nx.DiGraph()
    for r in resources:
        graph.add_node(r.name, type=r.type, members=r.members)
        for d in r.depends:
            graph.add_edge(d, r.name)
    return graph
