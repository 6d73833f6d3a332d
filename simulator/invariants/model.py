"""Value objects of the invariant library: an invariant, the violations it finds and their causal trace."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..plan import Plan
    from .context import CheckContext

__all__ = ["Allowed", "Invariant", "InvariantError", "TraceEntry", "Violation"]


class InvariantError(Exception):
    """Bad input to the invariant library (a malformed allow-list, layout or bug-zoo file):
    ``file: key path: expected ..., found ...``."""

    def __init__(self, file: str, path: str, expected: str, found: str):
        self.file, self.path, self.expected, self.found = file, path, expected, found
        where = file + (f": {path}" if path else "")
        super().__init__(f"{where}: expected {expected}, found {found}")


@dataclass(frozen=True)
class TraceEntry:
    """One link of a causal trace: where in the plan (role, role_data key, step, task) and what happened."""

    what: str
    role: str = ""
    key: str = ""
    step: str = ""
    task: str = ""

    def render(self) -> str:
        where = "/".join(p for p in (self.role, self.key, f"step {self.step}" if self.step else "") if p)
        task = f" task {self.task!r}" if self.task else ""
        return f"{where}{task}: {self.what}" if where or task else self.what


@dataclass(frozen=True)
class Violation:
    invariant: str
    message: str
    fix: str
    trace: tuple[TraceEntry, ...] = ()
    subject: str = ""  # a stable key (role/service/task) used by allow-lists and deduplication

    def render(self) -> str:
        lines = [f"[{self.invariant}] {self.message}"]
        lines += [f"    {i + 1}. {t.render()}" for i, t in enumerate(self.trace)]
        lines.append(f"    fix: {self.fix}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"invariant": self.invariant, "message": self.message, "fix": self.fix, "subject": self.subject,
                "trace": [t.__dict__ for t in self.trace]}


@dataclass(frozen=True)
class Allowed:
    """An explicit, documented exception: ``invariant`` violations whose subject contains ``subject`` on
    releases in ``releases`` (empty: any) are reported as allowed findings instead of failures."""

    invariant: str
    subject: str
    reason: str
    releases: tuple[str, ...] = ()

    def covers(self, violation: Violation, release: str) -> bool:
        return (violation.invariant == self.invariant and self.subject in violation.subject
                and (not self.releases or release in self.releases))


Check = Callable[["Plan", "CheckContext"], Iterable[Violation]]


@dataclass(frozen=True)
class Invariant:
    name: str
    kind: str  # placement | ordering
    rationale: str
    check: Check = field(repr=False, compare=False)

    def __call__(self, plan: Plan, context: CheckContext) -> tuple[Violation, ...]:
        return tuple(self.check(plan, context))
