"""The Heat-driven composable upgrades of Ocata (THT 6.x) and Pike (7.x), in the order their upgrade
documentation gives:

1. ``openstack overcloud deploy ... -e environments/major-upgrade-composable-steps.yaml`` (Pike's upgrade into
   containers: ``major-upgrade-composable-steps-docker.yaml``): a stack update whose
   ``OS::TripleO::PostDeploySteps`` is ``major_upgrade_steps.yaml``. Its resources run on the stack's resource
   graph (:mod:`.stack`): for steps 0-2 each role's ``UpgradeBatch_StepN`` (``upgrade_batch_tasks``,
   ``max_batch_size`` servers at a time), then for steps 0-5 each role's ``Upgrade_StepN`` (``upgrade_tasks``
   tagged ``stepN``/``common``, run by the heat-config ansible hook on every server of the role at once), every
   role finishing step N before any starts N+1 (their ``depends_on``), then ``AllNodesPostUpgradeSteps``, which
   starts the services again: Ocata's puppet steps, or Pike's containerized deploy steps (``host_prep_tasks``,
   then each step's ``docker_config`` containers; the services Pike leaves on the host come back with the host's
   puppet at step 4). Roles with ``disable_upgrade_deployment`` (Compute and ObjectStorage by default) take no
   part;
2. ``upgrade-non-controller.sh --upgrade <node>`` for each node of those roles, one at a time (the operator
   order): the delivered script runs the role's upgrade_tasks step by step, then the same configuration;
3. ``openstack overcloud deploy ... -e environments/major-upgrade-converge.yaml`` (Pike:
   ``major-upgrade-converge-docker.yaml``): a stack update of the plan with that environment first, whose
   ``PostDeploySteps`` (mapped back to the deploy steps) configure every node again: Ocata's puppet steps, Pike's
   containerized deploy steps.

Puppet is not interpreted (:meth:`Simulation._puppet_steps`).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from fakes.heat.lifecycle import Deployment, StackResource
from simulator.plan import Role
from simulator.planning import (
    HEAT_UPGRADE_CONVERGE,
    HEAT_UPGRADE_CONVERGE_DOCKER,
    HEAT_UPGRADE_DOCKER_ENVIRONMENT,
    HEAT_UPGRADE_ENVIRONMENT,
)

from .base import Simulation
from .stack import stack_operation

__all__ = ["HeatUpgradeSimulation"]


class HeatUpgradeSimulation(Simulation):
    kind = "upgrade"

    def _planned_phases(self) -> int:
        return 2 + len(self.order)

    def _default_order(self) -> list[list[str]]:
        """``upgrade-non-controller.sh`` one node at a time, role by role."""
        return [[n.name] for r in self.target.roles if r.disable_upgrade_deployment for n in r.nodes]

    def _workflow(self) -> Generator[Any, Any, None]:
        steps_env = HEAT_UPGRADE_DOCKER_ENVIRONMENT if self.containerized else HEAT_UPGRADE_ENVIRONMENT
        yield from self._phase(f"overcloud deploy -e {Path(steps_env).name}", self._composable_steps())
        if self.failures:
            return
        for batch in self.order:
            yield from self._phase(f"upgrade-non-controller.sh --upgrade {' '.join(batch)}",
                                   self._non_controller(batch))
            if self.failures:
                return
        converge_env = HEAT_UPGRADE_CONVERGE_DOCKER if self.containerized else HEAT_UPGRADE_CONVERGE
        yield from self._phase(f"overcloud deploy -e {Path(converge_env).name}",
                               self._stack(self.converge_plan, "UPDATE", before=self.target,
                                           deploy=self._converge_deployment))

    # ---- 1. the upgrade-steps stack --------------------------------------------------------------------------
    def _composable_steps(self) -> Generator[Any, Any, None]:
        yield from stack_operation(self, self.target.heat_upgrade_steps, "UPDATE", deploy=self._deployment)

    def _deployment(self, resource: StackResource) -> Generator[Any, Any, str | None] | None:
        if resource.type == "OS::TripleO::PostUpgradeSteps":
            hosts = [n.name for r in self.target.roles if not r.disable_upgrade_deployment for n in r.nodes]
            return self._configure(hosts)
        if resource.deployment is None:
            return None
        role = self.target.role(resource.deployment.role)
        return self._deploy_step(resource, role, resource.deployment)  # no servers: complete at once

    def _deploy_step(self, resource: StackResource, role: Role, d: Deployment) -> Generator[Any, Any, str | None]:
        hosts = [n.name for n in role.nodes]
        size = max(d.batch_size or len(hosts), 1)
        tasks = [t.body for t in role.tasks.get(d.tasks_key, {}).get(str(d.step), ())]
        if not tasks:
            return None
        for i in range(0, len(hosts), size):
            batch = hosts[i:i + size]
            before = len(self.failures)
            play = {"hosts": ":".join(batch), "name": resource.name, "strategy": "free", "tasks": tasks,
                    "vars": {"step": d.step}}
            # the heat-config ansible hook runs the step's config with `--tags common,stepN` (UpgradeConfig)
            runner = self._runner(batch, tags=("common", f"step{d.step}"))
            yield from self._run_plays(runner, [play], d.tasks_key, str(d.step))
            if len(self.failures) > before:
                f = self.failures[before]
                return f"Deployment to server failed: deploy_status_code: 2 ({f.host}: task {f.task!r}: {f.error})"
        return None

    def _converge_deployment(self, resource: StackResource) -> Generator[Any, Any, str | None] | None:
        """The converge environment maps ``OS::TripleO::PostDeploySteps`` back to the deploy steps (``post.yaml``):
        every node runs them again (:meth:`_configure`), with the converge's plan."""
        if resource.type != "OS::TripleO::PostDeploySteps":
            return None
        if self.converge_plan is not self.target:
            self._use_plan(self.converge_plan)
        return self._configure([n.name for r in self.target.roles for n in r.nodes])

    def _configure(self, hosts: Sequence[str]) -> Generator[Any, Any, str | None]:
        """What starts the services again after the upgrade steps: Ocata's puppet steps, or Pike's containerized
        deploy steps (``host_prep_tasks``, then each step's ``docker_config`` containers; the host's own puppet
        for services left on it, such as pacemaker, is not interpreted)."""
        if not self.containerized:
            return (yield from self._puppet_steps(hosts))
        before = len(self.failures)
        yield from self._steps_run(self._runner(hosts), self._roles_in(hosts),
                                   ("host_prep_tasks", "deploy_steps_tasks"))
        if len(self.failures) > before:
            f = self.failures[before]
            return f"Deployment to server failed: deploy_status_code: 2 ({f.host}: task {f.task!r}: {f.error})"
        return None

    @property
    def containerized(self) -> bool:
        """Pike's upgrade to containers (``major-upgrade-composable-steps-docker.yaml``)."""
        return any(r.containers for r in self.target.roles)

    # ---- 2. upgrade-non-controller.sh --------------------------------------------------------------------
    def _non_controller(self, batch: Sequence[str]) -> Generator[Any, Any, None]:
        yield from self._steps_run(self._runner(batch), self._roles_in(batch), ("upgrade_tasks",))
        if not self.failures:
            before = len(self.failures)
            error = yield from self._configure(batch)
            if error and len(self.failures) == before:
                from .base import Failure

                self.failures.append(Failure(self.env.now, ",".join(batch), "puppet", "-", "puppet apply", error))

