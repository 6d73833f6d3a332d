"""Containers and their configuration as the plan defines them: each container's definition hash and the config
volumes it mounts, the Kolla config and hieradata hashes a node's deploy step 1 writes, the containers and units a
role runs, the bundles tripleo_ha_wrapper manages, and the docker_config files config-download writes (which THT's
tasks read with ``lookup('file')``). Pure functions of the plan: the workflows compare them with the world's."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from fakes.heat.api import DEPLOY_IDENTIFIER
from simulator.plan import Plan, Role, nested_mappings, stable_digest
from simulator.puppet_config import config_volume_of
from simulator.world import API_ENDPOINTS, PACEMAKER_BUNDLES, api_units
from simulator.world.catalogue import CLUSTERS

__all__ = ["config_hashes", "docker_config_files", "expected_running", "ha_wrapper_volumes", "hiera_hash",
           "host_api_units", "kolla_hashes", "partition_handling", "role_bundles", "task_bodies"]


@functools.lru_cache(maxsize=256)
def _definition_hashes(role_config: str) -> dict[str, tuple[str, bool, tuple[str, ...]]]:
    """Each container's definition hash, whether the definition takes tripleoclient's ``DeployIdentifier``, and
    the config volumes it mounts."""
    definitions = json.loads(role_config)
    return {name: (stable_digest(d), DEPLOY_IDENTIFIER in json.dumps(d, default=str), _mounted_volumes(d))
            for name, d in definitions.items()}


def _mounted_volumes(definition: Any) -> tuple[str, ...]:
    volumes = definition.get("volumes") if isinstance(definition, Mapping) else None
    return tuple(sorted({v for volume in volumes if isinstance(volume, str)
                         and (v := config_volume_of(volume.split(":", 1)[0])) is not None}
                        if isinstance(volumes, list) else ()))


_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: the same YAML, ~6x faster


class _DockerConfigFiles(Mapping[str, str]):
    """The docker_config files config-download writes per role (THT's tasks read them with ``lookup('file')``),
    each dumped when a task first reads it (dumping every role's on each run took a tenth of a 3+100 run)."""

    def __init__(self, plan: Plan) -> None:
        self._roles = {f"{r.name}/docker_config.yaml": r for r in plan.roles}
        self._dumped: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._dumped:
            self._dumped[name] = yaml.dump(dict(self._roles[name].docker_config), Dumper=_SafeDumper)
        return self._dumped[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._roles)

    def __len__(self) -> int:
        return len(self._roles)


def docker_config_files(plan: Plan) -> Mapping[str, str]:
    return _DockerConfigFiles(plan)


def ha_wrapper_volumes(plan: Plan) -> dict[str, str]:
    """The puppet config volume of each bundle the templates hand to ``tripleo_ha_wrapper``
    (``tripleo_ha_wrapper_bundle_name`` -> ``tripleo_ha_wrapper_puppet_config_volume``)."""
    found: dict[str, str] = {}
    for value in nested_mappings(task_bodies(plan)):
        bundle = value.get("tripleo_ha_wrapper_bundle_name")
        volume = value.get("tripleo_ha_wrapper_puppet_config_volume")
        if isinstance(bundle, str) and isinstance(volume, str):
            found.setdefault(bundle, volume)
    return found


def expected_running(role: Role) -> set[str]:
    """What a node of ``role`` runs once the role is deployed: its docker_config (and role-started) containers and
    the API units it leaves on the host, or, for a role without containers (puppet on baremetal), its API
    units."""
    containers = {c for names in role.containers.values() for c in names}
    return containers | set(host_api_units(role)) if containers else set(api_units(role.services))


def host_api_units(role: Role) -> list[str]:
    """The systemd units of the APIs a containerized ``role`` serves but does not run in a container (none for a
    role without containers: its puppet steps start every unit)."""
    containers = {c for names in role.containers.values() for c in names}
    if not containers:
        return []
    return sorted({unit for provided, served_by, unit in API_ENDPOINTS.values()
                   if set(provided) & set(role.services) and not set(served_by) & containers})


def config_hashes(role: Role, step: str, deploy_identifier: int = 0) -> dict[str, str]:
    """A hash of each container's startup definition at ``step``: its docker_config entry (image, command, volumes,
    environment) and the ``TRIPLEO_CONFIG_HASH`` container-puppet adds for the config volumes it mounts
    (``role.config_volumes``: a volume's hieradata or manifests changed, its containers are recreated): what
    tripleo_container_manage compares to decide whether a running container must be recreated. A definition
    that takes ``DeployIdentifier`` (THT's ``TRIPLEO_DEPLOY_IDENTIFIER`` in db syncs and bootstrap containers)
    changes with it: tripleoclient sets a new one (``deploy_identifier``, counted here) on every stack
    operation, so these containers run again after each."""
    step_config = role.step_config(step)
    result = {}
    if step_config:
        hashes = _definition_hashes(json.dumps(step_config, sort_keys=True, default=str))
        for name, (h, takes, volumes) in hashes.items():
            if volumes:
                h = stable_digest([h, [role.config_volumes.get(v, "") for v in volumes]])
            result[name] = stable_digest([h, deploy_identifier]) if takes else h
    # a container a tripleo-ansible role starts (18.0.0's keystone, keystone_db_sync, iscsid): its project's config
    # volume (the role's own variables are not followed)
    for name in role.containers.get(step, ()):
        if name not in result and (volume := name.split("_")[0]) in role.config_volumes:
            result[name] = stable_digest(["role-started", name, role.config_volumes[volume]])
    return result


def role_bundles(role: Role) -> set[str]:
    """The pacemaker bundles ``role`` deploys: its services' bundles, and for a containerized role only those its
    templates name (init-bundle puppet, ``tripleo_ha_wrapper``, upgrade tasks): a service deployed without pacemaker
    (18.0.0's default OVN DBs: one container per node) does not. Baremetal (puppet) roles run the service as a plain
    pacemaker resource: the world still calls it by its bundle's name."""
    if "pacemaker" not in role.services:
        return set()
    bundles = {b for s, b in PACEMAKER_BUNDLES.items() if s in role.services}
    if not role.containers or not bundles:
        return bundles
    text = json.dumps([role.docker_config, [t.body for steps in role.tasks.values() for ts in steps.values()
                                            for t in ts]], default=str)
    return {b for b in bundles if b in text}


_KOLLA_TARGET = ":/var/lib/kolla/config_files/config.json"


def kolla_source(volume: Any) -> str | None:
    """The Kolla config file a docker_config volume mounts at ``/var/lib/kolla/config_files/config.json``, or None."""
    return volume.split(":", 1)[0] if isinstance(volume, str) and _KOLLA_TARGET in volume else None


def kolla_hashes(role: Role) -> dict[str, str]:
    """A hash of the Kolla config file each container of ``role`` reads: the ``kolla_config`` entry its
    docker_config mounts at ``/var/lib/kolla/config_files/config.json``."""
    return {name: stable_digest(role.kolla_config[source]) for name, volume in role.mounts()
            if (source := kolla_source(volume)) is not None and source in role.kolla_config}


def hiera_hash(role: Role) -> str:
    """A hash of ``role``'s hieradata (role_data ``config_settings``)."""
    return stable_digest(role.config_settings) if role.config_settings else ""


def partition_handling(plan: Plan) -> str | None:
    """RabbitMQ's ``cluster_partition_handling`` in the hieradata of the first role that runs rabbitmq
    (``rabbitmq_config_variables``: ``pause_minority`` in THT up to Pike, ``ignore`` from Queens on); RabbitMQ's
    default, ``ignore``, where the hieradata sets none; None where the plan has no hieradata (Newton's plan has no
    role data): the world then counts every member, as ``pause_minority`` does."""
    for role in plan.roles:
        if set(CLUSTERS["rabbitmq"][0]) & set(role.services) and role.nodes:
            if not role.config_settings:
                return None
            variables = role.config_settings.get("rabbitmq_config_variables")
            value = variables.get("cluster_partition_handling") if isinstance(variables, Mapping) else None
            return value if isinstance(value, str) else "ignore"
    return None


def task_bodies(plan: Plan) -> list[Any]:
    return [task.body for role in plan.roles for steps in role.tasks.values() for tasks in steps.values()
            for task in tasks]
