"""Run invariants over a plan and sort the violations into failures and documented allowed findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..plan import Plan
from .context import CheckContext
from .model import Invariant, InvariantError, Violation
from .ordering import ORDERING
from .placement import PLACEMENT

__all__ = ["ALL", "Report", "check_plan", "invariant_named"]

ALL: tuple[Invariant, ...] = PLACEMENT + ORDERING


def invariant_named(name: str) -> Invariant:
    for inv in ALL:
        if inv.name == name:
            return inv
    raise InvariantError("<invariants>", "name", "one of " + ", ".join(i.name for i in ALL), repr(name))


@dataclass(frozen=True)
class Report:
    release: str
    checked: tuple[str, ...]
    failures: tuple[Violation, ...]
    allowed: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    def by_invariant(self) -> dict[str, tuple[Violation, ...]]:
        return {name: tuple(v for v in self.failures if v.invariant == name) for name in self.checked}

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "checked": list(self.checked),
                "failures": [v.to_json() for v in self.failures], "allowed": [v.to_json() for v in self.allowed]}


def check_plan(plan: Plan, context: CheckContext | None = None, *,
               invariants: Iterable[Invariant] = ALL) -> Report:
    ctx = context or CheckContext()
    invs = tuple(invariants)
    failures: list[Violation] = []
    allowed: list[Violation] = []
    seen: set[tuple[str, str, str]] = set()
    for inv in invs:
        for v in inv(plan, ctx):
            key = (v.invariant, v.subject, v.message)
            if key in seen:
                continue
            seen.add(key)
            (allowed if any(a.covers(v, plan.release) for a in ctx.allowed) else failures).append(v)
    return Report(plan.release, tuple(i.name for i in invs), tuple(failures), tuple(allowed))
