"""Placement and ordering invariants over a :class:`~simulator.plan.Plan`.

    from simulator.invariants import check_plan, context_for
    report = check_plan(plan, context_for(tree))
    report.failures        # violations not covered by the documented allow-list
    report.allowed         # known findings in upstream releases (KNOWN_FINDINGS), still reported

Each :class:`Invariant` has a name, a one-line rationale and returns :class:`Violation` objects carrying a
causal trace (the roles, phases, steps and tasks that led to it) and what to fix.
"""

from .availability import DEFAULT_DOWNTIME_BUDGET_S, RUN_INVARIANTS, check_run
from .context import KNOWN_FINDINGS, CheckContext, context_for
from .layout import Layout, LayoutRole, ServiceCatalogue, catalogue_for, compose_plan
from .model import Allowed, Invariant, InvariantError, TraceEntry, Violation
from .operator import check_limit_order
from .ordering import ORDERING
from .placement import PLACEMENT
from .report import ALL, Report, check_plan, invariant_named

__all__ = [
    "ALL",
    "DEFAULT_DOWNTIME_BUDGET_S",
    "KNOWN_FINDINGS",
    "ORDERING",
    "PLACEMENT",
    "RUN_INVARIANTS",
    "Allowed",
    "CheckContext",
    "Invariant",
    "InvariantError",
    "Layout",
    "LayoutRole",
    "Report",
    "ServiceCatalogue",
    "TraceEntry",
    "Violation",
    "catalogue_for",
    "check_limit_order",
    "check_plan",
    "check_run",
    "compose_plan",
    "context_for",
    "invariant_named",
]
