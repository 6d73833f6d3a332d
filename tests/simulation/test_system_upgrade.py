"""Queens -> Train fast-forward upgrade with leapp (`system_upgrade: true`): THT Train's leapp tasks (tagged
never + system_upgrade) run only in the `--tags system_upgrade` run before each batch; their reboot at upgrade
step 4 moves each host from RHEL 7 to RHEL 8, which the following upgrade run sees in its facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.run import run_scenario
from simulator.scenario import ScenarioError, load_scenario

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ffu():  # type: ignore[no-untyped-def]
    return run_scenario("queens-to-train-ffu", seed=1)


def test_leapp_runs_in_the_system_upgrade_run_before_each_batch(ffu) -> None:  # type: ignore[no-untyped-def]
    s = ffu.summary()
    assert s["result"] == "succeeded" and (s["source_release"], s["target_release"]) == ("8.4.1", "11.6.0")
    names = [p["name"] for p in s["phases"]]
    controllers = "overcloud-controller-0:overcloud-controller-1:overcloud-controller-2"
    assert names[2:4] == [f"upgrade run --tags system_upgrade --limit {controllers}",
                          f"upgrade run --limit {controllers}"]
    system_run = ffu.simulation.phases[2]
    reboots = [e for e in ffu.simulation.trace
               if e.kind == "task" and e.data["task"] == "reboot to perform the upgrade"]
    assert sorted(e.subject for e in reboots) == sorted(n.name for r in ffu.target.roles for n in r.nodes)
    assert all(e.data["step"] == "4" and e.data["status"] != "skipped" for e in reboots)
    assert all(system_run.start <= e.time <= system_run.end for e in reboots if "controller" in e.subject)
    # leapp itself: installed, then `leapp upgrade`, before the reboot, on every node
    leapp = [e for e in ffu.simulation.trace if e.kind == "task" and e.data["task"].startswith("run leapp upgrade")]
    assert len(leapp) == len(reboots) and all(e.data["status"] == "changed" for e in leapp)
    os_events = [e for e in ffu.simulation.trace if e.kind == "state.os"]
    assert [sorted(e.data["upgraded"]) for e in os_events] == [
        controllers.split(":"), ["overcloud-novacompute-0", "overcloud-novacompute-1"]]
    assert set(ffu.simulation.os_major.values()) == {"8"}


def test_without_system_upgrade_no_leapp_task_runs_and_hosts_stay_on_rhel7() -> None:
    import dataclasses

    scenario = dataclasses.replace(load_scenario("queens-to-train-ffu"), system_upgrade=False)
    result = run_scenario(scenario, seed=1)
    assert not [e for e in result.simulation.trace if e.kind == "task"
                and e.data["task"] == "reboot to perform the upgrade"]
    assert set(result.simulation.os_major.values()) == {"7"}


def test_system_upgrade_key_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: update\nsource: {release: '18.0.0'}\nsystem_upgrade: true\n")
    with pytest.raises(ScenarioError, match="system_upgrade: expected true or false \\(true only for an upgrade\\)"):
        load_scenario(str(bad))
    bad.write_text("kind: upgrade\nsource: {release: '8.4.1'}\ntarget: {release: '11.6.0'}\nsystem_upgrade: 'yes'\n")
    with pytest.raises(ScenarioError, match="found 'yes'"):
        load_scenario(str(bad))


def test_the_leapp_reboot_takes_the_node_down_and_three_at_once_lose_quorum(ffu) -> None:  # type: ignore[no-untyped-def]
    trace = list(ffu.simulation.trace)
    for reboot in [e for e in trace if e.kind == "task" and e.data["task"] == "reboot to perform the upgrade"]:
        down = [e for e in trace if e.kind == "node.down" and e.subject == reboot.subject]
        up = [e for e in trace if e.kind == "node.up" and e.subject == reboot.subject]
        assert [e.time for e in down] == [pytest.approx(reboot.data["start"], abs=1e-5)]
        assert [e.time for e in up] == [reboot.time] and up[0].data["reason"] == "rebooted"
    # the default order reboots the three controllers in one batch: the cluster loses quorum meanwhile
    lost = next(e for e in trace if e.kind == "quorum.lost" and e.subject == "pacemaker")
    system_run = ffu.simulation.phases[2]
    assert system_run.start < lost.time < system_run.end
