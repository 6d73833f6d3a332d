"""An Ironic-like conductor: node provision-state machine as simpy processes over real BMC protocols.

States and events follow Ironic's state machine (enroll → manageable → available → deploying →
wait call-back → active; cleaning / clean wait; deploy failed, clean failed; maintenance). BMC calls go
through a `BmcClient` (Redfish via sushy, IPMI via pyghmi); failures are retried like Ironic does
(bounded attempts, fixed interval, in virtual time) and end in a reported node failure, never a hang.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from random import Random
from typing import Any

import simpy

from fakes.baremetal.bmc import BmcClient
from fakes.baremetal.errors import BmcAuthError, BmcError, PowerStateTimeout, StateTransitionError
from fakes.baremetal.inventory import NodeSpec
from fakes.baremetal.timing import TimingModel

__all__ = ["Conductor", "IronicNode", "NodeResult", "TraceEvent", "trace_digest"]

# (state, event) -> next state, after Ironic's ironic/common/states.py
_TRANSITIONS = {
    ("enroll", "manage"): "verifying",
    ("verifying", "done"): "manageable",
    ("verifying", "fail"): "enroll",
    ("manageable", "provide"): "cleaning",
    ("cleaning", "wait"): "clean wait",
    ("clean wait", "resume"): "cleaning",
    ("cleaning", "done"): "available",
    ("cleaning", "fail"): "clean failed",
    ("clean wait", "fail"): "clean failed",
    ("available", "deploy"): "deploying",
    ("deploying", "wait"): "wait call-back",
    ("wait call-back", "resume"): "deploying",
    ("wait call-back", "fail"): "deploy failed",
    ("deploying", "done"): "active",
    ("deploying", "fail"): "deploy failed",
}
FAILED_STATES = frozenset({"enroll", "clean failed", "deploy failed"})

Proc = Generator[simpy.Event, Any, Any]


@dataclass(frozen=True)
class TraceEvent:
    time: float
    node: str
    kind: str  # "state" | "bmc" | "retry" | "error" | "maintenance"
    detail: str


def trace_digest(trace: Iterable[TraceEvent]) -> str:
    """sha256 over the trace: equal for equal (inputs, seed)."""
    h = hashlib.sha256()
    for e in trace:
        h.update(f"{e.time!r}|{e.node}|{e.kind}|{e.detail}\n".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class NodeResult:
    node: str
    role: str | None
    provision_state: str
    maintenance: bool
    last_error: str | None
    finished_at: float

    @property
    def failed(self) -> bool:
        return self.provision_state != "active"


class IronicNode:
    """Conductor-side record of one node (mutable state, owned by its simpy process)."""

    def __init__(self, spec: NodeSpec, bmc: BmcClient, role: str | None, rng: Random) -> None:
        self.spec = spec
        self.bmc = bmc
        self.role = role
        self.rng = rng
        self.provision_state = "enroll"
        self.maintenance = False
        self.last_error: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name


class Conductor:
    """Drives nodes through provisioning on a caller-supplied `simpy.Environment`."""

    def __init__(self, env: simpy.Environment, *, timing: TimingModel | None = None, rng: Random) -> None:
        self.env = env
        self.timing = timing or TimingModel()
        self._rng = rng
        self.trace: list[TraceEvent] = []
        self.nodes: dict[str, IronicNode] = {}
        self.results: dict[str, NodeResult] = {}
        self.on_event: Callable[[TraceEvent], None] | None = None

    # -- bookkeeping -------------------------------------------------------------------------------------
    def _log(self, node: IronicNode, kind: str, detail: str) -> None:
        event = TraceEvent(round(self.env.now, 9), node.name, kind, detail)
        self.trace.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def _fire(self, node: IronicNode, event: str) -> None:
        key = (node.provision_state, event)
        if key not in _TRANSITIONS:
            raise StateTransitionError(node.name, node.provision_state, event)
        node.provision_state = _TRANSITIONS[key]
        self._log(node, "state", node.provision_state)

    def enroll(self, spec: NodeSpec, bmc: BmcClient, role: str | None = None) -> IronicNode:
        if spec.name in self.nodes:
            raise StateTransitionError(spec.name, self.nodes[spec.name].provision_state, "enroll")
        node = IronicNode(spec, bmc, role, Random(self._rng.getrandbits(64)))
        self.nodes[spec.name] = node
        self._log(node, "state", "enroll")
        return node

    # -- BMC access with Ironic's retry policy ---------------------------------------------------------------
    def _bmc(self, node: IronicNode, operation: str, call: Callable[[], Any]) -> Proc:
        t = self.timing
        for attempt in range(1, t.bmc_attempts + 1):
            yield self.env.timeout(t.bmc_latency.sample(node.rng))
            try:
                result = call()
            except BmcAuthError:
                raise  # Ironic does not retry rejected credentials
            except BmcError as exc:
                if attempt == t.bmc_attempts:
                    raise
                self._log(node, "retry", f"{operation}: attempt {attempt}/{t.bmc_attempts}: {exc.detail}")
                yield self.env.timeout(t.bmc_retry_interval)
            else:
                self._log(node, "bmc", operation if result is None else f"{operation} -> {result}")
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _power(self, node: IronicNode, action: str) -> Proc:
        """Request a power action and wait for the target state (`power_state_change_timeout`)."""
        target = "off" if action == "off" else "on"
        yield from self._bmc(node, f"power {action}", lambda: node.bmc.set_power(action))
        # Ironic's node_wait_for_power_state: BackOffLoopingCall(initial_delay=1), the delay doubling with
        # jitter, until power_state_change_timeout.
        deadline = self.env.now + self.timing.power_timeout
        delay = self.timing.poll_interval
        while True:
            yield self.env.timeout(max(0.0, min(delay, deadline - self.env.now)))
            delay *= 2 * node.rng.uniform(0.9, 1.1)
            state = yield from self._bmc(node, "get power state", node.bmc.power_state)
            if state == target:
                return
            if self.env.now >= deadline:
                raise PowerStateTimeout(node.name, f"power {action}",
                                        f"still {state} after {self.timing.power_timeout:g}s")

    def _boot(self, node: IronicNode, device: str, persistent: bool = False) -> Proc:
        yield from self._bmc(node, f"set boot device {device}",
                             lambda: node.bmc.set_boot_device(device, persistent))

    # -- the provisioning workflow --------------------------------------------------------------------------
    def provision(self, node: IronicNode) -> simpy.Process:
        return self.env.process(self._provision(node))

    def provision_all(self, nodes: Iterable[IronicNode]) -> simpy.Event:
        return self.env.all_of([self.provision(n) for n in nodes])

    def _provision(self, node: IronicNode) -> Proc:
        t = self.timing
        try:
            self._fire(node, "manage")
            yield from self._bmc(node, "get power state", node.bmc.power_state)  # validates credentials
            self._fire(node, "done")
            self._fire(node, "provide")
            if t.automated_clean:
                yield from self._boot(node, "pxe")
                yield from self._power(node, "reboot")
                self._fire(node, "wait")
                yield self.env.timeout(t.ramdisk_boot.sample(node.rng))
                self._fire(node, "resume")
                yield self.env.timeout(t.cleaning.sample(node.rng))
                yield from self._power(node, "off")
            self._fire(node, "done")
            self._fire(node, "deploy")
            yield from self._boot(node, "pxe")
            yield from self._power(node, "reboot")
            self._fire(node, "wait")
            yield self.env.timeout(t.ramdisk_boot.sample(node.rng))
            self._fire(node, "resume")
            yield self.env.timeout(t.image_write.sample(node.rng))
            yield from self._boot(node, "disk", persistent=True)
            yield from self._power(node, "reboot")
            self._fire(node, "done")
        except BmcError as exc:
            node.last_error = str(exc)
            self._log(node, "error", str(exc))
            self._fire(node, "fail")
            if node.provision_state == "clean failed":
                node.maintenance = True  # Ironic sets maintenance with fault "clean failure"
                self._log(node, "maintenance", "clean failure")
        self.results[node.name] = NodeResult(node.name, node.role, node.provision_state, node.maintenance,
                                             node.last_error, round(self.env.now, 9))
