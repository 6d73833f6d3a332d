"""Availability invariants over the simulated Train -> Wallaby upgrade: upgrading the three controllers in one
--limit batch stops pacemaker on all of them (Wallaby's upgrade step 2), which the invariants report with the
tasks that caused it; a synthetic trace within budget reports nothing."""

from __future__ import annotations

import pytest

from simulator.core import Trace
from simulator.invariants import check_run
from simulator.run import run_scenario

pytestmark = pytest.mark.integration


def test_all_controllers_at_once_breaks_the_downtime_budget_and_quorum() -> None:
    result = run_scenario("train-to-wallaby", seed=1)
    violations = check_run(result.simulation.trace, result.simulation.world.downtime)
    kinds = {(v.invariant, v.subject) for v in violations}
    assert ("quorum-kept", "pacemaker") in kinds
    assert ("api-downtime-budget", "keystone") in kinds
    quorum = next(v for v in violations if v.invariant == "quorum-kept")
    assert {t.task for t in quorum.trace} == {"Stop pacemaker cluster"}
    assert {t.step for t in quorum.trace} == {"2"}
    assert "fewer than half" in quorum.render()


def test_a_run_within_budget_has_no_violation() -> None:
    trace = Trace()
    trace.record(10.0, "api.down", "keystone")
    trace.record(40.0, "api.up", "keystone")
    assert check_run(trace, {"keystone": 30.0}) == []
    assert check_run(trace, {"keystone": 30.0}, downtime_budget_s=20.0)[0].invariant == "api-downtime-budget"
