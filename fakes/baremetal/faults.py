"""BMC fault schedule: `[{node, kind, start, duration}]` in virtual seconds, validated on load."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from fakes.baremetal.errors import FaultScheduleError

__all__ = ["FAULT_KINDS", "Fault", "FaultSchedule"]

#: unreachable: no answer at all; http_5xx: the BMC answers 503 (IPMI: completion code 0xff);
#: power_stuck: power requests are accepted but never take effect; wrong_credentials: auth rejected;
#: slow: power transitions take `TimingModel.slow_factor` times longer.
FAULT_KINDS = ("unreachable", "http_5xx", "power_stuck", "wrong_credentials", "slow")


@dataclass(frozen=True)
class Fault:
    node: str
    kind: str
    start: float
    duration: float  # float("inf") for "until the end of the run"

    def active(self, now: float) -> bool:
        return self.start <= now < self.start + self.duration


@dataclass(frozen=True)
class FaultSchedule:
    faults: tuple[Fault, ...] = ()

    @classmethod
    def parse(cls, entries: Sequence[Mapping[str, object]] | None, nodes: Iterable[str] = ()) -> FaultSchedule:
        known = set(nodes)
        faults = []
        for i, entry in enumerate(entries or ()):
            path = f"faults[{i}]"
            if not isinstance(entry, Mapping):
                raise FaultScheduleError(path, "a mapping {node, kind, start, duration}", entry)
            node = entry.get("node")
            if not isinstance(node, str) or (known and node not in known):
                raise FaultScheduleError(f"{path}.node", f"one of the inventory's nodes {sorted(known)}", node)
            kind = entry.get("kind")
            if kind not in FAULT_KINDS:
                raise FaultScheduleError(f"{path}.kind", f"one of {FAULT_KINDS}", kind)
            numbers = {}
            for key, default in (("start", 0.0), ("duration", float("inf"))):
                value = entry.get(key, default)
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise FaultScheduleError(f"{path}.{key}", "a number >= 0 (seconds)", value)
                numbers[key] = float(value)
            faults.append(Fault(node, str(kind), numbers["start"], numbers["duration"]))
        return cls(tuple(faults))

    def active(self, node: str, now: float) -> frozenset[str]:
        """Fault kinds active on `node` at virtual time `now`."""
        return frozenset(f.kind for f in self.faults if f.node == node and f.active(now))
