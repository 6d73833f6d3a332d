"""The major upgrade workflow, in the order tripleoclient runs it:

1. ``openstack overcloud upgrade prepare``: a Heat stack update with the new release's templates;
2. ``openstack overcloud external-upgrade run --tags container_image_prepare``: tripleo-common's image uploader
   copies the target's images to the undercloud registry — one image alone first (the shared base layers), then the
   others on a pool of ``IMAGE_UPLOAD_WORKERS`` threads; each image takes ``container_image_upload``, after the
   command's own ``container_image_prepare``;
3. ``openstack overcloud upgrade run --limit <batch>`` for each batch of the operator's order: the upgrade
   steps playbook (upgrade_tasks, steps 0-5), then host_prep_tasks and the deploy steps (deploy_steps_tasks and
   the containers of docker_config, by step), then post_upgrade_tasks (steps 0-3) — each step a play over the
   batch's hosts of each role, ``tripleo_free``, ``any_errors_fatal``, with ``step`` set;
4. ``external-upgrade run --tags online_upgrade`` (the target's external upgrade tasks with that tag: the online data
   migrations); 5. ``upgrade converge``: the stack update again, then (Rocky on: a whole ``overcloud deploy``) the
   deploy playbook on every node.

With ``system_upgrade`` (a scenario key; it sets ``UpgradeLeappEnabled``), each batch first runs
``upgrade run --tags system_upgrade --limit <batch>``: THT's leapp tasks, whose reboot moves the host to the
target release's OS (hosts start on the source release's OS: Queens RHEL 7, Train RHEL 8). Where the target's
external upgrade tasks transfer data (Train), ``external-upgrade run --tags system_upgrade_transfer_data`` runs
first, on the undercloud: it stops the services and the pacemaker cluster on every node and copies the database
to its bootstrap node, leaving the flag file that makes the upgrade tasks recreate the cluster (``cluster_recreate``)
instead of stopping and restarting it; deploy step 1 then forms the new cluster.

The tasks are the target release's plan; the world starts as the source release's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Generator, Sequence
from typing import Any

from simulator.inventory import build_inventory, os_major_of

from .base import Simulation

__all__ = ["UpgradeSimulation"]

_TRANSFER_DATA = "system_upgrade_transfer_data"


class UpgradeSimulation(Simulation):
    kind = "upgrade"

    def _workflow(self) -> Generator[Any, Any, None]:
        yield from self._prepare()
        for batch in self.order:
            if self.failures:
                return
            yield from self._batch(batch)
        if not self.failures:
            yield from self._conclude()

    # the three parts of the workflow (InteractiveUpgrade runs the batches on request)
    def _prepare(self) -> Generator[Any, Any, None]:
        yield from self._phase("upgrade prepare", self._stack(self.target, "UPDATE", before=self.source))
        if not self.failures:
            yield from self._phase("external-upgrade run --tags container_image_prepare", self._image_prepare())
        if not self.failures and self._transfers_data:
            yield from self._phase(f"external-upgrade run --tags {_TRANSFER_DATA}",
                                   self._external_run("external_upgrade_tasks", (_TRANSFER_DATA,)))

    @functools.cached_property
    def _transfers_data(self) -> bool:
        """A leapp upgrade whose target release transfers data first (Train): the documented procedure runs
        ``external-upgrade run --tags system_upgrade_transfer_data`` before the first ``--tags system_upgrade``."""
        return self.system_upgrade and any(
            _TRANSFER_DATA in json.dumps(task.body, default=str)
            for role in self.target.roles for tasks in role.tasks.get("external_upgrade_tasks", {}).values()
            for task in tasks)

    def _batch(self, batch: Sequence[str]) -> Generator[Any, Any, None]:
        """One operator batch: with ``system_upgrade`` the leapp run first, then ``upgrade run --limit``."""
        # leapp runs once per node: the documented Train procedure widens each controller's `upgrade run --limit` to
        # the controllers upgraded before it (the upgrade tasks recreate the cluster from the limit's nodes)
        leapp = [h for h in batch if self.os_major.get(h) != os_major_of(self.target.release)]
        if self.system_upgrade and leapp:
            yield from self._phase(f"upgrade run --tags system_upgrade --limit {':'.join(leapp)}",
                                   self._system_upgrade(leapp))
        if not self.failures:
            yield from self._phase(f"upgrade run --limit {':'.join(batch)}", self._upgrade_run(batch))

    def _conclude(self) -> Generator[Any, Any, None]:
        # the target's external_upgrade_tasks tagged online_upgrade (nova, cinder, ironic online data migrations, run
        # on the undercloud and delegated to a node running the service's container)
        yield from self._phase("external-upgrade run --tags online_upgrade",
                               self._external_run("external_upgrade_tasks", ("online_upgrade",)))
        yield from self._phase("upgrade converge", self._converge())

    def _planned_phases(self) -> int:
        leapp_runs, seen = 0, set[str]()  # a batch has a leapp run if it holds a node no earlier batch held
        for batch in self.order:
            leapp_runs += bool(set(batch) - seen)
            seen |= set(batch)
        return 4 + len(self.order) + (leapp_runs if self.system_upgrade else 0) + self._transfers_data

    def _default_order(self) -> list[list[str]]:
        """The documented operator order: the roles that run pacemaker first, then each other role."""
        roles = sorted(self.target.roles, key=lambda r: "pacemaker" not in r.services)
        return [[n.name for n in r.nodes] for r in roles if r.nodes]

    def _system_upgrade(self, batch: Sequence[str]) -> Generator[Any, Any, None]:
        """``upgrade run --tags system_upgrade --limit batch``: only the tasks tagged ``system_upgrade`` (THT tags
        them ``never`` too, so the main run skips them) and ``always``: remove the old packages, leapp upgrade, the
        reboot into the new OS. A host that rebooted there runs the target's OS from then on."""
        self._os_upgrading = True
        try:
            yield from self._steps_run(self._runner(batch, tags=("system_upgrade",)), self._roles_in(batch),
                                       ("upgrade_tasks", "deploy_steps_tasks", "post_upgrade_tasks"))
        finally:
            self._os_upgrading = False
        self.inventory = build_inventory(self.target, os_major=self.os_major)
        upgraded = [h for h in batch if self.os_major.get(h) == os_major_of(self.target.release)]
        self.trace.record(self.env.now, "state.os", ",".join(batch), upgraded=upgraded,
                          major=os_major_of(self.target.release))

    def _upgrade_run(self, batch: Sequence[str]) -> Generator[Any, Any, None]:
        yield from self._steps_run(self._runner(batch, skip_tags=self.skip_tags), self._roles_in(batch),
                                   ("upgrade_tasks", "host_prep_tasks", "deploy_steps_tasks", "post_upgrade_tasks"))
