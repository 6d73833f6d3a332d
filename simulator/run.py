"""Run a scenario and read its result: the Python API behind ``tripleo-sim upgrade``.

    from simulator.run import run_scenario
    result = run_scenario("train-to-wallaby", seed=3)
    result.trace_hash, result.failed, result.summary()
    [e for e in result.simulation.trace.select("api.down")]
    result.simulation.world.snapshot()          # the world at the end of the run
    for v in result.violations: print(v.render())   # run invariants: downtime, quorum, step order, versions
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakes.baremetal.errors import RoleFillError
from fakes.baremetal.roles import RoleDemand, match_roles
from fakes.heat import TemplateTree, resolve_templates
from fakes.heat.api import client_stack_action
from fakes.heat.yamlio import load_yaml

from .invariants import DEFAULT_DOWNTIME_BUDGET_S, Violation, check_run
from .plan import Plan
from .plan_cache import cached_plan
from .planning import HEAT_UPGRADE_CONVERGE, HEAT_UPGRADE_CONVERGE_DOCKER, build_plan
from .scenario import Scenario, ScenarioError, Source, load_scenario
from .timing import load_timing
from .workflows import WORKFLOWS, FastForwardUpgradeSimulation, HeatUpgradeSimulation, Simulation
from .workflows.base import listing
from .workflows.ffwd import FAST_FORWARD_KEY

__all__ = ["ScenarioResult", "converge_environment", "converge_plan", "plan_for", "prepare_environment",
           "prepare_scenario", "run_scenario", "target_plan"]


def prepare_environment(scenario: Scenario) -> str | None:
    """The lifecycle environment tripleoclient's prepare command puts before the operator's (``prepend_environment``)
    for the stack update whose outputs the run's playbooks come from: ``upgrade prepare``'s, ``ffwd-upgrade
    prepare``'s, ``update prepare``'s; None for a deploy. Where the target's templates have no such file (Pike and
    earlier: their upgrades are Heat's own), nothing is added."""
    if scenario.kind == "upgrade":
        return "environments/lifecycle/ffwd-upgrade-prepare.yaml" if scenario.fast_forward \
            else "environments/lifecycle/upgrade-prepare.yaml"
    if scenario.kind == "update":
        return "environments/lifecycle/update-prepare.yaml"
    return None


def converge_environment(scenario: Scenario) -> str | None:
    """The lifecycle environment tripleoclient's converge command puts before the operator's: ``upgrade
    converge``'s, ``ffwd-upgrade converge``'s, ``update converge``'s (they reset what the prepare environment set:
    Wallaby's ``UpgradeLevelNovaCompute`` back to none, ``EnablePackageInstall`` off, ...); None for a deploy."""
    prepare = prepare_environment(scenario)
    return prepare.replace("-prepare.yaml", "-converge.yaml") if prepare else None


def converge_plan(scenario: Scenario, prepare: Plan, progress: Callable[[str], None] | None = None) -> Plan:
    """The plan of the run's converge: the target's templates with :func:`converge_environment` before the
    scenario's (Ocata's and Pike's Heat-driven upgrade: ``major-upgrade-converge[-docker].yaml``); ``prepare`` (the
    plan the run's playbooks came from) where the templates have no such file (18.0.0's update)."""
    side = scenario.target if scenario.target is not None else scenario.source
    lifecycle = converge_environment(scenario)
    if prepare.heat_upgrade_steps:  # Ocata's and Pike's Heat-driven upgrade: `overcloud deploy -e <converge env>`
        containerized = any(r.containers for r in prepare.roles)
        lifecycle = HEAT_UPGRADE_CONVERGE_DOCKER if containerized else HEAT_UPGRADE_CONVERGE
    root = resolve_templates(side.release, side.templates, progress=progress)
    if lifecycle is None or not (Path(root) / lifecycle).is_file():
        return prepare
    return plan_for(side, scenario, progress, lifecycle=lifecycle, stack_update=True)


def target_plan(scenario: Scenario, progress: Callable[[str], None] | None = None, *,
                source: Plan | None = None) -> Plan:
    """The plan the run's playbooks come from: the target's templates (an update's: the source's) with the prepare
    command's lifecycle environment (:func:`prepare_environment`) before the scenario's; ``source`` (the source
    plan) is returned as it is where no lifecycle environment applies to an update."""
    side = scenario.target if scenario.target is not None else scenario.source
    lifecycle = prepare_environment(scenario)
    root = resolve_templates(side.release, side.templates, progress=progress)
    if lifecycle is None or not (Path(root) / lifecycle).is_file():
        if source is not None and scenario.target is None:
            return source
        return plan_for(side, scenario, progress, stack_update=scenario.kind != "deploy")
    return plan_for(side, scenario, progress, lifecycle=lifecycle, stack_update=True)


def plan_for(source: Source, scenario: Scenario, progress: Callable[[str], None] | None = None, *,
             lifecycle: str | None = None, stack_update: bool = False) -> Plan:
    """The plan of one side of ``scenario`` (``lifecycle``: an environment of the templates put before the
    scenario's, as tripleoclient's prepare commands do; ``stack_update``: the stack operation is on the deployed
    stack, not its first deploy, which sets the StackAction the release's client passes)."""
    root = resolve_templates(source.release, source.templates, progress=progress)
    files = [*([lifecycle] if lifecycle else []), *side_environments(root, source, scenario)]

    def evaluate() -> tuple[Plan, list[Any]]:
        if progress:
            progress(f"evaluating {source.describe()} ({root})")
        tree = scenario_tree(root, scenario)
        plan = build_plan(root, environment_files=files, tree=tree, parameters=scenario.parameters(),
                          with_global_vars=True,
                          stack_action=client_stack_action(tree.version, stack_exists=stack_update,
                                                           heat_type=scenario.heat_type))
        return plan, [*tree.read_outside, scenario.roles_data, scenario.network_data]

    if source.templates is not None:  # a local tree may change between runs: evaluated every time
        return evaluate()[0]
    inputs = {"environments": files, "roles": list(scenario.roles), "parameters": scenario.parameters(),
              "roles_data": scenario.roles_data, "network_data": scenario.network_data, "stack_update": stack_update,
              "heat_type": scenario.heat_type}
    return cached_plan(Path(root), inputs, evaluate, progress)


def side_environments(root: Any, source: Source, scenario: Scenario) -> list[str]:
    """The environment files of one side of ``scenario`` (``source``: its source or target), the scenario's first,
    each found where :func:`environment_path` looks."""
    side = "source" if source is scenario.source else "target"
    environments = []
    for key, env in [*((f"environments[{i}]", e) for i, e in enumerate(scenario.environments)),
                     *((f"{side}.environments[{i}]", e) for i, e in enumerate(source.environments))]:
        found = environment_path(root, scenario, env)
        if found is None:
            where = f", next to the scenario ({scenario.base})" if scenario.base else ""
            raise ScenarioError(scenario.file, key, expected=f"an environment file of the templates ({root}){where} "
                                "or a path", found=repr(env))
        environments.append(found)
    return environments


def scenario_tree(root: Any, scenario: Scenario) -> TemplateTree:
    """The templates at ``root`` with the scenario's roles (``roles``, from the tree's ``roles/``, or its
    ``roles_data``) and ``network_data``."""
    roles_data: Any = scenario.roles_data
    if scenario.roles:
        roles_data = generate_roles(root, scenario)
    return TemplateTree.from_path(root, roles_data=roles_data, network_data=scenario.network_data)


def environment_path(root: Any, scenario: Scenario, env: str) -> str | None:
    """Where a scenario's environment file is: the templates' own (``environments/docker-ha.yaml``, kept relative to
    them, including those the tree renders from ``*.j2.yaml``: ``environments/network-isolation.yaml``), else a file
    next to the scenario, else a path as given (absolute or from the working directory)."""
    if (Path(root) / env).is_file() or (env.endswith(".yaml") and (Path(root) / f"{env[:-5]}.j2.yaml").is_file()):
        return env
    if scenario.base and not Path(env).is_absolute() and (near := Path(scenario.base) / env).is_file():
        return str(near.resolve())
    return env if Path(env).is_file() else None


def generate_roles(root: Any, scenario: Scenario) -> list[Any]:
    """roles_data from role files of the tree's ``roles/`` folder, as ``openstack overcloud roles generate``."""
    roles: list[Any] = []
    for i, name in enumerate(scenario.roles):
        path = root / "roles" / f"{name}.yaml"
        if not path.is_file():
            available = sorted(p.stem for p in (root / "roles").glob("*.yaml"))
            raise ScenarioError(scenario.file, f"roles[{i}]", expected="a role of the release's roles/: "
                                + ", ".join(available), found=repr(name))
        data = load_yaml(path.read_text(), f"roles/{name}.yaml", require_mapping=False)
        roles += data if isinstance(data, list) else [data]
    return roles


@dataclass
class ScenarioResult:
    scenario: Scenario
    seed: int
    source: Plan
    target: Plan
    simulation: Simulation

    @property
    def failed(self) -> bool:
        return bool(self.simulation.failures)

    @property
    def trace_hash(self) -> str:
        return self.simulation.trace.hash

    _checked: tuple[tuple[Any, ...], list[Violation]] | None = field(default=None, init=False, repr=False,
                                                                     compare=False)
    # a Session's result before it finished: "running", or "stopped" once closed there (None: the run ended)
    progress: str | None = field(default=None, init=False, compare=False)

    @property
    def violations(self) -> list[Violation]:
        """The run invariants (:func:`simulator.invariants.check_run`) over this run's trace as it is now: kept
        until the run moves on (a :class:`~simulator.session.Session` read mid-run, then finished, checks again)."""
        sim = self.simulation
        state = (len(sim.trace), sim.env.now, len(sim.failures), math.fsum(sim.world.downtime.values()))
        if self._checked is None or self._checked[0] != state:
            self._checked = (state, self.check())
        return self._checked[1]

    def check(self, downtime_budget_s: float = DEFAULT_DOWNTIME_BUDGET_S) -> list[Violation]:
        """The run invariants over this run's trace and end state, with an API downtime budget. Before a
        Session's run ended: over the trace so far, with the downtime so far, and without the invariants of a run's
        end state (services restored, replicas' builds and configs current, no orphaned resource)."""
        sim = self.simulation
        end_state: dict[str, Any] = {} if self.progress is not None else {
            "left_stopped": sim.left_stopped(), "stale_replicas": sim.stale_replicas(),
            "stale_configs": sim.stale_configs(), "orphaned": sim.orphaned_resources()}
        return check_run(sim.trace, self._downtime(), downtime_budget_s=downtime_budget_s,
                         source_release=self.source.release, target_release=self.target.release, **end_state)

    def _downtime(self) -> dict[str, float]:
        """Per-API downtime: at a run's end its total; before, so far (open outages counted to now)."""
        sim = self.simulation
        return sim.world.downtime_until(sim.env.now) if self.progress is not None else sim.world.downtime

    def summary(self) -> dict[str, Any]:
        sim = self.simulation
        return {
            "scenario": self.scenario.name, "kind": self.scenario.kind, "seed": self.seed,
            "source_release": self.source.release, "target_release": self.target.release,
            "result": "failed" if self.failed else self.progress or "succeeded",
            "simulated_seconds": round(sim.env.now, 3),
            "host_tasks": sim.task_count,
            "phases": [{"name": p.name, "start": round(p.start, 3), "duration": round(p.end - p.start, 3)}
                       for p in sim.phases],
            "api_downtime_seconds": {k: round(v, 3) for k, v in self._downtime().items()},
            "api_outages": api_outages(sim.trace, sim.env.now),
            "quorum_events": [{"time": round(t, 3), "cluster": c, "event": e} for t, c, e in sim.world.quorum_events],
            "failures": [{"time": round(f.time, 3), "host": f.host, "phase": f.phase, "step": f.step,
                          "task": f.task, "error": f.error} for f in sim.failures],
            "trace_hash": self.trace_hash,
            "violations": [v.to_json() for v in self.violations],
            # a fault scheduled after the run ended did nothing: said, not silently dropped
            "faults_after_end": [{"kind": f.kind, "target": f.target, "at": f.at} for f in sim.faults
                                 if f.at > sim.env.now and self.progress is None],
            # a task_failed or heat_resource_failed fault that began but failed nothing: said too
            "faults_never_applied": [{"kind": f.kind, "target": f.target, "at": f.at, **dict(f.params)}
                                     for f in sim.unapplied_faults()],
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "trace": self.simulation.trace.to_json(),
                "final_state": self.simulation.world.snapshot()}


def api_outages(trace: Any, end: float) -> list[dict[str, Any]]:
    """Each API outage of a run: when it began and ended (or the run's end), its ``reason`` — the world's reason
    that held longest in it (``no backend``, ``haproxy``, a VIP moving, or the dependency that was down: ``galera``,
    ``rabbitmq``, ``keystone``; the first of equals) — and ``reasons``: each reason in turn, from when and for how
    long (an outage that began as a VIP move and went on as galera's quorum loss has both)."""
    out: list[dict[str, Any]] = []
    open_: dict[str, dict[str, Any]] = {}
    for event in trace:
        if event.kind == "api.down":
            open_[event.subject] = {"api": event.subject, "down": round(event.time, 3), "up": None, "reason": "",
                                    "reasons": [{"reason": str(event.data.get("reason", "")), "from": event.time}]}
            out.append(open_[event.subject])
        elif event.kind == "api.reason" and event.subject in open_:
            open_[event.subject]["reasons"].append({"reason": str(event.data.get("reason", "")), "from": event.time})
        elif event.kind == "api.up" and event.subject in open_:
            open_.pop(event.subject)["up"] = round(event.time, 3)
    for outage in out:
        until = outage["up"] if outage["up"] is not None else end
        reasons = outage["reasons"]
        for part, after in zip(reasons, [*reasons[1:], None], strict=True):
            part["seconds"] = round((after["from"] if after else until) - part["from"], 3)
            part["from"] = round(part["from"], 3)
        outage["seconds"] = round(until - outage["down"], 3)
        outage["reason"] = max(reasons, key=lambda r: r["seconds"])["reason"]  # the first of equals
    return out


def run_scenario(ref: str | os.PathLike[str] | Scenario | None = None, *, seed: int | None = None,
                 progress: Callable[[str], None] | None = None) -> ScenarioResult:
    """Load (``ref``: a shipped scenario name, a file, a :class:`Scenario`; default the shipped default), plan
    and simulate a scenario to its end."""
    result = prepare_scenario(ref, seed=seed, progress=progress)
    if progress:
        progress(f"simulating {result.scenario.name} (seed {result.seed})")
    result.simulation.run()
    return result


def prepare_scenario(ref: str | os.PathLike[str] | Scenario | None = None, *, seed: int | None = None,
                     progress: Callable[[str], None] | None = None) -> ScenarioResult:
    """Plan a scenario and set up its simulation without running it (``Session`` steps through it)."""
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        # the RNG tree hashes the seed's repr: "1", True and 1.0 ran three other runs than 1
        raise TypeError(f"seed: expected an integer, found {seed!r}")
    if seed is not None:
        try:
            repr(seed)  # the RNG tree hashes it: Python writes at most sys.get_int_max_str_digits() digits
        except ValueError:
            raise ValueError(f"seed: expected an integer of at most {sys.get_int_max_str_digits()} digits, found one "
                             f"of {seed.bit_length()} bits") from None
    scenario = ref if isinstance(ref, Scenario) else load_scenario(ref)
    source = plan_for(scenario.source, scenario, progress)
    target = target_plan(scenario, progress, source=source)
    converge = converge_plan(scenario, target, progress) if scenario.kind != "deploy" else None
    run_seed = scenario.seed if seed is None else seed
    workflow = WORKFLOWS[scenario.kind]
    if scenario.fast_forward:
        if not any(r.tasks.get(FAST_FORWARD_KEY) for r in target.roles):
            raise ScenarioError(scenario.file, "fast_forward", expected="a target release whose templates have "
                                f"{FAST_FORWARD_KEY} (Queens, THT 8.x)",
                                found=f"none in {target.release or target.templates}")
        workflow = FastForwardUpgradeSimulation
    elif scenario.kind == "upgrade" and target.heat_upgrade_steps:
        workflow = HeatUpgradeSimulation  # Ocata: the upgrade is driven by Heat (major_upgrade_steps.yaml)
        if scenario.skip_tags:
            raise ScenarioError(scenario.file, "skip_tags", expected="an upgrade with `upgrade run` (Heat drives "
                                "this one: there is no --skip-tags)", found=f"templates at {target.templates}")
    machines = {"machines": scenario.machines, "bmc": scenario.bmc} if scenario.kind == "deploy" else {}
    sim = workflow(source, target, timing=load_timing(scenario.timing, scenario.timing_file, scenario.timing_where),
                   seed=run_seed, faults=scenario.faults,
                   order=scenario.order or None, progress=progress, system_upgrade=scenario.system_upgrade,
                   converge=converge, external_update_tags=scenario.external_update_tags,
                   skip_tags=scenario.skip_tags,
                   **machines)
    _check_layout(scenario, target, sim)
    return ScenarioResult(scenario, run_seed, source, target, sim)


def _check_layout(scenario: Scenario, target: Plan, sim: Simulation) -> None:
    """What the scenario names must exist in the planned layout: roles given node counts, nodes in the operator
    order, fault targets (a misspelt name would otherwise be silently ignored)."""
    roles = list(dict.fromkeys(r.name for plan in (sim.source, target) for r in plan.roles))
    for role in scenario.nodes:
        if role not in roles:
            raise ScenarioError(scenario.file, f"nodes.{role}", expected=f"a role of the layout ({', '.join(roles)})",
                                found=repr(role))
    nodes = [n.name for r in target.roles for n in r.nodes]
    for i, batch in enumerate(scenario.order):
        for j, host in enumerate(batch):
            if host not in nodes:
                raise ScenarioError(scenario.file, f"order[{i}][{j}]",
                                    expected=f"a node of the layout ({listing(nodes)})", found=repr(host))
    if scenario.machines:  # the machines must fill the layout's roles, as node provision matches them
        try:
            match_roles(scenario.machines, [RoleDemand.tripleo(r.name, r.count) for r in target.roles if r.count])
        except RoleFillError as exc:
            raise ScenarioError(scenario.file, "nodes_file", expected="machines for every node of the layout's "
                                "roles (by node:<role>-<index> hint or profile)", found=str(exc)) from None
    for i, fault in enumerate(scenario.faults):
        problem = sim.fault_problem(fault)
        if problem is not None:
            file, key = scenario.fault_origin(i)
            raise ScenarioError(file, f"{key}.{problem[0]}", expected=problem[1], found=problem[2])
