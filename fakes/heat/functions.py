"""HOT intrinsic functions, one table per ``heat_template_version``, with Heat's semantics (read from
openstack-heat's ``heat/engine/hot/functions.py``): null-dropping of a 2-argument ``if`` (wallaby), ``get_param``
paths that yield ``''`` when missing, ``get_attr`` paths that yield null, JSON serialisation in ``str_replace``
and ``list_join``, ``yaql`` through the ``yaql`` package.

Each function is ``fn(stack, args) -> value``; ``stack`` provides ``ev`` (evaluate a snippet), ``param``,
``condition``, ``attr``, ``ref`` and ``get_file``. A returned ``...`` (Ellipsis) means "as if not written" and
is dropped by the enclosing list or map.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Callable, Mapping, Sequence
from functools import reduce
from itertools import product
from typing import Any
from urllib import parse as urlparse

import yaql
from yaql.language import exceptions as yaql_exceptions
from yaql.language import specs as yaql_specs
from yaql.language import utils as yaql_utils
from yaql.language import yaqltypes as yaql_types

__all__ = ["CONDITION_TABLES", "FUNCTION_TABLES", "KNOWN_VERSIONS", "EvalError", "version_key"]


class EvalError(Exception):
    """Raised inside evaluation; the stack adds the key path while unwinding and turns it into a typed error."""

    def __init__(self, fn: str, expected: str, found: Any):
        self.fn = fn
        self.expected = expected
        self.found = found if isinstance(found, str) else _short(found)
        self.path: list[str] = []
        super().__init__(f"{fn}: expected {expected}, found {self.found}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _arg(stack: Any, snippet: Any) -> Any:
    value = stack.ev(snippet)
    return None if value is ... else value


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


# ---- parameters, resources, files --------------------------------------------------------------------
def get_param(stack: Any, args: Any) -> Any:
    args = _arg(stack, args)
    if not args:
        raise EvalError("get_param", "a parameter name or [name, path...]", args)
    if isinstance(args, str):
        name, path = args, []
    elif _is_list(args):
        name, path = args[0], list(args[1:])
    else:
        raise EvalError("get_param", "a string or a list", args)
    if not isinstance(name, str):
        raise EvalError("get_param", "a string parameter name", name)
    value = stack.param(name)

    def step(coll: Any, key: Any) -> Any:
        if not isinstance(coll, (Mapping, Sequence)) or not isinstance(key, (str, int)):
            raise TypeError
        if _is_list(coll) and isinstance(key, str):
            key = int(key)
        return coll[key]

    try:
        return reduce(step, path, value)
    except (KeyError, IndexError, TypeError, ValueError):
        return ""


def get_resource(stack: Any, args: Any) -> Any:
    name = _arg(stack, args)
    if not isinstance(name, str):
        raise EvalError("get_resource", "a resource name", name)
    return stack.ref(name)


def get_attr(stack: Any, args: Any) -> Any:
    if not _is_list(args) or not args:
        raise EvalError("get_attr", "[resource_name, attribute, (path...)]", args)
    resolved = [_arg(stack, a) for a in args]
    name = resolved[0]
    if not isinstance(name, str):
        raise EvalError("get_attr", "a resource name", name)
    if len(resolved) == 1:
        return stack.attr(name, None, [])
    return stack.attr(name, resolved[1], resolved[2:])


def get_file(stack: Any, args: Any) -> Any:
    ref = _arg(stack, args)
    if not isinstance(ref, str):
        raise EvalError("get_file", "a file path", ref)
    return stack.get_file(ref)


# ---- strings ------------------------------------------------------------------------------------------
def _make_replace(fn: str, strict: bool, allow_empty: bool) -> Callable[[Any, Any], Any]:
    def replace(stack: Any, args: Any) -> Any:
        if not isinstance(args, Mapping) or "params" not in args or "template" not in args:
            raise EvalError(fn, "a map with 'template' and 'params'", args)
        template = _arg(stack, args["template"])
        mapping = _arg(stack, args["params"])
        if not isinstance(template, str):
            raise EvalError(fn, "a string template", template)
        if not isinstance(mapping, Mapping):
            raise EvalError(fn, "a map of params", mapping)

        def text(key: str, value: Any) -> str:
            if value is None:
                if allow_empty:
                    return ""
                raise EvalError(fn, f"a non-empty value for param {key}", value)
            if isinstance(value, (str, int, float, bool)):
                out = str(value)
            elif isinstance(value, (Mapping, Sequence)):
                if not allow_empty and len(value) == 0:
                    raise EvalError(fn, f"a non-empty value for param {key}", value)
                out = _dumps(value)
            else:
                raise EvalError(fn, "string, number, list or map params", value)
            if not allow_empty and not out:
                raise EvalError(fn, f"a non-empty value for param {key}", value)
            return out

        keys = sorted(sorted(mapping), key=len, reverse=True)
        for k in keys:
            if not isinstance(k, str):
                raise EvalError(fn, "string placeholders", k)
            if not k:  # Heat splits the template at each placeholder: '' is its "empty separator" ValueError
                raise EvalError(fn, "non-empty placeholders", k)
        unused = set(keys)

        def rec(strings: list[str], rest: list[str]) -> list[str]:
            if not rest:
                return strings
            key, value = rest[0], text(rest[0], mapping[rest[0]])
            out = []
            for s in strings:
                parts = s.split(key)
                if len(parts) > 1:
                    unused.discard(key)
                out.append(value.join(rec(parts, rest[1:])))
            return out

        result = rec([template], keys)[0]
        if strict and unused:
            raise EvalError(fn, "every param to occur in the template",
                            "unused: " + ",".join(sorted(sorted(unused), key=len, reverse=True)))
        return result

    return replace


def list_join(stack: Any, args: Any) -> Any:
    if not isinstance(args, list) or len(args) < 2:
        raise EvalError("list_join", "[delimiter, list, ...]", args)
    lists = [_arg(stack, a) for a in args[1:]]
    strings: list[Any] = []
    for jl in lists:
        if jl:
            if not _is_list(jl):
                raise EvalError("list_join", "lists to join", jl)
            strings += jl
    delim = _arg(stack, args[0])
    if not isinstance(delim, str):
        raise EvalError("list_join", "a string delimiter", delim)

    def item(s: Any) -> str:
        if s is None:
            return ""
        if isinstance(s, str):
            return s
        if isinstance(s, (Mapping, Sequence)):
            return _dumps(s)
        raise EvalError("list_join", "string, map or list items", s)

    return delim.join(item(s) for s in strings)


def str_split(stack: Any, args: Any) -> Any:
    if isinstance(args, (str, Mapping)):
        raise EvalError("str_split", "[delimiter, string, (index)]", args)
    resolved = _arg(stack, args)
    if not isinstance(resolved, list) or len(resolved) < 2:
        raise EvalError("str_split", "[delimiter, string, (index)]", resolved)
    delim, text = resolved[0], resolved[1]
    if text is None:
        return None
    if not isinstance(text, str) or not isinstance(delim, str):
        raise EvalError("str_split", "a string delimiter and a string to split", resolved[:2])
    parts = text.split(delim)
    if len(resolved) > 2:
        try:
            return parts[int(resolved[2])]
        except (TypeError, ValueError, IndexError):
            raise EvalError("str_split", f"an index between 0 and {len(parts) - 1}", resolved[2]) from None
    return parts


def digest(stack: Any, args: Any) -> Any:
    resolved = _arg(stack, args)
    if not (isinstance(resolved, list) and all(isinstance(a, str) for a in resolved)) or len(resolved) != 2:
        raise EvalError("digest", "[algorithm, value] strings", resolved)
    if resolved[0].lower() not in hashlib.algorithms_available:
        raise EvalError("digest", "a hashlib algorithm", resolved[0])
    h = hashlib.new(resolved[0])
    try:
        h.update(resolved[1].encode("latin-1"))  # as Heat's Digest encodes it
    except UnicodeEncodeError as exc:
        raise EvalError("digest", "a value of Latin-1 characters (Heat encodes it as Latin-1)",
                        resolved[1][exc.start:exc.end]) from None
    return h.hexdigest()


def make_url(stack: Any, args: Any) -> Any:
    if not isinstance(args, Mapping):
        raise EvalError("make_url", "a map", args)
    keys = ("scheme", "username", "password", "host", "port", "path", "query", "fragment")
    bad = set(args) - set(keys)
    if bad:
        raise EvalError("make_url", "keys among " + ", ".join(keys), ", ".join(sorted(bad)))
    a = _arg(stack, args)
    port = a.get("port", "")
    if port not in ("", None):
        try:
            if not 0 < int(port) <= 65535:
                raise ValueError
        except (TypeError, ValueError):
            raise EvalError("make_url", "a port in 1-65535", port) from None
    if "query" in a and not isinstance(a["query"], Mapping):
        raise EvalError("make_url", "a map for query", a["query"])
    scheme = a.get("scheme", "")
    if ":" in scheme:
        raise EvalError("make_url", "a scheme without ':'", scheme)
    user = urlparse.quote(a.get("username", ""), safe="")
    password = urlparse.quote(a.get("password", ""), safe="")
    netloc = ""
    if user or password:
        netloc = user + (":" + password if password else "") + "@"
    host = a.get("host", "")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = urlparse.quote(host, safe=":")
    netloc += f"[{host}]" if ":" in host else host
    if port:
        netloc += ":" + str(port)
    query = urlparse.urlencode(a.get("query", {})).replace("%2F", "/")
    return urlparse.urlunsplit((scheme, netloc, urlparse.quote(a.get("path", "")), query,
                                urlparse.quote(a.get("fragment", ""))))


# ---- collections --------------------------------------------------------------------------------------
def map_merge(stack: Any, args: Any) -> Any:
    resolved = _arg(stack, args)
    if not _is_list(resolved):
        raise EvalError("map_merge", "a list of maps", resolved)
    out: dict[Any, Any] = {}
    for m in resolved:
        if m is None:
            continue
        if not isinstance(m, Mapping):
            raise EvalError("map_merge", "maps to merge", m)
        out.update(m)
    return out


def map_replace(stack: Any, args: Any) -> Any:
    resolved = _arg(stack, args)
    if not isinstance(resolved, list) or len(resolved) != 2:
        raise EvalError("map_replace", "[map, {keys: ..., values: ...}]", resolved)
    in_map, repl = (m if m is not None else {} for m in resolved)
    if not isinstance(in_map, Mapping) or not isinstance(repl, Mapping):
        raise EvalError("map_replace", "a list of two maps", resolved)
    if set(repl) - {"keys", "values"}:
        raise EvalError("map_replace", "only 'keys' and 'values' in the replacement map", list(repl))
    keys = repl.get("keys") or {}
    values = repl.get("values") or {}
    if not isinstance(keys, Mapping) or not isinstance(values, Mapping):
        raise EvalError("map_replace", "maps for keys and values", repl)
    out: dict[Any, Any] = {}
    for k, v in in_map.items():
        key = keys.get(k)
        if key is None:
            key = k
        elif isinstance(key, (list, dict)):  # Heat: a TypeError (unhashable) where it looks the new key up
            raise EvalError("map_replace", "a string or number as the new key", key)
        elif (key in in_map and key != k) or key in out:
            raise EvalError("map_replace", "key replacements that do not collide", key)
        try:
            value = values.get(v, v)
        except TypeError:
            value = v
        out[key] = value
    return out


def _make_list_concat(unique: bool) -> Callable[[Any, Any], Any]:
    name = "list_concat_unique" if unique else "list_concat"

    def concat(stack: Any, args: Any) -> Any:
        resolved = _arg(stack, args)
        if not _is_list(resolved):
            raise EvalError(name, "a list of lists", resolved)
        out: list[Any] = []
        for m in resolved:
            if m is None:
                continue
            if not _is_list(m):
                raise EvalError(name, "lists to concatenate", m)
            out.extend(m)
        if not unique:
            return out
        seen: list[Any] = []
        for item in out:
            if item not in seen:
                seen.append(item)
        return seen

    return concat


def _make_repeat(with_map: bool, nested_loop_arg: bool) -> Callable[[Any, Any], Any]:
    def repeat(stack: Any, args: Any) -> Any:
        if not isinstance(args, Mapping) or "for_each" not in args or "template" not in args:
            raise EvalError("repeat", "a map with 'for_each' and 'template'", args)
        nested = args.get("permutations", True) if nested_loop_arg else True
        if not isinstance(nested, bool):
            raise EvalError("repeat", "a boolean 'permutations'", nested)
        for_each = _arg(stack, args["for_each"])
        if not isinstance(for_each, Mapping):
            raise EvalError("repeat", "a map for for_each", for_each)
        keys = list(for_each.keys())
        lists: list[Any] = []
        for value in for_each.values():
            if value is None:
                lists.append([])
                continue
            ok = (_is_list(value) or (with_map and nested and isinstance(value, Mapping)))
            if not ok:
                raise EvalError("repeat", "lists (or maps) as for_each values", value)
            lists.append(list(value))
        if not nested and len({len(v) for v in lists}) > 1:
            raise EvalError("repeat", "for_each lists of equal length when permutations is false", lists)
        template = _arg(stack, args["template"])

        def sub(t: Any, values: tuple[Any, ...]) -> Any:
            if isinstance(t, str):
                for k, v in zip(keys, values, strict=False):
                    if not (isinstance(k, str) and isinstance(v, str)):  # Heat's str.replace: a TypeError
                        raise EvalError("repeat", "strings as for_each keys and the values of their lists",
                                        {k: v})
                    t = t.replace(k, v)
                return t
            if isinstance(t, Mapping):
                return {sub(k, values): sub(v, values) for k, v in t.items()}
            if _is_list(t):
                return [sub(e, values) for e in t]
            return t

        combos = product(*lists) if nested else zip(*lists, strict=False)
        return [sub(template, c) for c in combos]

    return repeat


def filter_(stack: Any, args: Any) -> Any:
    if not _is_list(args) or len(args) != 2:
        raise EvalError("filter", "[values, list]", args)
    sequence = _arg(stack, args[1])
    if not sequence:
        return sequence
    if not isinstance(sequence, list):
        raise EvalError("filter", "a list to filter", sequence)
    values = _arg(stack, args[0])
    if not values:
        return sequence
    if not isinstance(values, list):
        raise EvalError("filter", "a list of values to remove", values)
    return [i for i in sequence if i not in values]


def contains(stack: Any, args: Any) -> Any:
    if not args or not isinstance(args, list) or len(args) != 2:
        raise EvalError("contains", "[value, sequence]", args)
    value, seq = _arg(stack, args[0]), _arg(stack, args[1])
    if not isinstance(seq, Sequence):
        raise EvalError("contains", "a sequence as second argument", seq)
    try:
        return value in seq
    except TypeError:  # Heat's `in` too: a string sequence looks only for a string
        raise EvalError("contains", "a string to look for in a string", value) from None


# ---- yaql ---------------------------------------------------------------------------------------------
# TripleO's Heat raises yaql's limits from Heat's defaults (200 iterations) so role-wide expressions fit.
# Input conversion is done here, with yaql's own converter, memoised per object: the same service role_data
# reaches dozens of role-level expressions, and converting it again each time dominated evaluation.
_YAQL_OPTIONS = {"yaql.limitIterators": 9000, "yaql.memoryQuota": 900000, "yaql.convertInputData": False}
_yaql_parser: Any = None
_yaql_context: Any = None
_yaql_cache: dict[str, Any] = {}


class _PlainFormatter(string.Formatter):
    """str.format limited to plain positional/keyword fields: no attribute or index access."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        if not _PLAIN_FIELD.fullmatch(field_name):
            raise ValueError(f"format field {field_name!r}: only plain positional or keyword fields")
        return super().get_field(field_name, args, kwargs)


_PLAIN_FIELD = re.compile(r"\d*|[A-Za-z_]\w*")


@yaql_specs.parameter("fmt", yaql_types.String())
@yaql_specs.extension_method
def _yaql_format(fmt: str, *args: Any, **kwargs: Any) -> str:
    """yaql < 3's ``string.format(args...)``, which the Heat of TripleO releases ran and THT calls
    (e.g. 18.0.0's Glance keyring names); yaql 3 dropped it, for attribute access through format fields."""
    return _PlainFormatter().format(fmt, *args, **kwargs)


def _yaql_parse(expression: str) -> Any:
    global _yaql_parser, _yaql_context
    if _yaql_parser is None:
        _yaql_parser = yaql.YaqlFactory().create(_YAQL_OPTIONS)
        _yaql_context = yaql.create_context()
        _yaql_context.register_function(_yaql_format, name="format")
    parsed = _yaql_cache.get(expression)
    if parsed is None:
        parsed = _yaql_cache[expression] = _yaql_parser(expression)
    return parsed


def yaql_(stack: Any, args: Any) -> Any:
    if not isinstance(args, Mapping) or "expression" not in args or set(args) - {"expression", "data"}:
        raise EvalError("yaql", "a map with 'expression' and optional 'data'", args)
    expression = _arg(stack, args["expression"])
    if not isinstance(expression, str):
        raise EvalError("yaql", "a string expression", expression)
    try:
        statement = _yaql_parse(expression)
    except yaql_exceptions.YaqlException as exc:
        raise EvalError("yaql", "a valid yaql expression", str(exc)) from None
    data = _arg(stack, args.get("data", {}))
    if data is None or isinstance(data, str | int | float):
        # per-node templates apply the same expression to the same scalar (e.g. a subnet's CIDR) on every node
        key = (expression, type(data), data)
        scalars = stack.ctx.yaql_scalars
        if key in scalars:
            return scalars[key]
        result = _yaql_evaluate(statement, data, stack.ctx.yaql_memo)
        if result is None or isinstance(result, str | int | float):
            scalars[key] = result
        return result
    return _yaql_evaluate(statement, data, stack.ctx.yaql_memo)


def _yaql_evaluate(statement: Any, data: Any, memo: dict[int, tuple[Any, Any]]) -> Any:

    def convert(obj: Any, rec: Any) -> Any:
        if isinstance(obj, (dict, list)):
            hit = memo.get(id(obj))
            if hit is None or hit[0] is not obj:
                hit = memo[id(obj)] = (obj, yaql_utils.convert_input_data(obj, convert))
            return hit[1]
        return yaql_utils.convert_input_data(obj, convert)

    try:
        return statement.evaluate(convert({"data": data}, convert), _yaql_context.create_child_context())
    except yaql_exceptions.YaqlException as exc:
        raise EvalError("yaql", "an expression that evaluates", f"{type(exc).__name__}: {exc}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise EvalError("yaql", "an expression that evaluates", f"{type(exc).__name__}: {exc}") from None


# ---- conditions ---------------------------------------------------------------------------------------
def _make_if(nullable: bool) -> Callable[[Any, Any], Any]:
    def if_(stack: Any, args: Any) -> Any:
        ok = isinstance(args, list) and (2 <= len(args) <= 3 if nullable else len(args) == 3)
        if not ok:
            form = "[condition, if_true(, if_false)]" if nullable else "[condition, if_true, if_false]"
            raise EvalError("if", form, args)
        if stack.condition_value(args[0]):
            return stack.ev(args[1])
        return stack.ev(args[2]) if len(args) == 3 else ...

    return if_


def equals(stack: Any, args: Any) -> Any:
    if not args or not isinstance(args, list) or len(args) != 2:
        raise EvalError("equals", "[value_1, value_2]", args)
    return _arg(stack, args[0]) == _arg(stack, args[1])


def not_(stack: Any, args: Any) -> Any:
    if args is None:
        raise EvalError("not", "a condition", args)
    return not stack.condition_value(args)


def _bool_op(name: str, combine: Callable[[Any], bool]) -> Callable[[Any, Any], Any]:
    def op(stack: Any, args: Any) -> Any:
        if not _is_list(args) or len(args) < 2:
            raise EvalError(name, "a list of at least 2 conditions", args)
        return combine(stack.condition_value(a) for a in args)

    return op


def _removed(name: str) -> Callable[[Any, Any], Any]:
    def removed(stack: Any, args: Any) -> Any:
        raise EvalError(name, "a function of this heat_template_version", f"{name}, which it removed")

    return removed


def resource_facade(stack: Any, args: Any) -> Any:
    kind = _arg(stack, args)
    if kind not in ("metadata", "deletion_policy", "update_policy"):
        raise EvalError("resource_facade", "metadata, deletion_policy or update_policy", kind)
    return stack.facade(kind)


# ---- tables -------------------------------------------------------------------------------------------
_CFN_REMOVED = ("Fn::GetAZs", "Fn::Join", "Fn::Split", "Fn::Replace", "Fn::Base64", "Fn::MemberListToMap",
                "Fn::ResourceFacade", "Ref", "Fn::Select")

_BASE = {
    "get_attr": get_attr, "get_file": get_file, "get_param": get_param, "get_resource": get_resource,
    "list_join": list_join, "resource_facade": resource_facade,
    "str_replace": _make_replace("str_replace", False, True),
    "repeat": _make_repeat(False, False), "digest": digest, "str_split": str_split, "map_merge": map_merge,
    **{name: _removed(name) for name in _CFN_REMOVED},
}
_V2015_04_30 = {k: v for k, v in _BASE.items() if k not in ("str_split", "map_merge")}  # Kilo
_V2015_10_15 = {**_V2015_04_30, "str_split": str_split}  # Liberty
_V2016_10_14 = {**_BASE, "repeat": _make_repeat(True, False), "yaql": yaql_, "map_replace": map_replace,
                "if": _make_if(False)}
_V2017_02_24 = {**_V2016_10_14, "filter": filter_, "str_replace_strict": _make_replace("str_replace_strict",
                                                                                      True, True)}
_V2017_09_01 = {**_V2017_02_24, "repeat": _make_repeat(True, True), "make_url": make_url,
                "list_concat": _make_list_concat(False), "list_concat_unique": _make_list_concat(True),
                "contains": contains,
                "str_replace_vstrict": _make_replace("str_replace_vstrict", True, False)}
_V2021_04_16 = {**_V2017_09_01, "if": _make_if(True)}

_COND_2016 = {"get_param": get_param, "equals": equals, "not": not_,
              "and": _bool_op("and", all), "or": _bool_op("or", any)}
_COND_2017_09 = {**_COND_2016, "yaql": yaql_, "contains": contains}

_VERSIONS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
for _names, _fns, _conds in (
    (("2015-04-30",), _V2015_04_30, {}),
    (("2015-10-15",), _V2015_10_15, {}),
    (("2016-04-08",), {k: v for k, v in _BASE.items()}, {}),
    (("2016-10-14", "newton"), _V2016_10_14, _COND_2016),
    (("2017-02-24", "ocata"), _V2017_02_24, _COND_2016),
    (("2017-09-01", "pike"), _V2017_09_01, _COND_2017_09),
    (("2018-03-02", "queens"), _V2017_09_01, _COND_2017_09),
    (("2018-08-31", "rocky"), _V2017_09_01, _COND_2017_09),
    (("2021-04-16", "wallaby"), _V2021_04_16, _COND_2017_09),
):
    for _n in _names:
        _VERSIONS[_n] = (_names[0], _fns, _conds)

KNOWN_VERSIONS = tuple(_VERSIONS)
FUNCTION_TABLES = {k: v[1] for k, v in _VERSIONS.items()}
CONDITION_TABLES = {k: v[2] for k, v in _VERSIONS.items()}


def version_key(version: Any) -> str | None:
    """The canonical dated form of a heat_template_version, or None if Heat would reject it."""
    entry = _VERSIONS.get(str(version))
    return entry[0] if entry else None
