"""IPMI BMCs on pyghmi's `Bmc` server class: many nodes, one event loop, one UDP port each on 127.0.0.1.

Run as a process (`python -m fakes.baremetal.ipmi_server`, see `fakes.baremetal.ipmi.IpmiFleetProcess`):
pyghmi keeps its sessions and its I/O thread in module globals, and a pyghmi client and pyghmi servers in
one process race on them (measured: the client stalls inside `awaitresponse`), so the BMCs get a process
of their own and the simulator is a pure client. Protocol on stdin/stdout, one JSON object per line:
the first line is the spec `{"seed", "timing", "faults", "nodes": [{"name", "user", "password"}]}`, answered
by `{"ports": {name: port}}`; then `{"now": t}` sets the virtual clock (answer `{"ok": true}`) and
`{"state": name}` answers the node's hardware state. EOF on stdin stops the process.

Workaround for pyghmi's cipher-suite mismatch: pyghmi's server answers every RMCP+ open-session request
with cipher suite 3 (HMAC-SHA1) even when the client proposed suite 17 (SHA-256), which makes pyghmi's own
client fail in RAKP2 with `struct.error`. Our sessions answer a non-SHA1 proposal with RMCP+ status 0x11
("no cipher suite match"), as a BMC without suite 17 does; pyghmi's client then retries with SHA-1.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from random import Random
from typing import Any

from pyghmi.ipmi import bmc as pyghmi_bmc
from pyghmi.ipmi.private import serversession
from pyghmi.ipmi.private import session as pyghmi_session

from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.hardware import Hardware
from fakes.baremetal.timing import Dist, TimingModel

__all__ = ["NO_CIPHER_SUITE_MATCH", "SimBmc", "main"]

NO_CIPHER_SUITE_MATCH = 0x11
_HMAC_SHA1 = 1
_BOOT_TO_IPMI = {"Pxe": "network", "Hdd": "hd", "Cd": "optical", "BiosSetup": "setup", "None": "default",
                 "UefiHttp": "network"}
_BOOT_FROM_IPMI = {"network": "Pxe", "hd": "Hdd", "optical": "Cd", "setup": "BiosSetup", "default": "None",
                   "floppy": "None", "safe": "Hdd", "diag": "None", "usb": "Hdd"}


class _Sha1OnlySession(serversession.ServerSession):
    """A server session that refuses cipher suites it cannot do instead of silently answering suite 3."""

    def create_open_session_response(self, request: Any) -> bytearray:
        data = bytearray(request)
        auth_algorithm, integrity_algorithm = data[12], data[20]
        if auth_algorithm != _HMAC_SHA1 or integrity_algorithm not in (0, _HMAC_SHA1):
            self.clientsessionid = data[4:8]
            return bytearray([data[0], NO_CIPHER_SUITE_MATCH, 0, 0]) + data[4:8]
        return super().create_open_session_response(request)


class _Credentials:
    """pyghmi's `authdata` (`.get(user)`); a `wrong_credentials` fault changes the BMC's password."""

    def __init__(self, user: str, password: str, hardware: Hardware) -> None:
        self._user = user
        self._password = password
        self._hardware = hardware

    def get(self, user: str, default: str | None = None) -> str | None:
        if user != self._user:
            return default
        if "wrong_credentials" in self._hardware.faults():
            return self._password + "-rotated"
        return self._password


class SimBmc(pyghmi_bmc.Bmc):
    """One node's BMC, backed by its `Hardware`."""

    def __init__(self, hardware: Hardware, user: str, password: str) -> None:
        super().__init__(_Credentials(user, password, hardware), port=0, address="127.0.0.1")
        self.port = self.serversocket.getsockname()[1]  # bound to a free port; pyghmi routes by it
        self.hardware = hardware

    def _down(self) -> bool:
        return "unreachable" in self.hardware.faults()

    def sessionless_data(self, data: Any, sockaddr: Any) -> None:
        if self._down():
            return
        packet = bytearray(data)
        if (len(packet) >= 22 and packet[0] == 6 and packet[2:4] == b"\xff\x07" and packet[4] == 6
                and packet[5] == 0x10):
            _Sha1OnlySession(self.authdata, self.kg, sockaddr, self.serversocket, packet[16:], self.uuid, bmc=self)
            return
        super().sessionless_data(data, sockaddr)

    def handle_raw_request(self, request: Mapping[str, Any], session: Any) -> None:
        if self._down():
            return
        if "http_5xx" in self.hardware.faults() and request["netfn"] == 0:
            session.send_ipmi_response(code=0xFF)  # unspecified error
            return
        super().handle_raw_request(request, session)

    def get_power_state(self) -> str:
        return "on" if self.hardware.power_state() == "On" else "off"

    def power_on(self) -> None:
        self.hardware.request_power("On")

    def power_off(self) -> None:
        self.hardware.request_power("ForceOff")

    def power_shutdown(self) -> None:
        self.hardware.request_power("GracefulShutdown")

    def power_reset(self) -> None:
        self.hardware.request_power("ForceRestart")

    def power_cycle(self) -> None:
        self.hardware.request_power("PowerCycle")

    def get_boot_device(self) -> str:
        return _BOOT_TO_IPMI.get(self.hardware.boot_device, "default")

    def set_boot_device(self, bootdevice: str) -> None:
        self.hardware.set_boot_device(_BOOT_FROM_IPMI.get(bootdevice, "None"))


def _timing(data: Mapping[str, Any]) -> TimingModel:
    return TimingModel.from_mapping({k: Dist(*v) for k, v in data.items()})


def main() -> int:
    spec = json.loads(sys.stdin.readline())
    clock_lock = threading.Lock()
    now = [0.0]

    def clock() -> float:
        with clock_lock:
            return now[0]

    timing = _timing(spec.get("timing", {}))
    faults = FaultSchedule.parse(spec.get("faults", []))
    rng = Random(spec["seed"])
    bmcs = {}
    for node in spec["nodes"]:
        hw = Hardware(node["name"], clock=clock, rng=Random(rng.getrandbits(64)), timing=timing, faults=faults)
        bmcs[node["name"]] = SimBmc(hw, node["user"], node["password"])
    print(json.dumps({"ports": {name: b.port for name, b in bmcs.items()}}), flush=True)
    running = threading.Event()
    running.set()

    def control() -> None:
        for line in sys.stdin:
            message = json.loads(line)
            if "now" in message:
                with clock_lock:
                    now[0] = float(message["now"])
                answer: dict[str, Any] = {"ok": True}
            else:
                hw = bmcs[message["state"]].hardware
                answer = {"power": hw.power_state(), "boot_device": hw.boot_device,
                          "power_requests": hw.power_requests}
            print(json.dumps(answer), flush=True)
        running.clear()

    threading.Thread(target=control, name="bmc-control", daemon=True).start()
    while running.is_set():
        pyghmi_session.Session.wait_for_rsp(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
