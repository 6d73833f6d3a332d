"""The scenario key ``skip_tags``: tripleoclient's ``--skip-tags`` on every ``update run``/``upgrade run`` (from
9.3.0 on ``upgrade run``, 13.3.0 on ``update run``). Its documented use is ``--skip-tags validation``: 14.3.0's
pacemaker upgrade tasks check the cluster before the upgrade in a task tagged ``validation``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from simulator.run import run_scenario
from simulator.scenario import ScenarioError, load_scenario

pytestmark = pytest.mark.integration

CHECK = "Check pacemaker cluster running before upgrade"


def _ran(run: object, name: str) -> list[str]:
    return sorted({e.subject for e in run.simulation.trace  # type: ignore[attr-defined]
                   if e.kind == "task" and e.data["task"] == name})


def test_skip_tags_validation_skips_the_pre_upgrade_cluster_check() -> None:
    plain = run_scenario("train-to-wallaby", seed=1)
    controllers = sorted(n.name for r in plain.target.roles for n in r.nodes if "pacemaker" in r.services)
    assert _ran(plain, CHECK) == controllers  # every controller runs it at upgrade step 0
    scenario = dataclasses.replace(load_scenario("train-to-wallaby"), skip_tags=("validation",))
    skipping = run_scenario(scenario, seed=1)
    assert not skipping.failed
    assert _ran(skipping, CHECK) == []
    # only the tagged tasks are left out: the upgrade otherwise runs the same tasks
    names = {e.data["task"] for e in plain.simulation.trace if e.kind == "task"}
    assert names - {e.data["task"] for e in skipping.simulation.trace if e.kind == "task"} == {CHECK}
    # the system upgrade's own run (`--tags system_upgrade`) and the converge are not the operator's run
    assert skipping.simulation.skip_tags == ("validation",)


def test_skip_tags_reaches_each_update_run() -> None:
    scenario = dataclasses.replace(load_scenario("update-18"), skip_tags=("container_startup_configs",))
    run = run_scenario(scenario, seed=1)
    # the deploy steps' containers start in tasks tagged container_startup_configs: skipped, none starts
    runs = [p for p in run.simulation.phases if p.name.startswith("update run")]
    assert runs
    started = [e for e in run.simulation.trace if e.kind == "state.containers" and e.data.get("started")
               and any(p.start < e.time <= p.end for p in runs)]
    assert started == []


@pytest.mark.parametrize(("text", "message"), [
    ("kind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\nskip_tags: validation\n",
     r"skip_tags: expected a list of tags .* found 'validation'"),
    ("kind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\nskip_tags: ['validation,pre-upgrade']\n",
     r"skip_tags: expected a list of tags"),
    ("kind: deploy\nsource: {release: '18.0.0'}\nskip_tags: [validation]\n", r"only for an update or an upgrade"),
    ("kind: update\nsource: {release: '11.6.0'}\nskip_tags: [validation]\n",
     r"skip_tags: expected a release whose `update run` has --skip-tags: tripleoclient 13.3.0 .* found release 11.6.0"),
    ("kind: upgrade\nsource: {release: '5.3.10'}\ntarget: {release: '6.2.16'}\nskip_tags: [validation]\n",
     r"`upgrade run` has --skip-tags: tripleoclient 9.3.0 .* found release 6.2.16"),
])
def test_the_skip_tags_key_is_validated(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(str(bad))


def test_skip_tags_loads(tmp_path: Path) -> None:
    assert load_scenario("train-to-wallaby").skip_tags == ()
    good = tmp_path / "good.yaml"
    good.write_text("kind: update\nsource: {release: '18.0.0'}\nskip_tags: [validation, ' pre-upgrade ']\n")
    assert load_scenario(str(good)).skip_tags == ("validation", "pre-upgrade")
