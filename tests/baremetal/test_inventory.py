from __future__ import annotations

import json
from pathlib import Path
from random import Random

import pytest

from fakes.baremetal.errors import InventoryError
from fakes.baremetal.inventory import generate_nodes, load_nodes, parse_nodes

NODES_YAML = """\
nodes:
  - name: controller-0
    pm_type: redfish
    pm_addr: 192.168.24.1
    pm_port: 8000
    pm_user: admin
    pm_password: password
    pm_system_id: /redfish/v1/Systems/0b4b9a1c-1a6f-4d4b-9d52-3a7b86d1e001
    ports:
      - address: "52:54:00:AA:00:01"
        physical_network: ctlplane
    capabilities: "profile:control,boot_option:local,node:controller-0"
    cpu: 4
    memory: 16384
    disk: 60
    arch: x86_64
  - name: compute-0
    pm_type: ipmi
    pm_addr: 192.168.24.10
    pm_user: admin
    pm_password: password
    mac: ["52:54:00:aa:00:02"]
    capabilities: "profile:compute"
"""

INSTACKENV = {
    "nodes": [
        {
            "name": "ceph-0",
            "pm_type": "pxe_ipmitool",
            "pm_addr": "10.0.0.8",
            "pm_port": "6230",
            "pm_user": "root",
            "pm_password": "calvin",
            "mac": ["52:54:00:aa:00:03"],
            "cpu": "8",
            "memory": "32768",
            "disk": "100",
            "capabilities": "profile:ceph-storage,boot_option:local",
        }
    ]
}


def test_nodes_yaml_is_read_key_by_key(tmp_path: Path) -> None:
    path = tmp_path / "nodes.yaml"
    path.write_text(NODES_YAML)
    controller, compute = load_nodes(path)
    assert controller.driver == "redfish" and controller.pm_port == 8000
    assert controller.system_id == "/redfish/v1/Systems/0b4b9a1c-1a6f-4d4b-9d52-3a7b86d1e001"
    assert controller.macs == ("52:54:00:aa:00:01",)
    assert controller.profile == "control" and controller.node_hint == "controller-0"
    assert (controller.cpu, controller.memory_mb, controller.disk_gb) == (4, 16384, 60)
    assert compute.driver == "ipmi" and compute.pm_port is None and compute.profile == "compute"


def test_instackenv_json_with_legacy_pxe_ipmitool_and_string_numbers(tmp_path: Path) -> None:
    path = tmp_path / "instackenv.json"
    path.write_text(json.dumps(INSTACKENV))
    (node,) = load_nodes(path)
    assert (node.driver, node.pm_type, node.pm_port, node.cpu, node.memory_mb) == ("ipmi", "pxe_ipmitool", 6230, 8,
                                                                                    32768)
    assert node.profile == "ceph-storage"


@pytest.mark.parametrize(
    ("mutate", "path", "expected"),
    [
        (lambda n: n.update(pm_type="idrac-wsman"), "nodes[3].pm_type", "one of"),
        (lambda n: n.pop("pm_addr"), "nodes[3].pm_addr", "a non-empty string"),
        (lambda n: n.update(pm_port=70000), "nodes[3].pm_port", "a port number"),
        (lambda n: n.update(mac=["zz:00"]), "nodes[3].mac[0]", "a MAC address"),
        (lambda n: n.update(memory="lots"), "nodes[3].memory", "a positive integer"),
        (lambda n: n.update(capabilities="profile"), "nodes[3].capabilities[0]", "'key:value'"),
        # an OverflowError traceback before
        (lambda n: n.update(memory=float("inf")), "nodes[3].memory", "a positive integer"),
        # tripleo-common's validate_nodes: "Unknown field", "MAC ... is not unique", "Node identified by ... is
        # already present"; all were accepted (a misspelt pm_port left the node on the default port)
        (lambda n: n.update(pm_prot=6240), "nodes[3].pm_prot", "a key of a pxe_ipmitool node: pm_addr, pm_password"),
        (lambda n: n.update(pm_system_id="abc"), "nodes[3].pm_system_id",
         "a key of a pxe_ipmitool node: pm_addr, pm_password"),
        (lambda n: n.update(mac=["52:54:00:aa:00:00"]), "nodes[3].mac[0]", "a MAC address of no other node "
         "(nodes[0] has it)"),
        (lambda n: n.update(pm_port="6230"), "nodes[3].pm_addr", "a machine no other node is (nodes[0] has the "
         "same BMC address, port)"),
        (lambda n: n.update(pm_addr="not an address!"), "nodes[3].pm_addr", "a host name or IP address"),
        (lambda n: n.update(pm_user="u" * 17), "nodes[3].pm_user", "at most 16 bytes (IPMI 2.0)"),
        (lambda n: n.update(pm_password="p" * 21), "nodes[3].pm_password", "at most 20 bytes (IPMI 2.0)"),
    ],
)
def test_bad_entries_name_file_key_path_expected_and_found(tmp_path: Path, mutate, path: str, expected: str) -> None:
    doc = {"nodes": [dict(INSTACKENV["nodes"][0], name=f"n{i}", pm_port=str(6230 + i), mac=[f"52:54:00:aa:00:0{i}"])
                     for i in range(4)]}
    mutate(doc["nodes"][3])
    file = tmp_path / "instackenv.json"
    file.write_text(json.dumps(doc))
    with pytest.raises(InventoryError) as info:
        load_nodes(file)
    message = str(info.value)
    assert message.startswith(f"{file}: {path}: expected ")
    assert expected in message
    assert info.value.path == path


def test_an_entry_of_the_last_test_unmutated_is_read(tmp_path: Path) -> None:
    doc = {"nodes": [dict(INSTACKENV["nodes"][0], name=f"n{i}", pm_port=str(6230 + i), mac=[f"52:54:00:aa:00:0{i}"])
                     for i in range(4)]}
    doc["nodes"][1].update(pm_user="u" * 16, pm_password="p" * 20, _comment="spare", resource_class="baremetal",
                           ipmi_bridging="no", pm_addr="bmc-1.example.com")
    file = tmp_path / "instackenv.json"
    file.write_text(json.dumps(doc))
    assert [n.pm_port for n in load_nodes(file)] == [6230, 6231, 6232, 6233]


@pytest.mark.parametrize(("entry", "path", "expected"), [
    # a UnicodeEncodeError traceback in the deploy's provisioning before: a Redfish URL is ASCII
    ({"pm_system_id": "syst\u00e8me"}, "nodes[1].pm_system_id", "a Redfish system id"),
    ({"pm_system_id": "a b"}, "nodes[1].pm_system_id", "a Redfish system id"),
    ({"pm_system_id": "x", "redfish_system_id": "y"}, "nodes[1].redfish_system_id",
     "pm_system_id or redfish_system_id, or both the same"),
    ({"pm_addr": "ftp://bmc"}, "nodes[1].pm_addr", "a host name or IP address, or an http(s) URL of one"),
    ({"pm_addr": "https://bmc:port"}, "nodes[1].pm_addr", "a host name or IP address, or an http(s) URL of one"),
    ({"pm_system_id": "/redfish/v1/Systems/one", "pm_port": None}, "nodes[1].pm_system_id",
     "a machine no other node is (nodes[0] has the same BMC address, port and system)"),
])
def test_bad_redfish_entries(entry: dict, path: str, expected: str) -> None:
    base = {"pm_type": "redfish", "pm_addr": "https://192.168.24.1/", "pm_user": "u", "pm_password": "p"}
    nodes = [dict(base, name="a", pm_system_id="one", mac=["52:54:00:00:00:01"]),
             {**base, "name": "b", "pm_system_id": "two", "pm_port": 8001, "mac": ["52:54:00:00:00:02"], **entry}]
    nodes[1] = {k: v for k, v in nodes[1].items() if v is not None}
    with pytest.raises(InventoryError) as info:
        parse_nodes({"nodes": nodes}, source="nodes.yaml")
    assert str(info.value).startswith(f"nodes.yaml: {path}: expected {expected}")


def test_redfish_urls_and_ports_tell_machines_apart() -> None:
    base = {"pm_type": "redfish", "pm_user": "u", "pm_password": "p", "pm_system_id": "one"}
    nodes = parse_nodes({"nodes": [dict(base, name="a", pm_addr="http://[fd00::1]:8000", mac=["52:54:00:00:00:01"]),
                                   dict(base, name="b", pm_addr="bmc", pm_port=8001, mac=["52:54:00:00:00:02"]),
                                   dict(base, name="c", pm_addr="bmc", mac=["52:54:00:00:00:03"],
                                        redfish_system_id="one")]})
    assert [n.system_id for n in nodes] == ["one", "one", "one"]


def test_capabilities_as_a_mapping_leave_out_null_values() -> None:
    # tripleo-common's dict_to_capabilities: {node: null} is no hint (it read as the hint "None")
    entry = {"pm_type": "ipmi", "pm_addr": "a", "pm_user": "u", "pm_password": "p", "mac": ["52:54:00:00:00:01"],
             "capabilities": {"profile": "control", "node": None, "boot_option": "local"}}
    (node,) = parse_nodes({"nodes": [entry]})
    assert node.capabilities == (("boot_option", "local"), ("profile", "control"))
    assert node.node_hint is None


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_numbers_and_nesting_a_parser_cannot_hold_are_inventory_errors(tmp_path: Path, suffix: str) -> None:
    # a ValueError (over 4,300 digits) or RecursionError traceback before
    path = tmp_path / f"nodes{suffix}"
    path.write_text('{"nodes": [{"name": "a", "cpu": ' + "9" * 5000 + "}]}")
    with pytest.raises(InventoryError, match=r"<document>: expected valid JSON/YAML, found 'a value it cannot hold"):
        load_nodes(path)
    path.write_text('{"nodes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InventoryError, match=r"<document>: expected valid JSON/YAML, found 'nesting too deep"):
        load_nodes(path)


def test_redfish_node_needs_a_system_id() -> None:
    entry = {"pm_type": "redfish", "pm_addr": "a", "pm_user": "u", "pm_password": "p", "mac": ["52:54:00:00:00:01"]}
    with pytest.raises(InventoryError, match=r"nodes\[0\]\.pm_system_id"):
        parse_nodes({"nodes": [entry]}, source="nodes.yaml")


def test_duplicate_names_and_missing_nodes_key() -> None:
    entry = {"name": "x", "pm_type": "ipmi", "pm_addr": "a", "pm_user": "u", "pm_password": "p",
             "mac": ["52:54:00:00:00:01"]}
    with pytest.raises(InventoryError, match=r"nodes\[1\]\.name: expected a unique name"):
        parse_nodes({"nodes": [entry, entry]})
    with pytest.raises(InventoryError, match="top-level 'nodes' list"):
        parse_nodes({"node": []})


def test_unparseable_file_is_an_inventory_error(tmp_path: Path) -> None:
    path = tmp_path / "instackenv.json"
    path.write_text("{not json")
    with pytest.raises(InventoryError, match=r"instackenv\.json: <document>"):
        load_nodes(path)
    path.write_bytes(b'{"nodes": []}\xff')  # a UnicodeDecodeError traceback before
    with pytest.raises(InventoryError, match=r"instackenv\.json: <document>: expected UTF-8 text, found "
                                             r"'a byte that is not UTF-8 at offset 13'"):
        load_nodes(path)


def test_generated_inventory_is_a_function_of_the_seed() -> None:
    a = generate_nodes({"Controller": 3, "Compute": 2}, rng=Random(1), hints=True)
    b = generate_nodes({"Controller": 3, "Compute": 2}, rng=Random(1), hints=True)
    c = generate_nodes({"Controller": 3, "Compute": 2}, rng=Random(2), hints=True)
    assert a == b
    assert [n.macs for n in a] != [n.macs for n in c]
    assert [n.name for n in a] == ["controller-0", "controller-1", "controller-2", "compute-0", "compute-1"]
    assert a[0].profile == "control" and a[0].node_hint == "controller-0" and a[3].profile == "compute"
    assert len({n.system_id for n in a}) == 5


def test_a_key_given_twice_is_an_inventory_error(tmp_path: Path) -> None:
    # YAML and json keep the last value of a repeated key silently: a node got the second of two addresses
    path = tmp_path / "nodes.yaml"
    path.write_text("nodes:\n  - name: n0\n    pm_addr: 10.0.0.1\n    pm_addr: 10.0.0.2\n")
    with pytest.raises(InventoryError, match=r"nodes\.yaml: nodes\[0\]\.pm_addr: expected each key once in a "
                                             r"mapping \(it is on lines 3 and 4\), found 'pm_addr'$"):
        load_nodes(path)
    path = tmp_path / "instackenv.json"
    path.write_text('{"nodes": [{"name": "n0", "pm_addr": "10.0.0.1", "pm_addr": "10.0.0.2"}]}')
    with pytest.raises(InventoryError, match=r"instackenv\.json: <document>: expected each key once in an "
                                             r"object, found 'pm_addr'$"):
        load_nodes(path)


def test_generated_macs_are_unique() -> None:
    # three random bytes per MAC: 1,003 nodes held a repeated MAC in about one inventory of 30 (Ironic refuses it)
    for seed in range(40):
        nodes = generate_nodes({"Controller": 3, "Compute": 1000}, rng=Random(seed))
        assert len({n.macs[0] for n in nodes}) == len(nodes)
