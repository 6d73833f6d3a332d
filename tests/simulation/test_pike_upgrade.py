"""Ocata -> Pike (THT 6.2.16 -> 7.0.12 with docker.yaml and docker-ha.yaml), the upgrade into containers. Pike is
still Heat-driven: the upgrade-steps stack (major-upgrade-composable-steps-docker.yaml) runs each enabled role's
upgrade_tasks with `--tags common,stepN`, then its post-upgrade steps are the containerized deploy steps
(host_prep_tasks, docker_config by step); services Pike leaves on the host (Cinder) come back with the host's
puppet at step 4; the computes follow with upgrade-non-controller.sh, then the converge."""

from __future__ import annotations

import pytest

from simulator.run import run_scenario

pytestmark = pytest.mark.integration

CONTROLLERS = [f"overcloud-controller-{i}" for i in range(3)]


@pytest.fixture(scope="module")
def pike():  # type: ignore[no-untyped-def]
    return run_scenario("ocata-to-pike", seed=1)


def _done(run, name: str):  # type: ignore[no-untyped-def]
    return next(e for e in run.simulation.trace if e.kind == "heat.resource" and e.subject == name
                and e.data["status"].endswith("_COMPLETE"))


def _task(run, host: str, name: str):  # type: ignore[no-untyped-def]
    return next(e for e in run.simulation.trace.select("task", host) if e.data["task"] == name
                and e.data["status"] != "skipped")


def test_pikes_upgrade_tasks_are_split_by_their_step_tags(pike) -> None:  # type: ignore[no-untyped-def]
    upgrade = pike.target.role("Controller").tasks["upgrade_tasks"]
    names = {step: {t.body.get("name") for t in tasks} for step, tasks in upgrade.items()}
    assert "Stop pacemaker cluster" in names["3"] and "Start pacemaker cluster" in names["4"]
    assert "Stop pacemaker cluster" not in names["4"]
    steps = {r.name: r for r in pike.target.heat_upgrade_steps}
    assert steps["ControllerUpgrade_Step3"].deployment.tasks_key == "upgrade_tasks"
    assert "ComputeUpgrade_Step1" not in steps  # Compute: disable_upgrade_deployment, upgraded by the script
    assert steps["AllNodesPostUpgradeSteps"].type == "OS::TripleO::PostUpgradeSteps"


def test_the_upgrade_moves_the_controllers_into_containers(pike) -> None:  # type: ignore[no-untyped-def]
    s = pike.summary()
    assert s["result"] == "succeeded", s["failures"]
    assert [p["name"] for p in s["phases"]] == [
        "overcloud deploy -e major-upgrade-composable-steps-docker.yaml",
        "upgrade-non-controller.sh --upgrade overcloud-novacompute-0",
        "upgrade-non-controller.sh --upgrade overcloud-novacompute-1",
        "overcloud deploy -e major-upgrade-converge-docker.yaml"]
    world = pike.simulation.world
    for host in CONTROLLERS:
        node = world.nodes[host]
        assert node.containers.get("keystone") and node.images["keystone"] == "target"
        assert not node.containers.get("openstack-nova-api")  # the Ocata unit, stopped by Pike's upgrade tasks
        assert node.containers.get("httpd")  # Cinder's API stays on the host in Pike's docker environment
    for host in ("overcloud-novacompute-0", "overcloud-novacompute-1"):
        assert world.nodes[host].containers.get("nova_compute")


def test_the_cluster_and_the_apis_follow_the_templates_steps(pike) -> None:  # type: ignore[no-untyped-def]
    trace = list(pike.simulation.trace)
    lost = next(e for e in trace if e.kind == "quorum.lost" and e.subject == "pacemaker")
    regained = next(e for e in trace if e.kind == "quorum.regained" and e.subject == "pacemaker")
    # quorum goes with the second controller's "Stop pacemaker cluster" (step 3) and comes back with the second
    # "Start pacemaker cluster" (step 4)
    stops = sorted(_task(pike, h, "Stop pacemaker cluster").time for h in CONTROLLERS)
    starts = sorted(_task(pike, h, "Start pacemaker cluster").time for h in CONTROLLERS)
    assert lost.time == pytest.approx(stops[1]) and regained.time == pytest.approx(starts[1])
    assert _done(pike, "ControllerUpgrade_Step2").time <= lost.time <= _done(pike, "ControllerUpgrade_Step3").time
    keystone_down = next(e for e in trace if e.kind == "api.down" and e.subject == "keystone")
    keystone_up = next(e for e in trace if e.kind == "api.up" and e.subject == "keystone")
    post = _done(pike, "AllNodesPostUpgradeSteps")
    assert keystone_down.time < lost.time
    # the keystone container of the post-upgrade deploy steps brings it back, before those steps end
    assert _done(pike, "ControllerUpgrade_Step5").time <= keystone_up.time <= post.time
    started = next(e for e in trace if e.kind == "state.containers" and "keystone" in e.data.get("started", ()))
    assert started.time == pytest.approx(keystone_up.time)
    assert pike.summary()["api_downtime_seconds"]["keystone"] == pytest.approx(keystone_up.time - keystone_down.time)
    computes = [e for e in trace if e.kind == "task" and e.subject.startswith("overcloud-novacompute")]
    assert computes and min(e.time for e in computes) >= post.time


def test_a_pike_deploy_starts_the_apis_left_on_the_host(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scenario = tmp_path / "pike-deploy.yaml"
    scenario.write_text('name: pike-deploy\nkind: deploy\nnodes: {Controller: 1, Compute: 1}\nseed: 1\n'
                        'source: {release: "7.0.12", environments: [environments/docker.yaml, '
                        'environments/docker-ha.yaml]}\n')
    run = run_scenario(scenario, seed=1)
    assert run.summary()["result"] == "succeeded"
    node = run.simulation.world.nodes["overcloud-controller-0"]
    assert node.containers.get("keystone") and node.containers.get("httpd")  # Cinder's API under the host's httpd
    assert all(run.simulation.world.snapshot()["apis"].values())


def test_the_baremetal_galera_resource_gives_way_to_the_bundle_its_init_container_creates(pike) -> None:  # type: ignore[no-untyped-def]
    # Pike's upgrade disables (and deletes) the baremetal `galera` resource at step 2 on the bootstrap node; the
    # mysql_init_bundle container of the post-upgrade deploy step 2 runs the puppet that creates galera-bundle
    trace = list(pike.simulation.trace)
    disable = next(e for e in trace if e.kind == "task" and e.data["task"] == "Disable the galera cluster resource"
                   and e.data["status"] != "skipped")
    assert (disable.subject, disable.data["step"]) == ("overcloud-controller-0", "2")
    lost = next(e for e in trace if e.kind == "quorum.lost" and e.subject == "galera")
    assert lost.time == disable.time
    created = next(e for e in trace if e.kind == "state.pacemaker" and e.data == {"target": "galera-bundle",
                                                                                   "state": "created"})
    started = next(e for e in trace if e.kind == "state.containers"
                   and "mysql_init_bundle" in e.data.get("started", ()))
    regained = next(e for e in trace if e.kind == "quorum.regained" and e.subject == "galera")
    assert created.time == started.time == regained.time
    assert created.time >= _done(pike, "ControllerUpgrade_Step5").time
    assert not [v for v in pike.violations if v.invariant == "services-restored"]


def test_the_converge_runs_the_containerized_deploy_steps_on_every_node(pike) -> None:  # type: ignore[no-untyped-def]
    # major-upgrade-converge-docker.yaml maps PostDeploySteps back to common/post.yaml: the converge's stack update
    # runs host_prep_tasks and the deploy steps (docker_config by step) on every node again (containers unchanged
    # since the upgrade stay up)
    phase = pike.simulation.phases[-1]
    assert phase.name == "overcloud deploy -e major-upgrade-converge-docker.yaml"
    tasks = [e for e in pike.simulation.trace if e.kind == "task" and e.data["start"] >= phase.start]
    assert {e.subject for e in tasks} == {n.name for r in pike.target.roles for n in r.nodes}
    assert {e.data["phase"] for e in tasks} == {"host_prep_tasks"}  # Pike's role_data has no deploy_steps_tasks
    done = [e for e in pike.simulation.trace if e.kind == "heat.resource" and e.subject == "AllNodesDeploySteps"
            and e.time >= phase.start]
    assert [e.data["status"] for e in done] == ["UPDATE_COMPLETE"]
    assert done[0].time >= max(e.time for e in tasks)  # the resource completes when the nodes are done
    assert not [e for e in pike.simulation.trace if e.kind == "api.down" and e.time >= phase.start]
