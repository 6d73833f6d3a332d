"""The terminal summary of a run, rendered from the canonical summary (``ScenarioResult.summary()``) alone:
phases and their simulated durations, per-API downtime, quorum events, failed host-tasks with node, step and task,
and the run invariants. The shipped scenarios' summaries are checked in as golden files (``tests/golden/``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["render_summary"]


def render_summary(s: Mapping[str, Any], *, strict: bool = False) -> str:
    releases = (f"{s['source_release']} -> {s['target_release']}" if s["source_release"] != s["target_release"]
                else s["source_release"])
    lines = [f"scenario {s['scenario']} seed {s['seed']}: {s['kind']} {releases}"
             " (what the model covers: the README's support table)"]
    for p in s["phases"]:
        lines.append(f"  {p['name']:<70} {p['duration']:>9.0f} s  (from t={p['start']:.0f})")
    lines.append(f"  simulated time {s['simulated_seconds']:.0f} s, {s['host_tasks']} host-tasks,"
                 f" trace {s['trace_hash'][:16]}")
    downtime = ", ".join(f"{k} {v:.0f}s" for k, v in s["api_downtime_seconds"].items() if v)
    lines.append("  API downtime: " + (downtime or "none"))
    for q in s["quorum_events"]:
        lines.append(f"  quorum {q['event']} ({q['cluster']}) at t={q['time']:.0f}")
    for f in s["failures"]:
        lines.append(f"  FAILED at t={f['time']:.0f} on {f['host']}, {f['phase']} step {f['step']}: {f['task']!r}")
        lines.append(f"    {f['error']}")
    violations = s.get("violations", [])
    if violations:
        lines.append(f"  run invariants: {len(violations)} violation(s)"
                     + ("" if strict else " (reported; --strict makes them fail the command)"))
        lines += [f"    [{v['invariant']}] {v['message']}" for v in violations]
    else:
        lines.append("  run invariants: no violation")
    lines.append(f"result: {s['result']}")
    return "\n".join(lines)
