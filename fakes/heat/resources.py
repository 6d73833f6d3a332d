"""Resource kinds of the fake Heat: nested template stacks, ``OS::Heat::None``/``Value``/``ResourceGroup``/
``ResourceChain``, and placeholders for everything that would create a real cloud object.

Attribute semantics follow Heat: a nested stack's attributes are its outputs; a group's or chain's attribute is
the list of its members' attributes (``OS::Heat::None`` members give null), ``resource.N`` selects a member,
``refs``/``refs_map`` list the members' ids; a resource whose ``condition`` is false does not exist (null).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import reduce
from typing import Any

from .errors import FunctionError, TemplateError
from .functions import EvalError

__all__ = ["GROUP_COUNT", "MAX_GROUP_MEMBERS", "NATIVE_TYPES", "group_count", "make_resource"]

NATIVE_TYPES = frozenset({
    "OS::Heat::None", "OS::Heat::Value", "OS::Heat::ResourceGroup", "OS::Heat::ResourceChain",
    "OS::Heat::RandomString", "OS::Heat::StructuredConfig", "OS::Heat::SoftwareConfig",
    "OS::Heat::StructuredDeployment", "OS::Heat::SoftwareDeployment", "OS::Heat::StructuredDeployments",
    "OS::Heat::SoftwareDeployments", "OS::Heat::SoftwareDeploymentGroup", "OS::Heat::StructuredDeploymentGroup",
    "OS::Heat::CloudConfig", "OS::Heat::MultipartMime", "OS::Heat::WaitCondition",
    "OS::Heat::WaitConditionHandle", "OS::Heat::UpdateWaitConditionHandle", "OS::Heat::Stack",
    "OS::Heat::TestResource", "OS::Heat::DeployedServer", "OS::Heat::SwiftSignal",
    "OS::Heat::SwiftSignalHandle", "OS::Heat::AutoScalingGroup", "OS::Heat::ScalingPolicy",
})


def _select(value: Any, path: list[Any]) -> Any:
    def step(coll: Any, key: Any) -> Any:
        if not isinstance(coll, (Mapping, list, tuple)) or not isinstance(key, (str, int)):
            raise TypeError
        return coll[key]  # type: ignore[index]  # a str index into a list: TypeError, which Heat makes null

    try:
        return reduce(step, path, value)
    except (KeyError, IndexError, TypeError):
        return None


class _Resource:
    def __init__(self, stack: Any, name: str, definition: Mapping[str, Any], rtype: str):
        self.stack = stack
        self.name = name
        self.definition = definition
        self.rtype = rtype
        self._props: dict[str, Any] | None = None
        self._exists: bool | None = None

    @property
    def where(self) -> str:
        return f"resources.{self.name}"

    def exists(self) -> bool:
        if self._exists is None:
            cond = self.definition.get("condition")
            self._exists = True if cond is None else self.stack.condition_value(cond)
        return self._exists

    def properties(self) -> dict[str, Any]:
        if self._props is None:
            raw = self.definition.get("properties") or {}
            if not isinstance(raw, Mapping):
                raise FunctionError(self.stack.file, f"{self.where}.properties", expected="a mapping",
                                    found=type(raw).__name__)
            value = self.stack.located(raw, f"{self.where}.properties")
            self._props = value if isinstance(value, dict) else {}
        return self._props

    def attribute(self, attribute: Any, path: list[Any]) -> Any:
        if not self.exists():
            return None
        return self._attribute(attribute, path)

    def _attribute(self, attribute: Any, path: list[Any]) -> Any:
        return None

    def reference(self) -> Any:
        if not self.exists():
            return None
        return f"{self.stack.name}-{self.name}"


class NoneResource(_Resource):
    pass


_CTLPLANE = {"cidr": "192.168.24.0/24", "ip_version": 4, "gateway_ip": "192.168.24.1", "name": "ctlplane-subnet",
             "host_routes": [], "dns_nameservers": []}


def _placeholder_attributes(rtype: str, seed: str) -> dict[str, Any]:
    """Plausible attributes of objects on the undercloud's ctlplane network (the undercloud tags that
    network with its subnets' CIDRs), derived deterministically from the resource's name."""
    n = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    ip = f"192.168.24.{10 + n % 200}"
    if rtype == "OS::Neutron::Port":
        return {"fixed_ips": [{"ip_address": ip, "subnet_id": "ctlplane-subnet"}], "ip_address": ip,
                "network": {"name": "ctlplane", "mtu": 1500, "tags": [_CTLPLANE["cidr"]]},
                "subnets": [dict(_CTLPLANE)],
                "mac_address": f"52:54:00:{n % 256:02x}:{n // 256 % 256:02x}:{n // 65536 % 256:02x}",
                "name": seed.rsplit("/", 1)[-1]}
    if rtype == "OS::Nova::Server":
        name = seed.rsplit("/", 1)[-1].lower()
        return {"name": name, "networks": {"ctlplane": [ip]}, "first_address": ip,
                "addresses": {"ctlplane": [{"addr": ip, "version": 4}]}, "os_collect_config": {}}
    if rtype == "OS::Neutron::Net":
        return {"name": "ctlplane", "mtu": 1500, "tags": [_CTLPLANE["cidr"]]}
    if rtype == "OS::Neutron::Subnet":
        return dict(_CTLPLANE)
    if rtype == "OS::Heat::RandomString":
        return {"value": hashlib.sha256(seed.encode()).hexdigest()[:32]}
    return {}


class Placeholder(_Resource):
    """A resource that would create a real cloud object; its attributes are stand-ins."""

    def _attribute(self, attribute: Any, path: list[Any]) -> Any:
        attrs = _placeholder_attributes(self.rtype, f"{self.stack.name}/{self.name}")
        if attribute is None:
            return attrs
        if attribute in attrs:
            return _select(attrs[attribute], path)
        return None if path else f"<{self.name}.{attribute}>"


class ValueResource(_Resource):
    def _attribute(self, attribute: Any, path: list[Any]) -> Any:
        props = self.properties()
        value = props.get("value")
        vtype = props.get("type")
        if vtype is not None and value is not None:
            value = _property_value(value, str(vtype), self.stack.file, f"{self.where}.properties.value")
        if attribute is None:
            return {"value": value}
        if attribute != "value":
            return None
        return _select(value, path)


class TemplateResource(_Resource):
    """A nested stack from a template file."""

    def __init__(self, stack: Any, name: str, definition: Mapping[str, Any], rtype: str, template: Any,
                 properties: dict[str, Any] | None = None):
        super().__init__(stack, name, definition, rtype)
        self.template = template
        self._given = properties
        self._nested: Any = None

    def nested(self) -> Any:
        if self._nested is None:
            props = self._given if self._given is not None else self.properties()
            key = f"{self.where}.type"
            schemas = self.stack.ctx.tree.load(self.template, referrer=self.stack.file, key=key).get("parameters")
            params = _child_params(props, schemas if isinstance(schemas, Mapping) else {})
            self._nested = self.stack.ctx.stack(
                self.template, params, name=f"{self.stack.name}-{self.name}", ancestry=self.stack.ancestry,
                referrer=self.stack.file, key=f"{self.where}.type",
                facade={"metadata": self.definition.get("metadata"),
                        "deletion_policy": self.definition.get("deletion_policy", "Delete"),
                        "update_policy": self.definition.get("update_policy")},
            )
        return self._nested

    def _attribute(self, attribute: Any, path: list[Any]) -> Any:
        nested = self.nested()
        if attribute is None:
            return nested.outputs()
        if attribute == "OS::stack_id":
            return nested.name + "-id"
        if attribute not in nested.output_names():
            raise EvalError("get_attr", f"an output of {nested.file}", repr(attribute))
        return _select(nested.output(attribute), path)


def _property_value(value: Any, vtype: str, file: str, where: str) -> Any:
    """A value checked against a property schema of a parameter type (OS::Heat::Value's ``type``)."""
    if vtype == "comma_delimited_list":
        return [] if value == "" else value.split(",") if isinstance(value, str) else value
    if vtype == "json":
        if isinstance(value, str):
            from .stack import _convert

            return _convert(value, "json", file, where)
        return value
    from .stack import _convert

    return _convert(value, vtype, file, where)


def _child_params(props: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """Heat's TemplateResource.child_params: null properties are not passed; a list for a
    comma_delimited_list parameter is joined with commas (lists of maps as ``.member.N.key=value``)."""
    params: dict[str, Any] = {}
    for name, value in props.items():
        if value is None:
            continue
        schema = schemas.get(name)
        ptype = str(schema.get("type", "")).lower() if isinstance(schema, Mapping) else ""
        if ptype == "comma_delimited_list" and isinstance(value, list):
            if not value:
                value = ""
            elif isinstance(value[0], dict):
                value = ",".join(f".member.{i}.{k}={v}" for i, item in enumerate(value) for k, v in item.items())
            else:
                value = ",".join("" if x is None else str(x) for x in value)
        params[name] = value
    return params


class _Members(_Resource):
    """Common attribute logic of ResourceGroup and ResourceChain."""

    def members(self) -> list[_Resource]:
        raise NotImplementedError

    def _attribute(self, attribute: Any, path: list[Any]) -> Any:
        members = self.members()
        if attribute is None:
            return {"refs": [m.reference() for m in members]}
        if attribute == "refs":
            return _select([m.reference() for m in members], path)
        if attribute == "refs_map":
            return _select({m.name: m.reference() for m in members}, path)
        if isinstance(attribute, str) and attribute.startswith("resource."):
            parts = attribute.split(".", 2)
            try:
                member = members[int(parts[1])]
            except (ValueError, IndexError):
                raise EvalError("get_attr", f"a member index below {len(members)}", attribute) from None
            if len(parts) == 3:
                return member.attribute(parts[2], path)
            if not path:
                return member.reference()
            return member.attribute(path[0], list(path[1:]))
        if attribute == "attributes":
            if not path:
                return None
            return {m.name: m.attribute(path[0], list(path[1:])) for m in members}
        return [m.attribute(attribute, path) for m in members]

    def _member(self, index: int, rtype: str, properties: dict[str, Any]) -> _Resource:
        definition = {"type": rtype, "properties": properties}
        return make_resource(self.stack, str(index), definition, owner=self, given=properties)


# the most members the fake expands a ResourceGroup to (a scenario's node counts have the same bound): the
# undercloud's Heat has no limit (TripleO sets max_resources_per_stack = -1), but a count no TripleO deployment has
# would only look like a hang, or exhaust memory, while the fake expanded it
MAX_GROUP_MEMBERS = 10_000
GROUP_COUNT = f"an integer from 0 to {MAX_GROUP_MEMBERS}"


def group_count(value: Any) -> int | None:
    """A ResourceGroup's ``count`` as Heat takes it, or None if Heat refuses it: an INTEGER property is ``int(value)``
    (``Property._get_integer``: ``2.7`` is 2, ``"3"`` is 3, ``"3.5"`` is "not an integer", a bool counts), and
    ``Range(min=0)`` holds it; above :data:`MAX_GROUP_MEMBERS`, None too."""
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return count if 0 <= count <= MAX_GROUP_MEMBERS else None


class ResourceGroup(_Members):
    def members(self) -> list[_Resource]:
        if not hasattr(self, "_members"):
            props = self.properties()
            count = group_count(1 if props.get("count") is None else props["count"])  # None: the default, 1
            if count is None:
                raise FunctionError(self.stack.file, f"{self.where}.properties.count", expected=GROUP_COUNT,
                                    found=repr(props.get("count")))
            rdef = props.get("resource_def") or {}
            if not isinstance(rdef, Mapping) or not isinstance(rdef.get("type"), str):
                raise FunctionError(self.stack.file, f"{self.where}.properties.resource_def.type",
                                    expected="a resource type", found=repr(rdef)[:80])
            if not isinstance(rdef.get("properties") or {}, Mapping):  # Heat: "Value must be a map"
                raise FunctionError(self.stack.file, f"{self.where}.properties.resource_def.properties",
                                    expected="a mapping", found=repr(rdef["properties"])[:80])
            index_var = props.get("index_var", "%index%")

            def sub(value: Any, i: int) -> Any:
                if isinstance(value, str):
                    return value.replace(index_var, str(i))
                if isinstance(value, Mapping):
                    return {k: sub(v, i) for k, v in value.items()}
                if isinstance(value, list):
                    return [sub(v, i) for v in value]
                return value

            self._members = [self._member(i, rdef["type"], sub(rdef.get("properties") or {}, i))
                             for i in range(count)]
        return self._members


class ResourceChain(_Members):
    def members(self) -> list[_Resource]:
        if not hasattr(self, "_members"):
            props = self.properties()
            types = props.get("resources") or []
            if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
                raise FunctionError(self.stack.file, f"{self.where}.properties.resources",
                                    expected="a list of resource types", found=repr(types)[:80])
            shared = props.get("resource_properties") or {}
            if not isinstance(shared, dict):  # Heat: "Value must be a map"
                raise FunctionError(self.stack.file, f"{self.where}.properties.resource_properties",
                                    expected="a mapping", found=repr(shared)[:80])
            self._members = [self._member(i, t, shared) for i, t in enumerate(types)]
        return self._members


_KINDS: dict[str, type[_Resource]] = {
    "OS::Heat::None": NoneResource,
    "OS::Heat::Value": ValueResource,
    "OS::Heat::ResourceGroup": ResourceGroup,
    "OS::Heat::ResourceChain": ResourceChain,
}


def make_resource(stack: Any, name: str, definition: Mapping[str, Any], *, owner: Any = None,
                  given: dict[str, Any] | None = None) -> _Resource:
    rtype = definition["type"]
    where = f"resources.{owner.name if owner else name}"
    key = f"{where}.properties.resource_def.type" if owner is not None and isinstance(owner, ResourceGroup) else (
        f"{where}.properties.resources[{name}]" if owner is not None else f"{where}.type")
    try:
        resolved = stack.resolve_type(rtype, name if owner is None else None, key)
    except TemplateError:
        raise
    if resolved.template is not None:
        res: _Resource = TemplateResource(stack, name, definition, rtype, resolved.template, given)
    else:
        kind = _KINDS.get(resolved.native or "", Placeholder)
        res = kind(stack, name, definition, resolved.native or rtype)
        if given is not None:
            res._props = given
    if owner is not None:
        res._exists = True
    return res
