"""Running one task on one host: variables, ``when``, loops, the module (or a built-in action), ``until``,
``changed_when``/``failed_when``, ``register`` and ``set_fact`` — ansible-core 2.19's ``TaskExecutor`` rules.

Which hosts run which task, and in what order, is the strategy's business (:mod:`.strategy`).
"""

from __future__ import annotations

import decimal
from collections import ChainMap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import AnsibleSimError, TemplateFailure, UndefinedVariable
from .results import Effects, ModuleCall
from .tasks import Block, Task
from .templating import Templar

__all__ = ["HostState", "Outcome", "PlayContext", "Scope", "TaskMemo", "execute", "meta_condition"]

OMIT = "__omit_place_holder__"


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Marker("ABSENT")  # a variable read that found no such variable
PRESENT = _Marker("PRESENT")  # a variable only tested for presence


class Recording:
    """What one task execution depended on: the variables it read at top level (not those read while templating
    another variable's value, nor loop items) and the module results the effects callback gave."""

    __slots__ = ("reads", "results", "set_facts", "usable")

    def __init__(self) -> None:
        # name -> value (or ABSENT, PRESENT); (name, key) -> that entry of a dict the task read only by key
        self.reads: dict[str | tuple[str, str], Any] = {}
        self.results: list[tuple[ModuleCall, dict[str, Any]]] = []
        self.usable = True
        self.set_facts: set[str] = set()  # names the task's set_fact wrote (even with the value they had)

    def read(self, key: str | tuple[str, str], value: Any, presence: bool = False) -> None:
        if key == "hostvars":
            # other hosts' facts change while the play runs (under the free strategy between any two tasks)
            self.usable = False
        if key not in self.reads or (self.reads[key] is PRESENT and not presence):
            self.reads[key] = value  # the first read is the input; later ones may see the task's own set_fact


@dataclass
class HostState:
    """Mutable per-host state of a run: facts from ``set_fact`` and registered results persist across plays."""

    name: str
    inventory_vars: Mapping[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """What a task inherits from enclosing blocks, static imports and the play."""

    when: tuple[tuple[Any, str], ...] = ()
    tags: frozenset[str] = frozenset()
    vars: tuple[Mapping[str, Any], ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    rescuable: bool = False
    role: str | None = None
    # -1 outside a rescue section; 0 directly in one; n > 0 in a block nested n deep inside one
    rescue_depth: int = -1
    # scopes entered from this one, by (node, arguments): every host of a play shares them (a pure function of
    # this scope and the node), so a task's memo finds its scope identical instead of comparing it. Not an init
    # field: dataclasses.replace() gives the new scope its own cache
    _entered: dict[tuple[int, bool, bool | None, int | None], tuple[Block | Task, Scope]] = field(
        default_factory=dict, init=False, compare=False, repr=False, hash=False)

    def enter(
        self,
        node: Block | Task,
        *,
        inherit_when: bool = True,
        rescuable: bool | None = None,
        rescue_depth: int | None = None,
    ) -> Scope:
        key = (id(node), inherit_when, rescuable, rescue_depth)
        cached = self._entered.get(key)
        if cached is not None and cached[0] is node:
            return cached[1]
        child = self._enter(node, inherit_when, rescuable, rescue_depth)
        self._entered[key] = (node, child)  # holds the node: its id is not reused while cached
        return child

    def _enter(self, node: Block | Task, inherit_when: bool, rescuable: bool | None,
               rescue_depth: int | None) -> Scope:
        if rescue_depth is None:
            nested = isinstance(node, Block) and self.rescue_depth >= 0
            rescue_depth = self.rescue_depth + 1 if nested else self.rescue_depth
        when = self.when
        if inherit_when:
            when = when + tuple((c, f"{node.path}.when[{i}]") for i, c in enumerate(node.when))
        return Scope(
            when=when,
            tags=self.tags | frozenset(node.tags),
            vars=(*self.vars, node.vars) if node.vars else self.vars,
            options={**self.options, **node.options},
            rescuable=self.rescuable if rescuable is None else rescuable,
            role=self.role,
            rescue_depth=rescue_depth,
        )


@dataclass
class PlayContext:
    """Per-play constants the runtime needs: tools, magic variables, play vars."""

    templar: Templar
    effects: Effects
    hosts: dict[str, HostState]
    play_vars: Mapping[str, Any]
    magic: Mapping[str, Any]  # groups, ansible_limit, play hosts lists...
    extra_vars: Mapping[str, Any]
    facts_shared: dict[str, Any] = field(default_factory=dict)
    # background jobs of ``async`` tasks, by (the host they run on, job id): their module results, as the host's
    # ``~/.ansible_async`` holds them for ``async_status``; the runner's, so they outlive the play
    jobs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # seconds the running host-task has slept between ``until`` retries (every loop item's), set by execute()
    waited: float = 0.0
    _group_names: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _magic: dict[tuple[str, bool], dict[str, Any]] = field(default_factory=dict, repr=False)
    # set by TaskMemo while a task runs: which variables it read and which module results it got
    recording: Recording | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._hostvars = _HostVars(self)  # holds nothing but the play: one for all its tasks

    def variables(
        self, host: HostState, scope: Scope, task: Task | None, local: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        layers: list[Mapping[str, Any]] = [self.extra_vars, local, host.facts]
        if task is not None and task.vars:
            layers.append(task.vars)
        layers += reversed(scope.vars)
        layers += [self.play_vars, host.inventory_vars, self._host_magic(host), self.magic]
        return _LazyVars(ChainMap(*layers), self.templar, (local, host.facts), self.recording,  # type: ignore[arg-type]
                         (local,))

    def _groups_of(self, name: str) -> list[str]:
        """``group_names`` of a host, computed once per play (groups are fixed for its duration)."""
        if not self._group_names:
            for group, members in self.magic["groups"].items():
                if group != "all":
                    for member in members:
                        self._group_names.setdefault(member, []).append(group)
        return list(self._group_names.get(name, ()))

    def _host_magic(self, host: HostState, hostvars: bool = True) -> Mapping[str, Any]:
        """A host's magic variables, built once per play (none of them changes during it). ``ansible_facts`` is
        ``{}`` here: the layers above hold the host's facts, so this one shows only where it has none."""
        magic = self._magic.get((host.name, hostvars))
        if magic is None:
            magic = self._magic[(host.name, hostvars)] = {
                "inventory_hostname": host.name,
                "inventory_hostname_short": host.name.split(".")[0],
                "group_names": self._groups_of(host.name),
                "ansible_facts": {},
            }
            if hostvars:
                magic["hostvars"] = self._hostvars
        return magic


class _LazyVars(Mapping[str, Any]):
    """Variables whose values are templated when read, as Ansible does (``a: "{{ b }}"`` reads as b's value).

    Values from ``set_fact``/``register`` and loop items are already rendered and are returned as they are.
    """

    __slots__ = ("_chain", "_derived", "_recording", "_rendered", "_resolving", "_templar")

    def __init__(
        self,
        chain: ChainMap,
        templar: Templar,
        rendered: tuple[Mapping[str, Any], ...],
        recording: Recording | None = None,
        derived: tuple[Mapping[str, Any], ...] = (),
    ) -> None:
        self._chain = chain
        self._templar = templar
        self._rendered = rendered
        self._resolving: set[str] = set()
        self._recording = recording
        # layers filled while the task runs (loop items, the register of an ``until`` retry): not inputs
        self._derived = derived

    def __getitem__(self, key: str) -> Any:
        for layer in self._chain.maps:
            if key in layer:
                value = layer[key]
                break
        else:
            if self._recording is not None and not self._resolving:
                self._recording.read(key, ABSENT)
            raise KeyError(key)
        for rendered in self._rendered:  # (loops, not any(): this runs for every variable a task reads)
            if layer is rendered:
                break
        else:
            if _has_template(value):
                if key in self._resolving:
                    raise TemplateFailure(key, str(value), f"recursive loop detected in the value of {key!r}")
                self._resolving.add(key)
                try:
                    value = self._templar.render(value, self, f"vars.{key}")
                finally:
                    self._resolving.discard(key)
        if self._recording is not None and not self._resolving:
            for derived in self._derived:
                if layer is derived:
                    return value
            self._recording.read(key, value)
        return value

    def narrowed(self, key: str, keys: tuple[str, ...]) -> Any:
        """``self[key]`` for a template that reads it only as ``key['k']``/``key.k`` with the constant ``keys``
        (:func:`fakes.ansible.compiled.subscripted_only`): when it is a dict, the recording notes those entries
        (or their absence) instead of all of it. A host's ``ansible_facts`` differ in ``hostname`` and ``fqdn``;
        a task that reads ``ansible_facts['distribution']`` depends on that entry only."""
        recording = self._recording
        if recording is None or self._resolving:
            return self[key]
        self._recording = None
        try:
            value = self[key]
        except KeyError:
            recording.read(key, ABSENT)
            raise
        finally:
            self._recording = recording
        if self._derived_has(key):  # a loop item: not an input
            return value
        if type(value) is not dict:
            recording.read(key, value)
            return value
        for entry in keys:
            recording.read((key, entry), value.get(entry, ABSENT))
        return value

    def _derived_has(self, key: str) -> bool:
        """Whether ``key``'s value comes from a layer filled while the task runs."""
        for layer in self._chain.maps:
            if key in layer:
                return any(layer is d for d in self._derived)
        return False

    def __contains__(self, key: object) -> bool:
        found = key in self._chain
        if self._recording is not None and not self._resolving:
            derived = found and any(key in d for d in self._derived)
            if not derived:
                self._recording.read(str(key), PRESENT if found else ABSENT, presence=True)
        return found

    def __iter__(self) -> Iterator[str]:
        if self._recording is not None:
            self._recording.usable = False  # a task that enumerates the variables depends on all of them
        return iter(self._chain)

    def __len__(self) -> int:
        if self._recording is not None:
            self._recording.usable = False
        return len(self._chain)

    def new_child(self, layer: dict[str, Any]) -> _LazyVars:
        return _LazyVars(self._chain.new_child(layer), self._templar, (*self._rendered, layer), self._recording,
                         (*self._derived, layer))


def _has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, list | tuple):
        return any(_has_template(v) for v in value)
    if isinstance(value, Mapping):
        return any(_has_template(v) for v in value.values())
    return False


class _HostVars(Mapping[str, Any]):
    __slots__ = ("_ctx",)

    def __init__(self, ctx: PlayContext) -> None:
        self._ctx = ctx

    def __getitem__(self, name: str) -> Any:
        host = self._ctx.hosts[name]
        layers = (host.facts, self._ctx.play_vars, host.inventory_vars, self._ctx._host_magic(host, hostvars=False))
        return dict(ChainMap(*layers))  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __iter__(self) -> Iterator[str]:
        return iter(self._ctx.hosts)

    def __len__(self) -> int:
        return len(self._ctx.hosts)


@dataclass
class Outcome:
    """Result of one task on one host."""

    status: str  # ok | changed | skipped | failed
    result: dict[str, Any]
    ignored: bool = False
    error: AnsibleSimError | None = None
    calls: list[ModuleCall] = field(default_factory=list)
    includes: list[Mapping[str, Any]] = field(default_factory=list)  # per-item vars of an include task


def execute(
    task: Task, host: HostState, scope: Scope, ctx: PlayContext, local: Mapping[str, Any] | None = None
) -> Outcome:
    """Run ``task`` on ``host`` and apply ``register``/``set_fact``.  Errors become a failed outcome."""
    local = dict(local or {})
    ctx.waited = 0.0
    variables = ctx.variables(host, scope, task, local)
    templar = ctx.templar
    ignore = bool(scope.options.get("ignore_errors", False))
    try:
        ignore = bool(templar.render(ignore, variables, f"{task.path}.ignore_errors"))
        items, loop_error = _loop_items(task, variables, templar)
        if items is None:
            outcome = _one(task, host, scope, ctx, variables, loop_error)
        elif not items:
            outcome = Outcome(
                "skipped", {"changed": False, "skipped": True, "skipped_reason": "No items in the list", "results": []}
            )
        else:
            outcome = _loop(task, host, scope, ctx, local, items)
    except AnsibleSimError as exc:
        outcome = Outcome("failed", {"failed": True, "msg": str(exc)}, error=exc)
    if outcome.status == "failed" and ignore:
        outcome.ignored = True
    if task.register:
        host.facts[task.register] = outcome.result
    return outcome


def _loop_items(task: Task, variables: Mapping[str, Any], templar: Templar) -> tuple[list[Any] | None, Any]:
    if task.loop_kind is None:
        return None, None
    where = f"{task.path}.{task.loop_kind}"
    try:
        value = templar.render(task.loop, variables, where)
    except UndefinedVariable as exc:  # ansible-core defers only this error until `when` has been evaluated
        return None, exc
    if task.loop_kind == "with_dict":
        if not isinstance(value, Mapping):
            raise TemplateFailure(where, str(task.loop), f"with_dict expects a dict, got {type(value).__name__}")
        return [{"key": k, "value": v} for k, v in value.items()], None
    if isinstance(value, str):
        if task.loop_kind == "loop":
            raise TemplateFailure(where, str(task.loop), "'loop' expects a list, got a string")
        value = [value]
    if not isinstance(value, list | tuple):
        if task.loop_kind == "loop":
            raise TemplateFailure(where, str(task.loop), f"expected a list, got {type(value).__name__}")
        # with_* loops go through a lookup, which takes a single non-list value (a dict too) as one item;
        # ansible-core 2.19 checked: `with_items: "{{ {} }}"` runs once with item={}
        value = [value]
    if task.loop_kind == "with_items":  # flattens one level
        flat: list[Any] = []
        for item in value:
            flat.extend(item if isinstance(item, list) else [item])
        return flat, None
    return list(value), None


def _loop(
    task: Task, host: HostState, scope: Scope, ctx: PlayContext, local: dict[str, Any], items: list[Any]
) -> Outcome:
    results: list[dict[str, Any]] = []
    calls: list[ModuleCall] = []
    includes: list[Mapping[str, Any]] = []
    failed = changed = False
    skipped = True
    for index, item in enumerate(items):
        item_local = {**local, task.loop_var: item}
        if task.index_var:
            item_local[task.index_var] = index
        variables = ctx.variables(host, scope, task, item_local)
        try:
            out = _one(task, host, scope, ctx, variables, None)
        except AnsibleSimError as exc:
            out = Outcome("failed", {"failed": True, "msg": str(exc)}, error=exc)
        res = dict(out.result)
        res[task.loop_var] = item
        results.append(res)
        calls += out.calls
        includes += [{**inc, task.loop_var: item} for inc in out.includes]
        skipped = skipped and out.status == "skipped"
        failed = failed or out.status == "failed"
        changed = changed or bool(res.get("changed"))
    result: dict[str, Any] = {"results": results, "changed": changed, "skipped": skipped}
    if failed:
        result.update(failed=True, msg="One or more items failed")
        status = "failed"
    else:
        result["msg"] = "All items skipped" if skipped else "All items completed"
        status = "skipped" if skipped else ("changed" if changed else "ok")
    return Outcome(status, result, calls=calls, includes=includes)


def _one(
    task: Task, host: HostState, scope: Scope, ctx: PlayContext, variables: Mapping[str, Any], pending: Any
) -> Outcome:
    templar = ctx.templar
    for condition, where in scope.when:
        if not templar.condition(condition, variables, where):
            return _skip(condition)
    for index, condition in enumerate(task.when):
        if not templar.condition(condition, variables, f"{task.path}.when[{index}]"):
            return _skip(condition)
    if pending is not None:
        raise pending
    if task.include is not None:
        return Outcome("ok", {"changed": False, "include": task.include.target}, includes=[{}])
    return _run_with_retries(task, host, scope, ctx, variables)


def _skip(condition: Any) -> Outcome:
    return Outcome(
        "skipped",
        {
            "changed": False,
            "skipped": True,
            "false_condition": condition,
            "skip_reason": "Conditional result was False",
        },
    )


def meta_condition(task: Task, host: HostState, scope: Scope, ctx: PlayContext) -> bool:
    """The inherited and own ``when`` of a ``meta`` task for one host."""
    variables = ctx.variables(host, scope, task, {})
    for condition, where in scope.when:
        if not ctx.templar.condition(condition, variables, where):
            return False
    return ctx.templar.all_true(task.when, variables, f"{task.path}.when")


def _run_with_retries(
    task: Task, host: HostState, scope: Scope, ctx: PlayContext, variables: Mapping[str, Any]
) -> Outcome:
    templar = ctx.templar
    retries = 1
    if task.retries is not None:
        where = f"{task.path}.retries"
        retries += max(0, _whole(templar.render(task.retries, variables, where), where, "retries"))
    elif task.until:
        retries += 3
    # ansible-core sleeps ``delay`` (default 5 s, 1 s when negative) after each attempt whose ``until`` is false
    delay = 5.0
    if retries > 1 and task.delay is not None:
        value = templar.render(task.delay, variables, f"{task.path}.delay")
        try:
            delay = float(value)  # a float FieldAttribute: ansible-core converts it with float()
        except (TypeError, ValueError):
            raise TemplateFailure(f"{task.path}.delay", str(value), "expected a number of seconds") from None
        delay = 1.0 if delay < 0 else delay
    calls: list[ModuleCall] = []
    register_layer: dict[str, Any] = {}
    variables = variables.new_child(register_layer)  # type: ignore[attr-defined]
    result: dict[str, Any] = {}
    for attempt in range(1, retries + 1):
        result = _action(task, host, scope, ctx, variables, attempt, calls)
        if "failed" not in result:
            result["failed"] = "rc" in result and result["rc"] not in (0, "0")
        if retries > 1:
            result["attempts"] = attempt
        result.setdefault("changed", False)
        if task.register:
            register_layer[task.register] = result
        if "skipped" not in result:
            condname = "changed"
            try:
                if task.changed_when:
                    result["changed"] = templar.all_true(task.changed_when, variables, f"{task.path}.changed_when")
                condname = "failed"
                if task.failed_when:
                    failed = templar.all_true(task.failed_when, variables, f"{task.path}.failed_when")
                    result["failed_when_result"] = result["failed"] = failed
            except AnsibleSimError as exc:
                result["failed"] = True
                result[f"{condname}_when_result"] = str(exc)
        if retries > 1:
            conditions = task.until or (not result["failed"],)
            if templar.all_true(conditions, variables, f"{task.path}.until"):
                break
            if attempt < retries:
                ctx.waited += delay
    else:
        if retries > 1:
            result["attempts"] = retries - 1
            result["failed"] = True
    if result.get("failed"):
        status = "failed"
    elif result.get("skipped"):
        status = "skipped"
    else:
        status = "changed" if result.get("changed") else "ok"
    return Outcome(status, result, calls=calls)


def _action(
    task: Task,
    host: HostState,
    scope: Scope,
    ctx: PlayContext,
    variables: Mapping[str, Any],
    attempt: int,
    calls: list[ModuleCall],
) -> dict[str, Any]:
    templar = ctx.templar
    action = task.action
    where = f"{task.path}.{task.fqcn}"
    if action == "set_fact":
        facts = {k: v for k, v in templar.render(dict(task.args), variables, where).items() if k != "cacheable"}
        if not facts:
            raise TemplateFailure(where, "set_fact", "set_fact needs at least one variable")
        targets = ctx.hosts.values() if scope.options.get("run_once") else [host]
        for state in targets:
            state.facts.update(facts)
        if ctx.recording is not None:
            ctx.recording.set_facts.update(facts)
        return {"changed": False, "ansible_facts": facts}
    if action == "fail":
        msg = templar.render(task.args.get("msg", "Failed as requested from task"), variables, where)
        return {"failed": True, "changed": False, "msg": msg}
    if action == "assert":
        that = task.args.get("that", [])
        conditions = that if isinstance(that, list) else [that]
        for index, condition in enumerate(conditions):
            if not templar.condition(condition, variables, f"{where}.that[{index}]"):
                msg = task.args.get("fail_msg", task.args.get("msg", "Assertion failed"))
                return {
                    "failed": True,
                    "changed": False,
                    "assertion": condition,
                    "msg": templar.render(msg, variables, where),
                }
        return {"changed": False, "msg": "All assertions passed"}
    if action == "debug":
        if "var" in task.args:
            name = str(task.args["var"])
            try:
                value = templar.expression(name, variables, f"{where}.var")
            except TemplateFailure:
                value = "VARIABLE IS NOT DEFINED!"
            return {"changed": False, name: value}
        return {"changed": False, "msg": templar.render(task.args.get("msg", "Hello world!"), variables, where)}
    args = templar.render(dict(task.args), variables, where)
    args = {k: v for k, v in args.items() if v != OMIT}
    delegate = scope.options.get("delegate_to")
    target = templar.render(delegate, variables, f"{task.path}.delegate_to") if delegate else host.name
    become = bool(templar.render(scope.options.get("become", False), variables, f"{task.path}.become"))
    # ``async: N`` (N > 0): the module runs as a background job; with ``poll: 0`` the task does not wait for it
    limit, poll = _async_poll(task, templar, variables)
    # ansible-core: j<random>.<pid>; here numbered in run order (deterministic)
    jid = f"j{len(ctx.jobs) + 1}.sim" if poll is not None else ""
    call = ModuleCall(host.name, str(target), action, task.fqcn, args, task.path, task.display_name, become, attempt,
                      job=jid if poll == 0 else "", async_limit=limit, waited=ctx.waited)
    calls.append(call)
    result = dict(ctx.effects(call))
    if ctx.recording is not None:
        ctx.recording.results.append((call, dict(result)))
    if action == "async_status" and not result.get("failed"):
        return _async_status(call, ctx, result)
    if poll is not None and not result.get("unreachable"):
        return _async_job(jid, poll, call, result, ctx)
    return result


def _whole(value: Any, where: str, what: str) -> int:
    """An int field's value (``retries``, ``async``, ``poll``) as ansible-core converts it: a whole number (``"3"``,
    ``3.0``), not one that ``int()`` would truncate (``3.5``) nor a non-number."""
    if isinstance(value, int):
        return value
    try:
        exact = decimal.Decimal(value)
        if exact == int(exact):
            return int(exact)
    except (TypeError, ValueError, ArithmeticError):
        pass
    raise TemplateFailure(where, str(value), f"expected a whole number of {what}")


def _async_poll(task: Task, templar: Templar, variables: Mapping[str, Any]) -> tuple[int, int | None]:
    """``(async, poll)`` of a task that runs its module as a background job (``async`` > 0; Ansible polls every
    15 s by default), else ``(0, None)``."""
    if task.async_ is None:
        return 0, None
    limit = _whole(templar.render(task.async_, variables, f"{task.path}.async"), f"{task.path}.async", "seconds")
    if limit <= 0:
        return 0, None
    if task.poll is None:
        return limit, 15
    return limit, _whole(templar.render(task.poll, variables, f"{task.path}.poll"), f"{task.path}.poll", "seconds")


def _async_job(jid: str, poll: int, call: ModuleCall, result: dict[str, Any], ctx: PlayContext) -> dict[str, Any]:
    """A background job's result kept for ``async_status`` on the host it runs on. With ``poll: 0`` the task returns
    at once: ``started``, not ``finished``, ``changed`` and the job's ``ansible_job_id``; otherwise Ansible polls until
    the job ends and the task's result is the job's, with the job fields (ansible-core's ``async_wrapper`` and
    ``TaskExecutor._poll_async_result``)."""
    results_file = f"~/.ansible_async/{jid}"
    ctx.jobs[(call.target, jid)] = result
    if poll > 0:
        return {**result, "ansible_job_id": jid, "started": True, "finished": True, "results_file": results_file}
    return {"failed": False, "changed": True, "started": True, "finished": False, "ansible_job_id": jid,
            "results_file": results_file}


def _async_status(call: ModuleCall, ctx: PlayContext, result: Mapping[str, Any]) -> dict[str, Any]:
    """``async_status: jid=...`` on the host the job runs on: while the job runs (the effects callback answers
    ``finished: false`` when it knows), ``started`` and not ``finished``; once it ended, its module result (or its
    wrapper's "Timeout exceeded" if it outlived its ``async`` limit) with ``finished``; ansible-core's "could not
    find job" failure for a job the host never ran."""
    jid = str(call.args.get("jid", ""))
    fields = {"ansible_job_id": jid, "started": True, "finished": True}
    results_file = f"~/.ansible_async/{jid}"
    if str(call.args.get("mode", "status")) == "cleanup":
        ctx.jobs.pop((call.target, jid), None)
        return {"changed": False, **fields, "erased": results_file}
    job = ctx.jobs.get((call.target, jid))
    if job is None:
        return {"failed": True, "changed": False, "msg": "could not find job", **fields}
    if result.get("finished") is False:  # ansible-core's action plugin's answer around the job file's
        return {"changed": False, **fields, "finished": False, "results_file": results_file, "stdout": "",
                "stderr": "", "stdout_lines": [], "stderr_lines": []}
    return {**job, **fields, "results_file": results_file}


class TaskMemo:
    """Replays a task's outcome on a host whose inputs equal those of a host that already ran it.

    A task's outcome is a function of the variables it reads, its scope's conditions and options, and the
    module results the effects callback returns.  The first execution of a task records those (see
    :class:`Recording`); a later host whose values of the same variables are equal (same types too: ``1`` is not
    ``True``), under equal conditions and options, and whose effects callback returns equal results for the same
    module calls made on it, gets the same outcome and the same ``register``/``set_fact`` writes without
    templating anything again.  Tasks that read ``hostvars``, enumerate the variables, or run once for the whole
    play always run.  Exact by construction: a difference in any input runs the task.
    """

    def __init__(self, variants: int = 4) -> None:
        self.variants = variants  # recorded executions kept per task
        self._entries: dict[int, list[_Memo]] = {}
        self.hits = self.misses = 0

    def execute(self, task: Task, host: HostState, scope: Scope, ctx: PlayContext) -> Outcome:
        # a background job's launch and its status read the run's job table, which no variable shows
        if scope.options.get("run_once") or task.async_ is not None or task.action == "async_status":
            return execute(task, host, scope, ctx)
        entries = self._entries.setdefault(id(task), [])
        for index, entry in enumerate(entries):
            if entry.task is task:
                outcome = entry.replay(host, scope, ctx)
                if outcome is not None:
                    self.hits += 1
                    if index:  # hosts come in runs of one kind: try this one first next time
                        entries.insert(0, entries.pop(index))
                    return outcome
        self.misses += 1
        before = dict(host.facts)
        recording = ctx.recording = Recording()
        try:
            outcome = execute(task, host, scope, ctx)
        finally:
            ctx.recording = None
        if recording.usable and len(entries) < self.variants:
            # what the task wrote, including a set_fact or register that left a value as it was here: on another
            # host the same write creates it
            written = recording.set_facts | ({task.register} if task.register else set())
            writes = {k: v for k, v in host.facts.items() if k in written or before.get(k, ABSENT) is not v}
            entries.append(_Memo(task, host.name, scope.when, scope.options, recording, outcome, writes))
        return outcome


@dataclass(frozen=True)
class _Memo:
    task: Task
    host: str
    when: tuple[tuple[Any, str], ...]
    options: Mapping[str, Any]
    recording: Recording
    outcome: Outcome
    writes: Mapping[str, Any]  # facts the execution set or registered

    def replay(self, host: HostState, scope: Scope, ctx: PlayContext) -> Outcome | None:
        if not (same(scope.when, self.when) and same(scope.options, self.options)):
            return None
        reads = self.recording.reads
        variables = ctx.variables(host, scope, self.task, {}) if reads else {}
        try:
            for key, seen in reads.items():
                if isinstance(key, tuple):  # an entry of a dict the task read only by constant keys
                    value = variables[key[0]]
                    if type(value) is not dict or not same(value.get(key[1], ABSENT), seen):
                        return None
                    continue
                if seen is ABSENT or seen is PRESENT:
                    if (key in variables) is (seen is ABSENT):
                        return None
                elif not same(variables[key], seen):
                    return None
        except (KeyError, AnsibleSimError):
            return None
        delegated = "delegate_to" in self.options
        calls = []
        for call, result in self.recording.results:
            mine = ModuleCall(host.name, call.target if delegated else host.name, call.action, call.fqcn, call.args,
                              call.task_path, call.task_name, call.become, call.attempt, waited=call.waited)
            if not same(dict(ctx.effects(mine)), result):
                return None
            calls.append(mine)
        host.facts.update(self.writes)
        o = self.outcome
        return Outcome(o.status, o.result, o.ignored, o.error, calls, o.includes)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, recursively (``==`` alone takes ``1`` for ``True`` and ``1.0``)."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is str or kind is int or kind is bool:
        return bool(a == b)
    if isinstance(a, dict):  # (loops, not all(): a replay compares every value its task read)
        if len(a) != len(b):
            return False
        for k, v in a.items():
            if k not in b:
                return False
            w = b[k]
            if v is not w and not same(v, w):
                return False
        return True
    if isinstance(a, list | tuple):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):  # noqa: SIM110 (a loop: no generator frame per comparison)
            if x is not y and not same(x, y):
                return False
        return True
    try:
        return bool(a == b)
    except Exception:  # values whose comparison fails are not known to be equal
        return False
