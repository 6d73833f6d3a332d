"""Helpers for the bare metal tests: the 3+2 layout and checks that no BMC process or port is left behind."""

from __future__ import annotations

import os
import socket

from fakes.baremetal.roles import RoleDemand

LAYOUT = {"Controller": 3, "Compute": 2}
DEMANDS = [RoleDemand.tripleo("Controller", 3), RoleDemand.tripleo("Compute", 2)]


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(") ")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def tcp_port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def udp_port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listening_addresses(port: int, table: str = "tcp") -> set[str]:
    """Local addresses (hex, as in /proc/net/<table>) of sockets bound to `port`."""
    found = set()
    for name in (table, table + "6"):
        path = f"/proc/net/{name}"
        if not os.path.exists(path):
            continue
        with open(path, encoding="ascii") as f:
            next(f)
            for line in f:
                local = line.split()[1]
                address, _, hex_port = local.rpartition(":")
                if int(hex_port, 16) == port:
                    found.add(address)
    return found


LOOPBACK_V4 = "0100007F"


def child_processes() -> dict[int, str]:
    """Live processes whose parent is this process: pid -> command line."""
    found = {}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(") ", 1)[-1].split()
            if int(fields[1]) != me or fields[0] == "Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                found[int(entry)] = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found
