"""``nox -s fidelity-ansible``: compare the interpreter with real ansible-playbook on generated playbooks
and on the hand-written THT-style cases; exit non-zero on any disagreement.

    python tests/fidelity/ansible/run_oracle.py [--examples 500] [--jobs 2] [--out disagreements.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from hypothesis import HealthCheck, given, settings
from oracle import run_ansible, write_plugins
from playbooks import canonical, cases, run_interpreter
from tht_real import real_cases
from tht_resolved import resolved_cases
from tht_style import cases as tht_cases


def tht_tree(path: str | None) -> Path:
    if path:
        return Path(path)
    from fakes.heat import fetch_release

    return fetch_release("18.0.0")


def generate(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(cases())
    def collect(case: dict[str, Any]) -> None:
        out.append(json.loads(json.dumps(case)))

    collect()
    return out


def oracle(case: dict[str, Any], plugins: Path | None = None) -> list[list[Any]]:
    if plugins is None:
        with tempfile.TemporaryDirectory(prefix="sim-plugins-") as tmp:
            write_plugins(Path(tmp), case.get("modules", ()), [tuple(r) for r in case.get("roles", ())])
            return oracle(case, Path(tmp))
    rows = run_ansible(
        case["playbook"],
        case["groups"],
        files=case.get("files"),
        group_vars=case.get("group_vars"),
        limit=case.get("limit"),
        tags=case.get("tags"),
        skip_tags=case.get("skip_tags"),
        plugins=plugins,
    )
    return [list(r) for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="fidelity-ansible-disagreements.json")
    parser.add_argument(
        "--tht",
        action="append",
        default=[],
        help="THT tree(s) for the real task lists, repeatable (default: fetch 18.0.0 and cache it)",
    )
    parser.add_argument("--no-tht", action="store_true", help="skip the real THT task lists")
    parser.add_argument("--no-resolved", action="store_true",
                        help="skip the default roles' step files resolved by the fake Heat")
    args = parser.parse_args()
    generated = generate(args.examples)
    handwritten = tht_cases()
    all_cases = [("generated", c) for c in generated] + [("tht-style", c) for c in handwritten]
    if not args.no_tht:
        for tree in [tht_tree(p) for p in args.tht] or [tht_tree(None)]:
            all_cases += [(f"real {tree.name}", c) for c in real_cases(tree)]
            if not args.no_resolved and (tree / "common" / "deploy-steps.j2").is_file():
                all_cases += [(f"resolved {tree.name}", c) for c in resolved_cases(tree)]
    plugins = Path(tempfile.mkdtemp(prefix="sim-plugins-"))
    write_plugins(
        plugins,
        {m for _, c in all_cases for m in c.get("modules", ())},
        {tuple(r) for _, c in all_cases for r in c.get("roles", ())},
    )
    try:
        with ProcessPoolExecutor(args.jobs) as pool:
            expected = list(pool.map(oracle, [c for _, c in all_cases], [plugins] * len(all_cases), chunksize=4))
    finally:
        shutil.rmtree(plugins, ignore_errors=True)
    disagreements = []
    counts: dict[str, list[int]] = {}
    host_tasks = 0
    for (kind, case), want in zip(all_cases, expected, strict=True):
        got = [list(r) for r in run_interpreter(case)]
        host_tasks += len(want)
        ok = canonical(case, [tuple(r) for r in got]) == canonical(case, [tuple(r) for r in want])
        counts.setdefault(kind, [0, 0])[0 if ok else 1] += 1
        if not ok:
            disagreements.append(
                {"kind": kind, "name": case.get("name"), "case": case, "ansible": want, "interpreter": got}
            )
    for kind, (agree, disagree) in counts.items():
        print(f"{kind}: {agree} agree, {disagree} disagree")
    print(f"host-task records compared: {host_tasks}")
    Path(args.out).write_text(json.dumps(disagreements, indent=1))
    if disagreements:
        print(f"disagreements written to {args.out}")
    total_agree = sum(a for a, _ in counts.values())
    total_disagree = sum(d for _, d in counts.values())
    print(f"{total_agree} passed, {total_disagree} failed")
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
