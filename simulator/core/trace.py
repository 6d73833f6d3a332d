"""The structured event trace of a run: every event in simulated-time order, with a hash that is a function
of the run's inputs and seed (no wall clock, no memory addresses, no set iteration order in it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Event", "Trace"]

# json.dumps(..., sort_keys=True, default=str) builds an encoder per call; one shared encoder gives the same text
_CANONICAL = json.JSONEncoder(sort_keys=True, default=str)


@dataclass(frozen=True)
class Event:
    time: float
    seq: int
    kind: str  # e.g. "task.start", "state", "fault"
    subject: str  # e.g. a host name, a cluster name
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"t": round(self.time, 6), "seq": self.seq, "kind": self.kind, "subject": self.subject,
                "data": dict(self.data)}


class Trace:
    def __init__(self) -> None:
        self._events: list[Event] = []
        self._hash = hashlib.sha256()

    def record(self, time: float, kind: str, subject: str, **data: Any) -> Event:
        event = Event(time, len(self._events), kind, subject, data)
        self._events.append(event)
        self._hash.update(_CANONICAL.encode(event.to_json()).encode())
        self._hash.update(b"\n")
        return event

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def select(self, kind: str | None = None, subject: str | None = None, until: float | None = None) -> list[Event]:
        return [e for e in self._events
                if (kind is None or e.kind == kind or e.kind.startswith(kind + "."))
                and (subject is None or e.subject == subject) and (until is None or e.time <= until)]

    @property
    def hash(self) -> str:
        return self._hash.hexdigest()

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self._events]
