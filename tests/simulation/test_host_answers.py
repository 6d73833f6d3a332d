"""Queries a task makes of its host (``stat``, ``pcs resource config``, ``systemctl is-active``) are answered from
the run's model, so a ``when`` sees what the run did before it; every other result stays canned."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from fakes.ansible import Inventory, ModuleCall, Runner, canned_result, parse_playbook
from fakes.ansible.effects import Effect
from simulator.core import Trace
from simulator.run import plan_for, run_scenario
from simulator.scenario import load_scenario
from simulator.workflows.answers import HostAnswers, deployed_files, deployed_images
from simulator.world import NodeState, World

CONTROLLERS = ["controller-0", "controller-1", "controller-2"]
OVERCLOUD_CONTROLLERS = tuple(f"overcloud-{c}" for c in CONTROLLERS)


def _status_by_host(scenario: str, task: str) -> dict[str, str]:
    """The status of ``task`` on each host that ran it in the shipped ``scenario`` (seed 1)."""
    run = run_scenario(scenario, seed=1)
    return {e.subject: e.data["status"] for e in run.simulation.trace.select("task") if e.data["task"] == task}


def _world() -> World:
    nodes = [NodeState(n, "Controller", ("pacemaker", "mysql", "keystone"), "source",
                       containers={"keystone": True, "httpd": True, "nova_api": False}) for n in CONTROLLERS]
    nodes.append(NodeState("compute-0", "Compute", ("nova_compute",), "source", containers={"nova_compute": True}))
    return World(Trace(), nodes, pacemaker_nodes=CONTROLLERS, bundles=["galera-bundle", "rabbitmq-bundle"])


def _ask(answers: HostAnswers, host: str, action: str, **args: Any) -> dict[str, Any]:
    call = ModuleCall(host, host, action, f"ansible.builtin.{action}", args, "t", "t")
    result = canned_result(call)
    answers.answer(call, result)
    return result


def _shell(answers: HostAnswers, host: str, line: str) -> dict[str, Any]:
    return _ask(answers, host, "shell", _raw_params=line)


def test_stat_sees_the_files_this_run_created_and_removed() -> None:
    answers = HostAnswers(_world())
    flag = "/var/lib/tripleo/transfer-flags/var-lib-mysql"
    assert _ask(answers, "controller-0", "stat", path=flag)["stat"] == {"exists": False}
    _ask(answers, "controller-0", "file", path="/var/lib/tripleo/transfer-flags", state="directory")
    _ask(answers, "controller-0", "file", path=flag, state="touch")
    assert _ask(answers, "controller-0", "stat", path=flag)["stat"]["exists"] is True
    assert _ask(answers, "controller-0", "stat", path=flag)["stat"]["isreg"] is True
    assert _ask(answers, "controller-0", "stat", path="/var/lib/tripleo/")["stat"]["isdir"] is True  # a parent
    assert _ask(answers, "controller-1", "stat", path=flag)["stat"] == {"exists": False}  # another host
    _ask(answers, "controller-0", "file", path="/var/lib/tripleo", state="absent")  # removes what is under it
    assert _ask(answers, "controller-0", "stat", path=flag)["stat"] == {"exists": False}
    _ask(answers, "controller-0", "template", src="a.j2", dest="/etc/a.conf")
    _ask(answers, "controller-0", "lineinfile", path="/etc/b.conf", line="x")  # no create: the file is not made
    _ask(answers, "controller-0", "lineinfile", path="/etc/c.conf", line="x", create=True)
    held = {p: _ask(answers, "controller-0", "stat", path=p)["stat"]["exists"]
            for p in ("/etc/a.conf", "/etc/b.conf", "/etc/c.conf")}
    assert held == {"/etc/a.conf": True, "/etc/b.conf": False, "/etc/c.conf": True}


def test_pcs_resource_config_fails_where_pcs_would() -> None:
    world = _world()
    answers = HostAnswers(world)
    assert _shell(answers, "controller-0", "pcs resource config galera-bundle")["rc"] == 0
    assert _shell(answers, "controller-0", "/usr/sbin/pcs resource show galera")["rc"] == 0  # the OCF resource in it
    missing = _shell(answers, "controller-0", "pcs resource config ovn-dbs-bundle")  # not in this cluster
    assert (missing["rc"], missing["stderr"]) == (1, "Error: unable to find resource 'ovn-dbs-bundle'")
    assert _shell(answers, "compute-0", "pcs resource config galera-bundle")["rc"] == 1  # not a cluster member
    world.pcs_members.discard("controller-1")  # its cluster stopped
    assert _shell(answers, "controller-1", "pcs resource config galera-bundle")["stderr"] == "Error: unable to get cib"
    # what the model does not know, and pipelines (whose rc is the last command's), keep the canned result
    assert _shell(answers, "compute-0", "pcs resource config ip-192.168.24.10")["rc"] == 0
    piped = _shell(answers, "compute-0", "pcs resource config redis-bundle | grep -Eo 'image=[^ ]+'")
    assert (piped["rc"], piped["stdout"]) == (0, "")


def test_systemctl_is_active_reads_the_units_and_containers_of_the_host() -> None:
    world = _world()
    answers = HostAnswers(world)
    assert _shell(answers, "controller-0", "systemctl is-active --quiet httpd")["rc"] == 0
    inactive = _shell(answers, "controller-0", "systemctl is-active tripleo_nova_api.service")
    assert (inactive["rc"], inactive["stdout"]) == (3, "inactive")
    assert _shell(answers, "controller-0", "systemctl is-active pacemaker")["rc"] == 0
    world.pcs_members.discard("controller-0")
    assert _shell(answers, "controller-0", "systemctl is-active pacemaker")["rc"] == 3
    assert _shell(answers, "compute-0", "systemctl is-active chronyd")["rc"] == 0  # not modelled: canned
    world.hold_down("controller-2", "crash", 1.0, "crash")
    assert _shell(answers, "controller-2", "systemctl is-active httpd")["rc"] == 3


def test_queens_active_state_validation_reads_the_unit_of_the_host() -> None:
    world = _world()
    answers = HostAnswers(world)
    check = "/usr/bin/systemctl show '{}' --property ActiveState | grep '\\bactive\\b'"
    assert _shell(answers, "controller-0", check.format("httpd"))["stdout"] == "ActiveState=active"
    stopped = _shell(answers, "controller-0", check.format("nova_api"))
    assert (stopped["rc"], stopped["stdout"]) == (1, "")
    assert _shell(answers, "compute-0", check.format("openstack-ceilometer-compute"))["rc"] == 0  # canned
    world.hold_down("controller-1", "crash", 1.0, "crash")
    assert _shell(answers, "controller-1", check.format("httpd"))["rc"] == 1


def test_hosts_that_answer_differently_take_different_branches_under_the_task_memo() -> None:
    # the memo replays a task only where the effects callback returns the same results: a host whose answer
    # differs runs the task itself (here, the one controller whose httpd is stopped skips the stop)
    world = _world()
    world.nodes["controller-1"].containers["httpd"] = False
    answers = HostAnswers(world)

    def effects(call: ModuleCall) -> dict[str, Any]:
        result = canned_result(call)
        answers.answer(call, result)
        return result

    tasks = [{"name": "Check if httpd is running", "command": "systemctl is-active --quiet httpd",
              "register": "httpd_running", "ignore_errors": True},
             {"name": "Stop httpd", "service": {"name": "httpd", "state": "stopped"},
              "when": "httpd_running.rc == 0"}]
    runs = []
    for memo in (True, False):
        runner = Runner(Inventory.from_groups({"Controller": CONTROLLERS}), memo=memo, effects=effects)
        result = runner.run(parse_playbook([{"hosts": "Controller", "tasks": tasks}]))
        runs.append(sorted((r.host, r.task_name, r.status) for r in result.records))
    assert runs[0] == runs[1]
    stop = {host: status for host, task, status in runs[0] if task == "Stop httpd"}
    assert stop == {"controller-0": "ok", "controller-1": "skipped", "controller-2": "ok"}


@pytest.mark.integration
def test_pike_skips_stopping_httpd_apps_once_cinder_stopped_httpd() -> None:
    # Pike's containerization: cinder_api's step-1 task stops httpd (every WSGI app in it); from step 2 on the
    # `systemctl is-active --quiet httpd` checks (tag common, re-run in each step's run) find it inactive, so the
    # other services' "running under httpd" stops are skipped, as on a real controller
    run = run_scenario("ocata-to-pike", seed=1)
    tasks = [e for e in run.simulation.trace.select("task") if e.subject == "overcloud-controller-0"]
    stopped = next(e for e in tasks if e.data["task"] == "Stop cinder_api service (running under httpd)")
    assert (stopped.data["step"], stopped.data["status"]) == ("1", "ok")
    checks = {e.data["step"]: e.data["status"] for e in tasks if e.data["task"] == "Check if httpd is running"}
    assert checks["1"] == "changed" and checks["2"] == "failed"  # ignore_errors: the run goes on
    keystone = next(e for e in tasks if e.data["task"] == "Stop and disable keystone service (running under httpd)")
    assert (keystone.data["step"], keystone.data["status"]) == ("2", "skipped")
    assert not run.simulation.failures


@pytest.mark.integration
def test_train_leaves_a_bundle_the_source_cluster_does_not_have() -> None:
    # Queens' default layout has no OVN: Train's ovn-dbs upgrade tasks find no ovn-dbs-bundle (`pcs resource
    # config` fails) and skip updating it; the bundle is created later by its init-bundle container. (Without the
    # leapp upgrade: its data transfer stops the whole cluster first, and then every such check fails.)
    scenario = dataclasses.replace(load_scenario("queens-to-train-ffu"), system_upgrade=False)
    run = run_scenario(scenario, seed=1)
    ran = {e.data["task"]: e.data["status"] for e in run.simulation.trace.select("task")
           if e.subject == "overcloud-controller-0" and e.data["phase"] == "upgrade_tasks"}
    assert ran["Disable the ovn-dbs-bundle cluster resource before container upgrade"] == "skipped"
    assert ran["Disable the galera cluster resource before container upgrade"] == "ok"


def test_a_second_data_transfer_is_refused_by_the_flag_the_first_left() -> None:
    # tripleo-transfer (Train's leapp data transfer) creates its flag file on the destination and refuses to run
    # where the flag exists: with `stat` answered from the run's files the guard works as on real nodes
    answers = HostAnswers(_world())

    def effects(call: ModuleCall) -> dict[str, Any]:
        result = canned_result(call)
        answers.answer(call, result)
        return result

    transfer = {"name": "Transfer mysql data", "include_role": {"name": "tripleo-transfer"},
                "vars": {"tripleo_transfer_src_dir": "/var/lib/mysql", "tripleo_transfer_src_host": "controller-1",
                         "tripleo_transfer_dest_dir": "/var/lib/mysql", "tripleo_transfer_dest_host": "controller-0",
                         "tripleo_transfer_flag_file": "/var/lib/tripleo/transfer-flags/var-lib-mysql"}}
    inventory = Inventory.from_groups({"Controller": CONTROLLERS, "Undercloud": ["undercloud"]})
    outcomes = []
    for _ in range(2):
        runner = Runner(inventory, effects=effects)
        result = runner.run(parse_playbook([{"hosts": "undercloud", "tasks": [transfer]}]))
        outcomes.append({r.task_name: (r.status, r.error or r.result.get("msg", "")) for r in result.records})
    sync = "tripleo-transfer : synchronize both directories"
    assert outcomes[0][sync][0] == "ok"
    assert answers.exists("controller-0", "/var/lib/tripleo/transfer-flags/var-lib-mysql") == (True, False)
    status, message = outcomes[1]["tripleo-transfer : fail if flag file exists"]
    assert status == "failed" and "prevented by flag file existence" in str(message)
    assert sync not in outcomes[1]


def test_the_image_a_bundle_runs_follows_bundle_updates_and_the_target_release_puppet() -> None:
    # `pcs resource config <bundle> | grep -Eo 'image=[^ ]+' | awk ...` is how THT learns the image a bundle runs:
    # the source release's pcmklatest name, until a task updates the bundle or the target's puppet recreates it
    world = _world()
    answers = HostAnswers(world, {"galera-bundle": "cluster.common.tag/centos-binary-mysql:pcmklatest"},
                          {"galera-bundle": "cluster.common.tag/mariadb:pcmklatest"})
    query = "pcs resource config galera-bundle | grep -Eo 'image=[^ ]+' | awk -F= '{print $2;}'"
    assert _shell(answers, "controller-0", query)["stdout"] == "cluster.common.tag/centos-binary-mysql:pcmklatest"
    _shell(answers, "controller-0", "pcs resource bundle update galera-bundle container image=quay.io/x/mariadb:1")
    assert _shell(answers, "controller-1", query)["stdout"] == "quay.io/x/mariadb:1"  # the cluster's, not a node's
    _ask(answers, "controller-0", "sim_tripleo_ha_wrapper", bundle="galera-bundle")
    assert _shell(answers, "controller-2", query)["stdout_lines"] == ["cluster.common.tag/mariadb:pcmklatest"]
    world.pcs_members.discard("controller-2")  # pcs fails where the cluster does not run: grep finds nothing
    assert _shell(answers, "controller-2", query)["stdout"] == ""


def test_bundle_images_reads_the_pcmklatest_facts_of_a_plans_tasks() -> None:
    from simulator.workflows.answers import bundle_images

    bodies = [{"block": [{"set_fact": {"galera_image_latest": "cluster.common.tag/mariadb:pcmklatest",
                                       "galera_image_current": "{{ galera_image_current_res.stdout }}"}}]},
              {"set_fact": {"redis_docker_image_latest": "docker.io/tripleoqueens/centos-binary-redis:pcmklatest"}},
              {"vars": {"container_image_latest": "{{ galera_image_latest }}"}}]
    assert bundle_images(bodies) == {"galera-bundle": "cluster.common.tag/mariadb:pcmklatest",
                                     "redis-bundle": "docker.io/tripleoqueens/centos-binary-redis:pcmklatest"}


def test_image_prepare_names_images_as_each_release_default_does() -> None:
    from fakes.heat.stack import image_prepare_defaults

    assert image_prepare_defaults("11.6.0") == ("docker.io/tripleotrain", "centos-binary-")
    assert image_prepare_defaults("14.3.0") == ("quay.io/tripleowallaby", "openstack-")
    assert image_prepare_defaults("local") == ("quay.io/tripleomaster", "openstack-")


@pytest.mark.integration
def test_wallaby_swaps_the_bundle_images_whose_pcmklatest_name_changed() -> None:
    # Train's pcmklatest names come from its images (cluster.common.tag/centos-binary-<name>); Wallaby's are fixed
    # (ClusterFullTag: cluster.common.tag/<name>): each bundle's upgrade block tags the running image with the new
    # name, then disables the bundle (or its resource) to update it
    run = run_scenario("train-to-wallaby", seed=1)
    tasks = [e for e in run.simulation.trace.select("task")
             if e.subject == "overcloud-controller-0" and e.data["phase"] == "upgrade_tasks"]
    tagged = [e for e in tasks if e.data["task"] == "tripleo_container_tag : Pull and tag image"
              and e.data["status"] != "skipped" and e.data["step"] == "0"]
    assert len(tagged) == 6  # cinder-volume, haproxy, galera, ovn-dbs, rabbitmq, redis: current != latest
    ran = {e.data["task"]: e.data["status"] for e in tasks}
    for bundle in ("galera", "redis", "rabbitmq", "haproxy"):
        assert ran[f"Update the {bundle} bundle to use the new container image name"] == "changed"


def test_podman_container_exists_reads_the_host_and_the_removals_of_this_run() -> None:
    world = _world()
    answers = HostAnswers(world)
    assert _shell(answers, "controller-0", "podman container exists keystone")["rc"] == 0
    assert _shell(answers, "controller-0", "podman container exists nova_api")["rc"] == 0  # stopped, still there
    assert _shell(answers, "controller-0", "podman container exists mysql")["rc"] == 1  # never on this host
    _ask(answers, "controller-0", "sim_tripleo_container_rm", containers=["nova_api"])
    assert _shell(answers, "controller-0", "podman container exists nova_api")["rc"] == 1
    _shell(answers, "controller-1", "podman rm -f nova_api")
    assert _shell(answers, "controller-1", "docker container exists nova_api")["rc"] == 1
    world.nodes["controller-1"].containers["nova_api"] = True  # started again by a later deploy step
    assert _shell(answers, "controller-1", "podman container exists nova_api")["rc"] == 0


@pytest.mark.integration
def test_an_ha_controller_has_no_non_ha_mysql_container_to_tear_down() -> None:
    # Wallaby's "Tear-down non-HA mysql container" asks `podman container exists mysql`: on Train's HA controllers
    # galera runs in its bundle, so the clustercheck user is not created through a `mysql` container
    assert _status_by_host("train-to-wallaby", "Create clustercheck user and permissions") == dict.fromkeys(
        OVERCLOUD_CONTROLLERS, "skipped")


def test_image_ids_follow_the_deployed_images_pulls_and_tags_of_the_host() -> None:
    latest = "cluster.common.tag/mariadb:pcmklatest"
    image = "quay.io/tripleowallaby/openstack-mariadb:current-tripleo"
    answers = HostAnswers(_world(), deployed_images={"controller-0": {image, latest}})

    def image_id(host: str, name: str, cli: str = "podman") -> dict[str, Any]:
        return _shell(answers, host, f"{cli} inspect --format '{{{{.Id}}}}' {name}")

    before = image_id("controller-0", latest)["stdout"]
    assert before.startswith("sha256:") and before != image_id("controller-0", image)["stdout"]  # two builds
    missing = image_id("controller-1", image)  # another host holds nothing
    assert (missing["rc"], missing["stdout"], missing["stderr"]) == (125, "", f'Error: no such object: "{image}"')
    _shell(answers, "controller-0", f"podman pull {image}")  # an update pulls a new build under the same name
    pulled = image_id("controller-0", image, "docker")["stdout"]
    assert pulled not in ("", before, answers.image_id("controller-1", image) or "")
    _shell(answers, "controller-0", f"podman pull {image}")  # pulling it again in the same run: the same build
    assert image_id("controller-0", image)["stdout"] == pulled
    assert image_id("controller-0", latest)["stdout"] == before  # the tag still names the old build
    _ask(answers, "controller-0", "sim_tripleo_container_tag", image=image, latest=latest, pull=True)
    assert image_id("controller-0", latest)["stdout"] == pulled
    _shell(answers, "controller-1", f"podman tag {image} {latest}")  # tagging an image the host lacks: no change
    assert image_id("controller-1", latest)["rc"] == 125
    _ask(answers, "controller-1", "podman_image", name=image)
    _ask(answers, "controller-1", "sim_tripleo_container_tag", image=image, latest="x:pcmklatest", pull=False)
    assert image_id("controller-1", "x:pcmklatest")["stdout"] == answers.image_id("controller-1", image)


@pytest.mark.integration
def test_the_pcmklatest_tag_moves_to_the_new_build_in_updates_and_upgrades() -> None:
    # THT compares the id pcmklatest names with the id of the image it just pulled, and retags pcmklatest when they
    # differ: in a minor update (a new build under the same name) and in an upgrade (a new release's image)
    for name, phase, step in (("update-18", "update_tasks", "2"), ("train-to-wallaby", "upgrade_tasks", "3")):
        run = run_scenario(name, seed=1)
        retags = {e.data["task"]: e.data["status"] for e in run.simulation.trace.select("task")
                  if e.subject == "overcloud-controller-1" and e.data["phase"] == phase and e.data["step"] == step
                  and e.data["task"].startswith("Retag pcmklatest to latest")}
        assert retags and set(retags.values()) == {"ok"}, (name, retags)
        assert not run.simulation.failures


def test_deployed_images_are_the_role_images_and_its_bundles_pcmklatest_names() -> None:
    scenario = load_scenario("composable-db-networker")
    plan = plan_for(scenario.source, scenario)
    held = deployed_images(plan, {"galera-bundle": "galera:pcmklatest", "haproxy-bundle": "haproxy:pcmklatest"})
    roles = {r.name: r for r in plan.roles}
    database, compute = roles["Database"].nodes[0].name, roles["Compute"].nodes[0].name
    assert "galera:pcmklatest" in held[database] and "galera:pcmklatest" not in held[compute]
    assert any("nova-compute" in name for name in held[compute])


@pytest.mark.integration
def test_a_service_deployed_without_pacemaker_has_no_bundle() -> None:
    # 18.0.0's default OVN DBs run as plain containers (deployment/ovn/ovn-dbs-cluster-ansible.yaml): the cluster
    # has no ovn-dbs-bundle, so nothing expects one to run at the end of the deploy
    run = run_scenario(dataclasses.replace(load_scenario("deploy-3-100"), nodes={"Controller": 3, "Compute": 1}),
                       seed=1)
    sim = run.simulation
    assert "ovn-dbs-bundle" not in sim.world.pcs_resources
    assert {"galera-bundle", "haproxy-bundle", "rabbitmq-bundle"} <= sim.world.pcs_resources.keys()
    assert sim.left_stopped() == [] and not sim.failures


def test_package_update_checks_see_newer_builds_until_this_run_updates_them() -> None:
    answers = HostAnswers(_world())
    piped = "yum check-upgrade | awk '/os-net-config/{print}'"
    assert _shell(answers, "compute-0", piped)["stdout"] == ""  # a deploy: the repositories hold nothing newer
    answers.updates_published = True  # an update or upgrade
    found = _shell(answers, "compute-0", piped)
    assert (found["rc"], found["stdout"]) == (0, "os-net-config.noarch  (newer build)  updates")  # awk's rc
    whole = _shell(answers, "compute-0", "yum check-update docker")
    assert (whole["rc"], whole["stdout_lines"]) == (100, ["docker.noarch  (newer build)  updates"])
    _ask(answers, "compute-0", "package", name="os-net-config", state="latest")
    assert _shell(answers, "compute-0", piped)["stdout"] == ""
    assert _shell(answers, "compute-0", "yum check-update docker")["rc"] == 100  # another package: still newer
    _shell(answers, "compute-0", "yum -y update openstack-nova*")
    assert not answers.update_pending("compute-0", "openstack-nova-api")
    assert answers.update_pending("compute-0", "openstack-cinder")
    _ask(answers, "compute-0", "dnf", name="*", state="latest")
    assert _shell(answers, "compute-0", "dnf check-update")["rc"] == 0
    assert _shell(answers, "controller-0", "dnf check-update")["rc"] == 100  # another host


def test_a_deployed_node_holds_its_network_config_and_its_containers_configuration() -> None:
    scenario = load_scenario("train-to-wallaby")
    plan = plan_for(scenario.source, scenario)
    held = deployed_files(plan)["overcloud-controller-0"]
    assert held["/etc/os-net-config/config.json"] is False  # a file
    assert held["/var/lib/config-data/puppet-generated/keystone"] is True  # a directory keystone mounts
    assert held["/var/lib/kolla/config_files/keystone.json"] is False
    answers = HostAnswers(_world(), deployed_files={"controller-0": held})
    stat = _ask(answers, "controller-0", "stat", path="/var/lib/config-data/puppet-generated/keystone/")["stat"]
    assert (stat["exists"], stat["isdir"]) == (True, True)
    _ask(answers, "controller-0", "file", path="/var/lib/config-data/puppet-generated", state="absent")
    assert _ask(answers, "controller-0", "stat", path="/etc/os-net-config/config.json")["stat"]["exists"] is True
    assert _ask(answers, "controller-0", "stat",
                path="/var/lib/config-data/puppet-generated/keystone")["stat"] == {"exists": False}


def test_pgrep_ceph_osd_and_container_filters_read_the_host() -> None:
    world = _world()
    world.nodes["compute-0"].services = ("nova_compute", "ceph_osd")  # a hyperconverged compute
    answers = HostAnswers(world)
    assert _shell(answers, "controller-0", "pgrep -x ceph-osd")["rc"] == 1
    assert _shell(answers, "compute-0", "pgrep -x ceph-osd")["rc"] == 0
    galera = _shell(answers, "controller-0", "podman ps -q --filter name=galera-bundle")
    assert galera["rc"] == 0 and len(galera["stdout_lines"]) == 1 and len(galera["stdout"]) == 12
    assert galera["stdout"] != _shell(answers, "controller-1", "podman ps -q --filter name=galera-bundle")["stdout"]
    assert _shell(answers, "compute-0", "podman ps -q --filter name=galera-bundle")["stdout"] == ""  # no replica
    assert len(_shell(answers, "controller-0", "docker ps -q --filter name=keystone")["stdout_lines"]) == 1
    assert _shell(answers, "controller-0", "podman ps -q --filter name=nova_api")["stdout"] == ""  # stopped
    world.apply(Effect("controller-0", "pacemaker", "galera-bundle", "disabled", "pcs"), 1.0)
    assert _shell(answers, "controller-0", "podman ps -q --filter name=galera-bundle")["stdout"] == ""


@pytest.mark.integration
def test_an_update_refreshes_the_credentials_in_the_running_galera_container() -> None:
    # 18.0.0's deploy step 3 finds the galera bundle's container (`podman ps -q --filter name=galera-bundle`) and
    # copies the new .my.cnf into it; the canned empty answer used to skip it on every controller
    assert _status_by_host("update-18", "Update credentials in the container") == dict.fromkeys(
        OVERCLOUD_CONTROLLERS, "changed")
