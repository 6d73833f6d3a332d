"""Each pacemaker bundle's replica on a node runs the build its bundle's image name (``pcmklatest``) pointed to on
that node when the replica last started. 18.0.0's minor update stops pacemaker on a controller at update step 1,
retags ``pcmklatest`` to the pulled image at step 2 and starts pacemaker at step 4, so each replica restarts on the
new build; a template that starts pacemaker again before the retag leaves the replicas on the old build, which the
``bundle-images-current`` run invariant reports."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes.ansible.effects import Effect
from simulator.core import Trace
from simulator.invariants import check_run
from simulator.invariants.bugzoo import Mutation, apply_mutation
from simulator.run import ScenarioResult, prepare_scenario, run_scenario
from simulator.workflows import Simulation
from simulator.world import NodeState, StaleReplica, World

pytestmark = pytest.mark.integration

CONTROLLERS = [f"overcloud-controller-{i}" for i in range(3)]
GALERA = "galera-bundle"


def _replica_events(result: ScenarioResult, node: str, bundle: str) -> list[tuple[float, str, str]]:
    return [(e.time, e.data["state"], e.data.get("image", "")) for e in result.simulation.trace.select("state.replica")
            if e.subject == node and e.data["bundle"] == bundle]


def _task_end(result: ScenarioResult, node: str, task: str) -> float:
    return next(e.time for e in result.simulation.trace.select("task", node) if e.data["task"] == task)


def test_the_minor_update_restarts_each_replica_on_the_pulled_build() -> None:
    result = run_scenario("update-18", seed=1)
    sim = result.simulation
    pulled = sim.answers.image_id(CONTROLLERS[0], "quay.io/tripleomaster/openstack-mysql:current-tripleo")
    assert pulled is not None
    for node in CONTROLLERS:
        events = _replica_events(result, node, GALERA)
        # stopped with the node's pacemaker at update step 1, started with it at step 4, from the retagged build
        assert [(state, image) for _, state, image in events] == [("stopped", ""), ("started", pulled[7:19])]
        assert events[0][0] == _task_end(result, node, "Stop pacemaker cluster")
        assert events[1][0] == _task_end(result, node, "Start pacemaker cluster")
        assert sim.world.replicas[(node, GALERA)] == pulled
    assert sim.stale_replicas() == []
    assert not [v for v in result.violations if v.invariant == "bundle-images-current"]
    snapshot = sim.world.snapshot()["pacemaker"]["replicas"]
    assert snapshot[f"{GALERA}@{CONTROLLERS[1]}"] == pulled[7:19]


def test_starting_pacemaker_before_the_retag_leaves_the_replicas_on_the_old_build() -> None:
    prepared = prepare_scenario("update-18", seed=1)
    early_start = Mutation("early-start", "pacemaker started before the pcmklatest retag", "run-succeeds",
                           "Controller", "update_tasks",
                           ({"op": "edit_task", "task": "Start pacemaker cluster", "set": {"when": "step|int == 1"}},),
                           "<test>")
    target = apply_mutation(prepared.target, early_start)
    sim = type(prepared.simulation)(prepared.source, target, timing=prepared.simulation.timing, seed=1)
    sim.run()
    result = dataclasses.replace(prepared, target=target, simulation=sim)
    assert not result.failed  # the update itself "succeeds"
    stale = sim.stale_replicas()
    assert {(node, bundle) for node, bundle, *_ in stale} == {
        (n, b) for n in CONTROLLERS for b in ("galera-bundle", "haproxy-bundle", "rabbitmq-bundle")}
    deployed = sim.answers.deployed_images[CONTROLLERS[0]]
    assert "quay.io/tripleomaster/openstack-mysql:pcmklatest" in deployed
    node, bundle, runs, current, image, started, reason = next(s for s in stale if s[:2] == (CONTROLLERS[0], GALERA))
    assert (image, reason) == ("quay.io/tripleomaster/openstack-mysql:pcmklatest", "retagged")
    assert runs != current and sim.answers.replica_image(node, bundle) == (image, current)
    found = [v for v in result.violations if v.invariant == "bundle-images-current"]
    assert len(found) == 9
    first = next(v for v in found if v.subject == f"{CONTROLLERS[0]}:{GALERA}")
    assert f"runs build {runs[7:19]}, started at t={started:.0f}s, but {image} is now build {current[7:19]}" \
        in first.message
    assert "retagged after that start" in first.message
    assert "Start pacemaker cluster" in {t.task for t in first.trace}


def test_an_update_without_its_retag_is_retagged_by_the_deploy_steps_after_the_restart() -> None:
    # without update step 2's retag, pacemaker restarts galera's replicas at step 4 on the build pcmklatest still
    # names; deploy step 1's "MySQL tag container image for pacemaker" then retags it, and nothing restarts them
    prepared = prepare_scenario("update-18", seed=1)
    no_retag = Mutation("no-retag", "pcmklatest not retagged in the update", "run-succeeds", "Controller",
                        "update_tasks", ({"op": "edit_task", "task": "Mariadb fetch and retag container image for "
                                          "pacemaker", "set": {"when": "step|int == 9"}},), "<test>")
    target = apply_mutation(prepared.target, no_retag)
    sim = type(prepared.simulation)(prepared.source, target, timing=prepared.simulation.timing, seed=1)
    sim.run()
    assert not sim.failures
    stale = sim.stale_replicas()
    assert [(r.node, r.bundle, r.reason) for r in stale] == [(n, GALERA, "retagged") for n in CONTROLLERS]
    deployed = "quay.io/tripleomaster/openstack-mysql:pcmklatest"
    release = sim.answers.image_id(CONTROLLERS[0], "quay.io/tripleomaster/openstack-mysql:current-tripleo")
    assert all(r.runs != r.expected == release and r.image == deployed for r in stale)
    for r in stale:
        retag = [e.time for e in sim.trace.select("task", r.node)
                 if e.data["task"] == "tripleo_container_tag : Pull and tag image"
                 and e.data["phase"] == "deploy_steps_tasks" and e.data["step"] == "1"]
        assert retag and min(retag) > r.started == _task_end_sim(sim, r.node, "Start pacemaker cluster")


def test_the_release_image_a_replica_should_run_is_the_one_tagged_as_its_bundles_name() -> None:
    ids = {(n, GALERA): "sha256:" + "a" * 64 for n in ("c0", "c1", "c2")}
    world = _world(ids)
    release = {"c0": "sha256:" + "b" * 64, "c1": None, "c2": "sha256:" + "a" * 64}
    world.track_replicas(lambda node, bundle: ("mariadb:pcmklatest", ids[(node, bundle)]),
                         lambda node, bundle: ("mysql:current", release[node]))
    # c0 holds the release image, on another build; c1 does not hold it (not checked); c2 runs it
    assert world.stale_replicas() == [StaleReplica("c0", GALERA, ids[("c0", GALERA)], release["c0"] or "",
                                                   "mysql:current", 0.0, "not retagged")]
    message = check_run(world.trace, {}, stale_replicas=world.stale_replicas())[0].message
    assert "the release's image mysql:current is build bbbbbbbbbbbb there" in message
    assert "never retagged to it" in message


def _task_end_sim(sim: Simulation, node: str, task: str) -> float:
    return next(e.time for e in sim.trace.select("task", node) if e.data["task"] == task)


def _world(image_of: dict[tuple[str, str], str | None]) -> World:
    nodes = [NodeState(n, "Controller", ("pacemaker", "mysql"), "source") for n in ("c0", "c1", "c2")]
    world = World(Trace(), nodes, pacemaker_nodes=["c0", "c1", "c2"], bundles=[GALERA])
    world.track_replicas(lambda node, bundle: ("mariadb:pcmklatest", image_of[(node, bundle)]))
    return world


def test_a_replica_started_from_an_image_its_node_lacks_is_reported() -> None:
    ids = {(n, GALERA): "sha256:" + "a" * 64 for n in ("c0", "c1", "c2")}
    world = _world(ids)
    assert world.replicas[("c1", GALERA)] == ids[("c1", GALERA)] and world.stale_replicas() == []
    world.apply(Effect("c1", "pacemaker", "cluster", "offline", "t"), 10.0)
    ids[("c1", GALERA)] = None  # e.g. the bundle now names an image only the other nodes were given
    world.apply(Effect("c1", "pacemaker", "cluster", "online", "t"), 20.0)
    events = [(e.time, e.subject, e.data["state"], e.data.get("image")) for e in world.trace.select("state.replica")]
    assert events == [(10.0, "c1", "stopped", None), (20.0, "c1", "started", "missing")]
    assert world.stale_replicas() == [StaleReplica("c1", GALERA, "", "", "mariadb:pcmklatest", 20.0, "missing")]
    assert not world.cluster_member_up("galera", "c1") and world.cluster_has_quorum("galera")  # 2 of 3 run
    assert world.snapshot()["pacemaker"]["replicas"][f"{GALERA}@c1"] == "missing"
    ids.update(dict.fromkeys(ids, None))  # a global restart: no node holds the image its bundle now names
    world.apply(Effect("c0", "pacemaker", GALERA, "restart-begin", "t"), 30.0)
    world.apply(Effect("c0", "pacemaker", GALERA, "restart", "t"), 40.0)
    # lost while the bundle restarts, and not regained: every replica fails to start
    assert not world.cluster_has_quorum("galera") and world.quorum_events[-1] == (30.0, "galera", "lost")
    message = check_run(world.trace, {}, stale_replicas=world.stale_replicas())[0].message
    assert "while the node held no image mariadb:pcmklatest (now not on the node)" in message


def test_maintenance_mode_keeps_replicas_as_they_are_and_a_global_restart_restarts_them_all() -> None:
    ids = {(n, GALERA): "sha256:" + "a" * 64 for n in ("c0", "c1", "c2")}
    world = _world(ids)
    world.apply(Effect("c0", "pacemaker", "maintenance-mode", "true", "t"), 5.0)
    world.apply(Effect("c0", "pacemaker", GALERA, "disabled", "t"), 6.0)
    assert not world.trace.select("state.replica")  # pacemaker starts and stops nothing
    world.apply(Effect("c0", "pacemaker", GALERA, "enabled", "t"), 7.0)
    world.apply(Effect("c0", "pacemaker", "maintenance-mode", "false", "t"), 8.0)
    new = "sha256:" + "b" * 64
    ids.update(dict.fromkeys(ids, new))
    assert [n for n, *_ in world.stale_replicas()] == ["c0", "c1", "c2"]
    world.apply(Effect("c0", "pacemaker", GALERA, "restart-begin", "t"), 9.0)
    world.apply(Effect("c0", "pacemaker", GALERA, "restart", "t"), 12.0)
    assert world.stale_replicas() == [] and set(world.replicas.values()) == {new}
    assert [e.data["state"] for e in world.trace.select("state.replica")] == ["stopped"] * 3 + ["started"] * 3


def test_after_leapp_a_node_holds_only_the_images_pulled_since() -> None:
    result = run_scenario("queens-to-train-staged", seed=1)
    sim = result.simulation
    for node in CONTROLLERS:
        assert node not in sim.answers.deployed_images  # the new OS's container runtime started empty
        for bundle in ("galera-bundle", "rabbitmq-bundle", "haproxy-bundle", "redis-bundle"):
            assert sim.world.replicas[(node, bundle)] == sim.answers.replica_image(node, bundle)[1] != ""
    assert sim.stale_replicas() == [] and not result.failed


def test_haproxy_replicas_that_cannot_start_take_the_vip_and_the_apis_down() -> None:
    nodes = [NodeState(n, "Controller", ("pacemaker", "haproxy", "keystone"), "source", containers={"keystone": True})
             for n in ("c0", "c1", "c2")]
    world = World(Trace(), nodes, pacemaker_nodes=["c0", "c1", "c2"], bundles=["haproxy-bundle"])
    ids: dict[tuple[str, str], str | None] = {(n, "haproxy-bundle"): "sha256:" + "c" * 64 for n in ("c0", "c1", "c2")}
    world.track_replicas(lambda node, bundle: ("haproxy:pcmklatest", ids[(node, bundle)]))
    assert world.api_states()["keystone"] == (True, None)
    ids[("c0", "haproxy-bundle")] = ids[("c1", "haproxy-bundle")] = None
    world.apply(Effect("c0", "pacemaker", "haproxy-bundle", "restart-begin", "t"), 10.0)
    world.apply(Effect("c0", "pacemaker", "haproxy-bundle", "restart", "t"), 20.0)
    assert world.api_states()["keystone"] == (True, None)  # c2's replica holds the VIP
    ids[("c2", "haproxy-bundle")] = None
    world.apply(Effect("c0", "pacemaker", "haproxy-bundle", "restart-begin", "t"), 30.0)
    world.apply(Effect("c0", "pacemaker", "haproxy-bundle", "restart", "t"), 40.0)
    assert world.api_states()["keystone"] == (False, "haproxy image missing")
    # down from the restart on (up again at 20 s), and the restart's end does not bring it back
    changes = [(e.time, e.kind) for e in world.trace.select("api") if e.subject == "keystone"]
    assert changes == [(10.0, "api.down"), (20.0, "api.up"), (30.0, "api.down"), (40.0, "api.reason")]
    assert world.trace.select("api.reason")[0].data["reason"] == "haproxy image missing"  # (from haproxy stopped)


def test_the_snapshot_counts_each_bundles_replicas_by_build() -> None:
    from reports import render_snapshot

    ids: dict[tuple[str, str], str | None] = {(n, GALERA): "sha256:" + "a" * 64 for n in ("c0", "c1", "c2")}
    world = _world(ids)
    world.apply(Effect("c1", "pacemaker", "cluster", "offline", "t"), 10.0)
    ids[("c1", GALERA)] = "sha256:" + "b" * 64
    world.apply(Effect("c1", "pacemaker", "cluster", "online", "t"), 20.0)
    world.apply(Effect("c2", "pacemaker", "cluster", "offline", "t"), 30.0)
    ids[("c2", GALERA)] = None
    world.apply(Effect("c2", "pacemaker", "cluster", "online", "t"), 40.0)
    text = render_snapshot({"t": 40.0, **world.snapshot()})
    assert "  replicas: galera-bundle 1 on aaaaaaaaaaaa, 1 on bbbbbbbbbbbb, 1 missing" in text.splitlines()


def test_a_replica_whose_image_name_is_unknown_is_not_missing() -> None:
    # a baremetal pacemaker resource (Newton, Ocata) the world calls by its bundle's name: no image to miss
    nodes = [NodeState(n, "Controller", ("pacemaker", "mysql"), "source") for n in ("c0", "c1", "c2")]
    world = World(Trace(), nodes, pacemaker_nodes=["c0", "c1", "c2"], bundles=[GALERA])
    world.track_replicas(lambda node, bundle: ("", None))
    assert set(world.replicas.values()) == {""} and not world.replica_missing
    assert world.cluster_member_up("galera", "c0") and world.stale_replicas() == []
    world.apply(Effect("c0", "pacemaker", GALERA, "restart-begin", "t"), 1.0)
    world.apply(Effect("c0", "pacemaker", GALERA, "restart", "t"), 2.0)
    assert [e.data.get("image") for e in world.trace.select("state.replica")][-1] == "unknown"
    assert not world.replica_missing and world.cluster_has_quorum("galera")


def test_queens_bundles_replacing_baremetal_run_what_their_image_tag_containers_tagged() -> None:
    # Newton -> Queens: mysql_image_tag (docker_config step 1) runs `docker tag '<image>' '<image>:pcmklatest'`,
    # then mysql_init_bundle creates galera-bundle with the target's pcmklatest name
    result = run_scenario("newton-to-queens-ffu", seed=1)
    sim = result.simulation
    release = "docker.io/tripleoqueens/centos-binary-mysql:current-tripleo"
    for node in CONTROLLERS:
        assert sim.answers.replica_image(node, GALERA) == ("docker.io/tripleoqueens/centos-binary-mysql:pcmklatest",
                                                           sim.answers.image_id(node, release))
        assert sim.world.replicas[(node, GALERA)] == sim.answers.image_id(node, release) is not None
    assert sim.world.replicas[(CONTROLLERS[0], "haproxy-bundle")] == ""  # replaced in place: not followed
    assert sim.stale_replicas() == [] and not result.failed


_NODES = ("c0", "c1", "c2")
CINDER_VOLUME = "openstack-cinder-volume"
_STEPS = st.one_of(
    st.tuples(st.sampled_from(_NODES), st.sampled_from(["cluster"]), st.sampled_from(["offline", "online"])),
    st.tuples(st.just("c0"), st.sampled_from([GALERA, "haproxy-bundle", CINDER_VOLUME]),
              st.sampled_from(["disabled", "enabled", "restart-begin", "restart"])),
    st.tuples(st.sampled_from(_NODES), st.sampled_from([GALERA, CINDER_VOLUME]),
              st.sampled_from(["replica-restart-begin", "replica-restart"])),
    st.tuples(st.just("c0"), st.just("maintenance-mode"), st.sampled_from(["true", "false"])),
    st.tuples(st.sampled_from(_NODES), st.just("node"), st.sampled_from(["down", "up"])),
    st.tuples(st.sampled_from(_NODES), st.just("image"), st.sampled_from(["a", "b", "gone"])),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_STEPS, max_size=30))
def test_replicas_follow_what_pacemaker_runs_whatever_the_sequence(steps: list[tuple[str, str, str]]) -> None:
    nodes = [NodeState(n, "Controller", ("pacemaker", "mysql", "haproxy", "cinder_volume"), "source")
             for n in _NODES]
    world = World(Trace(), nodes, pacemaker_nodes=list(_NODES), bundles=[GALERA, "haproxy-bundle", CINDER_VOLUME])
    images: dict[str, str | None] = dict.fromkeys(_NODES, "sha256:" + "a" * 64)
    holder: str | None = "c0"
    restarting: set[tuple[str, str]] = set()
    world.track_replicas(lambda node, bundle: ("img:pcmklatest", images[node]))
    pending: list[Callable[[float], None]] = []
    world.track_vip(pending.append)
    frozen: dict[tuple[str, str], str] | None = None
    for t, (node, target, state) in enumerate(steps, start=1):
        if target == "node":
            if state == "up":
                world.release(node, "test", float(t), "test")
            elif not world.down_causes(node):  # down once: a second "down" step changes nothing
                world.hold_down(node, "test", float(t), "test")
        elif target == "image":
            images[node] = None if state == "gone" else "sha256:" + state * 64
        else:
            world.apply(Effect(node, "pacemaker", target, state, "t"), float(t))
            if state == "replica-restart-begin":
                restarting.add((node, target))
            elif state == "replica-restart":
                restarting.discard((node, target))
        while pending:  # each VIP move ends before the next step
            pending.pop()(t + 0.5)
        keys = [(n, b) for n in _NODES for b in (GALERA, "haproxy-bundle")]
        if world.pcs_maintenance:  # pacemaker starts and stops nothing: the replicas are as maintenance found them
            frozen = dict(world.replicas) if frozen is None else frozen
            assert world.replicas == frozen
            continue
        frozen = None
        for n, b in keys:
            runs = (world.nodes[n].up and n in world.pcs_members and world.pcs_resources[b]
                    and world.has_quorum() and (n, b) not in restarting)
            assert ((n, b) in world.replicas) == runs
        # the active/passive bundle: one replica where one can run, staying on its node while that node can run it
        # (restarted there: down, not moved)
        can = [n for n in _NODES if world.nodes[n].up and n in world.pcs_members and world.pcs_resources[CINDER_VOLUME]
               and world.has_quorum() and (n, CINDER_VOLUME) not in restarting]
        placed = [n for n in _NODES if (n, CINDER_VOLUME) in world.replicas]
        if holder is not None and (holder, CINDER_VOLUME) in restarting:
            assert placed == []
        else:
            if holder not in can:
                holder = can[0] if can else None
            assert placed == ([holder] if holder else [])
        assert world.replica_missing <= set(world.replicas)
        holders = [n for n in _NODES if (n, "haproxy-bundle") in world.replicas
                   and (n, "haproxy-bundle") not in world.replica_missing]
        assert (world.vip_node in holders) if holders else world.vip_node is None
        for n in _NODES:  # a galera member whose replica could not start is down
            if (n, GALERA) in world.replica_missing:
                assert not world.cluster_member_up("galera", n)
    # each replica's events alternate: a start after a stop (or the run's start), never two in a row
    last: dict[tuple[str, str], str] = {}
    for e in world.trace.select("state.replica"):
        key = (e.subject, e.data["bundle"])
        assert last.get(key) != e.data["state"]
        last[key] = e.data["state"]


def test_pike_bundles_take_the_name_their_image_tag_container_tagged() -> None:
    # Ocata -> Pike: Pike's tasks set no <x>_image_latest fact; mysql_image_tag's `docker tag` names galera-bundle's
    # image, and mysql_init_bundle creates the bundle with it
    result = run_scenario("ocata-to-pike", seed=1)
    sim = result.simulation
    assert sim.answers.tagged_names[GALERA] == "docker.io/tripleopike/centos-binary-mysql:pcmklatest"
    for node in CONTROLLERS:
        name, built = sim.answers.replica_image(node, GALERA)
        assert name == sim.answers.tagged_names[GALERA] and built is not None
        assert sim.world.replicas[(node, GALERA)] == built
        assert sim.world.replicas[(node, "haproxy-bundle")] == ""  # replaced in place: not followed
    assert sim.stale_replicas() == [] and not result.failed


def test_an_active_passive_bundle_runs_on_one_node_and_stays_there_while_it_can() -> None:
    nodes = [NodeState(n, "Controller", ("pacemaker", "cinder_volume"), "source") for n in _NODES]
    world = World(Trace(), nodes, pacemaker_nodes=list(_NODES), bundles=[CINDER_VOLUME])
    world.track_replicas(lambda node, bundle: ("cinder-volume:pcmklatest", "sha256:" + "d" * 64))
    assert list(world.replicas) == [("c0", CINDER_VOLUME)]
    world.apply(Effect("c0", "pacemaker", "cluster", "offline", "t"), 1.0)  # c0 leaves: pacemaker moves it
    assert list(world.replicas) == [("c1", CINDER_VOLUME)]
    world.apply(Effect("c0", "pacemaker", "cluster", "online", "t"), 2.0)  # c0 is back: it stays on c1
    assert list(world.replicas) == [("c1", CINDER_VOLUME)]
    world.apply(Effect("c0", "pacemaker", CINDER_VOLUME, "disabled", "t"), 3.0)
    assert world.replicas == {}
    world.apply(Effect("c0", "pacemaker", CINDER_VOLUME, "enabled", "t"), 4.0)
    assert list(world.replicas) == [("c0", CINDER_VOLUME)]  # started anew: on the first node that can run it
    events = [(e.time, e.subject, e.data["state"]) for e in world.trace.select("state.replica")]
    assert events == [(1.0, "c0", "stopped"), (1.0, "c1", "started"), (3.0, "c1", "stopped"),
                      (4.0, "c0", "started")]
    assert world.snapshot()["pacemaker"]["replicas"] == {f"{CINDER_VOLUME}@c0": "d" * 12}
    # a restart on its node (a minor update's pacemaker_restart_bundle.sh) stops and starts it there
    world.apply(Effect("c0", "pacemaker", CINDER_VOLUME, "replica-restart-begin", "t"), 5.0)
    assert world.replicas == {}
    world.apply(Effect("c0", "pacemaker", CINDER_VOLUME, "replica-restart", "t"), 6.0)
    assert list(world.replicas) == [("c0", CINDER_VOLUME)]


def test_the_minor_update_moves_cinder_volume_off_each_controller_it_stops() -> None:
    # 18.0.0's update stops pacemaker on each controller in turn: cinder-volume, on controller-0, moves to
    # controller-1 when controller-0's pacemaker stops, and back when controller-1's stops (controller-0 runs again)
    result = run_scenario("update-18", seed=1)
    sim = result.simulation
    events = [(e.time, e.subject, e.data["state"]) for e in sim.trace.select("state.replica")
              if e.data["bundle"] == CINDER_VOLUME]
    stop0 = _task_end(result, CONTROLLERS[0], "Stop pacemaker cluster")
    stop1 = _task_end(result, CONTROLLERS[1], "Stop pacemaker cluster")
    assert events == [(stop0, CONTROLLERS[0], "stopped"), (stop0, CONTROLLERS[1], "started"),
                      (stop1, CONTROLLERS[0], "started"), (stop1, CONTROLLERS[1], "stopped")]
    assert [k for k in sim.world.replicas if k[1] == CINDER_VOLUME] == [(CONTROLLERS[0], CINDER_VOLUME)]
    pulled = sim.answers.image_id(CONTROLLERS[0], "quay.io/tripleomaster/openstack-cinder-volume:current-tripleo")
    assert sim.world.replicas[(CONTROLLERS[0], CINDER_VOLUME)] == pulled is not None
    assert sim.stale_replicas() == []
