"""Regenerate the golden summaries of the shipped scenarios (``tests/golden/<scenario>.txt``), checked by
``tests/test_golden.py``. Run it after a change that is meant to change a simulated result, and review the diff:

    python tests/golden/regenerate.py [SCENARIO ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from reports import render_summary
from simulator.run import run_scenario

HERE = Path(__file__).parent
SCENARIOS = ("train-to-wallaby", "update-18", "deploy-3-100", "composable-db-networker", "queens-to-train-ffu",
             "queens-to-train-staged", "ocata-composable-upgrade", "newton-to-queens-ffu", "ocata-to-pike",
             "update-18-config-change")


def golden_text(name: str) -> str:
    return render_summary(run_scenario(name).summary()) + "\n"


def main(names: list[str]) -> None:
    for name in names or SCENARIOS:
        path = HERE / f"{name}.txt"
        path.write_text(golden_text(name))
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
