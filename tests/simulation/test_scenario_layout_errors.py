"""Names a scenario gives that the planned layout does not have (a role given a node count, a node in the operator
order, a fault's target, an environment file) are typed errors naming the file and the key, not ignored and not a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.run import prepare_scenario
from simulator.scenario import ScenarioError

pytestmark = pytest.mark.integration

HEAD = 'name: x\nkind: upgrade\nsource: {release: "11.6.0"}\ntarget: {release: "14.3.0"}\n'


@pytest.mark.parametrize(("body", "message"), [
    ("order: [[overcloud-controller-0], [overcloud-controller-9]]",
     "s.yaml: order[1][0]: expected a node of the layout (overcloud-controller-0, overcloud-novacompute-0), "
     "found 'overcloud-controller-9'"),
    ("nodes: {Controller: 1, Controllerr: 3}",
     "s.yaml: nodes.Controllerr: expected a role of the layout (Controller, Compute, BlockStorage, ObjectStorage, "
     "CephStorage), found 'Controllerr'"),
    ("faults: [{at: 5, target: overcloud-controller-7, kind: node_crash}]",
     "s.yaml: faults[0].target: expected a node of the layout (overcloud-controller-0, overcloud-novacompute-0), "
     "found 'overcloud-controller-7'"),
    ("faults: [{at: 5, target: Controllr, kind: heat_resource_failed}]",
     "s.yaml: faults[0].target: expected a resource of the overcloud stack ("),
    ("faults: [{at: 5, target: overcloud-controller-0, kind: task_failed, task: Stop pacemaker clustr}]",
     "s.yaml: faults[0].task: expected a task name of the plans, or a glob matching one ("),
    ("faults: [{at: 5, target: overcloud-controller-0, kind: task_failed}]",
     "s.yaml: faults[0].task: expected a task name or glob (for task_failed only), found None"),
    ("faults: [{at: 5, target: overcloud-controller-0, kind: node_crash, task: Stop pacemaker cluster}]",
     "s.yaml: faults[0].task: expected a task name or glob (for task_failed only), found 'Stop pacemaker cluster'"),
    ("environments: [environments/docker-ha.yaml, environments/nope.yaml]",
     "s.yaml: environments[1]: expected an environment file of the templates ("),
])
def test_a_name_the_layout_lacks_is_an_error_naming_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(HEAD + body + "\n")
    with pytest.raises(ScenarioError) as err:
        prepare_scenario(str(file))
    assert message in str(err.value)


def test_the_cli_reports_it_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(HEAD + "faults: [{at: 5, target: overcloud-controller-7, kind: node_crash}]\n")
    assert main(["upgrade", str(file)]) == 1
    err = capsys.readouterr().err
    assert "faults[0].target: expected a node of the layout" in err and "Traceback" not in err


def test_an_environment_file_next_to_the_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a file of the scenario's own directory, found wherever the command runs from; the templates' own files keep
    # their meaning (environments/docker-ha.yaml is THT's even if the scenario's directory has one by that name)
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "mine.yaml").write_text("parameter_defaults:\n  MysqlMaxConnections: 1234\n")
    (tmp_path / "environments" / "docker-ha.yaml").write_text("parameter_defaults:\n  MysqlMaxConnections: 9\n")
    file = tmp_path / "s.yaml"
    file.write_text(HEAD + "nodes: {Controller: 1, Compute: 1}\n"
                    "environments: [environments/docker-ha.yaml, environments/mine.yaml]\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = prepare_scenario(str(file))
    assert result.target.environment_files[1:] == ("environments/docker-ha.yaml",
                                                   str(tmp_path / "environments" / "mine.yaml"))
    assert result.target.role("Controller").config_settings["mysql_max_connections"] == 1234
    (tmp_path / "environments" / "mine.yaml").unlink()
    with pytest.raises(ScenarioError) as err:
        prepare_scenario(str(file))
    assert "environments[1]: expected an environment file of the templates (" in str(err.value)
    assert f"next to the scenario ({tmp_path})" in str(err.value)


def test_the_shipped_config_change_update_finds_its_environment_from_any_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = prepare_scenario("update-18-config-change")
    [env] = [e for e in result.target.environment_files if e.endswith("mysql-max-connections.yaml")]
    assert Path(env).is_absolute() and Path(env).is_file()
    assert result.target.role("Controller").config_settings["mysql_max_connections"] == 8192
    assert "mysql_max_connections" not in result.source.role("Controller").config_settings or \
        result.source.role("Controller").config_settings["mysql_max_connections"] != 8192
