"""Step through a simulated run in virtual time, to read the trace and the world at any moment.

    from simulator.session import Session
    s = Session("train-to-wallaby", seed=1)
    s.run_until(3000)                       # virtual seconds
    s.world.snapshot()                      # nodes, containers stopped, pacemaker, APIs, at t=3000
    s.next_phase()                          # to the end of the current operator phase
    [e for e in s.trace.select("quorum")]   # events so far
    result = s.finish()                     # the rest of the run: a ScenarioResult, as run_scenario gives

Stepping never changes the run: a session stepped in any increments ends with the same trace hash as
``run_scenario`` for the same scenario and seed. A session left before its end holds what the run started (a
deploy's IPMI BMC processes, until provisioning ends): ``close()`` it, or use it as a context manager::

    with Session("deploy-3-100", seed=1) as s:
        s.run_until(20)
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from typing import Any

from .core import Trace
from .run import ScenarioResult, prepare_scenario
from .scenario import Scenario
from .workflows import PhaseSpan
from .world import World

__all__ = ["Session"]


class Session:
    def __init__(self, ref: str | os.PathLike[str] | Scenario | None = None, *, seed: int | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.result: ScenarioResult = prepare_scenario(ref, seed=seed, progress=progress)
        self.simulation = self.result.simulation
        self._process = self.simulation.start()
        self.result.progress = "running"  # its summary and run invariants are of the run so far until it finishes
        self._finished = False
        self._closed = False

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Leave the run where it is: what it started and would stop later stops now (a deploy's IPMI BMC
        processes); the session takes no more steps. Closing a finished or closed session does nothing."""
        if not self._closed and not self.done:
            generator = getattr(self._process, "_generator", None)  # (simpy keeps the workflow's generator there)
            if generator is not None:
                generator.close()  # its `finally` blocks run, as when a run ends
            self.result.progress = "stopped"  # left before its end: it neither succeeded nor failed
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the session was closed")

    @property
    def now(self) -> float:
        return float(self.simulation.env.now)

    @property
    def done(self) -> bool:
        return bool(self._process.processed)

    @property
    def trace(self) -> Trace:
        return self.simulation.trace

    @property
    def world(self) -> World:
        return self.simulation.world

    def run_until(self, time: float) -> float:
        """Process every event up to virtual ``time`` (or to the end of the run); returns the time reached."""
        self._check_open()
        if not isinstance(time, int | float) or isinstance(time, bool):
            raise TypeError(f"time: expected simulated seconds (a number), found {time!r}")
        if isinstance(time, int):  # an int past float's range is past every event (float() would overflow)
            time = float(time) if abs(time) <= sys.float_info.max else (-math.inf if time < 0 else math.inf)
        if math.isnan(time):  # (it compares false with every event time: nothing ran)
            raise ValueError("time: expected simulated seconds, found nan")
        if time < self.now:
            raise ValueError(f"time {time} is before the session's current time {self.now} (it only moves forward)")
        env = self.simulation.env
        while not self.done and env.peek() <= time:
            env.step()
        if not self.done and time > self.now:
            env.run(until=time)  # no event left before `time`: just move the clock
        self._conclude()
        return self.now

    def next_phase(self) -> PhaseSpan | None:
        """Run to the end of the current (or next) operator phase; returns it, or None when the run is over."""
        self._check_open()
        env = self.simulation.env
        count = len(self.simulation.phases)
        while not self.done and len(self.simulation.phases) == count:
            env.step()
        self._conclude()
        return self.simulation.phases[-1] if len(self.simulation.phases) > count else None

    def finish(self) -> ScenarioResult:
        """Run to the end; the result is what :func:`simulator.run.run_scenario` would have returned."""
        self._check_open()
        env = self.simulation.env
        while not self._process.processed:  # as env.run(until=process) in Simulation.run
            env.step()
        self._conclude()
        return self.result

    def _conclude(self) -> None:
        """Once the run ended (by any step), close its downtime intervals as a run does: its result is final."""
        if self.done and not self._finished:
            self.world.finish(self.now)
            self._finished = True
            self.result.progress = None

    def snapshot(self) -> dict[str, Any]:
        """The world now, with the time: ``{"t": ..., **world.snapshot()}``."""
        return {"t": self.now, **self.world.snapshot()}
