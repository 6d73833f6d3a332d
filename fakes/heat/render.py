"""In-memory rendering of a THT tree's ``*.j2.yaml`` files, as that tree's own ``tools/process-templates.py``
renders them.

Releases differ (Ocata passes the role *name* to role templates and has no network templates; Train added the
tag auto-add; Wallaby added ``deprecated_nic_config_name``); rather than keying behaviour on a version number,
:func:`renderer_profile` reads the features off the tree's own script, so a local checkout renders the way its
own tool would. jinja2 runs in a sandbox because templates in CI gating come from pull requests.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .yamlio import load_yaml, read_text

__all__ = ["RenderProfile", "Renderer", "renderer_profile"]

_SCRIPT = "tools/process-templates.py"


@dataclass(frozen=True)
class RenderProfile:
    """What a tree's process-templates.py does, read from its source text."""

    role_as_dict: bool = True  # pass r_map[role] when the template says {{role.name}}
    network_templates: bool = True  # *.network.j2.yaml and a `networks` variable
    network_idx: bool = True  # network_data entries get an `idx`
    tag_auto_add: bool = True  # Compute*/Ceph*/... roles get tags added by name
    deprecated_nic_config_name: bool = False
    disable_constraints: bool = False  # Ocata: role templates get disable_constraints
    default_network_data: str = "network_data.yaml"


def renderer_profile(root: Path) -> RenderProfile:
    script = root / _SCRIPT
    if not script.is_file():
        return RenderProfile()
    text = script.read_text(errors="replace")
    m = re.search(r"'--network-data'.*?default='([^']+)'", text, re.S)
    return RenderProfile(
        role_as_dict="'{{role.name}}' in template_data" in text,
        network_templates=".network.j2.yaml" in text,
        network_idx="'idx': idx" in text,
        tag_auto_add="_set_tags_based_on_role_name(role_data)" in text,
        deprecated_nic_config_name="deprecated_nic_config_name" in text,
        disable_constraints="disable_constraints" in text,
        default_network_data=m.group(1) if m else "network_data.yaml",
    )


def _auto_tags(roles: list[dict[str, Any]]) -> None:
    rules = (
        (("Compute", "HciCeph", "DistributedCompute"), "compute"),
        (("Ceph",), "ceph"),
        (("ComputeOvsDpdk",), "ovsdpdk"),
        (("ObjectStorage", "BlockStorage", "Ceph"), "storage"),
    )
    for role in roles:
        role["tags"] = role.get("tags", [])
        name = role.get("name", "")
        for prefixes, tag in rules:
            if name.startswith(prefixes) and tag not in role["tags"]:
                role["tags"].append(tag)


class Renderer:
    """Knows, after one walk of the tree, which output file each j2 source renders to; renders on demand."""

    def __init__(self, root: Path, roles_data: list[dict[str, Any]], network_data: list[dict[str, Any]],
                 profile: RenderProfile | None = None):
        self.root = root
        self.profile = profile or renderer_profile(root)
        self.roles = copy.deepcopy(roles_data)
        self.networks = copy.deepcopy(network_data or [])
        if self.profile.network_idx:
            for idx, net in enumerate(self.networks):
                net["idx"] = idx
        if self.profile.tag_auto_add:
            _auto_tags(self.roles)
        self.net_map: dict[str, dict[str, Any]] = {}
        for net in self.networks:
            if net.get("enabled") is not False:
                name = str(net.get("name"))
                self.net_map[name] = net
                if not net.get("name_lower"):
                    net["name_lower"] = name.lower()
        self._env = SandboxedEnvironment(loader=_TreeLoader(root))
        self.outputs: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {}
        self._cache: dict[str, str] = {}
        self._index()

    def _excludes(self) -> set[str]:
        path = self.root / "j2_excludes.yaml"
        if not path.is_file():
            return set()
        data = load_yaml(read_text(path, "j2_excludes.yaml"), "j2_excludes.yaml", require_mapping=False) or {}
        return {os.path.normpath(str(e)) for e in (data.get("name") or []) if e is not None}

    def _index(self) -> None:
        excludes = self._excludes()
        role_names = [str(r.get("name")) for r in self.roles]
        r_map = {str(r.get("name")): r for r in self.roles}
        for subdir, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel_dir = os.path.relpath(subdir, self.root)
            rel_dir = "" if rel_dir == "." else rel_dir
            for f in sorted(files):
                if f.startswith("."):
                    continue
                src = os.path.join(rel_dir, f)
                if f.endswith(".role.j2.yaml"):
                    for role in role_names:
                        out = os.path.join(rel_dir, f"{role.lower()}-{f.replace('.role.j2.yaml', '.yaml')}")
                        if "network/config" in src:
                            nic = r_map[role].get("deprecated_nic_config_name")
                            if self.profile.deprecated_nic_config_name and nic:
                                out = os.path.join(rel_dir, nic)
                            else:
                                out = os.path.join(rel_dir, f"{role.lower()}.yaml")
                        if os.path.normpath(out) not in excludes:
                            self.outputs[out] = (src, self._role_data(src, r_map[role]))
                elif f.endswith(".network.j2.yaml") and self.profile.network_templates:
                    for net in self.net_map.values():
                        name = f.replace(".network.j2.yaml", ".yaml")
                        word = "port" if rel_dir.endswith("ports") else "network"
                        out = os.path.join(rel_dir, name.replace(word, net["name_lower"]))
                        if os.path.normpath(out) not in excludes:
                            self.outputs[out] = (src, _const({"network": net}))
                elif f.endswith(".j2.yaml"):
                    out = os.path.join(rel_dir, f.replace(".j2.yaml", ".yaml"))
                    data: dict[str, Any] = {"roles": self.roles}
                    if self.profile.network_templates:
                        data["networks"] = self.networks
                    self.outputs[out] = (src, _const(data))

    def _role_data(self, src: str, role: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        def make() -> dict[str, Any]:
            if not self.profile.role_as_dict:
                data: dict[str, Any] = {"role": role.get("name")}
                if self.profile.disable_constraints and role.get("disable_constraints", False):
                    data["disable_constraints"] = True
                return data
            text = self._source(src)
            if "{{role.name}}" in text:
                return {"role": role, "networks": self.networks}
            return {"role": role.get("name"), "networks": self.networks}
        return make

    def _source(self, src: str) -> str:
        return read_text(self.root / src, src)

    def render(self, out: str) -> str:
        """The rendered text of output path ``out`` (relative to the root)."""
        if out not in self._cache:
            src, data = self.outputs[out]
            base = os.path.dirname(src)
            try:
                self._env.loader = _TreeLoader(self.root, base)
                self._cache[out] = self._env.from_string(self._source(src)).render(**data())
            except jinja2.TemplateError as exc:
                line = getattr(exc, "lineno", None)
                raise TemplateError(src, f"line {line}" if line else "", expected="a renderable jinja2 template",
                                    found=f"{type(exc).__name__}: {exc}") from None
        return self._cache[out]


def _const(data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: data


class _TreeLoader(jinja2.FileSystemLoader):
    """Like process-templates.py: the template's own directory first, then the tree root; never outside it."""

    def __init__(self, root: Path, base: str = ""):
        paths = [str(root / base), str(root)] if base else [str(root)]
        super().__init__(paths)
