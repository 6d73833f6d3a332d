"""The minor update workflow, as tripleoclient runs it:

1. ``openstack overcloud update prepare``: a Heat stack update (same release, new parameters/images);
   then ``openstack overcloud external-update run --tags container_image_prepare`` (the images copied to the
   undercloud registry, as in an upgrade) and, for each of the scenario's ``external_update_tags``,
   ``external-update run --tags <tag>``: the external update tasks with that tag, on the undercloud (``ovn``, from
   Wallaby's 2022 templates on: ovn_controller updated on every node ahead of the OVN databases);
2. ``openstack overcloud update run --limit <role>`` for each role (pacemaker roles first): the role's hosts in
   batches of its ``update_serial`` (roles_data; the update playbook's ``serial``), each batch going through
   update_tasks steps 0-5, host_prep_tasks, the deploy steps and post_update_tasks steps 0-3 before the next;
3. ``openstack overcloud update converge``: the stack update again, then (Rocky on: a whole ``overcloud deploy``)
   the deploy playbook on every node.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from fakes.ansible import serial_batches

from .base import Simulation

__all__ = ["UpdateSimulation"]

SEQUENCE = ("update_tasks", "host_prep_tasks", "deploy_steps_tasks", "post_update_tasks")


class UpdateSimulation(Simulation):
    kind = "update"

    def _workflow(self) -> Generator[Any, Any, None]:
        yield from self._phase("update prepare", self._stack(self.target, "UPDATE", before=self.source))
        if self.failures:
            return
        yield from self._phase("external-update run --tags container_image_prepare", self._image_prepare())
        for tag in self.external_update_tags:
            if self.failures:
                return
            yield from self._phase(f"external-update run --tags {tag}",
                                   self._external_run("external_update_tasks", (tag,)))
        if self.failures:
            return
        for batch in self.order:
            yield from self._phase(f"update run --limit {':'.join(batch)}", self._update_run(batch))
            if self.failures:
                return
        yield from self._phase("update converge", self._converge())

    def _planned_phases(self) -> int:
        return 3 + len(self.external_update_tags) + len(self.order)

    def _default_order(self) -> list[list[str]]:
        roles = sorted(self.target.roles, key=lambda r: "pacemaker" not in r.services)
        return [[n.name for n in r.nodes] for r in roles if r.nodes]

    def _update_run(self, limit: Sequence[str]) -> Generator[Any, Any, None]:
        runner = self._runner(limit, skip_tags=self.skip_tags)
        for role, hosts in self._roles_in(limit):
            for batch in serial_batches(hosts, role.update_serial, f"{role.name}.update_serial"):
                yield from self._steps_run(runner, [(role, list(batch))], SEQUENCE)
                if self.failures:
                    return
