"""Bad input to the command and the API, found by probing (each case gave a traceback, silently wrong output or
lost data before): outputs that would overwrite an input or each other, output files half-written, usage errors
with the exit code of a failed run, options that were silently ignored, numbers and nesting a parser cannot hold,
arguments of the wrong type to the Python API."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from fakes.heat.errors import TemplateError
from simulator.cli import main
from simulator.core import Fault
from simulator.outputs import OutputError, write_output
from simulator.run import run_scenario
from simulator.scenario import ScenarioError, load_scenario, with_faults

UPDATE = "kind: update\nsource: {release: '18.0.0'}\nnodes: {Controller: 3, Compute: 2}\n"


def test_two_outputs_to_one_file_are_refused_before_any_work(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # the JUnit XML replaced the JSON, and both were reported written
    out = tmp_path / "same.out"
    assert main(["update", "--json", str(out), "--junit", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"tripleo-sim: error: --junit: {out}: expected a file other than --json's, found the same file" in err
    assert "evaluating" not in err and not out.exists()
    assert main(["update", "--json", "-", "--junit", "-"]) == 1
    assert "--junit: -: expected a file other than --json's, found the same stdout" in capsys.readouterr().err


def test_an_output_over_an_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `update my.yaml --json my.yaml` overwrote the scenario with the run's result
    roles = tmp_path / "roles.yaml"
    roles.write_text("- name: Controller\n")
    scenario = tmp_path / "my.yaml"
    scenario.write_text(UPDATE + "roles_data: roles.yaml\n")
    before = scenario.read_text()
    assert main(["update", str(scenario), "--json", str(scenario)]) == 1
    assert f"--json: {scenario}: expected a file the command does not read, found its input {scenario}" \
        in capsys.readouterr().err
    # a file the scenario names, through another spelling of its path
    assert main(["update", str(scenario), "--junit", str(tmp_path / "." / "roles.yaml")]) == 1
    assert "expected a file the command does not read, found its input" in capsys.readouterr().err
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults: {}\n")
    assert main(["plan", "--release", "18.0.0", "-e", str(env), "--json", str(env)]) == 1
    assert f"--json: {env}: expected a file the command does not read" in capsys.readouterr().err
    assert scenario.read_text() == before and roles.read_text() == "- name: Controller\n"


def test_a_usage_error_exits_1_not_the_failed_run_code(capsys: pytest.CaptureFixture[str]) -> None:
    # argparse exits 2, which the README gives to a simulated run that failed
    for argv in (["update", "--seed", "abc"], ["check", "--profile", "huge"], ["no-such-command"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 1
        assert "error: " in capsys.readouterr().err


def test_check_refuses_options_it_would_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    # --bugzoo simulated nothing: its --scenario, --downtime-budget and --accept were silently ignored
    assert main(["check", "--release", "18.0.0", "--bugzoo", "--scenario", "update-18", "--seed", "3"]) == 1
    err = capsys.readouterr().err
    assert "tripleo-sim: error: --bugzoo: expected no --scenario, --downtime-budget, --accept, --profile or " \
        "--seed beside it (it simulates nothing and searches no layouts), found --scenario, --seed" in err
    assert "evaluating" not in err
    assert main(["check", "--release", "18.0.0", "--junit", "-"]) == 1
    assert "--junit: expected a file (check prints its report on stdout), found -" in capsys.readouterr().err


def test_the_property_search_tells_negative_seeds_apart() -> None:
    from simulator.check import _search_random

    # Random(-1) is Random(1): `check --seed -1` searched the layouts --seed 1 did
    assert _search_random(-1).random() != _search_random(1).random()
    assert _search_random(1).random() == __import__("random").Random(1).random()  # as before for seeds >= 0


def test_a_failed_write_leaves_the_earlier_file_whole(tmp_path: Path) -> None:
    # a file size limit (or a full disk) cut the new JSON short over a complete earlier one
    out = tmp_path / "run.json"
    out.write_text(json.dumps({"earlier": "x" * 3000}))
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
        from simulator.outputs import OutputError, write_output
        try:
            write_output({str(out)!r}, "y" * 10000, "--json")
        except OutputError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.startswith(f"--json: {out}: expected a file to write, found File too large")
    assert json.loads(out.read_text()) == {"earlier": "x" * 3000}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]  # no part-written file left


def test_a_write_keeps_the_mode_and_the_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.json"
    out.write_text("old")
    out.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(out)
    write_output(str(link), "new\n", "--json")
    assert link.is_symlink() and out.read_text() == "new\n" and stat.S_IMODE(out.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        write_output(str(tmp_path / "fresh.json"), "{}\n", "--json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o644  # not mkstemp's 0600
    write_output("/dev/null", "{}\n", "--json")  # written in place: a rename would replace the device
    assert Path("/dev/null").is_char_device()
    write_output("-", "to stdout\n", "--json")  # a file named "-" before
    assert capsys.readouterr().out == "to stdout\n" and not Path("-").exists()
    with pytest.raises(OutputError, match="expected a file to write"):
        write_output(str(tmp_path / "missing" / "x.json"), "{}", "--json")


@pytest.mark.parametrize(("text", "key"), [
    ("seed: " + "9" * 5000 + "\n", ""),  # a ValueError traceback: over 4,300 digits
    ("order: " + "[" * 5000 + "]" * 5000 + "\n", ""),  # a RecursionError traceback
])
def test_numbers_and_nesting_yaml_cannot_hold_are_typed_errors(tmp_path: Path, text: str, key: str) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(UPDATE + text)
    with pytest.raises(TemplateError) as err:
        load_scenario(str(file))
    assert str(err.value).startswith(f"{file}: expected valid YAML, found ")


def test_a_fault_yaml_cannot_hold_is_a_typed_error() -> None:
    scenario = load_scenario("update-18")
    with pytest.raises(ScenarioError, match=r"^command line: --fault\[0\]: expected a YAML mapping"):
        with_faults(scenario, ["{at: " + "9" * 5000 + ", target: overcloud-controller-1, kind: node_crash}"])


def test_a_deploy_refuses_an_order(tmp_path: Path) -> None:
    # a deploy runs every node at once: its `order:` was read by nothing
    file = tmp_path / "d.yaml"
    file.write_text("kind: deploy\nsource: {release: '18.0.0'}\nnodes: {Controller: 1, Compute: 1}\n"
                    "order: [[overcloud-novacompute-0]]\n")
    with pytest.raises(ScenarioError, match=r"d\.yaml: order: expected no order in a deploy"):
        load_scenario(str(file))


def test_the_api_refuses_a_seed_python_cannot_write_out() -> None:
    # the RNG tree's repr() raised int's own "Exceeds the limit (4300 digits)" from deep inside the run
    with pytest.raises(ValueError, match=r"^seed: expected an integer of at most \d+ digits, found one of \d+ bits$"):
        run_scenario("update-18", seed=10**5000)


@pytest.mark.parametrize("seed", ["1", True, 1.0, float("nan")])
def test_the_api_refuses_a_seed_that_is_no_integer(seed: object) -> None:
    # "1", True and 1.0 each ran another run than 1 (the RNG tree hashes the seed's repr)
    with pytest.raises(TypeError, match=r"^seed: expected an integer, found "):
        run_scenario("update-18", seed=seed)  # type: ignore[arg-type]


@pytest.mark.parametrize(("args", "kwargs", "error", "message"), [
    ((float("nan"), "n", "node_crash"), {}, ValueError, "'at' must be >= 0 and finite"),
    ((0, "n", "node_crash"), {"duration": float("nan")}, ValueError, "'duration' must be > 0 and finite"),
    ((0, "n", "node_crash"), {"duration": float("inf")}, ValueError, "'duration' must be > 0 and finite"),
    ((10**400, "n", "node_crash"), {}, ValueError, "'at' must be >= 0 and finite"),
    ((0, "n", "node_crash"), {"duration": 10**400}, ValueError, "'duration' must be > 0 and finite"),
    (("5", "n", "node_crash"), {}, TypeError, "'at' must be a number of seconds"),
    ((True, "n", "node_crash"), {}, TypeError, "'at' must be a number of seconds"),
    ((0, 7, "node_crash"), {}, TypeError, "'target' must be a string"),
    ((0, "n", "task_failed"), {"params": ["task"]}, TypeError, "'params' must be a mapping"),
])
def test_a_fault_of_wrong_values_is_refused(args: tuple, kwargs: dict, error: type, message: str) -> None:
    # a NaN fault was accepted and never fired: the run "succeeded"
    with pytest.raises(error, match=message):
        Fault(*args, **kwargs)


def test_faults_that_are_no_fault_objects_are_refused() -> None:
    import dataclasses

    scenario = dataclasses.replace(load_scenario("update-18"), faults=({"at": 0},))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"faults: expected simulator.core.Fault objects, found \{'at': 0\}"):
        run_scenario(scenario)


@pytest.mark.integration
def test_phase_must_be_a_task_list_of_the_plan(tht: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    # a misspelt key counted "0 distinct tasks" and exited 0
    assert main(["coverage", "--templates", str(tht("18.0.0")), "--phase", "upgrade_task"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tripleo-sim: error: --phase: expected a role_data task list of the plan: ")
    assert "upgrade_tasks" in err and "found 'upgrade_task'" in err


@pytest.mark.integration
def test_json_to_stdout_and_a_fault_after_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    # --json - wrote a file named "-"; a fault after the run's end did nothing, and nothing said so
    fault = "{at: 99999999, target: overcloud-controller-1, kind: node_crash}"
    assert main(["update", "--json", "-", "--fault", fault]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout holds the JSON alone: the summary went to stderr
    assert data["result"] == "succeeded"
    assert data["faults_after_end"] == [{"kind": "node_crash", "target": "overcloud-controller-1", "at": 99999999}]
    assert "fault node_crash on overcloud-controller-1 at t=99999999: never applied (the run ended at t=" \
        in captured.err
    assert "result: succeeded" in captured.err and not Path("-").exists()


def test_an_output_the_user_cannot_create_is_refused_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    # as root, os.access passes for /proc: the whole run happened, then its result was lost to an I/O error
    if not Path("/proc/version").is_file():
        pytest.skip("no /proc on this system")
    assert main(["update", "--json", "/proc/version"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tripleo-sim: error: --json: /proc/version: expected a file this user may write, found ")
    assert "evaluating" not in err


@pytest.mark.parametrize("name", ["TRIPLEO_SIM_PLAN_CACHE", "TRIPLEO_SIM_TEMPLATE_CACHE"])
def test_a_cache_switch_that_reads_as_neither_is_refused(name: str, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    # "disabled" left the cache on (only 0/false/no/off turned it off)
    monkeypatch.setenv(name, "disabled")
    assert main(["update"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tripleo-sim: error: environment variable {name}: expected 0 or 1 (or false/true, "
                          "no/yes, off/on), found 'disabled'")
    assert "evaluating" not in err


def test_an_empty_release_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # `--release ""` evaluated 18.0.0
    assert main(["plan", "--release", ""]) == 1
    assert "release '': expected a version of tripleo-heat-templates, such as 18.0.0" in capsys.readouterr().err


@pytest.mark.integration
def test_the_plans_with_json_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    # the plans' text and the JSON shared stdout
    assert main(["upgrade", "--plans", "--json", "-"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["simulated"] is False and data["source"]["release"] == "11.6.0"
    assert data["target"]["release"] == "14.3.0"
    assert "== source plan (11.6.0)" in captured.err and "drop --plans to run it" in captured.err


def test_ctrl_c_while_the_command_loads_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    # a KeyboardInterrupt traceback: the console script imported the CLI (a second of imports) outside main()
    import types

    from simulator import entry

    class Interrupted(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "simulator.cli", Interrupted("simulator.cli"))
    assert entry.main() == 130


@pytest.mark.parametrize(("args", "found"), [
    (["--junit", "x.xml"], "found --junit"), (["--at", "5"], "found --at"), (["--trace"], "found --trace"),
    (["--fault", "{at: 0, target: nowhere, kind: task_failed, task: zzz}"], "found --fault"),
    (["--strict", "--trace-window", "1:2"], "found --trace-window --strict"),
])
def test_plans_refuses_the_options_of_a_simulated_run(args: list[str], found: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # found by probing: they were ignored (no JUnit file written, exit 0), and a bad --fault passed unchecked
    monkeypatch.chdir(tmp_path)
    assert main(["upgrade", "--plans", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tripleo-sim: error: --plans: expected no --junit, --at, ") and found in err
    assert not (tmp_path / "x.xml").exists()


@pytest.mark.parametrize("pattern", ["update-18-config-change", "my-scenario.yaml"])
def test_a_trace_pattern_that_names_a_scenario_is_refused(pattern: str, capsys: pytest.CaptureFixture[str]) -> None:
    # `--trace NAME` took NAME as its pattern and ran the default scenario, printing "0 of N events"
    assert main(["update", "--trace", pattern]) == 1
    err = capsys.readouterr().err
    assert f"--trace {pattern}: expected a pattern of trace events, found a scenario name (write the scenario " \
           f"first: tripleo-sim update {pattern} --trace ...)" in err


@pytest.mark.parametrize("option", ["--json", "--junit"])
def test_an_empty_output_path_is_refused_as_such(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    # it said "found a directory" (Path("") is the working directory)
    assert main(["update", option, ""]) == 1
    assert f"tripleo-sim: error: {option}: expected a file to write (or - for stdout), found an empty path" \
        in capsys.readouterr().err
