"""The tripleo-sim command: plan JSON schema, typed errors instead of tracebacks, offline fetch."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.cli import main


@pytest.mark.integration
def test_plan_json_schema(tht: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--templates", str(tht("18.0.0")), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["release"] == "18.0.0"
    role = data["roles"][0]
    assert {"name", "services", "disabled_services", "tasks", "never_runs"} <= set(role)
    assert role["name"] == "Controller"
    assert set(role["tasks"]["upgrade_tasks"]) == {"0", "1", "2", "3", "4", "5"}
    assert all(isinstance(n, str) for n in role["tasks"]["upgrade_tasks"]["0"])
    for never in role["never_runs"]:
        assert {"phase", "step", "task"} <= set(never)


def test_bad_templates_path_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--templates", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not a THT tree" in err and "Traceback" not in err


def test_offline_fetch_names_templates_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRIPLEO_SIM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")  # nothing listens on the discard port
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "file:///nonexistent/simple")
    assert main(["templates", "fetch", "18.0.0"]) == 1
    err = capsys.readouterr().err
    assert "--templates PATH" in err and "not cached" in err


def test_malformed_roles_data(tht: Callable[[str], Path], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    roles = tmp_path / "roles.yaml"
    roles.write_text("- name: Controller\n  ServicesDefault: [\n")
    assert main(["plan", "--templates", str(tht("18.0.0")), "-r", str(roles)]) == 1
    err = capsys.readouterr().err
    assert str(roles) in err and "valid YAML" in err


def test_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["upgrade", "no-such-scenario"]) == 1
    assert "train-to-wallaby" in capsys.readouterr().err


@pytest.mark.integration
def test_coverage_counts_distinct_tasks(tht: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--templates", str(tht("18.0.0")), "--markdown"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "| module | tasks | modelled | status |"
    rows = {line.split("|")[1].strip(" `"): line for line in out[2:] if line.startswith("|")}
    assert "pacemaker_cluster" in rows and "modelled" in rows["pacemaker_cluster"]
    total = out[-1]
    assert total.startswith("18.0.0 upgrade_tasks, update_tasks:") and "distinct tasks" in total


@pytest.mark.integration
def test_upgrade_runs_the_default_scenario_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "run.json"
    junit = tmp_path / "run.xml"
    assert main(["upgrade", "--json", str(out_json), "--junit", str(junit)]) == 0
    text = capsys.readouterr().out
    assert "upgrade 11.6.0 -> 14.3.0" in text and "result: succeeded" in text
    assert "upgrade run --limit overcloud-novacompute-0:overcloud-novacompute-1" in text
    data = json.loads(out_json.read_text())
    assert data["result"] == "succeeded" and len(data["trace_hash"]) == 64 and data["trace"]
    assert data["quorum_events"] and data["api_downtime_seconds"]["keystone"] > 0
    assert junit.read_text().startswith("<?xml")
    # the run invariants are reported (all three controllers at once: quorum lost, APIs over budget; redis-bundle
    # left disabled; the HA bundles not restarted on their new config; ovn_controller behind the OVN DBs) ...
    assert "[quorum-kept] pacemaker lost quorum" in text and "--strict makes them fail" in text
    assert {v["invariant"] for v in data["violations"]} == {"quorum-kept", "api-downtime-budget", "services-restored",
                                                            "bundle-config-current", "ovn-controller-first"}
    assert 'classname="tripleo-sim.invariant.quorum-kept"' in junit.read_text()
    # ... and fail the command with --strict; --at prints the world at chosen moments of the same run
    lost = next(q["time"] for q in data["quorum_events"] if q["cluster"] == "pacemaker" and q["event"] == "lost")
    assert main(["upgrade", "--strict", "--at", str(lost + 1), "--at", "0"]) == 2
    out = capsys.readouterr().out
    assert "result: succeeded" in out and f"trace {data['trace_hash'][:16]}" in out
    first, second = out.split("world at t=")[1:3]
    assert first.startswith("0s:") and "pacemaker: quorate" in first and "APIs down: none" in first
    assert "pacemaker: NO QUORUM" in second and "APIs down: keystone" in second
    assert "(pacemaker quorum)" in second  # each group of APIs down with its reason
    assert ("galera: NO QUORUM (3 members, 0 running; stopped everywhere, its bootstrap waits for "
            "overcloud-controller-0") in second
    assert main(["upgrade", "--at", "-5"]) == 1


@pytest.mark.integration
def test_a_failed_simulated_run_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "crash.yaml"
    scenario.write_text(
        "name: crash\nkind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\n"
        "nodes: {Controller: 3, Compute: 1}\nenvironments: [environments/docker-ha.yaml]\nseed: 1\n"
        "faults: [{at: 1500, target: overcloud-controller-1, kind: node_crash}]\n")
    assert main(["upgrade", str(scenario)]) == 2
    out = capsys.readouterr().out
    assert "FAILED at t=" in out and "on overcloud-controller-1" in out and "unreachable" in out
    assert out.rstrip().endswith("result: failed")
    # the same run, its trace on the crashed node read step by step up to the failure
    failed_at = float(out.split("FAILED at t=")[1].split(" ")[0])
    assert main(["upgrade", str(scenario), "--trace", "overcloud-controller-1",
                 "--trace-window", f"{failed_at - 60}:{failed_at + 1}"]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("trace: ") and "(matching overcloud-controller-1; t=" in lines[0]
    shown = lines[1:lines.index(next(x for x in lines if x.startswith("scenario ")))]
    assert shown and all("overcloud-controller-1" in x for x in shown)
    assert any(" task " in x and " failed " in x and "unreachable: node_crash" in x for x in shown)


@pytest.mark.parametrize("window", ["5:x", "9", "10:5", "-3:4"])
def test_a_bad_trace_window_is_refused_before_the_run(window: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["upgrade", f"--trace-window={window}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tripleo-sim: error: --trace-window: expected ") and "evaluating" not in err


def test_malformed_fault_is_rejected_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("kind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\n"
                        "faults: [{at: -5, target: x, kind: node_crash}]\n")
    assert main(["upgrade", str(scenario)]) == 1
    assert "faults[0].at" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "expected"), [
    (["upgrade", "--json", "{tmp}/missing/out.json"], "--json: {tmp}/missing/out.json: expected a file in an "
                                                       "existing directory, found no directory {tmp}/missing"),
    (["update", "--junit", "{tmp}"], "--junit: {tmp}: expected a file to write, found a directory"),
    (["check", "--junit", "{tmp}/missing/j.xml"], "--junit: {tmp}/missing/j.xml: expected a file in an existing"),
    (["plan", "--release", "18.0.0", "--json", "{tmp}/missing/p.json"], "--json: {tmp}/missing/p.json: expected"),
])
def test_an_unwritable_output_is_rejected_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         argv: list[str], expected: str) -> None:
    # before the run: a simulation of minutes must not end in a traceback with its result lost
    assert main([a.format(tmp=tmp_path) for a in argv]) == 1
    err = capsys.readouterr().err
    assert "tripleo-sim: error: " + expected.format(tmp=tmp_path) in err
    assert "evaluating" not in err and "Traceback" not in err


def test_a_failed_write_is_an_error_naming_the_option(tmp_path: Path) -> None:
    from simulator.outputs import OutputError, write_output

    (tmp_path / "ro").mkdir()
    with pytest.raises(OutputError, match=r"^--json: .*/ro/x/y.json: expected a file to write, found "):
        write_output(str(tmp_path / "ro" / "x" / "y.json"), "{}", "--json")


@pytest.mark.parametrize("at", ["inf", "nan", "-5"])
def test_a_moment_that_is_no_time_is_refused_before_the_run(at: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["upgrade", "--at", at]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tripleo-sim: error: --at {at}: expected simulated seconds >= 0 (finite)")
    assert "evaluating" not in err
