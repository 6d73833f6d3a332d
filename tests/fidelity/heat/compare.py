"""Compare the fake Heat's outputs with real Heat's, key path by key path.

Pure functions over JSON-like values (no heat import): used by `run.py` (the `fidelity-heat` nox session) and
by the CI subset test, which compares the fake with committed oracle outputs.

A difference names the template, the key path inside its outputs in the project's error style
(`deployment/x.yaml: outputs.role_data.upgrade_tasks[3].when`) and both values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MISSING = "<missing>"


@dataclass(frozen=True)
class Difference:
    path: str
    oracle: Any
    fake: Any

    def render(self, width: int = 300) -> str:
        return f"{self.path}: real Heat {_short(self.oracle, width)} != fake {_short(self.fake, width)}"


@dataclass
class TemplateResult:
    template: str
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None  # the fake raised; the oracle's outputs are then not compared
    agreed_error: str | None = None  # real Heat could not resolve an output and the fake raised: they agree

    @property
    def identical(self) -> bool:
        return self.error is None and not self.differences


@dataclass
class Report:
    release: str
    results: list[TemplateResult] = field(default_factory=list)
    oracle_failures: dict[str, str] = field(default_factory=dict)  # template -> real Heat's reason
    notes: list[str] = field(default_factory=list)
    # template real Heat did not create -> what the fake does with it (Heat validates eagerly, the fake lazily)
    fake_on_oracle_failures: dict[str, str] = field(default_factory=dict)

    @property
    def differ(self) -> int:
        return sum(not r.identical for r in self.results)

    @property
    def summary(self) -> str:
        compared, differ = len(self.results), self.differ
        line = f"fidelity-heat {self.release}: {compared} compared, {compared - differ} identical, {differ} differ"
        if self.oracle_failures:
            line += f" ({len(self.oracle_failures)} not created by real Heat)"
        return line

    def lines(self, max_per_template: int = 20) -> Iterator[str]:
        for result in self.results:
            if result.error is not None:
                yield f"{result.template}: the fake failed: {result.error}"
            for diff in result.differences[:max_per_template]:
                yield diff.render()
            if len(result.differences) > max_per_template:
                yield f"{result.template}: ... {len(result.differences) - max_per_template} more differences"
        for template, reason in sorted(self.oracle_failures.items()):
            yield f"{template}: real Heat did not create it: {reason}"
            if template in self.fake_on_oracle_failures:
                yield f"{template}: {self.fake_on_oracle_failures[template]}"
        yield self.summary

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "summary": self.summary,
            "templates": {
                r.template: {
                    "identical": r.identical,
                    "error": r.error,
                    "differences": [{"path": d.path, "oracle": d.oracle, "fake": d.fake} for d in r.differences],
                }
                for r in self.results
            },
            "oracle_failures": self.oracle_failures,
            "notes": self.notes,
            "fake_on_oracle_failures": self.fake_on_oracle_failures,
        }


def _short(value: Any, width: int) -> str:
    text = value if value is MISSING else json.dumps(value, sort_keys=True, default=repr)
    return text if len(text) <= width else text[: width - 3] + "..."


def _same_scalar(oracle: Any, fake: Any) -> bool:
    # bool is an int in Python, but true and 1 are different JSON values; 1 and 1.0 are the same number.
    if isinstance(oracle, bool) or isinstance(fake, bool):
        return type(oracle) is type(fake) and oracle == fake
    if isinstance(oracle, int | float) and isinstance(fake, int | float):
        return oracle == fake
    return type(oracle) is type(fake) and oracle == fake


def diff(oracle: Any, fake: Any, path: str = "") -> Iterator[Difference]:
    """Every place where `fake` differs from `oracle`; dict keys in sorted order, lists item by item."""
    if isinstance(oracle, dict) and isinstance(fake, dict):
        for key in sorted(set(oracle) | set(fake), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in fake:
                yield Difference(sub, oracle[key], MISSING)
            elif key not in oracle:
                yield Difference(sub, MISSING, fake[key])
            else:
                yield from diff(oracle[key], fake[key], sub)
    elif isinstance(oracle, list) and isinstance(fake, list):
        for index in range(max(len(oracle), len(fake))):
            sub = f"{path}[{index}]"
            if index >= len(fake):
                yield Difference(sub, oracle[index], MISSING)
            elif index >= len(oracle):
                yield Difference(sub, MISSING, fake[index])
            else:
                yield from diff(oracle[index], fake[index], sub)
    elif isinstance(oracle, dict | list) or isinstance(fake, dict | list) or not _same_scalar(oracle, fake):
        yield Difference(path, oracle, fake)


def compare_outputs(
    template: str, oracle_outputs: dict[str, Any], fake_outputs: dict[str, Any], keys: Iterable[str] | None = None
) -> TemplateResult:
    """Compare the outputs of one template (all of them, or only `keys`)."""
    if keys is not None:
        wanted = set(keys)
        oracle_outputs = {k: v for k, v in oracle_outputs.items() if k in wanted}
        fake_outputs = {k: v for k, v in fake_outputs.items() if k in wanted}
    return TemplateResult(template, list(diff(oracle_outputs, fake_outputs, f"{template}: outputs")))


def compare_template(template: str, oracle_result: dict[str, Any],
                     fake_outputs: Callable[[], dict[str, Any]]) -> TemplateResult:
    """Compare real Heat's result for a created stack (oracle.py's JSON) with the fake's outputs.

    Real Heat creates a stack whose output cannot be resolved and reports that output's error; the fake
    raises instead. Both failing is agreement; one failing alone is a difference.
    """
    errors = oracle_result.get("output_errors") or {}
    try:
        outputs = fake_outputs()
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        if errors:
            return TemplateResult(template, agreed_error=f"real Heat: {errors}; fake: {message}")
        return TemplateResult(template, error=message)
    real = dict(oracle_result.get("outputs") or {})
    real.update({key: f"<real Heat output error: {message}>" for key, message in errors.items()})
    return compare_outputs(template, real, outputs)
