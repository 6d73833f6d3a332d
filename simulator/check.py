"""``tripleo-sim check``: placement and ordering invariants on a release (or a tree) and a bounded property
search over role layouts of its service catalogue; ``--bugzoo`` applies every bug-zoo mutation in turn.

Exit codes: 0 no violation, 1 bad input, 2 violations found (or a bug-zoo mutation MISSED).
"""

from __future__ import annotations

import argparse
import sys
from random import Random
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from fakes.heat import TemplateTree, resolve_templates
from fakes.heat.errors import TemplateError, TemplateSourceError

from .invariants import (
    ALL,
    DEFAULT_DOWNTIME_BUDGET_S,
    RUN_INVARIANTS,
    InvariantError,
    Report,
    Violation,
    catalogue_for,
    check_plan,
    compose_plan,
    context_for,
)
from .invariants.bugzoo import load_zoo, run_zoo
from .outputs import write_output
from .planning import build_plan

__all__ = ["PROFILES", "add_parser", "run"]

# property-search budget per profile: examples of random layouts
PROFILES = {"dev": 25, "ci": 100, "deep": 1000}


def add_parser(subparsers: Any) -> None:
    c = subparsers.add_parser("check", help="run placement/ordering invariants and a bounded property search")
    g = c.add_mutually_exclusive_group()
    g.add_argument("--release", help="THT release from the package index (default: 18.0.0)")
    g.add_argument("--templates", metavar="PATH", help="a local tripleo-heat-templates tree")
    c.add_argument("-r", "--roles-data", metavar="FILE", help="roles_data.yaml (default: the tree's own)")
    c.add_argument("-e", "--environment", metavar="FILE", action="append", default=[], help="environment file")
    c.add_argument("--junit", metavar="FILE", help="write JUnit XML (one test case per invariant)")
    c.add_argument("--profile", choices=sorted(PROFILES), help="property-search budget (default: dev)")
    c.add_argument("--seed", type=int, help="seed of the property search (default: 0)")
    c.add_argument("--bugzoo", action="store_true", help="apply every bug-zoo mutation and report catches")
    c.add_argument("--scenario", metavar="NAME|FILE",
                   help="also simulate this scenario and check the run invariants (API downtime budget, quorum, "
                        "step order, mixed versions); with --templates the tree is the scenario's target")
    c.add_argument("--downtime-budget", type=float, default=None, metavar="SECONDS",
                   help=f"per-API downtime budget of the run invariants (default: {DEFAULT_DOWNTIME_BUDGET_S})")
    c.add_argument("--accept", action="append", default=[], metavar="INVARIANT",
                   help="a run invariant whose violations are expected (e.g. quorum-kept for a planned outage)")


def _progress(msg: str) -> None:
    print(f"... {msg}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (TemplateError, TemplateSourceError, InvariantError) as exc:
        print(f"tripleo-sim: error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.junit == "-":
        raise InvariantError("--junit", "", "a file (check prints its report on stdout)", "-")
    if args.bugzoo:  # the bug zoo checks the plan invariants alone: no run, no property search
        given = [o for o, v in (("--scenario", args.scenario), ("--downtime-budget", args.downtime_budget),
                                ("--accept", args.accept), ("--profile", args.profile), ("--seed", args.seed))
                 if v not in (None, [])]
        if given:
            raise InvariantError("--bugzoo", "", "no --scenario, --downtime-budget, --accept, --profile or --seed "
                                 "beside it (it simulates nothing and searches no layouts)", ", ".join(given))
    unknown = [a for a in args.accept if a not in RUN_INVARIANTS]
    if unknown or (args.accept and not args.scenario):
        raise InvariantError("--accept", "", "with --scenario, one of " + ", ".join(RUN_INVARIANTS),
                             ", ".join(unknown) or "no --scenario")
    if args.roles_data and args.scenario:  # the plan invariants would check one layout and the run another
        raise InvariantError("-r", "", "no -r beside --scenario (the scenario's roles and roles_data decide the "
                             "layout of its plan and its run: set roles_data: in the scenario)", args.roles_data)
    # a NaN budget compared false with every downtime (nothing ever over it), a negative one true with every API
    if args.downtime_budget is not None and (not args.scenario or not args.downtime_budget >= 0):
        raise InvariantError("--downtime-budget", "", "with --scenario, seconds >= 0 (inf: no budget)",
                             f"{args.downtime_budget:g}" if args.scenario else "no --scenario")
    templates = args.templates
    release = args.release if args.release is not None else (None if templates else "18.0.0")
    environments = list(args.environment)
    if args.scenario:
        # the plan invariants check the layout the scenario ends on: its roles, nodes and environments (then any
        # -e), on its release or the --release/--templates that replace it (a pull request's tree)
        from .run import scenario_tree, side_environments
        from .scenario import load_scenario

        scenario = load_scenario(args.scenario)
        end = scenario.target or scenario.source
        if not args.release and not args.templates:
            release, templates = end.release, end.templates
        root = resolve_templates(release, templates, progress=_progress)
        environments = [*side_environments(root, end, scenario), *environments]
        tree = TemplateTree.from_path(root, roles_data=args.roles_data, network_data=scenario.network_data) \
            if args.roles_data else scenario_tree(root, scenario)
        parameters: dict[str, Any] | None = scenario.parameters()
    else:
        root = resolve_templates(release, templates, progress=_progress)
        tree = TemplateTree.from_path(root, roles_data=args.roles_data)
        # without environments: the HA layout the bug zoo is written for (3 controllers, 2 computes)
        parameters = None if args.environment else ha_counts(tree)
    _progress(f"evaluating {root}")
    plan = build_plan(root, environment_files=environments, tree=tree, parameters=parameters)
    context = context_for(tree, environments)
    if args.bugzoo:
        results = run_zoo(plan, context, load_zoo())
        for r in results:
            print(r.line())
        caught = sum(r.caught for r in results)
        print(f"caught {caught}/{len(results)}")
        _junit(args.junit, "bugzoo", [(r.mutation.name, None if r.caught else f"MISSED: {r.mutation.failure_class}")
                                      for r in results])
        return 0 if caught == len(results) else 2
    report = check_plan(plan, context)
    _print_report(report)
    found = _search(tree, context, args, report, environments)
    cases = [(inv.name, "\n\n".join(v.render() for v in report.failures if v.invariant == inv.name) or None)
             for inv in ALL]
    cases.append(("property-search", "\n".join(found) or None))
    run_violations: list[Violation] = []
    if args.scenario:
        run_violations = _simulate(args)
        cases += [(f"run:{name}", "\n\n".join(v.render() for v in run_violations if v.invariant == name) or None)
                  for name in RUN_INVARIANTS if name not in args.accept]
    _junit(args.junit, "tripleo-sim check", cases)
    return 2 if report.failures or found or run_violations else 0


def _simulate(args: argparse.Namespace) -> list[Violation]:
    """Simulate ``--scenario`` on the side the plan invariants checked: its end (target, or source of a deploy) with
    ``--release`` or ``--templates`` in place of its release and ``-e`` after its environments, and check the run
    invariants (a failed run is ``run-succeeds``)."""
    import dataclasses
    from pathlib import Path

    from .run import run_scenario
    from .scenario import load_scenario

    scenario = load_scenario(args.scenario)
    side = "target" if scenario.target is not None else "source"
    end = getattr(scenario, side)
    if args.templates or args.release or args.environment:
        end = dataclasses.replace(end, release=None if args.templates else args.release or end.release,
                                  templates=args.templates or (None if args.release else end.templates),
                                  environments=(*end.environments,
                                                *(str(Path(e).resolve()) for e in args.environment)))
        scenario = dataclasses.replace(scenario, **{side: end})
    result = run_scenario(scenario, progress=_progress)
    sim = result.simulation
    budget = DEFAULT_DOWNTIME_BUDGET_S if args.downtime_budget is None else args.downtime_budget
    violations = result.check(downtime_budget_s=budget)
    violations += [Violation("run-succeeds", f"{f.host} failed {f.phase} step {f.step} task {f.task!r} at "
                             f"t={f.time:.0f}s: {f.error}", "see the trace (--json of the run)", (), subject=f.host)
                   for f in sim.failures]
    failing = [v for v in violations if v.invariant not in args.accept]
    print(f"scenario {scenario.name} ({scenario.kind} {result.source.release} -> {result.target.release}): "
          f"{'failed' if result.failed else 'succeeded'} in {sim.env.now:.0f} simulated s; "
          f"{len(failing)} run-invariant violation(s), {len(violations) - len(failing)} accepted")
    for v in failing:
        print(v.render())
    return failing


def ha_counts(tree: TemplateTree) -> dict[str, int]:
    """The layout ``check`` and the pytest plugin evaluate a tree in when no environment is given: 3 controllers
    (an HA cluster, as the bug zoo is written for) and 2 computes, where the tree's roles have them."""
    names = {r["name"] for r in tree.roles_data}
    return {k: v for k, v in (("ControllerCount", 3), ("ComputeCount", 2)) if k[:-5] in names}


def _print_report(report: Report) -> None:
    print(f"release {report.release}: {len(report.checked)} invariants, {len(report.failures)} violation(s), "
          f"{len(report.allowed)} allowed finding(s)")
    for v in report.failures:
        print(v.render())
    for v in report.allowed:
        print("allowed (documented finding): " + v.render().splitlines()[0])


def _search(tree: TemplateTree, context: Any, args: argparse.Namespace, report: Report,
            environments: list[str]) -> list[str]:
    """Bounded search over layouts (default splits, no network drops) for ordering/colocation violations
    that the release's own layout does not show; prints the shrunk counterexample."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    from .strategies import role_layouts

    catalogue = catalogue_for(tree, environments)
    if "Controller" not in catalogue.default_networks or "Compute" not in catalogue.default_networks:
        _progress("property search skipped: the roles_data has no Controller and Compute roles to split")
        return []
    layout_only = {"quorum-size", "pacemaker-colocation"}  # what free layouts break by construction

    def bad(layout: Any) -> list[Violation]:
        r = check_plan(compose_plan(catalogue, layout), context)
        return [v for v in r.failures if v.invariant not in layout_only]

    profile = args.profile or "dev"
    seed = 0 if args.seed is None else args.seed
    budget = PROFILES[profile]
    _progress(f"property search: up to {budget} layouts (profile {profile}, seed {seed})")
    try:
        example = find(role_layouts(catalogue, pacemaker_on_splits=True), lambda lay: bool(bad(lay)),
                       settings=settings(max_examples=budget, database=None, deadline=None, derandomize=False,
                                         phases=[Phase.generate, Phase.shrink],
                                         suppress_health_check=list(HealthCheck)),
                       random=_search_random(seed))
    except NoSuchExample:
        print(f"property search: no violation in {budget} layouts")
        return []
    lines = ["property search: minimal counterexample layout", *("  " + x for x in example.describe().splitlines())]
    lines += [v.render() for v in bad(example)]
    print("\n".join(lines))
    return lines


def _search_random(seed: int) -> Random:
    """The property search's generator: ``Random(seed)`` for a seed >= 0 (as before negative seeds were told apart),
    one of its own for a negative seed (``Random`` seeds with the absolute value: -1 searched what 1 did)."""
    return Random(seed) if seed >= 0 else Random(f"tripleo-sim check --seed {seed}")


def _junit(path: str | None, suite: str, cases: list[tuple[str, str | None]]) -> None:
    if not path:
        return
    failures = sum(1 for _, f in cases if f)
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f"<testsuite name={quoteattr(suite)} tests=\"{len(cases)}\" failures=\"{failures}\" errors=\"0\">"]
    for name, failure in cases:
        out.append(f"  <testcase classname={quoteattr(suite)} name={quoteattr(name)}>")
        if failure:
            first = failure.splitlines()[0]
            out.append(f"    <failure message={quoteattr(first)}>{escape(failure)}</failure>")
        out.append("  </testcase>")
    out.append("</testsuite>")
    write_output(path, "\n".join(out) + "\n", "--junit")
