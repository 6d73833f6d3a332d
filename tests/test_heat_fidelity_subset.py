"""The fake Heat against real Heat's committed outputs, for the CI subset of THT 18.0.0 service templates.

Real Heat is not needed here: its outputs were produced by the oracle (`tests/fidelity/heat/oracle.py`) and
committed under `tests/fidelity/heat/data/18.0.0/subset/`; regenerate them with
`nox -s fidelity-heat -- --write-subset`, never by hand. The full comparison is `nox -s fidelity-heat`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from heat_fidelity import HERE, load

compare = load("compare")
subset = load("subset")
fake_driver = load("fake")
DATA = HERE / "data" / subset.RELEASE


# --- the comparison itself, on hand-made values -------------------------------------------------------------


def test_diff_reports_each_difference_as_a_key_path_with_both_values() -> None:
    oracle = {"role_data": {"service_name": "nova_api", "upgrade_tasks": [{"when": "step|int == 1"}, {"a": 1}],
                            "config_settings": {"x": True, "y": "1", "only_real": 0}}}
    fake = {"role_data": {"service_name": "nova_api", "upgrade_tasks": [{"when": "step|int == 2"}],
                          "config_settings": {"x": 1, "y": 1, "only_fake": None}}}
    result = compare.compare_outputs("t.yaml", oracle, fake)
    got = {d.path: (d.oracle, d.fake) for d in result.differences}
    assert got == {
        "t.yaml: outputs.role_data.upgrade_tasks[0].when": ("step|int == 1", "step|int == 2"),
        "t.yaml: outputs.role_data.upgrade_tasks[1]": ({"a": 1}, compare.MISSING),
        "t.yaml: outputs.role_data.config_settings.x": (True, 1),
        "t.yaml: outputs.role_data.config_settings.y": ("1", 1),
        "t.yaml: outputs.role_data.config_settings.only_real": (0, compare.MISSING),
        "t.yaml: outputs.role_data.config_settings.only_fake": (compare.MISSING, None),
    }
    assert not result.identical


def test_identical_values_and_numbers_compare_equal() -> None:
    value = {"a": [1, {"b": None, "c": [True, "x"]}], "n": 2}
    assert compare.compare_outputs("t.yaml", value, json.loads(json.dumps(value))).identical
    assert compare.compare_outputs("t.yaml", {"n": 2}, {"n": 2.0}).identical
    assert not compare.compare_outputs("t.yaml", {"n": None}, {}).identical


def test_summary_line() -> None:
    report = compare.Report("18.0.0", [compare.TemplateResult("a.yaml"),
                                       compare.compare_outputs("b.yaml", {"x": 1}, {"x": 2})])
    assert report.summary == "fidelity-heat 18.0.0: 2 compared, 1 identical, 1 differ"
    assert "b.yaml: outputs.x: real Heat 1 != fake 2" in list(report.lines())


def test_an_output_real_heat_cannot_resolve_must_fail_in_the_fake_too() -> None:
    real = {"status": "CREATE_COMPLETE", "outputs": {},
            "output_errors": {"role_data": "The Parameter (X) was not provided."}}

    def fails() -> dict[str, Any]:
        raise ValueError("X undeclared")

    assert compare.compare_template("t.yaml", real, fails).identical
    differs = compare.compare_template("t.yaml", real, lambda: {"role_data": {}})
    assert [d.path for d in differs.differences] == ["t.yaml: outputs.role_data"]
    fake_only = compare.compare_template("t.yaml", {"outputs": {"role_data": 1}}, fails)
    assert fake_only.error == "ValueError: X undeclared" and not fake_only.identical


# --- the fake against real Heat's committed outputs ---------------------------------------------------------


def test_every_subset_template_has_committed_oracle_outputs() -> None:
    missing = [t for t in [*subset.TEMPLATES, *subset.ROLE_CHAINS] if not (DATA / "subset" / f"{t}.json").is_file()]
    assert not missing, f"run `nox -s fidelity-heat -- --write-subset` to produce {missing}"
    assert len(subset.TEMPLATES) >= 10


def _constructs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("yaql", "map_merge", "list_concat", "repeat", "get_file", "map_replace"):
                found.add(key)
            if key == "if" and isinstance(value, list):
                found.add(f"if/{len(value)}")
            if key == "type" and isinstance(value, str):
                found.add("nested by path" if value.endswith(".yaml") else
                          "ResourceChain" if value == "OS::Heat::ResourceChain" else
                          "nested by registry type" if value.startswith("OS::TripleO::") else "other type")
            _constructs(value, found)
    elif isinstance(node, list):
        for item in node:
            _constructs(item, found)
    return found


@pytest.mark.integration
def test_the_subset_covers_the_constructs_it_is_meant_to() -> None:
    import yaml

    from fakes.heat import fetch_release

    tree = fetch_release(subset.RELEASE)
    sources = [*subset.TEMPLATES, "common/services/role.role.j2.yaml"]  # the role chains' j2 source
    found: set[str] = set()
    for relpath in sources:
        text = (tree / relpath).read_text()
        _constructs(yaml.safe_load(text if not relpath.endswith(".j2.yaml") else
                                   "\n".join(line for line in text.splitlines() if "{%" not in line)), found)
    wanted = {"yaql", "map_merge", "if/2", "if/3", "nested by path", "nested by registry type", "ResourceChain"}
    assert wanted <= found, f"the subset no longer covers {sorted(wanted - found)}"


@pytest.fixture(scope="module")
def fakes_by_parameters(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A Fake per distinct parameter set (the service templates share one; a role chain adds its services)."""
    from fakes.heat import fetch_release

    tree = fetch_release(subset.RELEASE)  # cached per user after the first download
    parameters = json.loads((DATA / "params.json").read_text())
    made: dict[str, Any] = {}

    def get(extra: dict[str, Any]) -> Any:
        key = json.dumps(extra, sort_keys=True)
        if key not in made:
            made[key] = fake_driver.Fake(tree, {**parameters, **extra}, tmp_path_factory.mktemp("fidelity-heat"))
        return made[key]

    return get


@pytest.mark.integration
@pytest.mark.parametrize("template", [*subset.TEMPLATES, *subset.ROLE_CHAINS])
def test_fake_heat_matches_real_heat(fakes_by_parameters: Any, template: str) -> None:
    committed = json.loads((DATA / "subset" / f"{template}.json").read_text())
    fake = fakes_by_parameters(committed["extra_parameters"])
    result = compare.compare_template(template, {"status": "CREATE_COMPLETE", **committed},
                                      lambda: fake.outputs(template))
    shown = [d.render() for d in result.differences[:25]]
    more = len(result.differences) - len(shown)
    assert result.identical, "\n".join(shown + ([f"... {more} more"] if more > 0 else []))
