"""Tag selection: ``--tags``/``--skip-tags`` with ``always``, ``never``, ``all``, ``tagged``, ``untagged``.

Same decision table as Ansible's ``Taggable.evaluate_tags``.  Tags are inherited from enclosing blocks,
static imports and the play; the interpreter passes the effective set.  Ocata's Heat-driven upgrade ran one
step at a time with ``--tags stepN`` plus ``common``: :func:`ocata_step` builds that selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["TagSelection", "ocata_step"]


@dataclass(frozen=True)
class TagSelection:
    """``only`` is ``--tags`` (default ``all``), ``skip`` is ``--skip-tags``."""

    only: frozenset[str] = frozenset({"all"})
    skip: frozenset[str] = frozenset()

    @classmethod
    def of(cls, tags: Iterable[str] | str | None = None, skip_tags: Iterable[str] | str | None = None) -> TagSelection:
        def norm(value: Iterable[str] | str | None) -> frozenset[str]:
            if value is None:
                return frozenset()
            items = value.split(",") if isinstance(value, str) else list(value)
            return frozenset(t.strip() for t in items if t.strip())

        only = norm(tags) or frozenset({"all"})
        return cls(only, norm(skip_tags))

    def should_run(self, tags: Iterable[str]) -> bool:
        """True if a task with these effective tags runs under this selection."""
        tagset = frozenset(tags) or frozenset({"untagged"})
        run = True
        if self.only:
            run = (
                "always" in tagset
                or ("all" in self.only and "never" not in tagset)
                or not tagset.isdisjoint(self.only)
                or ("tagged" in self.only and tagset != {"untagged"} and "never" not in tagset)
            )
        if run and self.skip:
            if "all" in self.skip:
                if "always" not in tagset or "always" in self.skip:
                    run = False
            elif not tagset.isdisjoint(self.skip) or ("tagged" in self.skip and tagset != {"untagged"}):
                run = False
        return run


def ocata_step(step: int) -> TagSelection:
    """Ocata's per-step upgrade run: tasks tagged ``step<N>`` or ``common``."""
    return TagSelection.of([f"step{step}", "common"])
