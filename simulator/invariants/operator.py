"""Operator-order invariants: is a sequence of ``upgrade run --limit`` batches safe for a plan?"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..plan import Plan
from .model import TraceEntry, Violation
from .placement import CLUSTERED

__all__ = ["check_limit_order"]


def check_limit_order(plan: Plan, batches: Sequence[Sequence[str]], *, complete: bool = False) -> tuple[Violation, ...]:
    """Violations of an operator's ``--limit`` order: a batch that takes down half or more of a quorum
    cluster, a pacemaker cluster whose bootstrap node is not upgraded first, a node upgraded twice, and with
    ``complete`` a node never upgraded."""
    return tuple(_check(plan, batches, complete))


def _check(plan: Plan, batches: Sequence[Sequence[str]], complete: bool) -> Iterator[Violation]:
    nodes = {n.name: r for r in plan.roles if r.count > 0 for n in r.nodes}
    done: dict[str, int] = {}
    for i, batch in enumerate(batches):
        for node in batch:
            if node not in nodes:
                yield Violation("limit-order", f"batch {i + 1} names {node}, which is not a node of the plan",
                                "limit to nodes of the inventory", (TraceEntry(f"--limit {','.join(batch)}"),),
                                f"unknown:{node}")
            elif node in done:
                yield Violation("limit-order", f"{node} is upgraded twice (batches {done[node] + 1} and {i + 1})",
                                "upgrade each node once", (TraceEntry(f"--limit {','.join(batch)}"),),
                                f"twice:{node}")
            else:
                done[node] = i
        for service, cluster in CLUSTERED.items():
            members = [n.name for r in plan.roles if r.count > 0 and service in r.services for n in r.nodes]
            down = [n for n in batch if n in members]
            if len(members) >= 2 and len(down) * 2 >= len(members):
                yield Violation(
                    "limit-quorum", f"batch {i + 1} upgrades {len(down)} of {len(members)} {cluster} members at "
                    "once: the cluster loses quorum", f"upgrade fewer than half of the {service} nodes per batch",
                    (TraceEntry(f"--limit {','.join(batch)}"), TraceEntry(f"{cluster} members: {', '.join(members)}")),
                    f"quorum:{service}:{i}")
    pcm = [n for r in plan.roles if r.count > 0 and "pacemaker" in r.services for n in r.nodes]
    if pcm:
        boot = pcm[0].name
        first = min((done[n.name] for n in pcm if n.name in done), default=None)
        if first is not None and done.get(boot, 10**9) > first:
            yield Violation("limit-bootstrap-first", f"the pacemaker bootstrap node {boot} is not in the first batch "
                            "that upgrades a pacemaker node", f"upgrade {boot} first (tripleo-upgrade's order)",
                            (TraceEntry(f"first pacemaker batch: {first + 1}"),), f"bootstrap:{boot}")
    if complete:
        for node in nodes:
            if node not in done:
                yield Violation("limit-order", f"{node} is never upgraded", "add it to a batch",
                                (TraceEntry(f"role {nodes[node].name}"),), f"missing:{node}")
