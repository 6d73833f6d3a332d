"""The physical side of a node: power and boot state that BMC emulators expose.

`Hardware` is the one piece of node state that both the Redfish emulator (sushy-tools' fake driver) and the
IPMI BMC (pyghmi) read and write. Time comes from an injected clock (the simulator's `env.now`) and power
transition delays from an injected `random.Random`, never from the wall clock or the global random.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.timing import TimingModel

__all__ = ["BOOT_DEVICES", "POWER_ACTIONS", "Hardware"]

#: Redfish reset types accepted by `Hardware.request_power` → the power state they lead to.
POWER_ACTIONS = {
    "On": "On",
    "ForceOn": "On",
    "ForceOff": "Off",
    "GracefulShutdown": "Off",
    "ForceRestart": "On",
    "GracefulRestart": "On",
    "PowerCycle": "On",
}
#: Redfish BootSourceOverrideTarget values we model.
BOOT_DEVICES = ("None", "Pxe", "Hdd", "Cd", "BiosSetup", "UefiHttp")


class Hardware:
    """Mutable power/boot state of one node (state, not a value object)."""

    def __init__(
        self,
        name: str,
        *,
        clock: Callable[[], float],
        rng: Random,
        timing: TimingModel,
        faults: FaultSchedule | None = None,
    ) -> None:
        self.name = name
        self._clock = clock
        self._rng = rng
        self._timing = timing
        self._faults = faults or FaultSchedule()
        self._power = "Off"
        self._pending: tuple[str, float] | None = None
        self.boot_device = "Hdd"
        self.boot_persistent = True
        self.power_requests = 0

    def faults(self) -> frozenset[str]:
        return self._faults.active(self.name, self._clock())

    def power_state(self) -> str:
        """'On' or 'Off', applying a pending transition whose time has come."""
        if self._pending is not None and self._clock() >= self._pending[1]:
            self._power = self._pending[0]
            self._pending = None
        return self._power

    def request_power(self, action: str) -> None:
        """Start a transition; it completes after a sampled delay (never, while `power_stuck` is active)."""
        if action not in POWER_ACTIONS:
            raise ValueError(f"power action {action!r} is not one of {sorted(POWER_ACTIONS)}")
        self.power_requests += 1
        current = self.power_state()
        active = self.faults()
        if "power_stuck" in active:
            return
        target = POWER_ACTIONS[action]
        restart = action in ("ForceRestart", "GracefulRestart", "PowerCycle")
        if restart:
            self._power = "Off"
        elif target == current:
            self._pending = None
            return
        dist = self._timing.power_on if target == "On" else self._timing.power_off
        delay = dist.sample(self._rng)
        if "slow" in active:
            delay *= self._timing.slow_factor
        self._pending = (target, self._clock() + delay)

    def set_boot_device(self, device: str, persistent: bool = False) -> None:
        if device not in BOOT_DEVICES:
            raise ValueError(f"boot device {device!r} is not one of {BOOT_DEVICES}")
        self.boot_device = device
        self.boot_persistent = persistent
