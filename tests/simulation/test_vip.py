"""The VIPs run on one node that runs a haproxy replica. When that node stops running haproxy (its pacemaker
stops, it goes down), pacemaker moves them to another such node: no API is reachable until the move ends (a
``vip_move`` duration from the timing profile, on its own RNG stream). 18.0.0's minor update bans the VIPs from each
controller in turn before stopping its pacemaker, so the VIPs move twice: off controller-0, then off controller-1."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fakes.ansible.effects import Effect
from simulator.core import Trace
from simulator.run import run_scenario
from simulator.world import NodeState, World, vip_resources

pytestmark = pytest.mark.integration

HAPROXY = "haproxy-bundle"


def test_the_minor_update_moves_the_vips_off_each_controller_that_holds_them() -> None:
    # 18.0.0's update_tasks step 1 bans the VIPs from the node ("Move virtual IPs to another node before stopping
    # pacemaker": `pcs resource ban <vip> <node> --wait`) before it stops pacemaker there
    result = run_scenario("update-18", seed=1)
    sim = result.simulation
    moves = [(e.time, e.subject, e.data["state"]) for e in sim.trace.select("state.vip")]
    tasks = list(sim.trace.select("task"))
    bans = {e.subject: e.data["start"] for e in tasks
            if e.data["task"] == "Move virtual IPs to another node before stopping pacemaker"}
    stops = {e.subject: e for e in tasks if e.data["task"] == "Stop pacemaker cluster"}
    assert len(bans) == len(stops) == 3
    assert [(t, node, state) for t, node, state in moves if state == "moving"] == [
        (pytest.approx(bans["overcloud-controller-0"]), "overcloud-controller-0", "moving"),
        (pytest.approx(bans["overcloud-controller-1"]), "overcloud-controller-1", "moving")]
    started = [(node, t) for t, node, state in moves if state == "started"]
    assert [n for n, _ in started] == ["overcloud-controller-1", "overcloud-controller-0"]
    # each move ends before the node's pacemaker stops: the stop itself moves nothing
    for (_, t), src in zip(started, ("overcloud-controller-0", "overcloud-controller-1"), strict=True):
        assert t <= stops[src].data["start"]
    moving = sum(t - bans[src] for (_, t), src in zip(started, ("overcloud-controller-0", "overcloud-controller-1"),
                                                       strict=True))
    low, high = 2.0, 8.0  # scenarios/timing/default.yaml: vip_move
    assert 2 * low <= moving <= 2 * high
    for api, seconds in sim.world.downtime.items():
        assert seconds == pytest.approx(moving), api
    reasons = {e.data["reason"] for e in sim.trace.select("api.down")}
    assert reasons == {"VIP moving"}
    assert sim.world.snapshot()["haproxy"]["vip_node"] == "overcloud-controller-0"


def test_a_ban_moves_the_vips_only_off_the_node_that_holds_them() -> None:
    world, pending = _world()
    world.apply(Effect("c1", "pacemaker", "$v", "banned", "t"), 1.0)  # not here: the task's loop finds no VIP
    assert world.vip_node == "c0" and not pending
    world.apply(Effect("c0", "pacemaker", "$v", "banned", "t"), 2.0)
    assert world.vip_node is None and world.api_states()["keystone"] == (False, "VIP moving") and len(pending) == 1
    pending.pop()(5.0)
    assert world.vip_node == "c1"  # not back on c0, though it still runs haproxy
    world.apply(Effect("c0", "pacemaker", "cluster", "offline", "t"), 6.0)  # the VIPs are elsewhere: no move
    assert world.vip_node == "c1" and not pending
    assert world.downtime["keystone"] == 3.0
    banned = [(e.time, e.data["target"]) for e in world.trace.select("state.pacemaker") if e.data["state"] == "banned"]
    assert banned == [(2.0, "vips")]


@pytest.mark.parametrize(("vip_map", "expected"), [
    ({}, (("ctlplane",), ("ctlplane",))),
    # 18.0.0 without network isolation: the other networks have no VIP
    ({"ctlplane": "1", "storage": "", "external": "", "ctlplane_subnet": "1/24"}, (("ctlplane",), ("ctlplane",))),
    # Train without network isolation: every network's VIP is the control plane's; redis has its own, ovn_dbs's
    # follows the OVN DBs' master, not haproxy
    ({"ctlplane": "1", "storage": "1", "internal_api": "1", "external": "1", "redis": "2", "ovn_dbs": "3"},
     (("ctlplane", "redis"), ("ctlplane",))),
    # with network isolation: one each, in puppet-tripleo's order (control, public, redis, then the networks')
    ({"ctlplane": "1", "storage": "4", "storage_mgmt": "5", "internal_api": "7", "external": "6", "redis": "2"},
     (("ctlplane", "external", "redis", "storage", "storage_mgmt", "internal_api"), ("external", "internal_api"))),
])
def test_the_vips_puppet_creates_from_the_stacks_vip_map(vip_map: dict, expected: tuple) -> None:
    assert vip_resources(vip_map) == expected


ISOLATED = (("ctlplane", "external", "redis", "internal_api"), ("external", "internal_api"))


def test_the_vips_are_spread_and_each_moves_on_its_own() -> None:
    world, pending = _world(ISOLATED)
    assert world.vips.node == {"ctlplane": "c0", "external": "c1", "redis": "c2", "internal_api": "c0"}
    world.apply(Effect("c2", "pacemaker", "cluster", "offline", "t"), 5.0)  # redis's: no API needs it
    assert world.api_states()["keystone"] == (True, None) and len(pending) == 1
    pending.pop()(8.0)
    assert world.vips.node["redis"] == "c1"  # the haproxy node with the fewest VIPs (c0 holds two)
    world.apply(Effect("c2", "pacemaker", "cluster", "online", "t"), 9.0)  # stickiness: nothing moves back
    assert not pending
    world.apply(Effect("c1", "pacemaker", "cluster", "offline", "t"), 10.0)  # public and redis move at once
    assert world.api_states()["keystone"] == (False, "VIP moving (external)") and len(pending) == 2
    assert world.vips.moving == {"external", "redis"}
    pending.pop(0)(13.0)  # the transition placed both on c2, the emptiest, one after the other
    assert world.api_states()["keystone"] == (True, None)
    pending.pop(0)(15.0)
    assert world.vips.node == {"ctlplane": "c0", "external": "c2", "redis": "c2", "internal_api": "c0"}
    assert world.downtime["keystone"] == 3.0
    assert [e.data["vip"] for e in world.trace.select("state.vip") if e.data["state"] == "started"] == [
        "redis", "external", "redis"]


def test_a_ban_moves_the_nodes_vips_one_after_the_other() -> None:
    # 18.0.0's loop runs `pcs resource ban <vip> <node> --wait` for each VIP on the node, in turn
    world, pending = _world(ISOLATED)
    world.apply(Effect("c0", "pacemaker", "$v", "banned", "t"), 2.0)  # ctlplane, then internal_api
    assert world.vips.moving == {"ctlplane"} and world.api_states()["keystone"] == (True, None)
    pending.pop()(6.0)
    assert world.vips.moving == {"internal_api"} and world.vips.node["ctlplane"] == "c1"  # c1 before c2 in a tie
    assert world.api_states()["keystone"] == (False, "VIP moving (internal_api)")
    pending.pop()(9.0)
    assert world.vips.node == {"ctlplane": "c1", "external": "c1", "redis": "c2", "internal_api": "c2"}
    assert world.downtime["keystone"] == 3.0 and not pending


def _world(vips: tuple | None = None) -> tuple[World, list[Callable[[float], None]]]:
    nodes = [NodeState(n, "Controller", ("pacemaker", "haproxy", "keystone"), "source", containers={"keystone": True})
             for n in ("c0", "c1", "c2")]
    world = World(Trace(), nodes, pacemaker_nodes=["c0", "c1", "c2"], bundles=[HAPROXY], vips=vips)
    world.track_replicas(lambda node, bundle: ("haproxy:pcmklatest", "sha256:" + "a" * 64))
    pending: list[Callable[[float], None]] = []
    world.track_vip(pending.append)
    return world, pending


def test_a_vip_move_takes_the_apis_down_until_it_ends() -> None:
    world, pending = _world()
    assert world.vip_node == "c0" and world.api_states()["keystone"] == (True, None)
    world.apply(Effect("c1", "pacemaker", "cluster", "offline", "t"), 5.0)  # not the VIPs' node: nothing moves
    assert world.vip_node == "c0" and not pending
    world.apply(Effect("c1", "pacemaker", "cluster", "online", "t"), 6.0)
    world.apply(Effect("c0", "pacemaker", "cluster", "offline", "t"), 10.0)
    assert world.vip_node is None and world.api_states()["keystone"] == (False, "VIP moving") and len(pending) == 1
    pending.pop()(14.0)
    assert world.vip_node == "c1" and world.api_states()["keystone"] == (True, None)
    world.hold_down("c1", "crash", 20.0, "crash")  # the cluster loses quorum: nothing runs, nowhere to move to
    assert world.vip_node is None and not pending
    assert world.api_states()["keystone"] == (False, "pacemaker quorum")
    world.apply(Effect("c0", "pacemaker", "cluster", "online", "t"), 30.0)  # quorate again: the VIPs start
    assert world.api_states()["keystone"] == (False, "VIP moving") and len(pending) == 1
    pending.pop()(33.0)
    assert world.vip_node == "c0" and world.api_states()["keystone"] == (True, None)
    assert world.downtime["keystone"] == 4.0 + 13.0
    assert [(e.time, e.subject, e.data["state"]) for e in world.trace.select("state.vip")] == [
        (10.0, "c0", "moving"), (14.0, "c1", "started"), (20.0, "c1", "stopped"), (30.0, "-", "moving"),
        (33.0, "c0", "started")]


def test_a_move_whose_destinations_all_stop_haproxy_ends_with_the_vip_stopped() -> None:
    world, pending = _world()
    world.apply(Effect("c0", "pacemaker", "cluster", "offline", "t"), 10.0)
    assert world.api_states()["keystone"] == (False, "VIP moving") and len(pending) == 1
    for node in ("c1", "c2"):  # both other replicas restart on their node while the VIP is on its way
        world.apply(Effect(node, "pacemaker", HAPROXY, "replica-restart-begin", "t"), 11.0)
    assert world.api_states()["keystone"] == (False, "no VIP")  # no node runs haproxy: it cannot arrive
    pending.pop()(14.0)
    assert world.vip_node is None and world.api_states()["keystone"] == (False, "no VIP")
    world.apply(Effect("c1", "pacemaker", HAPROXY, "replica-restart", "t"), 20.0)
    assert world.api_states()["keystone"] == (False, "VIP moving") and len(pending) == 1
    pending.pop()(23.0)
    assert world.vip_node == "c1" and world.api_states()["keystone"] == (True, None)
    assert [(e.time, e.subject, e.data["state"]) for e in world.trace.select("state.vip")] == [
        (10.0, "c0", "moving"), (14.0, "-", "stopped"), (20.0, "-", "moving"), (23.0, "c1", "started")]
    assert [e.data["reason"] for e in world.trace.select("api.down")] == ["VIP moving"]


def test_no_haproxy_replica_no_vip_and_maintenance_mode_moves_nothing() -> None:
    world, pending = _world()
    world.apply(Effect("c0", "pacemaker", "maintenance-mode", "true", "t"), 1.0)
    world.apply(Effect("c0", "pacemaker", "cluster", "offline", "t"), 2.0)
    assert world.vip_node == "c0" and not pending  # pacemaker leaves resources where they are
    world.apply(Effect("c0", "pacemaker", "cluster", "online", "t"), 3.0)
    world.apply(Effect("c0", "pacemaker", "maintenance-mode", "false", "t"), 4.0)
    world.apply(Effect("c0", "pacemaker", HAPROXY, "disabled", "t"), 5.0)
    assert world.vip_node is None and not pending  # nowhere to move to
    assert world.api_states()["keystone"] == (False, "haproxy stopped")
    world.apply(Effect("c0", "pacemaker", HAPROXY, "enabled", "t"), 9.0)
    assert world.api_states()["keystone"] == (False, "VIP moving")  # the VIPs start after haproxy
    pending.pop()(11.0)
    assert world.vip_node == "c0" and world.api_states()["keystone"] == (True, None)
