"""The bug zoo: mutations, as data, that reproduce known upgrade failure classes on an evaluated plan.

A mutation file (``scenarios/bugzoo/*.yaml``)::

    name: stop-without-start
    failure_class: a stop task with no matching start
    expect: stopped-restarted          # the invariant that must catch it
    role: Controller                   # the plan role whose role_data is mutated
    key: update_tasks                  # the role_data key
    changes:                           # applied in order
      - {op: remove_task, task: Start pacemaker cluster}
      - {op: add_task, after: Stop pacemaker cluster, body: {name: ..., when: step|int == 1, shell: ...}}
      - {op: edit_task, task: ..., set: {when: [step|int == 2]}, drop_when: [is_mysql_bootstrap_node|bool]}
      - {op: set_role, set: {update_serial: 3, count: 2, networks: [External]}}

Tasks are addressed by name (the first with that name). The mutated list is split into steps again with
:func:`simulator.plan.split_steps`, so step semantics stay config-download's. The cached THT trees are never
touched: mutations act on a copy of the plan's role data.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fakes.heat.yamlio import duplicate_key, unloadable

from ..plan import Node, Phase, Plan, Role, Task, split_steps
from .context import CheckContext
from .model import InvariantError, Violation
from .report import check_plan, invariant_named

__all__ = ["Mutation", "ZooResult", "apply_mutation", "load_mutation", "load_zoo", "run_zoo"]

_OPS = {"add_task": {"body"}, "remove_task": {"task"}, "edit_task": {"task"}, "set_role": {"set"}}
_ROLE_FIELDS = {"update_serial", "count", "networks", "hostname_format"}
_KEYS = {"name", "description", "failure_class", "expect", "role", "key", "changes", "releases"}


@dataclass(frozen=True)
class Mutation:
    name: str
    failure_class: str
    expect: str
    role: str
    key: str
    changes: tuple[Mapping[str, Any], ...]
    file: str
    description: str = ""
    releases: tuple[str, ...] = ()


def _need(cond: bool, file: str, path: str, expected: str, found: Any) -> None:
    if not cond:
        raise InvariantError(file, path, expected, repr(found)[:80])


def load_mutation(path: str | Path, text: str | None = None) -> Mutation:
    file = str(path)
    try:
        text = text if text is not None else Path(path).read_text()
        data = yaml.safe_load(text)
        twice = duplicate_key(text)
    except yaml.YAMLError as exc:
        raise InvariantError(file, "", "valid YAML", str(exc).splitlines()[0]) from None
    except UnicodeDecodeError as exc:
        raise InvariantError(file, "", "UTF-8 text", f"a byte that is not UTF-8 at offset {exc.start}") from None
    except (ValueError, RecursionError) as exc:
        raise InvariantError(file, "", "valid YAML", unloadable(exc)) from None
    if twice is not None:
        raise InvariantError(file, twice.path, "each key once in a mapping", twice.describe())
    _need(isinstance(data, dict), file, "", "a mapping", type(data).__name__)
    unknown = sorted(set(data) - _KEYS)
    _need(not unknown, file, unknown[0] if unknown else "", "one of " + ", ".join(sorted(_KEYS)),
          unknown[0] if unknown else "")
    for key in ("name", "failure_class", "expect", "role", "key"):
        _need(isinstance(data.get(key), str) and data[key], file, key, "a non-empty string", data.get(key))
    try:
        invariant_named(data["expect"])
    except InvariantError as exc:
        raise InvariantError(file, "expect", exc.expected, exc.found) from None
    changes = data.get("changes")
    _need(isinstance(changes, list) and bool(changes), file, "changes", "a non-empty list of changes", changes)
    for i, ch in enumerate(changes):
        where = f"changes[{i}]"
        _need(isinstance(ch, dict) and ch.get("op") in _OPS, file, f"{where}.op", " | ".join(_OPS),
              ch.get("op") if isinstance(ch, dict) else ch)
        for req in _OPS[ch["op"]]:
            _need(req in ch, file, f"{where}.{req}", f"a value for {ch['op']}", None)
        if ch["op"] == "add_task":
            _need(isinstance(ch["body"], dict) and isinstance(ch["body"].get("name"), str), file,
                  f"{where}.body", "a task mapping with a name", ch["body"])
        if ch["op"] == "set_role":
            bad = sorted(set(ch["set"]) - _ROLE_FIELDS) if isinstance(ch["set"], dict) else ["<not a mapping>"]
            _need(not bad, file, f"{where}.set", "keys among " + ", ".join(sorted(_ROLE_FIELDS)), bad)
    releases = data.get("releases") or []
    _need(isinstance(releases, list), file, "releases", "a list of release versions", releases)
    return Mutation(data["name"], data["failure_class"], data["expect"], data["role"], data["key"],
                    tuple(changes), file, str(data.get("description", "")), tuple(str(r) for r in releases))


def load_zoo(directory: str | Path | None = None) -> tuple[Mutation, ...]:
    """Every ``*.yaml`` mutation of a directory (default: the shipped ``scenarios/bugzoo``), sorted by name."""
    if directory is None:
        base = resources.files("scenarios").joinpath("bugzoo")
        items = sorted((p.name, p.read_text()) for p in base.iterdir() if p.name.endswith(".yaml"))
        return tuple(load_mutation(f"scenarios/bugzoo/{n}", t) for n, t in items)
    return tuple(load_mutation(p) for p in sorted(Path(directory).glob("*.yaml")))


def _raw_list(role: Role, key: str) -> list[Any]:
    by_index: dict[int, Task] = {}
    for tasks in role.tasks.get(key, {}).values():
        for t in tasks:
            by_index.setdefault(t.index, t)
    return [copy.deepcopy(dict(by_index[i].body)) for i in sorted(by_index)]


def _find(tasks: list[Any], name: str, m: Mutation, where: str) -> int:
    for i, t in enumerate(tasks):
        if isinstance(t, dict) and t.get("name") == name:
            return i
    raise InvariantError(m.file, where, f"a task named {name!r} in {m.role}.{m.key}",
                         "none (tasks: " + ", ".join(repr(t.get("name")) for t in tasks[:6]) + ", ...)")


def apply_mutation(plan: Plan, m: Mutation) -> Plan:
    try:
        role = plan.role(m.role)
    except KeyError:
        raise InvariantError(m.file, "role", "a role of the plan (" + ", ".join(r.name for r in plan.roles) + ")",
                             repr(m.role)) from None
    phase = next((p for p in plan.phases if p.key == m.key), Phase(m.key, None))
    tasks = _raw_list(role, m.key)
    fields: dict[str, Any] = {}
    for i, ch in enumerate(m.changes):
        where = f"changes[{i}]"
        if ch["op"] == "add_task":
            at = _find(tasks, ch["after"], m, f"{where}.after") + 1 if ch.get("after") else len(tasks)
            tasks.insert(at, copy.deepcopy(ch["body"]))
        elif ch["op"] == "remove_task":
            del tasks[_find(tasks, ch["task"], m, f"{where}.task")]
        elif ch["op"] == "edit_task":
            t = tasks[_find(tasks, ch["task"], m, f"{where}.task")]
            t.update(copy.deepcopy(ch.get("set") or {}))
            for cond in ch.get("drop_when") or ():
                when = t.get("when")
                items = when if isinstance(when, list) else [when]
                _need(cond in items, m.file, f"{where}.drop_when", f"a condition of {t.get('name')!r}", cond)
                t["when"] = [w for w in items if w != cond]
        else:
            fields.update(ch["set"])
    per_step, never = split_steps(m.key, tasks, phase)
    kept = tuple(n for n in role.never_runs if n.key != m.key)
    new = dataclasses.replace(role, tasks={**role.tasks, m.key: per_step}, never_runs=kept + tuple(never))
    if fields:
        if "networks" in fields:
            fields["networks"] = tuple(fields["networks"])
        new = dataclasses.replace(new, **fields)
        if "count" in fields or "hostname_format" in fields:
            fmt = new.hostname_format
            new = dataclasses.replace(new, nodes=tuple(
                Node(fmt.replace("%stackname%", "overcloud").replace("%index%", str(i)), new.name, i, i == 0)
                for i in range(new.count)))
    return dataclasses.replace(plan, roles=tuple(new if r.name == m.role else r for r in plan.roles))


@dataclass(frozen=True)
class ZooResult:
    mutation: Mutation
    caught_by: tuple[str, ...]  # invariants with violations the clean plan does not have
    new: tuple[Violation, ...]

    @property
    def caught(self) -> bool:
        return bool(self.caught_by)

    def line(self) -> str:
        verdict = ", ".join(self.caught_by) if self.caught else "MISSED"
        return f"{self.mutation.name:<34} {self.mutation.failure_class:<58} {verdict}"


def run_zoo(plan: Plan, context: CheckContext, mutations: Iterable[Mutation]) -> tuple[ZooResult, ...]:
    base = check_plan(plan, context)
    known = {(v.invariant, v.subject) for v in (*base.failures, *base.allowed)}
    out = []
    for m in mutations:
        if m.releases and plan.release not in m.releases:
            continue
        report = check_plan(apply_mutation(plan, m), context)
        new = tuple(v for v in (*report.failures, *report.allowed) if (v.invariant, v.subject) not in known)
        out.append(ZooResult(m, tuple(dict.fromkeys(v.invariant for v in new)), new))
    return tuple(out)
