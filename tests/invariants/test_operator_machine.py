"""The operator state machine with a simulation behind it: each `upgrade run --limit` rule simulates that batch
of the real Train -> Wallaby templates and the run invariants are checked after each. Wallaby's upgrade disables
the cluster-wide rabbitmq bundle at step 1 whatever the batch, so the machine finds a violation at once and
shrinks it to the first rule; with the known outages accepted, whole upgrades pass."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import run_state_machine_as_test

from simulator.run import plan_for, target_plan
from simulator.scenario import load_scenario
from simulator.strategies import simulated_upgrade_machine

pytestmark = pytest.mark.integration

FAST = settings(max_examples=4, stateful_step_count=6, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def plans():  # type: ignore[no-untyped-def]
    scenario = load_scenario("train-to-wallaby")
    return plan_for(scenario.source, scenario), target_plan(scenario)


def test_the_machine_finds_wallaby_stopping_rabbitmq_with_the_first_batch(plans) -> None:  # type: ignore[no-untyped-def]
    machine = simulated_upgrade_machine(*plans, accept=["api-downtime-budget", "mixed-version-window"])
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(machine, settings=FAST)
    message = str(caught.value)
    assert "after --limit batches [['overcloud-controller-0']]" in message
    assert "[quorum-kept] rabbitmq lost quorum" in message
    assert "Disable the rabbitmq cluster resource before container upgrade" in message


def test_with_the_known_outages_accepted_whole_upgrades_pass(plans) -> None:  # type: ignore[no-untyped-def]
    # (14.3.0's ovn_controller falls behind the OVN DBs in every documented order: its upgrade is a deploy step of
    # each node's own batch, the DBs' comes with the controllers)
    machine = simulated_upgrade_machine(*plans, accept=["api-downtime-budget", "mixed-version-window",
                                                        "quorum-kept", "schema-ahead-of-code", "ovn-controller-first"])
    run_state_machine_as_test(machine, settings=FAST)


def test_machine_arguments_are_validated(plans) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument, match="accept must be a list of run invariants"):
        simulated_upgrade_machine(*plans, accept=["quorum"])
    with pytest.raises(InvalidArgument, match="source must be a Plan"):
        simulated_upgrade_machine("11.6.0", plans[1])  # type: ignore[arg-type]


def test_interactive_upgrade_runs_batches_on_request(plans) -> None:  # type: ignore[no-untyped-def]
    from simulator.timing import load_timing
    from simulator.workflows import InteractiveUpgrade

    sim = InteractiveUpgrade(*plans, timing=load_timing(), seed=1)
    with pytest.raises(RuntimeError, match="call begin"):
        sim.upgrade(["overcloud-controller-0"])
    sim.begin()
    assert [p.name for p in sim.phases] == ["upgrade prepare", "external-upgrade run --tags container_image_prepare"]
    with pytest.raises(ValueError, match="no node overcloud-controller-9"):
        sim.upgrade(["overcloud-controller-9"])
    sim.upgrade(["overcloud-controller-0"])
    assert sim.phases[-1].name == "upgrade run --limit overcloud-controller-0"
    assert sim.world.snapshot()["pacemaker"]["quorum"] is True  # two of three controllers kept it
    sim.finish()
    assert [p.name for p in sim.phases][-2:] == ["external-upgrade run --tags online_upgrade", "upgrade converge"]
    # after finish(): simpy's "No scheduled events left" for a batch, and a second finish() passed silently
    with pytest.raises(RuntimeError, match="the upgrade was finished"):
        sim.upgrade(["overcloud-controller-1"])
    with pytest.raises(RuntimeError, match=r"finish\(\) was already called"):
        sim.finish()
