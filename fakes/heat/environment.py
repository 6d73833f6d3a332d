"""Heat environments: ``-e`` files merged in order, and the resource registry.

Semantics follow Heat's server side (``merge_environments``): ``parameters``/``parameter_defaults`` merge per
``parameter_merge_strategies`` (overwrite by default; merge/deep_merge for maps, lists, strings, numbers;
conflicting strategies for one key are an error); other sections merge key by key. Relative template paths in
``resource_registry`` are resolved against the environment file's directory, as heatclient does for any value
without ``::``. Registry lookups rank like Heat: per-resource mappings before type mappings; among equals, the
lexicographically smaller key first; only a *trailing* ``*`` is a wildcard (so ``OS::TripleO::Tasks::*PreConfig``
is, in Heat as here, a literal key that matches nothing).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CyclicStackError, TemplateError, UnknownResourceType, YamlSyntaxError

__all__ = ["Environment", "RegistryEntry", "Resolved", "ResourceRegistry", "merge_environment_dicts"]

SECTIONS = ("parameters", "parameter_defaults", "resource_registry", "parameter_merge_strategies",
            "event_sinks", "encrypted_param_names")
_STRATEGIES = ("overwrite", "merge", "deep_merge")
_TEMPLATE_SUFFIXES = (".yaml", ".template", ".yml")
# keys of a per-resource registry entry that name no resource type: breakpoints and restricted actions
NOT_TYPES = ("hooks", "restricted_actions")


@dataclass(frozen=True)
class RegistryEntry:
    key: str
    value: str | None
    base: Path | None  # directory a relative template path is resolved against
    source: str  # the environment file that set it


@dataclass(frozen=True)
class Resolved:
    """A resource type after the registry: a template file to nest, or a type the fake models natively."""

    template: Path | None = None
    native: str | None = None


class ResourceRegistry:
    def __init__(self) -> None:
        self.types: dict[str, RegistryEntry] = {}
        self.per_resource: dict[str, dict[str, RegistryEntry]] = {}
        self.loaded = False
        self._found: dict[tuple[str, str | None], list[tuple[int, str, RegistryEntry]]] = {}

    def load(self, registry: Mapping[str, Any], base: Path | None, source: str) -> None:
        # Heat merges later files with merge_map, which skips null values: a null deletes an entry only in
        # the first environment that has a resource_registry.
        first = not self.loaded
        self.loaded = True
        self._found.clear()
        for key, value in registry.items():
            if not isinstance(key, str):
                raise YamlSyntaxError(source, f"resource_registry.{key}", expected="a resource type name (a string)",
                                      found=repr(key))
            if value is None and not first:
                continue
            if key == "resources" and isinstance(value, Mapping):
                for rname, mapping in value.items():
                    if not isinstance(rname, str):
                        raise YamlSyntaxError(source, f"resource_registry.resources.{rname}",
                                              expected="a resource name (a string)", found=repr(rname))
                    if not isinstance(mapping, Mapping):
                        raise YamlSyntaxError(source, f"resource_registry.resources.{rname}",
                                              expected="a mapping of resource type to template or type",
                                              found=repr(mapping)[:80])
                    slot = self.per_resource.setdefault(rname, {})
                    for rtype, target in mapping.items():
                        if not isinstance(rtype, str):  # (an AttributeError traceback: found by nox -s fuzz)
                            raise YamlSyntaxError(source, f"resource_registry.resources.{rname}.{rtype}",
                                                  expected="a resource type name (a string)", found=repr(rtype))
                        # breakpoints and actions, not types; a mapping: a resource of this one's nested stack
                        if rtype in NOT_TYPES or isinstance(target, Mapping):
                            continue
                        if not (isinstance(target, str) or target is None):
                            raise YamlSyntaxError(source, f"resource_registry.resources.{rname}.{rtype}",
                                                  expected="a resource type or template path",
                                                  found=repr(target)[:80])
                        self._put(slot, rtype, target, base, source)
            elif key == "base_url" or isinstance(value, Mapping):
                continue
            elif value is None or isinstance(value, str):
                self._put(self.types, key, value, base, source)
            else:
                raise YamlSyntaxError(source, f"resource_registry.{key}",
                                      expected="a resource type or template path", found=repr(value)[:80])

    @staticmethod
    def _put(slot: dict[str, RegistryEntry], key: str, value: str | None, base: Path | None, source: str) -> None:
        if value is None:
            if key.endswith("*"):
                for k in [k for k in slot if k.startswith(key[:-1])]:
                    del slot[k]
            else:
                slot.pop(key, None)
            return
        slot[key] = RegistryEntry(key, value, base, source)

    def _candidates(self, rtype: str, rname: str | None) -> list[tuple[int, str, RegistryEntry]]:
        # every node's nested stack asks the same questions: answer each (type, resource name) once per registry
        found = self._found.get((rtype, rname))
        if found is None:
            found = self._found[(rtype, rname)] = self._match(rtype, rname)
        return found

    def _match(self, rtype: str, rname: str | None) -> list[tuple[int, str, RegistryEntry]]:
        found: list[tuple[int, str, RegistryEntry]] = []
        if rname and rtype in self.per_resource.get(rname, {}):
            found.append((3, rtype, self.per_resource[rname][rtype]))
        if rtype in self.types:
            found.append((1, rtype, self.types[rtype]))
        for key, entry in self.types.items():
            if key.endswith("*") and rtype != entry.value and rtype.startswith(key[:-1]):
                found.append((1, key, entry))
        found.sort(key=lambda c: (-c[0], c[1]))
        return found

    def resolve(self, rtype: str, rname: str | None, *, native: frozenset[str] | set[str],
                referrer: str = "", key: str = "", _seen: tuple[str, ...] = ()) -> Resolved:
        if rtype in _seen:
            raise CyclicStackError(referrer, key, expected="a resource_registry without mapping cycles",
                                   found=" -> ".join((*_seen, rtype)))
        for _, matched, entry in self._candidates(rtype, rname):
            value = entry.value or ""
            if value.endswith(_TEMPLATE_SUFFIXES) or "::" not in value:
                if value.startswith("file://"):
                    value = value[len("file://"):]
                full = Path(value) if entry.base is None else entry.base / value
                return Resolved(template=Path(os.path.normpath(full)))
            target = value
            if matched.endswith("*") and value.endswith("*"):
                target = value[:-1] + rtype[len(matched) - 1:]
            try:
                return self.resolve(target, rname, native=native, referrer=referrer, key=key,
                                    _seen=(*_seen, rtype))
            except UnknownResourceType:
                continue
        if rtype in native or _is_foreign_native(rtype):
            return Resolved(native=rtype)
        raise UnknownResourceType(referrer, key, expected="a type mapped in resource_registry or a Heat type",
                                  found=repr(rtype), hint="add it to an environment's resource_registry")


def _is_foreign_native(rtype: str) -> bool:
    """OpenStack project types (OS::Nova::Server, OS::Neutron::Port, ...) that a TripleO stack may name but
    whose real objects the simulation never creates; they get placeholder attributes."""
    parts = rtype.split("::")
    return len(parts) == 3 and parts[0] in ("OS", "AWS") and parts[1] not in ("TripleO", "Heat")


@dataclass
class Environment:
    """The merged environment of a stack: the root stack's and every nested stack's."""

    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_defaults: dict[str, Any] = field(default_factory=dict)
    registry: ResourceRegistry = field(default_factory=ResourceRegistry)
    files: list[str] = field(default_factory=list)
    # the file that last set each value: "parameters.<name>" / "parameter_defaults.<name>" -> environment file
    origins: dict[str, str] = field(default_factory=dict)


def _merge_map(old: Any, new: Mapping[str, Any], deep: bool = False) -> Any:
    if not old:
        return new
    for k, v in new.items():
        if v is None:
            continue
        if not deep:
            old[k] = v
        elif isinstance(v, Mapping):
            old[k] = _merge_map(old.get(k), v, deep) if old.get(k) else v
        elif isinstance(v, Sequence) and not isinstance(v, str):
            old[k] = _merge_list(old.get(k), v) if old.get(k) else v
        elif isinstance(v, str):
            old[k] = "".join([old.get(k, ""), v])
        else:
            old[k] = v
    return old


def _merge_list(old: Any, new: Any) -> Any:
    if not old:
        return new
    if isinstance(new, list):
        return [*old, *new] if isinstance(old, list) else ",".join([old, ",".join(map(str, new))])
    return ",".join([old, new]) if isinstance(old, str) else [*old, *str(new).split(",")]


def _merge_params(old: dict[str, Any], new: Mapping[str, Any], strategies: Mapping[str, Any],
                  known: dict[str, str], source: str, section: str) -> dict[str, Any]:
    # Heat: a file that names no strategy for a key keeps the one recorded for it (else the file's default)
    default = strategies.get("default", "overwrite")
    for key, value in new.items():
        if value is None:
            continue
        strategy = strategies.get(key, known.get(key, default))
        if strategy not in _STRATEGIES:
            strategy = default
        if key in known and known[key] != strategy:
            raise TemplateError(source, f"parameter_merge_strategies.{key}",
                                expected=f"the strategy set earlier ({known[key]})", found=strategy)
        known.setdefault(key, strategy)
    if not old:
        return dict(new)
    for key, value in new.items():
        if value is None:
            continue
        strategy = known[key]
        if strategy == "overwrite":
            old[key] = value
            continue
        prev = old.get(key)
        if isinstance(value, Mapping) or isinstance(prev, Mapping):
            old[key] = _merge_map(copy.deepcopy(prev) if prev else {}, value, strategy == "deep_merge")
        elif isinstance(value, list) or isinstance(prev, list):
            old[key] = _merge_list(prev, value)
        elif isinstance(value, str):
            old[key] = "".join([prev or "", value])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            old[key] = (prev or 0) + value
        else:
            raise TemplateError(source, f"{section}.{key}", expected="a value that can be merged",
                                found=type(value).__name__)
    return old


def merge_environment_dicts(envs: Sequence[tuple[str, Mapping[str, Any], Path | None]]) -> Environment:
    """Merge parsed environment files ``(display name, content, base dir)`` in order into one Environment."""
    merged = Environment()
    known: dict[str, str] = {}
    for source, content, base in envs:
        if not isinstance(content, Mapping):
            raise YamlSyntaxError(source, expected="an environment mapping", found=type(content).__name__)
        for section in content:
            if section not in SECTIONS:
                raise YamlSyntaxError(source, str(section), expected="one of " + ", ".join(SECTIONS),
                                      found=repr(section))
        strategies = content.get("parameter_merge_strategies") or {}
        if not isinstance(strategies, Mapping) or not all(isinstance(v, str) for v in strategies.values()):
            raise YamlSyntaxError(source, "parameter_merge_strategies",
                                  expected="a mapping of parameter name (or default) to " + " | ".join(_STRATEGIES),
                                  found=repr(strategies)[:80])
        for section in ("parameters", "parameter_defaults"):
            values = content.get(section)
            if values:
                if not isinstance(values, Mapping):
                    raise YamlSyntaxError(source, section, expected="a mapping", found=type(values).__name__)
                setattr(merged, section, _merge_params(getattr(merged, section), copy.deepcopy(dict(values)),
                                                       strategies, known, source, section))
                merged.origins.update((f"{section}.{key}", source) for key, v in values.items() if v is not None)
        registry = content.get("resource_registry")
        if registry:
            if not isinstance(registry, Mapping):
                raise YamlSyntaxError(source, "resource_registry", expected="a mapping",
                                      found=type(registry).__name__)
            merged.registry.load(registry, base, source)
        merged.files.append(source)
    return merged
