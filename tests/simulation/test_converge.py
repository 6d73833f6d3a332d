"""`upgrade converge` and `update converge`: from Rocky on tripleoclient runs them as a whole `overcloud deploy` with
the converge environment — the stack update, then config-download's deploy playbook (host_prep_tasks, the deploy
steps and their containers) on every node. Queens' converge updated the plan and the stack only. The converge's
plan has the release's converge environment before the scenario's (where the templates have one), not the prepare's.
A container whose release, image and config did not change since the upgrade or update run keeps running; one whose
definition takes tripleoclient's DeployIdentifier (new for every stack operation) or mounts a config volume the
converge environment changed runs again."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fakes.heat.api import DEPLOY_IDENTIFIER
from simulator.planning import converge_runs_deploy
from simulator.run import run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration


def _converge(run):  # type: ignore[no-untyped-def]
    phase = next(p for p in run.simulation.phases if p.name.endswith("converge"))
    events = [e for e in run.simulation.trace if phase.start <= e.time <= phase.end]
    return phase, events


@pytest.mark.parametrize("name", ["train-to-wallaby", "update-18"])
def test_converge_runs_the_deploy_playbook_on_every_node(name: str) -> None:
    run = run_scenario(name, seed=1)
    assert not run.failed
    phase, events = _converge(run)
    stack = [e for e in events if e.kind == "heat.stack"]
    assert [e.data["status"] for e in stack] == ["UPDATE_COMPLETE"]
    tasks = [e for e in events if e.kind == "task" and e.data["start"] >= phase.start]
    assert tasks and min(e.data["start"] for e in tasks) > stack[0].time  # after the stack (and its export)
    hosts = {n.name for r in run.target.roles for n in r.nodes}
    assert {e.subject for e in tasks} == hosts
    assert {e.data["phase"] for e in tasks} == {"host_prep_tasks", "deploy_steps_tasks"}
    assert {e.data["step"] for e in tasks if e.data["phase"] == "deploy_steps_tasks"} >= {"0", "1", "2", "3", "4", "5"}
    # no API goes down, no bundle restarts
    assert not [e for e in events if e.kind in ("api.down", "quorum.lost")]
    assert not [e for e in events if e.kind == "state.pacemaker" and e.data["state"] in ("restart-begin", "disable")]


def test_an_update_converge_restarts_only_what_takes_the_deploy_identifier() -> None:
    # 18.0.0 has no update-converge.yaml: nothing changed since the run but tripleoclient's DeployIdentifier; the
    # containers that take it (db syncs, bootstrap and init containers, which run to completion) run again
    run = run_scenario("update-18", seed=1)
    assert run.simulation.converge_plan is run.target
    _, events = _converge(run)
    again = {c for e in events if e.kind == "state.containers" for c in e.data.get("started", ())}
    assert again and again <= run.simulation.world.oneshot
    assert again == _taking_identifier(run)
    assert {"nova_db_sync", "nova_api_db_sync", "placement_api_db_sync"} <= again


def test_the_upgrade_converge_environment_resets_the_nova_upgrade_level_and_restarts_nova() -> None:
    # Wallaby's upgrade-prepare.yaml sets UpgradeLevelNovaCompute: auto (nova::upgrade_level_compute in nova's
    # hieradata), upgrade-converge.yaml sets it back to '': the nova config volumes are generated anew, and every
    # container mounting one is recreated with the new TRIPLEO_CONFIG_HASH; keystone's, glance's... are not
    run = run_scenario("train-to-wallaby", seed=1)
    converge = run.simulation.converge_plan
    assert converge.environment_files[0] == "environments/lifecycle/upgrade-converge.yaml"
    assert run.target.environment_files[0] == "environments/lifecycle/upgrade-prepare.yaml"
    prepared, converged = run.target.role("Controller"), converge.role("Controller")
    assert prepared.config_settings.get("nova::upgrade_level_compute") == "auto"
    assert "nova::upgrade_level_compute" not in converged.config_settings
    assert prepared.config_volumes["nova"] != converged.config_volumes["nova"]
    assert prepared.config_volumes["keystone"] == converged.config_volumes["keystone"]
    assert run.target.role("Compute").config_volumes["nova_libvirt"] != converge.role("Compute").config_volumes[
        "nova_libvirt"]
    _, events = _converge(run)
    again = {c for e in events if e.kind == "state.containers" for c in e.data.get("started", ())}
    restarted = again - _taking_identifier(run)
    assert {"nova_api", "nova_conductor", "nova_scheduler", "nova_compute", "nova_libvirt"} <= restarted
    assert not {"keystone", "glance_api", "neutron_api", "cinder_api", "placement_api"} & again
    assert all(c.startswith("nova") or c in run.simulation.world.oneshot for c in restarted)


def _taking_identifier(run):  # type: ignore[no-untyped-def]
    """The target's docker_config containers whose definition takes DeployIdentifier."""
    return {name for role in run.target.roles if role.nodes for step in role.docker_config.values()
            for name, definition in (step or {}).items() if DEPLOY_IDENTIFIER in json.dumps(definition, default=str)}


def test_queens_converge_is_the_stack_update_only() -> None:
    assert not converge_runs_deploy("8.4.1") and converge_runs_deploy("11.6.0") and converge_runs_deploy("18.0.0")
    run = run_scenario("newton-to-queens-ffu", seed=1)
    phase, events = _converge(run)
    assert phase.name == "ffwd-upgrade converge"
    assert [e.data["status"] for e in events if e.kind == "heat.stack"] == ["UPDATE_COMPLETE"]
    assert not [e for e in events if e.kind == "task" and e.data["start"] >= phase.start]


def test_unchanged_containers_cost_less_than_started_ones() -> None:
    # the converge's deploy steps find every container current: `container_unchanged` per container, not
    # `container_start` (a timing profile that makes the first huge shows which one is charged)
    fast = run_scenario("update-18", seed=1)
    phase, _ = _converge(fast)
    slow_scenario = dataclasses.replace(load_scenario("update-18"),
                                        timing={"phases": {"container_unchanged": 500}})
    slow = run_scenario(slow_scenario, seed=1)
    slow_phase, _ = _converge(slow)
    assert slow_phase.end - slow_phase.start > (phase.end - phase.start) + 500
