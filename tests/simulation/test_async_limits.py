"""A background job's ``async`` limit and its status task's polling, in simulated time. 18.0.0's
`external-update run --tags ovn` launches ``tripleo_container_manage`` on every OVN node with
``async: OVNControllerUpdateTimeout`` (600 s) and ``poll: 0``, then polls each job with ``async_status``,
``retries: OVNControllerUpdateTimeout`` and ``delay: 1``. A job that outlives its limit is killed by
``async_wrapper`` ("Timeout exceeded"): its container is not recreated and the status task fails."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.run import run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration

PHASE = "external-update run --tags ovn"
WAIT = "Was the ovn_controller successful."


def _update(container_manage: float) -> object:
    scenario = dataclasses.replace(load_scenario("update-18"),
                                   timing={"effects": {"container_manage": container_manage}})
    return run_scenario(scenario, seed=1)


def test_a_job_past_its_async_limit_is_killed_and_its_status_task_fails() -> None:
    run = _update(700)  # each recreate takes 700 s: past the 600 s limit
    assert run.failed
    (failure,) = run.simulation.failures
    assert (failure.phase, failure.task) == ("external_update_tasks", WAIT)
    phase = next(p for p in run.simulation.phases if p.name == PHASE)
    trace = list(run.simulation.trace)
    jobs = [e for e in trace if e.kind == "job" and e.data["task"] == "Update ovn_controller."]
    assert len(jobs) == 5 and all(e.data["timed_out"] == 600 for e in jobs)
    launch = next(e for e in trace if e.kind == "task" and e.data["task"] == "Update ovn_controller.")
    assert all(e.time == pytest.approx(launch.time + 600) for e in jobs)  # killed at the limit, not at 700 s
    # killed before it recreated anything: no ovn_controller started in the phase
    assert not [e for e in trace if e.kind == "state.containers" and "ovn_controller" in e.data.get("started", ())
                and phase.start < e.time <= phase.end]
    wait = next(e for e in trace if e.kind == "task" and e.data["task"] == WAIT)
    assert wait.data["status"] == "failed"
    # it polled every second until the first job's end: the kill, whose wrapper result it reports
    assert wait.time >= jobs[0].time
    # the reason names the wrapper's result of the first job polled
    assert failure.error == "One or more items failed: Timeout exceeded"


def test_a_job_within_its_limit_recreates_the_container() -> None:
    run = _update(500)  # slow, but within the 600 s limit: the status task polls about 500 s
    assert not run.failed
    trace = list(run.simulation.trace)
    jobs = [e for e in trace if e.kind == "job" and e.data["task"] == "Update ovn_controller."]
    assert len(jobs) == 5 and not [e for e in jobs if "timed_out" in e.data]
    wait = next(e for e in trace if e.kind == "task" and e.data["task"] == WAIT)
    assert wait.data["status"] == "ok"
    assert wait.time - wait.data["start"] >= 500 - 2 * 5  # the jobs ran about 500 s after their launches
