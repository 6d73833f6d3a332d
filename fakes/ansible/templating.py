"""Jinja2 templating and conditionals with Ansible's semantics (ansible-core 2.19).

Expressions run in a jinja2 ``SandboxedEnvironment`` loaded with ansible-core's own filter and test plugins
(``ansible.plugins.filter.{core,mathstuff,urlsplit}``, ``ansible.plugins.test.{core,files,mathstuff,uri}``),
used as a library.  Results are native Python values (a lone ``{{ x }}`` keeps the type of ``x``), as in
ansible-core 2.19.

Conditionals (``when``, ``failed_when``, ``changed_when``, ``until``) follow ansible-core 2.19:

* a bool is itself; an empty string is an error;
* a string wholly wrapped in ``{{ }}`` is templated first, and a string result is evaluated again as an
  expression (indirection);
* otherwise the string is a bare jinja2 expression;
* the result must be a bool (:class:`~fakes.ansible.errors.BrokenConditional` otherwise);
* a list is the AND of its items, evaluated left to right (later items are not evaluated once one is false).

An undefined variable raises :class:`~fakes.ansible.errors.UndefinedVariable` naming the variable; tests such as
``is defined`` and filters such as ``default`` see it as undefined without failing, as in Ansible.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import Any

import jinja2
import yaml
from jinja2.exceptions import SecurityError
from jinja2.nativetypes import NativeCodeGenerator
from jinja2.sandbox import SandboxedEnvironment

from .compiled import Compiled, Narrow, from_source
from .errors import BrokenConditional, TemplateFailure, UndefinedVariable

__all__ = ["Templar", "is_template"]

_TEMPLATE_MARKERS = ("{{", "{%", "{#")
_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")
_ALL_TEMPLATE = re.compile(r"^\s*\{\{.*\}\}\s*$", re.DOTALL)


def is_template(value: object) -> bool:
    """True if ``value`` is a string that jinja2 would template."""
    return isinstance(value, str) and ("{{" in value or "{%" in value or "{#" in value)


class _UndefinedError(jinja2.UndefinedError):
    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


class _Undefined(jinja2.StrictUndefined):
    """Strict like Ansible: any use fails, ``is defined``/``default`` see it; remembers the variable name."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        if issubclass(self._undefined_exception, SecurityError):  # the sandbox refused an attribute
            raise self._undefined_exception(self._undefined_message)
        raise _UndefinedError(self._undefined_message, self._undefined_name or "?")

    # StrictUndefined already fails on __iter__, __str__, __len__, __eq__, __bool__, ...
    __iter__ = __str__ = __len__ = __bool__ = __hash__ = __contains__ = _fail_with_undefined_error
    __eq__ = __ne__ = _fail_with_undefined_error

    # Attribute and item access on an undefined value stays undefined, keeping the first failure's message:
    # ansible-playbook 2.19 evaluates `r.containers.0.Healthcheck.Status is defined` to false when `r` has no
    # `containers` (THT's "validate <service> container state" tasks rely on it).
    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        if issubclass(self._undefined_exception, SecurityError):
            return self._fail_with_undefined_error()
        return self

    def __getitem__(self, key: Any) -> Any:
        if issubclass(self._undefined_exception, SecurityError):
            return self._fail_with_undefined_error()
        return self


def _concat(values: Iterable[Any]) -> Any:
    """Native concatenation without ``literal_eval`` (ansible-core 2.19 keeps a lone value's type)."""
    iterator: Iterator[Any] = iter(values)
    head = list(islice(iterator, 2))
    if not head:
        return ""
    if len(head) == 1:
        return head[0]
    return "".join(str(v) for v in chain(head, iterator))


class _CodeGenerator(NativeCodeGenerator):
    """Constant-folded output keeps its native type (jinja2 would stringify it and rely on literal_eval)."""

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        items = list(group)
        if len(items) == 1:
            return repr(items[0])
        return repr("".join(str(v) for v in items))


class _Environment(SandboxedEnvironment):
    code_generator_class = _CodeGenerator
    concat = staticmethod(_concat)


def _load_plugins(env: jinja2.Environment) -> None:
    # ansible-core's filters print deprecation warnings (e.g. `bool` coercing a dict) to the terminal; the
    # simulator's output is its own summary. ansible-core reads the setting when it warns; an explicit
    # ANSIBLE_DEPRECATION_WARNINGS in the environment still wins.
    os.environ.setdefault("ANSIBLE_DEPRECATION_WARNINGS", "False")
    from ansible.plugins.filter import core as filter_core
    from ansible.plugins.filter import mathstuff as filter_math
    from ansible.plugins.filter import urlsplit as filter_urlsplit
    from ansible.plugins.test import core as test_core
    from ansible.plugins.test import files as test_files
    from ansible.plugins.test import mathstuff as test_math
    from ansible.plugins.test import uri as test_uri

    for filters in (filter_core, filter_math, filter_urlsplit):
        env.filters.update(filters.FilterModule().filters())
    for tests in (test_core, test_files, test_math, test_uri):
        env.tests.update(tests.TestModule().tests())
    # ansible-core 2.19 recognises its own undefined markers; with jinja2's Undefined the classic jinja2
    # implementations have the same meaning (ansible's `default` "only coalesces classic undefined objects").
    env.filters["default"] = env.filters["d"] = jinja2.filters.do_default
    env.tests["defined"] = jinja2.tests.test_defined
    env.tests["undefined"] = jinja2.tests.test_undefined
    for name in _SET_FILTERS:
        env.filters[name] = _input_ordered(env.filters[name])
    keep = {jinja2.filters.do_default, jinja2.tests.test_defined, jinja2.tests.test_undefined}
    for table in (env.filters, env.tests):
        for name, plugin in list(table.items()):
            if plugin not in keep and not getattr(plugin, "accept_args_markers", False):
                table[name] = _propagate_undefined(plugin)


class LookupUnavailable(Exception):
    """Lookup plugins read the controller's files and environment: not part of the simulated world."""


def _lookup_unavailable(name: str, *args: Any, **kwargs: Any) -> Any:
    raise LookupUnavailable(f"lookup plugin {name!r} is not modelled (it reads controller files or state)")


_SET_FILTERS = ("intersect", "difference", "symmetric_difference", "union")


def _input_ordered(plugin: Any) -> Any:
    """ansible-core's set filters return items in ``set`` order, which varies with PYTHONHASHSEED; keep their
    result but order it by first appearance in the inputs, so a run is a function of its inputs."""

    @functools.wraps(plugin)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = plugin(*args, **kwargs)
        if not isinstance(result, list):
            return result
        inputs = [x for a in args if isinstance(a, list | tuple) for x in a]
        order: dict[Any, int] = {}
        try:
            for index, item in enumerate(inputs):
                order.setdefault(item, index)
            return sorted(result, key=lambda item: order.get(item, len(order)))
        except TypeError:  # unhashable items: ansible-core already kept input order
            return result

    return wrapper


def _propagate_undefined(plugin: Any) -> Any:
    """ansible-core 2.19: a plugin that does not accept markers is not called when an argument is undefined;
    the undefined value becomes its result (so ``x | int is defined`` is false and using it fails)."""

    @functools.wraps(plugin)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for value in chain(args, kwargs.values()):
            if isinstance(value, jinja2.Undefined):
                return value
        return plugin(*args, **kwargs)

    return wrapper


class Templar:
    """Evaluates templates and conditionals against a mapping of variables.

    One instance caches compiled templates by source text; it holds no per-run state and may be shared.
    """

    def __init__(self, *, filters: Mapping[str, Any] | None = None, tests: Mapping[str, Any] | None = None) -> None:
        """``filters``/``tests`` add plugins beyond ansible-core's (e.g. tripleo-ansible's filters)."""
        env = _Environment(undefined=_Undefined, extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
        _load_plugins(env)
        env.filters.update({k: _propagate_undefined(v) for k, v in (filters or {}).items()})
        env.tests.update({k: _propagate_undefined(v) for k, v in (tests or {}).items()})
        env.globals["omit"] = "__omit_place_holder__"
        for name in ("lookup", "query", "q"):
            env.globals[name] = _lookup_unavailable
        env.filters["from_yaml"] = _propagate_undefined(self._from_yaml)
        self._env = env
        self._parsed: dict[str, Any] = {}
        self._templates: dict[str, Compiled] = {}
        self._expressions: dict[str, Compiled] = {}

    # -- templates --------------------------------------------------------------------------------------
    def render(self, value: Any, variables: Mapping[str, Any], where: str) -> Any:
        """Template ``value`` (recursively through lists and dicts); non-template strings are returned as-is."""
        if isinstance(value, str):
            if not is_template(value):
                return value
            return self._run(self._compile(value, where), value, variables, where)
        if isinstance(value, list | tuple):
            return [self.render(v, variables, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {
                self.render(k, variables, where): self.render(v, variables, f"{where}.{k}") for k, v in value.items()
            }
        return value

    def expression(self, expression: str, variables: Mapping[str, Any], where: str) -> Any:
        """Evaluate a bare jinja2 expression (no ``{{ }}``) to a native value."""
        template = self._expressions.get(expression)
        if template is None:
            try:
                template = from_source(self._env, "{{ (" + expression + ") }}")
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateFailure(where, expression, f"syntax error: {exc.message}") from None
            self._expressions[expression] = template
        return self._run(template, expression, variables, where)

    # -- conditionals -----------------------------------------------------------------------------------
    def condition(self, conditional: Any, variables: Mapping[str, Any], where: str) -> bool:
        """Evaluate one conditional (see module docstring); ``where`` is the key path used in errors."""
        if type(conditional) is bool:
            return conditional
        if not isinstance(conditional, str):
            raise BrokenConditional(where, conditional, conditional)
        text = conditional.strip()
        if not text:
            raise BrokenConditional(where, conditional, conditional)
        if _ALL_TEMPLATE.match(text):
            result = self.render(text, variables, where)
            if isinstance(result, str):
                result = result.strip()
                if not result:
                    raise BrokenConditional(where, conditional, result)
                result = self.expression(result, variables, where)
        else:
            result = self.expression(text, variables, where)
        if isinstance(result, bool):
            return result
        raise BrokenConditional(where, conditional, result)

    def all_true(self, conditionals: Iterable[Any], variables: Mapping[str, Any], where: str) -> bool:
        """AND of a list of conditionals, short-circuiting like Ansible; ``where[i]`` names each item."""
        for index, conditional in enumerate(conditionals):
            if not self.condition(conditional, variables, f"{where}[{index}]"):
                return False
        return True

    # -- internals --------------------------------------------------------------------------------------
    def _from_yaml(self, data: Any) -> Any:
        """ansible-core's ``from_yaml`` with the same YAML 1.1 meaning, parsed once per distinct text.

        THT's step playbooks apply it to each role's ``docker_config`` on every host; ansible's instrumented
        loader tags every scalar with its origin (~12 ms a document).  The plain safe loader gives the same values
        for documents without Ansible's own tags (``!unsafe``/``!vault``), which fall back to ansible's loader.
        Each call gets its own copy of the lists and dicts, so a template mutating its result changes no other.
        """
        if not isinstance(data, str):
            return _ansible_from_yaml(data)
        parsed = self._parsed.get(data, _MISSING)
        if parsed is _MISSING:
            try:
                parsed = yaml.load(data, Loader=_SafeLoader)
            except yaml.constructor.ConstructorError:
                parsed = _ansible_from_yaml(data)
            if len(self._parsed) < _PARSED_LIMIT:
                self._parsed[data] = parsed
        return _copy_tree(parsed)

    def _compile(self, source: str, where: str) -> Compiled:
        template = self._templates.get(source)
        if template is None:
            try:
                template = from_source(self._env, source)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateFailure(where, source, f"syntax error: {exc.message}") from None
            self._templates[source] = template
        return template

    def _run(self, compiled: Compiled, source: str, variables: Mapping[str, Any], where: str) -> Any:
        template = compiled.template
        try:
            parent = _Vars(variables, self._env.globals, compiled.narrow)
            context = template.new_context(parent, shared=True)  # type: ignore[arg-type]
            result = self._env.concat(template.root_render_func(context))
            if isinstance(result, jinja2.Undefined):
                result._fail_with_undefined_error()
            return result
        except _UndefinedError as exc:
            raise UndefinedVariable(where, source, exc.name, str(exc)) from None
        except jinja2.UndefinedError as exc:  # operators of jinja2.Undefined raise this directly
            match = _UNDEFINED_NAME.search(str(exc))
            raise UndefinedVariable(
                where, source, (match.group(1) or match.group(2)) if match else "?", str(exc)
            ) from None
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateFailure(where, source, f"refused by the sandbox: {exc}") from None
        except TemplateFailure:
            raise
        except Exception as exc:  # filters raise arbitrary errors (AnsibleFilterError, TypeError, ...)
            raise TemplateFailure(where, source, f"{type(exc).__name__}: {exc}") from None


_MISSING = object()
_PARSED_LIMIT = 4096
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _ansible_from_yaml(data: Any) -> Any:
    from ansible.plugins.filter.core import from_yaml

    return from_yaml(data)


def _copy_tree(value: Any) -> Any:
    """A copy of the lists and dicts in ``value``; scalars (immutable) are shared."""
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_tree(v) for v in value]
    return value


class _Vars(Mapping[str, Any]):
    """Read-only view: the variables, then jinja2 globals (``range``, ``dict``, ``omit``...)."""

    __slots__ = ("_globals", "_narrow", "_variables")

    def __init__(self, variables: Mapping[str, Any], globals_: Mapping[str, Any], narrow: Narrow | None = None) -> None:
        self._variables = variables
        self._globals = globals_
        self._narrow = narrow  # the variables the template reads only through these constant keys

    def __getitem__(self, key: str) -> Any:
        try:
            if self._narrow and key in self._narrow:
                narrowed = getattr(self._variables, "narrowed", None)  # a task's variables, which record its reads
                if narrowed is not None:
                    return narrowed(key, self._narrow[key])
            return self._variables[key]
        except KeyError:
            return self._globals[key]

    def __contains__(self, key: object) -> bool:
        return key in self._variables or key in self._globals

    def __iter__(self) -> Iterator[str]:
        return chain(self._variables, (k for k in self._globals if k not in self._variables))

    def __len__(self) -> int:
        return sum(1 for _ in self)
