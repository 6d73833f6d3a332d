"""Role layouts over a release's real service catalogue, composed into plans without re-evaluating Heat.

:func:`catalogue_for` evaluates the overcloud of a tree once and keeps each service's own ``role_data`` (the
members of every role's ``ServiceChain``). :func:`compose_plan` then builds the plan of any layout (roles made
of catalogue services, node counts, networks) the way ``common/services/role.role.j2.yaml`` merges a chain:
each ``*_tasks`` list is the services' lists in chain order, flattened, ``distinct()``; ``docker_config`` steps
are merged. Steps are split by :func:`simulator.plan.split_steps`. A service's role_data is the one evaluated
for the first role that has it (role-specific parameters of other roles are not re-evaluated); a test checks
the composition against :func:`simulator.planning.build_plan` for the release's own roles.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fakes.heat import TemplateTree, load_environment, overcloud_stack

from ..plan import Node, Phase, Plan, Role, Task, split_steps, with_role_started_containers
from ..planning import client_environment_files, phases_for
from .model import InvariantError

__all__ = ["Layout", "LayoutRole", "ServiceCatalogue", "catalogue_for", "compose_plan"]


@dataclass(frozen=True)
class LayoutRole:
    name: str
    services: tuple[str, ...]  # service_name values of the catalogue
    count: int
    networks: tuple[str, ...] = ()
    update_serial: int = 1
    hostname_format: str = ""
    tags: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.name} x{self.count} [{', '.join(self.services)}] nets {','.join(self.networks) or '-'}"


@dataclass(frozen=True)
class Layout:
    roles: tuple[LayoutRole, ...]

    @property
    def node_count(self) -> int:
        return sum(r.count for r in self.roles)

    def describe(self) -> str:
        return "\n".join(r.describe() for r in self.roles)


@dataclass(frozen=True)
class ServiceCatalogue:
    release: str
    templates: str
    order: tuple[str, ...]  # service names in ServiceChain order
    role_data: Mapping[str, Mapping[str, Any]] = field(repr=False)
    home_role: Mapping[str, str] = field(repr=False)  # service -> the role it was evaluated for
    default_networks: Mapping[str, tuple[str, ...]] = field(repr=False)  # role -> networks in roles_data
    default_services: Mapping[str, tuple[str, ...]] = field(repr=False)  # role -> its enabled service names
    phases: tuple[Phase, ...] = field(repr=False)
    _roles: dict[Any, Role] = field(default_factory=dict, repr=False, compare=False)

    @property
    def services(self) -> tuple[str, ...]:
        return self.order


def catalogue_for(tree: TemplateTree, environment_files: Iterable[str | os.PathLike[str]] = ()) -> ServiceCatalogue:
    env = load_environment(tree, [*client_environment_files(tree), *environment_files])
    stack = overcloud_stack(tree, env)
    order: list[str] = []
    data: dict[str, Mapping[str, Any]] = {}
    home: dict[str, str] = {}
    nets: dict[str, tuple[str, ...]] = {}
    per_role: dict[str, tuple[str, ...]] = {}
    for rd in tree.roles_data:
        name = rd["name"]
        networks = rd.get("networks") or ()
        nets[name] = tuple(str(n) for n in networks)  # a list of names or a mapping keyed by them
        chain = stack.resource(f"{name}ServiceChain").nested()
        entries = [e for e in chain.attr("ServiceChain", "role_data", []) or ()
                   if isinstance(e, Mapping) and isinstance(e.get("service_name"), str)]
        per_role[name] = tuple(e["service_name"] for e in entries)
        for entry in entries:
            svc = entry["service_name"]
            if svc not in data:
                data[svc], home[svc] = entry, name
                order.append(svc)
    return ServiceCatalogue(tree.version, str(tree.root), tuple(order), data, home, nets, per_role,
                            tuple(phases_for(tree).values()))


def _distinct(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _role(cat: ServiceCatalogue, lr: LayoutRole) -> Role:
    key = (lr.name, lr.services)
    cached = cat._roles.get(key)
    if cached is None:
        unknown = [s for s in lr.services if s not in cat.role_data]
        if unknown:
            raise InvariantError(f"layout role {lr.name}", "services", f"services of the {cat.release} catalogue",
                                 ", ".join(unknown))
        ordered = [s for s in cat.order if s in lr.services]
        phases = {p.key: p for p in cat.phases}
        lists: dict[str, list[Any]] = {}
        containers: dict[str, set[str]] = {}
        for svc in ordered:
            rd = cat.role_data[svc]
            for k, v in rd.items():
                if k.endswith("_tasks") and isinstance(v, list):
                    lists.setdefault(k, []).extend(v)
            docker = rd.get("docker_config")
            if isinstance(docker, Mapping):
                for step, value in docker.items():
                    if isinstance(value, Mapping):
                        containers.setdefault(str(step).replace("step_", ""), set()).update(value)
        tasks: dict[str, Mapping[str, tuple[Task, ...]]] = {}
        never = []
        for k, v in lists.items():
            per, nr = split_steps(k, _distinct(v), phases.get(k, Phase(k, None)))
            tasks[k] = per
            never += nr
        cached = Role(name=lr.name, count=0, hostname_format="", services=tuple(ordered), disabled_services=(),
                      nodes=(), tags=(), networks=(), update_serial=1, tasks=tasks, never_runs=tuple(never),
                      containers=with_role_started_containers(
                          {s: tuple(sorted(c)) for s, c in containers.items()}, tasks.get("deploy_steps_tasks", {})),
                      role_data_keys=tuple(sorted(lists)))
        cat._roles[key] = cached
    fmt = lr.hostname_format or f"%stackname%-{lr.name.lower()}-%index%"
    nodes = tuple(Node(fmt.replace("%stackname%", "overcloud").replace("%index%", str(i)), lr.name, i, i == 0)
                  for i in range(lr.count))
    from dataclasses import replace
    return replace(cached, count=lr.count, hostname_format=fmt, nodes=nodes, networks=lr.networks,
                   update_serial=lr.update_serial, tags=lr.tags)


def compose_plan(catalogue: ServiceCatalogue, layout: Layout) -> Plan:
    """The plan of ``layout`` (no Heat evaluation after the catalogue's; role task lists are cached by
    (role name, services))."""
    return Plan(release=catalogue.release, templates=catalogue.templates,
                roles=tuple(_role(catalogue, r) for r in layout.roles), phases=catalogue.phases,
                environment_files=())
