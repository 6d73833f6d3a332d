"""From THT 18.0.0 on, some services' containers are started by tripleo-ansible roles in their deploy steps
(keystone: `import_role: tripleo_keystone, tasks_from: keystone.yaml` at step 3), not by docker_config. The plan
counts them among the role's containers at that step, so the world knows keystone runs, and so do the APIs that
need it (before, every 18.0.0 API counted as down from the start, and the summary said "no downtime")."""

from __future__ import annotations

import dataclasses

import pytest

from fakes.ansible.roles import containers_started_by
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
