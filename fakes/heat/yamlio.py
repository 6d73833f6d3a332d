"""Safe YAML loading the way Heat reads templates: timestamps stay strings (``heat_template_version:
2016-10-14`` is a version string, not a date), sizes are bounded, errors name the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .errors import YamlSyntaxError

__all__ = ["MAX_TEMPLATE_BYTES", "Repeated", "duplicate_key", "load_yaml", "number_hint", "read_text", "unloadable"]

MAX_TEMPLATE_BYTES = 8 * 1024 * 1024

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _HeatLoader(_Base):
    pass


def _as_str(loader: Any, node: Any) -> str:
    return str(loader.construct_scalar(node))


_HeatLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_str)


def read_text(path: Path, file: str) -> str:
    """The text of ``path`` (``file`` names it in errors), decoded as UTF-8 as Heat and its client read templates
    and environments; a file that is not UTF-8 text is a typed error, not a UnicodeDecodeError traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(file, expected="UTF-8 text", found=f"a byte that is not UTF-8 at offset {exc.start}") \
            from None


class Repeated(NamedTuple):
    """A key given twice in one mapping: its key path, the key, and the lines of its first and second use."""

    path: str
    key: str
    first: int
    line: int

    def describe(self) -> str:
        return f"{self.key!r} on line {self.line}, first on line {self.first}"


def duplicate_key(text: str) -> Repeated | None:
    """The first key that a mapping of the YAML ``text`` holds twice, or None. YAML loaders keep the last value
    silently; Heat does so for templates and environments, but tripleo-sim's own files (scenarios, timing profiles,
    nodes files) refuse it. Call it on text that parses."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    pending: list[tuple[Any, str]] = [(root, "")] if root is not None else []
    seen: set[int] = set()  # aliased nodes are walked once
    while pending:
        node, path = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                where = f"{path}.{key.value}" if path else key.value
                line = key.start_mark.line + 1
                if key.value in first:
                    return Repeated(where, key.value, first[key.value], line)
                first[key.value] = line
                pending.append((value, where))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, f"{path}[{i}]") for i, item in enumerate(node.value))
    return None


def unloadable(exc: ValueError | RecursionError) -> str:
    """What a YAML or JSON parser's ValueError (an integer of over 4,300 digits) or RecursionError (nesting deeper
    than the stack) says about the text, in its terms."""
    if isinstance(exc, RecursionError):
        return "nesting too deep to read"
    return f"a value it cannot hold ({str(exc).split(';')[0]})"


def load_yaml(text: str, file: str, *, require_mapping: bool = True, unique_keys: bool = False) -> Any:
    """Parse ``text`` (the content of ``file``) with a safe loader; never constructs Python objects.
    ``unique_keys``: a key given twice in one mapping is an error (see :func:`duplicate_key`)."""
    if len(text) > MAX_TEMPLATE_BYTES:
        raise YamlSyntaxError(file, expected=f"at most {MAX_TEMPLATE_BYTES} bytes", found=f"{len(text)} bytes")
    try:
        try:
            data = yaml.load(text, Loader=_HeatLoader)
        except yaml.YAMLError:
            # Heat retries with the pure-Python SafeLoader when libyaml rejects a template, and that one accepts
            # more (e.g. Train's puppet/role.role.j2.yaml writes `{get_attr:[...]}` without a space)
            data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlSyntaxError(file, where, expected="valid YAML", found=str(problem)) from None
    except (ValueError, RecursionError) as exc:  # an integer of over 4,300 digits; nesting deeper than the stack
        raise YamlSyntaxError(file, expected="valid YAML", found=unloadable(exc)) from None
    if require_mapping and not isinstance(data, dict):
        raise YamlSyntaxError(file, expected="a mapping at the top level", found=type(data).__name__)
    if unique_keys and (twice := duplicate_key(text)) is not None:
        raise YamlSyntaxError(file, twice.path, expected="each key once in a mapping", found=twice.describe())
    return data


def number_hint(value: Any) -> str:
    """A hint for a string that reads as a number where a number was expected: YAML 1.1 (PyYAML) takes ``1e3`` for
    a string and ``1.0e+3`` for a number. Empty for anything else."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return f"YAML reads {value} as a string: write a plain number (1000, 1.0e+3)"
    return ""
