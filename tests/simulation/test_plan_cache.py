"""Evaluated plans kept on disk (simulator.plan_cache): a second run of the same inputs reads the plan instead of
evaluating the templates again; a changed input file, a corrupt entry or a local tree evaluates again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import simulator.plan_cache as plan_cache
from fakes.heat import TemplateNotFound
from simulator.plan import Plan
from simulator.run import prepare_scenario


def _plan(release: str = "9.9.9") -> Plan:
    return Plan(release=release, templates="t", roles=(), phases=(), environment_files=())


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRIPLEO_SIM_PLAN_CACHE", "1")
    monkeypatch.setattr(plan_cache, "cache_root", lambda: tmp_path / "cache")
    return tmp_path / "cache" / "plans"


def _release_tree(tmp_path: Path) -> Path:
    """A tree laid out as fetch_release leaves one: its sdist's sha256 beside it."""
    root = tmp_path / "tht" / "9.9.9" / "tripleo-heat-templates-9.9.9"
    root.mkdir(parents=True)
    (root.parent / ".tripleo-sim-sha256").write_text("ab" * 32 + "\n")
    return root


def test_a_kept_plan_is_read_back_until_a_file_it_read_changes(tmp_path: Path, cache: Path) -> None:
    root, env = _release_tree(tmp_path), tmp_path / "env.yaml"
    env.write_text("parameter_defaults: {A: 1}\n")
    built: list[str] = []

    def build() -> tuple[Plan, list[Path]]:
        built.append(env.read_text())
        return _plan(), [env]

    said: list[str] = []
    first = plan_cache.cached_plan(root, {"environments": [str(env)]}, build, said.append)
    second = plan_cache.cached_plan(root, {"environments": [str(env)]}, build, said.append)
    assert second == first and len(built) == 1 and said[0].startswith("plan from the cache (")
    assert len(list(cache.glob("*.pickle"))) == 1
    env.write_text("parameter_defaults: {A: 2}\n")  # what the plan was evaluated from changed
    plan_cache.cached_plan(root, {"environments": [str(env)]}, build)
    assert len(built) == 2
    plan_cache.cached_plan(root, {"environments": [str(env)], "parameters": {"ControllerCount": 1}}, build)
    assert len(built) == 3 and len(list(cache.glob("*.pickle"))) == 2  # other inputs: another entry


def test_a_corrupt_entry_is_evaluated_again(tmp_path: Path, cache: Path) -> None:
    root = _release_tree(tmp_path)
    calls = []

    def build() -> tuple[Plan, list[Path]]:
        calls.append(1)
        return _plan(), []

    plan_cache.cached_plan(root, {}, build)
    [entry] = cache.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert plan_cache.cached_plan(root, {}, build) == _plan() and len(calls) == 2
    assert plan_cache.cached_plan(root, {}, build) == _plan() and len(calls) == 2  # replaced: read again


def test_a_changed_or_foreign_entry_is_evaluated_again(tmp_path: Path, cache: Path) -> None:
    # entries were trusted as they were: one byte changed in a kept plan, or another scenario's plan copied over
    # it, ran with exit code 0 and another trace
    root = _release_tree(tmp_path)
    built: list[str] = []

    def build(release: str) -> tuple[Plan, list[Path]]:
        built.append(release)
        return _plan(release), []

    plan_cache.cached_plan(root, {"a": 1}, lambda: build("1.1.1"))
    plan_cache.cached_plan(root, {"a": 2}, lambda: build("2.2.2"))
    first, second = sorted(cache.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    first.write_bytes(second.read_bytes())  # the {"a": 2} plan where {"a": 1}'s is looked for
    assert plan_cache.cached_plan(root, {"a": 1}, lambda: build("1.1.1")).release == "1.1.1"
    assert built == ["1.1.1", "2.2.2", "1.1.1"]
    data = second.read_bytes()
    at = data.index(b"2.2.2")
    second.write_bytes(data[:at] + b"2.2.3" + data[at + 5:])  # the payload still unpickles, to another plan
    assert plan_cache.cached_plan(root, {"a": 2}, lambda: build("2.2.2")).release == "2.2.2"
    assert built == ["1.1.1", "2.2.2", "1.1.1", "2.2.2"]
    assert plan_cache.cached_plan(root, {"a": 2}, lambda: build("2.2.2")).release == "2.2.2"  # replaced, read
    assert len(built) == 4
    second.unlink()
    os.mkfifo(second)  # a pipe there hung the run reading it
    assert plan_cache.cached_plan(root, {"a": 2}, lambda: build("2.2.2")).release == "2.2.2"
    assert second.is_fifo()


def test_no_cache_for_a_local_tree_or_when_turned_off(tmp_path: Path, cache: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    local = tmp_path / "checkout"
    local.mkdir()
    calls = []

    def build() -> tuple[Plan, list[Path]]:
        calls.append(1)
        return _plan(), []

    plan_cache.cached_plan(local, {}, build)
    plan_cache.cached_plan(local, {}, build)
    monkeypatch.setenv("TRIPLEO_SIM_PLAN_CACHE", "0")
    root = _release_tree(tmp_path)
    plan_cache.cached_plan(root, {}, build)
    plan_cache.cached_plan(root, {}, build)
    assert len(calls) == 4 and not cache.exists()


@pytest.mark.integration
def test_a_scenario_runs_from_kept_plans_and_sees_its_environment_change(tmp_path: Path, cache: Path) -> None:
    # it maps a template no resource uses: heatclient reads it all the same, so the kept plans depend on it
    (tmp_path / "unused.yaml").write_text("heat_template_version: wallaby\n")
    mapped = "resource_registry:\n  OS::TripleO::Services::Unused: unused.yaml\n"
    (tmp_path / "mine.yaml").write_text(mapped + "parameter_defaults:\n  MysqlMaxConnections: 1234\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text('kind: update\nsource: {release: "18.0.0", environments: [mine.yaml]}\n'
                        "nodes: {Controller: 1, Compute: 1}\n")
    said: list[str] = []
    first = prepare_scenario(str(scenario), progress=said.append)
    assert sum(m.startswith("evaluating") for m in said) == 2  # source and prepare (18.0.0 has no converge env)
    said.clear()
    again = prepare_scenario(str(scenario), progress=said.append)
    assert not [m for m in said if m.startswith("evaluating")]
    assert sum(m.startswith("plan from the cache") for m in said) == 2
    assert again.target.to_json() == first.target.to_json()
    assert again.simulation.converge_plan.role("Controller").config_volumes == \
        first.simulation.converge_plan.role("Controller").config_volumes
    (tmp_path / "mine.yaml").write_text(mapped + "parameter_defaults:\n  MysqlMaxConnections: 4321\n")
    said.clear()
    changed = prepare_scenario(str(scenario), progress=said.append)
    assert sum(m.startswith("evaluating") for m in said) == 2
    assert changed.target.role("Controller").config_settings["mysql_max_connections"] == 4321
    (tmp_path / "unused.yaml").unlink()
    with pytest.raises(TemplateNotFound, match=r"mine\.yaml: resource_registry\.OS::TripleO::Services::Unused"):
        prepare_scenario(str(scenario))


@pytest.mark.integration
def test_the_cli_can_skip_the_kept_plans(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    # it maps a template no resource uses: heatclient reads it all the same, so the kept plans depend on it
    (tmp_path / "unused.yaml").write_text("heat_template_version: wallaby\n")
    mapped = "resource_registry:\n  OS::TripleO::Services::Unused: unused.yaml\n"
    (tmp_path / "mine.yaml").write_text(mapped + "parameter_defaults:\n  MysqlMaxConnections: 1234\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text('kind: update\nsource: {release: "18.0.0", environments: [mine.yaml]}\n'
                        "nodes: {Controller: 1, Compute: 1}\n")
    monkeypatch.setattr(plan_cache, "_disabled", False)  # main() turns it off for the rest of the process
    assert main(["update", str(scenario)]) == 0
    kept = sorted(cache.glob("*.pickle"))
    assert len(kept) == 2 and "evaluating" in capsys.readouterr().err
    assert main(["update", str(scenario), "--no-plan-cache"]) == 0
    err = capsys.readouterr().err
    assert err.count("evaluating 18.0.0") == 2 and "plan from the cache" not in err
    assert not plan_cache.enabled() and sorted(cache.glob("*.pickle")) == kept
