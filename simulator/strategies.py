"""Hypothesis strategies over real TripleO inputs: role layouts drawn from a release's service catalogue,
node counts, operator ``--limit`` orders and fault schedules; and a state machine for operator-driven
upgrades. Every option is keyword-only and validated up front (``hypothesis.errors.InvalidArgument``).

    from simulator.invariants import catalogue_for, compose_plan, check_plan
    from simulator.strategies import role_layouts
    @given(role_layouts(catalogue, splits=("Database", "Messaging")))
    def test_x(layout): assert check_plan(compose_plan(catalogue, layout)).ok

Draws shrink toward small, readable layouts: no split roles, one controller, no computes, all networks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from .invariants import Layout, LayoutRole, ServiceCatalogue, check_limit_order
from .plan import Plan

__all__ = ["FAULT_KINDS", "SPLIT_GROUPS", "Fault", "OperatorUpgrade", "SimulatedOperatorUpgrade", "fault_schedules",
           "limit_orders", "node_counts", "operator_upgrade_machine", "role_layouts", "simulated_upgrade_machine"]

# Custom roles carved out of the Controller, as THT's roles/Database.yaml, Messaging.yaml, Networker.yaml do
SPLIT_GROUPS: dict[str, tuple[str, ...]] = {
    "Database": ("mysql", "clustercheck"),
    "Messaging": ("oslo_messaging_rpc", "oslo_messaging_notify"),
    "Networker": ("ovn_dbs",),
}
FAULT_KINDS = ("reboot", "crash", "partition", "bmc-unreachable")


def _check_int(name: str, value: object, lo: int, hi: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < lo or (hi is not None and value > hi):
        bound = f">= {lo}" + (f" and <= {hi}" if hi is not None else "")
        raise InvalidArgument(f"{name} must be an int {bound} (got {value!r})")


def node_counts(*, min_value: int = 0, max_value: int = 5) -> st.SearchStrategy[int]:
    """Node counts of one role; shrink toward ``min_value``."""
    _check_int("min_value", min_value, 0)
    _check_int("max_value", max_value, min_value)
    return st.integers(min_value=min_value, max_value=max_value)


def role_layouts(catalogue: ServiceCatalogue, *, splits: Sequence[str] = tuple(SPLIT_GROUPS),
                 max_nodes: int = 10, computes: bool = True, pacemaker_on_splits: bool | None = None,
                 drop_networks: bool = False, base_role: str = "Controller",
                 compute_role: str = "Compute") -> st.SearchStrategy[Layout]:
    """Layouts of the catalogue's services: ``base_role``'s services, with the ``splits`` groups (names of
    :data:`SPLIT_GROUPS`) optionally moved to their own roles, ``compute_role`` with 0..n nodes, total nodes
    <= ``max_nodes``. ``pacemaker_on_splits``: True/False forces whether split roles run pacemaker, None draws
    it. ``drop_networks`` draws a network to detach from each role."""
    if not isinstance(catalogue, ServiceCatalogue):
        raise InvalidArgument(f"catalogue must be a ServiceCatalogue (got {type(catalogue).__name__})")
    bad = [s for s in splits if s not in SPLIT_GROUPS]
    if bad or isinstance(splits, str):
        raise InvalidArgument(f"splits must be names among {sorted(SPLIT_GROUPS)} (got {splits!r})")
    _check_int("max_nodes", max_nodes, 1 + len(splits))
    for name, value in (("computes", computes), ("drop_networks", drop_networks)):
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name} must be a bool (got {value!r})")
    if pacemaker_on_splits not in (None, True, False):
        raise InvalidArgument(f"pacemaker_on_splits must be None or a bool (got {pacemaker_on_splits!r})")
    for name, role in (("base_role", base_role), ("compute_role", compute_role)):
        if role not in catalogue.default_networks:
            raise InvalidArgument(f"{name} must be a role of the release's roles_data "
                                  f"({', '.join(catalogue.default_networks)}); got {role!r}")
    base = tuple(s for s, home in catalogue.home_role.items() if home == base_role)
    compute = tuple(s for s in catalogue.order if catalogue.home_role[s] == compute_role
                    or (s in base and _common(catalogue, s)))
    common = tuple(s for s in base if _common(catalogue, s))

    @st.composite
    def draw_layout(draw: st.DrawFn) -> Layout:
        chosen = draw(st.lists(st.sampled_from(tuple(splits)), unique=True, max_size=len(splits))) if splits else []
        budget = max_nodes - len(chosen)
        ctl = draw(st.integers(min_value=1, max_value=min(5, budget)))
        budget -= ctl - 1
        moved = {s for g in chosen for s in SPLIT_GROUPS[g]}
        nets = catalogue.default_networks[base_role]
        roles = [LayoutRole(base_role, tuple(s for s in base if s not in moved), ctl,
                            _drop(draw, nets, drop_networks))]
        for group in chosen:
            count = draw(st.integers(min_value=1, max_value=max(1, min(3, budget))))
            budget -= count - 1
            pcm = draw(st.booleans()) if pacemaker_on_splits is None else pacemaker_on_splits
            services = tuple(s for s in catalogue.order if s in SPLIT_GROUPS[group] or s in common
                             or (pcm and s == "pacemaker"))
            roles.append(LayoutRole(group, services, count, _drop(draw, nets, drop_networks)))
        if computes and budget > 0:
            n = draw(st.integers(min_value=0, max_value=min(3, budget)))
            if n:
                roles.append(LayoutRole(compute_role, compute, n,
                                        _drop(draw, catalogue.default_networks[compute_role], drop_networks), 25))
        return Layout(tuple(roles))

    return draw_layout()


def _common(catalogue: ServiceCatalogue, service: str) -> bool:
    """Services every default role with services runs (ca_certs, timezone, podman, ...)."""
    return service in _common_set(catalogue)


def _common_set(catalogue: ServiceCatalogue) -> frozenset[str]:
    key = ("<common>",)
    memo: dict[Any, Any] = catalogue._roles  # the catalogue's per-instance memo, shared with layout.py
    hit = memo.get(key)
    if hit is None:
        # a service is common when the Compute role (the smallest default role with services) also runs it
        hit = frozenset(s for s in catalogue.order if catalogue.home_role[s] != "Compute"
                        and s in _default_services(catalogue, "Compute"))
        memo[key] = hit
    return frozenset(hit)


def _default_services(catalogue: ServiceCatalogue, role: str) -> frozenset[str]:
    return frozenset(catalogue.default_services.get(role, ()))


def _drop(draw: st.DrawFn, nets: tuple[str, ...], enabled: bool) -> tuple[str, ...]:
    if not enabled or not nets:
        return nets
    gone = draw(st.one_of(st.none(), st.sampled_from(nets)))
    return tuple(n for n in nets if n != gone)


def limit_orders(plan: Plan, *, max_batch: int = 3) -> st.SearchStrategy[tuple[tuple[str, ...], ...]]:
    """Operator ``upgrade run --limit`` orders: every deployed node once, in batches of 1..``max_batch``;
    shrink toward the plan's own node order, one node per batch."""
    if not isinstance(plan, Plan):
        raise InvalidArgument(f"plan must be a Plan (got {type(plan).__name__})")
    _check_int("max_batch", max_batch, 1)
    nodes = [n.name for r in plan.roles if r.count > 0 for n in r.nodes]

    @st.composite
    def draw_order(draw: st.DrawFn) -> tuple[tuple[str, ...], ...]:
        order = draw(st.permutations(nodes))
        batches, i = [], 0
        while i < len(order):
            size = draw(st.integers(min_value=1, max_value=min(max_batch, len(order) - i)))
            batches.append(tuple(order[i:i + size]))
            i += size
        return tuple(batches)

    return draw_order()


@dataclass(frozen=True)
class Fault:
    time: float  # simulated seconds from the start of the run
    node: str
    kind: str
    duration: float


def fault_schedules(nodes: Sequence[str], *, max_faults: int = 3, horizon: float = 3600.0,
                    kinds: Sequence[str] = FAULT_KINDS) -> st.SearchStrategy[tuple[Fault, ...]]:
    """Fault schedules over ``nodes`` sorted by time; shrink toward no faults."""
    if isinstance(nodes, str) or not nodes or not all(isinstance(n, str) for n in nodes):
        raise InvalidArgument(f"nodes must be a non-empty sequence of node names (got {nodes!r})")
    _check_int("max_faults", max_faults, 0)
    if not isinstance(horizon, (int, float)) or horizon <= 0:
        raise InvalidArgument(f"horizon must be a positive number of seconds (got {horizon!r})")
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad or not kinds:
        raise InvalidArgument(f"kinds must be among {FAULT_KINDS} (got {kinds!r})")
    fault = st.builds(Fault, time=st.floats(0, horizon, allow_nan=False), node=st.sampled_from(tuple(nodes)),
                      kind=st.sampled_from(tuple(kinds)), duration=st.floats(1, 600, allow_nan=False))
    return st.lists(fault, max_size=max_faults).map(lambda fs: tuple(sorted(fs, key=lambda f: (f.time, f.node))))


class OperatorUpgrade(RuleBasedStateMachine):
    """Operator-driven upgrade of a plan, node batch by batch (``upgrade run --limit``). Rules follow the
    documented procedure (pacemaker bootstrap node first, fewer than half a cluster per batch); invariants
    check the batches so far with :func:`check_limit_order`. Subclass with ``plan`` set, or use
    :func:`operator_upgrade_machine`."""

    plan: Plan

    @initialize()
    def start(self) -> None:
        self.batches: list[tuple[str, ...]] = []
        self.pending = {n.name: r for r in self.plan.roles if r.count > 0 for n in r.nodes}
        pcm = [n.name for r in self.plan.roles if r.count > 0 and "pacemaker" in r.services for n in r.nodes]
        self.bootstrap = pcm[0] if pcm else None

    def _upgrade(self, batch: tuple[str, ...]) -> None:
        self.batches.append(batch)
        for n in batch:
            self.pending.pop(n, None)

    # One rule, always enabled: rules with preconditions that exclude each other (bootstrap node, then batches, then
    # the final check) left one enabled at a time, and hypothesis' swarm testing, which turns rules off per test
    # case, then rejected most draws (a FailedHealthCheck "filtering out a lot of inputs", seen in about 1 run in 30)
    @rule(data=st.data())
    def upgrade_run(self, data: st.DataObject) -> None:
        """The operator's next ``upgrade run --limit``: the pacemaker bootstrap node first, then a batch of one role's
        nodes (fewer than half a cluster); once every node is upgraded, the whole order is checked."""
        if not self.pending:
            violations = check_limit_order(self.plan, self.batches, complete=True)
            assert not violations, "\n".join(v.render() for v in violations)
            return
        if self.bootstrap in self.pending:
            self._upgrade((self.bootstrap,))
            return
        roles = sorted({r.name for r in self.pending.values()})
        role = data.draw(st.sampled_from(roles), label="role")
        nodes = sorted(n for n, r in self.pending.items() if r.name == role)
        cluster = "pacemaker" in self.pending[nodes[0]].services
        members = sum(r.count for r in self.plan.roles if r.count > 0 and "pacemaker" in r.services)
        cap = max(1, (members - 1) // 2) if cluster else len(nodes)
        size = data.draw(st.integers(min_value=1, max_value=min(cap, len(nodes))), label="batch size")
        self._upgrade(tuple(nodes[:size]))

    @invariant()
    def order_is_safe(self) -> None:
        if hasattr(self, "batches"):
            violations = check_limit_order(self.plan, self.batches)
            assert not violations, "\n".join(v.render() for v in violations)


def operator_upgrade_machine(plan: Plan) -> type[OperatorUpgrade]:
    """A :class:`OperatorUpgrade` state machine bound to ``plan`` (use ``.TestCase`` in a test module)."""
    if not isinstance(plan, Plan):
        raise InvalidArgument(f"plan must be a Plan (got {type(plan).__name__})")
    return type("OperatorUpgradeOf" + plan.release.replace(".", "_"), (OperatorUpgrade,), {"plan": plan})


class SimulatedOperatorUpgrade(OperatorUpgrade):
    """:class:`OperatorUpgrade` that also simulates each batch (an :class:`~simulator.workflows.InteractiveUpgrade`
    of ``source`` -> ``plan``) and checks the run invariants after every rule: API downtime budget, quorum of
    pacemaker/galera/rabbitmq, step order, mixed-version windows, and no failed host-task. Invariants named in
    ``accept`` are not checked. Use :func:`simulated_upgrade_machine`."""

    source: Plan
    accept: frozenset[str] = frozenset()
    seed: int = 0

    @initialize()
    def start(self) -> None:
        from .timing import load_timing
        from .workflows import InteractiveUpgrade

        super().start()
        self.sim = InteractiveUpgrade(self.source, self.plan, timing=load_timing(), seed=self.seed)
        self.sim.begin()

    def _upgrade(self, batch: tuple[str, ...]) -> None:
        super()._upgrade(batch)
        self.sim.upgrade(batch)

    @invariant()
    def run_invariants_hold(self) -> None:
        from .invariants import check_run

        if not hasattr(self, "sim"):
            return
        sim = self.sim
        violations = [v for v in check_run(sim.trace, sim.world.downtime_until(sim.env.now),
                                           source_release=self.source.release, target_release=self.plan.release)
                      if v.invariant not in self.accept]
        failed = [f"{f.host}: {f.phase} step {f.step} {f.task!r}: {f.error}" for f in sim.failures]
        if "run-succeeds" in self.accept:
            failed = []
        assert not violations and not failed, (
            f"after --limit batches {[list(b) for b in self.batches]}:\n"
            + "\n".join([*(v.render() for v in violations), *failed]))


def simulated_upgrade_machine(source: Plan, target: Plan, *, accept: Sequence[str] = (),
                              seed: int = 0) -> type[SimulatedOperatorUpgrade]:
    """A :class:`SimulatedOperatorUpgrade` bound to the plans (use ``.TestCase`` or ``run_state_machine_as_test``)."""
    from .invariants import RUN_INVARIANTS

    for name, plan in (("source", source), ("target", target)):
        if not isinstance(plan, Plan):
            raise InvalidArgument(f"{name} must be a Plan (got {type(plan).__name__})")
    unknown = [a for a in accept if a not in RUN_INVARIANTS]
    if isinstance(accept, str) or unknown:
        raise InvalidArgument(f"accept must be a list of run invariants among {RUN_INVARIANTS} (got {accept!r})")
    _check_int("seed", seed, 0)
    name = "SimulatedUpgradeOf" + target.release.replace(".", "_")
    return type(name, (SimulatedOperatorUpgrade,), {"plan": target, "source": source,
                                                    "accept": frozenset(accept), "seed": seed})
