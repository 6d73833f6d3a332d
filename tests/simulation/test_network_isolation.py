"""A scenario may name the environment files the templates render from ``*.j2.yaml`` (Train's
``environments/network-isolation.yaml`` exists only as ``network-isolation.j2.yaml`` in the sdist): they were refused
as missing, though operators pass them on nearly every deployment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fakes.heat import TemplateTree
from fakes.heat.api import load_environment, overcloud_stack
from simulator.run import environment_path, prepare_scenario, run_scenario
from simulator.scenario import load_scenario

pytestmark = pytest.mark.integration

ISOLATION = ["environments/network-isolation.yaml", "environments/network-environment.yaml"]


def test_a_rendered_environment_of_the_templates_is_found(tht: Callable[[str], Path], tmp_path: Path) -> None:
    root = tht("11.6.0")
    assert not (root / ISOLATION[0]).exists() and (root / "environments/network-isolation.j2.yaml").is_file()
    file = tmp_path / "s.yaml"
    file.write_text("kind: deploy\nsource: {release: '11.6.0'}\nnodes: {Controller: 1, Compute: 1}\n"
                    f"environments: {ISOLATION}\n")
    scenario = load_scenario(str(file))
    assert [environment_path(root, scenario, e) for e in ISOLATION] == ISOLATION
    assert environment_path(root, scenario, "environments/no-such-thing.yaml") is None
    plan = prepare_scenario(scenario).source
    assert list(plan.environment_files) == ISOLATION


def test_network_isolation_gives_each_network_its_own_vip(tht: Callable[[str], Path]) -> None:
    # what the rendered environment does: without it every network's VIP is the ctlplane VIP
    tree = TemplateTree.from_path(tht("11.6.0"))
    isolated = overcloud_stack(tree, load_environment(tree, ISOLATION)).output("VipMap")
    flat = overcloud_stack(tree, load_environment(tree, [])).output("VipMap")
    assert flat["internal_api"] == flat["external"] == flat["ctlplane"]
    assert isolated["ctlplane"] not in (isolated["internal_api"], isolated["external"])


def test_an_isolated_upgrade_moves_each_vip_on_its_own(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("kind: upgrade\nsource: {release: '11.6.0'}\ntarget: {release: '14.3.0'}\n"
                    "nodes: {Controller: 3, Compute: 2}\n"
                    f"environments: {['environments/docker-ha.yaml', *ISOLATION]}\n")
    sim = run_scenario(str(file), seed=1).simulation
    assert sim.world.vips.names == ("ctlplane", "external", "redis", "storage", "storage_mgmt", "internal_api")
    # placed round-robin over the three controllers; each VIP's events name it
    started = [e for e in sim.trace.select("state.vip") if e.data["state"] == "started"]
    assert {e.data["vip"] for e in started} == set(sim.world.vips.names)
    # an API is unreachable while the public or the internal API network's VIP moves, not the others'
    reasons = {e.data["reason"] for e in sim.trace.select("api.down")}
    assert reasons & {"VIP moving (external)", "VIP moving (internal_api)"}
    assert not {r for r in reasons if r.startswith("VIP moving") and r.endswith(("(redis)", "(storage)"))}
