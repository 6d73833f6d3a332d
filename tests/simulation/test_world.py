"""The world model: effects change node and cluster state; API availability and quorum are derived and their
intervals integrated; every change is in the trace."""

from __future__ import annotations

from fakes.ansible.effects import Effect
from simulator.core import Trace
from simulator.world import NodeState, World


def make_world() -> World:
    ctl = ("keystone", "nova_api", "mysql", "haproxy", "oslo_messaging_rpc", "pacemaker")
    nodes = [NodeState(f"ctl-{i}", "Controller", ctl, "source", containers={"keystone": True, "nova_api": True})
             for i in range(3)]
    return World(Trace(), nodes, pacemaker_nodes=[n.name for n in nodes],
                 bundles=["galera-bundle", "haproxy-bundle", "rabbitmq-bundle"])


def test_api_down_only_when_no_node_serves_it() -> None:
    w = make_world()
    for i, t in enumerate((10.0, 20.0)):
        w.apply(Effect(f"ctl-{i}", "service", "tripleo_nova_api.service", "stopped", "systemd"), t)
    assert w.snapshot()["apis"]["nova_api"] is True
    w.apply(Effect("ctl-2", "container", "nova_api", "stopped", "podman_container"), 30.0)
    assert w.snapshot()["apis"]["nova_api"] is False
    w.start_containers("ctl-0", ["nova_api"], "target", 75.0)
    assert w.snapshot()["apis"]["nova_api"] is True
    assert w.downtime["nova_api"] == 45.0 and w.downtime["keystone"] == 0.0
    assert [e.kind for e in w.trace.select("api")] == ["api.down", "api.up"]


def test_pacemaker_stop_on_majority_loses_quorum_and_every_api() -> None:
    w = make_world()
    w.apply(Effect("ctl-0", "pacemaker", "cluster", "cluster-stopped", "shell"), 5.0)
    assert w.has_quorum()
    w.apply(Effect("ctl-1", "pacemaker", "cluster", "cluster-stopped", "shell"), 6.0)
    assert not w.has_quorum()
    assert not any(w.snapshot()["apis"].values())
    w.apply(Effect("ctl-1", "pacemaker", "cluster", "cluster-started", "shell"), 16.0)
    w.finish(20.0)
    # galera and rabbitmq run in pacemaker bundles here: they lose quorum with the cluster; rabbitmq regains it
    # with it, galera (stopped on every member) waits for ctl-0, still out, to bootstrap from the last commit
    assert w.quorum_events == [(6.0, "pacemaker", "lost"), (6.0, "galera", "lost"), (6.0, "rabbitmq", "lost"),
                               (16.0, "pacemaker", "regained"), (16.0, "rabbitmq", "regained")]
    assert w.downtime["keystone"] == 14.0  # down until the run's end: keystone needs galera


def test_disabling_galera_takes_down_apis_that_need_the_database() -> None:
    w = make_world()
    w.apply(Effect("ctl-0", "pacemaker", "galera-bundle", "disabled", "pacemaker_resource"), 1.0)
    assert w.snapshot()["apis"] == {"keystone": False, "nova_api": False}


def test_galera_and_rabbitmq_quorum_of_their_own() -> None:
    w = make_world()
    w.apply(Effect("ctl-0", "pacemaker", "rabbitmq-bundle", "disabled", "pacemaker_resource"), 3.0)
    assert w.quorum_events == [(3.0, "rabbitmq", "lost")] and w.has_quorum()  # pacemaker itself is fine
    # galera outside pacemaker (a composable database role): its members are the nodes running mysql; two of
    # three crash, and the one left is not primary (tests/simulation/test_cluster_quorum.py: clean stops)
    svc = ("mysql",)
    nodes = [NodeState(f"db-{i}", "Database", svc, "source", containers={"mysql": True}) for i in range(3)]
    db = World(Trace(), nodes)
    db.hold_down("db-0", "crash", 1.0, "crash")
    assert db.cluster_has_quorum("galera")
    db.hold_down("db-1", "crash", 2.0, "crash")
    assert not db.cluster_has_quorum("galera") and db.quorum_events == [(2.0, "galera", "lost")]
    lost = db.trace.select("quorum.lost", "galera")[0]
    assert lost.data["online"] == ["db-2"]


def test_a_cluster_formed_anew_holds_no_bundle_until_puppet_creates_it() -> None:
    # Train's leapp upgrade (cluster_recreate) or a fresh deploy: the new cluster's CIB has none of the old
    # bundles; tripleo_ha_wrapper's puppet (deploy step 2) creates each, which then runs
    w = make_world()
    for i, t in enumerate((1.0, 2.0, 3.0)):
        w.apply(Effect(f"ctl-{i}", "pacemaker", "cluster", "cluster-stopped", "shell"), t)
    w.join_cluster("ctl-0", 10.0, "deploy step 1 puppet")
    assert w.has_quorum() and not w.has_resource("galera-bundle") and not w.bundle_running("galera-bundle")
    assert not w.cluster_has_quorum("galera")  # no replica of galera runs yet
    w.apply(Effect("ctl-0", "pacemaker", "galera-bundle", "enabled", "pacemaker_resource"), 11.0)
    assert not w.has_resource("galera-bundle")  # pcs finds no such resource: enabling it changes nothing
    w.apply(Effect("ctl-0", "pacemaker", "galera-bundle", "config-applied", "sim_tripleo_ha_wrapper"), 20.0)
    assert w.has_resource("galera-bundle") and w.bundle_running("galera-bundle")
    assert w.cluster_has_quorum("galera") and not w.cluster_has_quorum("rabbitmq")
    assert [(e.subject, e.data["state"]) for e in w.trace.select("state.pacemaker")][-3:] == [
        ("ctl-0", "formed"), ("ctl-0", "created"), ("ctl-0", "config-applied")]
    assert [q for q in w.quorum_events if q[1] == "galera"] == [(2.0, "galera", "lost"), (20.0, "galera", "regained")]
    w.join_cluster("ctl-1", 30.0, "deploy step 1 puppet")  # joining a running cluster keeps its resources
    assert w.has_resource("galera-bundle") and not w.has_resource("rabbitmq-bundle")


def test_the_snapshot_tells_bundles_not_yet_created_from_disabled_ones() -> None:
    from reports import render_snapshot

    w = make_world()
    for i, t in enumerate((1.0, 2.0, 3.0)):
        w.apply(Effect(f"ctl-{i}", "pacemaker", "cluster", "cluster-stopped", "shell"), t)
    w.join_cluster("ctl-0", 10.0, "deploy step 1 puppet")
    w.apply(Effect("ctl-0", "pacemaker", "haproxy-bundle", "config-applied", "sim_tripleo_ha_wrapper"), 11.0)
    w.apply(Effect("ctl-0", "pacemaker", "haproxy-bundle", "disabled", "pcs"), 12.0)
    snap = w.snapshot()
    assert snap["pacemaker"]["absent"] == ["galera-bundle", "rabbitmq-bundle"]
    line = render_snapshot({"t": 12.0, **snap}).splitlines()[1]
    assert line.endswith("disabled haproxy-bundle; not yet created galera-bundle, rabbitmq-bundle; bootstrap ctl-0")
