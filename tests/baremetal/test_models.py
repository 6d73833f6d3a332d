"""Value objects validated on load: timing model, fault schedule, state machine, hardware."""

from __future__ import annotations

from random import Random

import pytest
import simpy

from fakes.baremetal.errors import FaultScheduleError, StateTransitionError, TimingModelError
from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.hardware import Hardware
from fakes.baremetal.inventory import generate_nodes
from fakes.baremetal.ironic import Conductor
from fakes.baremetal.timing import Dist, TimingModel


def test_timing_model_from_a_scenario_mapping() -> None:
    model = TimingModel.from_mapping({"power_on": [2, 4], "cleaning": {"triangular": [10, 30, 20]},
                                      "image_write": 90, "power_timeout": 120, "automated_clean": True})
    assert model.power_on == Dist("uniform", 2.0, 4.0)
    assert model.cleaning == Dist("triangular", 10.0, 30.0, 20.0)
    assert model.image_write.sample(Random(1)) == 90.0
    assert model.power_timeout == 120 and model.automated_clean
    rng_a, rng_b = Random(5), Random(5)
    assert [model.power_on.sample(rng_a) for _ in range(3)] == [model.power_on.sample(rng_b) for _ in range(3)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"power_onn": 3}, "timing model: power_onn: expected one of"),
        ({"power_on": "fast"}, "timing model: power_on: expected a number, [low, high]"),
        ({"power_on": [5, 1]}, "timing model: power_on: expected a valid distribution"),
        ({"cleaning": {"triangular": [1, 2, 9]}}, "timing model: cleaning: expected a valid distribution"),
        ({"poll_interval": 0}, "timing model: poll_interval: expected a positive number"),
        ({"bmc_attempts": 0}, "timing model: bmc_attempts: expected an integer >= 1"),
    ],
)
def test_bad_timing_entries_are_rejected_on_load(data: dict, message: str) -> None:
    with pytest.raises(TimingModelError) as info:
        TimingModel.from_mapping(data)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ({"node": "ghost", "kind": "unreachable"}, "faults[1].node"),
        ({"node": "compute-0", "kind": "meteor"}, "faults[1].kind"),
        ({"node": "compute-0", "kind": "slow", "start": -1}, "faults[1].start"),
        ({"node": "compute-0", "kind": "slow", "duration": "long"}, "faults[1].duration"),
    ],
)
def test_bad_fault_entries_name_their_key_path(entry: dict, path: str) -> None:
    good = {"node": "compute-0", "kind": "http_5xx", "start": 1, "duration": 2}
    with pytest.raises(FaultScheduleError) as info:
        FaultSchedule.parse([good, entry], ["compute-0", "compute-1"])
    assert str(info.value).startswith(f"fault schedule: {path}: expected ")


def test_fault_windows() -> None:
    schedule = FaultSchedule.parse([{"node": "a", "kind": "http_5xx", "start": 10, "duration": 5}], ["a"])
    assert schedule.active("a", 9.9) == frozenset()
    assert schedule.active("a", 10) == {"http_5xx"}
    assert schedule.active("a", 15) == frozenset()


def test_illegal_provision_state_transition_is_a_typed_error() -> None:
    env = simpy.Environment()
    conductor = Conductor(env, rng=Random(1))
    spec = generate_nodes({"Compute": 1}, rng=Random(1))[0]
    node = conductor.enroll(spec, bmc=None, role="Compute")  # type: ignore[arg-type]
    with pytest.raises(StateTransitionError, match="event 'deploy' is not allowed in provision state 'enroll'"):
        conductor._fire(node, "deploy")


def test_hardware_power_transitions_follow_the_injected_clock_and_rng() -> None:
    now = [0.0]
    timing = TimingModel(power_on=Dist("uniform", 1, 11))
    hw = Hardware("n", clock=lambda: now[0], rng=Random(3), timing=timing)
    hw.request_power("On")
    delay = Random(3).uniform(1, 11)
    now[0] = delay - 1e-9
    assert hw.power_state() == "Off"
    now[0] = delay
    assert hw.power_state() == "On"
    hw.request_power("ForceRestart")
    assert hw.power_state() == "Off"  # a restart goes through off
    with pytest.raises(ValueError, match="power action 'Explode'"):
        hw.request_power("Explode")
