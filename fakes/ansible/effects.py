"""Module → effect catalogue: what a task does to the simulated cloud.

:func:`classify` turns a :class:`~fakes.ansible.results.ModuleCall` into :class:`Effect` records (service
stopped/started, package or image upgraded, pacemaker resource state, schema migrated, reboot, container
removed, hiera key set ...).  Modules, and ``command``/``shell`` lines, that are not recognised give one
``opaque`` effect, so nothing is silently ignored.  The world model consumes effects; :func:`recording_effects`
wraps a result function so a run also collects them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .results import Effects, ModuleCall, canned_result

__all__ = ["MODELLED_MODULES", "Effect", "classify", "is_modelled", "recording_effects"]


@dataclass(frozen=True)
class Effect:
    """``kind`` e.g. ``service``, ``package``, ``image``, ``container``, ``pacemaker``, ``db_schema``,
    ``reboot``, ``hiera``, ``file``, ``noop`` or ``opaque``; ``target`` the unit/package/resource; ``state``
    the resulting state (``stopped``, ``started``, ``latest``, ``disabled``, ``migrated``, ...)."""

    host: str
    kind: str
    target: str
    state: str
    source: str  # module or command pattern that produced it
    detail: str = ""  # what else the consumer needs (``container_manage``: ``name=image`` overrides, comma-separated)


_SYSTEMD_STATE = {"stopped": "stopped", "started": "started", "restarted": "restarted", "reloaded": "reloaded"}


def _raw(call: ModuleCall) -> str:
    value = call.args.get("_raw_params", call.args.get("cmd", call.args.get("argv", "")))
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _service(call: ModuleCall) -> list[Effect]:
    name = str(call.args.get("name", "?"))
    out = []
    if "state" in call.args:
        out.append(
            Effect(
                call.target,
                "service",
                name,
                _SYSTEMD_STATE.get(str(call.args["state"]), str(call.args["state"])),
                call.action,
            )
        )
    if "enabled" in call.args:
        enabled = str(call.args["enabled"]).lower() in ("true", "yes", "1")
        out.append(Effect(call.target, "service", name, "enabled" if enabled else "disabled", call.action))
    return out or [Effect(call.target, "noop", name, "daemon-reload", call.action)]


def _package(call: ModuleCall) -> list[Effect]:
    names = call.args.get("name", "?")
    names = names if isinstance(names, list) else [names]
    state = str(call.args.get("state", "present"))
    return [Effect(call.target, "package", str(n), state, call.action) for n in names]


def _pacemaker(call: ModuleCall) -> list[Effect]:
    # pacemaker_cluster acts on the cluster stack of its host (THT never passes ``node``), not on a resource
    default = "cluster" if call.action.endswith("pacemaker_cluster") else "?"
    return [
        Effect(
            call.target, "pacemaker", str(call.args.get("resource", default)), str(call.args.get("state", "?")),
            call.action
        )
    ]


def _container(call: ModuleCall) -> list[Effect]:
    return [
        Effect(
            call.target,
            "container",
            str(call.args.get("name", "?")),
            str(call.args.get("state", "present")),
            call.action,
        )
    ]


def _image(call: ModuleCall) -> list[Effect]:
    return [Effect(call.target, "image", str(call.args.get("name", "?")), "pulled", call.action)]


def _container_manage(call: ModuleCall) -> list[Effect]:
    """tripleo-ansible's ``tripleo_container_manage`` module (the role's engine, which THT's external update tasks
    also call directly): (re)creates each container whose startup config file in ``config_dir`` matches
    ``config_patterns`` on the host, its definition merged with ``config_overrides[<name>]`` (an ``image``)."""
    config_dir = str(call.args.get("config_dir", "?")).rstrip("/")
    pattern = str(call.args.get("config_patterns", "*.json"))
    overrides = call.args.get("config_overrides")
    overrides = overrides if isinstance(overrides, Mapping) else {}
    images = sorted(f"{name}={o['image']}" for name, o in overrides.items()
                    if isinstance(o, Mapping) and o.get("image"))
    return [Effect(call.target, "container_manage", f"{config_dir}/{pattern}", "managed", call.action,
                   ",".join(images))]


def _reboot(call: ModuleCall) -> list[Effect]:
    return [Effect(call.target, "reboot", call.target, "rebooted", call.action)]


def _file(call: ModuleCall) -> list[Effect]:
    path = str(call.args.get("path", call.args.get("dest", "?")))
    return [Effect(call.target, "file", path, str(call.args.get("state", "present")), call.action)]


def _noop(call: ModuleCall) -> list[Effect]:
    return [Effect(call.target, "noop", call.action, "ok", call.action)]


def _stop_on_delegates(call: ModuleCall) -> list[Effect]:
    """tripleo_container_stop stops the containers on each of its ``tripleo_delegate_to`` hosts (the external
    upgrade playbook runs on the undercloud and names the service's nodes)."""
    hosts = call.args.get("delegate_to") or [call.target]
    hosts = [hosts] if isinstance(hosts, str) else hosts
    names = call.args.get("containers") or []
    names = names if isinstance(names, list) else [names]
    return [Effect(call.target if str(h) == "localhost" else str(h), "container", str(n), "stopped", call.action)
            for h in hosts for n in names]


def _role(kind: str, state: str) -> Callable[[ModuleCall], list[Effect]]:
    def effect(call: ModuleCall) -> list[Effect]:
        if kind == "container":
            names = call.args.get("containers") or []
            names = names if isinstance(names, list) else [names]
            return [Effect(call.target, kind, str(n), state, call.action) for n in names]
        return [
            Effect(
                call.target,
                kind,
                str(call.args.get("key", call.args.get("file", "?"))),
                str(call.args.get("op", state)),
                call.action,
            )
        ]

    return effect


_MODULES: dict[str, Callable[[ModuleCall], list[Effect]]] = {
    "systemd": _service,
    "systemd_service": _service,
    "service": _service,
    "package": _package,
    "dnf": _package,
    "yum": _package,
    "apt": _package,
    "pacemaker_resource": _pacemaker,
    "pacemaker_cluster": _pacemaker,
    "podman_container": _container,
    "docker_container": _container,
    "podman_image": _image,
    "tripleo_container_manage": _container_manage,
    "async_status": _noop,
    "docker_image": _image,
    "reboot": _reboot,
    "file": _file,
    "copy": _file,
    "template": _file,
    "lineinfile": _file,
    "ini_file": _file,
    "replace": _file,
    "blockinfile": _file,
    "stat": _noop,
    "debug": _noop,
    "set_fact": _noop,
    "fail": _noop,
    "assert": _noop,
    "wait_for": _noop,
    "wait_for_connection": _noop,
    "ping": _noop,
    "meta": _noop,
    "slurp": _noop,
    "include_tasks": _noop,
    "import_tasks": _noop,
    "include_role": _noop,
    "import_role": _noop,
    "sim_tripleo_container_tag": lambda call: [Effect(
        call.target, "image", f"{call.args.get('image')}->{call.args.get('latest')}",
        "pulled" if str(call.args.get("pull", True)).lower() in ("true", "yes", "1") else "tagged", call.action)],
    "sim_tripleo_container_rm": _role("container", "removed"),
    "sim_tripleo_container_stop": _stop_on_delegates,
    "sim_tripleo_transfer": lambda call: [Effect(call.target, "data_transfer",
                                                 f"{call.args.get('dest_host', '?')}:{call.args.get('dest_dir', '?')}",
                                                 "synced", call.action)],
    "sim_tripleo_upgrade_hiera": _role("hiera", "set"),
    "sim_tripleo_ha_wrapper": lambda call: [Effect(
        call.target, "pacemaker", str(call.args.get("bundle", "?")),
        # TRIPLEO_MINOR_UPDATE: post_update_tasks' wrapper restarts the node's replica only
        "ha-wrapper-minor" if str(call.args.get("minor_update", "")).lower() in ("true", "yes", "1") else "ha-wrapper",
        call.action)],
}

# (regex on the command line, effect kind, state, group index of the target or a constant target)
_COMMANDS: tuple[tuple[re.Pattern[str], str, str, int | str], ...] = (
    (re.compile(r"\bsystemctl\s+(?:--\S+\s+)*(stop)\s+([^\s;&|]+)"), "service", "stopped", 2),
    (re.compile(r"\bsystemctl\s+(?:--\S+\s+)*(start)\s+([^\s;&|]+)"), "service", "started", 2),
    (re.compile(r"\bsystemctl\s+(?:--\S+\s+)*(restart)\s+([^\s;&|]+)"), "service", "restarted", 2),
    (re.compile(r"\bsystemctl\s+(?:--\S+\s+)*(disable)\s+([^\s;&|]+)"), "service", "disabled", 2),
    (re.compile(r"\bsystemctl\s+(?:--\S+\s+)*(enable)\s+([^\s;&|]+)"), "service", "enabled", 2),
    (re.compile(r"\bsystemctl\s+daemon-reload"), "noop", "daemon-reload", "systemd"),
    (re.compile(r"\bpcs\s+resource\s+(disable)\s+([^\s;&|]+)"), "pacemaker", "disabled", 2),
    (re.compile(r"\bpcs\s+resource\s+(enable)\s+([^\s;&|]+)"), "pacemaker", "enabled", 2),
    (re.compile(r"\bpcs\s+resource\s+(restart)\s+([^\s;&|]+)"), "pacemaker", "restarted", 2),
    (re.compile(r"\bpcs\s+resource\s+(bundle\s+update)\s+([^\s;&|]+)"), "pacemaker", "bundle-updated", 2),
    (re.compile(r"\bpcs\s+resource\s+(ban)\s+([^\s;&|]+)"), "pacemaker", "banned", 2),
    (re.compile(r"\bpcs\s+resource\s+(delete|remove)\s+([^\s;&|]+)"), "pacemaker", "deleted", 2),
    (re.compile(r"\bpcs\s+property\s+set\s+maintenance-mode=(true|false)\b"), "pacemaker", "", "maintenance-mode"),
    (re.compile(r"\bpcs\s+(cluster\s+stop)\b"), "pacemaker", "cluster-stopped", "cluster"),
    (re.compile(r"\bpcs\s+(cluster\s+start)\b"), "pacemaker", "cluster-started", "cluster"),
    (
        re.compile(r"\bpcs\s+(resource\s+(?:config|show|status)|status|property\s+show|constraint)\b"),
        "noop",
        "query",
        "pacemaker",
    ),
    (re.compile(r"\b(podman|docker)\s+(?:stop|kill)\s+([^\s;&|]+)"), "container", "stopped", 2),
    (re.compile(r"\b(podman|docker)\s+rm\s+(?:-f\s+|--force\s+)?([^\s;&|]+)"), "container", "removed", 2),
    (re.compile(r"\b(podman|docker)\s+(?:start|restart)\s+([^\s;&|]+)"), "container", "started", 2),
    (re.compile(r"\b(podman|docker)\s+pull\s+([^\s;&|]+)"), "image", "pulled", 2),
    (re.compile(r"\b(podman|docker)\s+tag\s+([^\s;&|]+\s+[^\s;&|]+)"), "image", "tagged", 2),
    (re.compile(r"\b(podman|docker)\s+(?:inspect|ps|images|exec)\b"), "noop", "query", "container"),
    (re.compile(r"\b(yum|dnf)\s+(?:-\S+\s+)*(?:update|upgrade|distro-sync)\s*([^\s;&|]*)"), "package", "latest", 2),
    (re.compile(r"\b(yum|dnf)\s+(?:-\S+\s+)*install\s+([^\s;&|]+)"), "package", "present", 2),
    (re.compile(r"\b(yum|dnf)\s+(?:-\S+\s+)*(?:remove|erase)\s+([^\s;&|]+)"), "package", "absent", 2),
    (re.compile(r"\b(yum|dnf)\s+(?:-\S+\s+)*module\s+(?:reset|enable|disable)\s+([^\s;&|]+)"), "package", "module", 2),
    (re.compile(r"\brpm\s+-q"), "noop", "query", "rpm"),
    (
        re.compile(r"\b([a-z]+)-manage\s+(?:--\S+\s+)*(?:api_)?db(?:\s+|_)(?:sync|online_data_migrations)"),
        "db_schema",
        "migrated",
        1,
    ),
    (re.compile(r"\b(reboot|shutdown\s+-r)\b"), "reboot", "rebooted", "host"),
)


def classify(call: ModuleCall) -> list[Effect]:
    """Effects of one module call; unknown modules and unrecognised command lines give ``opaque``."""
    handler = _MODULES.get(call.action)
    if handler is not None:
        return handler(call)
    if call.action in ("command", "shell", "raw", "script"):
        line = _raw(call)
        found = _command_effects(line)
        if found:
            return [Effect(call.target, kind, name, state, f"{call.action}:{pat}") for kind, name, state, pat in found]
        return [Effect(call.target, "opaque", line[:80], "unknown", call.action)]
    return [Effect(call.target, "opaque", call.action, "unknown", call.action)]


@functools.lru_cache(maxsize=8192)
def _command_effects(line: str) -> tuple[tuple[str, str, str, str], ...]:
    """(kind, name, state, pattern) for each command pattern match in ``line``; the same line recurs on every
    host of a role, so the scan runs once per distinct line."""
    found = []
    for pattern, kind, state, target in _COMMANDS:
        for match in pattern.finditer(line):
            name = match.group(target) if isinstance(target, int) else target
            found.append((kind, name or "*", state or match.group(1), pattern.pattern))
    return tuple(found)


MODELLED_MODULES = frozenset(_MODULES)


def is_modelled(action: str, raw_command: str | None = None) -> bool:
    """Whether a module (or, for command/shell, that command line) maps to a non-opaque effect."""
    if action in _MODULES:
        return True
    if action in ("command", "shell", "raw", "script") and raw_command is not None:
        return any(p.search(raw_command) for p, *_ in _COMMANDS)
    return False


def recording_effects(sink: list[Effect], results: Effects = canned_result) -> Effects:
    """An effects callback that appends each call's effects to ``sink`` and returns ``results(call)``."""

    def effects(call: ModuleCall) -> Mapping[str, Any]:
        sink.extend(classify(call))
        return results(call)

    return effects
