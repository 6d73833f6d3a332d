"""Plays and playbooks as frozen value objects (``hosts``, ``strategy``, ``serial``, failure policy, tasks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import TaskParseError
from .tasks import Node, parse_tasks

__all__ = ["STRATEGIES", "Play", "parse_playbook"]

STRATEGIES = {"linear": "linear", "tripleo_linear": "linear", "free": "free", "tripleo_free": "free"}
_PLAY_KEYS = {
    "name",
    "hosts",
    "tasks",
    "vars",
    "serial",
    "strategy",
    "any_errors_fatal",
    "max_fail_percentage",
    "gather_facts",
    "tags",
    "become",
    "become_user",
    "ignore_errors",
    "order",
    "pre_tasks",
    "post_tasks",
    "environment",
    "collections",
    "connection",
    "module_defaults",
    "no_log",
    "remote_user",
}


@dataclass(frozen=True)
class Play:
    """One play.  ``pre_tasks``, ``tasks`` and ``post_tasks`` are concatenated (no roles/handlers sections)."""

    hosts: str | tuple[str, ...]
    tasks: tuple[Node, ...]
    name: str = ""
    vars: Mapping[str, Any] = field(default_factory=dict)
    serial: Any = None
    strategy: str = "linear"
    any_errors_fatal: bool = False
    max_fail_percentage: float | None = None
    tags: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    path: str = "play"


def parse_playbook(data: Any, where: str = "playbook") -> tuple[Play, ...]:
    """Parse a list of play mappings (what ``ansible-playbook`` reads); validated up front."""
    if not isinstance(data, list):
        raise TaskParseError(where, "a list of plays", data)
    return tuple(_parse_play(p, f"{where}[{i}]") for i, p in enumerate(data))


def _parse_play(data: Any, path: str) -> Play:
    if not isinstance(data, Mapping):
        raise TaskParseError(path, "a play mapping", data)
    for key in data:
        if key not in _PLAY_KEYS:
            raise TaskParseError(f"{path}.{key}", "a play keyword (hosts, tasks, serial, strategy, ...)", key)
    hosts = data.get("hosts")
    if isinstance(hosts, list):
        hosts = tuple(str(h) for h in hosts)
    elif not isinstance(hosts, str):
        raise TaskParseError(f"{path}.hosts", "a host pattern string or list", hosts)
    strategy = str(data.get("strategy", "linear"))
    if strategy not in STRATEGIES:
        raise TaskParseError(f"{path}.strategy", f"one of {sorted(STRATEGIES)}", strategy)
    tasks: tuple[Node, ...] = ()
    for section in ("pre_tasks", "tasks", "post_tasks"):
        tasks += parse_tasks(data.get(section), f"{path}.{section}")
    mfp = data.get("max_fail_percentage")
    if mfp is not None and not isinstance(mfp, int | float):
        raise TaskParseError(f"{path}.max_fail_percentage", "a number", mfp)
    tags = data.get("tags") or ()
    options = {k: data[k] for k in ("become", "become_user", "ignore_errors") if k in data}
    return Play(
        hosts=hosts,
        tasks=tasks,
        name=str(data.get("name", "")),
        vars=dict(data.get("vars") or {}),
        serial=data.get("serial"),
        strategy=STRATEGIES[strategy],
        any_errors_fatal=bool(data.get("any_errors_fatal", False)),
        max_fail_percentage=mfp,
        tags=(tags,) if isinstance(tags, str) else tuple(tags),
        options=options,
        path=path,
    )
