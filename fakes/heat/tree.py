"""A THT template tree: files on disk overlaid with the in-memory rendering of its ``*.j2.yaml`` files.

All reads go through :meth:`TemplateTree.read_text`, which confines paths to the roots (the THT tree, plus
the directories of the user's own environment files) and caches parsed YAML by path.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any

from .errors import FileOutsideRoot, TemplateNotFound, YamlSyntaxError
from .render import Renderer, renderer_profile
from .yamlio import load_yaml, read_text

__all__ = ["TemplateTree"]


class TemplateTree:
    """One THT tree rendered for one roles_data and network_data."""

    def __init__(self, root: Path, roles_data: list[dict[str, Any]], network_data: list[dict[str, Any]],
                 roles_file: str = "roles_data.yaml"):
        self.root = root.resolve()
        self.roles_file = roles_file
        self.roles_data = roles_data
        self.network_data = network_data
        self.renderer = Renderer(self.root, roles_data, network_data)
        self.extra_roots: list[Path] = []
        # files read from outside the tree (the user's own environments and the templates they map): what a plan
        # evaluated from this tree depends on besides the tree itself
        self.read_outside: set[Path] = set()
        self._yaml: dict[str, Any] = {}
        self.version = _read_version(self.root)

    @classmethod
    def from_path(cls, root: str | os.PathLike[str], roles_data: str | os.PathLike[str] | list[Any] | None = None,
                  network_data: str | os.PathLike[str] | list[Any] | None = None) -> TemplateTree:
        """``roles_data``/``network_data``: a path, an already-parsed list, or None for the tree's defaults."""
        root = Path(root).resolve()
        roles, roles_file = _load_list(root, roles_data, "roles_data.yaml", what="a list of roles")
        _check_roles(roles, roles_file)
        default_net = renderer_profile(root).default_network_data
        nets, nets_file = _load_list(root, network_data, default_net, what="a list of networks", optional=True)
        _check_names(nets, nets_file, "network")
        _check_networks(nets, nets_file)
        return cls(root, roles, nets, roles_file)

    # ---- paths -------------------------------------------------------------------------------------
    def display(self, path: Path | str) -> str:
        """A path as users should read it: relative to the tree root when inside it."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(p)

    def locate(self, ref: str, base: Path | None, *, referrer: str, key: str) -> Path:
        """Resolve ``ref`` (relative to the directory ``base``, or the root) and confine it to the roots."""
        if ref.startswith("file://"):
            ref = ref[len("file://"):]
        start = base if base is not None else self.root
        candidate = Path(posixpath.normpath((start / ref).as_posix()))
        for allowed in (self.root, *self.extra_roots):
            if candidate == allowed or allowed in candidate.parents:
                return candidate
        raise FileOutsideRoot(referrer, key, expected=f"a path inside the template root {self.root}",
                              found=repr(ref))

    def confine(self, path: Path, *, referrer: str, key: str) -> Path:
        """``path`` itself if it lies inside the roots; a typed error otherwise."""
        if any(path == r or r in path.parents for r in (self.root, *self.extra_roots)):
            return path
        raise FileOutsideRoot(referrer, key, expected=f"a template inside the template root {self.root}",
                              found=str(path))

    def _rendered_key(self, path: Path) -> str | None:
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return None
        return rel if rel in self.renderer.outputs else None

    def exists(self, path: Path) -> bool:
        return self._rendered_key(path) is not None or path.is_file()

    def read_text(self, path: Path, *, referrer: str = "", key: str = "") -> str:
        rendered = self._rendered_key(path)
        if rendered is not None:
            return self.renderer.render(rendered)
        try:
            real = path.resolve()
        except OSError:
            real = path
        if real != path and not any(real == r or r in real.parents for r in (self.root, *self.extra_roots)):
            raise FileOutsideRoot(referrer or self.display(path), key, expected="a file inside the template root",
                                  found=f"a link to {real}")
        if self.root not in path.parents:
            self.read_outside.add(path)
        try:
            return read_text(path, self.display(path))
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise TemplateNotFound(referrer or self.display(path), key, expected="an existing file",
                                   found=repr(self.display(path))) from None

    def load(self, path: Path, *, referrer: str = "", key: str = "") -> Any:
        """Parsed YAML of a template or environment file (cached)."""
        cache_key = str(path)
        if cache_key not in self._yaml:
            self._yaml[cache_key] = load_yaml(self.read_text(path, referrer=referrer, key=key), self.display(path))
        return self._yaml[cache_key]


def _read_version(root: Path) -> str:
    for name in ("PKG-INFO",):
        f = root / name
        if f.is_file():
            m = re.search(r"^Version:\s*(\S+)", f.read_text(errors="replace"), re.M)
            if m:
                return m.group(1)
    return "local"


def _load_list(root: Path, given: Any, default: str, *, what: str, optional: bool = False) -> tuple[list[Any], str]:
    if isinstance(given, list):
        return given, "<roles_data>"
    path = Path(given) if given is not None else root / default
    label = str(given) if given is not None else default
    if not path.is_file():
        if optional and given is None:
            return [], label
        raise TemplateNotFound(label, expected="an existing file",
                               found="a directory" if path.is_dir() else "no such file")
    data = load_yaml(read_text(path, label), label, require_mapping=False)
    if data is None and optional:
        return [], label
    if not isinstance(data, list):
        raise YamlSyntaxError(label, expected=what, found=type(data).__name__)
    return data, label


# the role metadata tripleo-common's validate_role_yaml checks the types of (utils/roles.py); the j2 templates
# iterate ServicesDefault, tags and networks, so a string there would render its characters
_ROLE_TYPES: dict[str, tuple[type, ...]] = {
    "CountDefault": (int,), "HostnameFormatDefault": (str,), "upgrade_batch_size": (int,), "ServicesDefault": (list,),
    "tags": (list,), "description": (str,), "networks": (list, dict), "networks_skip_config": (list,),
}


def _check_roles(roles: list[Any], file: str) -> None:
    if not roles:
        raise YamlSyntaxError(file, expected="a list of roles (at least one)", found="an empty list")
    _check_names(roles, file, "role")
    for i, role in enumerate(roles):
        for key, types in _ROLE_TYPES.items():
            value = role.get(key)
            if key in role and (not isinstance(value, types) or isinstance(value, bool)):
                expected = " or ".join("an integer" if t is int else f"a {t.__name__}" for t in types)
                raise YamlSyntaxError(file, f"[{i}].{key}", expected=f"{expected} (role {role['name']})",
                                      found=repr(value)[:80])
        for j, service in enumerate(role.get("ServicesDefault") or ()):
            if not isinstance(service, str) or not service:
                raise YamlSyntaxError(file, f"[{i}].ServicesDefault[{j}]",
                                      expected="a service's resource type, e.g. OS::TripleO::Services::Keystone",
                                      found=repr(service)[:80])


# network_data keys whose type the templates' rendering relies on (name_lower names rendered files)
_NETWORK_TYPES: dict[str, tuple[type, str]] = {
    "name_lower": (str, "a string without '/'"), "vip": (bool, "true or false"),
    "enabled": (bool, "true or false"), "ipv6": (bool, "true or false"), "mtu": (int, "an integer"),
    "vlan": (int, "an integer"), "ip_subnet": (str, "a CIDR string"), "ipv6_subnet": (str, "a CIDR string"),
    "subnets": (dict, "a mapping of subnet names to subnets"),
}


def _check_networks(entries: list[dict[str, Any]], file: str) -> None:
    """The typed keys of each network_data entry (a name_lower of 5 gave a TypeError traceback while rendering; a
    subnets list was reported at a template of the tree)."""
    for i, entry in enumerate(entries):
        for key, (kind, expected) in _NETWORK_TYPES.items():
            value: Any = entry.get(key)
            if value is None:  # unset (an empty name_lower too: the name, lower-cased)
                continue
            bad = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
            if key == "name_lower" and not bad:
                bad = "/" in str(value)
            elif key == "subnets" and not bad:
                bad = not all(isinstance(v, dict) for v in dict(value).values())
            if bad:
                raise YamlSyntaxError(file, f"[{i}].{key}", expected=expected, found=repr(value)[:80])


def _check_names(entries: list[Any], file: str, what: str) -> None:
    """Each entry of a roles_data or network_data list is a mapping with its own non-empty string ``name``."""
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise YamlSyntaxError(file, f"[{i}].name", expected=f"a {what} mapping with a non-empty string name",
                                  found=repr(entry)[:80])
        if entry["name"] in seen:
            raise YamlSyntaxError(file, f"[{i}].name", expected=f"unique {what} names",
                                  found=f"{entry['name']!r} twice")
        seen.add(entry["name"])
