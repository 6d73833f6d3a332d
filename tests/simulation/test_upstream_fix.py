"""Findings of the simulator that upstream confirmed, each fixed on stable/wallaby after 14.3.0, the last Wallaby
release. These tests are the CI-gating use: the 14.3.0 tree with a patch of the fix's shape, written here, is the
default scenario's target, and the run comes out without the violation.

* Wallaby's redis upgrade tasks leave redis-bundle disabled. THT 14.3.0's redis upgrade tasks disable `redis-bundle` at
  upgrade step 1 to swap its image and never enable it again (galera's, rabbitmq's and haproxy's do); the default
  Train -> Wallaby run reports it under `services-restored`. Upstream: 01c69fccd (May 2023), "Redis bundle is disabled
  after upgrade", an "Enable redis" block at upgrade step 5 on the redis bootstrap node.
* The bundles keep the configuration they started with. 14.3.0's pacemaker_restart_bundle.sh restarts a bundle after a
  config change only when hiera's `stack_action` is not CREATE, and Wallaby's tripleoclient runs every stack operation
  in an ephemeral Heat, which finds no stack and passes CREATE; the default run reports galera's, rabbitmq's,
  haproxy's and cinder-volume's replicas under `bundle-config-current`. Upstream: 79791ce30 (Sep 2021, LP#1942309),
  "Check whether an HA resource already exists explicitly": the script asks TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS,
  which tripleo_ha_wrapper sets when `pcs resource config` found the bundle before its puppet ran.
* A service the Wallaby layout drops keeps its Train bundle in the cluster. An upgrade whose target maps Redis to
  OS::Heat::None (later Wallaby's default) leaves `redis-bundle` in the CIB, its replicas on Train's image: nothing in
  14.3.0 handles it; the run reports it under `no-orphaned-resources`. Upstream first made the leapp preparation fail
  on it (9bd96ff04, Nov 2021), then deletes it at upgrade step 5 (0e2b7a1d5, May 2023, rhbz#2158159).
* The computes lose their data plane until their own batch. 14.3.0's ovn_controller has no upgrade tasks, so the OVN
  DB bundle reaches Wallaby with the controllers while every ovn_controller still runs Train's; the default run
  reports it under `ovn-controller-first`. Upstream: e1a26ff31 (Aug 2023, rhbz#2229761), "Upgrade ovn_controller
  ahead": its upgrade tasks are the external update's, which at step 1 recreate ovn_controller on every OVN host
  with the new image (tripleo_container_manage, async, delegated), then wait for each.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from fakes.heat.source import fetch_release
from simulator.run import run_scenario
from simulator.scenario import load_scenario

REDIS = "deployment/database/redis-pacemaker-puppet.yaml"

# appended to the redis service's upgrade_tasks, the last key of its outputs.role_data in 14.3.0
ENABLE_AT_STEP_5 = """\
        - name: Enable redis
          when:
            - step|int == 5
            - is_redis_bootstrap_node|bool
            - redis_pcs_res|bool
          block:
            - name: Enable the redis cluster resource
              pacemaker_resource:
                resource: redis-bundle
                state: enable
                wait_for_resource: true
              register: output
              retries: 5
              until: output.rc == 0
"""


RESTART_SCRIPT = "container_config_scripts/pacemaker_restart_bundle.sh"
# the test of 14.3.0's script, and the one that replaces it
STACK_ACTION_TEST = re.compile(r"^(\s*)if hiera .*stack_action.*CREATE; then$", re.M)
RESOURCE_EXISTS_TEST = '\\1if [ x"${TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS:-false}" = x"false" ]; then'


PACEMAKER = "deployment/pacemaker/pacemaker-baremetal-puppet.yaml"
# put first in the pacemaker service's upgrade_tasks
DELETE_REDIS_AT_STEP_5 = """\
        - name: Ensure redis is removed
          when:
            - step|int == 5
            - '"redis" not in enabled_services|list'
          run_once: true
          become: true
          shell: |
            if crm_resource -r redis-bundle -q &>/dev/null; then
               pcs resource delete redis-bundle || true
            fi
"""


OVN_CONTROLLER = "deployment/ovn/ovn-controller-container-puppet.yaml"
# in place of 14.3.0's `upgrade_tasks: []` of ovn_controller (the last key of its role_data): at upgrade step 1,
# recreate ovn_controller on every OVN host with the new image, from the startup config the deployed release wrote
UPGRADE_OVN_CONTROLLER_AHEAD = """\
      upgrade_tasks:
        - name: Find a node running ovn_controller
          when: step|int == 1
          set_fact:
            first_ovn_host: "{{ groups['ovn_controller'] | difference(groups['excluded_overcloud']) | first }}"
        - name: Which deploy step started ovn_controller
          when: step|int == 1
          become: true
          delegate_to: "{{ first_ovn_host }}"
          stat:
            path: /var/lib/tripleo-config/container-startup-config/step_4/ovn_controller.json
          register: ovn_controller_at_step_4
        - name: Recreate ovn_controller with the new image on every OVN node
          when: step|int == 1
          become: true
          vars:
            ovn_step: "{{ ovn_controller_at_step_4.stat.exists | ternary('4', '3') }}"
          loop: "{{ groups['ovn_controller'] | difference(groups['excluded_overcloud']) }}"
          delegate_to: "{{ item }}"
          async: 300
          poll: 0
          register: ovn_controller_jobs
          tripleo_container_manage:
            config_dir: "/var/lib/tripleo-config/container-startup-config/step_{{ ovn_step }}"
            config_patterns: ovn_controller.json
            config_id: "tripleo_step{{ ovn_step }}"
            config_overrides:
              ovn_controller:
                image: {get_param: ContainerOvnControllerImage}
        - name: Wait for ovn_controller on every OVN node
          when:
            - step|int == 1
            - "'results' in ovn_controller_jobs"
          become: true
          delegate_to: "{{ job.item }}"
          loop: "{{ ovn_controller_jobs.results }}"
          loop_control:
            loop_var: job
          async_status:
            jid: "{{ job.ansible_job_id }}"
          register: ovn_controller_job
          until: ovn_controller_job.finished
          retries: 300
          delay: 1
"""


def _wallaby_copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tht"
    shutil.copytree(fetch_release("14.3.0"), tree, symlinks=True)
    return tree


def _with_redis_enabled(tree: Path) -> Path:
    redis = tree / REDIS
    text = redis.read_text()
    # the patch lands in upgrade_tasks only if that list ends the file (as it does in 14.3.0)
    last_key = [line for line in text.splitlines() if line.startswith("      ") and not line.startswith("       ")][-1]
    assert last_key.strip() == "upgrade_tasks:", last_key
    redis.write_text(text.rstrip("\n") + "\n" + ENABLE_AT_STEP_5)
    return tree


def _with_restart_on_existing_resources(tree: Path) -> Path:
    script = tree / RESTART_SCRIPT
    text, replaced = STACK_ACTION_TEST.subn(RESOURCE_EXISTS_TEST, script.read_text())
    assert replaced == 1
    script.write_text(text)
    return tree


def _with_redis_deleted_when_dropped(tree: Path) -> Path:
    pacemaker = tree / PACEMAKER
    text = pacemaker.read_text()
    assert text.count("\n      upgrade_tasks:\n") == 1
    pacemaker.write_text(text.replace("\n      upgrade_tasks:\n", "\n      upgrade_tasks:\n" + DELETE_REDIS_AT_STEP_5))
    return tree


def _with_ovn_controller_upgraded_ahead(tree: Path) -> Path:
    template = tree / OVN_CONTROLLER
    text = template.read_text()
    assert text.endswith("\n      upgrade_tasks: []\n")
    template.write_text(text.removesuffix("      upgrade_tasks: []\n") + UPGRADE_OVN_CONTROLLER_AHEAD)
    return tree


def _run_with_target(tree: Path, environments: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    scenario = load_scenario("train-to-wallaby")
    fixed = dataclasses.replace(scenario, target=dataclasses.replace(
        scenario.target, release=None, templates=str(tree), environments=environments))
    return run_scenario(fixed, seed=1)


def _states(trace, bundle: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.data["state"] for e in trace if e.kind == "state.pacemaker" and e.data.get("target") == bundle]


def test_the_upstream_fix_for_the_disabled_redis_bundle_clears_services_restored(tmp_path: Path) -> None:
    result = _run_with_target(_with_redis_enabled(_wallaby_copy(tmp_path)))

    assert not result.failed
    assert result.simulation.left_stopped() == []
    assert not [v for v in result.violations if v.invariant == "services-restored"]
    trace = result.simulation.trace
    # disabled at step 1, enabled at step 5; deploy step 2's tripleo_ha_wrapper finds its config changed, and 14.3.0's
    # script does not restart it (hiera's stack_action is CREATE); the unpatched run has the first event only
    assert _states(trace, "redis-bundle") == ["disable", "enable", "restart-skipped"]
    enable = next(e for e in trace if e.kind == "task" and e.data.get("task") == "Enable the redis cluster resource"
                  and e.data.get("status") == "ok")
    assert (enable.subject, enable.data["phase"], enable.data["step"]) == \
        ("overcloud-controller-0", "upgrade_tasks", "5")
    # at the end every controller runs its redis replica
    replicas = {e.subject: e.data["state"] for e in trace
                if e.kind == "state.replica" and e.data.get("bundle") == "redis-bundle"}
    assert replicas == {f"overcloud-controller-{i}": "started" for i in range(3)}, replicas


def test_the_upstream_fix_of_the_restart_script_restarts_the_bundles_on_their_new_config(tmp_path: Path) -> None:
    unfixed = _run_with_target(_with_redis_enabled(_wallaby_copy(tmp_path / "unfixed")))
    stale = [v for v in unfixed.violations if v.invariant == "bundle-config-current"]
    assert sorted(v.subject for v in stale) == ["galera-bundle", "haproxy-bundle", "openstack-cinder-volume",
                                                 "rabbitmq-bundle", "redis-bundle"]
    assert all("stack_action is CREATE" in v.message for v in stale)
    assert "restart-begin" not in _states(unfixed.simulation.trace, "galera-bundle")

    result = _run_with_target(_with_restart_on_existing_resources(_with_redis_enabled(_wallaby_copy(tmp_path))))
    assert not result.failed and result.target.restart_gate == "resource-exists"
    assert not [v for v in result.violations if v.invariant in ("bundle-config-current", "services-restored")]
    trace = result.simulation.trace
    # the bundles existed before the wrapper's puppet ran: its bootstrap node restarts each globally at deploy step 2
    for bundle in ("galera-bundle", "rabbitmq-bundle", "haproxy-bundle", "redis-bundle"):
        assert _states(trace, bundle)[-2:] == ["restart-begin", "restart"], bundle
    restarts = [e for e in trace if e.kind == "state.pacemaker" and e.data["state"] == "restart-begin"
                and e.data["target"] == "galera-bundle"]
    task = next(e for e in trace if e.kind == "task" and e.subject == restarts[0].subject
                and e.data["start"] == pytest.approx(restarts[0].time) and "init bundle puppet" in e.data["task"])
    assert (task.subject, task.data["phase"], task.data["step"]) == \
        ("overcloud-controller-0", "deploy_steps_tasks", "2")
    # the restarts cost what they did before 14.3.0's gate was modelled: galera and rabbitmq lose quorum again
    lost = {e.subject for e in trace if e.kind == "quorum.lost" and e.time >= restarts[0].time}
    assert lost == {"galera", "rabbitmq"}


def test_the_upstream_fix_deletes_the_bundle_of_the_dropped_redis_service(tmp_path: Path) -> None:
    without_redis = tmp_path / "no-redis.yaml"
    without_redis.write_text("resource_registry:\n  OS::TripleO::Services::Redis: OS::Heat::None\n")
    unfixed = _run_with_target(_wallaby_copy(tmp_path / "unfixed"), (str(without_redis),))
    assert not unfixed.failed and "redis" not in unfixed.target.role("Controller").services
    orphaned = [v for v in unfixed.violations if v.invariant == "no-orphaned-resources"]
    assert [v.subject for v in orphaned] == ["redis-bundle"]
    assert "its replicas still run on overcloud-controller-0, overcloud-controller-1, overcloud-controller-2" in \
        orphaned[0].message
    assert "0e2b7a1d5" in orphaned[0].fix

    fixed = _run_with_target(_with_redis_deleted_when_dropped(_wallaby_copy(tmp_path / "fixed")),
                             (str(without_redis),))
    assert not fixed.failed
    assert not [v for v in fixed.violations if v.invariant in ("no-orphaned-resources", "services-restored")]
    trace = fixed.simulation.trace
    assert _states(trace, "redis-bundle") == ["deleted"]
    delete = next(e for e in trace if e.kind == "task" and e.data.get("task") == "Ensure redis is removed"
                  and e.data.get("status") != "skipped")
    assert (delete.data["phase"], delete.data["step"]) == ("upgrade_tasks", "5")
    replicas = {e.subject: e.data["state"] for e in trace
                if e.kind == "state.replica" and e.data.get("bundle") == "redis-bundle"}
    assert replicas == {f"overcloud-controller-{i}": "stopped" for i in range(3)}
    assert "redis-bundle" not in fixed.simulation.world.snapshot()["pacemaker"]["resources"]


def test_the_upstream_fix_upgrades_every_ovn_controller_before_the_ovn_databases(tmp_path: Path) -> None:
    result = _run_with_target(_with_ovn_controller_upgraded_ahead(_wallaby_copy(tmp_path)))
    assert not result.failed
    assert not [v for v in result.violations if v.invariant == "ovn-controller-first"]
    trace = list(result.simulation.trace)
    assert not [e for e in trace if e.kind.startswith("dataplane.")]
    nodes = sorted(n.name for r in result.target.roles for n in r.nodes)
    # each controller of the first batch launches the job on every node (the task has no run_once); the first
    # recreates each node's ovn_controller on Wallaby's image, at upgrade step 1 of the controllers' run
    launch = "Recreate ovn_controller with the new image on every OVN node"
    launches = [e for e in trace if e.kind == "task" and e.data["task"] == launch and e.data["status"] == "changed"]
    assert {(e.data["phase"], e.data["step"]) for e in launches} == {("upgrade_tasks", "1")}
    recreated = {e.subject: e.time for e in trace if e.kind == "state.containers"
                 and e.data["started"] == ["ovn_controller"] and e.data["release"] == "target"}
    assert sorted(recreated) == nodes
    controllers = next(p for p in result.simulation.phases if p.name.startswith("upgrade run --limit"))
    assert all(controllers.start < t < controllers.end for t in recreated.values())
    # the OVN DB bundle reaches Wallaby's build only after that
    replica = next(e for e in trace if e.kind == "state.replica" and e.data.get("bundle") == "ovn-dbs-bundle"
                   and e.data["state"] == "started" and e.time > controllers.start)
    assert replica.time > max(recreated.values())
    waits = [e for e in trace if e.kind == "task" and e.data["task"] == "Wait for ovn_controller on every OVN node"
             and e.data["status"] != "skipped"]
    # every job found on its node and ended (the module's result is canned: not `changed`)
    assert waits and all(e.data["status"] == "ok" for e in waits)
