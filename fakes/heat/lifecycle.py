"""The resource dependency graph of an evaluated stack, for simulating Heat stack operations.

Heat orders a stack's resources by their references: ``depends_on`` and every ``get_resource``/``get_attr``
naming another resource of the same template (in either branch of an ``if``, as Heat's dependency scan does).
Resources whose ``condition`` is false are not part of the stack.  A ``OS::Heat::ResourceGroup`` carries its
member count (members are created concurrently).  With ``nested_depth``, a nested stack (a template resource, a
group's member, a ``OS::Heat::ResourceChain``'s members) carries its own resources as ``children``, down to that
many levels: a group's children are its first member's resources (members share a template), a chain's are its
members, each after the previous unless the chain is ``concurrent``. Other nested stacks are expanded when the
evaluation of the stack's outputs has created them already (creating one only for this can cost seconds).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .errors import CyclicStackError, TemplateError
from .functions import EvalError

__all__ = ["Deployment", "StackResource", "find_resource", "resource_graph", "to_networkx"]


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
    # a nested stack's own resources (a ResourceGroup: one member's; a ResourceChain: its members), if expanded
    children: tuple[StackResource, ...] = ()
    # what Heat compares on UPDATE to decide whether a resource needs updating: a digest of its resolved type and
    # properties (with its metadata, dependencies and policies); None for a nested stack, a group or a chain (Heat
    # always updates those: their own resources decide) or a resource whose properties cannot be evaluated
    digest: str | None = None

    def walk(self, prefix: str = "") -> Iterator[tuple[str, StackResource]]:
        """This resource and every nested one, with its path (``Controller.0.NetworkDeployment``; a group's
        members are all ``0``: they share one expansion)."""
        path = f"{prefix}.{self.name}" if prefix else self.name
        yield path, self
        inner = f"{path}.0" if self.type == "OS::Heat::ResourceGroup" else path
        for child in self.children:
            yield from child.walk(inner)


def _references(snippet: Any, names: Mapping[str, Any], attributes_only: bool = False) -> Iterator[str]:
    """The resources of ``names`` that ``snippet`` references (``get_resource``, ``get_attr``; with
    ``attributes_only`` only those whose attributes it reads)."""
    if isinstance(snippet, Mapping):
        for key, value in snippet.items():
            if key == "get_resource" and not attributes_only and isinstance(value, str) and value in names:
                yield value
            elif key == "get_attr" and isinstance(value, list) and value and isinstance(value[0], str) \
                    and value[0] in names:
                yield value[0]
            yield from _references(value, names, attributes_only)
    elif isinstance(snippet, list):
        for item in snippet:
            yield from _references(item, names, attributes_only)


def resource_graph(stack: Any, nested_depth: int = 0,
                   _cache: dict[int, tuple[Any, tuple[StackResource, ...]]] | None = None) -> tuple[StackResource, ...]:
    """The resources of ``stack`` (a :class:`fakes.heat.stack.Stack`) with what each waits for, in template
    order, nested stacks expanded ``nested_depth`` levels; a dependency cycle is a
    :class:`~fakes.heat.errors.CyclicStackError` naming it."""
    cache = {} if _cache is None else _cache
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
        children = _nested(stack, name, nested_depth - 1, cache) if nested_depth > 0 else ()
        depends_on = tuple(d for d in deps if d in present)
        out.append(StackResource(name, str(definition.get("type")), depends_on, members, deployment, children,
                                 _definition_digest(stack, name, definition, depends_on, present)))
    graph = to_networkx(out)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        raise CyclicStackError(stack.file, "resources", expected="resources without a dependency cycle",
                               found=" -> ".join([str(cycle[0][0]), *(str(v) for _, v in cycle)]))
    return tuple(out)


_GROUP = "OS::Heat::SoftwareDeploymentGroup"


def find_resource(resources: tuple[StackResource, ...] | list[StackResource], path: str) -> StackResource | None:
    """The resource at a dotted ``path`` (``Controller``, ``Controller.1.NetworkDeployment``: a group member's
    index, then a resource of the member template), or None."""
    level: tuple[StackResource, ...] | list[StackResource] = resources
    parts = path.split(".")
    found: StackResource | None = None
    i = 0
    while i < len(parts):
        found = next((r for r in level if r.name == parts[i]), None)
        if found is None:
            return None
        i += 1
        if found.type == "OS::Heat::ResourceGroup" and i < len(parts):
            # a member's index as Heat names it (``1``, not ``01``), and then a resource of the member template:
            # a member alone (``Controller.1``) is no resource a fault can fail here
            if not parts[i].isdigit() or parts[i] != str(int(parts[i])) or int(parts[i]) >= found.members \
                    or i + 1 == len(parts):
                return None
            i += 1
        level = found.children
    return found


def _nested(stack: Any, name: str, depth: int,
            cache: dict[int, tuple[Any, tuple[StackResource, ...]]]) -> tuple[StackResource, ...]:
    """The resources inside resource ``name`` of ``stack``, if it is a nested stack, a group or a chain (one that
    cannot be evaluated stays a single resource)."""
    from .resources import ResourceChain, ResourceGroup, TemplateResource

    def graph(resource: Any, evaluate: bool = False) -> tuple[StackResource, ...]:
        if not isinstance(resource, TemplateResource):
            return ()
        # a nested stack the evaluation of the plan's outputs has not created stays one resource unless it is a
        # group member or a chain member: creating it can cost seconds (a 1,000-node IP map's yaql)
        if resource._nested is None and not evaluate:
            return ()
        nested = resource.nested()
        key = id(nested)
        if key not in cache:  # nested stacks are shared by (template, parameters): expand each once
            cache[key] = (nested, resource_graph(nested, depth, cache))
        return cache[key][1]

    try:
        resource = stack.resource(name)
        if isinstance(resource, ResourceGroup):
            members = resource.members()
            return graph(members[0], evaluate=True) if members else ()
        if isinstance(resource, ResourceChain):
            members = resource.members()
            concurrent = bool(resource.properties().get("concurrent", False))
            chain = []
            for i, m in enumerate(members):
                after = () if concurrent or i == 0 else (str(i - 1),)
                children = graph(m, evaluate=True) if depth > 0 else ()
                chain.append(StackResource(str(i), m.rtype, after, children=children,
                                           digest=_frozen_digest(m, {"depends_on": list(after)})))
            return tuple(chain)
        return graph(resource)
    except (EvalError, TemplateError):
        return ()


def _definition_digest(stack: Any, name: str, definition: Mapping[str, Any], depends: tuple[str, ...],
                       present: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Heat's "needs update" test compares a resource's frozen definition before and after: its resolved properties,
    metadata, dependencies and policies (Heat's ``Resource._needs_update``); a stack resource (a template, a group,
    a chain) always updates, letting its own resources decide, and so does one that takes tripleoclient's
    ``DeployIdentifier`` (new on every stack operation). A resource that reads a ResourceGroup's attributes (the
    overcloud's per-node maps: ``AnsibleHostVars``, ``<Role>NetworkHostnameMap``) counts as changed too: resolving it
    would evaluate every member's stack, seconds at a thousand nodes, for a resource that updates in seconds."""
    if any(present.get(ref, {}).get("type") == "OS::Heat::ResourceGroup"
           for ref in _references(definition.get("properties"), present, attributes_only=True)):
        return None
    try:
        resource = stack.resource(name)
        policies = {k: stack.located(definition[k], f"resources.{name}.{k}")
                    for k in ("metadata", "deletion_policy", "update_policy") if k in definition}
    except (EvalError, TemplateError):
        return None
    return _frozen_digest(resource, {"depends_on": sorted(depends), **policies})


def _frozen_digest(resource: Any, extra: Mapping[str, Any]) -> str | None:
    """The digest of ``resource``'s resolved type and properties with ``extra`` (see :func:`_definition_digest`),
    or None where Heat always updates it."""
    from .api import DEPLOY_IDENTIFIER
    from .resources import TemplateResource, _Members

    if isinstance(resource, TemplateResource | _Members):
        return None
    try:
        text = json.dumps({"type": resource.rtype, "properties": resource.properties(), **extra}, sort_keys=True,
                          default=str)
    except (EvalError, TemplateError, TypeError, ValueError):
        return None
    if DEPLOY_IDENTIFIER in text:
        return None
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
