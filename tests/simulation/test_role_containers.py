"""From THT 18.0.0 on, some services' containers are started by tripleo-ansible roles in their deploy steps
(keystone: `import_role: tripleo_keystone, tasks_from: keystone.yaml` at step 3), not by docker_config. The plan
counts them among the role's containers at that step, so the world knows keystone runs, and so do the APIs that
need it (before, every 18.0.0 API counted as down from the start, and the summary said "no downtime")."""

from __future__ import annotations

import dataclasses

import pytest

from fakes.ansible.roles import containers_managed_from, containers_started_by
from simulator.plan import Task, with_role_started_containers
from simulator.run import prepare_scenario, run_scenario
from simulator.scenario import load_scenario


def test_role_calls_that_start_service_containers() -> None:
    assert containers_started_by({"import_role": {"name": "tripleo_keystone", "tasks_from": "keystone.yaml"}}) \
        == ("keystone",)
    assert containers_started_by({"ansible.builtin.include_role": {"name": "tripleo_iscsid", "tasks_from": "run"}}) \
        == ("iscsid",)
    nested = {"block": [{"name": "x", "include_role": {"name": "tripleo_keystone",
                                                       "tasks_from": "tasks/keystone-db-sync.yml"}}]}
    assert containers_started_by(nested) == ("keystone_db_sync",)
    # other entry points and roles start no service container
    assert containers_started_by({"import_role": {"name": "tripleo_keystone",
                                                  "tasks_from": "keystone-logging-install.yaml"}}) == ()
    assert containers_started_by({"include_role": {"name": "tripleo_container_stop"}}) == ()
    assert containers_started_by({"include_role": "tripleo_keystone"}) == ()


@pytest.mark.integration
def test_keystone_runs_in_an_18_overcloud_and_every_api_with_it() -> None:
    prepared = prepare_scenario("update-18")
    controller = prepared.target.role("Controller")
    assert "keystone" in controller.containers["3"] and "keystone_db_sync" in controller.containers["3"]
    world = prepared.simulation.world
    assert world.nodes["overcloud-controller-0"].containers["keystone"]
    assert all(up for up, _ in world.api_states().values()), world.api_states()


@pytest.mark.integration
def test_a_deploy_of_18_brings_keystone_up_with_its_container() -> None:
    scenario = dataclasses.replace(load_scenario("deploy-3-100"), nodes={"Controller": 1, "Compute": 1})
    run = run_scenario(scenario, seed=1)
    assert run.summary()["result"] == "succeeded"
    trace = list(run.simulation.trace)
    started = next(e for e in trace if e.kind == "state.containers" and e.subject == "overcloud-controller-0"
                   and "keystone" in e.data["started"])
    up = next(e for e in trace if e.kind == "api.up" and e.subject == "keystone")
    assert up.time == pytest.approx(started.time)
    assert all(run.simulation.world.snapshot()["apis"].values())


def _manage(patterns: str, config: str = "/var/lib/tripleo-config/container-startup-config/step_0",
            **task: object) -> dict[str, object]:
    return {"name": "Start", "include_role": {"name": "tripleo_container_manage"},
            "vars": {"tripleo_container_manage_config": config,
                     "tripleo_container_manage_config_patterns": patterns}, **task}


def test_tripleo_container_manage_calls_name_the_step_0_containers_they_start() -> None:
    assert containers_managed_from(_manage("frr.json"), "step_0") == ("frr",)
    looped = _manage("{{ ovn_container }}.json", loop=["ovn_a", "ovn_b"], loop_control={"loop_var": "ovn_container"})
    assert containers_managed_from({"block": [looped]}, "step_0") == ("ovn_a", "ovn_b")
    assert containers_managed_from(_manage("{{ item }}.json", loop=["x"]), "step_0") == ("x",)
    # another config directory, a glob, a template that is not the loop variable: none named
    assert containers_managed_from(_manage("frr.json", config="/x/step_3"), "step_0") == ()
    assert containers_managed_from(_manage("*.json"), "step_0") == ()
    assert containers_managed_from(_manage("{{ other }}.json", loop=["x"]), "step_0") == ()


def test_step_0_containers_start_at_the_step_whose_tasks_start_them() -> None:
    # common/deploy-steps-tasks.yaml starts each step's containers from step 1 on: step_0's start where the
    # service's own tasks run tripleo_container_manage on them; those no task names stay at step 0
    steps = {"0": (), "3": (Task("Start", 0, _manage("a.json")),)}
    assert with_role_started_containers({"0": ("a", "b"), "3": ("c",)}, steps) == {"0": ("b",), "3": ("a", "c")}


@pytest.mark.integration
def test_18_ovn_cluster_containers_start_at_deploy_step_3_as_their_tasks_say() -> None:
    # ovn-dbs-cluster-ansible's docker_config puts its containers at step_0; its deploy_steps_tasks start them at
    # step 3 (the bootstrap node's block, then the others')
    result = run_scenario("update-18", seed=1)
    controller = result.target.role("Controller")
    ovn = {"ovn_cluster_north_db_server", "ovn_cluster_south_db_server", "ovn_cluster_northd"}
    assert ovn <= set(controller.containers["3"]) and not ovn & set(controller.containers.get("0", ()))
    assert set(controller.step_config("3")) >= ovn and controller.images("3").keys() >= ovn
    trace = list(result.simulation.trace)
    for i, e in enumerate(trace):
        if e.kind == "state.containers" and ovn & set(e.data.get("started", ())):
            task = next(t for t in reversed(trace[:i]) if t.kind == "task" and t.subject == e.subject)
            assert (task.data["phase"], task.data["step"]) == ("deploy_steps_tasks", "3"), task
    assert result.simulation.left_stopped() == []
