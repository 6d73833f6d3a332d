"""Fault schedules: at a simulated time, something happens to a named target for a while. The scheduler only
fires callbacks; what a fault means is up to the domain code that registered a handler for its kind."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import simpy

from .trace import Trace

__all__ = ["Fault", "FaultScheduler", "as_seconds"]


def as_seconds(value: Any) -> float | None:
    """``value`` as a finite number of seconds, or None: not a number (a bool is not one), NaN, infinite, or an
    integer too large for a float."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) else None


@functools.total_ordering
@dataclass(frozen=True)
class Fault:
    """Ordered by when it begins, then its target, kind and duration (a permanent one after any that ends)."""

    at: float
    target: str
    kind: str
    duration: float | None = None  # None: permanent
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Fault):
            return NotImplemented
        return self._order() < other._order()

    def _order(self) -> tuple[float, str, str, float]:
        # a dataclass's own ordering compared None with a number (two faults alike but one permanent: a TypeError)
        return self.at, self.target, self.kind, math.inf if self.duration is None else self.duration

    def active(self, t: float) -> bool:
        """Whether the fault holds at simulated time ``t``: its window is ``[at, at + duration)``."""
        return self.at <= t and (self.duration is None or t < self.at + self.duration)

    def __post_init__(self) -> None:
        for name in ("target", "kind"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"fault: {name!r} must be a string (got {getattr(self, name)!r})")
        if not isinstance(self.params, Mapping):
            raise TypeError(f"fault {self.kind} on {self.target}: 'params' must be a mapping (got {self.params!r})")
        for name in ("at", "duration"):
            value = getattr(self, name)
            if (value is not None or name == "at") and (not isinstance(value, int | float) or isinstance(value, bool)):
                raise TypeError(f"fault {self.kind} on {self.target}: {name!r} must be a number of seconds "
                                f"(got {value!r})")
        # (as_seconds first: NaN compares false with everything, and a NaN fault never fired)
        if as_seconds(self.at) is None or self.at < 0:
            raise ValueError(f"fault {self.kind} on {self.target}: 'at' must be >= 0 and finite (got {self.at})")
        if self.duration is not None and (as_seconds(self.duration) is None or self.duration <= 0):
            raise ValueError(f"fault {self.kind} on {self.target}: 'duration' must be > 0 and finite, or None for "
                             f"a permanent fault (got {self.duration})")


Handler = Callable[[Fault, bool], None]  # (fault, active): active False when it ends


class FaultScheduler:
    def __init__(self, env: simpy.Environment, trace: Trace, faults: Iterable[Fault] = ()):
        self.env = env
        self.trace = trace
        self.faults = sorted(faults)
        self._handlers: dict[str, Handler] = {}

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def start(self) -> None:
        unknown = sorted({f.kind for f in self.faults} - set(self._handlers))
        if unknown:
            raise ValueError(f"no handler for fault kind(s): {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(self._handlers)) or 'none'})")
        for fault in self.faults:
            self.env.process(self._run(fault))

    def _run(self, fault: Fault) -> Any:
        yield self.env.timeout(fault.at)
        self.trace.record(self.env.now, "fault.start", fault.target, fault=fault.kind, **dict(fault.params))
        self._handlers[fault.kind](fault, True)
        if fault.duration is not None:
            yield self.env.timeout(fault.duration)
            self.trace.record(self.env.now, "fault.end", fault.target, fault=fault.kind)
            self._handlers[fault.kind](fault, False)
