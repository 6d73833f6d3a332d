"""An upgrade driven batch by batch from code, as an operator at the console does: ``upgrade prepare`` and the
image prepare first, then each ``upgrade run --limit`` when the caller asks for it, then online upgrade and
converge. The state machine in :mod:`simulator.strategies` uses it to check run invariants after each batch.

    sim = InteractiveUpgrade(source, target, timing=load_timing(), seed=1)
    sim.begin()                                   # prepare phases; returns when the first batch may start
    sim.upgrade(["overcloud-controller-0"])       # one `upgrade run --limit`, to its end
    sim.world.snapshot(), list(sim.trace)
    sim.finish()                                  # online upgrade and converge
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import simpy

from .upgrade import UpgradeSimulation

__all__ = ["InteractiveUpgrade"]


class InteractiveUpgrade(UpgradeSimulation):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._requests: simpy.Store = simpy.Store(self.env)
        self._idle = self.env.event()
        self._process: simpy.Process | None = None
        self.batches: list[tuple[str, ...]] = []

    def _planned_phases(self) -> int:
        return 4 + len(self.batches)

    def _workflow(self) -> Generator[Any, Any, None]:
        yield from self._prepare()
        while True:
            idle, self._idle = self._idle, self.env.event()
            idle.succeed()
            batch = yield self._requests.get()
            if batch is None:
                break
            if not self.failures:  # a failed run takes no more batches; the caller sees the failures
                yield from self._batch(batch)
        if not self.failures:
            yield from self._conclude()

    # ---- the operator's side ------------------------------------------------------------------------------
    def begin(self) -> None:
        """Run ``upgrade prepare`` and the image prepare; returns when the first batch may start."""
        if self._process is not None:
            raise RuntimeError("begin() was already called")
        idle = self._idle
        self._process = self.start()
        self.env.run(until=idle)

    def upgrade(self, batch: Sequence[str]) -> None:
        """One ``upgrade run --limit <batch>`` (with ``system_upgrade``, the leapp run first), to its end."""
        if self._process is None:
            raise RuntimeError("call begin() first")
        if self._process.triggered:  # (simpy's "No scheduled events left" otherwise)
            raise RuntimeError("the upgrade was finished: finish() ran the converge, no batch comes after it")
        unknown = [n for n in batch if n not in self.world.nodes]
        if unknown or not batch:
            raise ValueError(f"--limit {':'.join(batch) or '(empty)'}: no node {', '.join(unknown)} "
                             f"(nodes: {', '.join(sorted(self.world.nodes))})")
        self.batches.append(tuple(batch))
        idle = self._idle
        self._requests.put(tuple(batch))
        self.env.run(until=idle)

    def finish(self) -> None:
        """Online upgrade and converge; closes the run."""
        if self._process is None:
            raise RuntimeError("call begin() first")
        if self._process.triggered:
            raise RuntimeError("finish() was already called")
        self._requests.put(None)
        self.env.run(until=self._process)
        self.world.finish(self.env.now)
