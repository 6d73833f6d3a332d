"""Wire an inventory to BMCs: hardware state, emulators and protocol clients for each node."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from random import Random

import simpy
import sushy

from fakes.baremetal.bmc import BmcClient
from fakes.baremetal.errors import InventoryError
from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.hardware import Hardware
from fakes.baremetal.inventory import NodeSpec
from fakes.baremetal.redfish import InProcessRedfish, RedfishBmc, sushy_root
from fakes.baremetal.timing import TimingModel

__all__ = ["RedfishFleet", "redfish_fleet", "remote_redfish_clients", "system_uuid"]


def system_uuid(spec: NodeSpec) -> str:
    if not spec.system_id:
        raise InventoryError("<inventory>", f"{spec.name}.pm_system_id", "a Redfish system id", spec.system_id)
    return spec.system_id.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class RedfishFleet:
    """In-process Redfish endpoints (one per pm_addr:pm_port) and a sushy-backed client per node."""

    endpoints: dict[tuple[str, int | None], InProcessRedfish] = field(default_factory=dict)
    clients: dict[str, BmcClient] = field(default_factory=dict)
    hardware: dict[str, Hardware] = field(default_factory=dict)  # by node name

    @property
    def requests(self) -> int:
        return sum(e.requests for e in self.endpoints.values())


def redfish_fleet(
    env: simpy.Environment,
    nodes: Sequence[NodeSpec],
    *,
    rng: Random,
    timing: TimingModel | None = None,
    faults: FaultSchedule | None = None,
) -> RedfishFleet:
    """Build in-process Redfish BMCs for `nodes` on the simulator clock `env.now`."""
    timing = timing or TimingModel()
    faults = faults or FaultSchedule()
    fleet = RedfishFleet()
    groups: dict[tuple[str, int | None], list[NodeSpec]] = {}
    for spec in nodes:
        if spec.driver != "redfish":
            raise InventoryError("<inventory>", f"{spec.name}.pm_type", "a redfish node", spec.pm_type)
        groups.setdefault((spec.pm_addr, spec.pm_port), []).append(spec)

    def clock() -> float:
        return float(env.now)

    for key, specs in groups.items():
        hw = {}
        for spec in specs:
            hardware = Hardware(spec.name, clock=clock, rng=Random(rng.getrandbits(64)), timing=timing,
                                faults=faults)
            hw[system_uuid(spec)] = hardware
            fleet.hardware[spec.name] = hardware
        endpoint = InProcessRedfish(hw, names={system_uuid(s): s.name for s in specs}, clock=clock, faults=faults,
                                    credentials={s.name: (s.pm_user, s.pm_password) for s in specs})
        fleet.endpoints[key] = endpoint
        roots: dict[tuple[str, str], sushy.Sushy] = {}
        for spec in specs:
            fleet.clients[spec.name] = RedfishBmc(spec.name, _root_factory(endpoint, roots, spec), system_uuid(spec))
    return fleet


def _root_factory(endpoint: InProcessRedfish, roots: dict[tuple[str, str], sushy.Sushy],
                  spec: NodeSpec) -> Callable[[], sushy.Sushy]:
    def factory() -> sushy.Sushy:
        creds = (spec.pm_user, spec.pm_password)
        if creds not in roots:
            roots[creds] = endpoint.root(*creds)
        return roots[creds]

    return factory


def remote_redfish_clients(nodes: Sequence[NodeSpec], url: str, user: str, password: str,
                           retry_delay: float = 0.05) -> dict[str, BmcClient]:
    """sushy clients for nodes served by a real sushy-emulator at `url` (fidelity mode)."""
    roots: dict[str, sushy.Sushy] = {}

    def factory() -> sushy.Sushy:
        if "root" not in roots:
            roots["root"] = sushy_root(url, user, password, retry_delay=retry_delay)
        return roots["root"]

    return {s.name: RedfishBmc(s.name, factory, system_uuid(s)) for s in nodes}
