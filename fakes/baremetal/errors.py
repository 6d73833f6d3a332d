"""Typed errors of the virtual bare metal layer.

Each error names the place (file and key path, node, role or BMC address), what was expected and what was
found, so that the message alone says where to look and what to change.
"""

from __future__ import annotations

__all__ = [
    "BaremetalError",
    "BmcAuthError",
    "BmcError",
    "BmcServerError",
    "BmcUnreachable",
    "EmulatorError",
    "FaultScheduleError",
    "InventoryError",
    "PowerStateTimeout",
    "RoleFillError",
    "StateTransitionError",
    "TimingModelError",
]


class BaremetalError(Exception):
    """Base class of every error raised by `fakes.baremetal`."""


class InventoryError(BaremetalError):
    """A node definition file (nodes.yaml / instackenv.json) is malformed."""

    def __init__(self, source: str, path: str, expected: str, found: object) -> None:
        self.source = source
        self.path = path
        self.expected = expected
        self.found = found
        super().__init__(f"{source}: {path}: expected {expected}, found {found!r}")


class RoleFillError(BaremetalError):
    """A role cannot be filled with the nodes of the inventory."""

    def __init__(self, role: str, detail: str) -> None:
        self.role = role
        self.detail = detail
        super().__init__(f"role {role}: {detail}")


class TimingModelError(BaremetalError):
    """A timing model entry is not a valid duration distribution."""

    def __init__(self, key: str, expected: str, found: object) -> None:
        self.key = key
        super().__init__(f"timing model: {key}: expected {expected}, found {found!r}")


class FaultScheduleError(BaremetalError):
    """A BMC fault schedule entry is malformed or names an unknown node."""

    def __init__(self, path: str, expected: str, found: object) -> None:
        self.path = path
        super().__init__(f"fault schedule: {path}: expected {expected}, found {found!r}")


class BmcError(BaremetalError):
    """A BMC request failed (after the transport's own handling)."""

    def __init__(self, node: str, operation: str, detail: str) -> None:
        self.node = node
        self.operation = operation
        self.detail = detail
        super().__init__(f"node {node}: BMC {operation} failed: {detail}")


class BmcUnreachable(BmcError):
    """The BMC did not answer (connection refused, timeout)."""


class BmcAuthError(BmcError):
    """The BMC rejected the credentials (HTTP 401/403, IPMI RAKP failure)."""


class BmcServerError(BmcError):
    """The BMC answered with a server-side error (HTTP 5xx, IPMI completion code)."""


class EmulatorError(BaremetalError):
    """A BMC emulator process could not be started or stopped cleanly."""


class PowerStateTimeout(BmcError):
    """The BMC accepted a power request but the node never reached the target state in time."""


class StateTransitionError(BaremetalError):
    """An Ironic provision-state transition that the state machine does not allow."""

    def __init__(self, node: str, state: str, event: str) -> None:
        self.node = node
        super().__init__(f"node {node}: event {event!r} is not allowed in provision state {state!r}")
