"""What the containers' puppet-generated configuration depends on, without running puppet.

container-puppet (docker-puppet.py before Train) runs puppet once per ``config_volume`` of a role's
``puppet_config`` entries and writes the result under ``/var/lib/config-data/<volume>`` and
``/var/lib/config-data/puppet-generated/<volume>``; a hash of each volume's files goes into the startup
definition (``TRIPLEO_CONFIG_HASH``) of every container that mounts it, so such a container is recreated when
its volume's content changes. The files are what puppet makes of the volume's manifests (``step_config``,
restricted to ``puppet_tags``) and the hieradata they read.

The model hashes those inputs instead of the output: the entries' manifests and tags, the config image's
repository (the release's puppet modules; a new tag of the same image in a minor update is taken as generating the
same files), and the part of the role's hieradata (role_data ``config_settings``) the manifests read — the keys in
the namespaces of the puppet modules the volume's profiles and tags name (``nova::`` for
``tripleo::profile::base::nova::api`` or ``nova_config``), their profile parameters
(``tripleo::profile::base::nova::*``) and the flat keys with the module's prefix (``mysql_max_connections``).
Global hieradata (``all_nodes``: node lists, VIPs) is not part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .plan import stable_digest

__all__ = ["CONFIG_DATA", "config_volume_of", "volume_hashes", "volume_hieradata"]

CONFIG_DATA = "/var/lib/config-data/"
_GENERATED = ("puppet-generated", "ansible-generated")
_PROFILE = re.compile(r"\btripleo::profile::(base|pacemaker)::([a-z0-9_]+)")
_GENERIC_TAGS = frozenset({"file", "concat", "file_line", "exec", "augeas", "package", "service"})


def config_volume_of(host_path: str) -> str | None:
    """The config volume a bind mount's host path belongs to (``/var/lib/config-data/puppet-generated/nova/`` and
    ``/var/lib/config-data/nova/etc/nova`` both ``nova``), as tripleo-ansible's ``container_puppet_config`` finds
    it; None outside ``/var/lib/config-data``."""
    if not host_path.startswith(CONFIG_DATA):
        return None
    parts = [p for p in host_path[len(CONFIG_DATA):].split("/") if p]
    if parts and parts[0] in _GENERATED:
        parts = parts[1:]
    return parts[0] if parts else None


def _modules(volume: str, entries: Iterable[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    """The puppet modules a volume's manifests use, and the profile namespaces whose parameters they read."""
    modules = {volume.split("_")[0]}
    profiles: set[str] = set()
    for entry in entries:
        for kind, module in _PROFILE.findall(str(entry.get("step_config") or "")):
            profiles.add(f"tripleo::profile::{kind}::{module}")
            modules.add(module.split("_")[0])  # haproxy_bundle, rabbitmq_bundle: the haproxy, rabbitmq modules
        for tag in str(entry.get("puppet_tags") or "").split(","):
            tag = tag.strip()
            if tag and "::" not in tag and tag not in _GENERIC_TAGS:
                modules.add(tag.split("_")[0])  # nova_config, glance_api_config, neutron_plugin_ml2
    modules.discard("database")  # tripleo::profile::base::database::mysql::client: a profile, not a module
    return modules, profiles


def volume_hieradata(volume: str, entries: Iterable[Mapping[str, Any]],
                     config_settings: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``config_settings`` the manifests of ``volume`` (its ``puppet_config`` entries) read."""
    modules, profiles = _modules(volume, entries)
    picked = {}
    for key, value in config_settings.items():
        if "::" in key:
            wanted = key.split("::", 1)[0] in modules or any(key == p or key.startswith(p + "::") for p in profiles)
        else:
            wanted = key.split("_", 1)[0] in modules
        if wanted:
            picked[key] = value
    return picked


def _repository(image: str) -> str:
    """An image reference without its tag (``registry:5000/ns/nova-config:tag`` -> ``registry:5000/ns/nova-config``)."""
    name, _, tag = image.rpartition(":")
    return name if name and "/" not in tag else image


def volume_hashes(puppet_config: Any, config_settings: Mapping[str, Any]) -> dict[str, str]:
    """A hash of what each config volume of a role's ``puppet_config`` is generated from (see the module's
    docstring); an entry that is not a mapping with a ``config_volume`` is left out."""
    by_volume: dict[str, list[Mapping[str, Any]]] = {}
    for entry in puppet_config if isinstance(puppet_config, list) else ():
        if isinstance(entry, Mapping) and isinstance(entry.get("config_volume"), str) and entry["config_volume"]:
            by_volume.setdefault(entry["config_volume"], []).append(entry)
    hashes = {}
    for volume, entries in by_volume.items():
        manifests = sorted((str(e.get("step_config") or ""), str(e.get("puppet_tags") or ""),
                            _repository(str(e.get("config_image") or ""))) for e in entries)
        data = [manifests, volume_hieradata(volume, entries, config_settings)]
        hashes[volume] = stable_digest(data)
    return hashes
