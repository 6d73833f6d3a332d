"""Coverage of the effect catalogue over task lists: per module, how many tasks use it and whether it is
modelled (``tripleo-sim coverage --release V`` prints these rows)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .effects import is_modelled
from .roles import catalogued
from .tasks import Block, Node, Task, parse_tasks

__all__ = ["CoverageRow", "module_coverage"]


@dataclass(frozen=True)
class CoverageRow:
    """``module`` is the short module name (``command``/``shell`` rows split into modelled/unmodelled
    command lines; roles appear as ``role:<name>``); ``tasks`` counts tasks; ``modelled`` how many of them map
    to a non-opaque effect."""

    module: str
    tasks: int
    modelled: int

    @property
    def status(self) -> str:
        if self.modelled == self.tasks:
            return "modelled"
        return "opaque" if self.modelled == 0 else "partial"


def _tasks(nodes: Sequence[Node]) -> Iterable[Task]:
    for node in nodes:
        if isinstance(node, Block):
            yield from _tasks(node.block)
            yield from _tasks(node.rescue)
            yield from _tasks(node.always)
        else:
            yield node


def module_coverage(task_lists: Iterable[Sequence[Mapping[str, Any]] | Sequence[Node]]) -> list[CoverageRow]:
    """Rows sorted by task count (descending), then module name.  Accepts raw or parsed task lists."""
    counts: dict[str, list[int]] = {}
    for task_list in task_lists:
        nodes = task_list if task_list and isinstance(task_list[0], Task | Block) else parse_tasks(list(task_list))
        for task in _tasks(nodes):  # type: ignore[arg-type]
            if task.include is not None and task.include.kind == "role":
                key = f"role:{task.include.target}"
                modelled = catalogued(str(task.include.target)) is not None
            elif task.include is not None:
                key, modelled = task.action, True
            else:
                raw = task.args.get("_raw_params", task.args.get("cmd"))
                key = task.action
                modelled = is_modelled(task.action, None if raw is None else str(raw))
            row = counts.setdefault(key, [0, 0])
            row[0] += 1
            row[1] += int(modelled)
    rows = [CoverageRow(k, n, m) for k, (n, m) in counts.items()]
    return sorted(rows, key=lambda r: (-r.tasks, r.module))
