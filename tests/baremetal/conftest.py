"""Fixtures for the bare metal tests."""

from __future__ import annotations

from random import Random

import pytest
from bm_helpers import LAYOUT

from fakes.baremetal.inventory import NodeSpec, generate_nodes


@pytest.fixture
def redfish_nodes() -> tuple[NodeSpec, ...]:
    return generate_nodes(LAYOUT, rng=Random(7), driver="redfish")


@pytest.fixture
def ipmi_nodes() -> tuple[NodeSpec, ...]:
    return generate_nodes(LAYOUT, rng=Random(7), driver="ipmi")
