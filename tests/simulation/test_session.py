"""Stepping through a run (simulator.session.Session): the world at a chosen virtual time, phase by phase, and
the same trace hash as an uninterrupted run."""

from __future__ import annotations

import pytest

from simulator.run import run_scenario
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
    result = s.finish()
    assert s.done and result.trace_hash == whole.trace_hash
    assert result.summary() == whole.summary()
