"""Value objects crossing the interpreter's boundary: module calls, canned results, executed-task records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CHANGING_ACTIONS", "Effects", "HostTask", "ModuleCall", "Record", "canned_result"]

# Modules whose canned result reports ``changed: true`` (both the interpreter default and the oracle's no-ops).
CHANGING_ACTIONS = frozenset({"command", "shell", "raw", "script"})


@dataclass(frozen=True)
class ModuleCall:
    """One module invocation on one host: what the effects callback (the world model) receives."""

    host: str  # inventory host whose variables were used
    target: str  # host the module acts on (``delegate_to`` or ``host``)
    action: str  # short module name
    fqcn: str
    args: Mapping[str, Any]  # templated arguments
    task_path: str
    task_name: str
    become: bool = False
    attempt: int = 1
    job: str = ""  # the background job (``async``, ``poll: 0``) that runs the module: the task does not wait for it
    async_limit: int = 0  # ``async``: the job's time limit in seconds (its wrapper kills it then); 0: not a job
    waited: float = 0.0  # seconds the host-task slept between ``until`` retries (``delay``) before this call


Effects = Callable[[ModuleCall], Mapping[str, Any]]


def canned_result(call: ModuleCall) -> dict[str, Any]:
    """Default module result: success, ``changed`` for command-like modules, empty output, ``stat`` absent.

    The oracle's recording no-op action plugin returns exactly this, so both sides see the same results.
    """
    result: dict[str, Any] = {
        "changed": call.action in CHANGING_ACTIONS,
        "rc": 0,
        "stdout": "",
        "stderr": "",
        "stdout_lines": [],
        "stderr_lines": [],
    }
    if call.action == "stat":
        result["stat"] = {"exists": False}
    return result


@dataclass(frozen=True)
class HostTask:
    """Yielded by :meth:`Runner.steps` just before a task runs on a host (a simpy process waits here).

    ``wave`` numbers the dispatch: under the linear strategy every host of one task shares a wave (Ansible runs
    them in parallel, up to ``forks``); under the free strategy each host-task has its own wave.
    """

    host: str
    task_name: str
    task_path: str
    action: str
    wave: int
    play: int


@dataclass(frozen=True)
class Record:
    """An executed host-task in Ansible's callback order; ``status`` is ok/changed/skipped/failed."""

    host: str
    task_name: str
    task_path: str
    action: str
    status: str
    ignored: bool = False
    error: str | None = None
    calls: tuple[ModuleCall, ...] = field(default=(), compare=False)
    result: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def key(self) -> tuple[str, str, str]:
        """(host, task name, status): what the differential oracle compares."""
        return (self.host, self.task_name, self.status)
