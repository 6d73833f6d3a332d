"""Jinja2's compiled code of template sources, kept across Templars and runs.

Compiling a source (lexing, parsing, generating Python, compiling that) takes about a millisecond, and a run
compiles each of its distinct sources once: a Train -> Wallaby upgrade has ~260 of them, ~0.2 s of every run.
Jinja2's own bytecode cache serves loader templates only, never ``from_string``; this does the same for sources.
The code object is kept by (configuration, source) for every Templar of the process (a test session or a script
running many simulations compiles each source once) and, marshalled, on disk under
``$TRIPLEO_SIM_CACHE/jinja`` (default ``~/.cache/tripleo-sim/jinja``), so the next run compiles nothing.

The configuration digest holds what the generated code depends on: the jinja2 version, the Python bytecode
magic, the environment's class and code generator (the source of the module defining each), its syntax options,
extensions, and its filters and tests, each by name and implementation (the optimizer folds constant filter calls
at compile time, so the code holds their results).
An entry holds its source and is used only for that exact source, after the sha256 it starts with is checked
against the rest (the code, the source, the narrow keys); an unreadable, corrupt or foreign entry is compiled again
and replaced. ``TRIPLEO_SIM_TEMPLATE_CACHE=0`` keeps nothing on disk (the process still shares).

Each source also keeps, from its syntax tree, the variables it reads only through constant keys
(``ansible_facts['distribution']``, ``ansible_facts.hostname``): the task memo records those entries instead of the
whole value (:meth:`fakes.ansible.runtime._LazyVars.narrowed`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import marshal
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import CodeType
from typing import Any, NamedTuple

import jinja2
from jinja2 import nodes

__all__ = ["Compiled", "Narrow", "compiled", "configuration", "from_source", "subscripted_only"]

# variable name -> the constant keys a template reads it through, for the variables it reads no other way
Narrow = dict[str, tuple[str, ...]]
_MEMORY_LIMIT = 50_000  # sources kept in the process
_memory: dict[tuple[str, str], tuple[CodeType, Narrow]] = {}
compilations = 0  # sources this process compiled (found in neither cache): for benchmarks
# an environment's attribute: (its filters, tests and extensions, its configuration digest)
_KEPT = "_tripleo_sim_configuration"


class Compiled(NamedTuple):
    template: jinja2.Template
    narrow: Narrow  # see subscripted_only()


def from_source(env: jinja2.Environment, source: str) -> Compiled:
    """``env.from_string(source)`` with its code from the cache, and its :func:`subscripted_only` variables.
    Raises what ``env.parse`` raises for a source that does not compile."""
    code, narrow = compiled(env, source, configuration(env))
    return Compiled(env.template_class.from_code(env, code, env.make_globals(None), None), narrow)


def compiled(env: jinja2.Environment, source: str, config: str) -> tuple[CodeType, Narrow]:
    """The code jinja2 compiles ``source`` to in ``env`` (whose :func:`configuration` is ``config``), and the
    variables the source reads only through constant keys."""
    global compilations
    key = (config, source)
    kept = _memory.get(key)
    if kept is not None:
        return kept
    path = _entry_path(config, source)
    kept = _read(path, source) if path is not None else None
    if kept is None:
        compilations += 1
        tree = env.parse(source)
        narrow = subscripted_only(tree)  # before compiling: the optimizer may rewrite the tree
        kept = (env.compile(tree), narrow)
        if path is not None:
            _write(path, source, *kept)
    if len(_memory) < _MEMORY_LIMIT:
        _memory[key] = kept
    return kept


def subscripted_only(tree: nodes.Template) -> Narrow:
    """The variables ``tree`` reads only as ``name['key']`` or ``name.key`` with constant string keys, and those
    keys. A variable used any other way (passed to a filter or a test, iterated, subscripted with a computed key,
    assigned, a loop target) is not one; nor is one read through a key that names a dict attribute (``.get``,
    ``['items']``: jinja2 returns the dict's method, which sees all of it)."""
    keys: dict[str, set[str]] = {}
    other: set[str] = set()

    def visit(node: nodes.Node, parent: nodes.Node | None) -> None:
        if isinstance(node, nodes.Name):
            key = None
            if node.ctx == "load" and isinstance(parent, nodes.Getitem) and parent.node is node \
                    and isinstance(parent.arg, nodes.Const) and isinstance(parent.arg.value, str):
                key = parent.arg.value
            elif node.ctx == "load" and isinstance(parent, nodes.Getattr) and parent.node is node:
                key = parent.attr
            if key is None or hasattr(dict, key):
                other.add(node.name)
            else:
                keys.setdefault(node.name, set()).add(key)
        for child in node.iter_child_nodes():
            visit(child, node)

    visit(tree, None)
    return {name: tuple(sorted(found)) for name, found in sorted(keys.items()) if name not in other}


def configuration(env: jinja2.Environment) -> str:
    """A digest of everything in ``env`` that the code it generates from a source depends on: computed again only
    when its filters, tests or extensions changed (naming each implementation takes a millisecond)."""
    plugins = (tuple(env.filters.items()), tuple(env.tests.items()), tuple(env.extensions))
    kept = getattr(env, _KEPT, None)
    if kept is None or kept[0] != plugins:
        # on the environment itself: a table keyed by it would keep it alive (a filter such as from_yaml is a
        # method of the Templar that holds the environment)
        kept = (plugins, _configuration(env))
        setattr(env, _KEPT, kept)
    return str(kept[1])


def _configuration(env: jinja2.Environment) -> str:
    kind = type(env)
    parts = (
        jinja2.__version__, importlib.util.MAGIC_NUMBER.hex(), f"{kind.__module__}.{kind.__qualname__}",
        # a changed environment class or code generator compiles differently: the sources of their modules
        _file_digest(kind.__module__), _file_digest(kind.code_generator_class.__module__),
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
        repr(env.autoescape), env.is_async, env.finalize is None, sorted(env.extensions),
        _plugins(env.filters), _plugins(env.tests),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _plugins(plugins: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Each filter's or test's name and implementation: the optimizer calls a filter on constant arguments while it
    compiles (``{{ 'a' | upper }}`` becomes ``'A'``), so the code holds that implementation's results; the
    implementation is named by its qualified name and the digest of its module's source."""
    out = []
    for name, plugin in sorted(plugins.items()):
        function = inspect.unwrap(plugin) if callable(plugin) else plugin
        module = getattr(function, "__module__", None) or ""
        out.append((name, f"{module}.{getattr(function, '__qualname__', type(function).__qualname__)}",
                    _file_digest(module) if module else ""))
    return out


@functools.cache
def _file_digest(module: str) -> str:
    try:
        return hashlib.sha256(Path(inspect.getfile(sys.modules[module])).read_bytes()).hexdigest()
    except (KeyError, OSError, TypeError):
        return module


def _entry_path(config: str, source: str) -> Path | None:
    if os.environ.get("TRIPLEO_SIM_TEMPLATE_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    from fakes.heat.source import cache_root

    name = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_root() / "jinja" / config[:32] / name[:2] / f"{name}.marshal"


def _read(path: Path, source: str) -> tuple[CodeType, Narrow] | None:
    from fakes.heat.source import read_entry

    # the code itself is checked, not only the source it is for: a changed constant in it ran silently
    payload = read_entry(path)
    if payload is None:
        return None
    try:
        kept = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(kept, tuple) and len(kept) == 3 and kept[0] == source and isinstance(kept[1], CodeType)
            and isinstance(kept[2], dict)):
        return None
    narrow = kept[2]
    if not all(isinstance(k, str) and isinstance(v, tuple) and all(isinstance(x, str) for x in v)
               for k, v in narrow.items()):
        return None
    return kept[1], narrow


def _write(path: Path, source: str, code: CodeType, narrow: Narrow) -> None:
    from fakes.heat.source import write_entry

    write_entry(path, marshal.dumps((source, code, narrow)))
