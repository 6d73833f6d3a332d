"""Concrete facts of THT 18.0.0's default roles, checked by reading the templates:

* the registry maps OS::TripleO::Services::MySQL to deployment/database/mysql-pacemaker-puppet.yaml, whose
  upgrade_tasks say "Prepare switch of galera image name" at step 0, "Update galera pcs resource bundle for new
  container image" at step 1 and "Check and upgrade Mysql database after major version upgrade" at step 3;
* OS::TripleO::Services::Redis is OS::Heat::None, so the Controller lists it but runs none of
  redis-pacemaker-puppet.yaml's tasks (pacemaker-baremetal-puppet.yaml checks that redis is gone).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from simulator.planning import build_plan

pytestmark = pytest.mark.integration


def names(role: object, key: str, step: str) -> list[str]:
    return [t.name for t in role.tasks[key][step]]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def plan18(tht: Callable[[str], Path]) -> object:
    return build_plan(tht("18.0.0"))


def test_controller_runs_pacemaker_managed_galera(plan18: object) -> None:
    ctl = plan18.role("Controller")  # type: ignore[attr-defined]
    assert {"mysql", "pacemaker", "haproxy"} <= set(ctl.services)
    assert "Prepare switch of galera image name" in names(ctl, "upgrade_tasks", "0")
    assert "Prepare switch of galera image name" not in names(ctl, "upgrade_tasks", "1")
    assert "Update galera pcs resource bundle for new container image" in names(ctl, "upgrade_tasks", "1")
    assert "Check and upgrade Mysql database after major version upgrade" in names(ctl, "upgrade_tasks", "3")
    compute = plan18.role("Compute")  # type: ignore[attr-defined]
    assert "mysql" not in compute.services
    assert "Prepare switch of galera image name" not in names(compute, "upgrade_tasks", "0")


def test_disabled_service_yields_no_tasks(plan18: object) -> None:
    ctl = plan18.role("Controller")  # type: ignore[attr-defined]
    assert "OS::TripleO::Services::Redis" in ctl.disabled_services
    assert "redis" not in ctl.services
    all_names = {t.name for steps in ctl.tasks.values() for tasks in steps.values() for t in tasks}
    # redis-pacemaker-puppet.yaml's own tasks are absent; pacemaker's check that redis is gone remains
    assert "Prepare switch of redis image name" not in all_names
    assert "ensure /run/redis is present upon reboot" not in all_names
    assert "pre-check to ensure redis is removed if the service is disabled" in all_names


def _env(tmp_path: Path, registry: dict[str, str]) -> str:
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump({"resource_registry": registry}))
    return str(path)


def test_environment_disables_and_swaps_services(tht: Callable[[str], Path], tmp_path: Path,
                                                 plan18: object) -> None:
    root = tht("18.0.0")
    env = _env(tmp_path, {
        "OS::TripleO::Services::Horizon": "OS::Heat::None",
        "OS::TripleO::Services::MySQL": str(root / "deployment/database/mysql-container-puppet.yaml"),
        "OS::TripleO::Services::Redis": str(root / "deployment/database/redis-pacemaker-puppet.yaml"),
    })
    plan = build_plan(root, environment_files=[env])
    ctl = plan.role("Controller")
    before = plan18.role("Controller")  # type: ignore[attr-defined]
    assert "horizon" in before.services and "horizon" not in ctl.services
    assert "OS::TripleO::Services::Horizon" in ctl.disabled_services
    assert "mysql" in ctl.services  # still a database, but no longer managed by pacemaker
    assert "Update galera pcs resource bundle for new container image" not in names(ctl, "upgrade_tasks", "1")
    assert "redis" in ctl.services and "redis" not in before.services
    assert "Prepare switch of redis image name" in names(ctl, "upgrade_tasks", "0")


def test_node_counts_and_bootstrap(tht: Callable[[str], Path]) -> None:
    plan = build_plan(tht("18.0.0"), parameters={"ControllerCount": 3, "ComputeCount": 2})
    ctl = plan.role("Controller")
    assert [n.name for n in ctl.nodes] == [f"overcloud-controller-{i}" for i in range(3)]
    assert ctl.bootstrap_node is not None and ctl.bootstrap_node.name == "overcloud-controller-0"
    inv = plan.inventory()
    assert inv["Compute"] == ("overcloud-novacompute-0", "overcloud-novacompute-1")
    assert inv["mysql"] == inv["Controller"] and inv["excluded_overcloud"] == ()
