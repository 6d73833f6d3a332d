"""Queens -> Train fast-forward upgrade with leapp (`system_upgrade: true`): THT Train's leapp tasks (tagged
never + system_upgrade) run only in the `--tags system_upgrade` run before each batch; their reboot at upgrade
step 4 moves each host from RHEL 7 to RHEL 8, which the following upgrade run sees in its facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.run import run_scenario
from simulator.scenario import ScenarioError, load_scenario

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ffu():  # type: ignore[no-untyped-def]
    return run_scenario("queens-to-train-ffu", seed=1)


def test_leapp_runs_in_the_system_upgrade_run_before_each_batch(ffu) -> None:  # type: ignore[no-untyped-def]
    s = ffu.summary()
    assert s["result"] == "succeeded" and (s["source_release"], s["target_release"]) == ("8.4.1", "11.6.0")
    names = [p["name"] for p in s["phases"]]
    controllers = "overcloud-controller-0:overcloud-controller-1:overcloud-controller-2"
    assert names[2:5] == ["external-upgrade run --tags system_upgrade_transfer_data",
                          f"upgrade run --tags system_upgrade --limit {controllers}",
                          f"upgrade run --limit {controllers}"]
    system_run = ffu.simulation.phases[3]
    reboots = [e for e in ffu.simulation.trace
               if e.kind == "task" and e.data["task"] == "reboot to perform the upgrade"]
    assert sorted(e.subject for e in reboots) == sorted(n.name for r in ffu.target.roles for n in r.nodes)
    assert all(e.data["step"] == "4" and e.data["status"] != "skipped" for e in reboots)
    assert all(system_run.start <= e.time <= system_run.end for e in reboots if "controller" in e.subject)
    # leapp itself: installed, then `leapp upgrade`, before the reboot, on every node
    leapp = [e for e in ffu.simulation.trace if e.kind == "task" and e.data["task"].startswith("run leapp upgrade")]
    assert len(leapp) == len(reboots) and all(e.data["status"] == "changed" for e in leapp)
    os_events = [e for e in ffu.simulation.trace if e.kind == "state.os"]
    assert [sorted(e.data["upgraded"]) for e in os_events] == [
        controllers.split(":"), ["overcloud-novacompute-0", "overcloud-novacompute-1"]]
    assert set(ffu.simulation.os_major.values()) == {"8"}


def test_without_system_upgrade_no_leapp_task_runs_and_hosts_stay_on_rhel7() -> None:
    import dataclasses

    scenario = dataclasses.replace(load_scenario("queens-to-train-ffu"), system_upgrade=False)
    result = run_scenario(scenario, seed=1)
    assert not [e for e in result.simulation.trace if e.kind == "task"
                and e.data["task"] == "reboot to perform the upgrade"]
    assert set(result.simulation.os_major.values()) == {"7"}


def test_system_upgrade_key_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: update\nsource: {release: '18.0.0'}\nsystem_upgrade: true\n")
    with pytest.raises(ScenarioError, match="system_upgrade: expected true or false \\(true only for an upgrade\\)"):
        load_scenario(str(bad))
    bad.write_text("kind: upgrade\nsource: {release: '8.4.1'}\ntarget: {release: '11.6.0'}\nsystem_upgrade: 'yes'\n")
    with pytest.raises(ScenarioError, match="found 'yes'"):
        load_scenario(str(bad))


def test_the_leapp_reboot_takes_the_node_down(ffu) -> None:  # type: ignore[no-untyped-def]
    trace = list(ffu.simulation.trace)
    for reboot in [e for e in trace if e.kind == "task" and e.data["task"] == "reboot to perform the upgrade"]:
        down = [e for e in trace if e.kind == "node.down" and e.subject == reboot.subject]
        up = [e for e in trace if e.kind == "node.up" and e.subject == reboot.subject]
        assert [e.time for e in down] == [pytest.approx(reboot.data["start"], abs=1e-5)]
        assert [e.time for e in up] == [reboot.time] and up[0].data["reason"] == "rebooted"


def test_the_data_transfer_stops_the_cloud_and_leaves_the_flag_on_the_bootstrap_node(ffu) -> None:  # type: ignore[no-untyped-def]
    # Train's external_upgrade_tasks tagged system_upgrade_transfer_data, on the undercloud: every service's
    # containers stopped on its nodes (tripleo-container-stop delegated to them), `pcs cluster stop --force` on
    # each pacemaker node, then tripleo-transfer copies /var/lib/mysql from mysql_short_node_names[1] to the
    # bootstrap node and leaves the flag file there
    sim = ffu.simulation
    transfer = sim.phases[2]
    trace = [e for e in sim.trace if transfer.start <= e.time <= transfer.end]
    ran = [e for e in trace if e.kind == "task" and e.data["status"] != "skipped"]
    assert {e.subject for e in ran} == {"undercloud"}
    stopped = {e.subject for e in trace if e.kind == "state.pacemaker" and e.data["state"] == "cluster-stopped"}
    assert stopped == {"overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2"}
    lost = next(e for e in sim.trace if e.kind == "quorum.lost" and e.subject == "pacemaker")
    assert transfer.start < lost.time <= transfer.end
    keystone = [e for e in trace if e.kind == "state.container" and e.data["target"] == "keystone"]
    assert {e.subject for e in keystone} == stopped and all(e.data["state"] == "stopped" for e in keystone)
    sync = next(e for e in ran if e.data["task"] == "tripleo-transfer : synchronize both directories")
    assert sync.data["step"] == "2"
    copied = [(e.time, e.subject, e.data["target"]) for e in trace if e.kind == "state.data_transfer"]
    assert copied == [(sync.time, "overcloud-controller-1", "overcloud-controller-0:/var/lib/mysql")]
    flag = "/var/lib/tripleo/transfer-flags/var-lib-mysql"
    assert sim.answers.exists("overcloud-controller-0", flag) == (True, False)
    assert sim.answers.exists("overcloud-controller-1", flag)[0] is False


def test_the_upgrade_recreates_the_cluster_instead_of_stopping_it(ffu) -> None:  # type: ignore[no-untyped-def]
    # the flag makes cluster_recreate true: the upgrade tasks neither stop nor start the old cluster, the bundle
    # checks (`pcs resource config`) fail on the stopped cluster so no bundle is disabled for its new image, and
    # deploy step 1's puppet forms a new cluster from the upgraded controllers
    sim = ffu.simulation
    tasks = [e for e in sim.trace.select("task") if e.subject == "overcloud-controller-0"]
    status = {(e.data["phase"], e.data["task"]): e.data["status"] for e in tasks}
    assert status[("upgrade_tasks", "Set fact cluster_recreate")] == "ok"
    assert status[("upgrade_tasks", "Stop pacemaker cluster")] == "skipped"
    assert status[("upgrade_tasks", "Start pacemaker cluster")] == "skipped"
    assert status[("upgrade_tasks", "Disable the redis cluster resource before container upgrade")] == "skipped"
    run = sim.phases[4]
    formed = [e for e in sim.trace if e.kind == "state.pacemaker" and e.data["target"] == "cluster"
              and e.data["state"] in ("formed", "joined")]
    assert [(e.subject, e.data["state"]) for e in formed] == [
        ("overcloud-controller-0", "formed"), ("overcloud-controller-1", "joined"),
        ("overcloud-controller-2", "joined")]
    assert all(run.start < e.time < run.end for e in formed)
    regained = next(e for e in sim.trace if e.kind == "quorum.regained" and e.subject == "pacemaker")
    assert regained.time == formed[0].time
    assert sim.left_stopped() == []  # redis-bundle was left disabled while the old cluster was reused


def test_the_new_cluster_holds_no_bundle_until_deploy_step_2_creates_it(ffu) -> None:  # type: ignore[no-untyped-def]
    # the recreated cluster starts without the old cluster's resources: galera, rabbitmq, haproxy and redis come back
    # when deploy step 2's tripleo_ha_wrapper puppet creates them, not when the cluster forms at step 1
    sim = ffu.simulation
    formed = next(e for e in sim.trace if e.kind == "state.pacemaker" and e.data["state"] == "formed")
    created = {e.data["target"]: e.time for e in sim.trace
               if e.kind == "state.pacemaker" and e.data["state"] == "created"}
    assert {"galera-bundle", "rabbitmq-bundle", "haproxy-bundle", "redis-bundle"} <= created.keys()
    step2 = min(e.data["start"] for e in sim.trace.select("task") if e.time > formed.time
                and e.data["phase"] == "deploy_steps_tasks" and e.data["step"] == "2")
    assert all(t > step2 for t in created.values())
    galera = next(e.time for e in sim.trace if e.kind == "quorum.regained" and e.subject == "galera"
                  and e.time >= formed.time)
    assert galera == created["galera-bundle"]
    keystone = next(e.time for e in sim.trace if e.kind == "api.up" and e.subject == "keystone"
                    and e.time >= formed.time)
    assert keystone >= created["galera-bundle"]


@pytest.fixture(scope="module")
def staged():  # type: ignore[no-untyped-def]
    return run_scenario("queens-to-train-staged", seed=1)


def test_the_documented_order_runs_leapp_once_per_node_and_widens_the_limit(staged) -> None:  # type: ignore[no-untyped-def]
    names = [p.name for p in staged.simulation.phases]
    c0, c1, c2 = (f"overcloud-controller-{i}" for i in range(3))
    assert names[3:9] == [f"upgrade run --tags system_upgrade --limit {c0}", f"upgrade run --limit {c0}",
                          f"upgrade run --tags system_upgrade --limit {c1}", f"upgrade run --limit {c0}:{c1}",
                          f"upgrade run --tags system_upgrade --limit {c2}", f"upgrade run --limit {c0}:{c1}:{c2}"]
    reboots = [e.subject for e in staged.simulation.trace
               if e.kind == "task" and e.data["task"] == "reboot to perform the upgrade"]
    assert sorted(reboots) == sorted(n.name for r in staged.target.roles for n in r.nodes)  # once each


def test_the_first_controller_forms_a_cluster_alone_and_serves_before_the_next_is_upgraded(staged) -> None:  # type: ignore[no-untyped-def]
    # quorum counts the new cluster's own nodes: controller-0 alone has pacemaker, galera and rabbitmq quorum, and
    # keystone is back once its deploy steps ran, before controller-1's leapp run; the others join later
    sim = staged.simulation
    first_run, next_leapp = sim.phases[4], sim.phases[5]
    formed = [(e.subject, e.data["state"], e.time) for e in sim.trace if e.kind == "state.pacemaker"
              and e.data["target"] == "cluster" and e.data["state"] in ("formed", "joined")]
    assert [(s, st) for s, st, _ in formed] == [("overcloud-controller-0", "formed"),
                                                ("overcloud-controller-1", "joined"),
                                                ("overcloud-controller-2", "joined")]
    assert first_run.start < formed[0][2] < first_run.end
    regained = {e.subject: e.time for e in sim.trace if e.kind == "quorum.regained" and e.time <= first_run.end}
    assert regained.keys() >= {"pacemaker", "galera", "rabbitmq"}
    keystone_up = [e.time for e in sim.trace if e.kind == "api.up" and e.subject == "keystone"]
    assert first_run.start < keystone_up[0] < first_run.end <= next_leapp.start


def test_later_runs_find_the_bundles_on_their_new_images(staged) -> None:  # type: ignore[no-untyped-def]
    # once controller-0's puppet recreated the bundles with Train's images, the later runs' image checks match:
    # no bundle is disabled again for an image swap
    swaps = [e for e in staged.simulation.trace.select("task") if e.data["status"] != "skipped"
             and e.data["task"].startswith("Disable the") and "before container upgrade" in e.data["task"]]
    assert swaps == []
    assert staged.simulation.left_stopped() == []


def test_one_shot_containers_do_not_count_as_running_a_release(staged) -> None:  # type: ignore[no-untyped-def]
    # the data transfer stopped keystone's services on every controller; what is left of Queens' keystone on
    # controller-1 and -2 are containers that ran to completion (keystone_db_sync, keystone_bootstrap, init logs:
    # docker_config without `restart: always`), so keystone never runs two releases at once
    sim = staged.simulation
    assert {"keystone_db_sync", "keystone_bootstrap", "keystone_init_log"} <= sim.world.oneshot
    assert "keystone" not in sim.world.oneshot
    assert not [e for e in sim.trace if e.kind == "version.mixed" and e.subject == "keystone"]
    assert [e for e in sim.trace if e.kind == "version.mixed" and e.subject == "swift"]  # storage kept running


def test_the_progress_bar_plans_every_phase_the_staged_order_runs(staged) -> None:  # type: ignore[no-untyped-def]
    sim = staged.simulation
    assert sim._planned_phases() == len(sim.phases) == 13
    # a batch repeating upgraded nodes has no leapp run: 4 + 3 upgrade runs + 2 leapp runs + the data transfer
    order = sim.order
    try:
        sim.order = [["overcloud-controller-0"], ["overcloud-controller-0"],
                     ["overcloud-controller-0", "overcloud-controller-1"]]
        assert sim._planned_phases() == 10
    finally:
        sim.order = order
