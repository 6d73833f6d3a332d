"""tripleo_ha_wrapper (deploy step 2 of the pacemaker-managed services, Train on): puppet creates or updates the
bundle, then pacemaker_restart_bundle.sh restarts it when the service's generated config changed. In an upgrade
(a new release, a stack update) the service's bootstrap node restarts the bundle globally: every replica is down
for the task, and so is every API that needs it. A stack create never restarts; a minor update's local restarts
are not modelled."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.run import run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration


def _restarts(run):  # type: ignore[no-untyped-def]
    return [e for e in run.simulation.trace.select("state.pacemaker") if e.data["state"] == "restart-begin"]


def test_an_upgrade_restarts_the_bundles_globally_from_their_bootstrap_node() -> None:
    run = run_scenario("train-to-wallaby", seed=1)
    restarts = _restarts(run)
    assert {e.data["target"] for e in restarts} >= {"galera-bundle", "haproxy-bundle", "rabbitmq-bundle"}
    assert {e.subject for e in restarts} == {"overcloud-controller-0"}
    assert "redis-bundle" not in {e.data["target"] for e in restarts}  # disabled: meant to stay stopped
    trace = list(run.simulation.trace)
    galera = next(e for e in restarts if e.data["target"] == "galera-bundle")
    task = next(e for e in trace if e.kind == "task" and e.subject == "overcloud-controller-0"
                and e.data["start"] == pytest.approx(galera.time) and "init bundle puppet" in e.data["task"])
    assert task.data["step"] == "2" and task.data["phase"] == "deploy_steps_tasks"
    # keystone needs galera: down from the restart's start to the task's end (it went down just before, with
    # haproxy's restart, whose VIPs start again while galera's restart runs)
    changes = [e for e in trace if e.kind in ("api.down", "api.up") and e.subject == "keystone"]
    assert [e for e in changes if e.time <= galera.time][-1].kind == "api.down"
    up = next(e for e in changes if e.kind == "api.up" and e.time > galera.time)
    assert up.time == pytest.approx(task.time)
    vip = [e for e in trace if e.kind == "state.vip" and galera.time <= e.time < task.time]
    assert [e.data["state"] for e in vip] == ["moving", "started"]  # moving from the end of haproxy's restart
    assert run.simulation.world.snapshot()["pacemaker"]["resources"]["galera-bundle"]


def test_a_deploy_and_a_minor_update_restart_nothing_globally() -> None:
    assert _restarts(run_scenario("update-18", seed=1)) == []
    deploy = run_scenario("composable-db-networker", seed=1)
    assert _restarts(deploy) == []
    wrapped = [e for e in deploy.simulation.trace.select("task") if "init bundle puppet" in e.data["task"]]
    assert wrapped  # the init-bundle puppet runs (it creates the bundles), without a restart


def test_disabling_the_resource_inside_a_bundle_stops_the_bundle() -> None:
    # Wallaby swaps galera-bundle's image by disabling `galera` (the OCF resource in the bundle), updating the bundle
    # and enabling `galera` again: every replica is down meanwhile, and keystone with it
    run = run_scenario("train-to-wallaby", seed=1)
    trace = list(run.simulation.trace)
    ran = [e for e in trace if e.kind == "task" and e.data["status"] != "skipped"]
    disable = next(e for e in ran if e.data["task"] == "Disable the galera cluster resource before container upgrade")
    enable = next(e for e in ran if e.data["task"] == "Enable the galera cluster resource")
    lost = next(e for e in trace if e.kind == "quorum.lost" and e.subject == "galera")
    regained = next(e for e in trace if e.kind == "quorum.regained" and e.subject == "galera")
    assert (lost.time, regained.time) == (disable.time, enable.time)
    down = [e for e in trace if e.kind == "api.down" and e.subject == "keystone" and e.time == disable.time]
    assert [e.data["reason"] for e in down] == ["galera stopped"]



def test_the_restart_runs_once_per_config_change_on_a_host() -> None:
    # tripleo_diff_exec keeps the service config's md5sum: a second `upgrade run` on the same controllers finds the
    # config unchanged and restarts nothing, though the wrapper runs again on the bootstrap node
    controllers = tuple(f"overcloud-controller-{i}" for i in range(3))
    scenario = dataclasses.replace(load_scenario("train-to-wallaby"), order=(controllers, controllers))
    run = run_scenario(scenario, seed=1)
    first, second = [p for p in run.simulation.phases if p.name.startswith("upgrade run --limit")]
    wrapped = [e for e in run.simulation.trace.select("task") if "init bundle puppet" in e.data["task"]
               and e.subject == controllers[0] and e.data["status"] != "skipped"]
    assert any(second.start <= e.time <= second.end for e in wrapped)
    # (Wallaby's post_upgrade_tasks restart ovn-dbs-bundle explicitly, in every run: not the wrapper's doing)
    restarts = [e for e in _restarts(run) if e.data["target"] in ("galera-bundle", "haproxy-bundle", "rabbitmq-bundle")]
    assert {e.data["target"] for e in restarts} == {"galera-bundle", "haproxy-bundle", "rabbitmq-bundle"}
    assert all(first.start <= e.time <= first.end for e in restarts)


def test_the_staged_procedure_restarts_no_bundle_in_its_wider_batches() -> None:
    # Train's leapp procedure: controller-0 forms a new cluster whose bundles the wrapper creates (no restart); the
    # later batches run controller-0's deploy steps again with its config unchanged
    run = run_scenario("queens-to-train-staged", seed=1)
    assert _restarts(run) == []
