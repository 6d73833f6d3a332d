"""OVN's upgrade order in a major upgrade: ovn_controller before the OVN databases, "or there will be a data plane
outage" (upstream THT df2bfa0c5 and e1a26ff31 on stable/wallaby, 2023, after 14.3.0). 14.3.0's ovn_controller has no
upgrade tasks: the default Train -> Wallaby run upgrades the OVN DB bundle with the controllers while every node's
ovn_controller still runs Train's, the computes' until their own batch. The world records each node's outage
(``dataplane.down``/``dataplane.up``); the run invariant ``ovn-controller-first`` reports them. A minor update is
watched too (upstream ee686db10): its documented `external-update run --tags ovn` updates ovn_controller everywhere
first; without it the OVN databases' new images reach the controllers ahead of the computes' ovn_controller."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from simulator.run import run_scenario
from simulator.scenario import ScenarioError, load_scenario

pytestmark = pytest.mark.integration


def test_the_default_upgrade_leaves_every_ovn_controller_behind_the_ovn_databases() -> None:
    run = run_scenario("train-to-wallaby", seed=1)
    trace = list(run.simulation.trace)
    down = {e.subject: e.time for e in trace if e.kind == "dataplane.down"}
    up = {e.subject: e.time for e in trace if e.kind == "dataplane.up"}
    nodes = {n.name for r in run.target.roles for n in r.nodes}
    assert set(down) == set(up) == nodes
    # down from the first OVN DB replica on the target release's build (pacemaker back after the controllers'
    # cluster stop), in the controllers' run
    first = min(down.values())
    replica = next(e for e in trace if e.kind == "state.replica" and e.data.get("bundle") == "ovn-dbs-bundle"
                   and e.data["state"] == "started" and e.time == first)
    assert replica.data["image"] != "missing"
    controllers, computes = [p for p in run.simulation.phases if p.name.startswith("upgrade run --limit")]
    assert controllers.start < first < controllers.end
    # up when the node's own ovn_controller starts on the target release: the computes' in their batch
    for node, t in up.items():
        started = [e for e in trace if e.kind == "state.containers" and e.subject == node and e.time == t
                   and "ovn_controller" in e.data.get("started", ()) and e.data.get("release") == "target"]
        assert started, node
        assert (computes if "novacompute" in node else controllers).start < t
    violation = next(v for v in run.violations if v.invariant == "ovn-controller-first")
    assert "the data plane of 5 node(s)" in violation.message
    assert violation.trace and violation.trace[0].task == "Start pacemaker cluster"


def test_a_deploy_does_not_watch_the_ovn_order() -> None:
    run = run_scenario("composable-db-networker", seed=1)
    assert not run.simulation.world.ovn_order
    assert not [e for e in run.simulation.trace if e.kind.startswith("dataplane.")]


def test_the_minor_updates_external_ovn_run_updates_every_ovn_controller_ahead() -> None:
    """update-18 runs the documented `external-update run --tags ovn` (18.0.0's ovn_controller external update
    tasks: on the undercloud, each node's job launched async and delegated, then polled): every node's
    ovn_controller is on the new images before the controllers' update run, and no data plane goes out."""
    run = run_scenario("update-18", seed=1)
    assert not run.failed and run.simulation.world.ovn_order
    trace = list(run.simulation.trace)
    assert not [e for e in trace if e.kind.startswith("dataplane.")]
    assert not [v for v in run.violations if v.invariant == "ovn-controller-first"]
    phases = {p.name.split(" --limit")[0] if "--limit" in p.name else p.name: p for p in run.simulation.phases}
    assert list(phases) == ["update prepare", "external-update run --tags container_image_prepare",
                            "external-update run --tags ovn", "update run", "update converge"]
    ovn = phases["external-update run --tags ovn"]
    recreated = {e.subject for e in trace if e.kind == "state.containers" and e.data["started"] == ["ovn_controller"]
                 and ovn.start <= e.time <= ovn.end}
    assert recreated == {n.name for r in run.target.roles for n in r.nodes}
    tasks = {e.data["task"]: e for e in trace if e.kind == "task" and ovn.start <= e.time <= ovn.end}
    launch, wait = tasks["Update ovn_controller."], tasks["Was the ovn_controller successful."]
    assert (launch.data["status"], wait.data["status"]) == ("changed", "ok")
    # the jobs run in the background, side by side: the launch takes async_launch per node (0.5-2 s), each job
    # ends when its container was recreated, and the status task polls each job every second (delay: 1) until it
    # ended: it ends after the last job, by at most its polls' own time (noop, <= 0.5 s each) and one delay
    assert launch.time - launch.data["start"] <= 5 * 2.0
    jobs = {e.subject: e.time for e in trace if e.kind == "job" and e.data["task"] == "Update ovn_controller."}
    assert set(jobs) == recreated
    assert all(launch.time < t <= wait.time for t in jobs.values())
    polls = int(max(jobs.values()) - wait.data["start"]) + 1 + len(jobs)
    assert max(jobs.values()) < wait.time <= max(jobs.values()) + 1 + 0.5 * polls


def test_a_minor_update_without_the_external_ovn_run_cuts_the_data_plane() -> None:
    scenario = dataclasses.replace(load_scenario("update-18"), external_update_tags=())
    run = run_scenario(scenario, seed=1)
    assert not run.failed
    trace = list(run.simulation.trace)
    down = {e.subject: e.time for e in trace if e.kind == "dataplane.down"}
    up = {e.subject: e.time for e in trace if e.kind == "dataplane.up"}
    assert set(down) == set(up) == {n.name for r in run.target.roles for n in r.nodes}
    # out from the first OVN DB container on the new images (the controllers' run, deploy step 3) until each
    # node's own ovn_controller follows: the computes in their own run
    controllers, computes = [p for p in run.simulation.phases if p.name.startswith("update run --limit")]
    assert all(controllers.start < t < controllers.end for t in down.values())
    first = min(down.values())
    assert any(e.kind == "state.containers" and e.time == first and e.data["release"] == "target"
               and {"ovn_cluster_north_db_server", "ovn_cluster_south_db_server", "ovn_cluster_northd"}
               & set(e.data["started"]) for e in trace)
    assert all(computes.start < up[n] <= computes.end for n in up if "novacompute" in n)
    violation = next(v for v in run.violations if v.invariant == "ovn-controller-first")
    assert "external-update run --tags ovn" in violation.fix


def test_the_external_update_tags_key_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: update\nsource: {release: '18.0.0'}\nexternal_update_tags: ovn\n")
    with pytest.raises(ScenarioError, match=r"external_update_tags: expected a list of tags.* found 'ovn'"):
        load_scenario(str(bad))
    bad.write_text("kind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\n"
                   "external_update_tags: [ovn]\n")
    with pytest.raises(ScenarioError, match=r"only for an update"):
        load_scenario(str(bad))
    bad.write_text("kind: update\nsource: {release: '18.0.0'}\nexternal_update_tags: [ovn]\n")
    assert load_scenario(str(bad)).external_update_tags == ("ovn",)
