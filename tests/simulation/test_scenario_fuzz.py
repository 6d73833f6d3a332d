"""Any scenario file, however malformed, loads or is refused with a typed error naming the file — never another
exception (a traceback is what a user of the CLI would see). Scenarios are the shipped ones with one key's value
replaced, removed or misspelt, at any depth."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzzing import VALUES, mutate, paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.heat.errors import TemplateError
from simulator.scenario import Scenario, load_scenario, with_faults

SHIPPED = sorted(p for p in (Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))  # loading takes milliseconds: more than the profile's


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=EXAMPLES)
@given(data=st.data(), how=st.sampled_from(["replace", "remove", "misspell"]), value=VALUES)
def test_a_malformed_scenario_is_refused_with_a_typed_error(tmp_path: Path, data: st.DataObject, how: str,
                                                            value: Any) -> None:
    shipped = data.draw(st.sampled_from(SHIPPED), label="scenario")
    original = yaml.safe_load(shipped.read_text())
    path = data.draw(st.sampled_from(paths(original)), label="key path")
    mutated = mutate(original, path, how, value)
    file = tmp_path / shipped.name
    file.write_text(yaml.safe_dump(mutated))
    # environment files a scenario names next to itself
    if (shipped.parent / "environments").is_dir() and not (tmp_path / "environments").exists():
        (tmp_path / "environments").symlink_to(shipped.parent / "environments")
    try:
        scenario = load_scenario(str(file))
    except TemplateError as exc:
        assert str(exc).startswith(str(file)) or str(exc).startswith("/"), str(exc)
        return
    assert isinstance(scenario, Scenario)


_SRC, _CRASH = "source: {release: '11.6.0'}\n", "target: overcloud-controller-0, kind: node_crash"


@pytest.mark.parametrize(("text", "message"), [
    ("name: [a, b]\nsource: {release: '18.0.0'}\n", "name: expected a string, found ['a', 'b']"),
    ("description: {a: 1}\nsource: {release: '18.0.0'}\n", "description: expected a string, found {'a': 1}"),
    ("source: {release: 18.0}\n", "source.release: expected a THT release as a quoted string, e.g. \"11.6.0\", "
                                  "found 18.0"),
    ("source: {release: [1, 2]}\n", "source.release: expected a THT release as a quoted string"),
    ("source: {release: '11.6.0'}\ntarget: {release: true}\n", "target.release: expected a THT release"),
    ("source: {templates: 5}\n", "source.templates: expected a path to a tripleo-heat-templates tree, found 5"),
    # NaN compares false both ways: it passed `at < 0`, and the fault silently never fired
    (f"{_SRC}faults: [{{at: .nan, {_CRASH}}}]", "faults[0].at: expected simulated seconds >= 0 (finite), found nan"),
    (f"{_SRC}faults: [{{at: .inf, {_CRASH}}}]", "faults[0].at: expected simulated seconds >= 0 (finite), found inf"),
    (f"{_SRC}faults: [{{at: 5, {_CRASH}, duration: .nan}}]",
     "faults[0].duration: expected seconds > 0 (finite) or absent (permanent), found nan"),
    # an integer too large for a float passed `at < inf` and failed float() with an OverflowError traceback
    (f"{_SRC}faults: [{{at: 1{'0' * 400}, {_CRASH}}}]", "faults[0].at: expected simulated seconds >= 0 (finite), "
                                                      "found 1000"),
    (f"{_SRC}faults: [{{at: 5, {_CRASH}, duration: 1{'0' * 400}}}]",
     "faults[0].duration: expected seconds > 0 (finite) or absent (permanent), found 1000"),
    # YAML 1.1 reads 1e3 as a string: the error says so
    (f"{_SRC}faults: [{{at: 1e3, {_CRASH}}}]", "faults[0].at: expected simulated seconds >= 0 (finite), found '1e3' "
                                              "(YAML reads 1e3 as a string: write a plain number (1000, 1.0e+3))"),
    (f"{_SRC}faults: [{{at: 5, {_CRASH}, duration: true}}]",
     "faults[0].duration: expected seconds > 0 (finite) or absent (permanent), found True"),
    # a count no TripleO deployment has would only look like a hang while the stack expanded it
    (f"{_SRC}nodes: {{Controller: 3, Compute: 10001}}",
     "nodes.Compute: expected a node count from 0 to 10000, found 10001"),
    (f"{_SRC}nodes: {{Controller: -1}}", "nodes.Controller: expected a node count from 0 to 10000, found -1"),
    (f"{_SRC}nodes: {{Controller: 2.5}}", "nodes.Controller: expected a node count from 0 to 10000, found 2.5"),
    # an empty value of the wrong type read as "none given"
    (f"{_SRC}nodes: []", "nodes: expected a mapping of role name to a node count >= 0, found []"),
    # a role given twice was reported against "<roles_data>", a file the user never wrote
    (f"{_SRC}roles: [Controller, Controller, Compute]", "roles[1]: expected each role once, found 'Controller', "
                                                        "also roles[0]"),
    (f"{_SRC}faults: {{}}", "faults: expected a list of faults, found {}"),
    (f"{_SRC}environments: false", "environments: expected a list of environment file paths, found False"),
    (f"{_SRC}order: ''", "order: expected a list of --limit batches, each a list of node names, found ''"),
])
def test_values_of_the_wrong_type_are_refused_on_load(tmp_path: Path, text: str, message: str) -> None:
    # these used to load, a release list only failing later when it was fetched, with no file or key named
    file = tmp_path / "s.yaml"
    file.write_text(("kind: update\n" if "target: {" not in text else "") + text)
    with pytest.raises(TemplateError) as err:
        load_scenario(str(file))
    assert str(err.value).startswith(f"{file}: {message}")



def test_a_scenario_file_that_is_not_utf8_is_refused_on_load(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_bytes(b"kind: update\nsource: {release: '18.0.0'}\nname: caf\xe9\n")  # Latin-1, not UTF-8
    with pytest.raises(TemplateError) as err:
        load_scenario(str(file))
    assert str(err.value) == f"{file}: expected UTF-8 text, found a byte that is not UTF-8 at offset 50"


@pytest.mark.parametrize(("text", "message"), [
    # YAML keeps the last of a repeated key: the run went on with one of the two node counts, silently
    ("source: {release: '11.6.0'}\nnodes: {Controller: 1}\nseed: 2\nnodes: {Controller: 3}\n",
     "nodes: expected each key once in a mapping, found 'nodes' on line 5, first on line 3"),
    (f"{_SRC}faults:\n  - {{at: 5, at: 50, {_CRASH}}}\n",
     "faults[0].at: expected each key once in a mapping, found 'at' on line 4, first on line 4"),
    (f"{_SRC}timing:\n  effects: {{db_sync: {{constant: 1}}}}\n  effects: {{}}\n",
     "timing.effects: expected each key once in a mapping, found 'effects' on line 5, first on line 4"),
])
def test_a_key_given_twice_is_refused_on_load(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("kind: update\n" + text)
    with pytest.raises(TemplateError) as err:
        load_scenario(str(file))
    assert str(err.value) == f"{file}: {message}"


def test_a_key_given_twice_in_a_timing_file_or_a_fault_option_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("task_default: {constant: 1}\ntask_default: {constant: 2}\n")
    file = tmp_path / "s.yaml"
    file.write_text(f"kind: update\n{_SRC}timing: t.yaml\n")
    with pytest.raises(TemplateError) as err:
        load_scenario(str(file))
    assert str(err.value) == (f"{tmp_path / 't.yaml'}: task_default: expected each key once in a mapping, "
                              "found 'task_default' on line 2, first on line 1")
    file.write_text(f"kind: update\n{_SRC}")
    with pytest.raises(TemplateError) as err:
        with_faults(load_scenario(str(file)), [f"{{at: 5, {_CRASH}, kind: task_failed}}"])
    assert str(err.value) == ("command line: --fault[0].kind: expected each key once, "
                              "found 'kind' on line 1, first on line 1")


@pytest.mark.parametrize("key", ["roles_data", "network_data"])
def test_a_roles_or_network_data_file_that_is_not_there_is_refused_on_load(tmp_path: Path, key: str) -> None:
    # before, the scenario loaded and the error came once the templates were fetched, naming no scenario key
    file = tmp_path / "s.yaml"
    for value, found in (("nope.yaml", f"no such file: {tmp_path / 'nope.yaml'}"), (".", f"a directory: {tmp_path}")):
        file.write_text(f"kind: update\n{_SRC}{key}: {value}\n")
        with pytest.raises(TemplateError) as err:
            load_scenario(str(file))
        assert str(err.value) == f"{file}: {key}: expected a file (a path relative to the scenario), found {found}"
    (tmp_path / "mine.yaml").write_text("[]\n")
    file.write_text(f"kind: update\n{_SRC}{key}: mine.yaml\n")
    assert getattr(load_scenario(str(file)), key) == str(tmp_path / "mine.yaml")
