"""Stepping through a run (simulator.session.Session): the world at a chosen virtual time, phase by phase, and
the same trace hash as an uninterrupted run."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault
from simulator.run import run_scenario
from simulator.scenario import load_scenario
from simulator.session import Session

pytestmark = pytest.mark.integration


def test_stepping_gives_the_world_at_any_time_and_the_same_run() -> None:
    whole = run_scenario("train-to-wallaby", seed=1)
    quorum_lost = next(e.time for e in whole.simulation.trace.select("quorum.lost", "pacemaker"))

    s = Session("train-to-wallaby", seed=1)
    assert s.run_until(quorum_lost - 1) == pytest.approx(quorum_lost - 1)
    assert s.snapshot()["pacemaker"]["quorum"] is True
    s.run_until(quorum_lost + 1)
    snap = s.snapshot()
    assert snap["pacemaker"]["quorum"] is False and snap["t"] == pytest.approx(quorum_lost + 1)
    assert not any(snap["apis"].values())  # behind the stopped cluster, every API is down at that moment
    phase = s.next_phase()
    assert phase is not None and phase.name.startswith("upgrade run --limit overcloud-controller-0")
    with pytest.raises(ValueError, match="only moves forward"):
        s.run_until(0)
    # NaN compared false with every event time: nothing ran and no error said so; "100" and None gave a bare
    # TypeError from the comparison, True ran to t=1
    with pytest.raises(ValueError, match=r"^time: expected simulated seconds, found nan"):
        s.run_until(float("nan"))
    for wrong in ("100", None, True):
        with pytest.raises(TypeError, match=r"^time: expected simulated seconds \(a number\), found "):
            s.run_until(wrong)  # type: ignore[arg-type]
    # an int past float's range stopped with a bare OverflowError (found by probing): it is past every event
    with pytest.raises(ValueError, match="only moves forward"):
        s.run_until(-10**400)
    assert s.run_until(10**400) == pytest.approx(whole.simulation.env.now) and s.done
    assert s.result.summary() == whole.summary()  # ended by a step: final without finish()
    result = s.finish()
    assert s.done and result.trace_hash == whole.trace_hash
    assert result.summary() == whole.summary()


def test_the_run_invariants_read_mid_run_are_checked_again_when_it_finishes() -> None:
    # found by probing: the violations were computed once, so a summary read at t=6000 stayed the final one
    whole = run_scenario("train-to-wallaby", seed=1)
    session = Session("train-to-wallaby", seed=1)
    session.run_until(1000)
    early = [v.invariant for v in session.result.violations]
    result = session.finish()
    assert [v.invariant for v in result.violations] == [v.invariant for v in whole.violations]
    assert result.summary()["violations"] == whole.summary()["violations"]
    assert early != [v.invariant for v in whole.violations]  # (what the stale cache kept)


def test_a_crashed_member_is_not_online_in_the_snapshot() -> None:
    fault = Fault(3000.0, "overcloud-controller-1", "node_crash", duration=600.0)
    session = Session(dataclasses.replace(load_scenario("train-to-wallaby"), faults=(fault,)), seed=1)
    session.run_until(3100)
    snapshot = session.snapshot()
    assert snapshot["nodes"]["overcloud-controller-1"]["up"] is False
    assert "overcloud-controller-1" not in snapshot["pacemaker"]["online"]


@pytest.mark.parametrize(("budget", "error"), [(float("nan"), ValueError), (-1, ValueError), ("60", TypeError)])
def test_the_api_downtime_budget_is_checked(budget: object, error: type) -> None:
    result = run_scenario("update-18", seed=1)
    with pytest.raises(error, match="downtime_budget_s: expected seconds"):
        result.check(budget)  # type: ignore[arg-type]


def test_closing_a_deploy_session_mid_provisioning_stops_its_bmc_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # found by probing: an IPMI deploy left at t=20 kept its BMC subprocess until the interpreter exited
    import os

    from fakes.baremetal.ipmi import IpmiFleetProcess

    started: list[int] = []
    original = IpmiFleetProcess.start

    def start(self: IpmiFleetProcess) -> None:
        original(self)
        assert self.process is not None
        started.append(self.process.pid)

    monkeypatch.setattr(IpmiFleetProcess, "start", start)
    scenario = dataclasses.replace(load_scenario("deploy-3-100"), nodes={"Controller": 1, "Compute": 1}, bmc="ipmi")
    with Session(scenario, seed=1) as session:
        session.run_until(20)
        [pid] = started
        os.kill(pid, 0)  # running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(RuntimeError, match="the session was closed"):
        session.run_until(30)
    session.close()  # again: nothing


def test_a_result_read_mid_run_is_of_the_run_so_far() -> None:
    # found by probing: read mid-run, the summary said "succeeded" with no downtime while every API was down,
    # listed a later fault as after the run's end, and checked the end-state invariants (bundle-images-current) as
    # if the run had ended; closed at t=0 it still said "succeeded"
    late = Fault(10.0**6, "overcloud-novacompute-0", "node_crash")
    scenario = dataclasses.replace(load_scenario("update-18"), faults=(late,))
    s = Session(scenario)
    while all(s.snapshot()["apis"].values()):  # to the first moment an API is down (the first VIP move)
        s.run_until(s.now + 1)
    summary = s.result.summary()
    assert summary["result"] == "running" and summary["faults_after_end"] == []
    down = [a for a, up in s.snapshot()["apis"].items() if not up]
    assert down and all(summary["api_downtime_seconds"][a] > 0 for a in down)
    end_state = {"services-restored", "bundle-images-current", "bundle-config-current", "no-orphaned-resources"}
    assert not [v for v in s.result.violations if v.invariant in end_state]
    whole = s.finish()
    assert whole.summary()["result"] == "succeeded" and whole.summary()["faults_after_end"] == [
        {"kind": "node_crash", "target": "overcloud-novacompute-0", "at": 10.0**6}]
    closed = Session("update-18")
    closed.close()
    assert closed.result.summary()["result"] == "stopped"
