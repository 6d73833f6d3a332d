"""A Heat stack operation (CREATE or UPDATE of the overcloud stack) in virtual time, on its resource graph.

Each resource starts when every resource it depends on is complete (Heat's dependency order, resources in
parallel otherwise) and takes a duration sampled from the timing profile by kind: a ResourceGroup's members run
concurrently (the slowest decides), nested stacks (``OS::TripleO::*`` aliases, template files) take
``heat_nested_stack``, software deployments ``heat_deployment``, the rest ``heat_resource``. A fault of kind
``heat_resource_failed`` on a resource name fails it; the stack then fails naming it, as
``Resource UPDATE failed: <name>``; the stack also fails when it runs past the stack timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from fakes.heat.lifecycle import StackResource

if TYPE_CHECKING:
    from .base import Simulation

__all__ = ["DEFAULT_STACK_TIMEOUT_S", "stack_operation"]

DEFAULT_STACK_TIMEOUT_S = 240 * 60.0  # tripleoclient's default --timeout (minutes)


def _duration(sim: Simulation, resource: StackResource) -> float:
    t = resource.type
    if t == "OS::Heat::ResourceGroup" and resource.members > 0:
        return max(sim.timing.phase("heat_group_member").sample(sim._rng) for _ in range(resource.members))
    if "Deployment" in t and t.startswith("OS::Heat::"):
        return sim.timing.phase("heat_deployment").sample(sim._rng)
    if t.startswith("OS::TripleO::") or t.endswith((".yaml", ".template")):
        return sim.timing.phase("heat_nested_stack").sample(sim._rng)
    return sim.timing.phase("heat_resource").sample(sim._rng)


Deploy = Callable[[StackResource], "Generator[Any, Any, str | None] | None"]


def stack_operation(sim: Simulation, resources: Sequence[StackResource], action: str, *,
                    timeout_s: float = DEFAULT_STACK_TIMEOUT_S,
                    deploy: Deploy | None = None) -> Generator[Any, Any, str | None]:
    """Run ``action`` (``CREATE``/``UPDATE``) over ``resources``; returns None, or why the stack failed
    (and then has appended the failure to ``sim.failures``). ``deploy(resource)`` may return a process body
    that does the resource's work (Ocata's upgrade-step deployments run Ansible on servers); it returns None
    on success or why the deployment failed, and its virtual time is the resource's duration."""
    env = sim.env
    t0 = env.now
    deadline = t0 + timeout_s
    done = {r.name: env.event() for r in resources}
    outcome = env.event()
    state: dict[str, Any] = {"left": len(resources), "failed": None}
    # durations are drawn up front, in template order, so the stream of samples does not depend on scheduling
    durations = {r.name: _duration(sim, r) for r in resources}

    def fail(resource: StackResource, reason: str) -> None:
        sim.trace.record(env.now, "heat.resource", resource.name, action=action, status=f"{action}_FAILED",
                         type=resource.type, reason=reason)
        if state["failed"] is None:
            state["failed"] = f"Resource {action} failed: {resource.name}: {reason}"
            outcome.succeed()

    def one(resource: StackResource) -> Generator[Any, Any, None]:
        if resource.depends:
            yield env.all_of([done[d] for d in resource.depends])
        if state["failed"] is not None:
            return  # Heat starts no new resource once the stack has failed
        start = env.now
        work = deploy(resource) if deploy is not None else None
        if work is not None:
            error = yield from work
            if error is not None:
                fail(resource, error)
            elif state["failed"] is None:
                complete(resource, start)
            return
        end = start + durations[resource.name]
        if end > deadline:
            if deadline > env.now:
                yield env.timeout(deadline - env.now)
            if state["failed"] is None:
                fail(resource, f"Stack {action} cancelled: timed out after {timeout_s / 60:.0f} min")
            return
        yield env.timeout(end - start)
        if state["failed"] is not None:
            return
        fault = next((f for f in sim.faults if f.kind == "heat_resource_failed" and f.target == resource.name
                      and f.at <= env.now), None)
        if fault is not None:
            fail(resource, str(fault.params.get("reason") or f"injected failure at t={fault.at:.0f}s"))
            return
        complete(resource, start)

    def complete(resource: StackResource, start: float) -> None:
        sim.trace.record(env.now, "heat.resource", resource.name, action=action, status=f"{action}_COMPLETE",
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
