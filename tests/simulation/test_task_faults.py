"""A ``task_failed`` fault fails a named task (or a glob of names) on one node when it runs in the fault's window,
as the module itself failing would: the run stops at that task with a readable reason, a task whose
``failed_when`` or ``ignore_errors`` absorbs failures goes on, and a run outside the window is untouched."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from simulator.cli import main
from simulator.core import Fault
from simulator.run import ScenarioResult, run_scenario
from simulator.scenario import ScenarioError, load_scenario
from simulator.workflows.base import _could_match

pytestmark = pytest.mark.integration

CONTROLLER_1 = "overcloud-controller-1"


def _update_with(*faults: Fault) -> ScenarioResult:
    return run_scenario(dataclasses.replace(load_scenario("update-18"), faults=faults), seed=1)


def _ended(result: ScenarioResult, host: str, task: str) -> list[tuple[float, str]]:
    return [(e.time, e.data["status"]) for e in result.simulation.trace.select("task", host) if e.data["task"] == task]


def test_the_failed_task_stops_the_run_there_with_the_fault_named() -> None:
    fault = Fault(0.0, CONTROLLER_1, "task_failed", params={"task": "Start pacemaker cluster"})
    result = _update_with(fault)
    assert result.failed
    failure = result.simulation.failures[0]
    assert (failure.host, failure.phase, failure.step, failure.task) == (
        CONTROLLER_1, "update_tasks", "4", "Start pacemaker cluster")
    assert "injected failure (task_failed at t=0s matching 'Start pacemaker cluster')" in failure.error
    assert _ended(result, CONTROLLER_1, "Start pacemaker cluster")[-1][1] == "failed"
    # the controller before it in the serial update finished; nothing ran on the computes
    assert _ended(result, "overcloud-controller-0", "Start pacemaker cluster")[-1][1] == "ok"
    assert not result.simulation.trace.select("task", "overcloud-novacompute-0")
    start = result.simulation.trace.select("fault.start")
    assert [(e.subject, e.data) for e in start] == [(CONTROLLER_1, {"fault": "task_failed",
                                                                     "task": "Start pacemaker cluster"})]
    # and the node's pacemaker stays stopped: the run ends with it
    assert CONTROLLER_1 not in result.simulation.world.pcs_members


def test_failed_when_false_absorbs_the_failure_as_ansible_would() -> None:
    # "Get previous galera image id" has failed_when: false (pcmklatest may not exist yet)
    fault = Fault(0.0, CONTROLLER_1, "task_failed", params={"task": "Get previous galera image id"})
    result = _update_with(fault)
    assert not result.failed
    assert {status for _, status in _ended(result, CONTROLLER_1, "Get previous galera image id")} == {"ok"}
    # its registered result changed: the ids now differ (rc 1, no output), so the retag still runs
    assert {s for _, s in _ended(result, CONTROLLER_1, "Retag pcmklatest to latest galera image")} == {"ok"}


def test_a_fault_window_that_has_ended_changes_nothing() -> None:
    clean = run_scenario("update-18", seed=1)
    start = _ended(clean, CONTROLLER_1, "Start pacemaker cluster")[0][0]
    late = Fault(start + 1.0, CONTROLLER_1, "task_failed", params={"task": "Start pacemaker cluster"})
    early = Fault(0.0, CONTROLLER_1, "task_failed", 10.0, params={"task": "Start pacemaker cluster"})
    for fault in (late, early):
        result = _update_with(fault)
        assert not result.failed
        events = [e[:1] + e[2:] for e in result.simulation.trace if not e.kind.startswith("fault.")]
        assert events == [e[:1] + e[2:] for e in clean.simulation.trace]  # all but the sequence numbers


def test_globs_match_rendered_and_templated_task_names() -> None:
    assert _could_match("Start pacemaker cluster", "Start pacemaker*")
    assert _could_match("Run init bundle puppet on the host for {{ tripleo_ha_wrapper_service_name }}",
                        "Run init bundle puppet on the host for mysql")
    assert _could_match("Pull latest {{ item }} images", "Pull latest * images")
    assert not _could_match("Start pacemaker cluster", "Stop pacemaker*")


def test_the_cli_exits_2_on_the_failed_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "s.yaml"
    file.write_text('name: u\nkind: update\nsource: {release: "18.0.0"}\nnodes: {Controller: 3, Compute: 1}\n'
                    "faults: [{at: 0, target: overcloud-controller-2, kind: task_failed, task: 'Stop pacemaker*'}]\n")
    junit = tmp_path / "u.xml"
    assert main(["update", str(file), "--junit", str(junit)]) == 2
    out = capsys.readouterr().out
    assert "overcloud-controller-2" in out and "Stop pacemaker cluster" in out and "injected failure" in out
    # the JUnit file fails the phase it happened in (an update's phase held no failure before)
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    [failure] = [f for f in suite.iter("failure") if f.get("type") == "TaskFailed"]
    assert failure.get("message") == "overcloud-controller-2: update_tasks step 1: Stop pacemaker cluster"


def test_the_cli_adds_a_fault_to_the_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    fault = "{at: 0, target: overcloud-controller-1, kind: task_failed, task: 'Start pacemaker*'}"
    assert main(["update", "--fault", fault]) == 2
    out = capsys.readouterr().out
    assert "FAILED at t=" in out and "on overcloud-controller-1, update_tasks step 4: 'Start pacemaker cluster'" in out
    assert main(["update", "--fault", "{at: 0, target: overcloud-controller-1, kind: oops}"]) == 1
    assert "command line: --fault[0].kind: expected node_crash | " in capsys.readouterr().err
    assert main(["update", "--fault", "{at: 0, target"]) == 1
    err = capsys.readouterr().err
    assert "command line: --fault[0]: expected a YAML mapping" in err and "Traceback" not in err
    assert main(["update", "--fault", "{at:0,target:overcloud-controller-1,kind:node_crash}"]) == 1
    assert "(YAML needs a space after each colon: {at: 0, ...})" in capsys.readouterr().err


def test_a_fault_that_does_not_fit_the_layout_is_reported_where_it_was_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a --fault was reported as faults[i] of the scenario file, which has no such fault
    file = tmp_path / "s.yaml"
    file.write_text('name: u\nkind: update\nsource: {release: "18.0.0"}\nnodes: {Controller: 1, Compute: 1}\n'
                    "faults: [{at: 0, target: overcloud-controller-0, kind: node_crash}]\n")
    assert main(["update", str(file), "--fault", "{at: 5, target: nope, kind: node_crash}"]) == 1
    assert "command line: --fault[0].target: expected a node of the layout (" in capsys.readouterr().err
    file.write_text(file.read_text().replace("target: overcloud-controller-0", "target: nope"))
    assert main(["update", str(file), "--fault", "{at: 5, target: overcloud-controller-0, kind: node_crash}"]) == 1
    assert f"{file}: faults[0].target: expected a node of the layout (" in capsys.readouterr().err


def test_the_fault_window_is_judged_at_the_faulted_hosts_own_task_start() -> None:
    """Under the free strategy a host's task runs (is interpreted) after the next hosts' tasks were laid out: the
    window is checked against the start of the host-task itself, not of the last one laid out."""
    plain = run_scenario("train-to-wallaby", seed=1)
    host = CONTROLLER_1
    ends = [e for e in plain.simulation.trace.select("task", host)
            if e.data["phase"] == "upgrade_tasks" and e.data["status"] == "ok"]
    # a task the node runs once, whose start no other controller's task shares
    counts: dict[str, int] = {}
    for e in ends:
        counts[e.data["task"]] = counts.get(e.data["task"], 0) + 1
    others = {e.data["start"] for e in plain.simulation.trace.select("task")
              if e.subject != host and e.data.get("phase") == "upgrade_tasks"}
    event = next(e for e in ends[len(ends) // 2:] if counts[e.data["task"]] == 1 and e.data["start"] not in others)
    start, task = event.data["start"], event.data["task"]
    fault = Fault(start - 1e-6, host, "task_failed", duration=2e-6, params={"task": task})
    result = run_scenario(dataclasses.replace(load_scenario("train-to-wallaby"), faults=(fault,)), seed=1)
    assert result.failed
    failure = result.simulation.failures[0]
    assert (failure.host, failure.phase, failure.task) == (host, "upgrade_tasks", task)
    assert _ended(result, host, task) == [(event.time, "failed")]


def test_a_task_fault_without_a_task_is_a_typed_error() -> None:
    # Fault(..., "task_failed") of the Python API without params={"task": ...}: a KeyError traceback before
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.task: expected a task name or glob in its params"):
        _update_with(Fault(0.0, CONTROLLER_1, "task_failed"))


@pytest.mark.parametrize(("fault", "why"), [
    # a controller task on a compute: validation accepts it (the name is the plans'), and it never runs there
    (Fault(0.0, "overcloud-novacompute-0", "task_failed", params={"task": "Start pacemaker*"}),
     "no task matching 'Start pacemaker*' ran a module on the node while it held"),
    # set_fact runs on Ansible's controller: no module on the node to fail
    (Fault(0.0, CONTROLLER_1, "task_failed", params={"task": "set is_haproxy_bootstrap_node fact"}),
     "no task matching 'set is_haproxy_bootstrap_node fact' ran a module on the node while it held"),
    (Fault(0.0, "Controller", "heat_resource_failed", duration=5.0),
     "no stack resource it names ended while it held"),
])
def test_a_fault_that_failed_nothing_is_reported_as_never_applied(fault: Fault, why: str) -> None:
    # found by probing: the run "succeeded" and nothing said the fault did nothing
    from reports import render_summary

    result = _update_with(fault)
    assert not result.failed
    summary = result.summary()
    [never] = summary["faults_never_applied"]
    assert (never["kind"], never["target"], never["at"]) == (fault.kind, fault.target, fault.at)
    assert f"fault {fault.kind} on {fault.target} at t=0: never applied ({why})" in render_summary(summary)


def test_a_fault_that_failed_a_task_is_not_reported_as_never_applied() -> None:
    result = _update_with(Fault(0.0, CONTROLLER_1, "task_failed", params={"task": "Get previous galera image id"}))
    assert not result.failed and result.summary()["faults_never_applied"] == []


def test_a_bmc_fault_after_provisioning_is_reported_as_never_applied() -> None:
    from reports import render_summary

    fault = Fault(3000.0, "compute-0", "bmc_wrong_credentials")
    scenario = dataclasses.replace(load_scenario("deploy-3-100"), nodes={"Controller": 1, "Compute": 1},
                                   faults=(fault,))
    result = run_scenario(scenario, seed=1)
    assert not result.failed
    assert result.summary()["faults_never_applied"] == [{"kind": "bmc_wrong_credentials", "target": "compute-0",
                                                         "at": 3000.0}]
    assert "never applied (it began after provisioning ended: nothing talks to the BMC then)" in render_summary(
        result.summary())


def test_a_role_task_is_failed_by_the_name_the_trace_shows() -> None:
    # validation took "role : task" (the trace's name), but the module call carries the bare name: it never fired
    name = "tripleo_container_tag : Pull and tag image"
    result = _update_with(Fault(0.0, "overcloud-controller-0", "task_failed", params={"task": name}))
    assert result.failed
    failure = result.simulation.failures[0]
    assert (failure.host, failure.task) == ("overcloud-controller-0", name)
    assert "injected failure (task_failed at t=0s matching 'tripleo_container_tag : Pull and tag image')" \
        in failure.error
