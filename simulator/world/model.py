"""State of the simulated overcloud, changed by effects of executed tasks, watched by monitors.

Per node: up/down, the release of its packages, containers (running or stopped, image release). Across
nodes: the pacemaker cluster (members online, resources enabled or disabled), galera and rabbitmq membership and
quorum (through their pacemaker bundles where pacemaker manages them, else their containers), database schema
release per service. Derived: the availability of each API (its container running on some up node, behind a running
haproxy, with galera and the message bus up where it needs them) and cluster quorum. Every change is recorded
in the trace; downtime and quorum intervals are integrated as they happen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.core import Trace

__all__ = [
    "API_SERVICES",
    "BAREMETAL_UNITS",
    "OPENSTACK_PROJECTS",
    "PACEMAKER_BUNDLES",
    "NodeState",
    "World",
    "api_units",
    "project_of",
]

# API endpoints the summary reports, by TripleO service_name, with the container that serves them
API_SERVICES: dict[str, str] = {
    "keystone": "keystone", "nova_api": "nova_api", "neutron_api": "neutron_api", "glance_api": "glance_api",
    "cinder_api": "cinder_api", "heat_api": "heat_api", "placement": "placement_api",
    "swift_proxy": "swift_proxy", "horizon": "horizon", "nova_placement": "nova_placement",
}
# before containers (Ocata and earlier), the systemd unit that serves each API on the host
BAREMETAL_UNITS: dict[str, str] = {
    "keystone": "httpd", "nova_api": "openstack-nova-api", "neutron_api": "neutron-server",
    "glance_api": "openstack-glance-api", "cinder_api": "httpd", "heat_api": "openstack-heat-api",
    "placement": "httpd", "nova_placement": "httpd", "swift_proxy": "openstack-swift-proxy", "horizon": "httpd",
}
# clusters with their own membership and quorum: the service whose nodes are members, its pacemaker bundle, and
# the container (or unit) that runs a member when pacemaker does not manage it
CLUSTERS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "galera": (("mysql",), "galera-bundle", "mysql"),
    "rabbitmq": (("oslo_messaging_rpc", "rabbitmq"), "rabbitmq-bundle", "rabbitmq"),  # `rabbitmq` up to Queens
}
_CLUSTER_CONTAINERS = frozenset(container for _, _, container in CLUSTERS.values())


def api_units(services: Iterable[str]) -> list[str]:
    """The systemd units that serve the APIs of ``services`` on a baremetal (pre-container) node."""
    return sorted({BAREMETAL_UNITS[s] for s in services if s in BAREMETAL_UNITS})


# pacemaker bundles by the service that runs them (TripleO's *-pacemaker-puppet templates)
PACEMAKER_BUNDLES: dict[str, str] = {
    "mysql": "galera-bundle", "oslo_messaging_rpc": "rabbitmq-bundle", "rabbitmq": "rabbitmq-bundle",
    "haproxy": "haproxy-bundle", "ovn_dbs": "ovn-dbs-bundle", "redis": "redis-bundle",
    "cinder_volume": "openstack-cinder-volume",
}

# OpenStack projects whose services share a database schema and RPC versions across nodes: running two releases of
# one of them at once is a mixed-version window (containers are named <project>_<service>, e.g. nova_api)
OPENSTACK_PROJECTS = frozenset({
    "aodh", "barbican", "ceilometer", "cinder", "designate", "glance", "gnocchi", "heat", "horizon", "ironic",
    "keystone", "manila", "neutron", "nova", "octavia", "placement", "swift",
})


def project_of(container: str) -> str | None:
    """The OpenStack project a container belongs to (``nova_api`` -> ``nova``), or None for infrastructure."""
    head = container.split("_", 1)[0]
    return head if head in OPENSTACK_PROJECTS else None


@dataclass
class NodeState:
    name: str
    role: str
    services: tuple[str, ...]
    release: str
    up: bool = True
    containers: dict[str, bool] = field(default_factory=dict)  # name -> running (systemd units on baremetal)
    images: dict[str, str] = field(default_factory=dict)  # container -> release of its image


class World:
    def __init__(self, trace: Trace, nodes: Iterable[NodeState], *, pacemaker_nodes: Iterable[str] = (),
                 bundles: Iterable[str] = ()):
        self.trace = trace
        self.nodes = {n.name: n for n in nodes}
        self.pcs_members = set(pacemaker_nodes)
        self.pcs_all = tuple(sorted(self.pcs_members))
        self.pcs_resources = {b: True for b in bundles}  # enabled?
        self.schema: dict[str, str] = {}
        self.now = 0.0
        self._api_up: dict[str, bool] = {}
        self._api_down_since: dict[str, float] = {}
        self.downtime: dict[str, float] = {}
        self.quorum_events: list[tuple[float, str, str]] = []
        self._quorum = self.has_quorum()
        self.cluster_members = {name: tuple(sorted(n.name for n in self.nodes.values()
                                                   if not set(services).isdisjoint(n.services)))
                                for name, (services, _, _) in CLUSTERS.items()}
        self.cluster_members = {k: v for k, v in self.cluster_members.items() if v}
        self._cluster_quorum = {name: self.cluster_has_quorum(name) for name in self.cluster_members}
        # nodes currently serving each API, kept up to date per node so that a change costs O(its APIs)
        self._serving: dict[str, set[str]] = {api: set() for api in self.apis()}
        for name in self.nodes:
            self._refresh_node(name)
        for api in self.apis():
            self._api_up[api] = self.api_available(api)
            self.downtime[api] = 0.0
        # control-plane nodes serve an API; the others (computes, storage) are the data plane
        self.control_plane = frozenset(n.name for n in self.nodes.values()
                                       if any(a in n.services for a in API_SERVICES))
        self._mixed: dict[str, tuple[int, int, bool, bool, bool]] = {}
        self._project_nodes: dict[str, dict[str, str]] = {}  # project -> node -> release it runs
        for state in self.nodes.values():
            for c, running in state.containers.items():
                if running and state.up and (project := project_of(c)):
                    release = state.images.get(c, state.release)
                    running_on = self._project_nodes.setdefault(project, {})
                    if running_on.get(state.name) != "target":
                        running_on[state.name] = "target" if release == "target" else "source"

    # ---- derived state -------------------------------------------------------------------------------
    def apis(self) -> list[str]:
        present = {s for n in self.nodes.values() for s in n.services}
        return [a for a in API_SERVICES if a in present]

    def has_quorum(self) -> bool:
        if not self.pcs_all:
            return True
        online = [m for m in self.pcs_members if self.nodes[m].up]
        return len(online) * 2 > len(self.pcs_all)

    def cluster_member_up(self, cluster: str, name: str) -> bool:
        """A galera/rabbitmq member runs: under pacemaker, its node is an online member of a quorate cluster with
        the bundle enabled; otherwise its container (or unit) runs."""
        _service, bundle, container = CLUSTERS[cluster]
        node = self.nodes[name]
        if not node.up:
            return False
        if name in self.pcs_all and bundle in self.pcs_resources:
            return name in self.pcs_members and self.pcs_resources[bundle] and self.has_quorum()
        return node.containers.get(container, True)

    def cluster_has_quorum(self, cluster: str) -> bool:
        members = self.cluster_members.get(cluster, ())
        return not members or sum(self.cluster_member_up(cluster, m) for m in members) * 2 > len(members)

    def bundle_running(self, bundle: str) -> bool:
        if bundle not in self.pcs_resources:
            return True  # not pacemaker-managed in this layout
        return self.pcs_resources[bundle] and self.has_quorum()

    def _refresh_node(self, name: str) -> bool:
        """Re-derive which APIs ``name`` serves; True if that changed."""
        node = self.nodes[name]
        changed = False
        for api, serving in self._serving.items():
            serves = node.up and api in node.services and (
                node.containers.get(API_SERVICES[api], False) or node.containers.get(BAREMETAL_UNITS[api], False))
            if serves and name not in serving:
                serving.add(name)
                changed = True
            elif not serves and name in serving:
                serving.discard(name)
                changed = True
        return changed

    def api_available(self, api: str) -> bool:
        served = bool(self._serving.get(api))
        return (served and self.bundle_running("haproxy-bundle") and self.bundle_running("galera-bundle")
                and (api in ("keystone", "horizon", "swift_proxy", "placement")
                     or self.bundle_running("rabbitmq-bundle")))

    # ---- changes -------------------------------------------------------------------------------------
    def _observe(self, now: float) -> None:
        self.now = now
        quorum = self.has_quorum()
        if quorum != self._quorum:
            self._quorum = quorum
            state = "regained" if quorum else "lost"
            self.quorum_events.append((now, "pacemaker", state))
            self.trace.record(now, f"quorum.{state}", "pacemaker",
                              online=sorted(m for m in self.pcs_members if self.nodes[m].up))
        for cluster, members in self.cluster_members.items():
            has = self.cluster_has_quorum(cluster)
            if has != self._cluster_quorum[cluster]:
                self._cluster_quorum[cluster] = has
                state = "regained" if has else "lost"
                self.quorum_events.append((now, cluster, state))
                self.trace.record(now, f"quorum.{state}", cluster,
                                  online=[m for m in members if self.cluster_member_up(cluster, m)])
        for api in self._api_up:
            up = self.api_available(api)
            if up != self._api_up[api]:
                self._api_up[api] = up
                if up:
                    self.downtime[api] += now - self._api_down_since.pop(api, now)
                    self.trace.record(now, "api.up", api)
                else:
                    self._api_down_since[api] = now
                    self.trace.record(now, "api.down", api)
                if api in self._api_up and (project := project_of(API_SERVICES[api])) in self._mixed:
                    self._watch_versions(now, (project,))

    def rebase(self) -> None:
        """Take the current state as the starting point (no events): for workflows that start from scratch."""
        for name in self.nodes:
            self._refresh_node(name)
        self._quorum = self.has_quorum()
        self._cluster_quorum = {name: self.cluster_has_quorum(name) for name in self.cluster_members}
        for api in self._api_up:
            self._api_up[api] = self.api_available(api)
        self._api_down_since.clear()

    def refresh(self, now: float) -> None:
        """Re-derive availability and quorum after a change made directly to the state."""
        self._observe(now)

    def downtime_until(self, now: float) -> dict[str, float]:
        """Per-API downtime so far, open intervals counted up to ``now`` (the state is not changed)."""
        return {api: seconds + (now - self._api_down_since[api] if api in self._api_down_since else 0.0)
                for api, seconds in self.downtime.items()}

    def finish(self, now: float) -> None:
        """Close open downtime intervals at the end of the run."""
        for api, since in list(self._api_down_since.items()):
            self.downtime[api] += now - since
            self._api_down_since[api] = now

    def set_node_up(self, node: str, up: bool, now: float, reason: str) -> None:
        state = self.nodes[node]
        if state.up != up:
            state.up = up
            self.trace.record(now, "node.up" if up else "node.down", node, reason=reason)
            self._refresh_node(node)
            self._observe(now)

    def start_containers(self, node: str, names: Iterable[str], release: str, now: float) -> None:
        state = self.nodes[node]
        changed = [c for c in names if not state.containers.get(c) or state.images.get(c) != release]
        for c in changed:
            state.containers[c] = True
            state.images[c] = release
        if changed:
            self.trace.record(now, "state.containers", node, started=sorted(changed), release=release)
            if self._refresh_node(node) or not _CLUSTER_CONTAINERS.isdisjoint(changed):
                self._observe(now)
            self._watch_versions(now, {p for c in changed if (p := project_of(c))}, node)

    def apply(self, effect: Any, now: float) -> None:
        """Apply one effect of the Ansible effect catalogue (kind, target, state) on ``effect.host``."""
        node = self.nodes.get(effect.host)
        kind, target, state = effect.kind, str(effect.target), str(effect.state)
        if node is None or kind in ("noop", "file", "opaque", "hiera"):
            return
        if kind == "service" or kind == "container":
            name = _container_name(target)
            if state in ("stopped", "removed", "absent", "disabled") and node.containers.get(name, False):
                node.containers[name] = False
            elif state in ("started", "restarted", "present") and name in node.containers:
                node.containers[name] = True
            else:
                return
        elif kind == "pacemaker":
            if state in ("cluster-stopped", "offline") and target in ("cluster", "?"):
                if node.name not in self.pcs_members:
                    return
                self.pcs_members.discard(node.name)
            elif state in ("cluster-started", "online") and target in ("cluster", "?") and node.name in self.pcs_all:
                if node.name in self.pcs_members:
                    return
                self.pcs_members.add(node.name)
            elif target in self.pcs_resources and state in ("disabled", "disable", "stopped", "stop"):
                self.pcs_resources[target] = False
            elif target in self.pcs_resources and state in ("enabled", "enable", "started", "start"):
                self.pcs_resources[target] = True
            else:
                return
        elif kind == "package" and state in ("latest",):
            node.release = "target"
        elif kind == "db_schema":
            self.schema[target] = "migrated"
        elif kind == "reboot":
            pass  # recorded; containers come back with their systemd units, the node's outage is not modelled
        else:
            return
        self.trace.record(now, f"state.{kind}", node.name, target=target, state=state)
        if kind == "pacemaker" or (kind in ("service", "container") and (
                self._refresh_node(node.name) or _container_name(target) in _CLUSTER_CONTAINERS)):
            self._observe(now)
        if kind in ("service", "container") and (project := project_of(_container_name(target))):
            self._watch_versions(now, (project,), node.name)

    # ---- monitors ------------------------------------------------------------------------------------
    def project_serving(self, project: str) -> bool:
        """Whether an API of ``project`` is available: its nodes then share live state (database, RPC)."""
        return any(up for api, up in self._api_up.items() if project_of(API_SERVICES[api]) == project)

    def _watch_versions(self, now: float, projects: Iterable[str], node: str | None = None) -> None:
        """Record ``version.mixed`` when the nodes running a project start to span two releases (or their counts,
        or whether the project is serving, change) and ``version.uniform`` when they stop. A node runs a project
        at the target release once any of its running containers of it does (a node's containers are replaced
        step by step within one run; across nodes the releases must agree). Kept per node, O(1) per change."""
        for project in sorted(projects):
            nodes = self._project_nodes.setdefault(project, {})
            for name in ([node] if node else []):
                state = self.nodes[name]
                releases = {state.images.get(c, state.release) for c, running in state.containers.items()
                            if running and project_of(c) == project} if state.up else set()
                if releases:
                    nodes[name] = "target" if "target" in releases else "source"
                else:
                    nodes.pop(name, None)
            counts = {"source": 0, "target": 0}
            flags = {"source_control": False, "target_data": False}
            for name, release in nodes.items():
                counts[release] += 1
                if release == "source" and name in self.control_plane:
                    flags["source_control"] = True
                elif release == "target" and name not in self.control_plane:
                    flags["target_data"] = True
            if counts["source"] and counts["target"]:
                key = (counts["source"], counts["target"], flags["source_control"], flags["target_data"],
                       self.project_serving(project))
                if self._mixed.get(project) != key:
                    self._mixed[project] = key
                    by = {r: [n for n, rr in nodes.items() if rr == r][:_SHOWN] for r in ("source", "target")}
                    self.trace.record(now, "version.mixed", project, source=by["source"], target=by["target"],
                                      source_count=counts["source"], target_count=counts["target"],
                                      serving=key[4], **flags)
            elif self._mixed.pop(project, None) is not None:
                self.trace.record(now, "version.uniform", project)

    def snapshot(self) -> Mapping[str, Any]:
        return {
            "nodes": {n.name: {"up": n.up, "release": n.release,
                               "stopped": sorted(c for c, r in n.containers.items() if not r)}
                      for n in self.nodes.values()},
            "pacemaker": {"online": sorted(self.pcs_members), "resources": dict(self.pcs_resources),
                          "quorum": self.has_quorum()},
            "clusters": {c: {"members": list(m), "quorum": self.cluster_has_quorum(c)}
                         for c, m in self.cluster_members.items()},
            "apis": {a: self._api_up[a] for a in self._api_up},
        }


_SHOWN = 5  # node names a version.mixed event lists per release (it also counts them all)


def _container_name(unit: str) -> str:
    name = unit.removesuffix(".service")
    return name.removeprefix("tripleo_")
