"""A node is up only when nothing holds it down: overlapping crashes, a crash during a reboot and a crash before or
after provisioning each keep it down until the last of them ends (found by probing: the first to end used to bring
it up, and quorum and API downtime were counted from that). A crash while a task or a puppet step runs on the node
fails it when the node goes (it used to be seen by the next task only)."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault, Trace
from simulator.run import run_scenario
from simulator.scenario import load_scenario
from simulator.world import NodeState, World

CTL = ("keystone", "mysql", "haproxy", "oslo_messaging_rpc", "pacemaker")


def _world() -> World:
    nodes = [NodeState(f"ctl-{i}", "Controller", CTL, "source", containers={"keystone": True},
                       images={"keystone": "source"}) for i in range(3)]
    return World(Trace(), nodes, pacemaker_nodes=[n.name for n in nodes],
                 bundles=["galera-bundle", "haproxy-bundle", "rabbitmq-bundle"])


def _events(world: World, node: str) -> list[tuple[float, str, str]]:
    return [(e.time, e.kind, e.data["reason"]) for e in world.trace if e.kind in ("node.up", "node.down")
            and e.subject == node]


def test_overlapping_crashes_keep_the_node_down_until_the_last_ends() -> None:
    w = _world()
    w.hold_down("ctl-1", "crash", 10.0, "crash")
    w.hold_down("ctl-1", "crash", 20.0, "crash")
    w.release("ctl-1", "crash", 30.0, "recovered")
    assert not w.nodes["ctl-1"].up and w.down_causes("ctl-1") == ("crash",)
    w.release("ctl-1", "crash", 40.0, "recovered")
    assert w.nodes["ctl-1"].up and w.down_causes("ctl-1") == ()
    assert _events(w, "ctl-1") == [(10.0, "node.down", "crash"), (40.0, "node.up", "recovered")]


@pytest.mark.parametrize(("first_end", "last_end"), [("reboot", "crash"), ("crash", "reboot")])
def test_a_crash_and_a_reboot_keep_the_node_down_until_both_ended(first_end: str, last_end: str) -> None:
    w = _world()
    w.hold_down("ctl-0", "reboot", 5.0, "rebooting")
    w.hold_down("ctl-0", "crash", 6.0, "crash")
    w.release("ctl-0", first_end, 7.0, first_end)
    assert not w.nodes["ctl-0"].up
    w.release("ctl-0", last_end, 8.0, last_end)
    assert w.nodes["ctl-0"].up
    assert _events(w, "ctl-0") == [(5.0, "node.down", "rebooting"), (8.0, "node.up", last_end)]


def test_releasing_what_does_not_hold_the_node_changes_nothing() -> None:
    w = _world()
    w.release("ctl-2", "reboot", 1.0, "rebooted")  # a reboot in a background job: no outage was laid out for it
    w.hold_down("ctl-2", "crash", 2.0, "crash")
    w.release("ctl-2", "reboot", 3.0, "rebooted")
    assert not w.nodes["ctl-2"].up
    assert _events(w, "ctl-2") == [(2.0, "node.down", "crash")]


def test_quorum_is_not_regained_through_a_node_that_is_still_crashed() -> None:
    w = _world()
    w.hold_down("ctl-1", "crash", 10.0, "crash")
    w.hold_down("ctl-2", "crash", 11.0, "crash")
    w.hold_down("ctl-2", "crash", 12.0, "crash")
    assert not w.has_quorum()
    w.release("ctl-2", "crash", 13.0, "recovered")  # the shorter of ctl-2's crashes ends
    assert not w.has_quorum()
    w.release("ctl-2", "crash", 14.0, "recovered")
    assert w.has_quorum()


@pytest.mark.integration
def test_an_update_with_overlapping_crashes_on_one_node() -> None:
    # the probe's case: a crash for good at 1600 and a 50 s one inside it; the node must not come back at 1700
    faults = (Fault(1600.0, "overcloud-controller-1", "node_crash"),
              Fault(1650.0, "overcloud-controller-1", "node_crash", duration=50.0))
    result = run_scenario(dataclasses.replace(load_scenario("update-18"), faults=faults), seed=1)
    sim = result.simulation
    assert result.failed
    assert [(e.kind, e.data["reason"]) for e in sim.trace.select("node", "overcloud-controller-1")] == [
        ("node.down", "crash")]
    assert not sim.world.nodes["overcloud-controller-1"].up
    # quorum comes back later through the other controllers, never through the crashed one
    assert not [e for e in sim.trace.select("quorum.regained") if e.time >= 1600.0
                and "overcloud-controller-1" in e.data["online"]]


@pytest.mark.integration
def test_a_crash_during_provisioning_keeps_the_node_down_after_it() -> None:
    scenario = load_scenario("deploy-3-100")
    machine = "overcloud-novacompute-0"
    scenario = dataclasses.replace(scenario, nodes={"Controller": 1, "Compute": 1},
                                   faults=(Fault(10.0, machine, "node_crash", duration=2000.0),))
    result = run_scenario(scenario, seed=1)
    events = [(e.kind, e.data["reason"]) for e in result.simulation.trace.select("node", machine)]
    # provisioned while crashed: up only when the crash ends
    assert events == [("node.up", "recovered")]
    up = next(e.time for e in result.simulation.trace.select("node.up", machine))
    assert up == pytest.approx(2010.0)


@pytest.mark.integration
def test_a_crash_while_a_task_runs_fails_it_as_unreachable_when_the_node_goes() -> None:
    # found by probing: a crash that began and ended inside one task ("Pre-fetch all the containers", ~11615-11929
    # on compute-0) changed nothing: the task ended ok and the run succeeded
    fault = Fault(11700.0, "overcloud-novacompute-0", "node_crash", duration=100.0)
    result = run_scenario(dataclasses.replace(load_scenario("update-18"), faults=(fault,)), seed=1)
    assert result.failed
    [failure] = result.simulation.failures
    assert (failure.host, failure.task, failure.time) == ("overcloud-novacompute-0", "Pre-fetch all the containers",
                                                          11700.0)
    assert failure.error == "host overcloud-novacompute-0 unreachable: node_crash at t=11700s, while the task ran"


@pytest.mark.integration
def test_a_crash_while_puppet_runs_fails_the_step() -> None:
    # Ocata's Heat-driven upgrade: the crash falls inside controller-1's puppet step 1 (~2546-2748)
    fault = Fault(2600.0, "overcloud-controller-1", "node_crash", duration=100.0)
    result = run_scenario(dataclasses.replace(load_scenario("ocata-composable-upgrade"), faults=(fault,)), seed=1)
    assert result.failed
    assert "puppet step 1: overcloud-controller-1 unreachable" in result.simulation.failures[0].error


def test_a_two_node_cluster_keeps_quorum_with_one_node() -> None:
    # found by probing: 2 controllers lost pacemaker quorum (and every API) whenever one stopped, as a serial update
    # does; `pcs cluster setup` with two nodes sets corosync's two_node, and the node left keeps quorum
    nodes = [NodeState(f"ctl-{i}", "Controller", CTL, "source") for i in range(2)]
    w = World(Trace(), nodes, pacemaker_nodes=[n.name for n in nodes], bundles=["galera-bundle"])
    w.hold_down("ctl-1", "crash", 1.0, "crash")
    assert w.has_quorum()
    w.hold_down("ctl-0", "crash", 2.0, "crash")
    assert not w.has_quorum()
