"""The world model's API dependency graph, haproxy backends, pacemaker maintenance mode, schema releases and
config hashes; and the ``schema-ahead-of-code`` run invariant built on the schema windows."""

from __future__ import annotations

import dataclasses

import pytest

from fakes.ansible import ModuleCall
from fakes.ansible.effects import Effect, classify
from reports import render_summary
from simulator.core import Trace
from simulator.invariants import check_run
from simulator.run import api_outages, run_scenario
from simulator.scenario import load_scenario
from simulator.world import NodeState, World

CTL = ("keystone", "nova_api", "glance_api", "swift_proxy", "mysql", "haproxy", "oslo_messaging_rpc", "pacemaker")


def make_world() -> World:
    containers = {"keystone": True, "nova_api": True, "glance_api": True, "swift_proxy": True}
    nodes = [NodeState(f"ctl-{i}", "Controller", CTL, "source", containers=dict(containers),
                       images=dict.fromkeys(containers, "source")) for i in range(3)]
    return World(Trace(), nodes, pacemaker_nodes=[n.name for n in nodes],
                 bundles=["galera-bundle", "haproxy-bundle", "rabbitmq-bundle"])


def test_the_dependency_graph_is_networkx_and_per_api() -> None:
    w = make_world()
    graph = w.api_graph
    assert set(graph.successors("nova_api")) == {"galera", "rabbitmq", "keystone"}
    assert set(graph.successors("swift_proxy")) == {"keystone"}
    assert graph.nodes["galera"]["kind"] == "infra" and graph.nodes["keystone"]["kind"] == "api"


def test_an_api_is_down_when_what_it_needs_is_down_and_says_why() -> None:
    w = make_world()
    w.apply(Effect("ctl-0", "pacemaker", "rabbitmq-bundle", "disabled", "pacemaker_resource"), 1.0)
    # glance and swift do not need the message bus; nova does
    assert w.snapshot()["apis"] == {"keystone": True, "nova_api": False, "glance_api": True, "swift_proxy": True}
    assert [(e.subject, e.data["reason"]) for e in w.trace.select("api.down")] == [("nova_api", "rabbitmq stopped")]
    for i in range(3):  # keystone gone: everything that validates tokens goes with it
        w.apply(Effect(f"ctl-{i}", "container", "keystone", "stopped", "podman_container"), 2.0 + i)
    assert not any(w.snapshot()["apis"].values())
    reasons = {e.subject: e.data["reason"] for e in w.trace.select("api.down")}
    assert reasons == {"nova_api": "rabbitmq stopped", "keystone": "no backend", "glance_api": "keystone",
                       "swift_proxy": "keystone"}
    w.apply(Effect("ctl-0", "pacemaker", "galera-bundle", "disabled", "pacemaker_resource"), 9.0)
    assert w.api_states()["keystone"] == (False, "no backend")


def test_outages_carry_their_reason_into_the_summary() -> None:
    w = make_world()
    w.apply(Effect("ctl-0", "pacemaker", "cluster", "cluster-stopped", "shell"), 10.0)
    w.apply(Effect("ctl-1", "pacemaker", "cluster", "cluster-stopped", "shell"), 20.0)
    # both come back (galera, stopped on every member, bootstraps once all of them are back)
    w.apply(Effect("ctl-0", "pacemaker", "cluster", "cluster-started", "shell"), 50.0)
    w.apply(Effect("ctl-1", "pacemaker", "cluster", "cluster-started", "shell"), 50.0)
    w.apply(Effect("ctl-0", "pacemaker", "rabbitmq-bundle", "disabled", "pacemaker_resource"), 60.0)
    w.finish(100.0)
    outages = api_outages(w.trace, 100.0)
    assert [(o["api"], o["down"], o["up"], o["seconds"], o["reason"]) for o in outages if o["api"] == "nova_api"] \
        == [("nova_api", 20.0, 50.0, 30.0, "pacemaker quorum"), ("nova_api", 60.0, None, 40.0, "rabbitmq stopped")]
    summary = {"scenario": "s", "seed": 1, "kind": "upgrade", "source_release": "a", "target_release": "b",
               "phases": [], "simulated_seconds": 100.0, "host_tasks": 0, "trace_hash": "0" * 16,
               "api_downtime_seconds": dict(w.downtime), "api_outages": outages, "quorum_events": [],
               "failures": [], "violations": [], "result": "succeeded"}
    line = next(ln for ln in render_summary(summary).splitlines() if "API downtime" in ln)
    # each API's longest outage names the reason
    assert "nova_api 70s (rabbitmq stopped)" in line and "keystone 30s (pacemaker quorum)" in line


def test_haproxy_backends_follow_the_nodes_serving_each_api() -> None:
    w = make_world()
    w.apply(Effect("ctl-1", "container", "nova_api", "stopped", "podman_container"), 1.0)
    w.hold_down("ctl-2", "crash", 2.0, "crash")
    assert w.snapshot()["pacemaker"]["bootstrap"] == "ctl-0"
    snap = w.snapshot()["haproxy"]
    assert snap["vip"] is True
    assert snap["backends"]["nova_api"] == ["ctl-0"] and snap["backends"]["keystone"] == ["ctl-0", "ctl-1"]


def test_maintenance_mode_keeps_resources_as_they_were() -> None:
    call = ModuleCall("ctl-0", "ctl-0", "shell", "shell", {"_raw_params": "pcs property set maintenance-mode=true"},
                      "t", "t")
    [effect] = classify(call)
    assert (effect.kind, effect.target, effect.state) == ("pacemaker", "maintenance-mode", "true")
    w = make_world()
    w.apply(effect, 1.0)
    for i in range(3):
        w.apply(Effect(f"ctl-{i}", "pacemaker", "cluster", "cluster-stopped", "shell"), 2.0)
    assert not w.has_quorum() and w.snapshot()["maintenance_mode"] is True
    assert all(w.snapshot()["apis"].values())  # pacemaker stops nothing in maintenance mode
    w.apply(Effect("ctl-0", "pacemaker", "maintenance-mode", "false", "shell"), 5.0)
    assert not any(w.snapshot()["apis"].values())
    assert w.downtime_until(8.0)["nova_api"] == 3.0


def test_a_db_sync_moves_the_schema_and_old_api_code_opens_a_window() -> None:
    w = make_world()
    w.apply(Effect("ctl-0", "package", "*nova*", "latest", "shell"), 1.0)
    w.apply(Effect("ctl-0", "db_schema", "nova", "migrated", "shell"), 2.0)
    assert w.schema["nova"] == "target"
    [ahead] = w.trace.select("schema.ahead")
    assert ahead.subject == "nova" and ahead.data["nodes"] == ["ctl-0", "ctl-1", "ctl-2"]  # nothing restarted yet
    for i, t in enumerate((3.0, 4.0)):
        w.start_containers(f"ctl-{i}", ["nova_api"], "target", t)
    assert w.old_code_serving("nova") == ["ctl-2"]
    w.apply(Effect("ctl-2", "container", "nova_api", "stopped", "podman_container"), 5.0)
    assert [e.kind for e in w.trace.select("schema")] == ["schema.ahead", "schema.ahead", "schema.ahead",
                                                          "schema.aligned"]
    # an old node's db sync never takes the schema back
    w.apply(Effect("ctl-2", "db_schema", "nova", "migrated", "shell"), 6.0)
    assert w.schema["nova"] == "target"


def test_a_container_db_sync_migrates_at_its_image_release() -> None:
    w = make_world()
    w.start_containers("ctl-0", ["glance_api_db_sync"], "target", 1.0)
    assert w.schema["glance"] == "target" and w.schema["nova"] == "source"
    assert w.trace.select("state.schema")[0].data == {"release": "target", "node": "ctl-0"}


def test_a_changed_config_hash_restarts_a_container() -> None:
    w = make_world()
    w.start_containers("ctl-0", ["nova_api"], "target", 1.0, {"nova_api": "aaa"})
    w.start_containers("ctl-0", ["nova_api"], "target", 2.0, {"nova_api": "aaa"})
    w.start_containers("ctl-0", ["nova_api"], "target", 3.0, {"nova_api": "bbb"})
    assert [e.time for e in w.trace.select("state.containers")] == [1.0, 3.0]
    assert w.nodes["ctl-0"].configs["nova_api"] == "bbb"


@pytest.mark.integration
def test_one_controller_alone_leaves_old_api_code_on_a_migrated_schema() -> None:
    order = [["overcloud-controller-0"], ["overcloud-controller-1", "overcloud-controller-2"],
             ["overcloud-novacompute-0", "overcloud-novacompute-1"]]
    result = run_scenario(dataclasses.replace(load_scenario("train-to-wallaby"), order=order), seed=1)
    sim = result.simulation
    found = [v for v in check_run(sim.trace, sim.world.downtime, source_release="11.6.0", target_release="14.3.0")
             if v.invariant == "schema-ahead-of-code"]
    subjects = {v.subject for v in found}
    assert "nova:upgrade run --limit overcloud-controller-0" in subjects, subjects
    v = next(v for v in found if v.subject == "nova:upgrade run --limit overcloud-controller-0")
    assert "overcloud-controller-1, overcloud-controller-2 still serve its API" in v.message
    assert "schema migrated on overcloud-controller-0" in v.trace[0].what
    # the documented order (all controllers in one batch) closes every window within the batch
    default = run_scenario("train-to-wallaby", seed=1)
    assert not [v for v in default.violations if v.invariant == "schema-ahead-of-code"]
    assert default.simulation.world.schema["nova"] == "target"
