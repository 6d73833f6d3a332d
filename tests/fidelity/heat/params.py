"""The one realistic parameter set per release that both real Heat and the fake get.

The maps a role's service templates receive from overcloud.yaml are computed by real Heat itself from the
release's own templates: `ServiceNetMap` from the registry's `OS::TripleO::ServiceNetMap` template,
`net_vip_map` from `OS::TripleO::Network::Ports::NetVipMap` with the VIPs below, `EndpointMap` from
`OS::TripleO::EndpointMap` with THT's default cloud names. Parameters that have no default anywhere in the
tree (passwords, container images, ...) get a placeholder of their type, as a user's environment would
provide; constraints are honoured so that Heat accepts them.

The result is written to `data/<release>/params.json` and passed as `parameter_defaults` (as tripleoclient
did), so nested stacks see the same values as in a real deployment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROLE = "Controller"

# network name -> (cidr, vip); the usual TripleO sample addressing
NETWORKS = {
    "ctlplane": ("192.168.24.0/24", "192.168.24.5"),
    "external": ("10.0.0.0/24", "10.0.0.5"),
    "internal_api": ("172.16.2.0/24", "172.16.2.5"),
    "storage": ("172.16.1.0/24", "172.16.1.5"),
    "storage_mgmt": ("172.16.3.0/24", "172.16.3.5"),
    "tenant": ("172.16.0.0/24", "172.16.0.5"),
}
# net_ip_map.yaml parameter prefix -> network name (no tenant VIP, as in overcloud.yaml)
VIP_PARAMS = {"External": "external", "InternalApi": "internal_api", "Storage": "storage",
              "StorageMgmt": "storage_mgmt"}
# THT's defaults for CloudName* (overcloud.yaml)
CLOUD_ENDPOINTS = {
    "ctlplane": "overcloud.ctlplane.localdomain",
    "storage": "overcloud.storage.localdomain",
    "storage_mgmt": "overcloud.storagemgmt.localdomain",
    "internal_api": "overcloud.internalapi.localdomain",
    "external": "overcloud.localdomain",
}
# what tripleoclient sets as parameter_defaults on every deploy (its DeployIdentifier is a timestamp: fixed here)
CLIENT = {"RootStackName": "overcloud", "DeployIdentifier": "tripleo-sim", "UpdateIdentifier": "",
          "StackAction": "CREATE"}
# what tripleo-common generates with the passwords into the plan's parameter_defaults, whether or not a template
# has a default: cephx keys (Ocata's CephManilaClientKey defaults to '' and has no pattern; the fake, like
# tripleoclient, passes a key)
GENERATED = {name: "A" * 38 + "==" for name in ("CephClientKey", "CephManilaClientKey", "CephRgwKey")}
# parameters overcloud.yaml computes per role, or the client sets: never placeholders
COMPUTED = {"RoleName", "RoleParameters", "ServiceData", "ServiceNetMap", "EndpointMap", *CLIENT}
REGISTRY = "overcloud-resource-registry-puppet.yaml"

Oracle = Callable[[list[str], dict[str, Any]], dict[str, dict[str, Any]]]


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError):
        return None


def registry_path(root: Path, name: str) -> str:
    registry = (_load(root / REGISTRY) or {}).get("resource_registry") or {}
    if name not in registry:
        raise KeyError(f"{root / REGISTRY}: resource_registry.{name}: expected a template path, found nothing")
    return str(registry[name])


def vip_parameters() -> dict[str, str]:
    cidr, vip = NETWORKS["ctlplane"]
    params = {"ControlPlaneIp": vip, "ControlPlaneSubnetCidr": cidr.split("/")[1]}
    for prefix, net in VIP_PARAMS.items():
        cidr, vip = NETWORKS[net]
        params.update({f"{prefix}Ip": vip, f"{prefix}IpSubnet": f"{vip}/{cidr.split('/')[1]}",
                       f"{prefix}IpUri": vip})
    return params


def _placeholder(name: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type", "string")
    constraints = schema.get("constraints") or []
    for c in constraints:
        if "allowed_values" in c:
            return c["allowed_values"][0]
    if kind == "number":
        low = next((c["range"].get("min") for c in constraints if "range" in c), None)
        return low if low is not None else 1
    if kind == "json":
        low = next((c["length"].get("min", 0) for c in constraints if "length" in c), 0)
        return {f"placeholder{i}": "placeholder" for i in range(low)}
    if kind == "comma_delimited_list":
        return []
    if kind == "boolean":
        return False
    value = _image(name) or f"{name}-placeholder"
    for c in constraints:
        if "length" in c:
            low, high = c["length"].get("min", 0), c["length"].get("max", len(value))
            value = (value * (1 + low // len(value)))[: max(low, min(len(value), high))]
        if "allowed_pattern" in c:
            for candidate in (value, "A" * 38 + "==", "placeholder", "1"):
                if _pattern_ok(c["allowed_pattern"], candidate):
                    value = candidate
                    break
            else:
                raise ValueError(f"{name}: no placeholder matches allowed_pattern {c['allowed_pattern']!r}")
    return value


def _image(name: str) -> str | None:
    """Container image parameters get a name of the shape container-image-prepare gives them (its
    templates parse registry, namespace and tag out of it)."""
    match = re.fullmatch(r"Container(\w+)Image|(\w+)ContainerImage", name)
    if not match:
        return None
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", match.group(1) or match.group(2))
    return f"quay.io/tripleomaster/openstack-{'-'.join(w.lower() for w in words)}:current-tripleo"


SECRET = re.compile(r"(Password|Secret|Kek|Cookie|HashSuffix|EncryptionKey|FernetKey\d*|Credential\d*|Token|FSID)$")


def _generated_secret(name: str, schema: dict[str, Any]) -> bool:
    """A hidden, empty-by-default secret that tripleo-common generates for every plan (passwords, keys,
    cookies, ...): a deployment never has it empty (Train's heat-engine, for one, fails on an empty
    HeatAuthEncryptionKey). TLS material stays empty: a deployment without TLS leaves it so."""
    return (schema.get("hidden") is True and schema.get("default") == "" and bool(SECRET.search(name))
            and not name.startswith(("SSL", "Tls", "TLS")))


def _pattern_ok(pattern: str, value: str) -> bool:
    """Heat's allowed_pattern: re.match from the start, and the match must cover the whole value."""
    match = re.match(pattern, value)
    return match is not None and match.end() == len(value)


def _satisfies(value: Any, constraints: list[dict[str, Any]]) -> bool:
    for c in constraints:
        if "allowed_pattern" in c and not (isinstance(value, str) and _pattern_ok(c["allowed_pattern"], value)):
            return False
        if "allowed_values" in c and value not in c["allowed_values"]:
            return False
        if "length" in c and isinstance(value, str | list | dict):
            low, high = c["length"].get("min"), c["length"].get("max")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                return False
    return True


def placeholders(root: Path) -> dict[str, Any]:
    """A value for every parameter that has no default in some template of the rendered tree."""
    values: dict[str, Any] = {}
    for path in sorted(root.rglob("*.yaml")):
        if path.name.endswith(".j2.yaml"):
            continue
        tmpl = _load(path)
        if not isinstance(tmpl, dict) or "heat_template_version" not in tmpl:
            continue
        for name, schema in (tmpl.get("parameters") or {}).items():
            if not isinstance(schema, dict) or name in COMPUTED:
                continue
            # a default that breaks its own constraints is rejected by Heat: a deployment must supply a value
            # (a null default is no default for Heat)
            if (schema.get("default") is None or not _satisfies(schema["default"], schema.get("constraints") or [])
                    or _generated_secret(name, schema)):
                values.setdefault(name, _placeholder(name, schema))
    return dict(sorted(values.items()))


def service_data_keys(root: Path) -> list[str]:
    """The keys overcloud.yaml passes in the Controller's ServiceData, in this release."""
    overcloud = _load(root / "overcloud.yaml") or {}
    chain = (overcloud.get("resources") or {}).get(f"{ROLE}ServiceChain") or {}
    data = (chain.get("properties") or {}).get("ServiceData") or {}
    return list(data)


def build(root: Path, oracle: Oracle) -> dict[str, Any]:
    """Compute the parameter set for the rendered tree at `root`; `oracle(templates, parameter_defaults)`
    creates each template in real Heat and returns its result (see oracle.py) by template."""
    snm_t = registry_path(root, "OS::TripleO::ServiceNetMap")
    vip_t = registry_path(root, "OS::TripleO::Network::Ports::NetVipMap")
    ep_t = registry_path(root, "OS::TripleO::EndpointMap")

    first = oracle([snm_t, vip_t], vip_parameters())
    snm = _outputs(first[snm_t], snm_t)
    vip_map = _outputs(first[vip_t], vip_t)["net_ip_map"]
    service_net_map = snm["service_net_map"]
    ep = _outputs(oracle([ep_t], {"CloudEndpoints": CLOUD_ENDPOINTS, "NetIpMap": vip_map,
                                  "ServiceNetMap": service_net_map})[ep_t], ep_t)
    endpoint_map = dict(ep["endpoint_map"])
    overcloud_text = (root / "overcloud.yaml").read_text()
    # overcloud.yaml adds these cell endpoints to the EndpointMap in the releases that have them
    for cell, base in (("MysqlCellInternal", "MysqlInternal"), ("NovaVNCProxyCellPublic", "NovaVNCProxyPublic"),
                       ("NovaMetadataCellInternal", "NovaMetadataInternal")):
        if cell in overcloud_text and base in endpoint_map:
            endpoint_map[cell] = endpoint_map[base]

    available = {
        "net_cidr_map": {net: [cidr] for net, (cidr, _) in NETWORKS.items()},
        "net_vip_map": vip_map,
        "net_ip_version_map": {net: 4 for net in NETWORKS},
        "vip_subnet_map": snm.get("vip_subnet_map"),
    }
    service_data = {k: available[k] for k in service_data_keys(root) if available.get(k) is not None}
    params = placeholders(root)
    params.update(CLIENT)
    params.update({"RoleName": ROLE, "RoleParameters": {}, "ServiceData": service_data,
                   "ServiceNetMap": service_net_map, "EndpointMap": endpoint_map})
    return params


def _outputs(result: dict[str, Any], template: str) -> dict[str, Any]:
    if result.get("status") != "CREATE_COMPLETE":
        raise RuntimeError(f"{template}: real Heat did not create it: {result.get('status')}: {result.get('reason')}")
    return result["outputs"]


# the small layout of the whole-stack comparison: 1 controller, 1 compute, deployed servers
OVERCLOUD_COUNTS = {"Controller": 1, "Compute": 1}
# what `openstack overcloud node provision` writes for them (NodePortMap): hostname -> networks, host part
OVERCLOUD_NODES = {
    "overcloud-controller-0": (10, ("ctlplane", "external", "internal_api", "storage", "storage_mgmt", "tenant")),
    "overcloud-novacompute-0": (20, ("ctlplane", "internal_api", "storage", "tenant")),
}


def node_port_map() -> dict[str, Any]:
    ports: dict[str, Any] = {}
    for host, (index, nets) in OVERCLOUD_NODES.items():
        ports[host] = {}
        for net in nets:
            cidr = NETWORKS[net][0]
            ip = cidr.rsplit(".", 1)[0] + f".{index}"
            ports[host][net] = {"ip_address": ip, "ip_address_uri": ip, "ip_subnet": f"{ip}/{cidr.split('/')[1]}"}
    return ports


def overcloud(root: Path, environment_files: list[str]) -> dict[str, Any]:
    """Parameters for the whole rendered overcloud.yaml: the placeholders (except for what the environment
    files already give), what tripleoclient sets (its ctlplane attributes as it reads them from the
    undercloud's network), one node per counted role."""
    cidr, vip = NETWORKS["ctlplane"]
    given: set[str] = set()
    for env in environment_files:
        given |= set((_load(root / env) or {}).get("parameter_defaults") or {})
    params = {k: v for k, v in placeholders(root).items() if k not in given}
    params.update(CLIENT)
    params.update({
        "CtlplaneNetworkAttributes": {
            "network": {"dns_domain": "ctlplane.localdomain.", "mtu": 1500, "name": "ctlplane", "tags": [cidr]},
            "subnets": {"ctlplane-subnet": {"cidr": cidr, "dns_nameservers": [], "gateway_ip": "192.168.24.1",
                                            "host_routes": [], "ip_version": 4, "name": "ctlplane-subnet"}},
        },
        "ControlPlaneVipData": {"name": "control_virtual_ip", "network": {"tags": [cidr]},
                                "fixed_ips": [{"ip_address": vip}],
                                "subnets": [{"ip_version": 4, "cidr": cidr}]},
    })
    params["NodePortMap"] = node_port_map()
    for role in yaml.safe_load((root / "roles_data.yaml").read_text()) or []:
        params[f"{role['name']}Count"] = OVERCLOUD_COUNTS.get(role["name"], 0)
    return params


def role_chain(root: Path, role: str) -> dict[str, Any]:
    """What overcloud.yaml passes a role's ServiceChain on top of the common set: its services from
    roles_data.yaml (the ResourceChain's members, by registry name) and its name."""
    for entry in yaml.safe_load((root / "roles_data.yaml").read_text()) or []:
        if entry.get("name") == role:
            return {"Services": list(entry.get("ServicesDefault") or []), "RoleName": role}
    raise KeyError(f"{root / 'roles_data.yaml'}: no role named {role!r}")
