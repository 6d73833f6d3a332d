"""The protocol-neutral BMC client interface the Ironic side drives."""

from __future__ import annotations

from typing import Protocol

__all__ = ["BOOT_DEVICES", "POWER_ACTIONS", "BmcClient"]

#: protocol-neutral power actions and boot devices (Ironic's vocabulary)
POWER_ACTIONS = ("on", "off", "reboot")
BOOT_DEVICES = ("pxe", "disk", "cdrom")


class BmcClient(Protocol):
    """What Ironic's power and management interfaces need from a BMC.

    Every method talks to the BMC over its protocol and raises a `fakes.baremetal.errors.BmcError`
    subclass (`BmcUnreachable`, `BmcAuthError`, `BmcServerError`) when the BMC fails.
    """

    node: str

    def power_state(self) -> str:  # "on" | "off"
        ...

    def set_power(self, action: str) -> None:  # one of POWER_ACTIONS
        ...

    def boot_device(self) -> str:  # one of BOOT_DEVICES (or "none")
        ...

    def set_boot_device(self, device: str, persistent: bool = False) -> None: ...
