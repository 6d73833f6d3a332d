"""The fast-forward upgrade Newton (5.3.10) -> Queens (8.4.1): Queens' fast_forward_upgrade_tasks run for Ocata
then Pike (steps 0-3 everywhere, steps 4-9 on each role's bootstrap node, which `hiera bootstrap_nodeid` names),
then Queens' upgrade run per batch and the converge. Also: the bootstrap node that hiera names makes the
bootstrap-only tasks of Ocata's own upgrade run on controller-0."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from simulator.run import prepare_scenario, run_scenario
from simulator.scenario import ScenarioError, load_scenario
from simulator.workflows.ffwd import release_names

pytestmark = pytest.mark.integration

CONTROLLERS = [f"overcloud-controller-{i}" for i in range(3)]
COMPUTES = [f"overcloud-novacompute-{i}" for i in range(2)]


@pytest.fixture(scope="module")
def ffu():  # type: ignore[no-untyped-def]
    return run_scenario("newton-to-queens-ffu", seed=1)


def _ffu_tasks(run, *, ran: bool = True):  # type: ignore[no-untyped-def]
    return [e for e in run.simulation.trace.select("task") if e.data["phase"] == "fast_forward_upgrade_tasks"
            and (e.data["status"] != "skipped" or not ran)]


def test_phases_follow_the_ffwd_procedure(ffu) -> None:  # type: ignore[no-untyped-def]
    s = ffu.summary()
    assert s["result"] == "succeeded", s["failures"]
    assert [p["name"] for p in s["phases"]] == [
        "ffwd-upgrade prepare", "ffwd-upgrade run", f"upgrade run --limit {':'.join(CONTROLLERS)}",
        f"upgrade run --limit {':'.join(COMPUTES)}", "ffwd-upgrade converge"]
    assert (ffu.source.release, ffu.target.release) == ("5.3.10", "8.4.1")


def test_each_skipped_release_runs_its_steps_in_order(ffu) -> None:  # type: ignore[no-untyped-def]
    tasks = _ffu_tasks(ffu, ran=False)
    order = []
    for e in sorted(tasks, key=lambda e: (e.data["start"], e.seq)):
        if not order or order[-1] != e.data["step"]:
            order.append(e.data["step"])
    want = [f"{release} {step}" for release in ("ocata", "pike") for step in ("prep", *map(str, range(10)))]
    assert order == want  # Queens itself is the upgrade run's, not a fast-forward release
    # every node runs the prep tasks of each release (the hiera lookup and the is_bootstrap_node fact)
    lookups = {(e.subject, e.data["step"]) for e in tasks if e.data["task"] == "get bootstrap nodeid"}
    assert lookups == {(h, f"{r} prep") for h in CONTROLLERS + COMPUTES for r in ("ocata", "pike")}


def test_steps_4_to_9_run_on_each_roles_bootstrap_node_only(ffu) -> None:  # type: ignore[no-untyped-def]
    late = [e for e in _ffu_tasks(ffu) if e.data["step"].split()[1].isdigit() and int(e.data["step"].split()[1]) >= 4]
    assert {e.subject for e in late} == {"overcloud-controller-0", "overcloud-novacompute-0"}
    syncs = {(e.subject, e.data["step"].split()[0]) for e in late if "db sync" in e.data["task"].lower()}
    assert ("overcloud-controller-0", "ocata") in syncs and ("overcloud-controller-0", "pike") in syncs
    early = {e.subject for e in _ffu_tasks(ffu) if e.data["step"] in ("ocata 1", "pike 3")}
    assert early == set(CONTROLLERS + COMPUTES)


def test_the_apis_go_down_in_the_ffwd_run_and_come_back_in_the_controller_run(ffu) -> None:  # type: ignore[no-untyped-def]
    phases = {p.name: p for p in ffu.simulation.phases}
    run, controllers = phases["ffwd-upgrade run"], phases[f"upgrade run --limit {':'.join(CONTROLLERS)}"]
    down = {e.subject: e.time for e in ffu.simulation.trace.select("api.down")}
    up = {e.subject: e.time for e in ffu.simulation.trace.select("api.up")}
    assert {"keystone", "nova_api"} <= set(down)
    # the Ocata step-1 tasks stop the Newton services (systemd units); Queens' containers start at deploy steps
    assert run.start < down["nova_api"] < run.end
    assert controllers.start < up["nova_api"] <= controllers.end
    assert ffu.summary()["api_downtime_seconds"]["nova_api"] == pytest.approx(up["nova_api"] - down["nova_api"])


def test_the_fast_forward_plays_are_linear(ffu) -> None:  # type: ignore[no-untyped-def]
    # Queens' fast_forward_upgrade_playbook sets no strategy: each task starts on every host once the previous
    # task has ended on all of them (so the hosts of one task start together)
    for label in ("ocata 1", "pike 3", "ocata prep"):
        events = [e for e in ffu.simulation.trace.select("task") if e.data["phase"] == "fast_forward_upgrade_tasks"
                  and e.data["step"] == label]
        starts = sorted({e.data["start"] for e in events})
        assert len(starts) > 3 and len(starts) < len(events)  # hosts share the start of their task
        for start in starts[1:]:
            assert max(e.time for e in events if e.data["start"] < start) <= start + 1e-6


def test_release_names() -> None:
    assert release_names("5.3.10", "8.4.1") == ["ocata", "pike", "queens"]
    assert release_names("6.2.16", "8.4.1") == ["pike", "queens"]
    assert release_names(None, "8.4.1") is None and release_names("8.4.1", "5.3.10") is None


def test_fast_forward_needs_a_target_with_fast_forward_tasks(tmp_path: Path) -> None:
    scenario = dataclasses.replace(load_scenario("newton-to-queens-ffu"), file="s.yaml",
                                   source=load_scenario("queens-to-train-ffu").source,
                                   target=load_scenario("queens-to-train-ffu").target,
                                   environments=("environments/docker-ha.yaml",))
    with pytest.raises(ScenarioError) as err:
        prepare_scenario(scenario)
    assert "s.yaml" in str(err.value) and "fast_forward" in str(err.value)
    assert "fast_forward_upgrade_tasks" in str(err.value) and "11.6.0" in str(err.value)


@pytest.mark.parametrize(("text", "key"), [
    ("kind: deploy\nsource: {release: '8.4.1'}\nfast_forward: true\n", "fast_forward"),
    ("source: {release: '5.3.10'}\ntarget: {release: '8.4.1', environments: x}\n", "target.environments"),
    ("source: {release: '5.3.10', env: [a]}\ntarget: {release: '8.4.1'}\n", "source.env"),
    # an update's target changes environments only; a deploy has none
    ("kind: update\nsource: {release: '18.0.0'}\ntarget: {release: '14.3.0'}\n", "target.release"),
    ("kind: deploy\nsource: {release: '18.0.0'}\ntarget: {release: '18.0.0'}\n", "target"),
])
def test_bad_scenario_keys_are_named(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(path))
    assert str(path) in str(err.value) and key in str(err.value)


def test_ocatas_bootstrap_only_upgrade_tasks_run_on_the_bootstrap_controller() -> None:
    run = run_scenario("ocata-composable-upgrade", seed=1)
    cells = [e for e in run.simulation.trace.select("task") if e.data["task"] == "Setup cell_v2 (map cell0)"]
    assert {e.subject: e.data["status"] for e in cells} == {
        "overcloud-controller-0": "changed", "overcloud-controller-1": "skipped", "overcloud-controller-2": "skipped"}
