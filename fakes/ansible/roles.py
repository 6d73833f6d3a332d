"""Catalogue of tripleo-ansible roles called by THT lifecycle tasks, modelled by their effect.

Each role entry point (``tasks_from``) is a short task list in Ansible's format calling a pseudo-module
``sim_<role>`` whose arguments are the role's inputs after its defaults (read from tripleo-ansible 6.0.0,
``roles/<name>/defaults/main.yml`` and ``tasks/*.yml``); :mod:`.effects` maps the pseudo-modules to effects.
A role that is not catalogued runs as one opaque ``sim_opaque`` task, so it is counted, not hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ROLE_CATALOGUE", "SERVICE_CONTAINER_ROLES", "RoleModel", "catalogued", "containers_managed_from",
           "containers_started_by",
           "role_tasks"]


@dataclass(frozen=True)
class RoleModel:
    name: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    entry_points: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    summary: str = ""


def _call(module: str, name: str, **args: Any) -> Mapping[str, Any]:
    return {"name": name, f"sim_{module}": dict(args)}


_FLAG_FILE_SET = ["tripleo_transfer_flag_file != None", "tripleo_transfer_flag_file | length > 0"]

ROLE_CATALOGUE: dict[str, RoleModel] = {
    "tripleo_container_tag": RoleModel(
        "tripleo_container_tag",
        defaults={
            "tripleo_container_cli": "{{ container_cli | default('podman') }}",
            "tripleo_container_pull_image": "{{ pull_image | default(true) }}",
            "tripleo_container_image_latest": "{{ container_image_latest | default('latest') }}",
            "tripleo_container_image": "{{ container_image | default('') }}",
        },
        entry_points={
            "main": (
                {
                    "name": "Fail if container image is undefined",
                    "fail": {"msg": "tripleo_container_image is empty"},
                    "when": ["not tripleo_container_image"],
                },
                _call(
                    "tripleo_container_tag",
                    "Pull and tag image",
                    cli="{{ tripleo_container_cli }}",
                    image="{{ tripleo_container_image }}",
                    latest="{{ tripleo_container_image_latest }}",
                    pull="{{ tripleo_container_pull_image | bool }}",
                ),
            )
        },
        summary="pull (optionally) and tag an image as the pcmklatest/latest name",
    ),
    "tripleo_container_rm": RoleModel(
        "tripleo_container_rm",
        defaults={
            "tripleo_container_cli": "{{ container_cli | default('podman') }}",
            "tripleo_containers_to_rm": "{{ containers_to_rm | default([]) }}",
        },
        entry_points={
            "main": (
                _call(
                    "tripleo_container_rm",
                    "Remove containers and their systemd units",
                    cli="{{ tripleo_container_cli }}",
                    containers="{{ tripleo_containers_to_rm }}",
                ),
            )
        },
        summary="stop/disable tripleo_<c>(_healthcheck) units, remove unit files and the containers",
    ),
    "tripleo_container_stop": RoleModel(
        "tripleo_container_stop",
        defaults={"tripleo_containers_to_stop": [], "tripleo_delegate_to": ["localhost"]},
        entry_points={
            "main": (
                {
                    "name": "Fail if tripleo_delegate_to is undefined",
                    "fail": {"msg": "tripleo_delegate_to is mandatory"},
                    "when": ["not ((tripleo_delegate_to is defined) and (tripleo_delegate_to | length > 0))"],
                },
                _call(
                    "tripleo_container_stop",
                    "Stop containers",
                    containers="{{ tripleo_containers_to_stop }}",
                    delegate_to="{{ tripleo_delegate_to }}",
                ),
            )
        },
        summary="stop the named containers (systemctl stop, podman kill, docker stop) on the delegate hosts",
    ),
    "tripleo_ha_wrapper": RoleModel(
        "tripleo_ha_wrapper",
        defaults={"tripleo_ha_wrapper_minor_update": ""},
        entry_points={
            "main": (
                _call(
                    "tripleo_ha_wrapper",
                    "Run init bundle puppet and restart the bundle if its config changed",
                    service="{{ tripleo_ha_wrapper_service_name }}",
                    resource="{{ tripleo_ha_wrapper_resource_name }}",
                    bundle="{{ tripleo_ha_wrapper_bundle_name }}",
                    minor_update="{{ tripleo_ha_wrapper_minor_update }}",
                ),
            )
        },
        summary="puppet creates/updates the pacemaker bundle; pacemaker_restart_bundle.sh restarts it when the "
        "service's generated config changed (globally from the service's bootstrap node on a stack update, "
        "locally on a minor update, never on a stack create)",
    ),
    "tripleo_transfer": RoleModel(
        "tripleo_transfer",
        defaults={
            "tripleo_transfer_src_become": True,
            "tripleo_transfer_dest_become": True,
            "tripleo_transfer_flag_file": None,
            "tripleo_transfer_key_location": "~/transfer_key",
            "tripleo_transfer_cleanup_keys": True,
        },
        entry_points={
            "main": (
                {
                    "name": "tripleo_transfer tasks",
                    "run_once": True,
                    "block": [
                        {
                            "name": "check flag file existence in destination host",
                            "stat": {"path": "{{ tripleo_transfer_flag_file }}"},
                            "register": "tripleo_transfer_flag_stat",
                            "delegate_to": "{{ tripleo_transfer_dest_host }}",
                            "when": _FLAG_FILE_SET,
                        },
                        {
                            "name": "fail if flag file exists",
                            "fail": {
                                "msg": "Data transfer to '{{ tripleo_transfer_dest_dir }}' was prevented by flag file "
                                "existence. This means the transfer was attempted before and another one would "
                                "overwrite the data. If this is desired, remove the flag file at "
                                "'{{ tripleo_transfer_flag_file }}' and re-run the data transfer."
                            },
                            "when": [*_FLAG_FILE_SET, "tripleo_transfer_flag_stat.stat.exists"],
                        },
                        {
                            "name": "ensure directory for flag file exists",
                            "file": {"path": "{{ tripleo_transfer_flag_file | dirname }}", "state": "directory"},
                            "delegate_to": "{{ tripleo_transfer_dest_host }}",
                            "when": _FLAG_FILE_SET,
                        },
                        {
                            "name": "create the flag file",
                            "file": {"path": "{{ tripleo_transfer_flag_file }}", "state": "touch"},
                            "delegate_to": "{{ tripleo_transfer_dest_host }}",
                            "when": _FLAG_FILE_SET,
                        },
                        {
                            **_call(
                                "tripleo_transfer",
                                "synchronize both directories",
                                src_dir="{{ tripleo_transfer_src_dir }}",
                                dest_host="{{ tripleo_transfer_dest_host }}",
                                dest_dir="{{ tripleo_transfer_dest_dir }}",
                            ),
                            "delegate_to": "{{ tripleo_transfer_src_host }}",
                        },
                    ],
                },
            )
        },
        summary="once: refuse if the destination's flag file exists, create it, rsync a directory from the source "
        "node to the destination node (Train's leapp data transfer: /var/lib/mysql to the bootstrap node)",
    ),
    "tripleo_upgrade_hiera": RoleModel(
        "tripleo_upgrade_hiera",
        defaults={"tripleo_upgrade_hiera_file": "/etc/puppet/hieradata/upgrade.json"},
        entry_points={
            "set": (
                _call(
                    "tripleo_upgrade_hiera",
                    "Set upgrade hiera key",
                    op="set",
                    file="{{ tripleo_upgrade_hiera_file }}",
                    key="{{ tripleo_upgrade_key }}",
                    value="{{ tripleo_upgrade_value }}",
                ),
            ),
            "remove": (
                _call(
                    "tripleo_upgrade_hiera",
                    "Remove upgrade hiera key",
                    op="remove",
                    file="{{ tripleo_upgrade_hiera_file }}",
                    key="{{ tripleo_upgrade_key }}",
                ),
            ),
            "remove-all": (
                _call(
                    "tripleo_upgrade_hiera",
                    "Remove upgrade hiera file",
                    op="remove-all",
                    file="{{ tripleo_upgrade_hiera_file }}",
                ),
            ),
            "main": (),
        },
        summary="set/remove keys of the upgrade hiera JSON file used to scale clustered services stepwise",
    ),
}


def _entry_point(tasks_from: str) -> str:
    """``tasks/keystone.yaml`` -> ``keystone``: the entry point a role call's ``tasks_from`` names."""
    entry = tasks_from.rsplit("/", 1)[-1]
    for suffix in (".yml", ".yaml"):
        entry = entry.removesuffix(suffix)
    return entry


def catalogued(name: str) -> RoleModel | None:
    """The catalogue's model of role ``name``. tripleo-ansible named its roles with hyphens up to Victoria
    (Train's THT calls ``tripleo-container-stop``) and with underscores since: one role under both names."""
    return ROLE_CATALOGUE.get(name.replace("-", "_"))


def role_tasks(name: str, tasks_from: str = "main") -> tuple[list[Mapping[str, Any]], Mapping[str, Any], bool]:
    """(raw task list, role defaults, modelled?) for a role call; unknown roles give one opaque task."""
    entry = _entry_point(tasks_from)
    model = catalogued(name)
    if model is None or entry not in model.entry_points:
        return [_call("opaque", "opaque role", role=name, tasks_from=entry)], {}, False
    return [dict(t) for t in model.entry_points[entry]], model.defaults, True


# Role entry points that start a service's container themselves (instead of the service's docker_config), from
# THT 18.0.0 on: (role, tasks_from) -> the containers. The names are THT's own: keystone's deploy_steps_tasks
# validate a podman container named ``keystone``; ``keystone_db_sync`` and ``iscsid`` are the names the same
# containers had in docker_config up to Wallaby.
SERVICE_CONTAINER_ROLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("tripleo_keystone", "keystone"): ("keystone",),
    ("tripleo_keystone", "keystone-db-sync"): ("keystone_db_sync",),
    ("tripleo_iscsid", "run"): ("iscsid",),
}
_ROLE_KEYS = ("include_role", "import_role", "ansible.builtin.include_role", "ansible.builtin.import_role")


def _role_calls(task: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Each role include or import in a task or the blocks in it: ``(the task, its role call)``."""
    for key in _ROLE_KEYS:
        call = task.get(key)
        if isinstance(call, Mapping) and isinstance(call.get("name"), str):
            yield task, call
    for section in ("block", "rescue", "always"):
        for inner in task.get(section) or ():
            if isinstance(inner, Mapping):
                yield from _role_calls(inner)


def containers_managed_from(task: Mapping[str, Any], config_dir: str) -> tuple[str, ...]:
    """The containers a task (or the blocks in it) starts with ``tripleo_container_manage`` from the startup configs
    in ``config_dir`` (e.g. ``step_0``): each ``tripleo_container_manage_config_patterns`` ``<name>.json``, the name
    literal or the task's loop variable over a literal list (``ovn-dbs-cluster-ansible``'s OVN DB containers)."""
    out: list[str] = []
    for caller, call in _role_calls(task):
        variables = caller.get("vars")
        if call["name"] != "tripleo_container_manage" or not isinstance(variables, Mapping) or \
                str(variables.get("tripleo_container_manage_config", "")).rstrip("/").split("/")[-1] != config_dir:
            continue
        pattern = str(variables.get("tripleo_container_manage_config_patterns", ""))
        if not pattern.endswith(".json") or "*" in pattern:
            continue
        name = pattern[: -len(".json")]
        control = caller.get("loop_control")
        loop_var = str(control.get("loop_var", "item")) if isinstance(control, Mapping) else "item"
        loop = caller.get("loop")
        if re.fullmatch(r"\{\{\s*" + re.escape(loop_var) + r"\s*\}\}", name) and isinstance(loop, list):
            out += [item for item in loop if isinstance(item, str)]
        elif "{" not in name:
            out.append(name)
    return tuple(out)


def containers_started_by(task: Mapping[str, Any]) -> tuple[str, ...]:
    """The containers a task (or the blocks in it) starts through a role of :data:`SERVICE_CONTAINER_ROLES`."""
    return tuple(c for _, call in _role_calls(task)
                 for c in SERVICE_CONTAINER_ROLES.get((call["name"], _entry_point(str(call.get("tasks_from", "main")))),
                                                      ()))
