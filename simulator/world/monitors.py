"""The world's monitors of versions: which release each node serves a project's API from (old code on a migrated
schema: ``schema.ahead``), whether a project's nodes span two releases (``version.mixed``), and whether a node's
ovn_controller has fallen behind the OVN databases (``dataplane.down``). A mixin of
:class:`~simulator.world.model.World`, which owns the state it reads and calls these as effects change it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from simulator.core import Trace

from .catalogue import API_ENDPOINTS, API_PROJECT, project_of
from .versions import RunningReleases

if TYPE_CHECKING:
    from .model import NodeState

__all__ = ["VersionMonitors"]

_SHOWN = 5  # node names a version.mixed event lists per release (it also counts them all)
OVN_DBS_BUNDLE = "ovn-dbs-bundle"


class VersionMonitors:
    # the World's state these monitors read and write
    trace: Trace
    nodes: dict[str, NodeState]
    oneshot: frozenset[str]
    control_plane: frozenset[str]
    schema: dict[str, str]
    replicas: dict[tuple[str, str], str]
    ovn_order: bool
    _serving: dict[str, set[str]]
    _api_up: dict[str, bool]
    _schema_ahead: dict[str, tuple[str, ...]]
    _release_of: Callable[[str, str], tuple[str, str | None]] | None
    _ovn_dbs_target: bool
    _ovn_db_container_target: bool
    _ovn_behind: set[str]
    _mixed: dict[str, tuple[int, int, bool, bool, bool]]
    _project_nodes: dict[str, RunningReleases]

    def old_code_serving(self, project: str) -> list[str]:
        """Nodes serving an API of ``project`` from a container (or unit) started at the source release."""
        out = set()
        for api, serving in self._serving.items():
            if API_PROJECT[api] != project:
                continue
            _, containers, unit = API_ENDPOINTS[api]
            for name in serving:
                node = self.nodes[name]
                running = [c for c in (*containers, unit) if node.containers.get(c)]
                if any(node.images.get(c, node.release) == "source" for c in running):
                    out.add(name)
        return sorted(out)

    def _watch_schema(self, now: float) -> None:
        """``schema.ahead`` when a project's schema is at the target release while some node still serves its API
        with source-release code (old code on a new schema); ``schema.aligned`` when that ends."""
        for project, release in self.schema.items():
            old = tuple(self.old_code_serving(project)) if release == "target" else ()
            if old and self._schema_ahead.get(project) != old:
                self._schema_ahead[project] = old
                self.trace.record(now, "schema.ahead", project, nodes=list(old[:_SHOWN]), count=len(old))
            elif not old and self._schema_ahead.pop(project, None) is not None:
                self.trace.record(now, "schema.aligned", project)

    def project_serving(self, project: str) -> bool:
        """Whether an API of ``project`` is available: its nodes then share live state (database, RPC)."""
        return any(up for api, up in self._api_up.items() if API_PROJECT[api] == project)

    def _watch_ovn(self, now: float, node: str | None = None) -> None:
        """With ``ovn_order``: ``dataplane.down`` for a node whose running ovn_controller is the source release's
        (in a minor update: the old images' build) while an OVN DB runs the target's (a running ovn-dbs-bundle replica
        on the target release's build, or a target OVN DB container), ``dataplane.up`` when that ends. OVN wants
        ovn-controller upgraded before the databases (upstream THT df2bfa0c5 and e1a26ff31: "or there will be a data
        plane outage"; for minor updates ee686db10: "a discrepancy in version between ovn-northd and ovn-controller
        would cause a cut in the data-plane"). Each node is looked at when its own containers change; all of them
        when the databases reach the target release."""
        if not self.ovn_order:
            return
        # once an OVN database ran the target release (its schema converted), it stays there, running or restarting
        target = self._ovn_dbs_target or self._ovn_db_container_target or any(
            bundle == OVN_DBS_BUNDLE and image and self._release_of is not None
            and image == self._release_of(n, bundle)[1] for (n, bundle), image in self.replicas.items())
        if target != self._ovn_dbs_target:
            self._ovn_dbs_target = target
            names: Iterable[str] = sorted(self.nodes)
        elif node is not None:
            names = (node,)
        else:
            return
        for name in names:
            state = self.nodes[name]
            behind = target and state.up and bool(state.containers.get("ovn_controller")) \
                and state.images.get("ovn_controller", state.release) == "source"
            if behind and name not in self._ovn_behind:
                self._ovn_behind.add(name)
                self.trace.record(now, "dataplane.down", name, reason="ovn_controller older than the OVN DBs")
            elif not behind and name in self._ovn_behind:
                self._ovn_behind.discard(name)
                self.trace.record(now, "dataplane.up", name)

    def _watch_versions(self, now: float, projects: Iterable[str], node: str | None = None) -> None:
        """Record ``version.mixed`` when the nodes running a project start to span two releases (or their counts,
        or whether the project is serving, change) and ``version.uniform`` when they stop. A node runs a project
        at the target release once any of its running containers of it does (a node's containers are replaced
        step by step within one run; across nodes the releases must agree). Kept per node, O(1) per change."""
        for project in sorted(projects):
            running = self._running(project)
            if node:
                state = self.nodes[node]
                releases = {state.images.get(c, state.release) for c, on in state.containers.items()
                            if on and c not in self.oneshot and project_of(c) == project} if state.up else set()
                running.set(node, ("target" if "target" in releases else "source") if releases else None)
            source, target = running.counts["source"], running.counts["target"]
            if source and target:
                key = (source, target, running.source_control > 0, running.target_data > 0,
                       self.project_serving(project))
                if self._mixed.get(project) != key:
                    self._mixed[project] = key
                    self.trace.record(now, "version.mixed", project, source=running.first("source", _SHOWN),
                                      target=running.first("target", _SHOWN), source_count=source,
                                      target_count=target, serving=key[4], source_control=key[2],
                                      target_data=key[3])
            elif self._mixed.pop(project, None) is not None:
                self.trace.record(now, "version.uniform", project)

    def _running(self, project: str) -> RunningReleases:
        if (running := self._project_nodes.get(project)) is None:
            running = self._project_nodes[project] = RunningReleases(self.control_plane)
        return running
