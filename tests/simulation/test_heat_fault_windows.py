"""A ``heat_resource_failed`` fault holds for its window ``[at, at + duration)``, as the other faults do: a resource
fails when it ends inside the window, top-level or nested; a resource whose deployments do work (Ocata's
``AllNodesDeploySteps``, the upgrade-steps stack's ``ControllerUpgrade_Step2``) fails too; and a path that names no
resource a fault can fail (a group member alone, a member index as Heat never writes it) is refused (found by
probing: the duration was ignored, and these faults were accepted and never fired)."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault
from simulator.run import ScenarioResult, run_scenario
from simulator.scenario import ScenarioError, load_scenario

pytestmark = pytest.mark.integration


def _run(name: str, *faults: Fault) -> ScenarioResult:
    return run_scenario(dataclasses.replace(load_scenario(name), faults=faults), seed=1)


def _failed_resources(result: ScenarioResult) -> list[str]:
    return [e.subject for e in result.simulation.trace.select("heat.resource") if e.data["status"].endswith("FAILED")]


def test_a_window_that_ended_before_the_resource_did_fails_nothing() -> None:
    # the update prepare's Controller resource ends at ~522 s: a fault over [0, 5) is long gone by then
    result = _run("update-18", Fault(0.0, "Controller", "heat_resource_failed", duration=5.0))
    assert not result.failed and not _failed_resources(result)
    # the converge's stack update (~12,200 s) is not failed by a window in the middle of the run either
    result = _run("update-18", Fault(5000.0, "Controller", "heat_resource_failed", duration=100.0))
    assert not result.failed


def test_a_window_that_holds_when_the_resource_ends_fails_it() -> None:
    result = _run("update-18", Fault(0.0, "Controller", "heat_resource_failed", duration=3000.0))
    assert result.failed and _failed_resources(result) == ["Controller"]


def test_a_nested_fault_holds_for_its_window_only() -> None:
    ended = _run("update-18", Fault(0.0, "Controller.1.NetIpMap", "heat_resource_failed", duration=1.0))
    assert not ended.failed
    holds = _run("update-18", Fault(0.0, "Controller.1.NetIpMap", "heat_resource_failed", duration=3000.0))
    assert holds.failed
    assert "Controller: resources[1].resources.NetIpMap: injected failure at t=0s" in holds.simulation.failures[0].error


@pytest.mark.parametrize("target", ["Controller.1", "Controller.02.NetIpMap"])
def test_a_path_that_names_no_resource_a_fault_can_fail_is_refused(target: str) -> None:
    with pytest.raises(ScenarioError, match=rf"faults\[0\]\.target: expected a resource of the overcloud stack .*"
                                            rf"found '{target}'"):
        _run("update-18", Fault(0.0, target, "heat_resource_failed"))


def test_the_upgrade_steps_stack_and_a_resource_that_does_work_can_be_failed() -> None:
    # Ocata's Heat-driven upgrade: the upgrade-steps stack's resources run Ansible on the servers
    result = _run("ocata-composable-upgrade", Fault(0.0, "ControllerUpgrade_Step2", "heat_resource_failed"))
    assert result.failed and _failed_resources(result) == ["ControllerUpgrade_Step2"]
    # its converge's AllNodesDeploySteps runs the puppet steps: it fails once they ran
    result = _run("ocata-composable-upgrade", Fault(0.0, "AllNodesDeploySteps", "heat_resource_failed"))
    assert result.failed and _failed_resources(result) == ["AllNodesDeploySteps"]
