"""Availability invariants over the simulated Train -> Wallaby upgrade: upgrading the three controllers in one
--limit batch stops pacemaker on all of them (Wallaby's upgrade step 2), which the invariants report with the
tasks that caused it; a synthetic trace within budget reports nothing."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.core import Fault, Trace
from simulator.invariants import check_run
from simulator.run import run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration


def test_all_controllers_at_once_breaks_the_downtime_budget_and_quorum() -> None:
    result = run_scenario("train-to-wallaby", seed=1)
    violations = check_run(result.simulation.trace, result.simulation.world.downtime)
    kinds = {(v.invariant, v.subject) for v in violations}
    assert ("quorum-kept", "pacemaker") in kinds
    assert ("api-downtime-budget", "keystone") in kinds
    assert ("quorum-kept", "rabbitmq") in kinds  # Wallaby disables the rabbitmq bundle at step 1 to swap its image
    quorum = next(v for v in violations if v.invariant == "quorum-kept" and v.subject == "pacemaker")
    assert {t.task for t in quorum.trace} == {"Stop pacemaker cluster"}
    assert {t.step for t in quorum.trace} == {"2"}
    assert "fewer than half" in quorum.render()


def test_a_run_within_budget_has_no_violation() -> None:
    trace = Trace()
    trace.record(10.0, "api.down", "keystone")
    trace.record(40.0, "api.up", "keystone")
    assert check_run(trace, {"keystone": 30.0}) == []
    assert check_run(trace, {"keystone": 30.0}, downtime_budget_s=20.0)[0].invariant == "api-downtime-budget"


def _task(trace: Trace, host: str, key: str, step: str, start: float, end: float) -> None:
    trace.record(end, "task", host, task=f"{key} {step}", phase=key, step=step, status="ok", start=start)


def test_a_step_started_before_another_host_finished_the_previous_breaks_the_barrier() -> None:
    trace = Trace()
    trace.record(0.0, "phase.start", "upgrade run --limit c0:c1")
    _task(trace, "c0", "upgrade_tasks", "1", 0.0, 10.0)
    _task(trace, "c0", "upgrade_tasks", "2", 10.0, 15.0)  # c1 is still in step 1 until t=30
    _task(trace, "c1", "upgrade_tasks", "1", 0.0, 30.0)
    _task(trace, "c1", "upgrade_tasks", "2", 30.0, 35.0)
    trace.record(35.0, "phase.end", "upgrade run --limit c0:c1")
    violations = check_run(trace, {})
    assert [(v.invariant, v.subject) for v in violations] == [("step-barrier", "upgrade_tasks:2")]
    message = violations[0].message
    assert "c0 started upgrade_tasks step 2 at t=10s while c1 was still in upgrade_tasks step 1" in message


def test_a_host_returning_to_an_earlier_step_runs_backwards() -> None:
    trace = Trace()
    trace.record(0.0, "phase.start", "deploy")
    _task(trace, "c0", "deploy_steps_tasks", "1", 0.0, 5.0)
    _task(trace, "c0", "deploy_steps_tasks", "2", 5.0, 9.0)
    _task(trace, "c0", "deploy_steps_tasks", "1", 9.0, 12.0)
    trace.record(12.0, "phase.end", "deploy")
    kinds = {(v.invariant, v.subject) for v in check_run(trace, {})}
    assert ("steps-never-backwards", "c0:deploy_steps_tasks:1") in kinds


def test_shipped_scenarios_keep_step_order_and_the_default_order_leaves_no_unsupported_mix() -> None:
    result = run_scenario("train-to-wallaby", seed=1)
    violations = check_run(result.simulation.trace, result.simulation.world.downtime,
                           source_release=result.source.release, target_release=result.target.release)
    names = {v.invariant for v in violations}
    assert not names & {"steps-never-backwards", "step-barrier", "mixed-version-window"}
    # controllers first leaves nova mixed (computes on Train, control plane on Wallaby): the supported direction
    windows = [e for e in result.simulation.trace if e.kind == "version.mixed" and e.subject == "nova"]
    assert any(not e.data["source_control"] and not e.data["target_data"] for e in windows)


@pytest.mark.parametrize(
    ("order", "left_mixed"),
    [
        # a compute before the controllers: the data plane ahead of the control plane
        ([["overcloud-novacompute-0"], ["overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2"],
          ["overcloud-novacompute-1"]], "nova"),
        # one controller alone across a three-release jump: the control plane split between Train and Wallaby
        ([["overcloud-controller-0"], ["overcloud-controller-1", "overcloud-controller-2"],
          ["overcloud-novacompute-0", "overcloud-novacompute-1"]], "keystone"),
    ],
)
def test_an_order_that_leaves_an_unsupported_mix_is_reported(order: list[list[str]], left_mixed: str) -> None:
    scenario = dataclasses.replace(load_scenario("train-to-wallaby"), order=order)
    result = run_scenario(scenario, seed=1)
    violations = [v for v in check_run(result.simulation.trace, result.simulation.world.downtime,
                                       source_release=result.source.release, target_release=result.target.release)
                  if v.invariant == "mixed-version-window"]
    assert any(v.subject.startswith(f"{left_mixed}:upgrade run --limit {order[0][0]}") for v in violations), [
        v.subject for v in violations]
    v = next(v for v in violations if v.subject.startswith(left_mixed))
    assert "11.6.0 -> 14.3.0: 3 releases apart" in v.message


def test_a_service_stopped_and_never_restarted_is_reported_with_the_task() -> None:
    trace = Trace()
    trace.record(100.0, "task", "ctl-0", task="Stop nova_api", phase="upgrade_tasks", step="2", status="ok")
    trace.record(100.0, "state.service", "ctl-0", target="tripleo_nova_api.service", state="stopped")
    trace.record(150.0, "task", "ctl-0", task="Disable redis", phase="upgrade_tasks", step="1", status="ok")
    trace.record(150.0, "state.pacemaker", "ctl-0", target="redis-bundle", state="disable")
    left = [("ctl-0", "nova_api"), ("pacemaker", "redis-bundle"), ("ctl-1", "nova_api")]
    found = [v for v in check_run(trace, {}, left_stopped=left) if v.invariant == "services-restored"]
    assert [v.subject for v in found] == ["ctl-0:nova_api", "pacemaker:redis-bundle", "ctl-1:nova_api"]
    assert "stopped at t=100s on ctl-0 by 'Stop nova_api' (upgrade_tasks step 2)" in found[0].message
    assert found[1].message.startswith("pacemaker resource redis-bundle was disabled at t=150s")
    assert [t.task for t in found[1].trace] == ["Disable redis"]
    assert "not running at the end" in found[2].message and not found[2].trace  # ctl-1's was never started
    assert not [v for v in check_run(trace, {}) if v.invariant == "services-restored"]


def test_the_run_invariants_check_what_the_target_layout_runs_at_the_end() -> None:
    # Wallaby's redis upgrade tasks disable redis-bundle to swap its image (the simulated `pcs resource config`
    # shows no image, so the swap runs) and, unlike galera's, rabbitmq's and haproxy's, never enable it again
    result = run_scenario("train-to-wallaby", seed=1)
    assert result.simulation.left_stopped() == [("pacemaker", "redis-bundle")]
    restored = [v for v in result.violations if v.invariant == "services-restored"]
    assert [v.subject for v in restored] == ["pacemaker:redis-bundle"]
    assert "'Disable the redis cluster resource before container upgrade' (upgrade_tasks step 1)" in \
        restored[0].message
    assert run_scenario("update-18", seed=1).simulation.left_stopped() == []
    # a run that failed part-way leaves services down by design: the run-succeeds failure says so, not this
    crashed = dataclasses.replace(load_scenario("train-to-wallaby"),
                                  faults=(Fault(3000.0, "overcloud-controller-1", "node_crash"),))
    failed = run_scenario(crashed, seed=1)
    assert failed.failed and failed.simulation.left_stopped() == []


def test_a_restart_is_blamed_on_the_task_that_started_it_and_the_budget_on_the_longest_outage() -> None:
    # a global bundle restart takes its replicas down when its task starts: the violation names that task, not the
    # one that happened to end then; the downtime budget names the causes of the API's longest outage
    trace = Trace()
    trace.record(5.0, "api.down", "keystone", reason="VIP moving")
    trace.record(8.0, "api.up", "keystone")
    trace.record(100.0, "task", "c0", task="Push script", phase="deploy_steps_tasks", step="2", status="ok",
                 start=90.0)
    trace.record(100.0, "state.pacemaker", "c0", target="galera-bundle", state="restart-begin")
    trace.record(100.0, "quorum.lost", "galera", online=[])
    trace.record(100.0, "api.down", "keystone", reason="galera stopped")
    trace.record(150.0, "task", "c0", task="tripleo_ha_wrapper : restart", phase="deploy_steps_tasks", step="2",
                 status="ok", start=100.0)
    trace.record(150.0, "state.pacemaker", "c0", target="galera-bundle", state="restart")
    trace.record(150.0, "quorum.regained", "galera", online=["c0"])
    trace.record(150.0, "api.up", "keystone")
    found = {v.invariant: v for v in check_run(trace, {"keystone": 53.0}, downtime_budget_s=30.0)}
    quorum = found["quorum-kept"]
    assert [t.task for t in quorum.trace] == ["tripleo_ha_wrapper : restart", "Push script"]
    assert quorum.trace[0].what == "started at t=100s on c0 (it ran until t=150s)"
    assert "galera-bundle restarted globally" in quorum.render() and "maintenance window" in quorum.render()
    budget = found["api-downtime-budget"]
    assert budget.trace[0].task == "tripleo_ha_wrapper : restart"  # the 50 s outage, not the 3 s one at t=5
    assert "galera-bundle restarted globally" in budget.render() and "larger budget" in budget.render()


def test_stale_configs_make_one_violation_per_bundle_with_the_skipped_restart_first() -> None:
    from simulator.world import StaleConfig

    trace = Trace()
    trace.record(10.0, "task", "c0", task="Write kolla config json files", phase="deploy_steps_tasks", step="1",
                 status="ok", start=5.0)
    trace.record(30.0, "task", "c0", task="tripleo_ha_wrapper : wrap", phase="deploy_steps_tasks", step="2",
                 status="ok", start=20.0)
    trace.record(30.0, "state.pacemaker", "c0", target="galera-bundle", state="restart-skipped")
    why = "the script skips the restart"
    stale = [StaleConfig("c0", "galera-bundle", 1.0, 10.0, why), StaleConfig("c1", "galera-bundle", 1.0, 10.0, why),
             StaleConfig("c2", "galera-bundle", 1.0, 40.0, why), StaleConfig("c1", "openstack-cinder-volume", 1.0,
                                                                              10.0, "")]
    found = [v for v in check_run(trace, {}, stale_configs=stale) if v.invariant == "bundle-config-current"]
    assert [v.subject for v in found] == ["galera-bundle", "openstack-cinder-volume"]
    galera, cinder = found
    assert galera.message.startswith("galera-bundle's replicas on c0, c1, c2 still run the configuration they "
                                     "started with: deploy step 1 generated a new one there (t=10s, t=40s)")
    assert galera.message.endswith("; the script skips the restart")
    assert "TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS" in galera.fix
    assert [t.task for t in galera.trace] == ["tripleo_ha_wrapper : wrap", "Write kolla config json files"]
    assert cinder.message == ("openstack-cinder-volume's replica on c1 still runs the configuration it started with: "
                              "deploy step 1 generated a new one there (t=10s) and nothing restarted it since")
    assert "TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS" not in cinder.fix
    assert check_run(trace, {}) == []


def test_an_orphaned_bundle_names_where_it_runs_and_what_last_touched_it() -> None:
    trace = Trace()
    trace.record(5.0, "state.replica", "c0", bundle="redis-bundle", state="started", image="abc")
    trace.record(9.0, "task", "c0", task="Disable redis", phase="upgrade_tasks", step="1", status="ok", start=4.0)
    trace.record(9.0, "state.pacemaker", "c0", target="redis-bundle", state="disable")
    trace.record(9.0, "state.replica", "c0", bundle="redis-bundle", state="stopped")
    trace.record(12.0, "state.replica", "c1", bundle="redis-bundle", state="started", image="abc")
    (found,) = check_run(trace, {}, orphaned=["redis-bundle"])
    assert found.invariant == "no-orphaned-resources" and found.subject == "redis-bundle"
    assert "(its replicas still run on c1)" in found.message and "pcs resource delete" in found.fix
    assert [t.task for t in found.trace] == ["Disable redis"]
    (idle,) = check_run(Trace(), {}, orphaned=["redis-bundle"])
    assert "(stopped)" in idle.message and idle.trace == ()


def test_ovn_order_sums_each_nodes_outage_longest_first() -> None:
    trace = Trace()
    trace.record(10.0, "task", "c1", task="Start pacemaker cluster", phase="upgrade_tasks", step="4", status="ok",
                 start=2.0)
    for node in ("c0", "n0", "n1"):
        trace.record(10.0, "dataplane.down", node, reason="ovn_controller older than the OVN DBs")
    trace.record(40.0, "dataplane.up", "c0")
    trace.record(70.0, "dataplane.up", "n0")
    trace.record(80.0, "dataplane.down", "n0", reason="ovn_controller older than the OVN DBs")
    trace.record(100.0, "phase.end", "run")
    (found,) = [v for v in check_run(trace, {}) if v.invariant == "ovn-controller-first"]
    # n0: 60 s, then 20 s to the end of the run; n1 out to the end (90 s); c0 30 s
    assert found.message.endswith("from t=10s: n1 90 s, n0 80 s, c0 30 s")
    assert [t.task for t in found.trace] == ["Start pacemaker cluster"] and "e1a26ff31" in found.fix
    assert [v for v in check_run(Trace(), {}) if v.invariant == "ovn-controller-first"] == []
