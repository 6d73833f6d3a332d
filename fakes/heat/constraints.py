"""HOT parameter constraints, checked as Heat checks them when it validates a stack.

Heat validates each parameter of every stack it creates (``Parameters.validate``): the constraints themselves (a
constraint must suit the parameter's type: ``range`` a number, ``allowed_pattern`` a string, ...), the default
against them (as written: a json string is not parsed, a list's ``''`` is ``['']``), then the value the stack
takes, parsed — the value passed (a parent's property, the root stack's ``parameters``) or else the default, which
``parameter_defaults`` replaces. In a nested stack Heat writes ``parameter_defaults`` into the template as its
defaults (``TemplateResource.get_schemas``), so there the template's own default is not checked when
``parameter_defaults`` has the parameter (THT 18.0.0's ``CephManilaClientKey`` defaults to ``''``, which its own
pattern rejects). ``custom_constraint`` asks the undercloud's services (``nova.flavor``, ``glance.image``): it is
not checked here.

A violation is a :class:`ConstraintViolation` naming where the value came from: the environment file and its
``parameter_defaults.<name>`` key, the template's ``parameters.<name>.default``, or the template parameter a parent
stack passed it to.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from .errors import TemplateError, YamlSyntaxError

__all__ = ["ConstraintViolation", "check_parameter", "heat_boolean"]

_KINDS = ("length", "range", "modulo", "allowed_values", "allowed_pattern", "custom_constraint")
_VALID_FOR = {  # Heat's ``valid_types`` per constraint, in HOT's type names
    "length": ("string", "comma_delimited_list", "json"),
    "range": ("number",),
    "modulo": ("number",),
    "allowed_values": ("string", "number", "boolean", "comma_delimited_list"),
    "allowed_pattern": ("string",),
    "custom_constraint": ("string", "number", "boolean", "comma_delimited_list", "json"),
}
_MODULO_FROM = "2017-02-24"  # HOTParamSchema20170224: earlier versions express no modulo constraint
_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")


class ConstraintViolation(TemplateError):
    """A parameter's value (or a template's default) breaks one of the parameter's constraints; ``of_default``:
    the default did (Heat's "Invalid default")."""

    of_default = False


@functools.lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def check_parameter(file: str, name: str, schema: Mapping[str, Any], version: str, value: Any, *,
                    origin: tuple[str, str], hint: str = "",
                    default_origin: tuple[str, str] | None = None) -> None:
    """Check parameter ``name`` of the template ``file`` (HOT ``version``): its constraints, its default, and
    ``value`` — where it is not the default — which came from ``origin`` (a file and the key path there).

    ``default_origin`` names where the default came from when it is not the template's own: Heat writes
    ``parameter_defaults`` into a nested template's parameters as their defaults (``TemplateResource.get_schemas``),
    so there the template's own default is never checked."""
    raw = schema.get("constraints")
    if raw is None:
        return
    where = f"parameters.{name}.constraints"
    if not isinstance(raw, list):
        raise YamlSyntaxError(file, where, expected="a list of constraints", found=type(raw).__name__)
    ptype = str(schema.get("type", "")).lower()
    constraints = [_parse(c, ptype, version, file, f"{where}[{i}]") for i, c in enumerate(raw)]
    default = schema.get("default")
    default_origin = default_origin or (file, f"parameters.{name}.default")
    if default is not None:
        _check(constraints, ptype, _parsed_default(default, ptype), default, default_origin,
               f"the constraint of parameters.{name} in {file}" if default_origin[0] != file else "", of_default=True)
    if value is not None:  # the value the stack takes, parsed (a json default '[]' is checked as [] here)
        _check(constraints, ptype, _parsed(value, ptype), value, origin, hint)


def _parse(c: Any, ptype: str, version: str, file: str, where: str) -> tuple[str, Any, str | None]:
    if not isinstance(c, Mapping):
        raise YamlSyntaxError(file, where, expected="a mapping with one of " + ", ".join(_KINDS), found=repr(c)[:80])
    unknown = sorted(str(k) for k in c if k not in (*_KINDS, "description"))
    kinds = [k for k in _KINDS if k in c and (k != "modulo" or version >= _MODULO_FROM)]
    if unknown or not kinds:
        raise YamlSyntaxError(file, where, expected="one of " + ", ".join(
            k for k in _KINDS if k != "modulo" or version >= _MODULO_FROM) + " (and a description)",
            found=repr(unknown[0] if unknown else sorted(map(str, c)))[:80])
    kind = kinds[0]  # Heat reads the first it knows, in this order
    arg = c[kind]
    description = c.get("description")
    if ptype not in _VALID_FOR[kind]:
        raise YamlSyntaxError(file, f"{where}.{kind}", expected=f"a constraint valid for a {ptype} parameter",
                              found=kind)
    if kind in ("range", "length", "modulo"):
        keys = ("step", "offset") if kind == "modulo" else ("min", "max")
        if not isinstance(arg, Mapping) or set(arg) - set(keys) or not arg:
            raise YamlSyntaxError(file, f"{where}.{kind}", expected="a mapping of " + " and/or ".join(keys),
                                  found=repr(arg)[:80])
        try:
            arg = {k: _number(v) for k, v in arg.items() if v is not None}
        except ValueError:
            raise YamlSyntaxError(file, f"{where}.{kind}", expected="numbers", found=repr(dict(arg))[:80]) from None
        if kind == "length" and any(not isinstance(v, int) for v in arg.values()):
            raise YamlSyntaxError(file, f"{where}.length", expected="integral min/max", found=repr(arg))
        if kind == "modulo" and any(int(v) != v for v in arg.values()):
            raise YamlSyntaxError(file, f"{where}.modulo", expected="integral step and offset", found=repr(arg))
        if kind == "modulo" and (len(arg) < 2 or arg["step"] == 0 or abs(arg["offset"]) >= abs(arg["step"])
                                 or arg["step"] * arg["offset"] < 0):
            raise YamlSyntaxError(file, f"{where}.modulo", expected="a step != 0 and an offset of the same sign, "
                                  "smaller by absolute value", found=repr(arg))
    elif kind == "allowed_values" and not isinstance(arg, list):
        raise YamlSyntaxError(file, f"{where}.allowed_values", expected="a list", found=repr(arg)[:80])
    elif kind == "allowed_pattern":
        if not isinstance(arg, str):
            raise YamlSyntaxError(file, f"{where}.allowed_pattern", expected="a string", found=repr(arg)[:80])
        try:
            _pattern(arg)
        except re.error as exc:
            raise YamlSyntaxError(file, f"{where}.allowed_pattern", expected="a regular expression",
                                  found=f"{arg!r} ({exc})") from None
    return kind, arg, description if isinstance(description, str) else None


def _check(constraints: list[tuple[str, Any, str | None]], ptype: str, value: Any, raw: Any,
           origin: tuple[str, str], hint: str, *, of_default: bool = False) -> None:
    for kind, arg, description in constraints:
        if kind == "custom_constraint" or _holds(kind, arg, ptype, value):  # custom: asks the undercloud's services
            continue
        expected = _expected(kind, arg)
        note = "; ".join(x for x in (description, hint) if x)
        error = ConstraintViolation(origin[0], origin[1], expected=expected, found=_show(raw), hint=note)
        error.of_default = of_default
        raise error


def _holds(kind: str, arg: Any, ptype: str, value: Any) -> bool:
    try:
        if kind == "allowed_values":
            if isinstance(value, list):
                return all(v in arg for v in value)
            return _typed(value, ptype) in tuple(_typed(a, ptype) for a in arg)
        if kind == "allowed_pattern":
            if not isinstance(value, str):  # Heat's re.match fails on a number: the value is rejected
                return False
            match = _pattern(arg).match(value)
            return match is not None and match.end() == len(value)
        if kind in ("range", "length"):
            n = len(value) if kind == "length" else _number(value)
            return not ("min" in arg and n < arg["min"]) and not ("max" in arg and n > arg["max"])
        if kind == "modulo":
            return bool(_number(value) % arg["step"] == arg["offset"])
    except (TypeError, ValueError):
        return False
    return True


def _expected(kind: str, arg: Any) -> str:
    if kind == "allowed_values":
        return "one of " + ", ".join(json.dumps(a) for a in arg)
    if kind == "allowed_pattern":
        return f"a value matching the pattern {arg!r} (whole)"
    if kind in ("range", "length"):
        what = "a value" if kind == "range" else "a length"
        if "min" in arg and "max" in arg:
            return f"{what} in the range {arg['min']:g} to {arg['max']:g}"
        return f"{what} of at least {arg['min']:g}" if "min" in arg else f"{what} of at most {arg['max']:g}"
    return f"a multiple of {arg['step']:g} with an offset of {arg['offset']:g}"  # modulo


def _parsed(value: Any, ptype: str) -> Any:
    """The value as Heat's parameter classes parse it before the constraints see it."""
    if ptype == "comma_delimited_list":
        if isinstance(value, list):
            return [str(x) for x in value]
        return str(value).split(",") if value != "" else []
    if ptype == "json" and isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parsed_default(value: Any, ptype: str) -> Any:
    """A default as Heat's ``Schema._validate_default`` parses it: a list's string split on commas (``''`` is
    ``['']``), a json string left a string."""
    if ptype == "comma_delimited_list":
        return [str(x) for x in value] if isinstance(value, list) else str(value).split(",")
    return value


def _typed(value: Any, ptype: str) -> Any:
    """Heat's ``Schema.to_schema_type``: how allowed values and the value compare."""
    if ptype == "number":
        return _number(value)
    if ptype == "boolean":
        return heat_boolean(value)
    return str(value)


def heat_boolean(value: Any) -> bool:
    """A boolean parameter's value as Heat reads it (oslo's strict ``bool_from_string``); ValueError otherwise."""
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return float(value)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
