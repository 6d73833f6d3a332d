"""haproxy's VIPs under pacemaker: where each runs, and its moves.

puppet-tripleo (``tripleo::profile::pacemaker::haproxy_bundle``) creates an IPaddr2 resource colocated with the
haproxy bundle for the control-plane VIP and for each other VIP with an address of its own: the public one, redis's,
each isolated network's. Without network isolation the stack's ``VipMap`` gives every network the ctlplane VIP, so
there is one; with it, several. Pacemaker spreads resources of equal score evenly across the nodes that may run them,
so they are placed round-robin over the haproxy nodes in the order puppet creates them (an approximation of its
scheduler, not its scores). With ``resource-stickiness=INFINITY`` (THT's pacemaker defaults) a VIP stays where it runs
until its node stops running haproxy; pacemaker then moves it to the haproxy node holding the fewest VIPs, every API
that needs it unreachable until the move ends. Each VIP's move is its own ``vip_move`` sample: a node that leaves moves
its VIPs at once; 18.0.0's ban loop (``pcs resource ban <vip> <node> --wait`` for each VIP the node holds) one after
the other. Under maintenance mode nothing moves.

An API needs the public VIP (its endpoint) and the internal API network's (its database and keystone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..core import Trace

__all__ = ["Vips", "vip_resources"]

Schedule = Callable[[Callable[[float], None]], None]

_FIRST = ("ctlplane", "external", "redis")  # puppet-tripleo's order: control, public, redis, then the networks'
_NOT_HAPROXY = ("ovn_dbs",)  # colocated with the OVN DBs' master, not haproxy
_API_NETWORKS = ("external", "internal_api")


def vip_resources(vip_map: Mapping[str, object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """From the stack's ``VipMap`` (network -> address): the haproxy VIP resources in creation order, named by their
    network, and those an API needs. As puppet-tripleo does, a network whose VIP is the control plane's
    (``ensure => $virtual_ip != $control_vip``) or that has none adds no resource: its traffic uses the control
    plane's. ``(("ctlplane",), ("ctlplane",))`` when the map gives nothing."""
    addresses = {k: v for k, v in vip_map.items() if isinstance(v, str) and v
                 and not k.endswith(("_subnet", "_uri")) and k not in _NOT_HAPROXY}
    control = addresses.get("ctlplane")
    order = [*(n for n in _FIRST if n in addresses), *(n for n in addresses if n not in _FIRST)]
    names = ("ctlplane", *(n for n in order if n != "ctlplane" and addresses[n] != control))
    needed = tuple(dict.fromkeys(n if n in names else "ctlplane" for n in _API_NETWORKS))
    return names, needed


class Vips:
    """Where each VIP runs (``node``: VIP -> node, None while it moves or where no node runs haproxy). The world
    gives the nodes that may hold one (``holders``, in cluster order), whether pacemaker is in maintenance mode
    (``frozen``) and what to re-derive when a move ends (``observe``)."""

    def __init__(self, trace: Trace, names: Sequence[str], needed: Sequence[str], *,
                 holders: Callable[[], list[str]], frozen: Callable[[], bool], observe: Callable[[float], None]):
        self.trace = trace
        self.names = tuple(names)
        self.needed = tuple(needed)
        self.node: dict[str, str | None] = dict.fromkeys(self.names)
        self.moving: set[str] = set()
        self._holders, self._frozen, self._observe = holders, frozen, observe
        self._avoid: dict[str, str] = {}  # VIP -> the node it is banned from while it moves
        self._banned: list[tuple[str, str]] = []  # (VIP, node) a ban loop moves next, in turn
        self._dest: dict[str, str | None] = {}  # VIP -> where the move under way takes it
        self._schedule: Schedule | None = None

    @property
    def followed(self) -> bool:
        return self._schedule is not None

    def track(self, schedule: Schedule) -> None:
        """Follow the VIPs: placed round-robin over the haproxy nodes; ``schedule(arrive)`` calls ``arrive(now)``
        when a move that starts now has ended."""
        self._schedule = schedule
        self.moving.clear()
        self._dest.clear()
        self._avoid.clear()
        self._banned.clear()
        holders = self._holders()
        for i, name in enumerate(self.names):
            self.node[name] = holders[i % len(holders)] if holders else None

    def retrack(self) -> None:
        """Place the VIPs anew (a workflow that starts from scratch), if they are followed."""
        if self._schedule is not None:
            self.track(self._schedule)

    def down(self) -> str | None:
        """Why the APIs cannot reach a VIP they need, or None."""
        for name in self.needed:
            if self.node[name] is None:  # a move under way whose every destination stopped haproxy goes nowhere
                state = "VIP moving" if name in self.moving and self._holders() else "no VIP"
                return state if len(self.names) == 1 else f"{state} ({name})"
        return None

    def watch(self, now: float) -> None:
        """Each VIP whose node no longer runs haproxy moves to another that does (``state.vip`` ``moving`` now,
        ``started`` when the move ends), or stops where none does."""
        if self._schedule is None or self._frozen():
            return
        holders = self._holders()
        for name in self.names:
            where = self.node[name]
            if name in self.moving or where in holders or (where is None and not holders):
                continue
            self._banned = [(v, n) for v, n in self._banned if v != name]
            self.node[name] = None
            if not holders:
                self._record(now, name, where or "-", "stopped")
                continue
            self._start(now, name, where or "-")

    def ban(self, node: str, now: float) -> bool:
        """``pcs resource ban <vip> <node> --wait`` for each VIP on ``node``, one after the other; False if none runs
        there or no other node could take them."""
        if self._schedule is None or self._frozen():
            return False
        mine = [n for n in self.names if self.node[n] == node and n not in self.moving]
        if not mine or not [h for h in self._holders() if h != node]:
            return False
        first, *rest = mine
        self._banned += [(name, node) for name in rest]
        self.node[first], self._avoid[first] = None, node
        self._start(now, first, node)
        self._observe(now)
        return True

    @property
    def first_node(self) -> str | None:
        """Where the first VIP an API needs runs."""
        return self.node[self.needed[0]] if self.needed else None

    def snapshot(self) -> dict[str, str | None]:
        return dict(self.node)

    def _start(self, now: float, name: str, source: str) -> None:
        """Pacemaker's transition places the VIP now (its scheduler decides, then the IPaddr2 stop and start take
        the move's time): on the haproxy node holding the fewest VIPs, counting those on their way."""
        assert self._schedule is not None
        self.moving.add(name)
        self._dest[name] = self._least_loaded(self._avoid.get(name))
        self._record(now, name, source, "moving")
        self._schedule(lambda t: self._arrived(name, t))

    def _least_loaded(self, avoid: str | None) -> str | None:
        holders = self._holders()
        holders = [h for h in holders if h != avoid] or holders
        load = {h: sum(1 for n in self.names if self.node[n] == h or self._dest.get(n) == h) for h in holders}
        return min(holders, key=lambda h: load[h]) if holders else None  # ties: cluster order

    def _arrived(self, name: str, now: float) -> None:
        if name not in self.moving:  # a move the VIPs' placement anew (track) superseded
            return
        self.moving.discard(name)
        dest = self._dest.pop(name, None)
        avoid = self._avoid.pop(name, None)
        if dest not in self._holders():  # its node stopped running haproxy meanwhile
            dest = self._least_loaded(avoid)
        if dest is not None and not self._frozen():
            self.node[name] = dest
            self._record(now, name, dest, "started")
        else:  # no node runs haproxy now (or pacemaker froze mid-move): the VIP runs nowhere
            self._record(now, name, "-", "stopped")
        while self._banned:  # the ban loop's next VIP, if it still runs on the banned node
            nxt, node = self._banned.pop(0)
            if self.node[nxt] == node and nxt not in self.moving:
                self.node[nxt], self._avoid[nxt] = None, node
                self._start(now, nxt, node)
                break
        self._observe(now)

    def _record(self, now: float, name: str, node: str, state: str) -> None:
        # the one VIP of a deployment without network isolation needs no name (traces stay as they were)
        extra = {"vip": name} if len(self.names) > 1 else {}
        self.trace.record(now, "state.vip", node, state=state, **extra)
