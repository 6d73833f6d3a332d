"""The terminal summary of a run, rendered from the canonical summary (``ScenarioResult.summary()``) alone:
phases and their simulated durations, per-API downtime (with the reason of each API's longest outage), quorum
events, failed host-tasks with node, step and task,
and the run invariants. The shipped scenarios' summaries are checked in as golden files (``tests/golden/``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["render_snapshot", "render_summary"]


def render_summary(s: Mapping[str, Any], *, strict: bool = False) -> str:
    releases = (f"{s['source_release']} -> {s['target_release']}" if s["source_release"] != s["target_release"]
                else s["source_release"])
    lines = [f"scenario {s['scenario']} seed {s['seed']}: {s['kind']} {releases}"
             " (what the model covers: the README's support table)"]
    for p in s["phases"]:
        lines.append(f"  {p['name']:<70} {p['duration']:>9.0f} s  (from t={p['start']:.0f})")
    lines.append(f"  simulated time {s['simulated_seconds']:.0f} s, {s['host_tasks']} host-tasks,"
                 f" trace {s['trace_hash'][:16]}")
    why: dict[str, tuple[float, str]] = {}  # the reason of each API's longest outage
    for outage in s.get("api_outages", []):
        if outage["reason"] and outage["seconds"] > why.get(outage["api"], (-1.0, ""))[0]:
            why[outage["api"]] = (outage["seconds"], outage["reason"])
    downtime = ", ".join(f"{k} {v:.0f}s" + (f" ({why[k][1]})" if k in why else "")
                         for k, v in s["api_downtime_seconds"].items() if v)
    lines.append("  API downtime: " + (downtime or "none"))
    for q in s["quorum_events"]:
        lines.append(f"  quorum {q['event']} ({q['cluster']}) at t={q['time']:.0f}")
    for f in s["failures"]:
        lines.append(f"  FAILED at t={f['time']:.0f} on {f['host']}, {f['phase']} step {f['step']}: {f['task']!r}")
        lines.append(f"    {f['error']}")
    for f in s.get("faults_after_end", []):
        lines.append(f"  fault {f['kind']} on {f['target']} at t={f['at']:.0f}: never applied (the run ended at "
                     f"t={s['simulated_seconds']:.0f})")
    for f in s.get("faults_never_applied", []):
        what = (f"no task matching {f['task']!r} ran a module on the node while it held" if "task" in f
                else "no stack resource it names ended while it held" if f["kind"] == "heat_resource_failed"
                else "it began after provisioning ended: nothing talks to the BMC then")
        lines.append(f"  fault {f['kind']} on {f['target']} at t={f['at']:.0f}: never applied ({what})")
    violations = s.get("violations", [])
    if violations:
        lines.append(f"  run invariants: {len(violations)} violation(s)"
                     + ("" if strict else " (reported; --strict makes them fail the command)"))
        lines += [f"    [{v['invariant']}] {v['message']}" for v in violations]
    else:
        lines.append("  run invariants: no violation")
    lines.append(f"result: {s['result']}")
    return "\n".join(lines)


def render_snapshot(snap: Mapping[str, Any]) -> str:
    """The world at one simulated moment (``Session.snapshot()``): clusters, APIs, nodes that are down or have
    stopped services."""
    t = float(snap["t"]) + 0.0  # (+ 0.0: -0 reads as 0)
    # whole seconds as whole, else to a tenth (--at 3300.6 is not "t=3301s"); past 1e12 s in exponent form
    when = f"{t:g}" if t >= 1e12 else f"{t:.0f}" if t == int(t) else f"{t:.1f}"
    lines = [f"world at t={when}s:"]
    pcs = snap["pacemaker"]
    if pcs["online"] or pcs["resources"]:
        absent = pcs.get("absent", [])
        disabled = [r for r, on in pcs["resources"].items() if not on and r not in absent]
        extra = f"; disabled {', '.join(disabled)}" if disabled else ""
        if absent:
            extra += f"; not yet created {', '.join(absent)}"
        if snap.get("maintenance_mode"):
            extra += "; MAINTENANCE MODE"
        if pcs.get("bootstrap"):
            extra += f"; bootstrap {pcs['bootstrap']}"
        lines.append(f"  pacemaker: {'quorate' if pcs['quorum'] else 'NO QUORUM'}, online "
                     f"{', '.join(pcs['online']) or 'none'}{extra}")
    builds: dict[str, dict[str, int]] = {}  # bundle -> build (short id, "missing", "unknown") -> replicas
    for key, build in pcs.get("replicas", {}).items():
        counts = builds.setdefault(key.split("@", 1)[0], {})
        counts[build] = counts.get(build, 0) + 1
    if builds:
        lines.append("  replicas: " + "; ".join(
            f"{bundle} " + ", ".join(f"{n} {'on ' + b if b not in ('missing', 'unknown') else b}"
                                     for b, n in sorted(counts.items()))
            for bundle, counts in sorted(builds.items())))
    for name, cluster in snap.get("clusters", {}).items():
        cold = ""
        if cluster.get("cold"):
            waits = cluster.get("bootstrap_waits_for") or []
            cold = "; stopped everywhere" + (f", its bootstrap waits for {', '.join(waits)}" if waits else "")
        running = f", {len(cluster['running'])} running" if "running" in cluster else ""
        component = cluster.get("primary_component")
        counted = f"; quorum counts its primary component: {', '.join(component)}" if component \
            and len(component) < len(cluster["members"]) else ""
        lines.append(f"  {name}: {'quorate' if cluster['quorum'] else 'NO QUORUM'} ({len(cluster['members'])} "
                     f"members{running}{counted}{cold})")
    down = [a for a, up in snap["apis"].items() if not up]
    reasons = snap.get("api_down_reasons", {})
    by_reason: dict[str, list[str]] = {}
    for api in down:
        by_reason.setdefault(str(reasons.get(api) or "?"), []).append(api)
    shown = "; ".join(f"{', '.join(apis)} ({reason})" for reason, apis in by_reason.items()) if reasons else \
        ", ".join(down)
    lines.append(f"  APIs down: {shown or 'none'} (of {len(snap['apis'])})")
    haproxy = snap.get("haproxy")
    if haproxy:
        thin = [f"{a} {len(b)}" for a, b in haproxy["backends"].items()]
        lines.append(f"  haproxy VIP {'up' if haproxy['vip'] else 'DOWN'}; backends: {', '.join(thin) or 'none'}")
        vips = haproxy.get("vips") or {}
        if len(vips) > 1:  # network isolation: where each VIP runs
            lines.append("  VIPs: " + ", ".join(f"{v} {n or 'moving/stopped'}" for v, n in vips.items()))
    migrated = sorted(p for p, r in snap.get("schema", {}).items() if r == "target")
    if migrated:
        lines.append(f"  schema at the target release: {', '.join(migrated)}")
    for name, node in snap["nodes"].items():
        if not node["up"] or node["stopped"]:
            state = "DOWN" if not node["up"] else f"stopped: {', '.join(node['stopped'])}"
            lines.append(f"  {name}: {state}")
    return "\n".join(lines)
