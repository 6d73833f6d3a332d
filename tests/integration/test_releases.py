"""Real THT releases from the package index: the default roles and a roles_data of every shipped role file
evaluate without error (acceptance of issue 2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from fakes.heat import UnknownResourceType
from simulator.planning import build_plan

pytestmark = pytest.mark.integration
RELEASES = ["18.0.0", "14.3.0", "11.6.0", "7.0.12", "6.2.16"]
FIXTURES = Path(__file__).parent.parent / "fixtures"


def all_roles(root: Path) -> list[dict]:
    if not (root / "roles").is_dir():  # Ocata ships no roles/; its roles_data.yaml is the whole set
        return yaml.safe_load((root / "roles_data.yaml").read_text())
    roles: list[dict] = []
    for f in sorted((root / "roles").glob("*.yaml")):
        # Pike ships UndercloudLight.yaml, whose role is named Undercloud too: one roles_data holds one of them
        roles += [r for r in yaml.safe_load(f.read_text()) if r["name"] not in {o["name"] for o in roles}]
    return roles


@pytest.mark.parametrize("release", RELEASES)
def test_default_roles_evaluate(tht: Callable[[str], Path], release: str) -> None:
    plan = build_plan(tht(release))
    assert plan.release == release
    names = [r.name for r in plan.roles]
    assert names[:2] == ["Controller", "Compute"]
    controller = plan.role("Controller")
    assert len(controller.services) > 40
    assert "keystone" in controller.services and "nova_compute" in plan.role("Compute").services
    assert controller.tasks["upgrade_tasks"], "Controller has upgrade tasks"
    assert controller.count == 1 and controller.nodes[0].name == "overcloud-controller-0"


@pytest.mark.parametrize("release", RELEASES)
def test_every_shipped_role_evaluates(tht: Callable[[str], Path], release: str) -> None:
    root = tht(release)
    roles = all_roles(root)
    envs = []
    if (root / "environments" / "computealt.yaml").is_file():
        # from Queens on the role files list services no shipped registry maps: the fixture maps them (Pike's
        # registry maps every service its role files list)
        fixture = FIXTURES / f"all-roles-{release}.yaml"
        envs = ["environments/computealt.yaml", *([str(fixture)] if release != "7.0.12" else [])]
    plan = build_plan(root, roles_data=roles, environment_files=envs)
    assert [r.name for r in plan.roles] == [r["name"] for r in roles]
    assert len(plan.roles) >= {"6.2.16": 5, "7.0.12": 15}.get(release, 50)  # Pike ships 16 role files
    assert all(r.services for r in plan.roles)


def test_shipped_roles_need_unmapped_services_18(tht: Callable[[str], Path]) -> None:
    """What the fixture environment papers over is a real gap: without it the stack does not validate."""
    root = tht("18.0.0")
    with pytest.raises(UnknownResourceType) as info:
        build_plan(root, roles_data=all_roles(root), environment_files=["environments/computealt.yaml"])
    assert "OS::TripleO::Services::ComputeCeilometerAgentAlt" in info.value.found
    assert info.value.file == "common/services/computealt-role.yaml"
