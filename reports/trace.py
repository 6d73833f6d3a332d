"""The trace of a run as lines to read, rendered from its JSON (``ScenarioResult.to_json()["trace"]``) alone: one line
per event, in simulated-time order, optionally only the events matching shell-style patterns and a time window —
what a developer reproducing a failure reads step by step (``tripleo-sim upgrade --trace overcloud-controller-1``).

    2642.0  task           overcloud-controller-1  upgrade_tasks step 1  unreachable  'Ensure old cron.daily is absent'
    2869.1  quorum         galera                  event=lost online=[]
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["matches", "render_trace"]


def matches(event: Mapping[str, Any], patterns: Sequence[str]) -> bool:
    """Whether any pattern matches the event's kind, subject or task name (case-insensitive; ``*`` any event)."""
    data = event.get("data") or {}
    fields = [str(event.get("kind", "")), str(event.get("subject", "")), str(data.get("task", ""))]
    return any(fnmatch.fnmatchcase(f.lower(), p.lower()) for p in patterns for f in fields if f)


def render_trace(events: Iterable[Mapping[str, Any]], patterns: Sequence[str] = ("*",),
                 window: tuple[float, float] | None = None) -> str:
    """The events that match ``patterns`` and fall in ``window`` (simulated seconds, both ends included), and a
    count of what was shown."""
    lines = []
    total = 0
    for event in events:
        total += 1
        t = float(event["t"])
        if (window is not None and not window[0] <= t <= window[1]) or not matches(event, patterns):
            continue
        lines.append(_line(event))
    shown = f"{len(lines)} of {total} trace events"
    scope = [f"matching {', '.join(patterns)}"] if tuple(patterns) != ("*",) else []
    if window is not None:
        scope.append(f"t={window[0]:g}..{window[1]:g}")
    return "\n".join([f"trace: {shown}" + (f" ({'; '.join(scope)})" if scope else ""), *lines])


def _line(event: Mapping[str, Any]) -> str:
    data = dict(event.get("data") or {})
    head = f"{float(event['t']):9.1f}  {event['kind']:<14} {event['subject']:<24}"
    if event["kind"] == "task":
        step = data.pop("step", "")
        where = f"{data.pop('phase', '')}{f' step {step}' if step != '' else ''}"
        task = data.pop("task", "")
        status = data.pop("status", "")
        start = data.pop("start", None)
        rest = f"  (from {float(start):.1f})" if isinstance(start, int | float) else ""
        extra = "  " + _pairs(data) if data else ""
        return f"{head} {where:<28} {status:<11} {task!r}{rest}{extra}"
    return f"{head} {_pairs(data)}"


def _pairs(data: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v if isinstance(v, str) else json.dumps(v, default=str)}" for k, v in data.items())
