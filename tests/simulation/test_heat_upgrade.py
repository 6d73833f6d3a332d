"""Ocata's Heat-driven composable upgrade (THT 6.2.16, major-upgrade-composable-steps.yaml): the upgrade-steps
stack's SoftwareDeploymentGroups run each role's upgrade_tasks per step on the resource graph, every role's step N
before any role's step N+1; the templates stop the APIs at step 1 and the cluster at step 2, start the cluster at
step 4, and puppet starts the APIs again; computes follow with upgrade-non-controller.sh; a failed task fails its
deployment and the stack names it."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault
from simulator.run import run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ocata():  # type: ignore[no-untyped-def]
    return run_scenario("ocata-composable-upgrade", seed=1)


def _done(run, name: str):  # type: ignore[no-untyped-def]
    return next(e for e in run.simulation.trace if e.kind == "heat.resource" and e.subject == name
                and e.data["status"].endswith("_COMPLETE"))


def test_the_upgrade_steps_stack_has_a_deployment_per_enabled_role_and_step(ocata) -> None:  # type: ignore[no-untyped-def]
    steps = {r.name: r for r in ocata.target.heat_upgrade_steps}
    assert steps["ControllerUpgrade_Step3"].deployment is not None
    d = steps["ControllerUpgrade_Step3"].deployment
    assert (d.role, d.tasks_key, d.step) == ("Controller", "upgrade_tasks", 3)
    assert steps["ControllerUpgradeBatch_Step1"].deployment.tasks_key == "upgrade_batch_tasks"
    assert steps["ControllerUpgradeBatch_Step1"].deployment.batch_size == 1
    assert "ComputeUpgrade_Step1" not in steps  # Compute has disable_upgrade_deployment: upgraded by script
    assert {"ControllerUpgrade_Step2", "BlockStorageUpgrade_Step2"} <= set(steps["ControllerUpgrade_Step3"].depends)


def test_the_run_starts_from_newtons_layout(ocata) -> None:  # type: ignore[no-untyped-def]
    # Newton's templates (5.3.10) have no RoleData: the plan takes each role's services from EnabledServices
    assert (ocata.source.release, ocata.target.release) == ("5.3.10", "6.2.16")
    controller = ocata.source.role("Controller")
    assert {"keystone", "nova_api", "pacemaker", "mysql"} <= set(controller.services)
    assert "nova_placement" not in controller.services and not any(controller.tasks.values())
    assert "nova_placement" in ocata.target.role("Controller").services  # new in Ocata
    assert "httpd" in ocata.simulation.world.nodes["overcloud-controller-0"].containers  # keystone under httpd


def test_steps_run_in_order_with_the_templates_effects(ocata) -> None:  # type: ignore[no-untyped-def]
    s = ocata.summary()
    assert s["result"] == "succeeded"
    assert [p["name"] for p in s["phases"]] == [
        "overcloud deploy -e major-upgrade-composable-steps.yaml",
        "upgrade-non-controller.sh --upgrade overcloud-novacompute-0",
        "upgrade-non-controller.sh --upgrade overcloud-novacompute-1",
        "overcloud deploy -e major-upgrade-converge.yaml"]
    for step in range(1, 6):  # no role starts step N before every role finished step N-1
        assert _done(ocata, f"ControllerUpgrade_Step{step - 1}").time <= _done(
            ocata, f"ControllerUpgrade_Step{step}").data["start"] + 1e-6
    trace = list(ocata.simulation.trace)
    lost = next(e for e in trace if e.kind == "quorum.lost")
    regained = next(e for e in trace if e.kind == "quorum.regained")
    assert _done(ocata, "ControllerUpgrade_Step1").time <= lost.time <= _done(ocata, "ControllerUpgrade_Step2").time
    assert _done(ocata, "ControllerUpgrade_Step3").time <= regained.time <= _done(
        ocata, "ControllerUpgrade_Step4").time
    keystone_down = next(e for e in trace if e.kind == "api.down" and e.subject == "keystone")
    keystone_up = next(e for e in trace if e.kind == "api.up" and e.subject == "keystone")
    assert keystone_down.time < lost.time  # Ocata stops httpd (keystone) at step 1
    puppet4 = [e for e in trace if e.kind == "puppet.step" and e.data["step"] == 4]
    assert keystone_up.time in {e.time for e in puppet4}  # and puppet starts it again at its step 4
    computes = [e for e in trace if e.kind == "task" and e.subject.startswith("overcloud-novacompute")]
    assert computes and min(e.time for e in computes) >= _done(ocata, "AllNodesPostUpgradeSteps").time


def test_a_crashed_controller_fails_its_deployment_and_the_stack() -> None:
    scenario = dataclasses.replace(load_scenario("ocata-composable-upgrade"),
                                   faults=(Fault(300.0, "overcloud-controller-1", "node_crash"),))
    run = run_scenario(scenario, seed=1)
    assert run.failed
    stack = next(f for f in run.simulation.failures if f.task == "overcloud UPDATE_FAILED")
    assert stack.error.startswith("Resource UPDATE failed: ControllerUpgrade")
    assert "overcloud-controller-1" in stack.error and "unreachable" in stack.error
    assert [p.name for p in run.simulation.phases] == ["overcloud deploy -e major-upgrade-composable-steps.yaml"]


def test_an_ocata_deploy_runs_puppet_inside_the_stack_create(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scenario = tmp_path / "ocata-deploy.yaml"
    scenario.write_text("kind: deploy\nsource: {release: '6.2.16'}\nnodes: {Controller: 3, Compute: 1}\n"
                        "environments: [environments/puppet-pacemaker.yaml]\nseed: 1\n")
    run = run_scenario(str(scenario))
    assert [p.name for p in run.simulation.phases] == ["overcloud node provision", "overcloud deploy: stack create"]
    trace = list(run.simulation.trace)
    steps = _done(run, "AllNodesDeploySteps")
    puppet = [e for e in trace if e.kind == "puppet.step"]
    assert len(puppet) == 5 * 4 and all(steps.data["start"] <= e.time <= steps.time for e in puppet)
    formed = next(e for e in trace if e.kind == "quorum.regained")
    assert formed.time in {e.time for e in puppet if e.data["step"] == 1}
    up = next(e for e in trace if e.kind == "api.up" and e.subject == "keystone")
    assert up.time in {e.time for e in puppet if e.data["step"] == 4}
    assert run.summary()["result"] == "succeeded" and run.summary()["host_tasks"] == 0


def test_tasks_tagged_inside_an_untagged_block_run_at_their_step(ocata) -> None:  # type: ignore[no-untyped-def]
    # Ocata's cinder-volume: step 1 disables the pacemaker resource; a block without tags (when: on the bootstrap
    # node) holds the step-5 db sync and the enable. `--tags common,step5` selects them; the resource runs again.
    ran = [e for e in ocata.simulation.trace.select("task") if e.data["status"] != "skipped"]
    enable = [e for e in ran if e.data["task"] == "Start cinder_volume service (pacemaker)"]
    assert [(e.subject, e.data["step"]) for e in enable] == [("overcloud-controller-0", "5")]
    assert [e.subject for e in ran if e.data["task"] == "Sync cinder DB"] == ["overcloud-controller-0"]
    disabled = [e for e in ocata.simulation.trace.select("state.pacemaker")
                if e.data["target"] == "openstack-cinder-volume"]
    assert [e.data["state"] for e in disabled][-1] == "enable"
    assert ocata.simulation.world.snapshot()["pacemaker"]["resources"]["openstack-cinder-volume"]
    # and a step's run selects by tags: no step-5 task ran at step 1
    assert not [e for e in ran if e.data["step"] == "1" and e.data["task"] == "Sync cinder DB"]


def test_the_converge_stack_update_is_the_converge_environments_plan(ocata) -> None:  # type: ignore[no-untyped-def]
    # `overcloud deploy -e major-upgrade-converge.yaml`: the plan with that environment first; Heat updates what it
    # changed against the upgraded stack (EnableConfigPurge off changes nova's hieradata, so each role's service chain
    # metadata hook) and leaves the rest alone
    converge = ocata.simulation.converge_plan
    assert converge.environment_files[0] == "environments/major-upgrade-converge.yaml"
    before = {p: r.digest for top in ocata.target.stack_resources for p, r in top.walk()}
    changed = {p for top in converge.stack_resources for p, r in top.walk()
               if r.digest is not None and before.get(p) not in (None, r.digest)}
    assert "ControllerServiceChain.ServiceServerMetadataHook" in changed
    phase = next(p for p in ocata.simulation.phases if p.name.endswith("major-upgrade-converge.yaml"))
    statuses = {e.subject: e.data["status"] for e in ocata.simulation.trace
                if e.kind in ("heat.resource", "heat.nested") and phase.start <= e.time <= phase.end}
    assert statuses["ControllerServiceChain.ServiceServerMetadataHook"] == "UPDATE_COMPLETE"
    assert "UNCHANGED" in statuses.values()


def test_the_converge_runs_puppet_on_every_node(ocata) -> None:  # type: ignore[no-untyped-def]
    # major-upgrade-converge.yaml maps PostDeploySteps back to puppet/post.yaml: puppet steps 1-5 on every node
    phase = ocata.simulation.phases[-1]
    steps = [e for e in ocata.simulation.trace if e.kind == "puppet.step" and phase.start < e.time <= phase.end]
    nodes = {n.name for r in ocata.target.roles for n in r.nodes}
    assert {(e.subject, e.data["step"]) for e in steps} == {(n, s) for n in nodes for s in range(1, 6)}
    done = next(e for e in ocata.simulation.trace if e.kind == "heat.resource" and e.subject == "AllNodesDeploySteps"
                and e.time >= phase.start)
    assert done.data["status"] == "UPDATE_COMPLETE" and done.time >= max(e.time for e in steps)
