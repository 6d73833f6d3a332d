"""One call from an inventory and role demands to running provisioning processes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from random import Random

import simpy

from fakes.baremetal.bmc import BmcClient
from fakes.baremetal.inventory import NodeSpec
from fakes.baremetal.ironic import Conductor
from fakes.baremetal.roles import RoleDemand, match_roles
from fakes.baremetal.timing import TimingModel

__all__ = ["start_provisioning"]


def start_provisioning(
    env: simpy.Environment,
    nodes: Sequence[NodeSpec],
    demands: Sequence[RoleDemand],
    clients: Mapping[str, BmcClient],
    *,
    rng: Random,
    timing: TimingModel | None = None,
) -> tuple[Conductor, simpy.Event]:
    """Match nodes to roles (raising `RoleFillError` before anything runs), enroll them and start
    provisioning; returns the conductor and an event that fires when every node has finished or failed."""
    roles = match_roles(nodes, demands)
    conductor = Conductor(env, timing=timing, rng=rng)
    enrolled = [conductor.enroll(spec, clients[spec.name], role) for role, specs in roles.items() for spec in specs]
    return conductor, conductor.provision_all(enrolled)
