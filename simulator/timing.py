"""Timing profiles (``scenarios/timing/*.yaml``): distributions of virtual durations, sampled from the run's
seeded RNG. Validated on load: a bad distribution is a typed error naming the key, before any run starts."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from random import Random
from typing import Any

from fakes.heat.yamlio import load_yaml, number_hint

from .scenario import ScenarioError

__all__ = ["Duration", "TimingProfile", "load_timing"]

_KINDS = ("uniform", "normal", "lognormal")


@dataclass(frozen=True)
class Duration:
    kind: str  # fixed | uniform | normal | lognormal
    a: float
    b: float = 0.0

    def sample(self, rng: Random) -> float:
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        # the unbounded kinds: a sample past 1e9 s is taken as 1e9 s, and a normal one below 0 as 0 (lognormal
        # [20, 5] draws up to ~1e19 s, where a float time no longer resolves a second; normal [0, 3.4e8] past 1e9
        # once in a thousand draws: found by a property test in tests/simulation/test_timing_overrides.py)
        if self.kind == "normal":
            return min(max(0.0, rng.gauss(self.a, self.b)), _MAX_SECONDS)
        return min(rng.lognormvariate(self.a, self.b), _MAX_SECONDS)


_MAX_SECONDS = 1e9  # ~32 years: a bound that keeps every sample and every sum of them a finite time
_MAX_LOG_MU, _MAX_LOG_SIGMA = 20.0, 5.0  # lognormal: e^20 s is ~15 years; samples stay finite (|z| < 13)
_EXPECTED = ("seconds (0 to 1e9), {uniform: [a, b]} (0 <= a <= b), {normal: [mean, sd]} (mean, sd >= 0) or "
             f"{{lognormal: [mu, sigma]}} (mu <= {_MAX_LOG_MU:g}, 0 <= sigma <= {_MAX_LOG_SIGMA:g}); "
             "numbers of at most 1e9")


def _seconds(x: Any) -> bool:
    """A number of seconds a profile may hold: finite (NaN and infinity are not durations) and bounded."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and abs(x) <= _MAX_SECONDS


def _duration(value: Any, file: str, key: str) -> Duration:
    if _seconds(value) and value >= 0:
        return Duration("fixed", float(value))
    if isinstance(value, Mapping) and len(value) == 1:
        ((kind, args),) = value.items()
        if kind in _KINDS and isinstance(args, list) and len(args) == 2 and all(_seconds(x) for x in args):
            a, b = args
            if (kind == "uniform" and 0 <= a <= b) or (kind == "normal" and a >= 0 and b >= 0) or (
                    kind == "lognormal" and a <= _MAX_LOG_MU and 0 <= b <= _MAX_LOG_SIGMA):
                return Duration(kind, float(a), float(b))
    strings = [value] if isinstance(value, str) else []  # (YAML's 1e9 is one: a hint says so)
    if isinstance(value, Mapping):
        strings += [x for v in value.values() if isinstance(v, list) for x in v if isinstance(x, str)]
    raise ScenarioError(file, key, expected=_EXPECTED, found=repr(value)[:80],
                        hint=next((h for h in map(number_hint, strings) if h), ""))


@dataclass(frozen=True)
class TimingProfile:
    task_default: Duration
    skipped: Duration
    effects: Mapping[str, Duration]
    phases: Mapping[str, Duration]

    def effect(self, kind: str) -> Duration:
        return self.effects.get(kind, self.task_default)

    def phase(self, name: str) -> Duration:
        return self.phases.get(name, Duration("fixed", 0.0))


_NAMED = ("effects", "phases")  # the profile's mappings of name to duration


def _check_keys(over: Any, default: Mapping[str, Any], file: str, where: str) -> None:
    if not isinstance(over, Mapping):
        raise ScenarioError(file, where or "timing", expected="a mapping of timing profile keys to durations",
                            found=repr(over)[:80])
    for key, value in over.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in default:
            raise ScenarioError(file, path, expected="one of " + ", ".join(sorted(default)), found=repr(key))
        if key in _NAMED:  # effects, phases: a mapping of known names (task_default is one duration)
            if not isinstance(value, Mapping):
                raise ScenarioError(file, path, expected="a mapping of name to duration", found=repr(value)[:80])
            unknown = sorted(str(k) for k in value if k not in default[key])
            if unknown:
                raise ScenarioError(file, f"{path}.{unknown[0]}", expected="one of " + ", ".join(sorted(default[key])),
                                    found=repr(unknown[0]))


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` applied: ``effects`` and ``phases`` take the names ``over`` gives, each duration
    whole (a distribution given replaces the default's, so an error shows what the scenario wrote)."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = {**out[k], **v} if k in _NAMED and isinstance(v, Mapping) and isinstance(out.get(k), dict) else v
    return out


def load_timing(overrides: Mapping[str, Any] | None = None, file: str = "timing", where: str = "") -> TimingProfile:
    """The shipped default profile with a scenario's ``timing:`` overrides applied (``file`` and ``where``, the
    key path of the overrides in it, name them in errors). An override names a key the default profile has:
    ``task_default``, ``skipped``, ``effects.<kind>`` or ``phases.<name>``; a misspelt one is an error, not
    ignored."""
    text = resources.files("scenarios").joinpath("timing/default.yaml").read_text()
    default = load_yaml(text, "scenarios/timing/default.yaml")
    _check_keys(overrides or {}, default, file, where)
    data = _merge(default, overrides or {})
    prefix = f"{where}." if where else ""
    for key in ("effects", "phases"):
        if not isinstance(data.get(key), Mapping):
            raise ScenarioError(file, key, expected="a mapping of name to duration", found=repr(data.get(key)))
    return TimingProfile(
        task_default=_duration(data.get("task_default", 1.0), file, f"{prefix}task_default"),
        skipped=_duration(data.get("skipped", 0.0), file, f"{prefix}skipped"),
        effects={k: _duration(v, file, f"{prefix}effects.{k}") for k, v in data["effects"].items()},
        phases={k: _duration(v, file, f"{prefix}phases.{k}") for k, v in data["phases"].items()},
    )
