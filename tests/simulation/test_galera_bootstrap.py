"""Galera after it stopped on every member: pacemaker's galera resource agent bootstraps the cluster from the member
with the last commit, so it starts no member until every member reports it. While one cannot (its node down or out
of the cluster), galera stays down on the others too, and every API that needs the database with it."""

from __future__ import annotations

import pytest

from fakes.ansible.effects import Effect
from simulator.core import Trace
from simulator.run import run_scenario
from simulator.world import NodeState, World

NODES = ("c0", "c1", "c2")


def _world() -> World:
    nodes = [NodeState(n, "Controller", ("pacemaker", "mysql", "keystone"), "source", containers={"keystone": True})
             for n in NODES]
    return World(Trace(), nodes, pacemaker_nodes=list(NODES), bundles=["galera-bundle"])


def _cluster(world: World, node: str, state: str, t: float) -> None:
    world.apply(Effect(node, "pacemaker", "cluster", state, "t"), t)


def test_one_member_down_leaves_the_others_running() -> None:
    world = _world()
    _cluster(world, "c1", "offline", 1.0)
    assert world.cluster_member_up("galera", "c0") and world.cluster_has_quorum("galera")
    assert "galera" not in world.cold and world.api_states()["keystone"] == (True, None)


def test_after_a_full_stop_galera_waits_for_every_member() -> None:
    world = _world()
    for t, node in enumerate(NODES, start=1):
        _cluster(world, node, "offline", float(t))
    assert world.cold == {"galera"}
    _cluster(world, "c0", "online", 10.0)
    _cluster(world, "c2", "online", 11.0)
    assert world.has_quorum()  # pacemaker runs again (2 of 3), galera does not
    assert not world.cluster_member_up("galera", "c0") and not world.cluster_has_quorum("galera")
    assert world.bootstrap_waiting("galera") == ["c1"]
    assert world.api_states()["keystone"] == (False, "galera bootstrap waits for c1")
    _cluster(world, "c1", "online", 20.0)
    assert all(world.cluster_member_up("galera", n) for n in NODES) and world.cold == set()
    # stopped everywhere at t=2: with two of three nodes out pacemaker lost quorum and stopped every resource
    assert [(e.time, e.data["state"]) for e in world.trace.select("state.cluster")] == [
        (2.0, "stopped everywhere"), (20.0, "bootstrapped")]
    assert [e.time for e in world.trace.select("quorum.regained") if e.subject == "galera"] == [20.0]
    assert world.api_states()["keystone"] == (True, None)


def test_a_global_restart_is_a_full_stop_too() -> None:
    world = _world()
    world.apply(Effect("c0", "pacemaker", "galera-bundle", "restart-begin", "t"), 1.0)
    assert world.cold == {"galera"}
    world.apply(Effect("c0", "pacemaker", "galera-bundle", "restart", "t"), 2.0)
    assert world.cold == set() and world.cluster_has_quorum("galera")


@pytest.mark.integration
def test_the_upgrade_restarts_galera_only_when_the_last_controller_is_back() -> None:
    # Wallaby's upgrade stops pacemaker on the three controllers at step 2 and starts it again at step 4: rabbitmq is
    # back with two of them, galera only with the third
    run = run_scenario("train-to-wallaby", seed=1)
    trace = list(run.simulation.trace)
    starts = sorted(e.time for e in trace if e.kind == "task" and e.data["task"] == "Start pacemaker cluster"
                    and e.data["status"] != "skipped")
    assert len(starts) == 3
    regained = {e.subject: e.time for e in trace if e.kind == "quorum.regained" and starts[0] <= e.time <= starts[-1]}
    assert regained["rabbitmq"] == starts[1] and regained["galera"] == starts[2]
    bootstrapped = [e.time for e in trace if e.kind == "state.cluster" and e.data["state"] == "bootstrapped"]
    assert starts[2] in bootstrapped
    keystone = [e for e in trace if e.subject == "keystone" and e.kind in ("api.down", "api.up")
                and starts[1] <= e.time <= starts[2]]
    assert keystone[-1].kind == "api.up" and keystone[-1].time == starts[2]


def test_a_deploy_reports_no_full_stop_of_a_galera_that_never_ran() -> None:
    # found by probing: the composable deploy recorded "stopped everywhere" at t=943 s, when its first node was
    # provisioned, before any cluster or galera existed; a new cluster's configuration holds no bundle until created
    result = run_scenario("composable-db-networker")
    assert not list(result.simulation.trace.select("state.cluster"))
    assert result.simulation.world.cluster_has_quorum("galera") and not result.simulation.failures
