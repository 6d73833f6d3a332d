"""Provisioning through sushy → in-process sushy-tools fake driver, on virtual time."""

from __future__ import annotations

from random import Random

import pytest
import simpy
from bm_helpers import DEMANDS, LAYOUT

from fakes.baremetal.errors import BmcAuthError, RoleFillError
from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.fleet import redfish_fleet
from fakes.baremetal.inventory import generate_nodes
from fakes.baremetal.ironic import trace_digest
from fakes.baremetal.provisioning import start_provisioning
from fakes.baremetal.redfish import RedfishBmc
from fakes.baremetal.roles import RoleDemand
from fakes.baremetal.timing import Dist, TimingModel


def run(seed: int, *, faults: list[dict] | None = None, timing: TimingModel | None = None, nodes=None):
    env = simpy.Environment()
    rng = Random(seed)
    nodes = nodes or generate_nodes(LAYOUT, rng=Random(7))
    schedule = FaultSchedule.parse(faults, [n.name for n in nodes])
    fleet = redfish_fleet(env, nodes, rng=rng, timing=timing, faults=schedule)
    conductor, done = start_provisioning(env, nodes, DEMANDS, fleet.clients, rng=rng, timing=timing)
    env.run(until=done)
    return env, fleet, conductor


def test_three_controllers_two_computes_end_to_end_read_back_over_redfish() -> None:
    _env, fleet, conductor = run(1)
    assert {r.node: r.provision_state for r in conductor.results.values()} == {
        "controller-0": "active", "controller-1": "active", "controller-2": "active",
        "compute-0": "active", "compute-1": "active"}
    assert {r.node: r.role for r in conductor.results.values()}["compute-1"] == "Compute"
    for name, client in fleet.clients.items():
        assert client.power_state() == "on", name  # a GET of /redfish/v1/Systems/<uuid> through sushy
        assert client.boot_device() == "disk", name
    states = [e.detail for e in conductor.trace if e.node == "compute-0" and e.kind == "state"]
    assert states == ["enroll", "verifying", "manageable", "cleaning", "available", "deploying", "wait call-back",
                      "deploying", "active"]
    assert fleet.requests > 5 * 8  # every step went over HTTP into the emulator app


def test_cleaning_and_virtual_media_through_the_emulator() -> None:
    _env, fleet, conductor = run(2, timing=TimingModel(automated_clean=True))
    states = [e.detail for e in conductor.trace if e.node == "controller-1" and e.kind == "state"]
    assert states[3:7] == ["cleaning", "clean wait", "cleaning", "available"]
    client = fleet.clients["controller-1"]
    client.insert_virtual_media("http://192.168.24.1:8088/ipa.iso")  # type: ignore[attr-defined]
    assert client.virtual_media() == "http://192.168.24.1:8088/ipa.iso"  # type: ignore[attr-defined]


def test_same_seed_same_trace_different_seed_different_delays() -> None:
    a, b, c = (run(seed)[2] for seed in (11, 11, 12))
    assert a.trace == b.trace and trace_digest(a.trace) == trace_digest(b.trace)
    assert trace_digest(a.trace) != trace_digest(c.trace)
    times_a = [e.time for e in a.trace if e.kind == "state" and e.detail == "active"]
    times_c = [e.time for e in c.trace if e.kind == "state" and e.detail == "active"]
    assert times_a != times_c


def test_unfillable_role_is_rejected_before_anything_runs() -> None:
    nodes = generate_nodes({"Controller": 2, "Compute": 2}, rng=Random(7))
    with pytest.raises(RoleFillError, match="role Controller"):
        start_provisioning(simpy.Environment(), nodes, [RoleDemand.tripleo("Controller", 3)], {}, rng=Random(1))


def failed(conductor, node: str):
    result = conductor.results[node]
    assert result.failed
    return result


def test_unreachable_bmc_is_retried_then_reported_as_a_deploy_failure() -> None:
    _env, _fleet, conductor = run(3, faults=[{"node": "compute-1", "kind": "unreachable", "start": 0}])
    result = failed(conductor, "compute-1")
    assert result.provision_state == "enroll"  # verification of the BMC failed
    assert "unreachable" in str(result.last_error)
    retries = [e for e in conductor.trace if e.node == "compute-1" and e.kind == "retry"]
    assert len(retries) == TimingModel().bmc_attempts - 1
    assert all(r.provision_state == "active" for n, r in conductor.results.items() if n != "compute-1")


def test_unreachable_mid_deploy_ends_in_deploy_failed() -> None:
    _env, _fleet, conductor = run(3, faults=[{"node": "controller-0", "kind": "unreachable", "start": 5}])
    result = failed(conductor, "controller-0")
    assert result.provision_state in ("deploy failed",)
    assert result.finished_at < 5 + TimingModel().power_timeout + 60


def test_transient_5xx_is_retried_and_succeeds() -> None:
    _env, _fleet, conductor = run(4, faults=[{"node": "compute-0", "kind": "http_5xx", "start": 0, "duration": 5}])
    assert conductor.results["compute-0"].provision_state == "active"
    retries = [e.detail for e in conductor.trace if e.node == "compute-0" and e.kind == "retry"]
    assert retries and "HTTP 503" in retries[0]


def test_persistent_5xx_fails_the_node() -> None:
    _env, _fleet, conductor = run(4, faults=[{"node": "compute-0", "kind": "http_5xx", "start": 0}])
    assert "HTTP 503" in str(failed(conductor, "compute-0").last_error)


def test_power_stuck_times_out_like_power_state_change_timeout() -> None:
    _env, fleet, conductor = run(5, faults=[{"node": "controller-2", "kind": "power_stuck", "start": 0}])
    result = failed(conductor, "controller-2")
    assert result.provision_state == "deploy failed"
    assert "still off after 60s" in str(result.last_error)
    assert fleet.clients["controller-2"].power_state() == "off"


def test_wrong_credentials_fail_without_retrying() -> None:
    _env, _fleet, conductor = run(6, faults=[{"node": "compute-1", "kind": "wrong_credentials", "start": 0}])
    result = failed(conductor, "compute-1")
    assert "credentials rejected" in str(result.last_error)
    assert not [e for e in conductor.trace if e.node == "compute-1" and e.kind == "retry"]


def _reboot_waits(conductor, node: str) -> list[float]:
    """Virtual seconds from each 'power reboot' to the poll that reads 'on'."""
    waits, start = [], None
    for e in conductor.trace:
        if e.node != node:
            continue
        if e.detail == "power reboot":
            start = e.time
        elif e.detail == "get power state -> on" and start is not None:
            waits.append(e.time - start)
            start = None
    return waits


def test_slow_transitions_delay_but_do_not_fail() -> None:
    timing = TimingModel(power_on=Dist("const", 3.0), power_off=Dist("const", 3.0))
    _, _, base = run(7, timing=timing)
    _, _, slow = run(7, timing=timing, faults=[{"node": "compute-0", "kind": "slow", "start": 0}])
    assert slow.results["compute-0"].provision_state == "active"
    assert all(w < 3.0 * timing.slow_factor for w in _reboot_waits(base, "compute-0"))
    slow_waits = _reboot_waits(slow, "compute-0")
    assert len(slow_waits) == 2 and all(w >= 3.0 * timing.slow_factor for w in slow_waits)


def test_clean_failure_puts_the_node_in_maintenance() -> None:
    _env, _fleet, conductor = run(8, timing=TimingModel(automated_clean=True),
                                faults=[{"node": "compute-0", "kind": "power_stuck", "start": 0}])
    result = failed(conductor, "compute-0")
    assert result.provision_state == "clean failed" and result.maintenance


def test_wrong_inventory_password_is_rejected_by_the_in_process_bmc() -> None:
    env = simpy.Environment()
    nodes = generate_nodes(LAYOUT, rng=Random(7))
    fleet = redfish_fleet(env, nodes, rng=Random(1))
    endpoint = next(iter(fleet.endpoints.values()))
    bad = RedfishBmc("compute-0", lambda: endpoint.root("admin", "not-the-password"), nodes[3].system_id or "")
    with pytest.raises(BmcAuthError, match="HTTP 401"):
        bad.power_state()


def test_in_process_emulator_never_reads_wall_time_or_global_random(monkeypatch) -> None:
    from sushy_tools.emulator.resources.systems import fakedriver

    class Forbidden:
        def __getattr__(self, name: str):
            raise AssertionError(f"the fake driver used {name} from the wall clock / global random")

    monkeypatch.setattr(fakedriver, "time", Forbidden())
    monkeypatch.setattr(fakedriver, "random", Forbidden())
    _, _, conductor = run(9)
    assert {r.provision_state for r in conductor.results.values()} == {"active"}


_DIGEST = """
import sys
sys.path.insert(0, {tests!r})
from test_redfish_inprocess import run
from fakes.baremetal.ironic import trace_digest
print(trace_digest(run(11)[2].trace))
"""


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_trace_is_the_same_in_a_fresh_process_with_another_hash_seed(hash_seed: str) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    out = subprocess.run([sys.executable, "-c", _DIGEST.format(tests=str(here))], capture_output=True, text=True,
                         env=env, cwd=here.parents[1], timeout=120, check=True)
    assert out.stdout.strip() == trace_digest(run(11)[2].trace)
