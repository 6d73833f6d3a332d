"""Examples per second of layout -> plan -> invariants on ~10-node layouts of the real 18.0.0 catalogue
(the catalogue is evaluated once; composed role task lists are cached across examples). Target >= 20/s.

    python bench/properties.py [--examples N] [--release V]
"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, given, settings

from fakes.heat import TemplateTree, fetch_release
from simulator.invariants import catalogue_for, check_plan, compose_plan, context_for
from simulator.strategies import role_layouts


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--examples", type=int, default=300)
    p.add_argument("--release", default="18.0.0")
    args = p.parse_args()
    tree = TemplateTree.from_path(fetch_release(args.release))
    t0 = time.perf_counter()
    catalogue, context = catalogue_for(tree), context_for(tree)
    setup = time.perf_counter() - t0
    nodes: list[int] = []
    timings: list[float] = []

    @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(role_layouts(catalogue, max_nodes=12))
    def example(layout):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        check_plan(compose_plan(catalogue, layout), context)
        timings.append(time.perf_counter() - start)
        nodes.append(layout.node_count)

    t1 = time.perf_counter()
    example()
    total = time.perf_counter() - t1
    print(f"release {args.release}: catalogue+context {setup:.2f} s; {len(timings)} examples, "
          f"mean {sum(nodes) / len(nodes):.1f} nodes (max {max(nodes)})")
    print(f"end to end (hypothesis generation included): {len(timings) / total:.1f} examples/s")
    print(f"layout -> plan -> invariants only: {len(timings) / sum(timings):.1f} examples/s (target >= 20)")


if __name__ == "__main__":
    main()
