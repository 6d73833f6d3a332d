"""Each shipped scenario's summary is checked in (tests/golden/); a change in a simulated result shows as a diff.
Regenerate deliberately with `python tests/golden/regenerate.py` and review the diff."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).parent / "golden"
_spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN / "regenerate.py")
assert _spec is not None and _spec.loader is not None
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)


def test_every_shipped_scenario_has_a_golden_summary() -> None:
    shipped = {p.stem for p in (Path(__file__).parents[1] / "scenarios").glob("*.yaml")}
    assert shipped == set(regenerate.SCENARIOS)
    assert {p.stem for p in GOLDEN.glob("*.txt")} == shipped


@pytest.mark.parametrize("name", regenerate.SCENARIOS)
def test_summary_matches_the_golden_file(name: str) -> None:
    expected = (GOLDEN / f"{name}.txt").read_text()
    actual = regenerate.golden_text(name)
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        f"tests/golden/{name}.txt", "this run"))
    assert actual == expected, f"{diff}\nIf the change is intended: python tests/golden/regenerate.py {name}"
