"""`tripleo-sim check --scenario`: the plan invariants on the tree the scenario ends on, then the run
invariants over its simulation; accepted invariants are reported but do not fail the check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main

pytestmark = pytest.mark.integration

SPLIT_CONTROLLERS = """\
name: split-controllers
kind: upgrade
source: {release: '11.6.0'}
target: {release: '14.3.0'}
nodes: {Controller: 3, Compute: 1}
environments: [environments/docker-ha.yaml]
seed: 1
order:
  - [overcloud-controller-0]
  - [overcloud-controller-1, overcloud-controller-2]
  - [overcloud-novacompute-0]
"""


def test_check_scenario_fails_on_a_mixed_version_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "split.yaml"
    scenario.write_text(SPLIT_CONTROLLERS)
    junit = tmp_path / "check.xml"
    code = main(["check", "--scenario", str(scenario), "--accept", "api-downtime-budget",
                 "--junit", str(junit)])
    out = capsys.readouterr().out
    assert "release 14.3.0:" in out  # the plan invariants ran on the scenario's target release
    assert code == 2
    assert "[mixed-version-window] after 'upgrade run --limit overcloud-controller-0' keystone runs" in out
    xml = junit.read_text()
    assert 'name="run:mixed-version-window"' in xml and 'name="run:api-downtime-budget"' not in xml


def test_check_rejects_an_unknown_accepted_invariant_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--scenario", "train-to-wallaby", "--accept", "quorum"]) == 1
    assert "--accept: expected with --scenario, one of api-downtime-budget" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "found"), [
    # NaN compared false with every downtime: no API was ever over the budget
    (["--scenario", "train-to-wallaby", "--downtime-budget", "nan"], "nan"),
    (["--scenario", "train-to-wallaby", "--downtime-budget", "-1"], "-1"),
    (["--downtime-budget", "30"], "no --scenario"),  # it was ignored: only a scenario's run has API downtime
])
def test_check_rejects_a_downtime_budget_it_cannot_use_before_any_work(argv: list[str], found: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *argv]) == 1
    err = capsys.readouterr().err
    assert err == ("tripleo-sim: error: --downtime-budget: expected with --scenario, seconds >= 0 (inf: no budget), "
                   f"found {found}\n")


NO_MESSAGING = """\
name: no-messaging
kind: deploy
source: {release: '18.0.0'}
roles: [ControllerOpenstack, Database, Compute]
nodes: {ControllerOpenstack: 1, Database: 1, Compute: 1}
seed: 1
"""


def test_the_plan_invariants_check_the_scenarios_own_layout(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # found by probing: the release's default layout was checked (0 violations, exit 0) whatever the scenario's
    # roles, nodes and environments; this one deploys no Messaging role, so no rabbitmq anywhere
    scenario = tmp_path / "no-messaging.yaml"
    scenario.write_text(NO_MESSAGING)
    assert main(["check", "--scenario", str(scenario), "--profile", "dev"]) == 2
    out = capsys.readouterr().out
    assert "[api-companions] cinder_api on role ControllerOpenstack needs oslo_messaging_rpc but no deployed role " \
           "runs it" in out
    assert "[quorum-size]" in out  # pacemaker on 2 nodes: ControllerOpenstack's and Database's


CONFIG_CHANGE = Path(__file__).resolve().parents[2] / "scenarios" / "environments" / "mysql-max-connections.yaml"


def test_the_run_has_the_environments_the_plan_invariants_checked(tht: Any, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # found by probing: --templates replaced the scenario's end side by the tree alone, dropping its environments
    # (update-18-config-change's mysql-max-connections.yaml: the run changed no configuration and passed), and -e
    # reached the plan invariants only
    code = main(["check", "--templates", str(tht("18.0.0")), "--scenario", "update-18-config-change"])
    out = capsys.readouterr().out
    assert code == 2 and "[quorum-kept] galera lost quorum" in out
    plain = tmp_path / "update.yaml"
    plain.write_text("name: u\nkind: update\nsource: {release: '18.0.0'}\ntarget: {release: '18.0.0'}\n"
                     "nodes: {Controller: 3, Compute: 2}\nseed: 1\n")
    code = main(["check", "--scenario", str(plain), "-e", str(CONFIG_CHANGE)])
    assert code == 2 and "[quorum-kept] galera lost quorum" in capsys.readouterr().out


def test_an_accepted_failed_run_fails_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # found by probing: --accept run-succeeds left the failed run in the exit code (2) but not in the JUnit file
    failing = tmp_path / "failing.yaml"
    failing.write_text("name: f\nkind: update\nsource: {release: '18.0.0'}\nnodes: {Controller: 3, Compute: 2}\n"
                       "seed: 1\nfaults:\n  - {at: 0, target: overcloud-controller-1, kind: task_failed, "
                       "task: 'Start pacemaker cluster'}\n")
    junit = tmp_path / "check.xml"
    code = main(["check", "--scenario", str(failing), "--accept", "run-succeeds", "--accept", "services-restored",
                 "--accept", "quorum-kept", "--accept", "api-downtime-budget", "--junit", str(junit)])
    out = capsys.readouterr().out
    xml = junit.read_text()
    failures = int(xml.split('failures="', 1)[1].split('"', 1)[0])
    assert "failed in" in out and "[run-succeeds]" not in out
    assert (code == 2) == (failures > 0), (code, failures, out)
    assert 'name="run:run-succeeds"' not in xml


def test_roles_data_beside_a_scenario_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # the plan invariants would have checked -r's layout and the run the scenario's
    assert main(["check", "--scenario", "update-18", "-r", "roles.yaml"]) == 1
    assert capsys.readouterr().err.startswith("tripleo-sim: error: -r: expected no -r beside --scenario")
