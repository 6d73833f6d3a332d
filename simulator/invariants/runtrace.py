"""Ordering and mixed-version invariants over a simulated run's trace (not over a plan):

* ``steps-never-backwards``: within one playbook run (an operator phase), each host moves through the role_data
  keys and their steps in one direction: once it has left a (key, step) it never runs a task of it again, and
  within a key its steps increase;
* ``step-barrier``: within one playbook run, no host starts a task of a (key, step) before every host has
  ended its tasks of the previous one — THT's step playbooks rely on it (a step-3 db sync on the bootstrap
  node assumes every node's step-2 stop tasks have finished);
* ``mixed-version-window``: when an operator phase ends, no OpenStack project is left running two releases
  on different nodes unless the release supports it: the control plane may be ahead of the data plane (the
  documented order, controllers then computes), or the jump is one release (a rolling N-1 -> N upgrade);
* ``schema-ahead-of-code``: when an operator phase ends, no project's database schema has been migrated to the
  target release while a node still serves its API with source-release code, unless the jump is one release
  (expand/contract migrations keep N-1 code working on an N schema). Within a phase the window is expected
  (THT syncs on the bootstrap node at deploy step 3 and replaces the API containers at the next steps).

Events come from :mod:`simulator.workflows` (``task`` with ``phase``/``step``/``start``, ``phase.start``/
``phase.end``) and the world's version monitor (``version.mixed``/``version.uniform``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .model import TraceEntry, Violation

__all__ = ["check_mixed_versions", "check_schema_ahead", "check_step_order", "release_distance"]


def _entry(event: Any, what: str) -> TraceEntry:
    return TraceEntry(what=what, key=str(event.data.get("phase", "")), step=str(event.data.get("step", "")),
                      task=str(event.data.get("task", "")))


def _step_rank(step: str) -> int:
    return int(step) if step.isdigit() else -1


def _runs(events: Sequence[Any]) -> Iterator[tuple[str, list[Any]]]:
    """Task events grouped by the operator phase (playbook run) they happened in."""
    name = ""
    tasks: list[Any] = []
    for event in events:
        if event.kind == "phase.start":
            name, tasks = event.subject, []
        elif event.kind == "task":
            tasks.append(event)
        elif event.kind == "phase.end":
            if tasks:
                yield name, tasks
            tasks = []
    if tasks:
        yield name, tasks


def check_step_order(trace: Iterable[Any]) -> list[Violation]:
    """``steps-never-backwards`` and ``step-barrier`` for every playbook run in ``trace``."""
    out: list[Violation] = []
    for run, tasks in _runs(list(trace)):
        out += _backwards(run, tasks)
        out += _barrier(run, tasks)
    return out


def _backwards(run: str, tasks: list[Any]) -> Iterator[Violation]:
    by_host: dict[str, list[Any]] = {}
    for event in sorted(tasks, key=lambda e: (_start(e), e.seq)):
        by_host.setdefault(event.subject, []).append(event)
    for host, events in by_host.items():
        left: set[tuple[str, str]] = set()
        last: Any = None
        for event in events:
            here = (str(event.data.get("phase")), str(event.data.get("step")))
            if last is not None:
                was = (str(last.data.get("phase")), str(last.data.get("step")))
                backwards = here in left or (here[0] == was[0] and _step_rank(here[1]) < _step_rank(was[1]))
                if here != was:
                    left.add(was)
                if backwards:
                    yield Violation(
                        "steps-never-backwards",
                        f"{host} ran {here[0]} step {here[1]} after {was[0]} step {was[1]} in '{run}'",
                        "run each host's steps once and in order (a task list or include re-entering an earlier "
                        "step, or a workflow replaying it)",
                        (_entry(last, f"ended at t={last.time:.0f}s on {host}"),
                         _entry(event, f"started at t={_start(event):.0f}s on {host}")),
                        subject=f"{host}:{here[0]}:{here[1]}")
                    break
            last = event


def _start(event: Any) -> float:
    return float(event.data.get("start", event.time))


def _barrier(run: str, tasks: list[Any]) -> Iterator[Violation]:
    # segments of equal (key, step) in start order: a run that keeps the barrier has each step in one segment
    # (per serial batch), and a segment's first task starts after the previous segment's last task ended
    segments: list[tuple[tuple[str, str], list[Any]]] = []
    for event in sorted(tasks, key=lambda e: (_start(e), e.seq)):
        key = (str(event.data.get("phase")), str(event.data.get("step")))
        if not segments or segments[-1][0] != key:
            segments.append((key, []))
        segments[-1][1].append(event)
    seen: set[str] = set()
    for (prev_key, prev_events), (key, events) in itertools.pairwise(segments):
        last_end = max(prev_events, key=lambda e: e.time)
        early = events[0]
        subject = f"{key[0]}:{key[1]}"
        if _start(early) < last_end.time - _TOLERANCE_S and subject not in seen:
            seen.add(subject)
            yield Violation(
                "step-barrier",
                f"{early.subject} started {key[0]} step {key[1]} at t={_start(early):.0f}s "
                f"while {last_end.subject} was still in {prev_key[0]} step {prev_key[1]} (until "
                f"t={last_end.time:.0f}s) in '{run}'",
                "keep each step a separate play over every role of the run (THT's deploy-steps playbook), so a "
                "step starts when the previous one has ended on all hosts",
                (_entry(last_end, f"ended at t={last_end.time:.0f}s on {last_end.subject}"),
                 _entry(early, f"started at t={_start(early):.0f}s on {early.subject}")),
                subject=subject)


_TOLERANCE_S = 1e-3  # task starts are recorded rounded to the microsecond


def release_distance(source: str, target: str) -> int:
    """Releases between two THT versions (one major version per OpenStack release: 11.x Train, 14.x Wallaby)."""
    try:
        return abs(int(target.split(".")[0]) - int(source.split(".")[0]))
    except ValueError:
        return 0


def check_mixed_versions(trace: Iterable[Any], *, source_release: str = "",
                         target_release: str = "") -> list[Violation]:
    """``mixed-version-window``: a project left on two releases at the end of an operator phase, in a way the
    release jump does not support."""
    distance = release_distance(source_release, target_release) if source_release and target_release else 1
    out: list[Violation] = []
    mixed: dict[str, Any] = {}
    for event in trace:
        if event.kind == "version.mixed":
            mixed[event.subject] = event
        elif event.kind == "version.uniform":
            mixed.pop(event.subject, None)
        elif event.kind == "phase.end":
            for project, window in sorted(mixed.items()):
                data = window.data
                control_ahead = not data.get("source_control") and not data.get("target_data")
                if control_ahead or distance <= 1:
                    continue
                jump = f"{source_release} -> {target_release}" if source_release else "this upgrade"
                out.append(Violation(
                    "mixed-version-window",
                    f"after '{event.subject}' {project} runs the source release on {', '.join(data['source'])} and "
                    f"the target release on {', '.join(data['target'])} ({jump}: {distance} releases apart)",
                    "upgrade the nodes of the control plane together, before the data plane (only a one-release "
                    "rolling upgrade may leave a project's control services on two releases)",
                    (TraceEntry(f"t={window.time:.0f}s: {project} became mixed"),
                     TraceEntry(f"t={event.time:.0f}s: '{event.subject}' ended with it mixed")),
                    subject=f"{project}:{event.subject}"))
    return out


def check_schema_ahead(trace: Iterable[Any], *, source_release: str = "",
                       target_release: str = "") -> list[Violation]:
    """``schema-ahead-of-code``: a schema.ahead window of the world still open when an operator phase ends."""
    distance = release_distance(source_release, target_release) if source_release and target_release else 1
    if distance <= 1:
        return []
    out: list[Violation] = []
    ahead: dict[str, Any] = {}
    migrated: dict[str, Any] = {}
    for event in trace:
        if event.kind == "state.schema":
            migrated[event.subject] = event
        elif event.kind == "schema.ahead":
            ahead[event.subject] = event  # the nodes still on old code now
        elif event.kind == "schema.aligned":
            ahead.pop(event.subject, None)
        elif event.kind == "phase.end":
            for project, window in sorted(ahead.items()):
                sync = migrated.get(project)
                causes = [TraceEntry(f"t={window.time:.0f}s: {project} API still on the source release on "
                                     f"{', '.join(window.data.get('nodes', []))}")]
                if sync is not None:
                    causes.insert(0, TraceEntry(f"t={sync.time:.0f}s: {project} schema migrated on "
                                                f"{sync.data.get('node')}"))
                out.append(Violation(
                    "schema-ahead-of-code",
                    f"after '{event.subject}' {project}'s database schema is at the target release while "
                    f"{', '.join(window.data.get('nodes', []))} still serve its API with source-release code "
                    f"({source_release} -> {target_release}: {distance} releases apart)",
                    "upgrade every node that serves the project's API in the batch that runs its db sync (or stop "
                    "the old API services first)",
                    tuple(causes), subject=f"{project}:{event.subject}"))
    return out
