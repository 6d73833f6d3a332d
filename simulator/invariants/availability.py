"""Availability and safety invariants over a simulated run's trace (not over a plan):

* ``api-downtime-budget``: each API's downtime stays within a budget (default: tripleo-upgrade's 60 s);
* ``quorum-kept``: the pacemaker cluster never loses quorum outside a planned window (none is planned unless
  the caller names one);
* with the trace's step order, mixed-version windows and schema windows (:mod:`.runtrace`):
  ``steps-never-backwards``, ``step-barrier``, ``mixed-version-window``, ``schema-ahead-of-code``;
* ``services-restored``: at the end of a run that succeeded, every container or unit of the target layout and
  every pacemaker resource runs (a task that stops or disables one and nothing that starts it again is the
  failure class "a service is stopped and never restarted");
* ``bundle-images-current``: at the end of a run that succeeded, each pacemaker bundle replica runs the build its
  bundle's image name (``pcmklatest``) points to on its node (a retag after the replica's last start, with
  nothing restarting it, leaves it on the old image: the update "succeeded" but galera, rabbitmq or haproxy
  still run the old code);
* ``bundle-config-current``: at the end of a run that succeeded, no bundle replica runs a generated config older
  than its node's (deploy step 1 regenerates it; a replica that started before and was not restarted since still
  runs the one it started with: 14.3.0's pacemaker_restart_bundle.sh never restarts under ephemeral Heat);
* ``no-orphaned-resources``: at the end of a run that succeeded, the cluster holds no pacemaker bundle of a service
  the target layout no longer runs (Wallaby dropped Redis from its defaults; 14.3.0 only checks for its bundle in
  the leapp preparation);
* ``ovn-controller-first``: in a major upgrade no node's ovn_controller runs the source release while the OVN
  databases run the target's (OVN's upgrade order; the world's ``dataplane.down``/``dataplane.up`` events).

The causal trace of a violation is the host-tasks that ended at the moment the API went down (or quorum was
lost): the state changes their effects made are what took it down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from simulator.world import StaleConfig, StaleReplica, container_name

from .model import TraceEntry, Violation
from .runtrace import check_mixed_versions, check_schema_ahead, check_step_order

__all__ = ["DEFAULT_DOWNTIME_BUDGET_S", "RUN_INVARIANTS", "check_left_stopped", "check_orphaned", "check_ovn_order",
           "check_run",
           "check_stale_configs", "check_stale_replicas"]

DEFAULT_DOWNTIME_BUDGET_S = 60.0  # tripleo-upgrade's default maximum API outage
RUN_INVARIANTS = ("api-downtime-budget", "quorum-kept", "steps-never-backwards", "step-barrier",
                  "mixed-version-window", "schema-ahead-of-code", "services-restored", "bundle-images-current",
                  "bundle-config-current", "no-orphaned-resources", "ovn-controller-first",
                  "run-succeeds")


# what takes effect when its task starts, not when it ends: a global or local bundle restart (down for the task),
# a VIP ban (`pcs resource ban --wait`), a reboot
_AT_TASK_START = frozenset({"restart-begin", "replica-restart-begin", "banned"})


def _begun(events: Sequence[Any], at: float) -> set[str]:
    """The hosts on which a task that started at ``at`` took something down as it started."""
    return {e.subject for e in events if e.time == at and (
        (e.kind == "state.pacemaker" and str(e.data.get("state")) in _AT_TASK_START)
        or (e.kind == "node.down" and e.data.get("reason") == "rebooting"))}


def _causes(events: Sequence[Any], at: float, host: str | None = None) -> tuple[TraceEntry, ...]:
    """The tasks behind a change at ``at``: those that started then and took something down as they started (a
    bundle restart, a reboot), then those that ended then."""
    begun = _begun(events, at)
    started = [e for e in events if e.kind == "task" and e.subject in begun and (host is None or e.subject == host)
               and abs(float(e.data.get("start", -1.0)) - at) < 1e-5] if begun else []
    ended = [e for e in events if e.kind == "task" and e.time == at and (host is None or e.subject == host)]
    return tuple([TraceEntry(what=f"started at t={at:.0f}s on {e.subject} (it ran until t={e.time:.0f}s)",
                             key=str(e.data.get("phase", "")), step=str(e.data.get("step", "")),
                             task=str(e.data.get("task", ""))) for e in started]
                 + [TraceEntry(what=f"ended at t={e.time:.0f}s on {e.subject} ({e.data.get('status')})",
                               key=str(e.data.get("phase", "")), step=str(e.data.get("step", "")),
                               task=str(e.data.get("task", ""))) for e in ended])[:5]


def _faults_at(events: Sequence[Any], at: float) -> list[tuple[str, str]]:
    """The injected faults (kind, target) that began at ``at``: a crash takes its node down as it begins."""
    return [(str(e.data.get("fault")), e.subject) for e in events if e.kind == "fault.start" and e.time == at]


def _fault_entries(faults: Sequence[tuple[str, str]], at: float) -> tuple[TraceEntry, ...]:
    return tuple(TraceEntry(what=f"injected fault {kind} on {target} began at t={at:.0f}s") for kind, target in faults)


def _fault_fix(faults: Sequence[tuple[str, str]], then: str) -> str:
    return f"the injected {', '.join(f'{kind} of {target}' for kind, target in faults)} caused it: {then}"


def _longest_outage(events: Sequence[Any], api: str) -> float | None:
    """When ``api``'s longest outage began (one still going at the end counts to the last event)."""
    spans: list[tuple[float, float]] = []
    down: float | None = None
    for e in events:
        if e.subject == api and e.kind == "api.down" and down is None:
            down = e.time
        elif e.subject == api and e.kind == "api.up" and down is not None:
            spans.append((e.time - down, -down))
            down = None
    if down is not None and events:
        spans.append((events[-1].time - down, -down))
    return -max(spans)[1] if spans else None


def _restarted_at(events: Sequence[Any], at: float) -> list[str]:
    """The bundles a global restart took down at ``at``."""
    return sorted({str(e.data.get("target")) for e in events if e.time == at and e.kind == "state.pacemaker"
                   and e.data.get("state") == "restart-begin"})


def _restart_fix(bundles: Sequence[str]) -> str:
    return (f"{', '.join(bundles)} restarted globally (every replica at once): tripleo_ha_wrapper does so when the "
            "service's generated configuration changed on its bootstrap node; make the change in a maintenance "
            "window, or accept the outage")


def check_run(trace: Iterable[Any], downtime: dict[str, float], *,
              downtime_budget_s: float = DEFAULT_DOWNTIME_BUDGET_S,
              planned_quorum_windows: Sequence[tuple[float, float]] = (),
              source_release: str = "", target_release: str = "",
              left_stopped: Sequence[tuple[str, str]] = (),
              stale_replicas: Sequence[StaleReplica] = (),
              stale_configs: Sequence[StaleConfig] = (), orphaned: Sequence[str] = ()) -> list[Violation]:
    """Violations of the run invariants for a run's ``trace`` and per-API ``downtime`` seconds; the releases
    (THT versions) say how far apart a mixed-version window's two releases are; ``left_stopped`` is what the
    target layout runs but is not running at the end of the run (``(node, container)`` or ``("pacemaker",
    resource)``, see :meth:`simulator.workflows.Simulation.left_stopped`); ``stale_replicas``: the bundle replicas
    on another build than their image name's at the end (see :meth:`simulator.workflows.Simulation.stale_replicas`);
    ``stale_configs``: those on an older generated config than their node's (see
    :meth:`simulator.workflows.Simulation.stale_configs`); ``orphaned``: pacemaker bundles of services the target
    layout no longer runs, still in the cluster (:meth:`simulator.workflows.Simulation.orphaned_resources`)."""
    if not isinstance(downtime_budget_s, int | float) or isinstance(downtime_budget_s, bool):
        raise TypeError(f"downtime_budget_s: expected seconds (a number), found {downtime_budget_s!r}")
    if not downtime_budget_s >= 0:  # (NaN compares false: every API was within it, silently)
        raise ValueError(f"downtime_budget_s: expected seconds >= 0 (inf: no budget), found {downtime_budget_s!r}")
    events = list(trace)
    out: list[Violation] = check_step_order(events)
    out += check_left_stopped(events, left_stopped)
    out += check_stale_replicas(events, stale_replicas)
    out += check_stale_configs(events, stale_configs)
    out += check_orphaned(events, orphaned)
    out += check_ovn_order(events)
    out += check_mixed_versions(events, source_release=source_release, target_release=target_release)
    out += check_schema_ahead(events, source_release=source_release, target_release=target_release)
    for api, seconds in sorted(downtime.items()):
        if seconds > downtime_budget_s:
            longest = _longest_outage(events, api)
            causes = _causes(events, longest) if longest is not None else ()
            restarted = _restarted_at(events, longest) if longest is not None else []
            faults = _faults_at(events, longest) if longest is not None else []
            fix = ("upgrade the nodes that serve it in batches that keep one up (--limit), or accept the outage "
                   "with a larger budget")
            if restarted:
                fix = _restart_fix(restarted) + " with a larger budget"
            if faults and longest is not None:
                causes = (*_fault_entries(faults, longest), *causes)[:5]
                fix = _fault_fix(faults, "a layout that survives it, or a larger budget")
            out.append(Violation(
                "api-downtime-budget",
                f"{api} was unavailable for {seconds:.0f} s, over the {downtime_budget_s:.0f} s budget",
                fix, causes, subject=api))
    for event in events:
        if event.kind == "quorum.lost" and not any(lo <= event.time <= hi for lo, hi in planned_quorum_windows):
            restarted = _restarted_at(events, event.time)
            fix = ("stop the cluster on fewer than half of its members at a time (not all at once, nor by disabling "
                   "its resource), or plan the outage window")
            if restarted:  # pacemaker_restart_bundle.sh (tripleo_ha_wrapper), or a template's `pcs resource restart`
                fix = _restart_fix(restarted)
            causes = _causes(events, event.time)
            if faults := _faults_at(events, event.time):
                causes = (*_fault_entries(faults, event.time), *causes)[:5]
                fix = _fault_fix(faults, "more members, so that the rest keep a majority, or plan the outage window")
            out.append(Violation(
                "quorum-kept",
                f"{event.subject} lost quorum at t={event.time:.0f}s"
                f" (online: {', '.join(event.data.get('online', [])) or 'none'})",
                fix, causes, subject=event.subject))
    return out


_STOPPED_STATES = frozenset({"stopped", "removed", "absent", "disabled", "disable", "stop"})


def check_left_stopped(events: Sequence[Any], left: Sequence[tuple[str, str]]) -> list[Violation]:
    """``services-restored``: each of ``left`` is a violation, with the task that last stopped it (if any)."""
    out = []
    for where, name in left:
        kinds = ("state.pacemaker",) if where == "pacemaker" else ("state.service", "state.container")
        stop = next((e for e in reversed(events) if e.kind in kinds
                     and container_name(str(e.data.get("target"))) == name
                     and str(e.data.get("state")) in _STOPPED_STATES
                     and (where == "pacemaker" or e.subject == where)), None)
        if stop is None:
            message = f"{name} on {where} is part of the target layout but not running at the end of the run"
            causes: tuple[TraceEntry, ...] = ()
        else:
            causes = _causes(events, stop.time, stop.subject)
            state = str(stop.data.get("state"))
            done = "disabled" if state.startswith("disable") else "removed" if state in ("removed", "absent") \
                else "stopped"
            by = f" by {causes[0].task!r} ({causes[0].key} step {causes[0].step})" if causes else ""
            what = f"pacemaker resource {name}" if where == "pacemaker" else f"{name} on {where}"
            message = (f"{what} was {done} at t={stop.time:.0f}s on {stop.subject}{by} and nothing started it "
                       "again before the run ended")
        out.append(Violation(
            "services-restored", message,
            "start it again in a later step (docker_config, deploy_steps_tasks, a post_upgrade task, or "
            "`pcs resource enable` for a pacemaker resource), or remove it from the layout on purpose",
            causes, subject=f"{where}:{name}"))
    return out


def check_stale_replicas(events: Sequence[Any], stale: Sequence[StaleReplica]) -> list[Violation]:
    """``bundle-images-current``: each of ``stale`` is a violation, with the tasks that ended on the node when the
    replica last started."""
    out = []
    for r in stale:
        expected = f"build {r.expected[7:19]}" if r.expected else "not on the node"
        if r.reason == "missing":
            what = (f"was started at t={r.started:.0f}s while the node held no image {r.image} (now {expected}): "
                    "pacemaker cannot start a replica from an image its node lacks")
        elif r.reason == "retagged":
            what = (f"runs build {r.runs[7:19]}, started at t={r.started:.0f}s, but {r.image} is now {expected} "
                    "there: the image was retagged after that start and nothing restarted the replica")
        else:
            what = (f"runs build {r.runs[7:19]}, but the release's image {r.image} is {expected} there: the "
                    "bundle's image name was never retagged to it")
        out.append(Violation(
            "bundle-images-current", f"{r.bundle}'s replica on {r.node} {what}",
            "retag (tripleo_container_tag) before the replica restarts: in update_tasks between stopping and "
            "starting the node's pacemaker, in an upgrade before the bundle's global restart",
            _causes(events, r.started, r.node), subject=f"{r.node}:{r.bundle}"))
    return out


def check_stale_configs(events: Sequence[Any], stale: Sequence[StaleConfig]) -> list[Violation]:
    """``bundle-config-current``: one violation per bundle with replicas in ``stale``, with the tasks that ended on
    the first such node when its config changed and the restart the release's script skipped, if any."""
    out = []
    by_bundle: dict[str, list[StaleConfig]] = {}
    for r in stale:
        by_bundle.setdefault(r.bundle, []).append(r)
    for bundle, replicas in sorted(by_bundle.items()):
        first = replicas[0]
        nodes = ", ".join(r.node for r in replicas)
        written = ", ".join(dict.fromkeys(f"t={t:.0f}s" for t in sorted(r.written for r in replicas)))
        which, run, it = ("replicas", "run", "they") if len(replicas) > 1 else ("replica", "runs", "it")
        message = (f"{bundle}'s {which} on {nodes} still {run} the configuration {it} started with: deploy step 1 "
                   f"generated a new one there ({written}) and nothing restarted {'them' if it == 'they' else it} "
                   "since")
        fix = ("restart the bundle once every node it runs on has its new configuration (`pcs resource restart` in a "
               "later step or a post-update or post-upgrade task)")
        skipped = [e for e in events if e.kind == "state.pacemaker" and e.data.get("target") == bundle
                   and e.data.get("state") == "restart-skipped"]
        if first.why and skipped:
            message += f"; {first.why}"
            fix += ("; THT after 14.3.0 makes pacemaker_restart_bundle.sh ask whether the bundle existed before "
                    "puppet ran (TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS) instead of reading hiera's stack_action")
        causes = _causes(events, first.written, first.node)
        if skipped:
            causes = (*_causes(events, skipped[-1].time, skipped[-1].subject), *causes)[:5]
        out.append(Violation(
            "bundle-config-current", message, fix, causes, subject=bundle))
    return out


def check_orphaned(events: Sequence[Any], orphaned: Sequence[str]) -> list[Violation]:
    """``no-orphaned-resources``: each of ``orphaned`` is a violation, with the task that last changed it, if any."""
    out = []
    for bundle in orphaned:
        last = next((e for e in reversed(events) if e.kind == "state.pacemaker" and e.data.get("target") == bundle),
                    None)
        replicas = {e.subject: e.data.get("state") for e in events
                    if e.kind == "state.replica" and e.data.get("bundle") == bundle}
        running = sorted(n for n, state in replicas.items() if state == "started")
        where = f"its replicas still run on {', '.join(running)}" if running else "stopped"
        out.append(Violation(
            "no-orphaned-resources",
            f"pacemaker resource {bundle} is still in the cluster at the end of the run ({where}), but the target "
            "layout no longer runs its service: nothing in the target's templates manages it any more",
            "delete it (`pcs resource delete`) in an upgrade step once the cluster runs again — upstream's 0e2b7a1d5 "
            "does so for redis-bundle at Wallaby's upgrade step 5 — or keep the service in the layout",
            _causes(events, last.time, last.subject) if last is not None else (), subject=bundle))
    return out


def check_ovn_order(events: Sequence[Any]) -> list[Violation]:
    """``ovn-controller-first``: one violation for the nodes whose data plane was out (``dataplane.down`` until
    ``dataplane.up``, or the end of the run), longest first, with the tasks behind the first outage."""
    down: dict[str, float] = {}
    total: dict[str, float] = {}
    first: Any = None
    for e in events:
        if e.kind == "dataplane.down":
            down[e.subject] = e.time
            first = first or e
        elif e.kind == "dataplane.up" and e.subject in down:
            total[e.subject] = total.get(e.subject, 0.0) + e.time - down.pop(e.subject)
    end = events[-1].time if events else 0.0
    for node, since in down.items():
        total[node] = total.get(node, 0.0) + end - since
    if first is None:
        return []
    longest = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{node} {seconds:.0f} s" for node, seconds in longest[:5])
    more = f" and {len(longest) - 5} more" if len(longest) > 5 else ""
    return [Violation(
        "ovn-controller-first",
        f"the data plane of {len(longest)} node(s) was out while their ovn_controller ran older code than the OVN "
        f"databases (the source release's, or in a minor update the old images'), from t={first.time:.0f}s: "
        f"{shown}{more}",
        "update ovn_controller on every node before the OVN databases: in a minor update run `openstack overcloud "
        "external-update run --tags ovn` before the update runs (scenario key external_update_tags: [ovn]); in an "
        "upgrade, upstream's e1a26ff31 (after 14.3.0) makes ovn_controller's upgrade tasks its external update tasks, "
        "which update it ahead everywhere; or plan the data-plane outage",
        _causes(events, first.time), subject="ovn_controller")]
