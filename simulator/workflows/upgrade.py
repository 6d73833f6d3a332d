"""The major upgrade workflow, in the order tripleoclient runs it:

1. ``openstack overcloud upgrade prepare``: a Heat stack update with the new release's templates;
2. ``openstack overcloud external-upgrade run --tags container_image_prepare``;
3. ``openstack overcloud upgrade run --limit <batch>`` for each batch of the operator's order: the upgrade
   steps playbook (upgrade_tasks, steps 0-5), then host_prep_tasks and the deploy steps (deploy_steps_tasks and
   the containers of docker_config, by step), then post_upgrade_tasks (steps 0-3) — each step a play over the
   batch's hosts of each role, ``tripleo_free``, ``any_errors_fatal``, with ``step`` set;
4. ``external-upgrade run --tags online_upgrade``; 5. ``upgrade converge``.

The tasks are the target release's plan; the world starts as the source release's.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from .base import Simulation

__all__ = ["UpgradeSimulation"]


class UpgradeSimulation(Simulation):
    kind = "upgrade"

    def _workflow(self) -> Generator[Any, Any, None]:
        yield from self._phase("upgrade prepare", self._stack(self.target, "UPDATE"))
        if self.failures:
            return
        yield from self._phase("external-upgrade run --tags container_image_prepare",
                               self._wait("container_image_prepare"))
        for batch in self.order:
            yield from self._phase(f"upgrade run --limit {':'.join(batch)}", self._upgrade_run(batch))
            if self.failures:
                return
        yield from self._phase("external-upgrade run --tags online_upgrade", self._wait("online_upgrade"))
        yield from self._phase("upgrade converge", self._stack(self.target, "UPDATE"))

    def _default_order(self) -> list[list[str]]:
        """The documented operator order: the roles that run pacemaker first, then each other role."""
        roles = sorted(self.target.roles, key=lambda r: "pacemaker" not in r.services)
        return [[n.name for n in r.nodes] for r in roles if r.nodes]

    def _upgrade_run(self, batch: Sequence[str]) -> Generator[Any, Any, None]:
        yield from self._steps_run(self._runner(batch), self._roles_in(batch),
                                   ("upgrade_tasks", "host_prep_tasks", "deploy_steps_tasks", "post_upgrade_tasks"))
