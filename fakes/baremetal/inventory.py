"""Node inventory: TripleO's `nodes.yaml` / `instackenv.json`, and generated inventories.

Each key of a node entry is read in one place (`_parse_node`); bad input raises `InventoryError` naming the
file, the key path (``nodes[3].pm_type``), what was expected and what was found.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any
from urllib.parse import urlsplit

import yaml

from fakes.baremetal.errors import InventoryError
from fakes.heat.yamlio import duplicate_key, unloadable

__all__ = ["DRIVERS", "NodeSpec", "generate_nodes", "load_nodes", "parse_nodes"]

#: TripleO `pm_type` values → the BMC protocol the simulator speaks to that node.
DRIVERS: Mapping[str, str] = {
    "ipmi": "ipmi",
    "pxe_ipmitool": "ipmi",
    "fake_pxe": "ipmi",
    "redfish": "redfish",
}

_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                       r"[A-Za-z0-9])?)*\.?$")
# the keys tripleo-common's validate_nodes knows besides the driver's (its _NON_DRIVER_FIELDS and
# _SPECIAL_NON_DRIVER_FIELDS; `mac` from the releases before `ports`, `_comment` it drops): any other is an
# "Unknown field", as is a pm_* key the driver does not map (pm_system_id on an IPMI node)
_NODE_KEYS = frozenset({
    "name", "pm_type", "ports", "mac", "capabilities", "cpu", "memory", "disk", "arch", "root_device",
    "resource_class", "kernel_id", "ramdisk_id", "platform", "conductor_group", "_comment",
    *(f"{i}_interface" for i in ("boot", "console", "deploy", "inspect", "management", "network", "power", "raid",
                                 "rescue", "storage", "vendor")),
})
# per protocol: its pm_* keys and the prefix of its own driver_info keys (passed to Ironic as they are);
# pm_port on a Redfish node is this simulator's way to put two emulators on one address
_DRIVER_KEYS = {"ipmi": (frozenset({"pm_addr", "pm_user", "pm_password", "pm_port"}), "ipmi_"),
                "redfish": (frozenset({"pm_addr", "pm_user", "pm_password", "pm_port", "pm_system_id"}), "redfish_")}
_IPMI_MAX_USER, _IPMI_MAX_PASSWORD = 16, 20  # bytes, IPMI 2.0 (ipmitool refuses longer -U / -P)
@dataclass(frozen=True)
class NodeSpec:
    """One bare metal node as TripleO enrolls it."""

    name: str
    driver: str  # "redfish" | "ipmi"
    pm_type: str
    pm_addr: str
    pm_port: int | None
    pm_user: str
    pm_password: str
    system_id: str | None  # Redfish system identity (uuid or /redfish/v1/Systems/<id>)
    macs: tuple[str, ...]
    capabilities: tuple[tuple[str, str], ...]
    cpu: int
    memory_mb: int
    disk_gb: int
    arch: str = "x86_64"

    @property
    def profile(self) -> str | None:
        return dict(self.capabilities).get("profile")

    @property
    def node_hint(self) -> str | None:
        """The `node:<role>-<index>` scheduler hint, if any."""
        return dict(self.capabilities).get("node")


def load_nodes(path: str | Path) -> tuple[NodeSpec, ...]:
    """Read `nodes.yaml` or `instackenv.json` (both accepted by TripleO's `openstack overcloud node import`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InventoryError(str(p), "<document>", "UTF-8 text", f"a byte that is not UTF-8 at offset {exc.start}") \
            from None
    try:
        if p.suffix == ".json":
            data = json.loads(text, object_pairs_hook=_unique_pairs)
        else:
            data = yaml.safe_load(text)
            if (twice := duplicate_key(text)) is not None:  # yaml keeps the last value silently
                raise InventoryError(str(p), twice.path,
                                     f"each key once in a mapping (it is on lines {twice.first} and {twice.line})",
                                     twice.key)
    except _DuplicateJsonKey as exc:
        raise InventoryError(str(p), "<document>", "each key once in an object", exc.args[0]) from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InventoryError(str(p), "<document>", "valid JSON/YAML", str(exc).splitlines()[0]) from exc
    except (ValueError, RecursionError) as exc:
        raise InventoryError(str(p), "<document>", "valid JSON/YAML", unloadable(exc)) from None
    return parse_nodes(data, source=str(p))


class _DuplicateJsonKey(ValueError):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (``json`` keeps the last of a repeated key silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateJsonKey(key)
        out[key] = value
    return out


def parse_nodes(data: object, *, source: str = "<inventory>") -> tuple[NodeSpec, ...]:
    """Validate a loaded document (`{"nodes": [...]}` or a bare list) into node specs."""
    if isinstance(data, Mapping):
        if "nodes" not in data:
            raise InventoryError(source, "nodes", "a top-level 'nodes' list", sorted(data))
        entries, prefix = data["nodes"], "nodes"
    else:
        entries, prefix = data, "nodes"
    if not isinstance(entries, list) or not entries:
        raise InventoryError(source, prefix, "a non-empty list of nodes", entries)
    nodes = tuple(_parse_node(entry, source, f"{prefix}[{i}]", i) for i, entry in enumerate(entries))
    # tripleo-common's validate_nodes: names, MACs and BMC identities are unique
    seen: dict[str, int] = {}
    macs: dict[str, int] = {}
    bmcs: dict[tuple[str, str, int | None, str], int] = {}
    for i, node in enumerate(nodes):
        if node.name in seen:
            raise InventoryError(source, f"{prefix}[{i}].name", f"a unique name (nodes[{seen[node.name]}] has it)",
                                 node.name)
        seen[node.name] = i
        for j, mac in enumerate(node.macs):
            if macs.setdefault(mac, i) != i:
                raise InventoryError(source, f"{prefix}[{i}].{'ports' if 'ports' in entries[i] else 'mac'}[{j}]",
                                     f"a MAC address of no other node (nodes[{macs[mac]}] has it)", mac)
        bmc = _bmc_identity(node)
        if bmcs.setdefault(bmc, i) != i:
            key, value = ("pm_system_id", node.system_id) if node.driver == "redfish" else ("pm_addr", node.pm_addr)
            raise InventoryError(source, f"{prefix}[{i}].{key}", f"a machine no other node is (nodes[{bmcs[bmc]}] "
                                 "has the same BMC address, port" + (" and system)" if bmc[3] else ")"), value)
    return nodes


def _bmc_identity(node: NodeSpec) -> tuple[str, str, int | None, str]:
    """What identifies the machine behind a node's BMC: its address (without a URL's scheme), port and, for Redfish,
    the system (a bare id or its /redfish/v1/Systems/<id> path); an IPMI node's port defaults to 623."""
    address = re.sub(r"^https?://", "", node.pm_addr, flags=re.I).rstrip("/").lower()
    if node.driver == "redfish":
        return node.driver, address, node.pm_port, (node.system_id or "").rstrip("/").rsplit("/", 1)[-1]
    return node.driver, address, node.pm_port or 623, ""


def _parse_node(entry: object, source: str, path: str, index: int) -> NodeSpec:
    if not isinstance(entry, Mapping):
        raise InventoryError(source, path, "a mapping", entry)

    def text(key: str, default: str | None = None) -> str:
        value = entry.get(key, default)
        if not isinstance(value, str) or not value:
            raise InventoryError(source, f"{path}.{key}", "a non-empty string", value)
        return value

    def integer(key: str, default: int | None) -> int:
        value = entry.get(key, default)
        if isinstance(value, bool) or value is None:
            raise InventoryError(source, f"{path}.{key}", "a positive integer", value)
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):  # (OverflowError: infinity)
            raise InventoryError(source, f"{path}.{key}", "a positive integer", value) from None
        if number <= 0 or (isinstance(value, float) and value != number):
            raise InventoryError(source, f"{path}.{key}", "a positive integer", value)
        return number

    pm_type = text("pm_type")
    if pm_type not in DRIVERS:
        raise InventoryError(source, f"{path}.pm_type", f"one of {sorted(DRIVERS)}", pm_type)
    driver = DRIVERS[pm_type]
    own, prefix = _DRIVER_KEYS[driver]
    for key in entry:
        if not isinstance(key, str) or not (key in _NODE_KEYS or key in own or key.startswith(prefix)):
            expected = ", ".join(sorted(own)) + f", a {prefix}* driver key, or name, ports, capabilities, cpu, " \
                "memory, disk, arch... (tripleo-common's node fields)"
            raise InventoryError(source, f"{path}.{key}", f"a key of a {pm_type} node: {expected}", "an unknown key")
    port = None
    if entry.get("pm_port") is not None:
        port = integer("pm_port", None)
        if port > 65535:
            raise InventoryError(source, f"{path}.pm_port", "a port number 1..65535", entry["pm_port"])
    system_key = "pm_system_id" if "pm_system_id" in entry or "redfish_system_id" not in entry \
        else "redfish_system_id"
    if "pm_system_id" in entry and "redfish_system_id" in entry \
            and entry["pm_system_id"] != entry["redfish_system_id"]:
        raise InventoryError(source, f"{path}.redfish_system_id", "pm_system_id or redfish_system_id, or both the same",
                             entry["redfish_system_id"])
    system_id = entry.get(system_key)
    if system_id is not None and (not isinstance(system_id, str) or not _REDFISH_ID.match(system_id)):
        # a path segment of the Redfish URL (non-ASCII would have to be percent-encoded)
        raise InventoryError(source, f"{path}.{system_key}", "a Redfish system id (a uuid, or /redfish/v1/Systems/"
                             "<id>; printable ASCII, no spaces)", system_id)
    if driver == "redfish" and system_id is None:
        raise InventoryError(source, f"{path}.pm_system_id", "a Redfish system id for pm_type redfish", None)
    user, password = text("pm_user"), text("pm_password")
    if driver == "ipmi":
        for key, value, limit in (("pm_user", user, _IPMI_MAX_USER), ("pm_password", password, _IPMI_MAX_PASSWORD)):
            if len(value.encode()) > limit:
                raise InventoryError(source, f"{path}.{key}", f"at most {limit} bytes (IPMI 2.0)", value)
    return NodeSpec(
        name=text("name", f"node-{index}"),
        driver=driver,
        pm_type=pm_type,
        pm_addr=_address(text("pm_addr"), driver, source, f"{path}.pm_addr"),
        pm_port=port,
        pm_user=user,
        pm_password=password,
        system_id=system_id,
        macs=_parse_macs(entry, source, path),
        capabilities=_parse_capabilities(entry.get("capabilities"), source, f"{path}.capabilities"),
        cpu=integer("cpu", 1),
        memory_mb=integer("memory", 1024),
        disk_gb=integer("disk", 10),
        arch=text("arch", "x86_64"),
    )


_REDFISH_ID = re.compile(r"^[!-~]+$")


def _address(value: str, driver: str, source: str, path: str) -> str:
    """A BMC's address: a host name or an IP address; for Redfish also a URL of one (http[s]://host[:port][/path])."""
    host = value
    if driver == "redfish":
        url = urlsplit(value if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value) else f"https://{value}")
        try:
            host = (url.hostname or "") if url.scheme.lower() in ("http", "https") else ""
            _ = url.port  # a port that is not a number raises
        except ValueError:
            host = ""
    elif host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ipaddress.ip_address(host)
        return value
    except ValueError:
        if _HOSTNAME.match(host):
            return value
    shape = "a host name or IP address" + (", or an http(s) URL of one" if driver == "redfish" else "")
    raise InventoryError(source, path, shape, value)


def _parse_macs(entry: Mapping[str, object], source: str, path: str) -> tuple[str, ...]:
    if "ports" in entry:
        ports = entry["ports"]
        if not isinstance(ports, list) or not ports:
            raise InventoryError(source, f"{path}.ports", "a non-empty list of {address: <mac>}", ports)
        macs = []
        for i, port in enumerate(ports):
            address = port.get("address") if isinstance(port, Mapping) else None
            macs.append(_mac(address, source, f"{path}.ports[{i}].address"))
        return tuple(macs)
    raw = entry.get("mac")
    if not isinstance(raw, list) or not raw:
        raise InventoryError(source, f"{path}.mac", "a non-empty list of MAC addresses (or 'ports')", raw)
    return tuple(_mac(mac, source, f"{path}.mac[{i}]") for i, mac in enumerate(raw))


def _mac(value: object, source: str, path: str) -> str:
    if not isinstance(value, str) or not _MAC.match(value.lower()):
        raise InventoryError(source, path, "a MAC address like 52:54:00:aa:bb:cc", value)
    return value.lower()


def _parse_capabilities(raw: object, source: str, path: str) -> tuple[tuple[str, str], ...]:
    """`"profile:control,boot_option:local,node:controller-0"` (or a mapping) → sorted pairs."""
    if raw is None or raw == "":
        return ()
    if isinstance(raw, Mapping):  # tripleo-common's dict_to_capabilities: "key:value", a null value left out
        pairs = [(str(k), str(v)) for k, v in raw.items() if v is not None]
    elif isinstance(raw, str):
        pairs = []
        for i, item in enumerate(raw.split(",")):
            key, sep, value = item.strip().partition(":")
            if not sep or not key or not value:
                raise InventoryError(source, f"{path}[{i}]", "'key:value'", item)
            pairs.append((key, value))
    else:
        raise InventoryError(source, path, "a 'key:value,...' string or a mapping", raw)
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise InventoryError(source, f"{path}.{key}", "each capability once", raw)
    return tuple(sorted(pairs))


def generate_nodes(
    roles: Mapping[str, int] | Sequence[tuple[str, int]],
    *,
    rng: Random,
    driver: str = "redfish",
    pm_addr: str = "192.168.24.1",
    pm_port: int | None = None,
    pm_user: str = "admin",
    pm_password: str = "password",
    profiles: Mapping[str, str] | None = None,
    hints: bool = False,
) -> tuple[NodeSpec, ...]:
    """Generate an inventory for a scenario: `{"Controller": 3, "Compute": 2}` → 5 nodes.

    MACs, system UUIDs and hardware sizes come from `rng`, so the same seed gives the same inventory.
    Each node carries `profile:<profile>`; with `hints=True` also `node:<role>-<index>`.
    """
    if driver not in ("redfish", "ipmi"):
        raise InventoryError("<generated>", "driver", "'redfish' or 'ipmi'", driver)
    items = list(roles.items()) if isinstance(roles, Mapping) else list(roles)
    profile_of = dict(DEFAULT_PROFILES, **(profiles or {}))
    nodes = []
    macs: set[str] = set()  # three random bytes collide once in ~30 inventories of 1,000 nodes: draw again
    for role, count in items:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InventoryError("<generated>", f"roles.{role}", "a count >= 0", count)
        prefix = role.lower()
        for index in range(count):
            caps = [("profile", profile_of.get(role, prefix))]
            if hints:
                caps.append(("node", f"{prefix}-{index}"))
            mac = "52:54:00:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))
            while mac in macs:
                mac = "52:54:00:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))
            macs.add(mac)
            parts = (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), rng.getrandbits(12),
                     rng.getrandbits(48))
            uuid = "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}".format(*parts)
            nodes.append(
                NodeSpec(
                    name=f"{prefix}-{index}",
                    driver=driver,
                    pm_type=driver,
                    pm_addr=pm_addr,
                    pm_port=pm_port,
                    pm_user=pm_user,
                    pm_password=pm_password,
                    system_id=uuid if driver == "redfish" else None,
                    macs=(mac,),
                    capabilities=tuple(sorted(caps)),
                    cpu=rng.choice((4, 8, 16)),
                    memory_mb=rng.choice((8192, 16384, 32768)),
                    disk_gb=rng.choice((40, 80, 120)),
                )
            )
    return tuple(nodes)


#: TripleO's default flavor profiles per role (the `overcloud-*` flavors).
DEFAULT_PROFILES: Mapping[str, str] = {
    "Controller": "control",
    "Compute": "compute",
    "CephStorage": "ceph-storage",
    "ObjectStorage": "swift-storage",
    "BlockStorage": "block-storage",
}
