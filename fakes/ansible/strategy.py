"""Running plays over many hosts: the linear and free strategies, ``serial`` batches, ``run_once``,
``any_errors_fatal``, ``max_fail_percentage``, block/rescue/always and dynamic includes.

:meth:`Runner.steps` is a generator that yields a :class:`~fakes.ansible.results.HostTask` just before each
host-task runs, so a simpy process can drive it (``yield env.timeout(duration)`` between steps); records of
what ran accumulate in Ansible's callback order.  :meth:`Runner.run` drains it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import AnsibleSimError, IncludeError, TemplateFailure, UndefinedVariable
from .hosts import Inventory, serial_batches
from .loader import Loader
from .play import Play
from .results import Effects, HostTask, Record, canned_result
from .roles import role_tasks
from .runtime import HostState, Outcome, PlayContext, Scope, TaskMemo, execute, meta_condition
from .tags import TagSelection
from .tasks import Block, Node, Task, parse_tasks
from .templating import Templar, is_template

__all__ = ["RunResult", "Runner"]

Steps = Generator[HostTask, None, list[str]]
_EXPRESSIONS = re.compile(r"(\{\{.*?\}\})", re.DOTALL)


@dataclass(frozen=True)
class RunResult:
    records: tuple[Record, ...]
    failed_hosts: tuple[str, ...]
    facts: Mapping[str, Mapping[str, Any]] = field(repr=False)
    aborted: str | None = None  # why the whole run stopped, as ansible-playbook's fatal ERROR would

    def sequence(self) -> list[tuple[str, str, str]]:
        return [r.key() for r in self.records]


class Runner:
    """Interprets playbooks on simulated hosts.  State (facts, failed hosts) persists across plays of a run."""

    def __init__(
        self,
        inventory: Inventory,
        *,
        effects: Effects = canned_result,
        loader: Loader | None = None,
        tags: TagSelection | None = None,
        limit: str | Sequence[str] | None = None,
        extra_vars: Mapping[str, Any] | None = None,
        forks: int = 5,
        templar: Templar | None = None,
        memo: bool = True,
    ) -> None:
        """``memo``: replay a task's outcome on hosts whose inputs equal an earlier host's (:class:`TaskMemo`);
        exact, and what makes a thousand identical computes cheap."""
        self.inventory = inventory
        self.effects = effects
        self.loader = loader
        self.tags = tags or TagSelection()
        self.limit = limit
        self.extra_vars = dict(extra_vars or {})
        self.forks = forks
        self.templar = templar or Templar()
        self.hosts = {h: HostState(h, inventory.variables(h)) for h in inventory.hosts}
        self.jobs: dict[tuple[str, str], dict[str, Any]] = {}  # async tasks' background jobs (PlayContext.jobs)
        self.records: list[Record] = []
        self.aborted: AnsibleSimError | None = None
        self.names: dict[tuple[int, str, str], str] = {}
        self.dead: list[str] = []  # failed hosts: never run again in this run
        self._wave = 0
        self._parsed: dict[tuple[str, str], tuple[Node, ...]] = {}
        self.memo = TaskMemo() if memo else None
        # called with (host, task, outcome) as each host-task ends, before its record is appended and the play
        # goes on: what it returns is the outcome (a simulation fails a task its node crashed during)
        self.settle: Callable[[str, Task, Outcome], Outcome] | None = None

    # -- public ---------------------------------------------------------------------------------------------
    def run(self, playbook: Iterable[Play]) -> RunResult:
        for _ in self.steps(playbook):
            pass
        return self.result()

    def result(self) -> RunResult:
        return RunResult(
            tuple(self.records),
            tuple(self.dead),
            {h: dict(s.facts) for h, s in self.hosts.items()},
            str(self.aborted) if self.aborted else None,
        )

    def steps(self, playbook: Iterable[Play]) -> Generator[HostTask, None, None]:
        tqm_failed = 0
        for index, play in enumerate(playbook):
            hosts = self.inventory.play_hosts(play.hosts, self.limit)
            previously_failed = tqm_failed
            stop = False
            for batch in serial_batches(hosts, play.serial, f"{play.path}.serial"):
                run = _PlayRun(self, play, index, batch)
                yield from run.execute()
                if self.aborted is not None:
                    return
                batch_failed = [h for h in batch if h in self.dead]
                tqm_failed = len(batch_failed)
                if run.end_play:
                    break
                if run.break_play or len(batch) == tqm_failed - previously_failed:
                    stop = True
                    break
                previously_failed = tqm_failed
            if stop:
                return

    # -- internals used by _PlayRun ------------------------------------------------------------------------
    def next_wave(self) -> int:
        self._wave += 1
        return self._wave

    def load(self, name: str, relative_to: str | None, where: str) -> tuple[str, tuple[Node, ...]]:
        if self.loader is None:
            raise IncludeError(where, f"expected a loader to resolve include {name!r}, found none")
        path, raw = self.loader(name, relative_to)
        key = (path, "tasks")
        if key not in self._parsed:
            self._parsed[key] = parse_tasks(raw, path)
        return path, self._parsed[key]


class _PlayRun:
    def __init__(self, runner: Runner, play: Play, index: int, batch: list[str]) -> None:
        self.r = runner
        self.play = play
        self.index = index
        self.batch = batch
        self.break_play = False
        self.end_play = False
        self.ended: set[str] = set()
        self.no_rescue: set[str] = set()  # failed by another host's run_once task: rescue does not apply
        self.doomed: set[str] = set()  # ... and no later rescue clears the failure
        # display names by (task, scope) identity, holding both (their ids are not reused meanwhile): the hosts of
        # a play share scopes, so most lookups skip the repr of the scope's vars that keys Runner.names
        self._names: dict[tuple[int, int], tuple[Task, Scope, str]] = {}
        all_hosts = runner.inventory.play_hosts(play.hosts, runner.limit)
        live = [h for h in batch if h not in runner.dead]
        magic = {
            "groups": runner.inventory.groups_var(),
            "ansible_limit": ",".join(runner.limit) if isinstance(runner.limit, list | tuple) else runner.limit,
            "ansible_play_hosts_all": all_hosts,
            "ansible_play_hosts": live,
            "ansible_play_batch": live,
            "play_hosts": live,
            "playbook_dir": ".",
        }
        if magic["ansible_limit"] is None:
            del magic["ansible_limit"]
        self.ctx = PlayContext(runner.templar, runner.effects, runner.hosts, play.vars, magic, runner.extra_vars,
                               jobs=runner.jobs)
        self.scope = Scope(
            tags=frozenset(play.tags), options={"any_errors_fatal": play.any_errors_fatal, **play.options}
        )

    def execute(self) -> Generator[HostTask, None, None]:
        live = [h for h in self.batch if h not in self.r.dead]
        if not live:
            return
        if self.play.strategy == "free":
            yield from self._free(live)
        else:
            yield from self._seq(self.play.tasks, live, self.scope, None)

    def _free(self, live: list[str]) -> Generator[HostTask, None, None]:
        gens = {h: self._seq(self.play.tasks, [h], self.scope, None) for h in live}
        while gens:
            for host in list(gens):
                try:
                    yield next(gens[host])
                except StopIteration:
                    del gens[host]

    def _fail(self, hosts: Iterable[str]) -> None:
        for host in hosts:
            if host not in self.r.dead:
                self.r.dead.append(host)

    # -- tree walking --------------------------------------------------------------------------------------
    def _seq(self, nodes: Sequence[Node], hosts: list[str], scope: Scope, origin: str | None) -> Steps:
        running = list(hosts)
        failed: list[str] = []
        for node in nodes:
            running = [h for h in running if h not in self.ended]
            if not running or self.break_play or self.end_play:
                break
            newly = yield from self._node(node, running, scope, origin)
            if newly:
                failed += [h for h in newly if h not in failed]
                running = [h for h in running if h not in newly]
        if not scope.rescuable and failed:
            self._fail(failed)
        return failed

    def _node(self, node: Node, hosts: list[str], scope: Scope, origin: str | None) -> Steps:
        if isinstance(node, Task):
            return (yield from self._task(node, hosts, scope, origin))
        block_scope = scope.enter(node)
        has_rescue = self._runnable(node.rescue, block_scope)
        has_always = self._runnable(node.always, block_scope)
        inner = scope.enter(node, rescuable=scope.rescuable or has_rescue or has_always)
        failed = yield from self._seq(node.block, hosts, inner, origin)
        rescued = [h for h in failed if h not in self.no_rescue]
        if has_rescue and rescued and not self.break_play:
            rescue_scope = scope.enter(node, rescuable=scope.rescuable or has_always, rescue_depth=0)
            still = yield from self._seq(node.rescue, rescued, rescue_scope, origin)
            failed = [h for h in hosts if (h in failed and (h not in rescued or h in self.doomed)) or h in still]
        if has_always and not self.break_play:
            entered = [h for h in hosts if h not in self.ended]
            always_failed = yield from self._seq(node.always, entered, scope.enter(node), origin)
            failed = [h for h in hosts if h in failed or h in always_failed]
        # marked failed twice (run_once + any_errors_fatal), a host skips this block's rescue; blocks around it
        # run their rescue for it, but it stays failed (ansible-core 2.19, checked by the oracle)
        self.no_rescue.difference_update(hosts)
        if failed and not scope.rescuable:
            self._fail(failed)
        return failed

    def _runnable(self, nodes: Sequence[Node], scope: Scope) -> bool:
        """Whether a section keeps any task after tag filtering (Ansible drops empty rescue/always)."""
        for node in nodes:
            if isinstance(node, Block):
                inner = scope.enter(node)
                if any(self._runnable(part, inner) for part in (node.block, node.rescue, node.always)):
                    return True
            elif node.include is not None and node.include.static:
                try:
                    _, imported, _ = self._resolve(node, dict(self.r.extra_vars), None)
                except AnsibleSimError:
                    return True
                if self._runnable(imported, scope.enter(node)):
                    return True
            elif self.r.tags.should_run(scope.tags | frozenset(node.tags)):
                return True
        return False

    def _task(self, task: Task, hosts: list[str], scope: Scope, origin: str | None) -> Steps:
        if task.include is not None and task.include.static:
            return (yield from self._static_include(task, hosts, scope, origin))
        tscope = scope.enter(task, inherit_when=False)
        if not self.r.tags.should_run(tscope.tags):
            return []
        if task.action == "meta":
            self._meta(task, hosts, tscope)
            return []
        run_once = bool(tscope.options.get("run_once"))
        targets = hosts[:1] if run_once else hosts
        wave = self.r.next_wave()
        outcomes: dict[str, Outcome] = {}
        name = self._display_name(task, hosts[0], tscope)
        for host in targets:
            yield HostTask(host, name, task.path, task.action, wave, self.index)
            outcome = self._execute(task, self.r.hosts[host], tscope)
            if self.r.settle is not None:
                outcome = self.r.settle(host, task, outcome)
            outcomes[host] = outcome
            self._append(host, name, task, outcome)
        if run_once and task.register:
            for host in hosts[1:]:
                self.r.hosts[host].facts[task.register] = outcomes[targets[0]].result
        failed = [h for h, o in outcomes.items() if o.status == "failed" and not o.ignored]
        if run_once and failed:
            # ansible-core fails every play host; only the host that ran the task may be rescued (in the
            # innermost block with a rescue section)
            self.no_rescue.update(h for h in hosts if h not in failed)
            self.doomed.update(h for h in hosts if h not in failed)
            failed = list(hosts)
        if task.include is not None:
            more = yield from self._dynamic_include(task, outcomes, scope, origin)
            failed += [h for h in more if h not in failed]
        any_failed = [h for h, o in outcomes.items() if o.status == "failed"]
        # linear strategy: (any_errors_fatal or run_once) and not ignore_errors
        fatal = (tscope.options.get("any_errors_fatal") or run_once) and not tscope.options.get("ignore_errors")
        if fatal and any_failed:
            failed += [h for h in hosts if h not in any_failed and h not in failed]
        if not scope.rescuable:
            self._fail(failed)
        self._check_max_fail(hosts)
        return failed

    def _execute(self, task: Task, host: HostState, scope: Scope) -> Outcome:
        if self.r.memo is None:
            return execute(task, host, scope, self.ctx)
        return self.r.memo.execute(task, host, scope, self.ctx)

    def _meta(self, task: Task, hosts: list[str], scope: Scope) -> None:
        """``meta``: ansible-core reports only a skipped result (when its condition is false), never ok.
        ``end_host`` ends the host's play; ``end_play`` (evaluated once, on the first host) ends the play for
        every host and batch.  Other meta actions are no-ops here."""
        what = str(task.args.get("_raw_params", "")).strip()
        if what not in ("end_host", "end_play"):
            return
        for host in hosts[:1] if what == "end_play" else hosts:
            try:
                true = meta_condition(task, self.r.hosts[host], scope, self.ctx)
            except AnsibleSimError as exc:
                # ansible-core: an error in a meta task's condition aborts the whole run (exit code 1)
                self.r.aborted = exc
                self.break_play = True
                return
            if not true:
                self._record(host, task, scope, Outcome("skipped", {"skipped": True, "changed": False}))
                continue
            ending = [host] if what == "end_host" else list(hosts)
            self.ended.update(ending)
            if scope.rescue_depth > 0:
                # ansible-core: ending a host from a block nested in a rescue leaves its failure in place
                self._fail(ending)
            if what == "end_play":
                self.end_play = True

    def _display_name(self, task: Task, first_host: str, scope: Scope) -> str:
        """The task name ansible-core 2.19 reports: templated once, with the first host's variables (no loop
        variable); an undefined variable shows as ``<< error 1 - 'x' is undefined >>``."""
        known = self._names.get((id(task), id(scope)))
        if known is not None and known[0] is task and known[1] is scope:
            return known[2]
        name = self._name(task, first_host, scope)
        self._names[(id(task), id(scope))] = (task, scope, name)
        return name

    def _name(self, task: Task, first_host: str, scope: Scope) -> str:
        name = task.display_name
        key = (self.index, task.path, repr(scope.vars))
        if key in self.r.names:
            # ansible-core writes the templated name back to the task: the first host to reach it fixes it,
            # for every later host and serial batch of the play
            return self.r.names[key]
        if is_template(name):
            variables = self.ctx.variables(self.r.hosts[first_host], scope, task, {})
            parts = []
            for part in _EXPRESSIONS.split(name):
                if not _EXPRESSIONS.fullmatch(part):
                    parts.append(part)
                    continue
                try:
                    parts.append(str(self.r.templar.render(part, variables, f"{task.path}.name")))
                except UndefinedVariable as exc:
                    parts.append(f"<< error 1 - {exc.detail} >>")
                except TemplateFailure as exc:
                    parts.append(f"<< error 1 - {exc.reason} >>")
            name = "".join(parts)
        name = f"{scope.role} : {name}" if scope.role else name
        self.r.names[key] = name
        return name

    def _record(self, host: str, task: Task, scope: Scope, outcome: Outcome) -> None:
        if self.play.strategy == "free":
            name = self._display_name(task, host, scope)
        else:  # the linear strategy reports meta results before it templates the task name
            name = f"{scope.role} : {task.display_name}" if scope.role else task.display_name
        self._append(host, name, task, outcome)

    def _append(self, host: str, name: str, task: Task, outcome: Outcome) -> None:
        """Append what one host-task did, in Ansible's callback order."""
        error = str(outcome.error) if outcome.error else None
        self.r.records.append(Record(host, name, task.path, task.action, outcome.status, outcome.ignored, error,
                                     tuple(outcome.calls), outcome.result))

    def _check_max_fail(self, hosts: list[str]) -> None:
        mfp = self.play.max_fail_percentage
        if mfp is None:
            return
        failed_in_batch = [h for h in self.batch if h in self.r.dead]
        if len(failed_in_batch) / len(self.batch) > mfp / 100.0:
            self._fail(hosts)
            self.break_play = True

    # -- includes ------------------------------------------------------------------------------------------
    def _resolve(
        self, task: Task, variables: Mapping[str, Any], origin: str | None = None
    ) -> tuple[str, tuple[Node, ...], Scope | None]:
        include = task.include
        assert include is not None
        where = f"{task.path}.{task.fqcn}"
        target = self.r.templar.render(include.target, variables, where)
        if include.kind == "tasks":
            path, nodes = self.r.load(str(target), origin, where)
            return path, nodes, None
        raw, defaults, _ = role_tasks(str(target), self.r.templar.render(include.tasks_from, variables, where))
        key = (f"role:{target}:{include.tasks_from}", "role")
        if key not in self.r._parsed:
            self.r._parsed[key] = parse_tasks(raw, f"roles/{target}/{include.tasks_from}")
        role_scope = Scope(vars=(defaults,), role=str(target))
        return key[0], self.r._parsed[key], role_scope

    def _static_include(self, task: Task, hosts: list[str], scope: Scope, origin: str | None) -> Steps:
        """``import_tasks``/``import_role``: resolved once, the import's when/tags/vars apply to every task."""
        variables = self.ctx.variables(self.r.hosts[hosts[0]], scope, task, {})
        try:
            path, nodes, role_scope = self._resolve(task, variables, origin)
        except AnsibleSimError as exc:
            raise IncludeError(task.path, f"cannot import: {exc}") from exc
        inner = scope.enter(task)
        if role_scope is not None:
            inner = replace(inner, vars=(*role_scope.vars, *inner.vars), role=role_scope.role)
        return (yield from self._seq(nodes, hosts, inner, path))

    def _dynamic_include(self, task: Task, outcomes: Mapping[str, Outcome], scope: Scope, origin: str | None) -> Steps:
        """``include_tasks``/``include_role``: grouped like Ansible's IncludedFile (file, vars), in host order.
        ``scope`` is the scope around the include task."""
        groups: list[tuple[tuple[str, tuple[Node, ...], Scope | None], Mapping[str, Any], list[str]]] = []
        failed: list[str] = []
        for host, outcome in outcomes.items():
            if outcome.status == "failed":
                continue
            for local in outcome.includes:
                variables = self.ctx.variables(self.r.hosts[host], scope, task, local)
                try:
                    resolved = self._resolve(task, variables, origin)
                except AnsibleSimError as exc:
                    self.r.records.append(
                        Record(host, task.display_name, task.path, task.action, "failed", False, str(exc))
                    )
                    failed.append(host)
                    break
                for key, loc, members in groups:
                    if key[0] == resolved[0] and loc == local:
                        members.append(host)
                        break
                else:
                    groups.append((resolved, local, [host]))
        for (path, nodes, role_scope), local, members in groups:
            members = [h for h in members if h not in failed and h not in self.r.dead]
            if not members or self.break_play:
                continue
            # Included tasks inherit from the blocks around the include, not from the include task itself
            # (ansible-core: a non-static parent defers to the grandparent); its vars and loop var apply.
            depth = scope.rescue_depth + 1 if scope.rescue_depth >= 0 else -1
            inner = replace(scope, vars=(*scope.vars, dict(task.vars), dict(local)), rescue_depth=depth)
            if role_scope is not None:
                inner = replace(inner, vars=(*role_scope.vars, *inner.vars), role=role_scope.role)
            newly = yield from self._seq(nodes, members, inner, path if role_scope is None else origin)
            failed += [h for h in newly if h not in failed]
        return failed
