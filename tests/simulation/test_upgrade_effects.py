"""Real effects of real templates in the Train -> Wallaby simulation (THT 11.6.0 -> 14.3.0, docker-ha):

deployment/pacemaker/pacemaker-baremetal-puppet.yaml (14.3.0) says, in upgrade_tasks, "Stop pacemaker cluster"
(``pacemaker_cluster: state=offline``) at ``step|int == 2`` and "Start pacemaker cluster" at ``step|int == 4``.
With the three controllers upgraded in one ``--limit`` batch, the cluster loses quorum in between and every API
behind haproxy/galera is down for that interval at least."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault
from simulator.run import run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration
CONTROLLERS = [f"overcloud-controller-{i}" for i in range(3)]


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return run_scenario("train-to-wallaby", seed=1)


def _task_events(result, name):  # type: ignore[no-untyped-def]
    return [e for e in result.simulation.trace.select("task") if e.data["task"] == name]


def test_pacemaker_stopped_at_step_2_and_started_at_step_4(result) -> None:  # type: ignore[no-untyped-def]
    stops = _task_events(result, "Stop pacemaker cluster")
    starts = _task_events(result, "Start pacemaker cluster")
    assert sorted(e.subject for e in stops) == CONTROLLERS == sorted(e.subject for e in starts)
    assert {(e.data["phase"], e.data["step"], e.data["status"]) for e in stops} == {("upgrade_tasks", "2", "ok")}
    assert {(e.data["phase"], e.data["step"], e.data["status"]) for e in starts} == {("upgrade_tasks", "4", "ok")}
    lost = result.simulation.trace.select("quorum.lost", "pacemaker")
    regained = result.simulation.trace.select("quorum.regained", "pacemaker")
    assert len(lost) == 1 and len(regained) == 1
    # quorum goes when the second of three controllers leaves, comes back with the second that rejoins
    assert sorted(e.time for e in stops)[1] == lost[0].time
    assert sorted(e.time for e in starts)[1] == regained[0].time
    window = regained[0].time - lost[0].time
    downtime = result.summary()["api_downtime_seconds"]
    assert downtime["keystone"] >= window > 0
    assert downtime["nova_api"] >= window


def test_node_crash_during_controller_upgrade_fails_at_the_right_task(result) -> None:  # type: ignore[no-untyped-def]
    stop = min(e.time for e in _task_events(result, "Stop pacemaker cluster"))
    scenario = dataclasses.replace(load_scenario("train-to-wallaby"),
                                   faults=(Fault(stop - 1.0, "overcloud-controller-1", "node_crash"),))
    crashed = run_scenario(scenario, seed=1)
    assert crashed.failed
    first = crashed.summary()["failures"][0]
    assert first["host"] == "overcloud-controller-1"
    assert first["phase"] == "upgrade_tasks" and first["step"] == "2"
    assert "unreachable" in first["error"] and "node_crash" in first["error"]
    trace = crashed.simulation.trace
    assert [e.subject for e in trace.select("fault.start")] == ["overcloud-controller-1"]
    assert trace.select("node.down")[0].time == stop - 1.0
    # nothing lost: every host-task that ran before the crash is in the trace, identical to the clean run
    before = [(e.time, e.subject, e.data["task"]) for e in result.simulation.trace.select("task", until=stop - 1.0)]
    assert before == [(e.time, e.subject, e.data["task"]) for e in trace.select("task", until=stop - 1.0)]
    failed = [e for e in trace.select("task") if e.data["status"] == "failed"]
    assert failed and failed[0].subject == "overcloud-controller-1"
