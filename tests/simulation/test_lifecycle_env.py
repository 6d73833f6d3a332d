"""tripleoclient's prepare commands put a lifecycle environment of the templates before the operator's
(``prepend_environment``): ``upgrade prepare`` environments/lifecycle/upgrade-prepare.yaml, ``ffwd-upgrade prepare``
ffwd-upgrade-prepare.yaml, ``update prepare`` update-prepare.yaml. The stack update's outputs, with it, are what the
run's playbooks come from; the plan the simulation runs is evaluated with it."""

from __future__ import annotations

import pytest

from simulator.run import prepare_environment, prepare_scenario, run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration


def test_the_upgrade_runs_the_plan_of_upgrade_prepare() -> None:
    result = prepare_scenario("train-to-wallaby")
    assert sum(f.endswith("environments/lifecycle/upgrade-prepare.yaml") for f in result.target.environment_files) == 1
    assert not any("lifecycle" in f for f in result.source.environment_files)
    # Wallaby's upgrade-prepare.yaml sets DnfStreams: the upgrade tasks that switch module streams run
    run = run_scenario("train-to-wallaby", seed=1)
    switched = [e for e in run.simulation.trace.select("task")
                if e.data["task"] == "Ensure DNF modules have the right stream"]
    assert switched and {e.data["status"] for e in switched} != {"skipped"}


def test_an_update_runs_the_plan_of_update_prepare_and_a_deploy_its_own() -> None:
    update = prepare_scenario("update-18")
    assert update.target is not update.source
    assert any(f.endswith("environments/lifecycle/update-prepare.yaml") for f in update.target.environment_files)
    assert not any("lifecycle" in f for f in update.source.environment_files)
    deploy = prepare_scenario("composable-db-networker")
    assert deploy.target is deploy.source and prepare_environment(deploy.scenario) is None


def test_the_lifecycle_environment_comes_before_the_operators() -> None:
    # prepend_environment: an operator's environment file still overrides what the lifecycle file sets
    result = prepare_scenario("train-to-wallaby")
    files = list(result.target.environment_files)
    lifecycle = next(i for i, f in enumerate(files) if f.endswith("lifecycle/upgrade-prepare.yaml"))
    operator = next(i for i, f in enumerate(files) if f.endswith("environments/docker-ha.yaml"))
    assert lifecycle < operator


def test_heat_driven_upgrades_and_fast_forward_prepare_take_their_own() -> None:
    assert prepare_environment(load_scenario("newton-to-queens-ffu")) == \
        "environments/lifecycle/ffwd-upgrade-prepare.yaml"
    ffu = prepare_scenario("newton-to-queens-ffu")
    assert any(f.endswith("lifecycle/ffwd-upgrade-prepare.yaml") for f in ffu.target.environment_files)
    # Pike's templates have no lifecycle environments: its upgrade is Heat's own (major-upgrade-composable-steps)
    pike = prepare_scenario("ocata-to-pike")
    assert not any("lifecycle" in f for f in pike.target.environment_files)
