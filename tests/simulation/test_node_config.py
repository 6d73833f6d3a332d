"""What a node holds besides its containers' running state (issue 6's world model): each container's image
(name:tag) and Kolla config file, and the node's hieradata, written when the run's playbooks write them."""

from __future__ import annotations

import pytest

from fakes.ansible.effects import Effect
from simulator.core import Trace
from simulator.run import run_scenario
from simulator.workflows.containers import hiera_hash, kolla_hashes
from simulator.world import NodeState, World


def test_write_config_records_what_changed_and_containers_keep_their_image() -> None:
    w = World(Trace(), [NodeState("ctl-0", "Controller", ("keystone",), "source", containers={"keystone": True},
                                  kolla={"keystone": "k1"}, hiera="h1")])
    w.write_config("ctl-0", 5.0, hiera="h1", kolla={"keystone": "k1"})  # nothing changed: no event
    w.write_config("ctl-0", 6.0, hiera="h2")
    w.write_config("ctl-0", 7.0, kolla={"keystone": "k2", "keystone_cron": "k3"})
    assert [(e.time, dict(e.data)) for e in w.trace.select("state.config")] == [
        (6.0, {"hiera": "h2"}), (7.0, {"kolla": ["keystone", "keystone_cron"]})]
    w.apply(Effect("ctl-0", "container", "keystone", "stopped", "podman_container"), 8.0)
    w.start_containers("ctl-0", ["keystone"], "target", 9.0, {"keystone": "c"}, {"keystone": "quay.io/k:new"})
    node = w.snapshot()["nodes"]["ctl-0"]
    assert node["hiera"] == "h2"
    assert node["containers"]["keystone"] == {"running": True, "release": "target", "image": "quay.io/k:new",
                                              "kolla": "k2"}


@pytest.fixture(scope="module")
def upgrade():  # type: ignore[no-untyped-def]
    return run_scenario("train-to-wallaby", seed=1)


def test_the_plan_carries_each_roles_kolla_config_and_hieradata(upgrade) -> None:  # type: ignore[no-untyped-def]
    role = next(r for r in upgrade.target.roles if r.name == "Controller")
    kolla = role.kolla_config["/var/lib/kolla/config_files/keystone.json"]
    assert kolla["command"] == "/usr/sbin/httpd"  # Wallaby's keystone runs under httpd in its container
    assert any(k.startswith("keystone::") for k in role.config_settings)
    assert kolla_hashes(role)["keystone"] != kolla_hashes(role)["keystone_cron"]  # each reads its own file


def test_an_upgrade_run_writes_the_targets_hieradata_then_kolla_config_then_starts_its_images(upgrade) -> None:  # type: ignore[no-untyped-def]
    sim = upgrade.simulation
    source = {r.name: r for r in upgrade.source.roles}
    target = {r.name: r for r in upgrade.target.roles}
    assert hiera_hash(source["Controller"]) != hiera_hash(target["Controller"])
    run = next(p for p in sim.phases if p.name.startswith("upgrade run --limit overcloud-controller-0"))
    written = [e for e in sim.trace.select("state.config", "overcloud-controller-0")]
    # the run writes the target's hieradata, then the Kolla files; the converge its own plan's hieradata (its
    # environment resets UpgradeLevelNovaCompute), with the Kolla files unchanged
    assert [set(e.data) for e in written] == [{"hiera"}, {"kolla"}, {"hiera"}]
    hiera, kolla, converged = written
    converge = next(p for p in sim.phases if p.name == "upgrade converge")
    assert converge.start <= converged.time <= converge.end
    assert converged.data["hiera"] == hiera_hash(sim.converge_plan.role("Controller")) != hiera.data["hiera"]
    assert hiera.time == run.start and hiera.data["hiera"] == hiera_hash(target["Controller"])
    first_upgrade_task = min(e.data["start"] for e in sim.trace.select("task", "overcloud-controller-0")
                             if e.data["phase"] == "upgrade_tasks")
    assert hiera.time <= first_upgrade_task + 1e-6  # task starts are rounded to the microsecond
    started = next(e for e in sim.trace.select("state.containers", "overcloud-controller-0")
                   if e.time > run.start and e.data.get("started"))
    assert run.start < kolla.time <= started.time < run.end
    node = sim.world.nodes["overcloud-controller-0"]
    assert node.image_refs["keystone"] == target["Controller"].images()["keystone"]
    assert node.image_refs["keystone"].startswith("quay.io/tripleowallaby/")
    assert node.kolla["keystone"] == kolla_hashes(target["Controller"])["keystone"]
    compute = sim.world.nodes["overcloud-novacompute-0"]
    assert compute.hiera == hiera_hash(sim.converge_plan.role("Compute"))


def test_a_deployed_node_starts_empty() -> None:
    import dataclasses

    from simulator.scenario import load_scenario

    scenario = dataclasses.replace(load_scenario("deploy-3-100"), nodes={"Controller": 1, "Compute": 1})
    run = run_scenario(scenario, seed=1)
    sim = run.simulation
    role = next(r for r in run.target.roles if r.name == "Compute")
    first = next(e for e in sim.trace.select("state.config", "overcloud-novacompute-0"))
    assert first.data["hiera"] == hiera_hash(role)  # written by the deploy: the node had none
    node = sim.world.nodes["overcloud-novacompute-0"]
    assert node.image_refs["nova_compute"] == role.images()["nova_compute"]


def test_every_node_upgrades_os_net_config_and_applies_its_network_config(upgrade) -> None:  # type: ignore[no-untyped-def]
    # THT's tripleo-packages upgrade step 3 updates os-net-config where the repositories hold a newer build (`yum
    # check-upgrade`) and the node has a network configuration (`stat /etc/os-net-config/config.json`, written when
    # it was deployed), then applies it: both hold on every upgraded node
    sim = upgrade.simulation
    ran = {(e.subject, e.data["task"]): e.data["status"] for e in sim.trace.select("task")
           if e.data["phase"] == "upgrade_tasks" and e.data["step"] == "3"}
    for node in sim.world.nodes:
        assert ran[(node, "Upgrade os-net-config")] == "ok"
        assert ran[(node, "take new os-net-config parameters into account now")] == "ok"
