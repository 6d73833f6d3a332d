"""What invariants need beyond the plan: the evaluated ServiceNetMap and network names, and the allow-list.

``context_for(tree, environment_files)`` evaluates the overcloud stack's ``ServiceNetMap`` resource
(``service_net_map_lower``: ``<service>_network -> network name_lower``) through the fake Heat, so
environments that remap services change the check exactly as they change the deployment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fakes.heat import TemplateTree, load_environment, overcloud_stack

from ..planning import client_environment_files
from .model import Allowed

__all__ = ["KNOWN_FINDINGS", "CheckContext", "context_for"]

# Violations that clean upstream releases really have. They are reported as allowed findings, never hidden:
# `tripleo-sim check` prints them, and tests assert they are still there (so a fixed release drops them).
KNOWN_FINDINGS: tuple[Allowed, ...] = (
    Allowed("never-run-step", "deploy_steps_tasks:validate nova",
            "nova-compute's 'validate nova-compute container state' deploy task ('validate nova compute container "
            "state' in Train) is guarded by step|int == 6, outside the deploy loop 0..5: it never runs (THT bug in "
            "Train, Wallaby and 18.0.0)", ("11.6.0", "14.3.0", "18.0.0")),
    Allowed("stopped-restarted", "upgrade_tasks:Stop snmp service:snmpd",
            "Train's and Wallaby's snmp-baremetal-puppet stops snmpd in upgrade step 1 and relies on its puppet "
            "step_config (tripleo::profile::base::snmp) to start it again in the deploy steps; the plan carries no "
            "step_config, so the restart is invisible to this check", ("11.6.0", "14.3.0")),
    Allowed("never-run-step", "post_upgrade_tasks:<unnamed #4>",
            "Train's nova-vnc-proxy post_upgrade task (tags never, system_upgrade_stop_services) is guarded by "
            "step|int == 4, outside Train's post-upgrade loop 0..3: it never runs, even when its tag is requested "
            "(THT bug in 11.6.0; upstream's 34a009b03 on stable/train, after 11.6.0, moves it to step 3)",
            ("11.6.0",)),
)


@dataclass(frozen=True)
class CheckContext:
    service_networks: Mapping[str, str] = field(default_factory=dict)  # "<service>_network" -> name_lower
    network_names: Mapping[str, str] = field(default_factory=dict)  # name_lower -> role network name
    allowed: tuple[Allowed, ...] = KNOWN_FINDINGS

    def networks_of(self, service: str) -> dict[str, str]:
        """ServiceNetMap entries of one service: ``{map key: network name as roles list it}``."""
        out = {}
        for key, lower in self.service_networks.items():
            if key == f"{service}_network" or (key.startswith(f"{service}_") and key.endswith("_api_network")
                                               and key[len(service) + 1:-len("_api_network")] in
                                               ("public", "admin", "internal")):
                out[key] = self.network_names.get(str(lower), str(lower))
        return out


def context_for(tree: TemplateTree, environment_files: Iterable[str | os.PathLike[str]] = (), *,
                allowed: tuple[Allowed, ...] = KNOWN_FINDINGS) -> CheckContext:
    env = load_environment(tree, [*client_environment_files(tree), *environment_files])
    stack = overcloud_stack(tree, env)
    net_map: Any = stack.attr("ServiceNetMap", "service_net_map_lower", [])
    names = {"ctlplane": "ctlplane"}
    for net in tree.network_data or ():
        if isinstance(net, Mapping) and isinstance(net.get("name"), str):
            names[str(net.get("name_lower") or net["name"].lower())] = net["name"]
    return CheckContext(service_networks=dict(net_map) if isinstance(net_map, Mapping) else {},
                        network_names=names, allowed=allowed)
