"""Virtual bare metal: node inventory, an Ironic-like conductor, Redfish (sushy-tools) and IPMI (pyghmi) BMCs.

Import the protocol modules directly (`fakes.baremetal.redfish`, `.emulator`, `.ipmi`); this package root
re-exports the protocol-free API only, so importing it does not import sushy-tools or pyghmi.
"""

from fakes.baremetal.bmc import BmcClient
from fakes.baremetal.errors import (
    BaremetalError,
    BmcAuthError,
    BmcError,
    BmcServerError,
    BmcUnreachable,
    EmulatorError,
    FaultScheduleError,
    InventoryError,
    PowerStateTimeout,
    RoleFillError,
    StateTransitionError,
    TimingModelError,
)
from fakes.baremetal.faults import FAULT_KINDS, Fault, FaultSchedule
from fakes.baremetal.inventory import NodeSpec, generate_nodes, load_nodes, parse_nodes
from fakes.baremetal.ironic import Conductor, NodeResult, TraceEvent, trace_digest
from fakes.baremetal.roles import RoleDemand, match_roles
from fakes.baremetal.timing import Dist, TimingModel

__all__ = [
    "FAULT_KINDS",
    "BaremetalError",
    "BmcAuthError",
    "BmcClient",
    "BmcError",
    "BmcServerError",
    "BmcUnreachable",
    "Conductor",
    "Dist",
    "EmulatorError",
    "Fault",
    "FaultSchedule",
    "FaultScheduleError",
    "InventoryError",
    "NodeResult",
    "NodeSpec",
    "PowerStateTimeout",
    "RoleDemand",
    "RoleFillError",
    "StateTransitionError",
    "TimingModel",
    "TimingModelError",
    "TraceEvent",
    "generate_nodes",
    "load_nodes",
    "match_roles",
    "parse_nodes",
    "trace_digest",
]
