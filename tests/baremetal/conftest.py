"""Fixtures for the bare metal tests."""

from __future__ import annotations

from random import Random

import pytest
from bm_helpers import LAYOUT, child_processes

from fakes.baremetal.inventory import NodeSpec, generate_nodes


@pytest.fixture
def redfish_nodes() -> tuple[NodeSpec, ...]:
    return generate_nodes(LAYOUT, rng=Random(7), driver="redfish")


@pytest.fixture
def ipmi_nodes() -> tuple[NodeSpec, ...]:
    return generate_nodes(LAYOUT, rng=Random(7), driver="ipmi")


@pytest.fixture(scope="session", autouse=True)
def no_bmc_process_left_behind():
    """Every emulator / BMC process a test started is gone when the session ends."""
    before = child_processes()
    yield
    leftovers = {pid: cmd for pid, cmd in child_processes().items() if pid not in before
                 and ("sushy" in cmd or "ipmi_server" in cmd or "ipmitool" in cmd)}
    assert not leftovers, f"BMC processes left behind: {leftovers}"
