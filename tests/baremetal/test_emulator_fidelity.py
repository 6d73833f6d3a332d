"""Fidelity: a real sushy-emulator process on 127.0.0.1, driven over HTTP through sushy."""

from __future__ import annotations

import time
from random import Random

import pytest
import requests
import simpy
import simpy.rt
from bm_helpers import DEMANDS, LOOPBACK_V4, listening_addresses, pid_alive, tcp_port_free

from fakes.baremetal.emulator import SushyEmulatorProcess
from fakes.baremetal.errors import BmcAuthError
from fakes.baremetal.fleet import remote_redfish_clients
from fakes.baremetal.provisioning import start_provisioning
from fakes.baremetal.redfish import RedfishBmc, sushy_root
from fakes.baremetal.timing import Dist, TimingModel

SCALE = 40.0
FAST = TimingModel(ramdisk_boot=Dist("const", 5), image_write=Dist("const", 5), bmc_retry_interval=1.0)


@pytest.fixture
def emulator(redfish_nodes):
    emu = SushyEmulatorProcess(redfish_nodes, seed=3, time_scale=SCALE)
    with emu:
        assert emu.process is not None and emu.state_dir is not None and emu.port is not None
        pid, state_dir, port = emu.process.pid, emu.state_dir, emu.port
        yield emu
    # torn down: no process, no listening port, no state dir left behind
    assert emu.process is None
    assert not pid_alive(pid)
    assert tcp_port_free(port)
    assert not state_dir.exists()


def test_emulator_is_fresh_loopback_only_and_requires_auth(emulator: SushyEmulatorProcess) -> None:
    assert listening_addresses(emulator.port) == {LOOPBACK_V4}
    assert str(emulator.state_dir).startswith("/tmp/tripleo-sim-sushy-")
    assert requests.get(f"{emulator.url}/redfish/v1/Systems", timeout=5).status_code == 401
    bad = RedfishBmc("controller-0", lambda: sushy_root(emulator.url, "admin", "nope"),
                     emulator.nodes[0].system_id or "")
    with pytest.raises(BmcAuthError, match="HTTP 401"):
        bad.power_state()


def test_provision_three_controllers_two_computes_over_real_http(emulator: SushyEmulatorProcess,
                                                                redfish_nodes) -> None:
    env = simpy.rt.RealtimeEnvironment(factor=1 / SCALE, strict=False)
    clients = remote_redfish_clients(redfish_nodes, emulator.url, emulator.user, emulator.password)
    conductor, done = start_provisioning(env, redfish_nodes, DEMANDS, clients, rng=Random(3), timing=FAST)
    env.run(until=done)
    assert {r.provision_state for r in conductor.results.values()} == {"active"}
    for node in redfish_nodes:  # read back from the emulator process through sushy
        assert clients[node.name].power_state() == "on"
        assert clients[node.name].boot_device() == "disk"


def test_emulator_killed_mid_provisioning_is_a_reported_failure_not_a_hang(emulator: SushyEmulatorProcess,
                                                                         redfish_nodes) -> None:
    env = simpy.rt.RealtimeEnvironment(factor=1 / SCALE, strict=False)
    clients = remote_redfish_clients(redfish_nodes, emulator.url, emulator.user, emulator.password,
                                     retry_delay=0.01)
    conductor, done = start_provisioning(env, redfish_nodes, DEMANDS, clients, rng=Random(4), timing=FAST)

    def killer(env):
        yield env.timeout(8)  # virtual seconds: nodes are between power-on and the ramdisk call-back
        emulator.kill()

    env.process(killer(env))
    started = time.monotonic()
    env.run(until=env.any_of([done, env.timeout(3600)]))
    assert done.triggered, "provisioning did not finish after the emulator died"
    assert time.monotonic() - started < 60
    assert {r.provision_state for r in conductor.results.values()} <= {"deploy failed"}
    for result in conductor.results.values():
        assert "BMC" in str(result.last_error) and "Connection refused" in str(result.last_error), result
