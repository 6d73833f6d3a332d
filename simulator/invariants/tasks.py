"""Static reading of plan tasks: nested blocks flattened to leaves with their inherited ``when``, the effects
of each leaf (the ansible fake's effect catalogue, applied to the untemplated arguments), facts set and
variables read.  Nothing is executed; templated targets (``{{ item }}``) stay unresolved and are skipped."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import nodes

from fakes.ansible.effects import Effect, classify
from fakes.ansible.results import ModuleCall

from ..plan import _TASK_KEYWORDS, Task

__all__ = ["Leaf", "bootstrap_guarded", "db_sync_service", "leaves", "tests_definedness", "when_variables"]

_RAW_MODULES = frozenset({"command", "shell", "raw", "script"})
_BOOTSTRAP_MARKS = ("bootstrap_node", "bootstrap_host", "short_bootstrap_node_name", "bootstrap_nodeid")
_JINJA = jinja2.Environment()


@dataclass(frozen=True)
class Leaf:
    """One module call inside a plan task; ``path`` indexes into nested block/rescue/always lists."""

    task: Task
    path: tuple[int, ...]
    name: str
    module: str  # short module name (FQCN stripped)
    args: Mapping[str, Any]
    when: tuple[str, ...]  # inherited from enclosing blocks, then its own
    run_once: bool
    throttle: int | None
    body: Mapping[str, Any]
    tags: frozenset[str] = frozenset()  # inherited from enclosing blocks

    @property
    def on_request_only(self) -> bool:
        """Tagged ``never``: runs only when the operator asks for its tags (e.g. ``upgrade run --tags
        system_upgrade --limit <one node>``), never in the plain phase run."""
        return "never" in self.tags

    @property
    def effects(self) -> tuple[Effect, ...]:
        return _effects(self.module, self.name, self.raw, _freeze(self.args))

    @property
    def raw(self) -> str:
        value = self.args.get("_raw_params", self.args.get("cmd", self.args.get("argv", "")))
        return " ".join(map(str, value)) if isinstance(value, list) else str(value)

    @property
    def facts_set(self) -> frozenset[str]:
        names = set()
        if self.module == "set_fact":
            names |= {k for k in self.args if k and k not in ("cacheable", "_raw_params")}
        if isinstance(self.body.get("register"), str):
            names.add(self.body["register"])
        return frozenset(names)


def _module_of(body: Mapping[str, Any]) -> str | None:
    for key in body:
        if key not in _TASK_KEYWORDS and key != "raw":
            return str(key)
    return None


def _kv(text: str) -> dict[str, Any]:
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    out: dict[str, Any] = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            out[k] = v
    return out


def _args(module: str, value: Any, extra: Any) -> dict[str, Any]:
    short = module.rsplit(".", 1)[-1]
    args: dict[str, Any]
    if isinstance(value, Mapping):
        args = dict(value)
    elif isinstance(value, str):
        args = {"_raw_params": value} if short in _RAW_MODULES else {**_kv(value), "_raw_params": value}
    else:
        args = {}
    if isinstance(extra, Mapping):
        args = {**extra, **args}
    return args


def _whens(body: Mapping[str, Any]) -> tuple[str, ...]:
    when = body.get("when")
    if when is None:
        return ()
    items = when if isinstance(when, list) else [when]
    return tuple(str(w) for w in items)


# Task equality ignores its body (plan.Task compares name and index), so leaves are cached by the identity of
# the task object, which the entry keeps alive; plans built from one catalogue share their task objects.
_LEAF_CACHE: dict[int, tuple[Task, tuple[Leaf, ...]]] = {}
_LEAF_CACHE_MAX = 200_000


def leaves(task: Task) -> tuple[Leaf, ...]:
    hit = _LEAF_CACHE.get(id(task))
    if hit is not None and hit[0] is task:
        return hit[1]
    out = tuple(_walk(task, task.body, (), (), False, None, frozenset()))
    if len(_LEAF_CACHE) >= _LEAF_CACHE_MAX:
        _LEAF_CACHE.clear()
    _LEAF_CACHE[id(task)] = (task, out)
    return out


def _tags(body: Mapping[str, Any]) -> frozenset[str]:
    tags = body.get("tags")
    if isinstance(tags, str):
        return frozenset(t.strip() for t in tags.split(","))
    if isinstance(tags, list):
        return frozenset(str(t) for t in tags)
    return frozenset()


def _walk(task: Task, body: Mapping[str, Any], path: tuple[int, ...], when: tuple[str, ...], run_once: bool,
          throttle: int | None, tags: frozenset[str]) -> Iterator[Leaf]:
    when = when + _whens(body)
    tags = tags | _tags(body)
    run_once = run_once or str(body.get("run_once", "")).lower() in ("true", "yes", "1")
    t = body.get("throttle")
    throttle = t if isinstance(t, int) and not isinstance(t, bool) else throttle
    name = body.get("name") if isinstance(body.get("name"), str) else task.name
    if any(k in body for k in ("block", "rescue", "always")):
        for section, offset in (("block", 0), ("rescue", 1000), ("always", 2000)):
            items = body.get(section)
            if isinstance(items, list):
                for i, sub in enumerate(items):
                    if isinstance(sub, Mapping):
                        yield from _walk(task, sub, (*path, offset + i), when, run_once, throttle, tags)
        return
    module = _module_of(body)
    if module is None:
        return
    yield Leaf(task, path, str(name), module.rsplit(".", 1)[-1], _args(module, body.get(module), body.get("args")),
               when, run_once, throttle, body, tags)


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and all(isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str)
                                        for x in value) and value:
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@lru_cache(maxsize=65536)
def _effects(module: str, name: str, raw: str, args: Any) -> tuple[Effect, ...]:
    call = ModuleCall(host="plan", target="plan", action=module, fqcn=module, args=_thaw(args) or {},
                      task_path="", task_name=name)
    return tuple(e for e in classify(call) if "{{" not in e.target)


@lru_cache(maxsize=16384)
def when_variables(expr: str) -> frozenset[str]:
    """Undeclared variable names a ``when`` expression reads (empty if it does not parse)."""
    try:
        tree = _JINJA.parse("{{ (" + expr + ") }}")
    except jinja2.TemplateSyntaxError:
        return frozenset()
    return frozenset(n.name for n in tree.find_all(nodes.Name) if n.ctx == "load")


def bootstrap_guarded(leaf: Leaf) -> bool:
    """Whether the leaf runs on one node only: a bootstrap-node ``when``, ``run_once``, or a command wrapped in
    ``bootstrap_host_exec``."""
    if leaf.run_once:
        return True
    if any(mark in w for w in leaf.when for mark in _BOOTSTRAP_MARKS):
        return True
    return "bootstrap_host_exec" in leaf.raw


def db_sync_service(leaf: Leaf) -> str | None:
    """The service whose database schema the leaf migrates (``nova`` for ``nova-manage db sync`` or a
    ``nova_db_sync`` container), or None."""
    for effect in leaf.effects:
        if effect.kind == "db_schema":
            return effect.target
    if leaf.module in ("podman_container", "docker_container", "tripleo_container_manage"):
        name = str(leaf.args.get("name", ""))
        if name.endswith("_db_sync"):
            return name[: -len("_db_sync")].split("_")[0]
    return None


def tests_definedness(expr: str, var: str) -> bool:
    """Whether ``expr`` only guards on ``var`` existing (``var is [not] defined``, ``var|default(...)``): such a
    read before the set is the "run once" idiom, not a use of an unset fact."""
    v = re.escape(var)
    return bool(re.search(rf"\b{v}\b[\w.\[\]'\"]*\s+is\s+(?:not\s+)?defined", expr)
                or re.search(rf"\b{v}\b[\w.\[\]'\"]*\s*\|\s*default\b", expr))
