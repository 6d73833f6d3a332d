"""Real THT releases from the package index: the default roles and a roles_data of every shipped role file
evaluate without error (acceptance of issue 2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from fakes.heat import TemplateError, TemplateNotFound, UnknownResourceType
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
        # registry maps every service its role files list); 18.0.0's computealt.yaml is refused (below), and its
        # fixture maps its services as well
        fixture = FIXTURES / f"all-roles-{release}.yaml"
        envs = [*(["environments/computealt.yaml"] if release != "18.0.0" else []),
                *([str(fixture)] if release != "7.0.12" else [])]
    plan = build_plan(root, roles_data=roles, environment_files=envs)
    assert [r.name for r in plan.roles] == [r["name"] for r in roles]
    assert len(plan.roles) >= {"6.2.16": 5, "7.0.12": 15}.get(release, 50)  # Pike ships 16 role files
    assert all(r.services for r in plan.roles)


def test_shipped_roles_need_unmapped_services_18(tht: Callable[[str], Path], tmp_path: Path) -> None:
    """What the fixture environment papers over is a real gap: without its mapping of ComputeCeilometerAgentAlt,
    which no shipped environment maps, the stack does not validate."""
    root = tht("18.0.0")
    fixture = yaml.safe_load((FIXTURES / "all-roles-18.0.0.yaml").read_text())
    del fixture["resource_registry"]["OS::TripleO::Services::ComputeCeilometerAgentAlt"]
    (tmp_path / "env.yaml").write_text(yaml.safe_dump(fixture))
    with pytest.raises(UnknownResourceType) as info:
        build_plan(root, roles_data=all_roles(root), environment_files=[tmp_path / "env.yaml"])
    assert "OS::TripleO::Services::ComputeCeilometerAgentAlt" in info.value.found
    assert info.value.file == "common/services/computealt-role.yaml"


@pytest.mark.parametrize(("release", "env", "key", "missing"), [
    ("18.0.0", "environments/computealt.yaml", "OS::TripleO::Services::NovaLibvirtAlt",
     "deployment/nova/nova-libvirt-container-puppet.yaml"),
    # a parameter put in the resource_registry, where heatclient takes it for a template
    ("14.3.0", "environments/neutron-ovs-dvr.yaml", "ComputeNetworkConfigTemplate",
     "environments/templates/net_config_bridge.j2"),
])
def test_shipped_environments_that_map_missing_templates_are_refused(tht: Callable[[str], Path], release: str,
                                                                     env: str, key: str, missing: str) -> None:
    """heatclient reads every template an environment's resource_registry maps when tripleoclient processes it, so
    an environment that maps a template the release does not ship fails the command, used or not."""
    with pytest.raises(TemplateNotFound) as info:
        build_plan(tht(release), environment_files=[env])
    assert (info.value.file, info.value.path) == (env, f"resource_registry.{key}")
    assert f"and no {missing}" in info.value.found


@pytest.mark.parametrize(("value", "found"), [(-1, "-1"), (".inf", "inf"), (1e6, "1000000.0")])
def test_a_role_count_heat_refuses_is_a_typed_error(tht: Callable[[str], Path], tmp_path: Path, value: str,
                                                    found: str) -> None:
    """Heat takes a role's count as its ResourceGroup's (an integer >= 0); -1 made no node, inf was an
    OverflowError traceback, and a million would only look like a hang."""
    env = tmp_path / "count.yaml"
    env.write_text(f"parameter_defaults:\n  ComputeCount: {value}\n")
    with pytest.raises(TemplateError) as info:
        build_plan(tht("18.0.0"), environment_files=[env])
    assert str(info.value) == (f"{env}: parameter_defaults.ComputeCount: expected a node count, an integer from 0 "
                               f"to 10000 (the count of the Compute ResourceGroup), found {found}")
