"""The Ansible inventory and variables config-download gives a plan's hosts: one group per role and per
service, ``overcloud``/``allovercloud``, ``excluded_overcloud``, role group vars (``tripleo_role_name``), the
global vars of deploy-steps.j2 (``container_cli``, ``enabled_services``, ``deploy_steps_max``, …), the
per-service node lists tripleo-ansible's ``tripleo_all_nodes_data`` computes (``<service>_short_node_names``,
``<service>_short_bootstrap_node_name``, ``<service>_node_ips``, ``<service>_enabled``, …) and gathered facts of
each host."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakes.ansible import Inventory
from fakes.heat.api import DEPLOY_IDENTIFIER

from .plan import Plan, release_major

__all__ = ["DOMAIN", "UNDERCLOUD", "build_inventory", "os_major_of"]

DOMAIN = "localdomain"
UNDERCLOUD = "undercloud"  # the host config-download's external playbooks run on


def os_major_of(release: str) -> str:
    """The RHEL/CentOS major a THT release deploys on: 6.x-10.x (Ocata-Stein) 7, Train/Wallaby 8, 17+ 9."""
    major = release_major(release)
    if major is None:
        return "9"
    return "9" if major >= 17 else "8" if major >= 11 else "7"


def build_inventory(plan: Plan, *, extra_global: dict[str, Any] | None = None,
                    os_major: Mapping[str, str] | None = None, undercloud: bool = False) -> Inventory:
    """config-download's inventory for ``plan``; ``os_major`` gives hosts whose OS major differs from the one
    ``plan``'s release deploys on (before a leapp system upgrade, hosts still run the source release's OS).
    ``undercloud`` adds the ``undercloud`` host (group ``Undercloud``, a local connection), where the external
    deploy/upgrade playbooks run and delegate to the overcloud nodes."""
    groups = {k: tuple(v) for k, v in plan.inventory().items()}
    groups["allovercloud"] = groups["overcloud"]
    hosts = groups["overcloud"]
    services = sorted({s for r in plan.roles for s in r.services})
    primary = next((r.name for r in plan.roles if "primary" in r.tags), plan.roles[0].name if plan.roles else "")
    global_vars: dict[str, Any] = {
        "container_cli": "podman",
        "deploy_steps_max": 6,
        "enabled_services": services,
        "primary_role_name": primary,
        "deploy_identifier": DEPLOY_IDENTIFIER,
        "stack_action": "UPDATE",
        "stack_update_type": "UPGRADE",
        "enable_debug": False,
        "container_log_stdout_path": "/var/log/containers/stdouts",
        "container_healthcheck_disabled": False,
        "tripleo_minor_update": False,
        "cloud_domain": DOMAIN,
        # Ansible's magic variables for a normal (not --check, not --diff) config-download run
        "ansible_check_mode": False,
        "ansible_diff_mode": False,
        "ansible_run_tags": ["all"],
        "ansible_skip_tags": [],
        "playbook_dir": "/home/stack/overcloud-deploy/overcloud/config-download/overcloud",
        "ansible_version": {"full": "2.9.27", "major": 2, "minor": 9, "revision": 27, "string": "2.9.27"},
    }
    global_vars.update(plan.global_vars)  # the stack's own RoleConfig.global_vars win where they say something
    # each node's address on the internal API network (THT's default 172.16.2.0/24 allocation pool starts at .4)
    address = {h: f"172.16.2.{4 + i}" for i, h in enumerate(hosts)}
    for service in services:
        members = [h for h in groups.get(service, ())]
        global_vars[f"{service}_enabled"] = True
        global_vars[f"{service}_short_node_names"] = members
        global_vars[f"{service}_node_names"] = [f"{h}.{DOMAIN}" for h in members]
        global_vars[f"{service}_node_ips"] = [address[h] for h in members]
        if members:
            global_vars[f"{service}_short_bootstrap_node_name"] = members[0]
            global_vars[f"{service}_bootstrap_node_name"] = f"{members[0]}.{DOMAIN}"
    global_vars.update(extra_global or {})
    group_vars: dict[str, dict[str, Any]] = {"all": global_vars}
    host_vars: dict[str, dict[str, Any]] = {}
    release_major = os_major_of(plan.release)
    for role in plan.roles:
        group_vars[role.name] = {"tripleo_role_name": role.name, "tripleo_role_networks": list(role.networks),
                                 "serial": role.update_serial}
        bootstrap = role.bootstrap_node.name if role.bootstrap_node else ""
        for node in role.nodes:
            major = (os_major or {}).get(node.name, release_major)
            host_vars[node.name] = {
                "ansible_hostname": node.name,
                "ansible_fqdn": f"{node.name}.{DOMAIN}",
                "bootstrap_server_id": bootstrap,
                "ansible_facts": {
                    "hostname": node.name, "fqdn": f"{node.name}.{DOMAIN}", "os_family": "RedHat",
                    "distribution": "RedHat", "distribution_major_version": major,
                    "distribution_version": f"{major}.2", "architecture": "x86_64",
                },
            }
    if undercloud:
        groups["Undercloud"] = (UNDERCLOUD,)
        hosts = (*hosts, UNDERCLOUD)
        host_vars[UNDERCLOUD] = {
            "ansible_connection": "local", "ansible_host": "localhost", "ansible_hostname": UNDERCLOUD,
            "ansible_fqdn": f"{UNDERCLOUD}.{DOMAIN}",
            "ansible_facts": {"hostname": UNDERCLOUD, "fqdn": f"{UNDERCLOUD}.{DOMAIN}", "os_family": "RedHat",
                              "distribution": "RedHat", "distribution_major_version": release_major,
                              "distribution_version": f"{release_major}.2", "architecture": "x86_64"},
        }
    return Inventory(hosts=hosts, groups=groups, host_vars=host_vars, group_vars=group_vars)
