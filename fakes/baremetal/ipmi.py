"""IPMI side: the BMC fleet process (pyghmi servers) and a `BmcClient` over pyghmi's client.

Workaround for pyghmi's second-session hang: pyghmi's `Session.__new__` looks for a reusable session by
comparing the caller's credentials with the stored, utf-8 *encoded* ones, so `str` credentials never match
an existing session and the second `Command` to the same BMC waits on a half-registered one. `IpmiBmc`
always hands pyghmi `bytes`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi import command as ipmi_command

from fakes.baremetal.errors import BmcAuthError, BmcServerError, BmcUnreachable, EmulatorError
from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.inventory import NodeSpec
from fakes.baremetal.service import ManagedProcess
from fakes.baremetal.timing import Dist, TimingModel

__all__ = ["IpmiBmc", "IpmiFleetProcess", "as_bytes"]

_POWER = {"on": "on", "off": "off", "reboot": "boot"}
_BOOT_TO_IPMI = {"pxe": "network", "disk": "hd", "cdrom": "optical"}
_BOOT_FROM_IPMI = {"network": "pxe", "hd": "disk", "optical": "cdrom", "default": "none"}


def as_bytes(value: str | bytes) -> bytes:
    """pyghmi credentials must be bytes (see the module docstring)."""
    return value if isinstance(value, bytes) else value.encode("utf-8")


class IpmiFleetProcess(ManagedProcess):
    """`with IpmiFleetProcess(nodes, seed=1) as fleet: fleet.ports[name]` — BMCs on 127.0.0.1, torn down."""

    def __init__(self, nodes: Sequence[NodeSpec], *, seed: int, timing: TimingModel | None = None,
                 faults: FaultSchedule | None = None) -> None:
        self.nodes = tuple(nodes)
        self.seed = seed
        self.timing = timing or TimingModel()
        self.faults = faults or FaultSchedule()
        self.ports: dict[str, int] = {}
        self.process: subprocess.Popen[str] | None = None
        self._now: float | None = None

    def start(self) -> None:
        timing = {name: [d.kind, d.a, d.b, d.mode] for name in ("power_on", "power_off")
                  for d in [getattr(self.timing, name)] if isinstance(d, Dist)}
        spec = {
            "seed": self.seed,
            "timing": timing,
            "faults": [{"node": f.node, "kind": f.kind, "start": f.start, "duration": f.duration}
                       for f in self.faults.faults],
            "nodes": [{"name": n.name, "user": n.pm_user, "password": n.pm_password} for n in self.nodes],
        }
        env = dict(os.environ)
        env.pop("PYTHONWARNINGS", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fakes.baremetal.ipmi_server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env=env, start_new_session=True, cwd=_project_root(),
        )
        answer = self._ask(spec)
        self.ports = {name: int(port) for name, port in answer["ports"].items()}

    def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        process = self.process
        if process is None or process.stdin is None or process.stdout is None or process.poll() is not None:
            raise EmulatorError("the IPMI BMC process is not running")
        process.stdin.write(json.dumps(message) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise EmulatorError(f"the IPMI BMC process exited ({process.poll()}) while answering {message}")
        return dict(json.loads(line))

    def sync_clock(self, now: float) -> None:
        """Tell the BMCs the simulator's virtual time (before each request; a no-op if unchanged)."""
        if now != self._now:
            self._ask({"now": now})
            self._now = now

    def state(self, node: str) -> dict[str, Any]:
        return self._ask({"state": node})

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=5)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        self.process = None

    def client(self, spec: NodeSpec, clock: Callable[[], float]) -> IpmiBmc:
        return IpmiBmc(spec.name, "127.0.0.1", self.ports[spec.name], spec.pm_user, spec.pm_password,
                       before_call=lambda: self.sync_clock(clock()))


def _project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class IpmiBmc:
    """`BmcClient` over pyghmi's IPMI client (`pyghmi.ipmi.command.Command`, RMCP+ / lanplus)."""

    def __init__(self, node: str, host: str, port: int, user: str | bytes, password: str | bytes,
                 before_call: Callable[[], None] | None = None) -> None:
        self.node = node
        self._host = host
        self._port = port
        self._user = as_bytes(user)
        self._password = as_bytes(password)
        self._before_call = before_call
        self._command: Any = None

    def _call(self, operation: str, fn: Callable[[Any], Any]) -> Any:
        if self._before_call is not None:
            self._before_call()
        try:
            if self._command is None:
                self._command = ipmi_command.Command(bmc=self._host, userid=self._user, password=self._password,
                                                     port=self._port, keepalive=False)
            return fn(self._command)
        except pyghmi_exc.IpmiException as exc:
            text = str(exc)
            if "password" in text.lower() or "unauthorized" in text.lower() or "RAKP" in text:
                self._command = None  # the login failed: there is no session to close
                raise BmcAuthError(self.node, operation, text) from exc
            if text in ("", "None") or "timeout" in text.lower() or "no longer connected" in text.lower():
                self._command = None  # pyghmi's login timeout carries no message
                raise BmcUnreachable(self.node, operation, f"no answer from {self._host}:{self._port} "
                                     f"({text if text not in ('', 'None') else 'IPMI session timed out'})") from exc
            # a completion code: the session is healthy, keep it (logging it out stalls pyghmi's shared loop)
            raise BmcServerError(self.node, operation, text) from exc

    def close(self) -> None:
        command, self._command = self._command, None
        if command is not None:
            with contextlib.suppress(Exception):
                command.ipmi_session.logout()

    def power_state(self) -> str:
        return str(self._call("get power state", lambda c: c.get_power()["powerstate"]))

    def set_power(self, action: str) -> None:
        self._call(f"power {action}", lambda c: c.set_power(_POWER[action], wait=False))

    def boot_device(self) -> str:
        bootdev = self._call("get boot device", lambda c: c.get_bootdev()["bootdev"])
        return _BOOT_FROM_IPMI.get(str(bootdev), str(bootdev))

    def set_boot_device(self, device: str, persistent: bool = False) -> None:
        self._call(f"set boot device {device}", lambda c: c.set_bootdev(_BOOT_TO_IPMI[device], persist=persistent))
