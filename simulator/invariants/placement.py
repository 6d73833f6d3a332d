"""Placement invariants: what a role layout must satisfy before any task runs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..plan import Plan, Role
from .context import CheckContext
from .model import Invariant, TraceEntry, Violation
from .tasks import Leaf, leaves

__all__ = ["CLUSTERED", "DATABASE", "MESSAGE_BUS", "PLACEMENT", "RPC_APIS", "api_services"]

DATABASE = "mysql"
MESSAGE_BUS = "oslo_messaging_rpc"
# APIs that call the RPC bus on requests (others only need their database)
RPC_APIS = frozenset({"nova_api", "neutron_api", "cinder_api", "heat_api", "manila_api", "ironic_api",
                      "octavia_api", "designate_api", "aodh_api"})
# services that form a quorum cluster over every node that runs them
CLUSTERED = {"pacemaker": "pacemaker (corosync votes)", "mysql": "galera", "oslo_messaging_rpc": "rabbitmq"}
_PCS = re.compile(r"\bpcs\s+\w")
# a run-time guard that skips the task where pacemaker does not run (THT: `pacemaker_state.status.ActiveState ==
# 'active'` from the systemd module, or the pacemaker_enabled / enabled_services facts)
_PCS_GUARD = re.compile(r"\bpacemaker_(?:state|enabled|status|running)\b|['\"]pacemaker['\"]\s+in\s+enabled_services")
_BOOTSTRAP_VAR = re.compile(r"\b([a-z][a-z0-9_]*?)_short_bootstrap_node_name\b")


def api_services(services: tuple[str, ...] | list[str]) -> list[str]:
    return [s for s in services if s == "keystone" or s.endswith("_api")]


def _deployed(plan: Plan) -> list[Role]:
    return [r for r in plan.roles if r.count > 0]


def _hosts(plan: Plan, service: str) -> list[Role]:
    return [r for r in _deployed(plan) if service in r.services]


def _companions(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        for api in api_services(role.services):
            needs = [DATABASE] + ([MESSAGE_BUS] if api in RPC_APIS else [])
            for need in needs:
                hosts = _hosts(plan, need)
                if not hosts:
                    yield Violation(
                        "api-companions", f"{api} on role {role.name} needs {need} but no deployed role runs it",
                        f"add {need} to a role with count > 0 (or deploy it on {role.name})",
                        (TraceEntry(f"{api} enabled ({role.count} node(s))", role=role.name),
                         TraceEntry(f"{need} enabled on no role with nodes")), f"{role.name}:{api}:{need}")
                    continue
                net = ctx.networks_of(need).get(f"{need}_network")
                if net and net != "ctlplane" and net not in role.networks:
                    yield Violation(
                        "api-companions",
                        f"{api} on role {role.name} cannot reach {need}: {need} listens on {net}, which "
                        f"{role.name} is not attached to",
                        f"add network {net} to role {role.name} in roles_data",
                        (TraceEntry(f"{api} enabled; networks {', '.join(role.networks) or 'none'}", role=role.name),
                         TraceEntry(f"{need} on {', '.join(r.name for r in hosts)}, ServiceNetMap "
                                    f"{need}_network: {net}")), f"{role.name}:{api}:{need}:net")


def _quorum(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for service, cluster in CLUSTERED.items():
        hosts = _hosts(plan, service)
        n = sum(r.count for r in hosts)
        if n == 1 or (n >= 3 and n % 2 == 1) or n == 0:
            continue
        yield Violation(
            "quorum-size", f"{cluster} runs on {n} node(s): an even member count keeps no majority when half "
            "the members fail (at 2 nodes, one crash)",
            f"run {service} on 1 or an odd number >= 3 of nodes (now {n})",
            tuple(TraceEntry(f"{service} on {r.count} node(s)", role=r.name) for r in hosts), f"{service}:{n}")


def _networks(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        for service in role.services:
            for key, net in sorted(ctx.networks_of(service).items()):
                if net != "ctlplane" and net not in role.networks:
                    yield Violation(
                        "service-networks", f"{service} on role {role.name} binds to network {net} "
                        f"(ServiceNetMap {key}), which the role is not attached to",
                        f"add {net} to role {role.name}'s networks, or map {key} to a network it has",
                        (TraceEntry(f"{service} enabled; networks {', '.join(role.networks) or 'none'}",
                                    role=role.name), TraceEntry(f"ServiceNetMap {key}: {net}")),
                        f"{role.name}:{service}:{key}")


def _role_leaves(role: Role):
    seen = set()
    for key, steps in role.tasks.items():
        for step, tasks in steps.items():
            for task in tasks:
                if (key, task.index) in seen:
                    continue
                seen.add((key, task.index))
                for leaf in leaves(task):
                    if not leaf.on_request_only:
                        yield key, step, leaf


def _pacemaker_colocation(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        if "pacemaker" in role.services:
            continue
        # results registered by guarded pacemaker tasks guard the tasks that test them (`x.stdout != ''`)
        guarded_results = {str(leaf.body["register"]) for _, _, leaf in _role_leaves(role)
                           if isinstance(leaf.body.get("register"), str) and _pcs_guarded(leaf, frozenset())}
        for key, step, leaf in _role_leaves(role):
            if (leaf.module.startswith("pacemaker_") or _PCS.search(leaf.raw)) and not _pcs_guarded(
                    leaf, guarded_results):
                yield Violation(
                    "pacemaker-colocation", f"role {role.name} runs a pacemaker-managed task but has no pacemaker "
                    "service: the cluster commands fail (or act on no cluster) on its nodes",
                    f"add OS::TripleO::Services::Pacemaker to {role.name}, or keep the pacemaker-managed service "
                    "on the roles that run pacemaker",
                    (TraceEntry(f"{leaf.module} {leaf.raw[:60]}".strip(), role.name, key, step, leaf.name),
                     TraceEntry(f"services of {role.name} do not include pacemaker", role=role.name)),
                    f"{role.name}/{key}:{leaf.name}")


def _pcs_guarded(leaf: Leaf, guarded_results: frozenset[str] | set[str]) -> bool:
    """The task is skipped at run time where pacemaker does not run."""
    for condition in leaf.when:
        text = str(condition)
        if _PCS_GUARD.search(text) or any(re.search(rf"\b{re.escape(r)}\b", text) for r in guarded_results):
            return True
    return False


def _bootstrap_colocation(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    for role in _deployed(plan):
        for key, step, leaf in _role_leaves(role):
            text = " ".join(leaf.when) + " " + repr(leaf.args)
            for service in sorted(set(_BOOTSTRAP_VAR.findall(text))):
                if service in role.services:
                    continue
                where = [r.name for r in _hosts(plan, service)]
                yield Violation(
                    "bootstrap-colocation",
                    f"a task on role {role.name} tests {service}'s bootstrap node, but {service} does not run on "
                    f"{role.name}" + (f" (it runs on {', '.join(where)})" if where else "")
                    + ": the test is false on every node, so the task never runs anywhere",
                    f"move the task to {service}'s own role_data, or colocate {service} with the task's service",
                    (TraceEntry(f"reads {service}_short_bootstrap_node_name", role.name, key, step, leaf.name),
                     TraceEntry(f"{service} placed on {', '.join(where) or 'no role'}")),
                    f"{role.name}/{key}:{leaf.name}:{service}")


def _unique(plan: Plan, ctx: CheckContext) -> Iterator[Violation]:
    seen: dict[str, str] = {}
    for role in plan.roles:
        if role.name in seen:
            yield Violation("unique-names", f"role name {role.name} is used twice", "rename one of the roles",
                            (TraceEntry("declared", role=role.name),), f"role:{role.name}")
        seen[role.name] = role.name
    owner: dict[str, str] = {}
    for role in _deployed(plan):
        for node in role.nodes:
            other = owner.get(node.name)
            if other is not None:
                yield Violation(
                    "unique-names", f"node name {node.name} is produced twice (roles {other} and {role.name}, "
                    f"hostname format {role.hostname_format!r})",
                    f"give {role.name} a HostnameFormat unique among roles and containing %index%",
                    (TraceEntry(f"node {node.name}", role=other), TraceEntry(f"node {node.name}", role=role.name)),
                    f"node:{node.name}")
            owner[node.name] = role.name


PLACEMENT: tuple[Invariant, ...] = (
    Invariant("api-companions", "placement", "every API has its database and message bus deployed and on a "
              "network its role is attached to", _companions),
    Invariant("quorum-size", "placement", "pacemaker, galera and rabbitmq member counts are 1 or odd >= 3, so "
              "quorum survives the loss (or upgrade) of a minority", _quorum),
    Invariant("service-networks", "placement", "each service's ServiceNetMap network is attached to every role "
              "that runs it", _networks),
    Invariant("pacemaker-colocation", "placement", "pacemaker-managed tasks run only on roles with the "
              "pacemaker service", _pacemaker_colocation),
    Invariant("bootstrap-colocation", "placement", "a task that tests a service's bootstrap node runs on a role "
              "that runs that service, or it never runs", _bootstrap_colocation),
    Invariant("unique-names", "placement", "role names and generated node names are unique", _unique),
)
