"""Node → role matching as TripleO does it.

A role slot is filled first by a node whose `node:<prefix>-<index>` capability names it (TripleO's
`<Role>SchedulerHints: {'capabilities:node': '<prefix>-%index%'}`), then by nodes whose `profile:`
capability equals the role's flavor profile. Nodes are taken in name order, so matching is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fakes.baremetal.errors import RoleFillError
from fakes.baremetal.inventory import DEFAULT_PROFILES, NodeSpec

__all__ = ["RoleDemand", "match_roles"]


@dataclass(frozen=True)
class RoleDemand:
    """How many nodes a role needs and how TripleO would pick them."""

    role: str
    count: int
    profile: str | None = None  # None: nodes without any profile
    hint_prefix: str | None = None  # `node:<hint_prefix>-<index>`

    @classmethod
    def tripleo(cls, role: str, count: int) -> RoleDemand:
        """The defaults of a TripleO role: flavor profile and `<role lowercased>-%index%` hints."""
        return cls(role, count, DEFAULT_PROFILES.get(role, role.lower()), role.lower())


def match_roles(nodes: Sequence[NodeSpec], demands: Sequence[RoleDemand]) -> Mapping[str, tuple[NodeSpec, ...]]:
    """Return `{role: (node for index 0, 1, ...)}` or raise `RoleFillError` naming the role and why."""
    by_name = sorted(nodes, key=lambda n: n.name)
    taken: set[str] = set()
    slots: dict[str, list[NodeSpec | None]] = {}
    prefixes = {d.hint_prefix: d for d in demands if d.hint_prefix}
    for demand in demands:
        if demand.count < 0:
            raise RoleFillError(demand.role, f"count must be >= 0, got {demand.count}")
        slots[demand.role] = [None] * demand.count
    # 1. explicit `node:<prefix>-<index>` hints
    for node in by_name:
        hint = node.node_hint
        if hint is None:
            continue
        prefix, _, index_text = hint.rpartition("-")
        hinted = prefixes.get(prefix)
        if hinted is None or not index_text.isdigit():
            continue
        demand = hinted
        index = int(index_text)
        if index >= demand.count:
            raise RoleFillError(
                demand.role,
                f"node {node.name} has hint node:{hint} but the role has only {demand.count} nodes "
                f"(indexes 0..{demand.count - 1}); lower the hint or raise the count",
            )
        current = slots[demand.role][index]
        if current is not None:
            raise RoleFillError(demand.role, f"nodes {current.name} and {node.name} both carry hint node:{hint}")
        slots[demand.role][index] = node
        taken.add(node.name)
    # 2. profile matching for the remaining slots
    for demand in demands:
        free = [n for n in by_name if n.name not in taken and n.node_hint is None and n.profile == demand.profile]
        wanted = slots[demand.role]
        missing = [i for i, n in enumerate(wanted) if n is None]
        if len(free) < len(missing):
            others = sorted({str(n.profile) for n in by_name if n.name not in taken and n.profile != demand.profile})
            how = f"profile:{demand.profile}" if demand.profile else "no profile"
            if demand.hint_prefix:
                how += f" or hint node:{demand.hint_prefix}-<index>"
            raise RoleFillError(
                demand.role,
                f"needs {demand.count} nodes ({how}); {demand.count - len(missing)} matched by hint, "
                f"{len(free)} free with {how.split(' or ')[0]}, {len(missing) - len(free)} missing; "
                f"unassigned nodes have profiles {others or 'none'}",
            )
        for i, node in zip(missing, free, strict=False):
            wanted[i] = node
            taken.add(node.name)
    return {role: tuple(n for n in filled if n is not None) for role, filled in slots.items()}
