"""A Heat stack operation (CREATE or UPDATE of the overcloud stack) in virtual time, on its resource graph.

Each resource starts when every resource it depends on is complete (Heat's dependency order, resources in
parallel otherwise) and takes a duration sampled from the timing profile by kind: software deployments
``heat_deployment``, servers ``heat_server``, the rest ``heat_resource``. A nested stack whose resources the plan
expanded (:attr:`StackResource.children`) takes ``heat_nested_overhead`` plus the critical path of its own
resources, laid out the same way; a ResourceGroup's members run concurrently, each its own sample of the member
template (the slowest decides); a nested stack or group left unexpanded takes ``heat_nested_stack`` (a member
``heat_group_member``). A fault of kind ``heat_resource_failed`` on a resource fails it — a top-level name or a
nested path (``Controller.1.NetIpMap``: that resource of member 1 of the Controller group) — when it would
complete; the stack then fails naming it with Heat's nested path (``Resource UPDATE failed: Controller:
resources[1].resources.NetIpMap: ...``); the stack also fails when it runs past the stack timeout. Top-level
resources are ``heat.resource`` trace events; each expanded nested resource is a ``heat.nested`` event when it
completes (named by its path), none once the stack has failed.

On UPDATE, Heat updates a resource only when its frozen definition changed (``Resource._needs_update``): a
resource whose digest (:attr:`StackResource.digest`: resolved type, properties, metadata, dependencies, policies)
equals the one the stack held before takes ``heat_unchanged`` and is ``UNCHANGED`` in the trace; nested stacks,
groups and chains always update (their own resources decide), and so does a resource that takes tripleoclient's
per-operation ``DeployIdentifier``, that reads a ResourceGroup's attributes, or that a fault names.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from fakes.heat.lifecycle import StackResource

if TYPE_CHECKING:
    from .base import Simulation

__all__ = ["DEFAULT_STACK_TIMEOUT_S", "stack_operation"]

DEFAULT_STACK_TIMEOUT_S = 240 * 60.0  # tripleoclient's default --timeout (minutes)


_GROUP = "OS::Heat::ResourceGroup"
_UNCHANGED = "UNCHANGED"  # an UPDATE left the resource alone: no event in Heat's own event list


def _leaf(sim: Simulation, resource: StackResource) -> float:
    t = resource.type
    if "Deployment" in t and (t.startswith("OS::Heat::") or t.startswith("OS::TripleO::Software")):
        return sim.timing.phase("heat_deployment").sample(sim._rng)
    if t.endswith("Server") or t == "OS::Nova::Server":
        return sim.timing.phase("heat_server").sample(sim._rng)
    if t.startswith("OS::TripleO::") or t.endswith((".yaml", ".template")):
        return sim.timing.phase("heat_nested_stack").sample(sim._rng)
    return sim.timing.phase("heat_resource").sample(sim._rng)


class _Failing:
    """The nested resources that faults name under one top-level resource: ``(end offset from the top-level
    resource's start, Heat path, fault)`` each; and every nested resource laid out, ``(end offset, path, type, start
    offset, unchanged)``, for its trace event."""

    def __init__(self) -> None:
        self.candidates: list[tuple[float, str, Any]] = []
        self.nested: list[tuple[float, str, str, float, bool]] = []

    def note(self, offset: float, where: str, fault: Any) -> None:
        self.candidates.append((offset, where, fault))

    def first(self, start: float, limit: float) -> tuple[float, str, Any] | None:
        """The earliest nested resource that fails when the top-level one starts at ``start``: its fault holds when
        it ends, by ``limit`` (the top-level resource's end or the stack's deadline)."""
        hits = [c for c in self.candidates if start + c[0] <= limit and c[2].active(start + c[0])]
        return min(hits, key=lambda c: c[0], default=None)


class _Before:
    """What the stack held before an UPDATE: each resource's digest by its walk path (a group's members share
    ``0``; :meth:`StackResource.walk`). A resource whose digest is unchanged and that no fault names is left alone
    (Heat's ``_needs_update`` is false): it takes ``heat_unchanged``."""

    def __init__(self, resources: Sequence[StackResource] | None, faults: Sequence[Any]) -> None:
        self.digests = {p: r.digest for top in resources or () for p, r in top.walk()} if resources is not None \
            else None
        self.faulted = {f.target for f in faults if f.kind == "heat_resource_failed"}

    def unchanged(self, resource: StackResource, key: str, path: str) -> bool:
        return self.digests is not None and resource.digest is not None \
            and self.digests.get(key) == resource.digest and path not in self.faulted


def _layout(sim: Simulation, resources: Sequence[StackResource], path: str, key: str, heat_path: str,
            faults: dict[str, list[Any]], failing: _Failing, base: float, before: _Before) -> float:
    """The critical path of ``resources`` (a nested stack's graph) starting at offset ``base``, sampling each
    resource in dependency order (template order among independent ones); notes faulted nested resources in
    ``failing``, and every nested resource's span in ``failing.nested``."""
    ends: dict[str, float] = {}
    for resource in _topological(resources):
        start = max((ends[d] for d in resource.depends if d in ends), default=base)
        here = f"{path}.{resource.name}" if path else resource.name
        key_here = f"{key}.{resource.name}" if key else resource.name
        heat_here = _join(heat_path, f"resources.{resource.name}")
        ends[resource.name] = start + _own(sim, resource, here, key_here, heat_here, faults, failing, start, before)
        if path:
            failing.nested.append((ends[resource.name], here, resource.type, start,
                                   before.unchanged(resource, key_here, here)))
        for fault in faults.get(here, ()) if path else ():  # top-level faults are the stack operation's business
            failing.note(ends[resource.name], heat_here, fault)
    return max(ends.values(), default=base) - base


def _own(sim: Simulation, resource: StackResource, path: str, key: str, heat_path: str,
         faults: dict[str, list[Any]],
         failing: _Failing, start: float, before: _Before) -> float:
    if resource.type == _GROUP:
        if resource.members <= 0:
            return sim.timing.phase("heat_resource").sample(sim._rng)
        if not resource.children:
            return max(sim.timing.phase("heat_group_member").sample(sim._rng) for _ in range(resource.members))
        spans = []
        for i in range(resource.members):
            overhead = sim.timing.phase("heat_nested_overhead").sample(sim._rng)
            spans.append(overhead + _layout(sim, resource.children, f"{path}.{i}", f"{key}.0",
                                            _join(heat_path, f"resources[{i}]"), faults, failing, start + overhead,
                                            before))
        return max(spans)
    if resource.children:
        overhead = sim.timing.phase("heat_nested_overhead").sample(sim._rng)
        return overhead + _layout(sim, resource.children, path, key, heat_path, faults, failing, start + overhead,
                                  before)
    if before.unchanged(resource, key, path):
        return sim.timing.phase("heat_unchanged").sample(sim._rng)
    return _leaf(sim, resource)


def _join(a: str, b: str) -> str:
    return f"{a}.{b}" if a else b


def _topological(resources: Sequence[StackResource]) -> list[StackResource]:
    by_name = {r.name: r for r in resources}
    seen: set[str] = set()
    out: list[StackResource] = []

    def visit(r: StackResource) -> None:
        if r.name in seen:
            return
        seen.add(r.name)
        for d in r.depends:
            if d in by_name:
                visit(by_name[d])
        out.append(r)

    for r in resources:
        visit(r)
    return out


Deploy = Callable[[StackResource], "Generator[Any, Any, str | None] | None"]


def stack_operation(sim: Simulation, resources: Sequence[StackResource], action: str, *,
                    timeout_s: float = DEFAULT_STACK_TIMEOUT_S, deploy: Deploy | None = None,
                    before: Sequence[StackResource] | None = None) -> Generator[Any, Any, str | None]:
    """Run ``action`` (``CREATE``/``UPDATE``) over ``resources``; returns None, or why the stack failed
    (and then has appended the failure to ``sim.failures``). ``deploy(resource)`` may return a process body
    that does the resource's work (Ocata's upgrade-step deployments run Ansible on servers); it returns None
    on success or why the deployment failed, and its virtual time is the resource's duration. ``before``: the
    stack's resources before an UPDATE; a resource whose definition is unchanged is left alone (``UNCHANGED``)."""
    env = sim.env
    t0 = env.now
    deadline = t0 + timeout_s
    done = {r.name: env.event() for r in resources}
    outcome = env.event()
    state: dict[str, Any] = {"left": len(resources), "failed": None}
    # durations are drawn up front, in template order, so the stream of samples does not depend on scheduling
    faults: dict[str, list[Any]] = {}
    for f in sim.faults:
        if f.kind == "heat_resource_failed" and "." in f.target:
            faults.setdefault(f.target, []).append(f)
    durations: dict[str, float] = {}
    nested_failure: dict[str, _Failing] = {}
    nested: dict[str, list[tuple[float, str, str, float, bool]]] = {}
    previous = _Before(before if action == "UPDATE" else None, sim.faults)
    for r in resources:
        failing = _Failing()
        durations[r.name] = _own(sim, r, r.name, r.name, "", faults, failing, 0.0, previous)
        if failing.candidates:
            nested_failure[r.name] = failing
        if failing.nested:
            nested[r.name] = sorted(failing.nested)

    def fail(resource: StackResource, reason: str) -> None:
        sim.trace.record(env.now, "heat.resource", resource.name, action=action, status=f"{action}_FAILED",
                         type=resource.type, reason=reason)
        if state["failed"] is None:
            state["failed"] = f"Resource {action} failed: {resource.name}: {reason}"
            outcome.succeed()

    def inner(start: float, spans: list[tuple[float, str, str, float, bool]]) -> Generator[Any, Any, None]:
        """The nested resources of a top-level one complete at their laid-out times (until the stack fails or
        times out): one ``heat.nested`` event each, named by path (``Compute.17.NetIpMap``)."""
        for end, path, kind, begin, unchanged in spans:
            if start + end > env.now:
                yield env.timeout(start + end - env.now)
            if state["failed"] is not None or env.now > deadline:
                return
            sim.trace.record(env.now, "heat.nested", path, action=action,
                             status=_UNCHANGED if unchanged else f"{action}_COMPLETE", type=kind,
                             start=round(start + begin, 6))

    def one(resource: StackResource) -> Generator[Any, Any, None]:
        if resource.depends:
            yield env.all_of([done[d] for d in resource.depends])
        if state["failed"] is not None:
            return  # Heat starts no new resource once the stack has failed
        start = env.now
        work = deploy(resource) if deploy is not None else None
        end = start + durations[resource.name]
        failing = nested_failure.get(resource.name)
        # the nested resource whose fault fails this one: active when it ends, before this one's end
        hit = failing.first(start, min(end, deadline)) if failing is not None else None
        if work is None and resource.name in nested:  # a failing nested resource cancels those not yet complete
            env.process(inner(start, [span for span in nested[resource.name] if hit is None or span[0] < hit[0]]))
        if work is not None:
            error = yield from work
            if error is None and state["failed"] is None:  # the deployments ran; Heat then marks the resource
                error = _injected(resource.name, env.now)
            if error is not None:
                fail(resource, error)
            elif state["failed"] is None:
                complete(resource, start)
            return
        if hit is not None:
            cut, where, fault = hit
            yield env.timeout(cut)
            if state["failed"] is None:
                sim.applied_faults.add(id(fault))
                fail(resource, f"{where}: " + str(fault.params.get("reason")
                                                  or f"injected failure at t={fault.at:.0f}s"))
            return
        if end > deadline:
            if deadline > env.now:
                yield env.timeout(deadline - env.now)
            if state["failed"] is None:
                fail(resource, f"Stack {action} cancelled: timed out after {timeout_s / 60:.0f} min")
            return
        yield env.timeout(end - start)
        if state["failed"] is not None:
            return
        error = _injected(resource.name, env.now)
        if error is not None:
            fail(resource, error)
            return
        complete(resource, start)

    def _injected(name: str, now: float) -> str | None:
        """Why a ``heat_resource_failed`` fault fails top-level resource ``name`` as it ends at ``now`` (the fault
        holds then), or None."""
        fault = next((f for f in sim.faults if f.kind == "heat_resource_failed" and f.target == name
                      and f.active(now)), None)
        if fault is None:
            return None
        sim.applied_faults.add(id(fault))
        return str(fault.params.get("reason") or f"injected failure at t={fault.at:.0f}s")

    def complete(resource: StackResource, start: float) -> None:
        status = _UNCHANGED if previous.unchanged(resource, resource.name, resource.name) else f"{action}_COMPLETE"
        sim.trace.record(env.now, "heat.resource", resource.name, action=action, status=status,
                         type=resource.type, start=round(start, 6))
        done[resource.name].succeed()
        state["left"] -= 1
        if state["left"] == 0:
            outcome.succeed()

    for resource in resources:
        env.process(one(resource))
    if not resources:
        return None
    yield outcome
    reason: str | None = state["failed"]
    status = f"{action}_FAILED" if reason else f"{action}_COMPLETE"
    sim.trace.record(env.now, "heat.stack", "overcloud", action=action, status=status, reason=reason or "",
                     resources=len(resources), seconds=round(env.now - t0, 6))
    if reason:
        from .base import Failure

        sim.failures.append(Failure(env.now, "undercloud", f"stack {action.lower()}", "-",
                                    f"overcloud {status}", reason))
    return reason
