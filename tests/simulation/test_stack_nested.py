"""Nested stacks in the stack operation: the plan expands the overcloud stack's nested stacks (a role's group and
its member template, the service chain and its members), a nested resource takes its own critical path, and a
fault on a nested path fails the stack naming it as Heat does."""

from __future__ import annotations

import dataclasses
from random import Random
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes.heat.lifecycle import StackResource, find_resource
from simulator.core import Fault
from simulator.run import run_scenario
from simulator.scenario import load_scenario
from simulator.timing import Duration, TimingProfile
from simulator.workflows.stack import _Before, _Failing, _own

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def plans():  # type: ignore[no-untyped-def]
    result = run_scenario("train-to-wallaby", seed=1)
    return result.source, result.target


def test_the_plan_expands_groups_and_chains(plans) -> None:  # type: ignore[no-untyped-def]
    target = plans[1]
    controller = find_resource(target.stack_resources, "Controller")
    assert controller is not None and controller.members == 3
    member = {r.name: r for r in controller.children}
    assert member["Controller"].type == "OS::TripleO::ControllerServer"
    assert "Controller" in member["InternalApiPort"].depends  # a port waits for its server
    chain = find_resource(target.stack_resources, "ControllerServiceChain.ServiceChain")
    assert chain is not None and len(chain.children) > 50
    assert all(not m.depends for m in chain.children)  # THT's ServiceChain is concurrent
    assert find_resource(target.stack_resources, "Controller.2.NetIpMap") is not None
    assert find_resource(target.stack_resources, "Controller.3.NetIpMap") is None  # three controllers
    assert find_resource(target.stack_resources, "Controller.NetIpMap") is None  # the member index is needed


def _sim(**phases: float) -> SimpleNamespace:
    timing = TimingProfile(Duration("fixed", 1.0), Duration("fixed", 0.0), {},
                           {k: Duration("fixed", v) for k, v in phases.items()})
    return SimpleNamespace(timing=timing, _rng=Random(0))


def test_a_nested_stack_takes_its_critical_path_and_a_group_its_slowest_member() -> None:
    sim = _sim(heat_resource=1.0, heat_server=10.0, heat_deployment=5.0, heat_nested_overhead=2.0)
    member = (StackResource("Server", "OS::TripleO::ControllerServer"),
              StackResource("Port", "OS::Neutron::Port", ("Server",)),
              StackResource("Config", "OS::Heat::SoftwareDeployment", ("Port",)),
              StackResource("Other", "OS::Heat::Value"))
    group = StackResource("Controller", "OS::Heat::ResourceGroup", members=3, children=member)
    failing = _Failing()
    created = _Before(None, ())
    assert _own(sim, group, "Controller", "Controller", "", {}, failing, 0.0,  # type: ignore[arg-type]
                created) == 2.0 + 10.0 + 1.0 + 5.0
    # each member's resources, laid out after the member's own overhead: (end, path, type, start, unchanged)
    assert sorted(failing.nested)[:4] == [(3.0, "Controller.0.Other", "OS::Heat::Value", 2.0, False),
                                          (3.0, "Controller.1.Other", "OS::Heat::Value", 2.0, False),
                                          (3.0, "Controller.2.Other", "OS::Heat::Value", 2.0, False),
                                          (12.0, "Controller.0.Server", "OS::TripleO::ControllerServer", 2.0, False)]
    assert len(failing.nested) == 3 * len(member)
    nested = StackResource("Steps", "OS::TripleO::PostDeploySteps", children=member)
    assert _own(sim, nested, "Steps", "Steps", "", {}, _Failing(), 0.0, created) == 18.0  # type: ignore[arg-type]


def test_an_update_leaves_a_resource_whose_definition_is_unchanged_alone() -> None:
    sim = _sim(heat_resource=1.0, heat_server=10.0, heat_deployment=5.0, heat_nested_overhead=2.0,
               heat_unchanged=0.5)
    member = (StackResource("Server", "OS::TripleO::ControllerServer", digest="s1"),
              StackResource("Port", "OS::Neutron::Port", ("Server",), digest="p1"),
              StackResource("Config", "OS::Heat::SoftwareDeployment", ("Port",)))  # takes DeployIdentifier: None
    group = StackResource("Controller", "OS::Heat::ResourceGroup", members=2, children=member)
    # before: the same server, another port definition; group members share the walk path "Controller.0"
    before_member = (dataclasses.replace(member[0]), dataclasses.replace(member[1], digest="p0"), member[2])
    before = _Before([dataclasses.replace(group, children=before_member)], ())
    failing = _Failing()
    # the server is left alone (0.5), the port updates (1.0), the deployment always does (5.0)
    assert _own(sim, group, "Controller", "Controller", "", {}, failing, 0.0,  # type: ignore[arg-type]
                before) == 2.0 + 0.5 + 1.0 + 5.0
    left = {path for _, path, _, _, unchanged in failing.nested if unchanged}
    assert left == {"Controller.0.Server", "Controller.1.Server"}
    # a fault names member 1's server: Heat acts on it, so it is not left alone there
    faulted = _Before([dataclasses.replace(group, children=before_member)],
                      (Fault(0.0, "Controller.1.Server", "heat_resource_failed"),))
    failing = _Failing()
    _own(sim, group, "Controller", "Controller", "", {}, failing, 0.0, faulted)  # type: ignore[arg-type]
    assert {path for _, path, _, _, unchanged in failing.nested if unchanged} == {"Controller.0.Server"}


def test_a_fault_on_a_nested_resource_fails_the_stack_naming_its_path() -> None:
    fault = Fault(0.0, "Controller.1.NetIpMap", "heat_resource_failed", params={"reason": "port 5 is gone"})
    scenario = dataclasses.replace(load_scenario("train-to-wallaby"), faults=(fault,))
    result = run_scenario(scenario, seed=1)
    assert result.failed
    [failure] = result.simulation.failures
    assert failure.error == ("Resource UPDATE failed: Controller: resources[1].resources.NetIpMap: "
                             "port 5 is gone")
    failed = [e for e in result.simulation.trace.select("heat.resource") if e.data["status"] == "UPDATE_FAILED"]
    assert [e.subject for e in failed] == ["Controller"]
    assert [p.name for p in result.simulation.phases] == ["upgrade prepare"]
    # the nested resources that completed before the failure are in the trace; none after it
    nested = result.simulation.trace.select("heat.nested")
    assert nested and all(e.time < failed[0].time for e in nested)
    assert "Controller.1.NetIpMap" not in {e.subject for e in nested}


def test_a_fault_on_an_unknown_nested_path_is_rejected(plans) -> None:  # type: ignore[no-untyped-def]
    from simulator.timing import load_timing
    from simulator.workflows import UpgradeSimulation

    sim = UpgradeSimulation(*plans, timing=load_timing(), seed=1,
                            faults=(Fault(0.0, "Controller.7.NetIpMap", "heat_resource_failed"),))
    with pytest.raises(ValueError, match=r"Controller.0.NetworkDeployment\), found 'Controller.7.NetIpMap'"):
        sim.run()


@pytest.mark.integration
def test_the_trace_has_each_nested_resource_within_its_top_level_resource() -> None:
    sim = run_scenario("train-to-wallaby", seed=1).simulation
    prepared = sim.trace.select("heat.stack")[0].time  # upgrade prepare's stack update (converge is another)
    top = {e.subject: e for e in sim.trace.select("heat.resource", until=prepared)}
    nested = sim.trace.select("heat.nested", until=prepared)
    assert {e.subject.split(".")[0] for e in nested} >= {"Controller", "Compute"}
    assert {"Controller.0.NetIpMap", "Controller.2.NetIpMap", "Compute.1.NetIpMap"} <= {e.subject for e in nested}
    for e in nested:
        parent = top[e.subject.split(".")[0]]
        assert parent.data["start"] <= e.data["start"] <= e.time <= parent.time
    times = [e.time for e in sim.trace]
    assert times == sorted(times)  # the trace stays in simulated-time order


_KINDS = ("OS::Heat::Value", "OS::Neutron::Port", "OS::TripleO::ControllerServer", "OS::Heat::SoftwareDeployment")


@st.composite
def _resources(draw: st.DrawFn, depth: int = 2) -> tuple[StackResource, ...]:
    """A random nested stack: leaves with or without a digest, nested stacks and groups whose children recurse,
    each resource depending on some earlier ones."""
    out: list[StackResource] = []
    for i in range(draw(st.integers(1, 4))):
        name = f"R{i}"
        depends = tuple(draw(st.sets(st.sampled_from([r.name for r in out]))) if out else ())
        if depth and draw(st.booleans()):
            children = draw(_resources(depth - 1))
            if draw(st.booleans()):
                out.append(StackResource(name, "OS::Heat::ResourceGroup", depends, draw(st.integers(1, 3)),
                                         children=children))
            else:
                out.append(StackResource(name, "OS::TripleO::Nested", depends, children=children))
        else:
            out.append(StackResource(name, draw(st.sampled_from(_KINDS)), depends,
                                     digest=draw(st.one_of(st.none(), st.sampled_from(["a", "b"])))))
    return tuple(out)


@given(stack=_resources(), changed=st.sets(st.integers(0, 30)))
def test_an_update_is_never_slower_than_updating_everything(stack: tuple[StackResource, ...],
                                                             changed: set[int]) -> None:
    # Heat's UPDATE leaves a resource with an unchanged definition alone: against any earlier stack it takes at
    # most what it takes when every resource updates, and against itself exactly the leaves with a digest are left
    sim = _sim(heat_resource=1.0, heat_server=10.0, heat_deployment=5.0, heat_nested_overhead=2.0,
               heat_nested_stack=30.0, heat_unchanged=0.5)
    top = StackResource("Top", "OS::TripleO::Nested", children=stack)
    # the earlier stack: the same, with the digests of some leaves (by walk order) changed
    leaves = [p for p, r in top.walk() if r.digest is not None]

    def earlier(resource: StackResource, prefix: str = "") -> StackResource:
        path = f"{prefix}.{resource.name}" if prefix else resource.name
        inner = f"{path}.0" if resource.type == "OS::Heat::ResourceGroup" else path
        digest = resource.digest
        if path in leaves and leaves.index(path) in changed:
            digest = "other"
        return dataclasses.replace(resource, digest=digest,
                                   children=tuple(earlier(c, inner) for c in resource.children))

    def layout(before: _Before) -> tuple[float, set[str]]:
        failing = _Failing()
        total = _own(sim, top, "Top", "Top", "", {}, failing, 0.0, before)  # type: ignore[arg-type]
        return total, {path for _, path, _, _, unchanged in failing.nested if unchanged}

    everything, none_left = layout(_Before(None, ()))
    assert none_left == set()
    partly, _ = layout(_Before([earlier(top)], ()))
    itself, left = layout(_Before([top], ()))
    assert itself <= partly <= everything
    # every leaf with a digest is left alone (a group's members share their first member's definition)
    expected = {p for p, r in top.walk() if r.digest is not None}
    assert {_first_member(p, top) for p in left} == expected


def _first_member(path: str, top: StackResource) -> str:
    """A laid-out path (``Top.R0.2.R1``: member 2) as its walk path (members are all ``0``)."""
    parts, out, level = path.split("."), [], (top,)
    i = 0
    while i < len(parts):
        found = next(r for r in level if r.name == parts[i])
        out.append(parts[i])
        i += 1
        if found.type == "OS::Heat::ResourceGroup" and i < len(parts):
            out.append("0")
            i += 1
        level = found.children
    return ".".join(out)
