"""Durations of bare metal operations: distributions sampled from an injected `random.Random`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from random import Random

from fakes.baremetal.errors import TimingModelError

__all__ = ["Dist", "TimingModel"]

_KINDS = ("const", "uniform", "triangular")


@dataclass(frozen=True)
class Dist:
    """A duration distribution in seconds: `const(a)`, `uniform(a, b)` or `triangular(a, b, mode)`."""

    kind: str
    a: float
    b: float = 0.0
    mode: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise TimingModelError("kind", f"one of {_KINDS}", self.kind)
        if self.a < 0 or (self.kind != "const" and self.b < self.a):
            raise TimingModelError(self.kind, "0 <= a <= b", (self.a, self.b))

    @classmethod
    def parse(cls, key: str, value: object) -> Dist:
        """`5` → const; `[1, 11]` → uniform; `{"triangular": [a, b, mode]}` / `{"uniform": [a, b]}`."""
        try:
            if isinstance(value, Dist):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return cls("const", float(value))
            if isinstance(value, list | tuple) and len(value) == 2:
                return cls("uniform", float(value[0]), float(value[1]))
            if isinstance(value, Mapping) and len(value) == 1:
                ((kind, args),) = value.items()
                if kind == "const":
                    return cls("const", float(args))
                if kind == "uniform":
                    return cls("uniform", float(args[0]), float(args[1]))
                if kind == "triangular":
                    a, b, mode = (float(x) for x in args)
                    if not a <= mode <= b:
                        raise TimingModelError(key, "a <= mode <= b", args)
                    return cls("triangular", a, b, mode)
        except TimingModelError as exc:
            raise TimingModelError(key, "a valid distribution", value) from exc
        except (TypeError, ValueError, IndexError):
            pass
        raise TimingModelError(
            key, "a number, [low, high], {uniform: [a, b]} or {triangular: [a, b, mode]}", value
        )

    def sample(self, rng: Random) -> float:
        if self.kind == "const":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        return rng.triangular(self.a, self.b, self.mode)


# defaults (Dist is frozen, so one instance can be every model's default)
_POWER = Dist("uniform", 1, 11)  # same range as sushy-tools' fake driver
_BMC_LATENCY = Dist("uniform", 0.05, 0.3)
_RAMDISK_BOOT = Dist("triangular", 60, 240, 120)  # PXE + IPA up to the call-back
_CLEANING = Dist("triangular", 60, 600, 180)
_IMAGE_WRITE = Dist("triangular", 120, 900, 300)
_OS_BOOT = Dist("triangular", 60, 300, 120)


@dataclass(frozen=True)
class TimingModel:
    """How long hardware and Ironic steps take, and how Ironic retries (its config defaults)."""

    power_on: Dist = _POWER
    power_off: Dist = _POWER
    bmc_latency: Dist = _BMC_LATENCY
    ramdisk_boot: Dist = _RAMDISK_BOOT
    cleaning: Dist = _CLEANING
    image_write: Dist = _IMAGE_WRITE
    os_boot: Dist = _OS_BOOT
    poll_interval: float = 1.0  # first power state poll; later polls back off (doubling), as in Ironic
    power_timeout: float = 60.0  # [conductor] power_state_change_timeout
    bmc_attempts: int = 5  # [redfish] connection_attempts
    bmc_retry_interval: float = 4.0  # [redfish] connection_retry_interval
    callback_timeout: float = 1800.0  # [conductor] deploy_callback_timeout
    slow_factor: float = 10.0  # how much slower a "slow" BMC fault makes power transitions
    automated_clean: bool = False  # undercloud.conf clean_nodes defaults to false

    def __post_init__(self) -> None:
        for name in ("poll_interval", "power_timeout", "bmc_retry_interval", "callback_timeout", "slow_factor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise TimingModelError(name, "a positive number", value)
        if isinstance(self.bmc_attempts, bool) or not isinstance(self.bmc_attempts, int) or self.bmc_attempts < 1:
            raise TimingModelError("bmc_attempts", "an integer >= 1", self.bmc_attempts)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object] | None) -> TimingModel:
        """Build from a scenario's `durations:` mapping; unknown keys are errors."""
        model = cls()
        if not data:
            return model
        known = {f.name: f for f in fields(cls)}
        changes: dict[str, object] = {}
        for key, value in data.items():
            if key not in known:
                raise TimingModelError(key, f"one of {sorted(known)}", key)
            default = getattr(model, key)
            changes[key] = Dist.parse(key, value) if isinstance(default, Dist) else value
        return replace(model, **changes)  # type: ignore[arg-type]
