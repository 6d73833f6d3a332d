"""tripleo_ha_wrapper (deploy step 2 of the pacemaker-managed services, Train on): puppet creates or updates the
bundle, then pacemaker_restart_bundle.sh restarts it when the service's generated config changed. In an upgrade
(a new release, a stack update) the service's bootstrap node restarts the bundle globally: every replica is down
for the task, and so is every API that needs it. The config is the bundle's puppet config volume: a minor update whose
environment changes its hieradata restarts it too, globally from its deploy steps, or the node's replica alone from
post_update_tasks' wrapper (TRIPLEO_MINOR_UPDATE). A stack create never restarts.

What counts as a stack create is the release's script's: Train's to 14.3.0's read hiera's stack_action, which
tripleoclient sets to CREATE on every operation in an ephemeral Heat (Wallaby's default), so a default Train -> Wallaby
upgrade restarts nothing and the replicas keep the config they started with; later scripts ask whether the bundle
existed before the wrapper's puppet ran."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fakes.ansible.effects import Effect
from fakes.heat.api import client_stack_action, ephemeral_heat
from simulator.run import prepare_scenario, run_scenario
from simulator.scenario import load_scenario
from simulator.workflows.containers import ha_wrapper_volumes

pytestmark = pytest.mark.integration


def _restarts(run):  # type: ignore[no-untyped-def]
    return [e for e in run.simulation.trace.select("state.pacemaker") if e.data["state"] == "restart-begin"]


def _installed_heat(name: str):  # type: ignore[no-untyped-def]
    # `openstack overcloud upgrade prepare --heat-type installed`: the undercloud's Heat updates the stack
    return dataclasses.replace(load_scenario(name), heat_type="installed")


def test_an_upgrade_restarts_the_bundles_globally_from_their_bootstrap_node() -> None:
    run = run_scenario(_installed_heat("train-to-wallaby"), seed=1)
    assert run.target.global_vars["stack_action"] == "UPDATE"
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
    # the control plane's VIP (Train also has redis's, which no API needs)
    vip = [e for e in trace if e.kind == "state.vip" and galera.time <= e.time < task.time
           and e.data["vip"] == "ctlplane"]
    assert [e.data["state"] for e in vip] == ["moving", "started"]  # moving from the end of haproxy's restart
    assert run.simulation.world.snapshot()["pacemaker"]["resources"]["galera-bundle"]
    assert not [v for v in run.violations if v.invariant == "bundle-config-current"]


def test_the_clients_stack_action_follows_its_heat() -> None:
    # python-tripleoclient defaulted to an ephemeral Heat from 16.3.0 (with THT 14.2.0) and 17.1.0 (with THT 15.1.0)
    assert [ephemeral_heat(r) for r in ("11.6.0", "14.1.2", "14.2.0", "14.3.0", "15.0.0", "15.1.0", "18.0.0")] == \
        [False, False, True, True, False, True, True]
    assert ephemeral_heat("master")  # a local tree without a release number: a recent one
    assert client_stack_action("11.6.0", stack_exists=True) == "UPDATE"
    assert client_stack_action("11.6.0", stack_exists=False) == "CREATE"
    assert client_stack_action("14.3.0", stack_exists=True) == "CREATE"
    assert client_stack_action("14.3.0", stack_exists=True, heat_type="installed") == "UPDATE"


def test_the_release_script_decides_what_a_stack_create_is() -> None:
    prepared = prepare_scenario("train-to-wallaby", seed=1)
    assert (prepared.source.restart_gate, prepared.target.restart_gate) == ("stack-action", "stack-action")
    assert prepared.target.global_vars["stack_action"] == "CREATE"  # the upgrade prepare, in an ephemeral Heat
    assert prepare_scenario("update-18", seed=1).target.restart_gate == "resource-exists"
    assert prepare_scenario("queens-to-train-ffu", seed=1).target.global_vars["stack_action"] == "UPDATE"


def test_a_default_wallaby_upgrade_restarts_nothing_and_the_replicas_keep_their_config() -> None:
    run = run_scenario("train-to-wallaby", seed=1)
    # the wrapper finds each bundle's config changed, and 14.3.0's script exits on hiera's stack_action CREATE
    skipped = [e for e in run.simulation.trace.select("state.pacemaker") if e.data["state"] == "restart-skipped"]
    assert {e.data["target"] for e in skipped} >= {"galera-bundle", "haproxy-bundle", "rabbitmq-bundle"}
    assert {e.subject for e in skipped} == {"overcloud-controller-0"}
    assert not [e for e in _restarts(run) if e.data["target"] in ("galera-bundle", "haproxy-bundle",
                                                                      "rabbitmq-bundle")]
    # the replicas started (after the controllers' leapp upgrade) before deploy step 1 wrote the new config
    stale = run.simulation.stale_configs()
    assert {(s.node, s.bundle) for s in stale} >= {(f"overcloud-controller-{i}", b) for i in range(3)
                                                    for b in ("galera-bundle", "haproxy-bundle", "rabbitmq-bundle")}
    assert all(s.started < s.written for s in stale)
    # written with the Kolla config files, before deploy step 1 starts its containers, in the controllers' run
    assert [e.time for e in run.simulation.trace.select("state.config", stale[0].node)
            if e.time == stale[0].written and "kolla" in e.data] == [stale[0].written]
    controllers = next(p for p in run.simulation.phases if p.name.startswith("upgrade run --limit"))
    assert controllers.start < stale[0].written < controllers.end
    galera = next(v for v in run.violations if v.invariant == "bundle-config-current" and v.subject == "galera-bundle")
    assert "stack_action is CREATE" in galera.message and "TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS" in galera.fix
    assert "init bundle puppet" in galera.trace[0].task and galera.trace[0].step == "2"
    # ovn-dbs-bundle is restarted by Wallaby's own post-upgrade task: it runs the new config
    assert "ovn-dbs-bundle" not in {s.bundle for s in stale}


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
    scenario = dataclasses.replace(_installed_heat("train-to-wallaby"), order=(controllers, controllers))
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


def _update_raising_max_connections(tmp_path: Path) -> Path:
    env = tmp_path / "mysql-connections.yaml"
    env.write_text("parameter_defaults:\n  MysqlMaxConnections: 8192\n")
    scenario = tmp_path / "update.yaml"
    scenario.write_text(f"""name: update-mysql-connections
kind: update
source: {{release: "18.0.0"}}
target: {{release: "18.0.0", environments: [{env}]}}
nodes: {{Controller: 3, Compute: 1}}
seed: 1
""")
    return scenario


def test_the_wrapper_knows_each_bundles_config_volume() -> None:
    run = prepare_scenario("train-to-wallaby", seed=1)
    assert ha_wrapper_volumes(run.target) == {
        "galera-bundle": "mysql", "rabbitmq-bundle": "rabbitmq", "haproxy-bundle": "haproxy", "redis-bundle": "redis",
        "ovn-dbs-bundle": "ovn_dbs", "openstack-cinder-volume": "cinder"}


def test_a_minor_update_changing_the_services_hieradata_restarts_its_bundle_globally(tmp_path: Path) -> None:
    # MysqlMaxConnections is mysql's hieradata (mysql_max_connections): the mysql config volume changes, so the
    # wrapper of deploy step 2 (no TRIPLEO_MINOR_UPDATE there; the bundle existed) restarts galera-bundle
    # globally from its bootstrap node, in that node's update run; the other nodes leave it to that node, and
    # post_update_tasks' wrapper then finds the config it already saw
    run = run_scenario(_update_raising_max_connections(tmp_path), seed=1)
    assert not run.failed
    source, target = run.source.role("Controller"), run.target.role("Controller")
    assert source.config_volumes["mysql"] != target.config_volumes["mysql"]
    assert source.config_volumes["rabbitmq"] == target.config_volumes["rabbitmq"]
    restarts = _restarts(run)
    assert [(e.subject, e.data["target"]) for e in restarts] == [("overcloud-controller-0", "galera-bundle")]
    first = next(p for p in run.simulation.phases if p.name.startswith("update run --limit"))
    assert first.start < restarts[0].time < first.end
    trace = list(run.simulation.trace)
    task = next(e for e in trace if e.kind == "task" and e.subject == "overcloud-controller-0"
                and e.data["start"] == pytest.approx(restarts[0].time) and "init bundle puppet" in e.data["task"])
    assert (task.data["phase"], task.data["step"]) == ("deploy_steps_tasks", "2")
    lost = [e for e in trace if e.kind == "quorum.lost" and e.subject == "galera"]
    assert [e.time for e in lost] == [restarts[0].time]
    down = [e for e in trace if e.kind == "api.down" and e.subject == "keystone" and e.time == restarts[0].time]
    assert [e.data["reason"] for e in down] == ["galera stopped"]
    assert not [e for e in trace if e.kind == "state.pacemaker" and e.data["state"] == "replica-restart-begin"]
    # the same update without the change restarts nothing
    plain = dataclasses.replace(load_scenario(_update_raising_max_connections(tmp_path)), target=None)
    assert _restarts(run_scenario(plain, seed=1)) == []


def test_the_minor_update_wrapper_restarts_the_nodes_replica_alone(tmp_path: Path) -> None:
    # post_update_tasks' wrapper (TRIPLEO_MINOR_UPDATE) on a node whose mysql config changed since the wrapper last
    # ran there: `pcs resource restart galera-bundle <node>`; on the next run the config is the one it saw
    prepared = prepare_scenario(_update_raising_max_connections(tmp_path), seed=1)
    sim, world = prepared.simulation, prepared.simulation.world
    host = "overcloud-controller-1"
    effect = sim._ha_wrapper(Effect(host, "pacemaker", "galera-bundle", "ha-wrapper-minor", "tripleo_ha_wrapper"),
                             True)
    assert effect.state == "replica-restart"
    again = sim._ha_wrapper(Effect(host, "pacemaker", "galera-bundle", "ha-wrapper-minor", "tripleo_ha_wrapper"),
                            True)
    assert again.state == "config-applied"
    # a non-bootstrap node's stack-update wrapper leaves the global restart to the bootstrap node
    other = sim._ha_wrapper(Effect("overcloud-controller-2", "pacemaker", "galera-bundle", "ha-wrapper", "x"), True)
    assert other.state == "config-applied"
    boot = sim._ha_wrapper(Effect("overcloud-controller-0", "pacemaker", "galera-bundle", "ha-wrapper", "x"), True)
    assert boot.state == "restart"
    # the replica is down on that node alone while the task runs: galera keeps quorum, keystone stays up
    world.apply(Effect(host, "pacemaker", "galera-bundle", "replica-restart-begin", "x"), 10.0)
    assert not world.replica_runs(host, "galera-bundle") and world.replica_runs("overcloud-controller-0",
                                                                                  "galera-bundle")
    assert not world.cluster_member_up("galera", host) and world.cluster_has_quorum("galera")
    world.apply(Effect(host, "pacemaker", "galera-bundle", "replica-restart", "x"), 40.0)
    assert world.replica_runs(host, "galera-bundle") and world.cluster_member_up("galera", host)
    replica = [(e.time, e.data["state"]) for e in world.trace.select("state.replica", host)
               if e.data["bundle"] == "galera-bundle"]
    assert replica == [(10.0, "stopped"), (40.0, "started")]
    assert not [e for e in world.trace if e.kind == "api.down"]


def test_a_serial_update_leaves_the_later_nodes_replicas_on_their_old_config(tmp_path: Path) -> None:
    # update_serial 1: controller-0's deploy step 2 restarts galera-bundle globally while the other controllers still
    # hold the old config; each of them then writes the new one at its own deploy step 1, its wrapper leaves the
    # global restart to controller-0 (which did it already), and post_update_tasks' wrapper finds the config it saw
    run = run_scenario(_update_raising_max_connections(tmp_path), seed=1)
    stale = run.simulation.stale_configs()
    assert [(s.node, s.bundle) for s in stale] == [("overcloud-controller-1", "galera-bundle"),
                                                   ("overcloud-controller-2", "galera-bundle")]
    restart = _restarts(run)[0]
    assert all(restart.time < s.written for s in stale) and all(s.why == "" for s in stale)
    violation = next(v for v in run.violations if v.invariant == "bundle-config-current")
    assert "overcloud-controller-1, overcloud-controller-2" in violation.message
    assert "stack_action" not in violation.message


def test_the_heat_type_key_is_validated(tmp_path: Path) -> None:
    from simulator.scenario import ScenarioError

    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\nheat_type: pod\n")
    with pytest.raises(ScenarioError, match=r"heat_type: expected installed or ephemeral .* found 'pod'"):
        load_scenario(str(bad))
    bad.write_text("kind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\nheat_type: installed\n")
    assert load_scenario(str(bad)).heat_type == "installed"


def test_the_restart_gate_is_read_from_the_releases_script(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from simulator.planning import RESTART_BUNDLE_SCRIPT, restart_gate

    tree = SimpleNamespace(root=tmp_path)
    assert restart_gate(tree) == ""  # type: ignore[arg-type]  # no script: before Train
    script = tmp_path / RESTART_BUNDLE_SCRIPT
    script.parent.mkdir(parents=True)
    script.write_text("# if hiera stack_action | grep CREATE: a comment\nexit 0\n")
    assert restart_gate(tree) == "always"  # type: ignore[arg-type]
    script.write_text('if hiera -c /etc/puppet/hiera.yaml stack_action | grep -q -x CREATE; then\n  exit 0\nfi\n')
    assert restart_gate(tree) == "stack-action"  # type: ignore[arg-type]
    script.write_text('if [ x"${TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS,,}" = x"false" ]; then\n  exit 0\nfi\n')
    assert restart_gate(tree) == "resource-exists"  # type: ignore[arg-type]
