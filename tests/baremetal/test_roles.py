from __future__ import annotations

from itertools import count
from random import Random

import pytest

from fakes.baremetal.errors import RoleFillError
from fakes.baremetal.inventory import generate_nodes, parse_nodes
from fakes.baremetal.roles import RoleDemand, match_roles

_INDEX = count(1)


def _node(name: str, caps: str) -> dict:
    # each its own BMC port and MAC: an inventory with two nodes on one machine is refused (test_inventory.py)
    index = next(_INDEX)
    return {"name": name, "pm_type": "ipmi", "pm_addr": "a", "pm_port": 6230 + index, "pm_user": "u",
            "pm_password": "p", "mac": [f"52:54:00:00:{index // 256:02x}:{index % 256:02x}"], "capabilities": caps}


def test_profiles_fill_roles_in_name_order() -> None:
    nodes = generate_nodes({"Controller": 3, "Compute": 2}, rng=Random(3))
    roles = match_roles(nodes, [RoleDemand.tripleo("Controller", 3), RoleDemand.tripleo("Compute", 2)])
    assert [n.name for n in roles["Controller"]] == ["controller-0", "controller-1", "controller-2"]
    assert [n.name for n in roles["Compute"]] == ["compute-0", "compute-1"]


def test_node_hints_pin_indexes_before_profiles() -> None:
    nodes = parse_nodes({"nodes": [
        _node("a", "profile:control"),
        _node("b", "node:controller-0"),
        _node("c", "profile:control"),
    ]})
    roles = match_roles(nodes, [RoleDemand.tripleo("Controller", 2)])
    assert [n.name for n in roles["Controller"]] == ["b", "a"]


def test_missing_nodes_name_the_role_and_what_is_left() -> None:
    nodes = generate_nodes({"Controller": 2, "Compute": 3}, rng=Random(3))
    with pytest.raises(RoleFillError) as info:
        match_roles(nodes, [RoleDemand.tripleo("Controller", 3), RoleDemand.tripleo("Compute", 3)])
    message = str(info.value)
    assert message.startswith("role Controller: needs 3 nodes (profile:control or hint node:controller-<index>)")
    assert "1 missing" in message and "compute" in message


def test_hint_beyond_count_and_duplicate_hints_are_errors() -> None:
    nodes = parse_nodes({"nodes": [_node("a", "node:compute-4")]})
    with pytest.raises(RoleFillError, match="hint node:compute-4 but the role has only 2 nodes"):
        match_roles(nodes, [RoleDemand.tripleo("Compute", 2)])
    nodes = parse_nodes({"nodes": [_node("a", "node:compute-0"), _node("b", "node:compute-0")]})
    with pytest.raises(RoleFillError, match="both carry hint node:compute-0"):
        match_roles(nodes, [RoleDemand.tripleo("Compute", 2)])
