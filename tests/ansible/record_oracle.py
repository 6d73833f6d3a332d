"""Regenerate ``tests/ansible/data/oracle_recorded.json``: ansible-playbook's executed sequence for a fixed set of
generated cases plus the THT-style cases.  The default test run replays the interpreter against it.

    python tests/ansible/record_oracle.py [--examples 40]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fidelity" / "ansible"))
sys.path.insert(0, str(HERE.parents[1]))

from run_oracle import generate, oracle  # noqa: E402
from tht_style import cases as tht_cases  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=40)
    args = parser.parse_args()
    cases = generate(args.examples) + tht_cases()
    recorded = [{"case": case, "ansible": oracle(case)} for case in cases]
    out = HERE / "data" / "oracle_recorded.json"
    out.write_text(
        json.dumps({"generated_by": "python tests/ansible/record_oracle.py", "cases": recorded}, indent=0) + "\n"
    )
    print(f"recorded {len(recorded)} cases into {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
