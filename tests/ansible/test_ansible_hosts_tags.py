"""Inventory patterns, --limit forms, serial batches, and tag selection."""

from __future__ import annotations

import pytest

from fakes.ansible import Inventory, InventoryError, TagSelection, ocata_step, serial_batches

INV = Inventory.from_groups(
    {
        "Controller": ["controller-0", "controller-1", "controller-2"],
        "Compute": ["compute-0", "compute-1"],
        "mysql": ["controller-0", "controller-1", "controller-2"],
    }
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("all", ["controller-0", "controller-1", "controller-2", "compute-0", "compute-1"]),
        ("Compute:Controller", ["compute-0", "compute-1", "controller-0", "controller-1", "controller-2"]),
        ("Compute,controller-1", ["compute-0", "compute-1", "controller-1"]),
        ("all:!Controller", ["compute-0", "compute-1"]),
        ("!compute-1:Compute", ["compute-0"]),  # exclusions apply after unions, whatever their position
        ("Controller:&mysql:!controller-2", ["controller-0", "controller-1"]),
        ("controller-*", ["controller-0", "controller-1", "controller-2"]),
        ("~compute-[1]", ["compute-1"]),
        ("nosuchhost", []),
    ],
)
def test_select(pattern: str, expected: list[str]) -> None:
    assert INV.select(pattern) == expected


def test_limit_restricts_play_hosts_in_play_order() -> None:
    assert INV.play_hosts("Controller", "controller-2:controller-0") == ["controller-0", "controller-2"]
    assert INV.play_hosts("all", ["Compute", "!compute-0"]) == ["compute-1"]


def test_groups_var_and_variables() -> None:
    inv = Inventory.from_groups(
        {"A": ["h1"], "B": []}, host_vars={"h2": {"x": 2}}, group_vars={"all": {"x": 0, "y": 1}, "A": {"x": 1}}
    )
    assert inv.groups_var() == {"all": ["h1", "h2"], "ungrouped": ["h2"], "A": ["h1"], "B": []}
    assert inv.variables("h1") == {"x": 1, "y": 1}
    assert inv.variables("h2") == {"x": 2, "y": 1}
    with pytest.raises(InventoryError, match=r"groups\.all"):
        Inventory.from_groups({"all": ["h"]})


@pytest.mark.parametrize(
    ("serial", "sizes"),
    [
        (None, [5]),
        (0, [5]),
        (1, [1, 1, 1, 1, 1]),
        (2, [2, 2, 1]),
        ("40%", [2, 2, 1]),
        ("10%", [1] * 5),
        ([1, 2], [1, 2, 2]),
        (["20%", "100%"], [1, 4]),
    ],
)
def test_serial_batches(serial: object, sizes: list[int]) -> None:
    hosts = INV.select("all")
    batches = serial_batches(hosts, serial)
    assert [len(b) for b in batches] == sizes
    assert [h for b in batches for h in b] == hosts


def test_serial_rejects_garbage() -> None:
    with pytest.raises(InventoryError, match=r"play\.serial"):
        serial_batches(["a"], "many")


@pytest.mark.parametrize(
    ("only", "skip", "tags", "runs"),
    [
        (None, None, [], True),
        (None, None, ["never"], False),
        (None, None, ["always"], True),
        (["t1"], None, [], False),
        (["t1"], None, ["t1"], True),
        (["t1"], None, ["always"], True),
        (["never"], None, ["never", "x"], True),
        (["tagged"], None, ["x"], True),
        (["tagged"], None, [], False),
        (["untagged"], None, [], True),
        (None, ["t1"], ["t1", "t2"], False),
        (None, ["always"], ["always"], False),
        (None, ["all"], ["always"], True),
        (None, ["tagged"], ["x"], False),
    ],
)
def test_tag_selection(only: list[str] | None, skip: list[str] | None, tags: list[str], runs: bool) -> None:
    assert TagSelection.of(only, skip).should_run(tags) is runs


def test_ocata_step_tags() -> None:
    selection = ocata_step(2)
    assert selection.should_run(["step2"]) and selection.should_run(["common"])
    assert not selection.should_run(["step1"]) and not selection.should_run([])
