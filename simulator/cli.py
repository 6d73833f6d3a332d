"""The ``tripleo-sim`` command. Thin: parses arguments, calls the library, prints.

Exit codes: 0 success; 1 bad input (a typed error naming file, key path, expected and found); 2 a simulated
run that failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from fakes.ansible import module_coverage
from fakes.heat import TemplateTree, fetch_release, resolve_templates
from fakes.heat.errors import TemplateError, TemplateSourceError
from reports import junit_xml, render_snapshot, render_summary, render_trace

from . import check, plan_cache
from .outputs import check_outputs, write_output
from .plan import Plan
from .planning import build_plan
from .progress import Progress
from .run import plan_for, run_scenario, target_plan
from .scenario import DEFAULT_SCENARIO, Scenario, is_shipped, load_scenario, scenario_files, with_faults
from .session import Session

__all__ = ["main"]


def _progress(msg: str) -> None:
    print(f"... {msg}", file=sys.stderr, flush=True)


def _add_source_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--release", help="THT release from the package index, e.g. 18.0.0 (default: 18.0.0)")
    g.add_argument("--templates", metavar="PATH", help="a local tripleo-heat-templates tree instead of a release")
    p.add_argument("-r", "--roles-data", metavar="FILE", help="roles_data.yaml (default: the tree's own)")
    p.add_argument("-n", "--network-data", metavar="FILE", help="network data (default: process-templates')")
    p.add_argument("-e", "--environment", metavar="FILE", action="append", default=[],
                   help="environment file, in order (relative to the templates root or the cwd)")


class _Parser(argparse.ArgumentParser):
    """argparse's parser, but a usage error exits 1 like all bad input (argparse's 2 is a failed simulated run
    here, which CI jobs read as a template's fault)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tripleo-sim", description=__doc__.splitlines()[0] if __doc__ else "")
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("templates", help="fetch and cache THT releases")
    tsub = t.add_subparsers(dest="templates_command", required=True)
    tf = tsub.add_parser("fetch", help="download a release's sdist (sha256-checked) into the user cache")
    tf.add_argument("version")
    tf.add_argument("--refresh", action="store_true", help="download again even if cached")

    p = sub.add_parser("plan", help="evaluate templates and print per-role services and tasks per step")
    _add_source_args(p)
    p.add_argument("--json", nargs="?", const="-", metavar="FILE", help="write the plan as JSON (- = stdout)")

    c = sub.add_parser("coverage", help="per Ansible module: how many lifecycle tasks use it, whether it is modelled")
    _add_source_args(c)
    c.add_argument("--phase", action="append", metavar="KEY",
                   help="role_data keys to count (default: upgrade_tasks and update_tasks)")
    c.add_argument("--markdown", action="store_true", help="print a Markdown table")

    defaults = {"upgrade": DEFAULT_SCENARIO, "update": "update-18", "deploy": "deploy-3-100"}
    for kind, default in defaults.items():
        u = sub.add_parser(kind, help=f"run {'an' if kind[0] in 'aeiou' else 'a'} {kind} scenario (default: {default})")
        u.set_defaults(default_scenario=default)
        u.add_argument("scenario", nargs="?", default=None, help="scenario file or shipped scenario name")
        u.add_argument("--seed", type=int, default=None)
        u.add_argument("--json", metavar="FILE", help="write the result as JSON (-: stdout, the summary to stderr)")
        u.add_argument("--junit", metavar="FILE", help="write JUnit XML (-: stdout, the summary to stderr)")
        u.add_argument("--at", metavar="SECONDS", type=float, action="append", default=[],
                       help="also print the world at this simulated time (repeatable)")
        u.add_argument("--trace", metavar="PATTERN", nargs="?", const="*", action="append", default=[],
                       help="also print the run's trace, one event a line: those whose kind, node or task matches "
                            "the shell-style PATTERN (repeatable; none: every event), e.g. --trace "
                            "overcloud-controller-1, --trace 'state.vip', --trace '*pacemaker*'")
        u.add_argument("--trace-window", metavar="FROM:TO", default=None,
                       help="with --trace: only the events between these simulated seconds (either end may be empty)")
        u.add_argument("--fault", metavar="YAML", action="append", default=[],
                       help="add a fault to the scenario's, written as in its faults: list (repeatable), e.g. "
                            "'{at: 0, target: overcloud-controller-1, kind: task_failed, task: Start pacemaker*}'")
        u.add_argument("--strict", action="store_true",
                       help="exit 2 when a run invariant is violated (API downtime budget, quorum, step order, "
                            "mixed versions), not only when the simulated run fails")
        u.add_argument("--no-plan-cache", action="store_true",
                       help="evaluate the templates even where an earlier run kept the plan (~/.cache/tripleo-sim/"
                            "plans; TRIPLEO_SIM_PLAN_CACHE=0 does the same)")
        if kind == "upgrade":
            u.add_argument("--plans", action="store_true",
                           help="print the source and target plans instead of simulating")
            u.add_argument("--simulate", action="store_true", help=argparse.SUPPRESS)  # the default; kept for scripts
    check.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _check_switches()
        # before any work: a run's result is never lost to an unwritable path, nor written over an input or the
        # other output
        check_outputs(_outputs(args), [getattr(args, "scenario", None), *(getattr(args, "environment", None) or ()),
                                       getattr(args, "roles_data", None), getattr(args, "network_data", None)])
        if args.command == "templates":
            path = fetch_release(args.version, refresh=args.refresh, progress=_progress)
            print(path)
            return 0
        if args.command == "plan":
            return _cmd_plan(args)
        if args.command == "coverage":
            return _cmd_coverage(args)
        if args.command in ("upgrade", "update", "deploy"):
            return _cmd_run(args)
        if args.command == "check":
            return check.run(args)
    except (TemplateError, TemplateSourceError) as exc:
        print(f"tripleo-sim: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 1


_OFF, _ON = ("0", "false", "no", "off"), ("1", "true", "yes", "on", "")


def _check_switches() -> None:
    """The caches' on/off environment variables hold a value they read (``disabled`` left a cache on)."""
    for name in ("TRIPLEO_SIM_PLAN_CACHE", "TRIPLEO_SIM_TEMPLATE_CACHE"):
        value = os.environ.get(name)
        if value is not None and value.strip().lower() not in _OFF + _ON:
            raise TemplateError(f"environment variable {name}", expected="0 or 1 (or false/true, no/yes, off/on)",
                                found=repr(value))


def _outputs(args: argparse.Namespace) -> dict[str, str | None]:
    return {f"--{option}": getattr(args, option, None) for option in ("json", "junit")}


def _cmd_plan(args: argparse.Namespace) -> int:
    release = args.release if args.release is not None else (None if args.templates else "18.0.0")
    root = resolve_templates(release, args.templates, progress=_progress)
    _progress(f"evaluating {root}")
    tree = TemplateTree.from_path(root, roles_data=args.roles_data, network_data=args.network_data)
    plan = build_plan(root, environment_files=args.environment, tree=tree)
    if args.json:
        text = json.dumps(plan.to_json(), indent=2)
        if args.json == "-":
            print(text)
        else:
            write_output(args.json, text + "\n", "--json")
            _progress(f"wrote {args.json}")
        return 0
    print(render_plan(plan))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    if args.no_plan_cache:
        plan_cache.disable()
    if getattr(args, "plans", False):  # (they were ignored, and a bad --fault passed unchecked)
        given = [o for o, v in (("--junit", args.junit), ("--at", args.at), ("--trace", args.trace),
                                ("--trace-window", args.trace_window), ("--fault", args.fault),
                                ("--strict", args.strict)) if v]
        if given:
            raise TemplateError("--plans", expected="no --junit, --at, --trace, --trace-window, --fault or --strict "
                                "(they read a simulated run; --plans simulates none)", found=" ".join(given))
    if args.scenario is None:
        # `--trace NAME` takes NAME as its pattern (it has an optional value): say so, not run the default scenario
        named = [p for p in args.trace if p != "*" and (p.endswith((".yaml", ".yml")) or is_shipped(p))]
        if named:
            raise TemplateError(f"--trace {named[0]}", expected="a pattern of trace events",
                                found="a scenario name", hint=f"write the scenario first: tripleo-sim {args.command} "
                                f"{named[0]} --trace ...")
    scenario = with_faults(load_scenario(args.scenario or args.default_scenario), args.fault)
    if scenario.kind != args.command:
        print(f"tripleo-sim: error: {scenario.file}: kind: expected {args.command}, found {scenario.kind}",
              file=sys.stderr)
        return 1
    check_outputs(_outputs(args), scenario_files(scenario))
    if args.command != "upgrade" or not args.plans:
        return _simulate(scenario, args)
    assert scenario.target is not None
    source = plan_for(scenario.source, scenario, _progress)
    target = target_plan(scenario, _progress)
    report = sys.stderr if args.json == "-" else sys.stdout  # --json -: stdout holds the JSON alone
    seed = args.seed if args.seed is not None else scenario.seed
    print(f"scenario {scenario.name}: {scenario.description}\n"
          f"upgrade {source.release} -> {target.release}, seed {seed}\n\n"
          f"== source plan ({source.release})\n"
          + render_plan(source, keys=("update_tasks", "deploy_steps_tasks")) + "\n"
          f"== target plan ({target.release})\n"
          + render_plan(target, keys=("upgrade_tasks", "deploy_steps_tasks", "post_upgrade_tasks",
                                      "external_upgrade_tasks")) + "\n"
          "These are the plans `tripleo-sim upgrade` simulates (drop --plans to run it).", file=report)
    if args.json:
        write_output(args.json, json.dumps({"scenario": scenario.name, "source": source.to_json(),
                                            "target": target.to_json(), "simulated": False}, indent=2) + "\n",
                     "--json")
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    release = args.release if args.release is not None else (None if args.templates else "18.0.0")
    root = resolve_templates(release, args.templates, progress=_progress)
    tree = TemplateTree.from_path(root, roles_data=args.roles_data, network_data=args.network_data)
    plan = build_plan(root, environment_files=args.environment, tree=tree)
    keys = args.phase or ["upgrade_tasks", "update_tasks"]
    present = sorted({key for role in plan.roles for key in role.tasks})
    for key in args.phase or ():
        if key not in present:  # (a misspelt key counted 0 tasks)
            raise TemplateError("--phase", expected="a role_data task list of the plan: " + ", ".join(present),
                                found=repr(key))
    seen: set[str] = set()
    lists = []
    for role in plan.roles:
        for key in keys:
            for tasks in role.tasks.get(key, {}).values():
                for task in tasks:
                    ident = json.dumps(task.body, sort_keys=True, default=str)
                    if ident not in seen:  # a service's task counts once, whichever roles run it
                        seen.add(ident)
                        lists.append([task.body])
    rows = module_coverage(lists)
    total = sum(r.tasks for r in rows)
    modelled = sum(r.modelled for r in rows)
    if args.markdown:
        print("| module | tasks | modelled | status |\n|---|---:|---:|---|")
        for r in rows:
            print(f"| `{r.module}` | {r.tasks} | {r.modelled} | {r.status} |")
    else:
        print(f"{'module':<44} {'tasks':>6} {'modelled':>9}  status")
        for r in rows:
            print(f"{r.module:<44} {r.tasks:>6} {r.modelled:>9}  {r.status}")
    print(f"{plan.release} {', '.join(keys)}: {total} distinct tasks, {modelled} modelled, "
          f"{total - modelled} opaque ({len(rows)} modules)")
    return 0


def _simulate(scenario: Scenario, args: argparse.Namespace) -> int:
    bad = [t for t in args.at if not 0 <= t < math.inf]  # (NaN fails too)
    if bad:
        print(f"tripleo-sim: error: --at {bad[0]:g}: expected simulated seconds >= 0 (finite)", file=sys.stderr)
        return 1
    window = _trace_window(args.trace_window)
    if window is not None and not args.trace:
        args.trace = ["*"]
    progress = Progress()  # a bar on a terminal, phase lines always
    snapshots = []
    try:
        if args.at:
            session = Session(scenario, seed=args.seed, progress=progress)
            for t in sorted(args.at):
                session.run_until(t)
                snapshots.append({**session.snapshot(), "t": t})
            result = session.finish()
        else:
            result = run_scenario(scenario, seed=args.seed, progress=progress)
    finally:
        progress.close()
    # with --json - or --junit -, stdout holds that document alone: the report goes to stderr
    report = sys.stderr if "-" in (args.json, args.junit) else sys.stdout
    for snap in snapshots:
        text = render_snapshot(snap)
        if snap["t"] > result.simulation.env.now:  # said on the header line, where the time is
            header, _, rest = text.partition("\n")
            text = f"{header.rstrip(':')} (after the run ended at t={result.simulation.env.now:.0f}s):\n{rest}"
        print(text, file=report)
    if args.trace:
        print(render_trace(result.simulation.trace.to_json(), args.trace, window), file=report)
    s = result.summary()
    print(render_summary(s, strict=args.strict), file=report)
    if args.json:
        write_output(args.json, json.dumps(result.to_json(), indent=1) + "\n", "--json")
        if args.json != "-":
            _progress(f"wrote {args.json}")
    if args.junit:
        write_output(args.junit, junit_xml(s) + "\n", "--junit")
        if args.junit != "-":
            _progress(f"wrote {args.junit}")
    return 2 if result.failed or (args.strict and s["violations"]) else 0


def _trace_window(text: str | None) -> tuple[float, float] | None:
    """``FROM:TO`` in simulated seconds (either may be empty); a typed error otherwise."""
    if text is None:
        return None
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError(text)
        start = float(parts[0]) if parts[0].strip() else 0.0
        end = float(parts[1]) if parts[1].strip() else float("inf")
    except ValueError:
        raise TemplateError("--trace-window", expected="FROM:TO in simulated seconds, e.g. 2600:2700 or 2600:",
                            found=repr(text)) from None
    if not 0 <= start <= end:
        raise TemplateError("--trace-window", expected="0 <= FROM <= TO", found=repr(text))
    return start, end


def render_plan(plan: Plan, keys: Sequence[str] | None = None) -> str:
    lines = [f"release {plan.release}  templates {plan.templates}"]
    for role in plan.roles:
        lines.append("")
        nodes = ", ".join(n.name + (" (bootstrap)" if n.bootstrap else "") for n in role.nodes) or "none"
        lines.append(f"{role.name}: {role.count} node(s): {nodes}")
        lines.append(f"  services ({len(role.services)} enabled, {len(role.disabled_services)} disabled): "
                     + _wrap(", ".join(role.services), 100, "    "))
        shown = [k for k in (keys or sorted(role.tasks)) if k in role.tasks]
        steps = sorted({s for k in shown for s in role.tasks[k]}, key=_step_key)
        if shown:
            width = max(len(k) for k in shown)
            lines.append("  " + "tasks per step".ljust(width) + " " + " ".join(s.rjust(4) for s in steps))
            for k in shown:
                row = " ".join(
                    (str(len(role.tasks[k][s])) if s in role.tasks[k] else "-").rjust(4) for s in steps)
                lines.append("  " + k.ljust(width) + " " + row)
        for nr in role.never_runs:
            if keys is None or nr.key in keys:
                lines.append(f"  NEVER RUNS: {nr.key} step {nr.step}: {nr.task!r} ({nr.reason})")
    return "\n".join(lines)


def _step_key(s: str) -> tuple[int, Any]:
    return (0, int(s)) if s.isdigit() else (1, s)


def _wrap(text: str, width: int, indent: str) -> str:
    out, line = [], ""
    for word in text.split(" "):
        if len(line) + len(word) + 1 > width and line:
            out.append(line)
            line = indent
        line += word + " "
    out.append(line.rstrip())
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
