"""OVN's upgrade order in a major upgrade: ovn_controller before the OVN databases, "or there will be a data plane
outage" (upstream THT df2bfa0c5 and e1a26ff31 on stable/wallaby, 2023, after 14.3.0). 14.3.0's ovn_controller has no
upgrade tasks: the default Train -> Wallaby run upgrades the OVN DB bundle with the controllers while every node's
ovn_controller still runs Train's, the computes' until their own batch. The world records each node's outage
(``dataplane.down``/``dataplane.up``); the run invariant ``ovn-controller-first`` reports them."""

from __future__ import annotations

import pytest

from simulator.run import run_scenario

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


def test_a_minor_update_or_a_deploy_does_not_watch_the_ovn_order() -> None:
    for name in ("update-18", "composable-db-networker"):
        run = run_scenario(name, seed=1)
        assert not run.simulation.world.ovn_order
        assert not [e for e in run.simulation.trace if e.kind.startswith("dataplane.")]
