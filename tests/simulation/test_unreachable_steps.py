"""A node that crashed is lost to Ansible at the next deploy step even where its role has no task there: every host
of the run runs the step's common tasks (THT's common/deploy-steps.j2: the ``config_step`` hieradata first, from
Train on; common/deploy-steps-tasks.yaml: the task that starts the step's containers), and the plays are
``any_errors_fatal``. Found by probing: a deploy in which a database node crashed before deploy step 4 (the Database
role has no tasks at steps 4 and 5) ended ``succeeded`` with that node's step 4 containers never started."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault
from simulator.run import run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration

NODE = "overcloud-database-2"


def _deploy(*faults: Fault) -> object:
    return run_scenario(dataclasses.replace(load_scenario("composable-db-networker"), faults=faults)).simulation


def test_a_node_down_at_a_deploy_step_fails_its_first_common_task() -> None:
    sim = _deploy(Fault(4400.0, NODE, "node_crash"))
    assert len(sim.failures) == 1
    failure = sim.failures[0]
    assert (failure.host, failure.phase, failure.step) == (NODE, "deploy_steps_tasks", "4")
    assert failure.task == "Write the config_step hieradata for the deploy step 4 tasks"
    assert failure.error == f"host {NODE} unreachable: node_crash at t=4400s" and failure.time > 4400
    event = [e for e in sim.trace.select("task", NODE) if e.data["status"] == "failed"]
    assert [(e.time, e.data["task"]) for e in event] == [(failure.time, failure.task)]
    assert not [e for e in sim.trace.select("state.containers", NODE) if e.time > 4400]


def test_a_crash_while_the_node_starts_its_containers_fails_that_task() -> None:
    clean = _deploy()
    assert not clean.failures
    started = next(e for e in clean.trace.select("state.containers", NODE) if e.time > 4400)
    crash = started.time - 0.01  # before the start ends: the container task had begun
    sim = _deploy(Fault(crash, NODE, "node_crash"))
    failure = sim.failures[0]
    assert (failure.host, failure.step) == (NODE, "4")
    assert failure.task == "Manage containers for step 4 with tripleo-ansible"
    assert failure.time == pytest.approx(crash)
    assert not [e for e in sim.trace.select("state.containers", NODE) if e.time >= crash]
    # the other nodes' starts of that task, under way, still end
    others = [e.subject for e in sim.trace.select("state.containers") if e.time == pytest.approx(started.time, abs=30)
              and e.subject != NODE]
    assert others
