"""`upgrade prepare` and `converge` are Heat stack UPDATEs on the overcloud stack's resource graph: resources
complete in dependency order, an injected resource failure fails the stack naming the resource, and a stack
that runs past its timeout fails as Heat's does."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault
from simulator.run import run_scenario
from simulator.scenario import load_scenario
from simulator.timing import load_timing
from simulator.workflows import UpgradeSimulation
from simulator.workflows.stack import stack_operation

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def default_run():  # type: ignore[no-untyped-def]
    return run_scenario("train-to-wallaby", seed=1)


def test_resources_complete_after_what_they_depend_on(default_run) -> None:  # type: ignore[no-untyped-def]
    events = [e for e in default_run.simulation.trace if e.kind == "heat.resource"]
    ended = {}
    prepare = [e for e in events if e.time <= default_run.simulation.phases[0].end]
    for e in prepare:
        ended[e.subject] = e
    assert len(ended) == len(default_run.target.stack_resources) > 50
    for r in default_run.target.stack_resources:
        for d in r.depends:
            assert ended[d].time <= ended[r.name].data["start"] + 1e-6  # starts are rounded to the microsecond
    stacks = [e for e in default_run.simulation.trace if e.kind == "heat.stack"]
    assert [e.data["status"] for e in stacks] == ["UPDATE_COMPLETE", "UPDATE_COMPLETE"]  # prepare, converge


def test_a_failed_resource_fails_upgrade_prepare_naming_it(default_run) -> None:  # type: ignore[no-untyped-def]
    scenario = dataclasses.replace(load_scenario("train-to-wallaby"),
                                   faults=(Fault(0.0, "Controller", "heat_resource_failed"),))
    sim = UpgradeSimulation(default_run.source, default_run.target, timing=load_timing(), seed=1,
                            faults=scenario.faults)
    sim.run()
    assert len(sim.failures) == 1
    failure = sim.failures[0]
    assert failure.phase == "stack update" and failure.task == "overcloud UPDATE_FAILED"
    assert failure.error.startswith("Resource UPDATE failed: Controller")
    assert [p.name for p in sim.phases] == ["upgrade prepare"]  # nothing runs after the failed stack
    assert not [e for e in sim.trace if e.kind == "task"]


def test_a_stack_past_its_timeout_fails(default_run) -> None:  # type: ignore[no-untyped-def]
    sim = UpgradeSimulation(default_run.source, default_run.target, timing=load_timing(), seed=1)
    proc = sim.env.process(stack_operation(sim, sim.target.stack_resources, "UPDATE", timeout_s=120.0))
    sim.env.run(until=proc)
    assert proc.value is not None and "Stack UPDATE cancelled: timed out after 2 min" in proc.value
    assert sim.env.now == pytest.approx(120.0)


def test_a_fault_on_an_unknown_resource_is_rejected_before_the_run(default_run) -> None:  # type: ignore[no-untyped-def]
    sim = UpgradeSimulation(default_run.source, default_run.target, timing=load_timing(), seed=1,
                            faults=(Fault(0.0, "NoSuchResource", "heat_resource_failed"),))
    with pytest.raises(ValueError, match=r"heat_resource_failed at t=0: expected a resource of the overcloud stack "
                                         r"\(.*\), found 'NoSuchResource'"):
        sim.run()


def _statuses(run, stack_index: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Top-level and nested resources' statuses in the run's ``stack_index``-th stack operation, by path."""
    stacks = run.simulation.trace.select("heat.stack")
    start = stacks[stack_index - 1].time if stack_index else 0.0
    return {e.subject: e.data["status"] for e in run.simulation.trace
            if e.kind in ("heat.resource", "heat.nested") and start < e.time <= stacks[stack_index].time}


def test_upgrade_prepare_updates_what_the_new_release_changed(default_run) -> None:  # type: ignore[no-untyped-def]
    # Heat leaves a resource alone when its resolved definition is the same in both releases' stacks
    before = {p: r.digest for top in default_run.source.stack_resources for p, r in top.walk()}
    after = {p: r for top in default_run.target.stack_resources for p, r in top.walk()}
    statuses = _statuses(default_run, 0)
    same = [p for p, r in after.items() if r.digest is not None and before.get(p) == r.digest and "." not in p]
    changed = [p for p, r in after.items() if r.digest is not None and before.get(p) not in (None, r.digest)
               and "." not in p]
    assert same and changed
    assert all(statuses[p] == "UNCHANGED" for p in same)
    assert all(statuses[p] == "UPDATE_COMPLETE" for p in changed)
    # stacks (groups, chains, templates) always update: their own resources decide
    assert statuses["Controller"] == statuses["ControllerServiceChain"] == "UPDATE_COMPLETE"
    timing = load_timing().phase("heat_unchanged")
    for e in default_run.simulation.trace.select("heat.resource"):
        if e.data["status"] == "UNCHANGED" and e.subject in same:
            assert timing.a <= e.time - e.data["start"] <= timing.b + 1e-6


def test_converge_updates_what_its_environment_changed(default_run) -> None:  # type: ignore[no-untyped-def]
    # the converge updates the stack prepare left with the converge environment's plan: a resource whose definition
    # that environment changed updates (each role's ConfigData and ServiceConfigSettings: the hieradata), the
    # others are left alone; what takes tripleoclient's new DeployIdentifier, and every nested stack, updates
    statuses = _statuses(default_run, 1)
    before = {p: r.digest for top in default_run.target.stack_resources for p, r in top.walk()}
    after = {p: r for top in default_run.simulation.converge_plan.stack_resources for p, r in top.walk()}
    same = [p for p, r in after.items() if r.digest is not None and before.get(p) == r.digest and "." not in p]
    changed = [p for p, r in after.items() if r.digest is not None and before.get(p) not in (None, r.digest)
               and "." not in p]
    assert same and {"ControllerConfigData", "ControllerServiceConfigSettings", "ComputeConfigData"} <= set(changed)
    assert all(statuses[p] == "UNCHANGED" for p in same)
    assert all(statuses[p] == "UPDATE_COMPLETE" for p in changed)
    assert all(statuses[p] == "UPDATE_COMPLETE" for p, r in after.items() if r.digest is None and p in statuses)
    assert default_run.simulation.deploy_identifier == 2  # prepare and converge each set a new one


def test_a_converge_without_an_environment_changes_only_what_takes_the_deploy_identifier() -> None:
    # 18.0.0 has no update-converge.yaml: the converge's plan is the prepare's, and every top-level resource with a
    # definition digest is left alone
    run = run_scenario("update-18", seed=1)
    statuses = _statuses(run, 1)
    resources = {p: r for top in run.target.stack_resources for p, r in top.walk()}
    leaves = [p for p, r in resources.items() if r.digest is not None and "." not in p]
    assert leaves and all(statuses[p] == "UNCHANGED" for p in leaves)
    assert all(statuses[p] == "UPDATE_COMPLETE" for p, r in resources.items() if r.digest is None and p in statuses)


def test_a_minor_update_prepare_leaves_the_same_stack_mostly_alone() -> None:
    run = run_scenario("update-18", seed=1)
    statuses = _statuses(run, 0)
    unchanged = sum(1 for s in statuses.values() if s == "UNCHANGED")
    assert unchanged > len(statuses) / 2  # the same templates: only stacks and DeployIdentifier users update
