"""Host-tasks laid out in simulated time. A play's host-tasks are interpreted first, each taking a duration sampled
from the timing profile by its effects (a host runs its tasks one after another; under the linear strategy a task
starts on its hosts once the previous task has ended on all of them), then replayed in time order: each task's
effects change the world when it ends. A background job (``async`` with ``poll: 0``) runs beside its host's later
tasks, for its module's duration or until its ``async`` limit kills it. A mixin of
:class:`~simulator.workflows.base.Simulation`, which owns the state it reads."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any, NamedTuple

import simpy

from fakes.ansible import AnsibleSimError, Runner, parse_playbook
from fakes.ansible.effects import Effect, classify
from fakes.ansible.runtime import Outcome
from simulator.core import Trace
from simulator.timing import TimingProfile
from simulator.world import World

if TYPE_CHECKING:
    from random import Random  # the Simulation's seeded stream (simulator.core.RngTree), never the global one

__all__ = ["Failure", "Job", "Timeline"]


@dataclass(frozen=True)
class Failure:
    """A task (or a whole run: host "-") that failed: where and when, and Ansible's reason."""

    time: float
    host: str
    phase: str
    step: str
    task: str
    error: str


class Job(NamedTuple):
    """A background job (``async`` with ``poll: 0``) on ``target``: how long its module runs, what it does when it
    ends, its ``async`` limit, and the task that launched it."""

    target: str
    jid: str
    duration: float
    effects: list[Effect]
    limit: int = 0
    task: str = ""
    killed: bool = False  # at its limit, by async_wrapper



class Timeline:
    # the Simulation's state this mixin reads and writes
    env: simpy.Environment
    trace: Trace
    world: World
    timing: TimingProfile
    failures: list[Any]
    faults: Sequence[Any]
    task_count: int
    interpret_seconds: float
    _rng: Random
    _task_starts: dict[str, float]
    _job_ends: dict[tuple[str, str], float]
    _not_run: dict[int, Any]
    _pulled: dict[str, set[str]]
    # the Simulation's methods it calls
    _ha_wrapper: Callable[[Effect, bool], Effect]
    _crash_within: Callable[[str, float, float], Any]
    _apply_effects: Callable[[str, Sequence[Effect], float, str], None]

    def _run_plays(self, runner: Runner, plays: list[dict[str, Any]], label: str,
                   step: str) -> Generator[Any, Any, None]:
        t0 = self.env.now
        host_t: dict[str, float] = {}
        laid: list[tuple[float, int, Any]] = []
        pending: list[tuple[str, float]] = []
        first = len(runner.records)

        jobs: list[tuple[float, Job]] = []  # background jobs' ends, in launch order

        crashes = any(f.kind == "node_crash" for f in self.faults)  # (most runs have none: no check per task)
        # each host-task's (duration, effects, jobs) as it ended (settle), by its record's index in runner.records
        settled: dict[int, tuple[float, list[Effect], list[Job]]] = {}

        def cost(done: Any) -> tuple[float, list[Effect], list[Job]]:  # an Outcome or a Record
            duration, effects, launched = self._cost(done)
            # the task slept `delay` between its `until` retries (async_status polling a job that runs)
            if done.calls:
                duration += max(c.waited for c in done.calls)
            return duration, effects, launched

        def settle(host: str, task: Any, outcome: Outcome) -> Outcome:
            """A host-task ended (its record comes next): lay out its duration now, and fail it where its node
            crashed while it ran (a crash at its start already made its module calls unreachable)."""
            start = pending[-1][1]
            duration, effects, launched = cost(outcome)
            crash = self._crash_within(outcome.calls[0].target, start, start + duration) \
                if crashes and outcome.calls and outcome.status in ("ok", "changed") else None
            if crash is not None:  # the connection drops: Ansible reports the host unreachable, the task never ends
                msg = f"host {crash.target} unreachable: node_crash at t={crash.at:.0f}s, while the task ran"
                result = {"failed": True, "unreachable": True, "rc": 255, "changed": False, "msg": msg}
                if task.register:
                    runner.hosts[host].facts[task.register] = result
                outcome = Outcome("failed", result, calls=outcome.calls)
                duration, effects, launched = crash.at - start, [], []
            settled[len(runner.records)] = (duration, effects, launched)
            return outcome

        def pair() -> None:  # every record appended since the last call belongs to the oldest pending host-task
            while len(laid) < len(runner.records) - first:
                host, start = pending[len(laid)]
                record = runner.records[first + len(laid)]
                # (a record no host-task ran for, a meta task's skip, was not settled)
                settled_cost = settled.pop(first + len(laid), None)
                duration, effects, launched = settled_cost if settled_cost is not None else cost(record)
                host_t[host] = start + duration
                laid.append((start + duration, len(laid), (record, start, start + duration, effects)))
                for job in launched:  # each job starts as its launch ends
                    job = job._replace(task=record.task_name)
                    if job.limit and job.duration > job.limit:
                        # async_wrapper kills the job at its limit: its module did not finish (no effects), and
                        # its status file holds the wrapper's result
                        job = job._replace(duration=float(job.limit), effects=[], killed=True)
                        runner.jobs[(job.target, job.jid)] = {"failed": True, "msg": "Timeout exceeded",
                                                              "child_pid": 0}
                    self._job_ends[(job.target, job.jid)] = start + duration + job.duration
                    jobs.append((start + duration + job.duration, job))

        wall = perf_counter()
        wave, barrier = -1, t0
        runner.settle = settle
        try:
            playbook = parse_playbook(plays, where=f"{label} step {step}")
            # under the linear strategy a task starts on its hosts once the previous task ended on all of them
            linear = [play.strategy != "free" for play in playbook]
            for ht in runner.steps(playbook):
                pair()
                start = host_t.get(ht.host, t0)
                if linear[ht.play]:
                    if ht.wave != wave:
                        wave, barrier = ht.wave, max(host_t.values(), default=t0)
                    start = max(start, barrier)
                self._task_starts[ht.host] = start
                pending.append((ht.host, start))
        except AnsibleSimError as exc:
            self.failures.append(Failure(self.env.now, "-", label, step, "-", f"{type(exc).__name__}: {exc}"))
        finally:
            runner.settle = None
        pair()
        self.interpret_seconds += perf_counter() - wall  # wall-clock, for benchmarks; not in the trace
        # a rebooting host is down from the reboot task's start until it ends (its effects bring it back); a bundle
        # restarted globally is down from the restarting task's start until it ends; a ban moves the VIPs from the
        # task's start (`pcs resource ban --wait` returns once they moved)
        outages = [(start, len(laid) + i, e) for i, (_, _, (record, start, _, effects)) in enumerate(laid)
                   for e in effects if e.kind == "reboot"
                   or (e.kind == "pacemaker" and e.state in ("restart", "replica-restart", "banned"))]
        events: list[tuple[float, int, Any, str]] = [(t, seq, payload, "task") for t, seq, payload in laid]
        events += [(t, seq, effect, "outage") for t, seq, effect in outages]
        end = max(host_t.values(), default=t0)
        # a job that outlives the play's tasks goes on in the background (the playbook does not wait for it)
        events += [(t, 2 * len(laid) + i, job, "job") for i, (t, job) in enumerate(jobs) if t <= end]
        for t, job in jobs:
            if t > end:
                self.env.process(self._job_ends_later(t, job, label))
        for time, _, payload, kind in sorted(events, key=lambda e: (e[0], e[1])):
            if time > self.env.now:
                yield self.env.timeout(time - self.env.now)
            if kind == "task":
                self._emit(payload, label, step)
            elif kind == "job":
                self._job_ended(time, payload, label)
            elif payload.kind == "reboot":
                self.world.hold_down(payload.host, "reboot", time, "rebooting")
            elif payload.state == "banned":
                self.world.apply(payload, time)
            else:  # a restart: down from the task's start ("restart-begin", "replica-restart-begin") until it ends
                self.world.apply(Effect(payload.host, "pacemaker", payload.target, f"{payload.state}-begin",
                                        payload.source), time)
        if end > self.env.now:
            yield self.env.timeout(end - self.env.now)

    def _job_ended(self, time: float, job: Job, label: str) -> None:
        """A background job ended on its host: its module's effects apply now (none if it was killed at its
        ``async`` limit)."""
        if job.killed:
            self.trace.record(time, "job", job.target, task=job.task, jid=job.jid, timed_out=job.limit)
        else:
            self.trace.record(time, "job", job.target, task=job.task, jid=job.jid)
        self._apply_effects(job.target, job.effects, time, label)

    def _job_ends_later(self, time: float, job: Job, label: str) -> Generator[Any, Any, None]:
        yield self.env.timeout(time - self.env.now)
        self._job_ended(time, job, label)

    def _cost(self, record: Any) -> tuple[float, list[Effect], list[Job]]:
        """A host-task's duration and effects, and the background jobs it launched (``async`` with ``poll: 0``);
        the launch itself takes ``async_launch``."""
        if record.status == "skipped":
            return self.timing.skipped.sample(self._rng), [], []
        total, effects, jobs, any_effect = 0.0, [], [], False
        for call in record.calls:
            # a call a fault kept from acting takes its time as if it had run (the RNG stream stays the same) but
            # changes nothing
            ran = id(call) not in self._not_run
            called = [self._ha_wrapper(e, ran) if e.state.startswith("ha-wrapper") else e for e in classify(call)]
            any_effect = any_effect or bool(called)
            if call.job:
                duration = sum(self._effect_duration(e) for e in called)
                total += self.timing.effect("async_launch").sample(self._rng)
                if ran:
                    jobs.append(Job(call.target, call.job, duration, called, call.async_limit))
                continue
            for e in called:  # one sum in effect order over the task's calls: a run's times stay bit-identical
                total += self._effect_duration(e)
            if ran:
                effects += called
        for call in record.calls if self._not_run else ():  # laid out: no longer needed
            self._not_run.pop(id(call), None)
        if not any_effect:
            return self.timing.task_default.sample(self._rng), [], []
        return total, effects, jobs

    def _effect_duration(self, effect: Effect) -> float:
        kind = effect.kind
        if kind == "image" and effect.state == "pulled":  # a node pulls an image's layers once per run
            pulled = self._pulled.setdefault(effect.host, set())
            if effect.target in pulled:
                kind = "image_cached"
            pulled.add(effect.target)
        elif kind == "image" and effect.state == "tagged":  # a tag of an image the node has: no download
            kind = "image_cached"
        return self.timing.effect(kind).sample(self._rng)

    def _emit(self, payload: Any, label: str, step: str) -> None:
        record, start, end, effects = payload
        self.task_count += 1
        data = {"task": record.task_name, "phase": label, "step": step, "status": record.status,
                "start": round(start, 6)}
        if record.status != "failed":
            self.trace.record(end, "task", record.host, **data)
            self._apply_effects(record.host, effects, end, label)
            return
        error = record.error or str(record.result.get("msg", "")) or "failed"
        if not record.error:
            # a loop's "One or more items failed": with its first failed item's own message, as Ansible shows it
            item = next((r for r in record.result.get("results") or () if isinstance(r, Mapping) and r.get("failed")
                         and r.get("msg")), None)
            if item is not None:
                error = f"{error}: {item['msg']}"
        data["error"] = error
        self.trace.record(end, "task", record.host, **data)
        self._apply_effects(record.host, effects, end, label)
        if not record.ignored:
            self.failures.append(Failure(end, record.host, label, step, record.task_name, error))
