"""Lazy evaluation of a Heat stack: parameters, conditions, resources, nested stacks and outputs.

Nothing is computed until an output (or a resource attribute) is asked for, so evaluating ``RoleData`` of
``overcloud.yaml`` touches only what role data depends on. Nested stacks are shared through
:class:`EvalContext` by (template, parameter values): a service template used by five roles with the same
parameters is evaluated once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .constraints import check_parameter, heat_boolean
from .environment import Environment, Resolved
from .errors import CyclicStackError, FunctionError, MissingParameter, TemplateError, YamlSyntaxError
from .functions import CONDITION_TABLES, FUNCTION_TABLES, KNOWN_VERSIONS, EvalError, version_key
from .resources import NATIVE_TYPES, make_resource
from .tree import TemplateTree

__all__ = ["EvalContext", "Stack"]

_SECTIONS = {"heat_template_version", "description", "parameter_groups", "parameters", "resources", "outputs",
             "conditions"}


class EvalContext:
    """Shared by every stack of one evaluation: the tree, the environment and the nested-stack cache."""

    def __init__(self, tree: TemplateTree, env: Environment):
        self.tree = tree
        self.env = env
        self.native = NATIVE_TYPES
        self._stacks: dict[tuple[str, str], Stack] = {}
        self._fp_memo: dict[int, tuple[Any, str]] = {}
        self.yaql_memo: dict[int, tuple[Any, Any]] = {}
        self.yaql_scalars: dict[tuple[str, type, Any], Any] = {}
        self.evaluations = 0

    def fingerprint(self, params: Mapping[str, Any]) -> str:
        h = hashlib.blake2b(digest_size=16)
        for key in sorted(params):
            value = params[key]
            memo = self._fp_memo.get(id(value))
            if memo is None or memo[0] is not value:
                memo = (value, json.dumps(value, sort_keys=True, default=str))
                if isinstance(value, (dict, list)):
                    self._fp_memo[id(value)] = memo
            h.update(key.encode())
            h.update(b"\0")
            h.update(memo[1].encode())
            h.update(b"\1")
        return h.hexdigest()

    def stack(self, path: Path, params: Mapping[str, Any], *, name: str, ancestry: tuple[Path, ...],
              referrer: str, key: str, facade: Mapping[str, Any] | None = None) -> Stack:
        path = self.tree.confine(path, referrer=referrer, key=key)
        if path in ancestry:
            chain = " -> ".join(self.tree.display(p) for p in (*ancestry, path))
            raise CyclicStackError(referrer, key, expected="nested stacks without cycles", found=chain)
        cache_key = (str(path), self.fingerprint(params))
        stack = self._stacks.get(cache_key)
        if stack is None:
            template = self.tree.load(path, referrer=referrer, key=key)
            stack = Stack(self, path, template, params, name=name, ancestry=(*ancestry, path), facade=facade,
                          passed_by=f"{referrer}: {key.removesuffix('.type')}.properties")
            self._stacks[cache_key] = stack
            self.evaluations += 1
        return stack


class Stack:
    def __init__(self, ctx: EvalContext, path: Path, template: Mapping[str, Any], params: Mapping[str, Any], *,
                 name: str, ancestry: tuple[Path, ...] = (), root: bool = False,
                 facade: Mapping[str, Any] | None = None, passed_by: str = ""):
        self.ctx = ctx
        self._passed_by = passed_by  # the parent's file and resource that create this nested stack
        self.path = path
        self.file = ctx.tree.display(path)
        self.name = name
        self.ancestry = ancestry or (path,)
        self.template = template
        self._facade = facade or {}
        unknown = set(template) - _SECTIONS
        if unknown:
            raise YamlSyntaxError(self.file, sorted(unknown)[0], expected="a HOT section ("
                                  + ", ".join(sorted(_SECTIONS)) + ")", found=repr(sorted(unknown)[0]))
        version = template.get("heat_template_version")
        canonical = version_key(version)
        if canonical is None:
            raise YamlSyntaxError(self.file, "heat_template_version", expected="one of " + ", ".join(KNOWN_VERSIONS),
                                  found=repr(version))
        self.version = canonical
        self.functions = FUNCTION_TABLES[canonical]
        self.condition_functions = CONDITION_TABLES[canonical]
        self._cond_defs = self._section("conditions")
        self._res_defs = self._section("resources")
        self._out_defs = self._section("outputs")
        self.params = self._resolve_params(params, root)
        if root:
            # Heat rejects a root stack with a missing parameter up front. In nested stacks a missing value is
            # reported where it is used: TripleO stacks pass nulls to parts that role data never reads.
            check_missing(self)
        self._conds: dict[str, Any] = {}
        self._resources: dict[str, Any] = {}
        self._outputs: dict[str, Any] = {}
        self._in_progress: set[str] = set()

    def _section(self, key: str) -> dict[str, Any]:
        value = self.template.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise YamlSyntaxError(self.file, key, expected="a mapping", found=type(value).__name__)
        return dict(value)

    # ---- parameters ----------------------------------------------------------------------------------
    def _resolve_params(self, given: Mapping[str, Any], root: bool) -> dict[str, Any]:
        schemas = self._section("parameters")
        defaults = self.ctx.env.parameter_defaults
        origins = self.ctx.env.origins
        if not root:
            unknown = set(given) - set(schemas)
            if unknown:
                raise TemplateError(self.file, "parameters", expected="a parameter for every property passed",
                                    found="no parameter " + ", ".join(sorted(unknown)))
        out: dict[str, Any] = {}
        for pname, schema in schemas.items():
            if not isinstance(schema, Mapping) or "type" not in schema:
                raise YamlSyntaxError(self.file, f"parameters.{pname}", expected="a mapping with a type",
                                      found=repr(schema)[:80])
            hint = ""
            if given.get(pname) is not None:
                raw = given[pname]
                origin = (origins.get(f"parameters.{pname}", "<parameters>"), f"parameters.{pname}") if root else \
                    (self.file, f"parameters.{pname}")
                hint = "" if root else f"passed by {self._passed_by}"
            elif pname in defaults and defaults[pname] is not None:
                raw = defaults[pname]
                origin = (origins.get(f"parameter_defaults.{pname}", "<parameter_defaults>"),
                          f"parameter_defaults.{pname}")
            elif schema.get("default") is not None:
                raw = schema["default"]
                origin = (self.file, f"parameters.{pname}.default")
            elif (generated := _client_generated(pname, schema, self.ctx.tree.version)) is not None:
                out[pname] = _convert(generated, str(schema["type"]).lower(), self.file, f"parameters.{pname}")
                continue
            else:
                out[pname] = _MISSING
                continue
            # a value of the wrong type is reported where it was given (an environment's key), like a constraint
            note = hint or ("" if origin[0] == self.file else f"the type of parameters.{pname} in {self.file}")
            if "constraints" in schema:
                if origin[0] != self.file:
                    hint = f"the constraint of parameters.{pname} in {self.file}"
                default_origin = None
                if not root and pname in defaults:  # Heat makes parameter_defaults a nested template's defaults
                    schema = {**schema, "default": defaults[pname]}
                    default_origin = (origins.get(f"parameter_defaults.{pname}", "<parameter_defaults>"),
                                      f"parameter_defaults.{pname}")
                check_parameter(self.file, pname, schema, self.version, raw, origin=origin, hint=hint,
                                default_origin=default_origin)
            out[pname] = _convert(raw, str(schema["type"]).lower(), origin[0], origin[1], note)
        return out

    def param(self, name: str) -> Any:
        if name in self.params:
            value = self.params[name]
            if value is _MISSING:
                raise EvalError("get_param", f"a value for parameter {name} (not passed, not in parameter_defaults,"
                                " no default)", "none")
            return value
        pseudo = {"OS::stack_name": self.name, "OS::stack_id": f"{self.name}-id",
                  "OS::project_id": "project-id"}
        if name in pseudo:
            return pseudo[name]
        raise EvalError("get_param", "a parameter declared in this template", repr(name))

    def missing_params(self) -> list[str]:
        return [k for k, v in self.params.items() if v is _MISSING]

    # ---- evaluation ----------------------------------------------------------------------------------
    def ev(self, s: Any) -> Any:
        if type(s) is dict:
            if len(s) == 1:
                ((k, v),) = s.items()
                fn = self.functions.get(k)
                if fn is not None:
                    try:
                        return fn(self, v)
                    except EvalError as e:
                        e.path.append(str(k))
                        raise
            out = {}
            for k, v in s.items():
                try:
                    r = self.ev(v)
                except EvalError as e:
                    e.path.append(str(k))
                    raise
                if r is not ...:
                    out[k] = r
            return out
        if type(s) is list:
            items = []
            for i, v in enumerate(s):
                try:
                    r = self.ev(v)
                except EvalError as e:
                    e.path.append(f"[{i}]")
                    raise
                if r is not ...:
                    items.append(r)
            return items
        return s

    def located(self, snippet: Any, where: str) -> Any:
        """Evaluate ``snippet`` found at key path ``where``; errors come out typed, naming file and path."""
        try:
            value = self.ev(snippet)
        except EvalError as e:
            raise FunctionError(self.file, _join(where, e.path), expected=f"{e.fn} {e.expected}",
                                found=e.found) from None
        return None if value is ... else value

    def condition_value(self, cond: Any) -> bool:
        """A condition reference: a bool, a condition name, or (where the version allows) an expression."""
        if isinstance(cond, bool):
            return cond
        if isinstance(cond, str):
            return self.condition(cond)
        if isinstance(cond, dict) and len(cond) == 1:
            (fn_name,) = cond
            fn = self.condition_functions.get(fn_name)
            if fn is None:
                raise EvalError("condition", "a condition function (" + ", ".join(self.condition_functions) + ")",
                                repr(fn_name))
            try:
                value = fn(self, cond[fn_name])
            except EvalError as e:
                e.path.append(str(fn_name))
                raise
            return self.condition_value(value) if not isinstance(value, bool) else value
        raise EvalError("condition", "a condition name, boolean or condition function", cond)

    def condition(self, name: str) -> bool:
        if name not in self._cond_defs:
            raise EvalError("condition", "a condition defined in the conditions section", repr(name))
        if name not in self._conds:
            self._conds[name] = None
            try:
                self._conds[name] = self.condition_value(self._cond_defs[name])
            except EvalError as e:
                e.path.append(name)
                e.path.append("conditions")
                e.path.append("@root")
                self._conds.pop(name, None)
                raise
        value = self._conds[name]
        if value is None:
            raise EvalError("condition", "conditions without circular definitions", repr(name))
        return bool(value)

    # ---- resources -----------------------------------------------------------------------------------
    def resource(self, name: str) -> Any:
        res = self._resources.get(name)
        if res is None:
            definition = self._res_defs.get(name)
            if definition is None:
                raise EvalError("get_attr", "a resource of this template", repr(name))
            if not isinstance(definition, Mapping) or not isinstance(definition.get("type"), str):
                raise FunctionError(self.file, f"resources.{name}.type", expected="a resource type string",
                                    found=repr(definition)[:80])
            res = self._resources[name] = make_resource(self, name, definition)
        return res

    def resolve_type(self, rtype: str, rname: str | None, key: str) -> Resolved:
        if rtype.endswith((".yaml", ".template", ".yml")):
            return Resolved(template=self.ctx.tree.locate(rtype, self.path.parent, referrer=self.file, key=key))
        return self.ctx.env.registry.resolve(rtype, rname, native=self.ctx.native, referrer=self.file, key=key)

    def attr(self, name: str, attribute: Any, path: list[Any]) -> Any:
        res = self.resource(name)
        if name in self._in_progress:
            raise EvalError("get_attr", "resources without attribute cycles", f"{name} depends on itself")
        self._in_progress.add(name)
        try:
            return res.attribute(attribute, path)
        finally:
            self._in_progress.discard(name)

    def ref(self, name: str) -> Any:
        return self.resource(name).reference()

    def get_file(self, ref: str) -> str:
        target = self.ctx.tree.locate(ref, self.path.parent, referrer=self.file, key="get_file")
        return self.ctx.tree.read_text(target, referrer=self.file, key=f"get_file {ref}")

    def facade(self, kind: str) -> Any:
        return self._facade.get(kind)

    # ---- outputs -------------------------------------------------------------------------------------
    def output(self, name: str) -> Any:
        if name not in self._outputs:
            definition = self._out_defs.get(name)
            if definition is None:
                self._outputs[name] = None
            else:
                if not isinstance(definition, Mapping):
                    raise YamlSyntaxError(self.file, f"outputs.{name}", expected="a mapping with a value",
                                          found=repr(definition)[:80])
                cond = definition.get("condition")
                if cond is not None and not self.located_condition(cond, f"outputs.{name}.condition"):
                    self._outputs[name] = None
                else:
                    self._outputs[name] = self.located(definition.get("value"), f"outputs.{name}.value")
        return self._outputs[name]

    def located_condition(self, cond: Any, where: str) -> bool:
        try:
            return self.condition_value(cond)
        except EvalError as e:
            raise FunctionError(self.file, _join(where, e.path), expected=f"{e.fn} {e.expected}",
                                found=e.found) from None

    def outputs(self) -> dict[str, Any]:
        return {name: self.output(name) for name in self._out_defs}

    def output_names(self) -> list[str]:
        return list(self._out_defs)


_IMAGE_PARAM = re.compile(r"^(?:Container|Docker)(\w+)Image$")  # Docker*: Queens-Rocky names
_SECRET_PARAM = re.compile(r"(Password|Passphrase|Key\d*|Kek|FSID|Secret|Authkey|Credential\d*|Keys)$")


# tripleo-common's default ContainerImagePrepare by THT major release: RDO's registry namespace and the image name
# prefix (Kolla's ``centos-binary-`` images up to Ussuri, the ``openstack-`` images built by tcib from Victoria on)
_CODENAMES = {5: "newton", 6: "ocata", 7: "pike", 8: "queens", 9: "rocky", 10: "stein", 11: "train", 12: "ussuri",
              13: "victoria", 14: "wallaby", 15: "xena", 16: "yoga", 17: "zed"}


def image_prepare_defaults(version: str) -> tuple[str, str]:
    """(namespace, name_prefix) of the release's default container image prepare (``local`` trees: master's)."""
    major = version.split(".")[0]
    number = int(major) if major.isdigit() else None
    codename = _CODENAMES.get(number or 0, "master")
    if number is not None and number <= 12:
        return f"docker.io/tripleo{codename}", "centos-binary-"
    return f"quay.io/tripleo{codename}", "openstack-"


def _client_generated(name: str, schema: Mapping[str, Any], version: str = "local") -> Any:
    """Values tripleoclient generates before it creates the stack, for parameters that have none:
    passwords, keys and secrets (tripleo-common's password generation) and container image references
    (container image prepare with the release's default namespace and name prefix; the image name is the
    parameter's, e.g. ``ContainerRedisImage`` -> ``docker.io/tripleotrain/centos-binary-redis:current-tripleo``)."""
    ptype = str(schema.get("type")).lower()
    secret = "gen-" + hashlib.sha256(name.encode()).hexdigest()[:20]
    if ptype == "json" and _SECRET_PARAM.search(name):
        return {"private_key": secret, "public_key": secret} if name.endswith("SshKey") else {}
    if ptype != "string":
        return None
    if schema.get("hidden") or _SECRET_PARAM.search(name):
        return secret
    m = _IMAGE_PARAM.match(name)
    if m:
        namespace, prefix = image_prepare_defaults(version)
        return f"{namespace}/{prefix}{_kebab(m.group(1))}:current-tripleo"
    return None


def _kebab(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", camel).lower()


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _join(where: str, inner: list[str]) -> str:
    parts = list(reversed(inner))
    if "@root" in parts:  # a condition evaluated on behalf of another key: report the condition's own path
        parts = parts[parts.index("@root") + 1:]
        where = ""
    out = where
    for p in parts:
        out += p if p.startswith("[") else (("." if out else "") + p)
    return out


def _convert(raw: Any, ptype: str, file: str, where: str, note: str = "") -> Any:
    try:
        if ptype == "string":
            return raw if isinstance(raw, str) else str(raw)
        if ptype == "number":
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                return raw
            try:
                return int(raw)
            except (TypeError, ValueError):
                return float(raw)
        if ptype == "boolean":
            return heat_boolean(raw)
        if ptype == "json":
            if isinstance(raw, str):
                return json.loads(raw) if raw else raw
            return raw  # Heat round-trips through JSON; values here are already JSON-shaped and never mutated
        if ptype == "comma_delimited_list":
            if isinstance(raw, list):
                return [str(x) for x in raw]
            if not isinstance(raw, str):  # Heat splits strings only ("must be a comma-delimited list string")
                raise ValueError(raw)
            return [] if raw == "" else raw.split(",")
    except (TypeError, ValueError):
        found = repr(raw)[:80] + (f" ({note})" if note else "")
        raise TemplateError(file, where, expected=f"a value of type {ptype}", found=found) from None
    raise YamlSyntaxError(file, f"{where}.type",
                          expected="string, number, boolean, json or comma_delimited_list", found=repr(ptype))


def check_missing(stack: Stack) -> None:
    missing = stack.missing_params()
    if missing:
        raise MissingParameter(stack.file, f"parameters.{missing[0]}",
                               expected="a value (passed, in parameter_defaults, or a default)", found="none")
