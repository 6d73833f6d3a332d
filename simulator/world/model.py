"""State of the simulated overcloud, changed by effects of executed tasks, watched by monitors.

Per node: up/down, the release of its packages, containers (running or stopped, image release, a hash of the
docker_config definition it was started from; those that run to completion count as no running release). Across
nodes: the pacemaker cluster (members online, the nodes in its configuration — a cluster formed anew by the nodes
starting it when none runs it —, resources enabled or disabled — a bundle also by the OCF resource inside it, down
while restarted globally, created by its ``<service>_init_bundle`` container or ``tripleo_ha_wrapper``'s puppet, absent
from a cluster formed anew until then — maintenance mode), galera and rabbitmq
membership and quorum (through their pacemaker bundles where pacemaker manages them, counted among the cluster's
configured nodes, else their containers), each replicated bundle's replica per node and the image build it started
from (it fails where the node lacks the image), the database schema release of each project,
haproxy's VIPs (on one node running a haproxy replica, unreachable while pacemaker moves them) and each API's
backends. Derived, on the API dependency graph (networkx, :data:`.catalogue.API_DEPENDENCIES`):
the availability of each API — a backend serving it on an up node, the VIP up, and each of its dependencies
(database, message bus, keystone) available — and cluster quorum; ``schema.ahead`` windows, where a project's schema
was migrated to the target release while a node still serves its API with source-release code, and the other
version monitors (:mod:`.monitors`). Every change is recorded in the trace; downtime and quorum intervals are
integrated as they happen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx

from simulator.core import Trace

from .catalogue import (
    API_ENDPOINTS,
    API_PROJECT,
    BUNDLE_OF_RESOURCE,
    CLUSTER_CONTAINERS,
    CLUSTERS,
    COLD_START_CLUSTERS,
    GRACEFUL_LEAVE_CLUSTERS,
    INFRA_BUNDLES,
    NO_DATABASE,
    PACEMAKER_BUNDLES,
    REPLICATED_BUNDLES,
    api_graph,
    container_name,
    project_of,
    provides,
)
from .monitors import VersionMonitors
from .versions import RunningReleases
from .vips import Vips

__all__ = ["ImageOf", "NodeState", "StaleReplica", "World"]

# (node, bundle) -> (an image name, the id of the build it points to on the node, None if the node lacks it)
ImageOf = Callable[[str, str], tuple[str, str | None]]


class StaleReplica(NamedTuple):
    """A bundle replica on another build than it should run (:meth:`World.stale_replicas`)."""

    node: str
    bundle: str
    runs: str  # the build (image id) it runs; "" where it failed to start
    expected: str  # the build it should run; "" where the node lacks it
    image: str  # the image name that build is of
    started: float  # when the replica last started
    reason: str  # "missing", "retagged" or "not retagged"


# galera's evs.suspect_timeout (its default, PT5S): a member silent that long is suspected dead, and the others
# form a new primary component without it if they are a majority of the last one
GALERA_SUSPECT_TIMEOUT_S = 5.0

# OVN's databases and northd outside pacemaker (a non-HA ovn_dbs; 18.0.0's raft cluster)
OVN_DB_CONTAINERS = frozenset({"ovn_dbs", "ovn_cluster_north_db_server", "ovn_cluster_south_db_server",
                               "ovn_cluster_northd"})


class StaleConfig(NamedTuple):
    """A bundle replica still running the generated config it started with after its node's config changed
    (:meth:`simulator.workflows.Simulation.stale_configs`)."""

    node: str
    bundle: str
    started: float  # when the replica last started
    written: float  # when the node's generated config for the bundle last changed
    why: str  # why nothing restarted it, where the model knows ("" otherwise)


@dataclass
class NodeState:
    name: str
    role: str
    services: tuple[str, ...]
    release: str
    up: bool = True
    containers: dict[str, bool] = field(default_factory=dict)  # name -> running (systemd units on baremetal)
    images: dict[str, str] = field(default_factory=dict)  # container -> release of its image
    configs: dict[str, str] = field(default_factory=dict)  # container -> hash of its docker_config definition
    image_refs: dict[str, str] = field(default_factory=dict)  # container -> the image it runs (name:tag)
    kolla: dict[str, str] = field(default_factory=dict)  # container -> hash of the Kolla config file it reads
    hiera: str = ""  # hash of the node's hieradata (its role's config_settings, as the last run wrote them)


class World(VersionMonitors):
    def __init__(self, trace: Trace, nodes: Iterable[NodeState], *, pacemaker_nodes: Iterable[str] = (),
                 bundles: Iterable[str] = (), oneshot: Iterable[str] = (),
                 vips: tuple[Sequence[str], Sequence[str]] | None = None,
                 rabbitmq_partition_handling: str | None = None):
        self.trace = trace
        self.nodes = {n.name: n for n in nodes}
        # what keeps each node down ("crash", "reboot", "provisioning"; one entry per active cause, so two
        # overlapping crashes are two): a node is up when nothing holds it down
        self._down: dict[str, list[str]] = {}
        # containers that run to completion (docker_config without `restart: always`: db syncs, init logs, bootstrap
        # and wait containers): they leave no running service, so the mixed-version monitor does not count them
        self.oneshot = frozenset(oneshot)
        pacemaker_nodes = list(pacemaker_nodes)
        self.pcs_members = set(pacemaker_nodes)
        self.pcs_all = tuple(sorted(self.pcs_members))
        # the nodes in the cluster's configuration (quorum counts them): all pacemaker nodes, or those that formed
        # a new cluster (see join_cluster) and joined it since
        self.pcs_configured = set(self.pcs_members)
        # bundles the cluster's configuration (CIB) does not hold: a cluster formed anew has none until puppet
        # (tripleo_ha_wrapper, or an <service>_init_bundle container) creates them
        self.pcs_absent: set[str] = set()
        self.pcs_created: set[str] = set()  # bundles puppet created (or recreated) in this run
        # the bootstrap node: the first node of the pacemaker service (THT's pacemaker_short_bootstrap_node_name)
        self.pcs_bootstrap = pacemaker_nodes[0] if pacemaker_nodes else None
        self.pcs_resources = {b: True for b in bundles}  # enabled?
        self.pcs_maintenance = False  # maintenance-mode: pacemaker leaves the resources as they are
        self._frozen_bundles: dict[str, bool] = {}
        self._frozen_members: dict[str, frozenset[str]] = {}
        # each replicated bundle's replica on each cluster node of its service: (node, bundle) -> the build (image id)
        # it started from, "" where the model cannot name it; a replica that does not run has no entry. Tracked once
        # the run gives the hosts' image ids (track_replicas)
        self._replica_keys = tuple(sorted({(n.name, b) for n in self.nodes.values() if n.name in self.pcs_all
                                           for s, b in PACEMAKER_BUNDLES.items()
                                           if s in n.services and b in REPLICATED_BUNDLES and b in self.pcs_resources}))
        # active/passive bundles (cinder-volume): one replica, on the first node of its service that can run it;
        # it stays there (resource stickiness) until that node cannot, then pacemaker starts it on the next
        self._active_passive: dict[str, tuple[str, ...]] = {}
        for n in sorted(self.nodes.values(), key=lambda n: n.name):
            for s, b in PACEMAKER_BUNDLES.items():
                if (n.name in self.pcs_all and s in n.services and b not in REPLICATED_BUNDLES
                        and b in self.pcs_resources):
                    self._active_passive[b] = (*self._active_passive.get(b, ()), n.name)
        self._replica_keys += tuple((n, b) for b, nodes in sorted(self._active_passive.items()) for n in nodes)
        self._placed: dict[str, str | None] = {}  # active/passive bundle -> the node pacemaker placed it on
        self._haproxy_replicated = any(b == "haproxy-bundle" for _, b in self._replica_keys)
        self._image_of: ImageOf | None = None
        self._release_of: ImageOf | None = None
        # OVN's upgrade order (set ``ovn_order`` for a major upgrade): ovn_controller before the OVN DBs. A node whose
        # ovn_controller runs the source release while an OVN DB runs the target's has no data plane
        # (``dataplane.down``/``dataplane.up``)
        self.ovn_order = False
        self._ovn_dbs_target = False
        self._ovn_db_container_target = False  # a non-bundle OVN DB container of the target release started
        self._ovn_behind: set[str] = set()
        self.replicas: dict[tuple[str, str], str] = {}
        # replicas pacemaker started on a node that holds no image by the bundle's name: they fail there (their
        # galera or rabbitmq member is down; haproxy's VIP needs one replica that runs)
        self.replica_missing: set[tuple[str, str]] = set()
        # (node, bundle) replicas being restarted on their node alone (a minor update's pacemaker_restart_bundle.sh)
        self.replica_restarting: set[tuple[str, str]] = set()
        self.replica_started: dict[tuple[str, str], float] = {}
        # haproxy's VIPs (IPaddr2 resources colocated with a running haproxy replica, see vips.py): followed once
        # the run can time a move (track_vip); while one an API needs moves, the API is unreachable
        names, needed = vips or (("ctlplane",), ("ctlplane",))
        self.vips = Vips(trace, names, needed, holders=self._vip_holders, frozen=lambda: self.pcs_maintenance,
                         observe=self._observe)
        self.now = 0.0
        self._api_up: dict[str, bool] = {}
        self._api_down_since: dict[str, float] = {}
        self._api_reason: dict[str, str | None] = {}  # why each API in an open outage is down now
        self.downtime: dict[str, float] = {}
        self.quorum_events: list[tuple[float, str, str]] = []
        self._quorum = self.has_quorum()
        self.cluster_members = {name: tuple(sorted(n.name for n in self.nodes.values()
                                                   if not set(services).isdisjoint(n.services)))
                                for name, (services, _, _) in CLUSTERS.items()}
        self.cluster_members = {k: v for k, v in self.cluster_members.items() if v}
        # clusters that stopped on every member (galera: its resource agent then waits for every member to report
        # its last commit before it bootstraps one); see cluster_member_up
        self.cold: set[str] = set()
        # rabbitmq's `cluster_partition_handling` (the templates' `rabbitmq_config_variables`): with
        # `pause_minority` (THT up to Pike) a member pauses unless it sees more than half the cluster's members,
        # stopped ones included (RabbitMQ counts every node of the cluster); with `ignore` (Queens on; RabbitMQ's
        # default) or `autoheal` every member that runs serves; None (not known) counts every member
        self.rabbitmq_partition_handling = rabbitmq_partition_handling
        # galera's primary component, per cluster: the members of the last primary component. A member that stops
        # cleanly leaves it at once (the rest stay primary, however few); one whose node crashed stays in it until
        # the others form a new primary component, which needs more than half of it
        self._component: dict[str, frozenset[str]] = {}
        self._was_running: dict[str, frozenset[str]] = {}
        self._crashed_at: dict[str, float] = {}  # when each node last crashed
        self._cluster_quorum: dict[str, bool] = {}
        self._reset_components()
        self._cluster_quorum = {name: self.cluster_has_quorum(name) for name in self.cluster_members}
        # nodes currently serving each API, kept up to date per node so that a change costs O(its APIs)
        self._serving: dict[str, set[str]] = {api: set() for api in self.apis()}
        self.api_graph = api_graph(self.apis())
        deployed = set(self.apis())
        # each API after what it needs (the graph's edges point at the dependencies)
        self._api_order = [a for a in reversed(list(nx.topological_sort(self.api_graph))) if a in deployed]
        self._api_deps = {a: tuple(d for d in self.api_graph.successors(a)
                                   if d in deployed or d in self.cluster_members) for a in self.apis()}
        # the database schema release of each project with an API: "source" until a db sync of the target's runs
        self.schema: dict[str, str] = {API_PROJECT[a]: "source" for a in self.apis() if a not in NO_DATABASE}
        self._schema_ahead: dict[str, tuple[str, ...]] = {}
        for name in self.nodes:
            self._refresh_node(name)
        states = self.api_states()
        for api in self.apis():
            self._api_up[api] = states[api][0]
            self.downtime[api] = 0.0
        # control-plane nodes serve an API; the others (computes, storage) are the data plane
        self.control_plane = frozenset(n.name for n in self.nodes.values()
                                       if any(provides(n.services, a) for a in API_ENDPOINTS))
        self._mixed: dict[str, tuple[int, int, bool, bool, bool]] = {}
        self._project_nodes: dict[str, RunningReleases] = {}  # project -> the release each node runs it at
        for state in self.nodes.values():
            for c, running in state.containers.items():
                if running and state.up and c not in self.oneshot and (project := project_of(c)):
                    release = state.images.get(c, state.release)
                    running_on = self._running(project)
                    if running_on.nodes.get(state.name) != "target":
                        running_on.set(state.name, "target" if release == "target" else "source")

    # ---- derived state -------------------------------------------------------------------------------
    def apis(self) -> list[str]:
        present = {s for n in self.nodes.values() for s in n.services}
        return [a for a in API_ENDPOINTS if provides(present, a)]

    def has_quorum(self) -> bool:
        """Pacemaker's quorum: more than half the configured nodes online; of a two-node cluster, one (``pcs
        cluster setup`` with two nodes sets corosync's ``two_node``: the node left keeps quorum)."""
        if not self.pcs_all:
            return True
        online = [m for m in self.pcs_members if self.nodes[m].up]
        if len(self.pcs_configured) == 2:
            return len(online) >= 1
        return len(online) * 2 > len(self.pcs_configured)

    def cluster_member_up(self, cluster: str, name: str) -> bool:
        """A galera/rabbitmq member runs: under pacemaker, its node is an online member of a quorate cluster with
        the bundle enabled; otherwise its container (or unit) runs. After galera stopped everywhere (``cold``), no
        member runs until every member can (the resource agent bootstraps from the member with the last commit, so
        it waits for all of them to report it)."""
        if not self._member_can_run(cluster, name):
            return False
        return cluster not in self.cold or not self.bootstrap_waiting(cluster)

    def bootstrap_waiting(self, cluster: str) -> list[str]:
        """The members a cold cluster's bootstrap still waits for (their node cannot run the replica)."""
        return [m for m in self._configured_members(cluster) if not self._member_can_run(cluster, m)]

    def _configured_members(self, cluster: str) -> tuple[str, ...]:
        """The members in the pacemaker cluster's configuration: a cluster formed anew (Train's leapp
        cluster_recreate) bootstraps galera and rabbitmq from its own nodes."""
        return tuple(m for m in self.cluster_members.get(cluster, ())
                     if m in self.pcs_configured or m not in self.pcs_all)

    def _member_can_run(self, cluster: str, name: str) -> bool:
        _service, bundle, container = CLUSTERS[cluster]
        node = self.nodes[name]
        if not node.up:
            return False
        if name in self.pcs_all and bundle in self.pcs_resources:
            if self.pcs_maintenance:  # pacemaker leaves each member as it was when maintenance began
                return name in self._frozen_members.get(cluster, ())
            return (name in self.pcs_members and self.pcs_resources[bundle] and self.has_quorum()
                    and (name, bundle) not in self.replica_missing and (name, bundle) not in self.replica_restarting)
        return node.containers.get(container, True)

    def cluster_has_quorum(self, cluster: str) -> bool:
        return self._quorum_of(cluster)[0]

    def _quorum_of(self, cluster: str) -> tuple[bool, frozenset[str], frozenset[str]]:
        """Whether ``cluster`` has quorum, the members that run, and galera's primary component as it stands now
        (``_live_component``; empty for the other clusters). Galera: more than half of its primary
        component (see ``_component``), or, once no component is left (every member stopped cleanly, or none ran
        yet), more than half its members; rabbitmq: with ``pause_minority`` (or not known) more than half its members,
        else one."""
        members = self.cluster_members.get(cluster, ())
        if CLUSTERS[cluster][1] in self.pcs_resources and not self.pcs_maintenance:
            # under pacemaker the bundle runs a replica on each node in the cluster's configuration
            members = self._configured_members(cluster)
            if not members:  # no node of the cluster that runs now has a replica of the bundle: nothing runs
                return False, frozenset(), frozenset()
        running = frozenset(m for m in members if self.cluster_member_up(cluster, m))
        if not members:
            return True, running, frozenset()
        if cluster == "rabbitmq" and self.rabbitmq_partition_handling not in (None, "pause_minority"):
            return bool(running), running, frozenset()
        if cluster in GRACEFUL_LEAVE_CLUSTERS and (component := self._live_component(cluster, members, running)):
            return len(component & running) * 2 > len(component), running, component
        return len(running) * 2 > len(members), running, frozenset()

    def _live_component(self, cluster: str, members: Iterable[str], running: frozenset[str]) -> frozenset[str]:
        """The primary component as it stands now: the last one, within ``members``, less the members that left
        it cleanly since (they stopped on a node that is up, or went down with it for a reboot, not a crash) and,
        while it is primary, those that crashed longer than galera's suspect timeout ago (the rest evicted them)."""
        left = self._was_running.get(cluster, frozenset()) - running
        clean = {m for m in left if "crash" not in self._down.get(m, ())}
        component = (self._component.get(cluster, frozenset()) & frozenset(members)) - clean
        if self._cluster_quorum.get(cluster):
            component -= {m for m in component - running if not self._suspected(m)}
        return component

    def _suspected(self, member: str) -> bool:
        """``member`` crashed within galera's suspect timeout: the others do not yet count it out (two crashes in
        that window are one loss of two members to them)."""
        return "crash" in self._down.get(member, ()) and self.now - self._crashed_at.get(member, -math.inf) \
            < GALERA_SUSPECT_TIMEOUT_S

    def _reset_components(self) -> None:
        """Take the members that run now as each cluster's primary component (a run's start, a rebase)."""
        for cluster in self.cluster_members:
            running = self._quorum_of(cluster)[1] if cluster in GRACEFUL_LEAVE_CLUSTERS else frozenset()
            self._component[cluster] = self._was_running[cluster] = running

    def _cluster_snapshot(self, cluster: str, members: Sequence[str]) -> dict[str, Any]:
        quorum, running, component = self._quorum_of(cluster)
        snap: dict[str, Any] = {"members": list(members), "running": sorted(running), "quorum": quorum,
                                "cold": cluster in self.cold,
                                "bootstrap_waits_for": self.bootstrap_waiting(cluster) if cluster in self.cold else []}
        if cluster in GRACEFUL_LEAVE_CLUSTERS:  # what its quorum counts (empty: none left, its members count)
            snap["primary_component"] = sorted(component)
        if cluster == "rabbitmq":
            snap["partition_handling"] = self.rabbitmq_partition_handling
        return snap

    def has_resource(self, bundle: str) -> bool:
        """Whether the cluster's configuration holds ``bundle`` (``pcs resource config`` finds it)."""
        return bundle in self.pcs_resources and bundle not in self.pcs_absent

    def bundle_running(self, bundle: str) -> bool:
        if bundle not in self.pcs_resources:
            return True  # not pacemaker-managed in this layout
        if self.pcs_maintenance:  # pacemaker starts and stops nothing: each resource stays as it was
            return self._frozen_bundles.get(bundle, False)
        return self.pcs_resources[bundle] and self.has_quorum()

    def _refresh_node(self, name: str) -> bool:
        """Re-derive which APIs ``name`` serves; True if that changed."""
        node = self.nodes[name]
        changed = False
        for api, serving in self._serving.items():
            _, containers, unit = API_ENDPOINTS[api]
            serves = node.up and provides(node.services, api) and (
                any(node.containers.get(c, False) for c in containers) or node.containers.get(unit, False))
            if serves and name not in serving:
                serving.add(name)
                changed = True
            elif not serves and name in serving:
                serving.discard(name)
                changed = True
        return changed

    def api_states(self) -> dict[str, tuple[bool, str | None]]:
        """Each API's availability and, when down, why: ``no backend``, ``haproxy`` (the VIP), or the first
        dependency that is not available (``galera``, ``rabbitmq``, ``keystone``)."""
        states: dict[str, tuple[bool, str | None]] = {}
        infra = {c: self._infra_down(c) for c in INFRA_BUNDLES}
        vip = self._bundle_down("haproxy-bundle", "haproxy")
        if vip is None and self._vip_followed():
            vip = self.vips.down()
        for api in self._api_order:
            reason: str | None = None
            if not self._serving.get(api):
                reason = "no backend"
            elif vip:
                reason = vip
            else:
                for dep in self._api_deps[api]:
                    if dep in infra:
                        reason = infra[dep]
                    elif not states[dep][0]:
                        reason = dep
                    if reason:
                        break
            states[api] = (reason is None, reason)
        return states

    def _bundle_down(self, bundle: str, name: str) -> str | None:
        """Why a pacemaker bundle does not run (None if it runs, or pacemaker does not manage it)."""
        if self.bundle_running(bundle):
            replicas = [k for k in self.replicas if k[1] == bundle] if self.replica_missing else ()
            if replicas and all(k in self.replica_missing for k in replicas):
                return f"{name} image missing"
            return None
        if not self.pcs_maintenance and self.pcs_resources.get(bundle, True) and not self.has_quorum():
            return "pacemaker quorum"
        return f"{name} stopped"

    def _infra_down(self, cluster: str) -> str | None:
        down = self._bundle_down(INFRA_BUNDLES[cluster], cluster)
        if down or self.cluster_has_quorum(cluster):
            return down
        waiting = self.bootstrap_waiting(cluster) if cluster in self.cold else []
        if waiting and len(waiting) < len(self._configured_members(cluster)):
            return f"{cluster} bootstrap waits for {', '.join(waiting)}"
        return f"{cluster} quorum"

    # ---- changes -------------------------------------------------------------------------------------
    def _observe(self, now: float) -> None:
        self.now = now
        self._watch_replicas(now)
        self._watch_vip(now)
        self._watch_ovn(now)
        quorum = self.has_quorum()
        if quorum != self._quorum:
            self._quorum = quorum
            state = "regained" if quorum else "lost"
            self.quorum_events.append((now, "pacemaker", state))
            self.trace.record(now, f"quorum.{state}", "pacemaker",
                              online=sorted(m for m in self.pcs_members if self.nodes[m].up))
        for cluster, members in self.cluster_members.items():
            if cluster in COLD_START_CLUSTERS and not self.pcs_maintenance and cluster not in self.cold \
                    and CLUSTERS[cluster][1] in self.pcs_resources and self.has_resource(CLUSTERS[cluster][1]) \
                    and not any(self._member_can_run(cluster, m) for m in self._configured_members(cluster)):
                self.cold.add(cluster)
                self.trace.record(now, "state.cluster", cluster, state="stopped everywhere")
            has, running, component = self._quorum_of(cluster)
            if cluster in GRACEFUL_LEAVE_CLUSTERS:  # a primary component takes in the members that run
                self._component[cluster] = running | {m for m in component - running if self._suspected(m)} \
                    if has else component
                self._was_running[cluster] = running
            if has and cluster in self.cold:
                self.cold.discard(cluster)
                self.trace.record(now, "state.cluster", cluster, state="bootstrapped")
            if has != self._cluster_quorum[cluster]:
                self._cluster_quorum[cluster] = has
                state = "regained" if has else "lost"
                self.quorum_events.append((now, cluster, state))
                self.trace.record(now, f"quorum.{state}", cluster,
                                  online=[m for m in members if self.cluster_member_up(cluster, m)])
        states = self.api_states()
        for api in self._api_up:
            up, reason = states[api]
            if up != self._api_up[api]:
                self._api_up[api] = up
                if up:
                    self.downtime[api] += now - self._api_down_since.pop(api, now)
                    self.trace.record(now, "api.up", api)
                else:
                    self._api_down_since[api] = now
                    self._api_reason[api] = reason
                    self.trace.record(now, "api.down", api, reason=reason)
                if (project := API_PROJECT[api]) in self._mixed:
                    self._watch_versions(now, (project,))
            elif not up and api in self._api_down_since and reason != self._api_reason.get(api):
                self._api_reason[api] = reason  # still down, for another reason now (the VIP arrived, galera not)
                self.trace.record(now, "api.reason", api, reason=reason)

    def rebase(self) -> None:
        """Take the current state as the starting point (no events): for workflows that start from scratch."""
        for name in self.nodes:
            self._refresh_node(name)
        if self._image_of is not None:
            self.track_replicas(self._image_of, self._release_of)
        self.vips.retrack()
        self._quorum = self.has_quorum()
        self.cold = set()
        self._reset_components()
        self._cluster_quorum = {name: self.cluster_has_quorum(name) for name in self.cluster_members}
        states = self.api_states()
        for api in self._api_up:
            self._api_up[api] = states[api][0]
        self._api_down_since.clear()
        self._api_reason.clear()

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

    def hold_down(self, node: str, cause: str, now: float, reason: str) -> None:
        """``cause`` (a crash, a reboot, provisioning not done) takes ``node`` down until it is released; the node
        goes down (a ``node.down`` event with ``reason``) unless something already holds it down."""
        holds = self._down.setdefault(node, [])
        holds.append(cause)
        if cause == "crash":
            self._crashed_at[node] = now
        self._set_up(node, False, now, reason)

    def release(self, node: str, cause: str, now: float, reason: str) -> None:
        """``cause`` no longer holds ``node`` down (nothing if it did not): the node comes up (``node.up`` with
        ``reason``) once no other cause does — a crash that ends during a reboot leaves the node down until the
        reboot ends, and a reboot that ends during a crash until the crash ends."""
        holds = self._down.get(node, [])
        if cause not in holds:
            return
        holds.remove(cause)
        if not holds:
            self._set_up(node, True, now, reason)

    def down_causes(self, node: str) -> tuple[str, ...]:
        """What holds ``node`` down now, in the order the causes began (empty when it is up)."""
        return tuple(self._down.get(node, ()))

    def _set_up(self, node: str, up: bool, now: float, reason: str) -> None:
        state = self.nodes[node]
        if state.up != up:
            state.up = up
            self.trace.record(now, "node.up" if up else "node.down", node, reason=reason)
            self._refresh_node(node)
            self._observe(now)
            self._watch_ovn(now, node)
            self._watch_schema(now)

    def join_cluster(self, node: str, now: float, source: str) -> None:
        """``node`` starts pacemaker (puppet at deploy step 1). If no node of the cluster runs it, ``node`` forms a
        new cluster (Train's ``cluster_recreate`` after the leapp data transfer): quorum then counts the nodes that
        formed it and joined it since, not the old cluster's."""
        if node in self.pcs_members or node not in self.pcs_all:
            return
        recreated = not any(self.nodes[m].up for m in self.pcs_members)
        if recreated:  # a new cluster: a new CIB, without the old cluster's resources
            self.pcs_members.clear()
            self.pcs_configured = {node}
            self.pcs_absent = set(self.pcs_resources)
            for bundle in self.pcs_resources:
                self.pcs_resources[bundle] = False
        else:
            self.pcs_configured.add(node)
        self.pcs_members.add(node)
        self.trace.record(now, "state.pacemaker", node, target="cluster", state="formed" if recreated else "joined",
                          source=source)
        self._observe(now)
        self._watch_schema(now)

    def write_config(self, node: str, now: float, *, hiera: str | None = None,
                     kolla: Mapping[str, str] | None = None) -> None:
        """A playbook run writes ``node``'s hieradata (``hiera``: its hash; THT's hiera_steps_tasks open every
        update, upgrade and deploy run) or its containers' Kolla config files (``kolla``: container -> hash; the
        deploy steps write them before starting containers). A container reads a changed Kolla file when it next
        starts; the file itself changes now."""
        state = self.nodes[node]
        kolla = kolla or {}
        data: dict[str, Any] = {}
        if hiera is not None and hiera != state.hiera:
            state.hiera = data["hiera"] = hiera
        changed = sorted(c for c, h in kolla.items() if state.kolla.get(c) != h)
        for c in changed:
            state.kolla[c] = kolla[c]
        if changed:
            data["kolla"] = changed
        if data:
            self.trace.record(now, "state.config", node, **data)

    def start_containers(self, node: str, names: Iterable[str], release: str, now: float,
                         configs: Mapping[str, str] | None = None,
                         image_refs: Mapping[str, str] | None = None, idle: Iterable[str] = ()) -> None:
        """Start ``names`` on ``node`` at ``release``; ``configs`` gives their config hashes (a container whose
        hash changed is restarted even at the same release, as tripleo_container_manage does) and ``image_refs``
        the image each runs (name:tag); those in ``idle`` run but do nothing here (a db sync on a node that is not
        its service's bootstrap node)."""
        state = self.nodes[node]
        configs = configs or {}
        image_refs = image_refs or {}
        changed = [c for c in names if self.needs_start(node, c, release, configs.get(c))]
        for c in changed:
            state.containers[c] = True
            state.images[c] = release
            if c in configs:
                state.configs[c] = configs[c]
            if c in image_refs:
                state.image_refs[c] = image_refs[c]
        if changed:
            self.trace.record(now, "state.containers", node, started=sorted(changed), release=release)
            if release == "target" and OVN_DB_CONTAINERS.intersection(changed):
                self._ovn_db_container_target = True
            self._watch_ovn(now, node)
            if self._refresh_node(node) or not CLUSTER_CONTAINERS.isdisjoint(changed):
                self._observe(now)
            self._watch_versions(now, {p for c in changed if (p := project_of(c))}, node)
            idle = set(idle)
            for c in changed:  # a container-era schema migration: <project>[_api]_db_sync runs the image's code
                if c.endswith("db_sync") and c not in idle and (project := project_of(c)):
                    self._set_schema(project, release, now, node)
            self._watch_schema(now)
            # Pike to Stein: a <service>_init_bundle container runs puppet that creates (or updates) the service's
            # pacemaker bundle, which then runs (Train on: tripleo_ha_wrapper, an Ansible role)
            bundles = [b for c in changed if c.endswith("_init_bundle")
                       and (b := PACEMAKER_BUNDLES.get(c.removesuffix("_init_bundle"))) in self.pcs_resources
                       and not self.pcs_resources[b]]
            for bundle in bundles:
                self._create_bundle(bundle, node, now)
            if bundles:
                self._observe(now)

    def needs_start(self, node: str, name: str, release: str, config: str | None = None) -> bool:
        """Whether starting container ``name`` on ``node`` at ``release`` (with config hash ``config``) does anything:
        it is not running, runs another release, or its config hash changed."""
        state = self.nodes[node]
        return not state.containers.get(name) or state.images.get(name) != release \
            or (config is not None and state.configs.get(name) != config)

    def _create_bundle(self, bundle: str, node: str, now: float) -> None:
        self.pcs_absent.discard(bundle)
        self.pcs_created.add(bundle)
        self.pcs_resources[bundle] = True
        self.trace.record(now, "state.pacemaker", node, target=bundle, state="created")

    def stop_containers(self, node: str, now: float, reason: str) -> None:
        """Every container (or unit) of ``node`` stops and stays stopped (e.g. gone with the old OS's runtime)."""
        state = self.nodes[node]
        stopped = sorted(c for c, running in state.containers.items() if running)
        if not stopped:
            return
        for c in stopped:
            state.containers[c] = False
        self.trace.record(now, "state.containers", node, stopped=stopped, reason=reason)
        self._refresh_node(node)
        self._observe(now)
        self._watch_ovn(now, node)
        self._watch_versions(now, {p for c in stopped if (p := project_of(c))}, node)
        self._watch_schema(now)

    def apply(self, effect: Any, now: float) -> None:
        """Apply one effect of the Ansible effect catalogue (kind, target, state) on ``effect.host``."""
        node = self.nodes.get(effect.host)
        kind, target, state = effect.kind, str(effect.target), str(effect.state)
        if node is None or kind in ("noop", "file", "opaque", "hiera"):
            return
        if kind == "service" or kind == "container":
            name = container_name(target)
            if state in ("stopped", "removed", "absent", "disabled") and node.containers.get(name, False):
                node.containers[name] = False
            elif state in ("started", "restarted", "present") and name in node.containers:
                node.containers[name] = True
            else:
                return
        elif kind == "pacemaker":
            if target not in self.pcs_resources and target in BUNDLE_OF_RESOURCE:
                # the resource inside a bundle (Wallaby disables `galera` to swap galera-bundle's image): every
                # replica stops with it, as if the bundle were disabled
                target = BUNDLE_OF_RESOURCE[target]
            if target == "maintenance-mode":
                on = state in ("true", "on")
                if on == self.pcs_maintenance:
                    return
                if on:  # what runs now keeps running; what is stopped stays stopped
                    self._frozen_bundles = {b: self.bundle_running(b) for b in self.pcs_resources}
                    self._frozen_members = {c: frozenset(m for m in members if self.cluster_member_up(c, m))
                                            for c, members in self.cluster_members.items()}
                self.pcs_maintenance = on
            elif state in ("cluster-stopped", "offline") and target in ("cluster", "?"):
                if node.name not in self.pcs_members:
                    return
                self.pcs_members.discard(node.name)
            elif state in ("cluster-started", "online") and target in ("cluster", "?") and node.name in self.pcs_all:
                if node.name in self.pcs_members:
                    return
                self.pcs_members.add(node.name)
                self.pcs_configured.add(node.name)
            elif state == "banned" and target not in self.pcs_resources:
                # `pcs resource ban <VIP> <this node>` (18.0.0's update moves the VIPs off a node before stopping
                # its pacemaker; the ban is removed at once, the VIPs stay where they went)
                if not self._ban_vips(node.name, now):
                    return
                target = "vips"
            elif target in self.pcs_absent:
                if state not in ("config-applied", "restart"):  # pcs finds no such resource: nothing changes
                    return
                # tripleo_ha_wrapper's puppet (pacemaker::resource::bundle) creates the bundle, which then runs
                self._create_bundle(target, node.name, now)
            elif target in self.pcs_resources and state == "replica-restart-begin":  # this node's replica only
                self.replica_restarting.add((node.name, target))
            elif target in self.pcs_resources and state == "replica-restart":
                self.replica_restarting.discard((node.name, target))
            elif target in self.pcs_resources and state == "restart-begin":  # a global restart: down until it ends
                self.pcs_resources[target] = False
            elif target in self.pcs_resources and state == "restart":
                self.pcs_resources[target] = True
            elif target in self.pcs_resources and state == "restart-skipped":
                pass  # recorded: pacemaker_restart_bundle.sh chose not to restart it
            elif target in self.pcs_resources and state == "deleted":  # `pcs resource delete`: gone from the CIB
                del self.pcs_resources[target]
                self.pcs_absent.discard(target)
            elif target in self.pcs_resources and state in ("disabled", "disable", "stopped", "stop"):
                self.pcs_resources[target] = False
            elif target in self.pcs_resources and state in ("enabled", "enable", "started", "start"):
                self.pcs_resources[target] = True
            else:
                return
        elif kind == "package" and state in ("latest",):
            node.release = "target"
        elif kind == "db_schema":
            self._set_schema(target, node.release, now, node.name)
            return
        elif kind == "reboot":
            pass  # recorded; containers come back with their systemd units, the node's outage is not modelled
        elif kind == "data_transfer":
            pass  # recorded (``<dest host>:<dir>`` copied from this node); the data itself is not modelled
        else:
            return
        self.trace.record(now, f"state.{kind}", node.name, target=target, state=state)
        if kind == "pacemaker" or (kind in ("service", "container") and (
                self._refresh_node(node.name) or container_name(target) in CLUSTER_CONTAINERS)):
            self._observe(now)
        if kind in ("service", "container") and container_name(target) == "ovn_controller":
            self._watch_ovn(now, node.name)
        if kind in ("service", "container") and (project := project_of(container_name(target))):
            self._watch_versions(now, (project,), node.name)
        if kind in ("service", "container", "pacemaker"):
            self._watch_schema(now)

    def _set_schema(self, project: str, release: str, now: float, node: str) -> None:
        if project not in self.schema:
            self.schema[project] = release  # a project without an API here (e.g. a conductor-only layout)
        if self.schema[project] == release or (self.schema[project] == "target" and release == "source"):
            return  # an old node's db sync does not take the schema back
        self.schema[project] = release
        self.trace.record(now, "state.schema", project, release=release, node=node)
        self._watch_schema(now)

    # ---- bundle replicas -----------------------------------------------------------------------------
    def track_replicas(self, image_of: ImageOf, release_of: ImageOf | None = None) -> None:
        """Follow which build each replica runs. ``image_of(node, bundle)`` is the image name the bundle's
        configuration holds and the id of the build it points to on that node now (None: the node holds no such
        image; name "": the model cannot name it); ``release_of`` the same for the image the target release
        tags as that name. The replicas running now run that build (no events)."""
        self._image_of, self._release_of = image_of, release_of
        self._placed.clear()
        self._place()
        images = {key: image_of(*key) for key in self._replica_keys if self.replica_runs(*key)}
        self.replicas = {key: image or "" for key, (_, image) in images.items()}
        self.replica_missing = {key for key, (name, image) in images.items() if name and image is None}
        self.replica_started = dict.fromkeys(self.replicas, self.now)

    def replica_runs(self, node: str, bundle: str) -> bool:
        """Pacemaker runs ``bundle``'s replica on ``node``: the node is up and an online member of a quorate
        cluster that holds the bundle enabled, and the replica is not being restarted there; an active/passive
        bundle's only where pacemaker placed it. Under maintenance mode each replica stays as it is."""
        if self.pcs_maintenance:
            return (node, bundle) in self.replicas
        if bundle in self._active_passive:
            return self._placed.get(bundle) == node and (node, bundle) not in self.replica_restarting
        return self._can_run(node, bundle)

    def _can_run(self, node: str, bundle: str) -> bool:
        if self.pcs_maintenance:
            return (node, bundle) in self.replicas
        return (self.nodes[node].up and node in self.pcs_members and bool(self.pcs_resources.get(bundle))
                and bundle not in self.pcs_absent and self.has_quorum()
                and (node, bundle) not in self.replica_restarting)

    def _watch_replicas(self, now: float) -> None:
        """A replica that starts runs the build its bundle's image name points to on its node at that moment (a
        ``pcmklatest`` retagged before the start is picked up, one retagged after it is not); ``state.replica``
        records each start (with the build's short id, ``unknown`` where the model cannot name it, ``missing``
        where the node holds no such image: the replica fails there) and stop."""
        if self._image_of is None:
            return
        self._place()
        for key in self._replica_keys:
            runs = self.replica_runs(*key)
            if runs == (key in self.replicas):
                continue
            node, bundle = key
            if runs:
                name, image = self._image_of(node, bundle)
                self.replicas[key] = image or ""
                self.replica_started[key] = now
                if name and image is None:
                    self.replica_missing.add(key)
                shown = image[7:19] if image else "missing" if name else "unknown"
                self.trace.record(now, "state.replica", node, bundle=bundle, state="started", image=shown)
            else:
                del self.replicas[key]
                self.replica_missing.discard(key)
                self.trace.record(now, "state.replica", node, bundle=bundle, state="stopped")

    def _place(self) -> None:
        """Where each active/passive bundle runs: where it ran, while that node can run it; else the first node of
        its service that can (none: it is stopped). Under maintenance mode nothing moves."""
        if self.pcs_maintenance:
            return
        for bundle, nodes in self._active_passive.items():
            held = self._placed.get(bundle)
            if held is not None and (held, bundle) in self.replica_restarting:
                continue  # restarted where it runs (`pcs resource restart <bundle> <node>`): it does not move
            if held is None or not self._can_run(held, bundle):
                self._placed[bundle] = next((n for n in nodes if self._can_run(n, bundle)), None)

    def track_vip(self, schedule: Callable[[Callable[[float], None]], None]) -> None:
        """Follow where the VIPs run (see :class:`Vips`). ``schedule(arrive)`` calls ``arrive(now)`` when a move that
        starts now has ended (the run samples how long pacemaker takes to stop and start an IPaddr2 resource)."""
        self.vips.track(schedule)

    @property
    def vip_node(self) -> str | None:
        """Where the (first) VIP the APIs need runs; None while it moves or where no node runs haproxy."""
        return self.vips.first_node

    def _vip_followed(self) -> bool:
        return self.vips.followed and self._haproxy_replicated

    def _vip_holders(self) -> list[str]:
        return [n for n, b in self._replica_keys
                if b == "haproxy-bundle" and (n, b) in self.replicas and (n, b) not in self.replica_missing]

    def _watch_vip(self, now: float) -> None:
        if self._haproxy_replicated:
            self.vips.watch(now)

    def _ban_vips(self, node: str, now: float) -> bool:
        return self._vip_followed() and self.vips.ban(node, now)

    def stale_replicas(self) -> list[StaleReplica]:
        """Replicas not on the build they should run now: started where their node held no image by the bundle's
        name (``missing``); on another build than that name points to on the node now (``retagged`` after the
        replica started); or, where the name points to the build the replica runs, on another build than the
        target release's image tagged as that name, when the node holds it (``not retagged``)."""
        if self._image_of is None:
            return []
        out = []
        for (node, bundle), runs in sorted(self.replicas.items()):
            started = self.replica_started[(node, bundle)]
            name, current = self._image_of(node, bundle)
            if (node, bundle) in self.replica_missing:
                out.append(StaleReplica(node, bundle, "", current or "", name, started, "missing"))
            elif name and runs != current:
                out.append(StaleReplica(node, bundle, runs, current or "", name, started, "retagged"))
            elif self._release_of is not None:
                release, built = self._release_of(node, bundle)
                if release and built and runs != built:
                    out.append(StaleReplica(node, bundle, runs, built, release, started, "not retagged"))
        return out

    def snapshot(self) -> Mapping[str, Any]:
        return {
            "nodes": {n.name: {"up": n.up, "release": n.release,
                               "stopped": sorted(c for c, r in n.containers.items() if not r),
                               "hiera": n.hiera,
                               "containers": {c: {"running": r, "release": n.images.get(c, ""),
                                                  "image": n.image_refs.get(c, ""), "kolla": n.kolla.get(c, "")}
                                              for c, r in sorted(n.containers.items())}}
                      for n in self.nodes.values()},
            "pacemaker": {"online": sorted(m for m in self.pcs_members if self.nodes[m].up),
                          "resources": dict(self.pcs_resources),
                          "replicas": {f"{bundle}@{node}": "missing" if (node, bundle) in self.replica_missing
                                       else image[7:19] or "unknown"
                                       for (node, bundle), image in sorted(self.replicas.items())},
                          "absent": sorted(self.pcs_absent),
                          "quorum": self.has_quorum(), "bootstrap": self.pcs_bootstrap},
            "clusters": {c: self._cluster_snapshot(c, m) for c, m in self.cluster_members.items()},
            "apis": {a: self._api_up[a] for a in self._api_up},
            "api_down_reasons": {a: reason for a, (up, reason) in self.api_states().items() if not up},
            "haproxy": {"vip": self.bundle_running("haproxy-bundle") and (
                             self.vips.down() is None or not self._vip_followed()),
                         "vip_node": self.vip_node, "vips": self.vips.snapshot(),
                        "backends": {a: sorted(self._serving[a]) for a in self._api_up}},
            "schema": dict(self.schema),
            "maintenance_mode": self.pcs_maintenance,
        }

