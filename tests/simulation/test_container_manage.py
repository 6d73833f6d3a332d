"""tripleo_container_manage called as a module (THT's ovn_controller external update tasks): it recreates the
containers whose startup config files in the directory match the pattern on the host — from Train on, deploy step 1
writes one per step and container — with the image the call overrides, as the target's or the source's release
after what the plans run."""

from __future__ import annotations

from fakes.ansible import ModuleCall
from fakes.ansible.effects import Effect, classify
from simulator.run import prepare_scenario
from simulator.workflows.answers import STARTUP_CONFIG, startup_config_files

COMPUTE = "overcloud-novacompute-0"


def _manage(config_dir: str, pattern: str, overrides: dict[str, dict[str, str]] | None = None) -> Effect:
    args = {"config_dir": config_dir, "config_patterns": pattern, "config_id": "tripleo_step4"}
    if overrides is not None:
        args["config_overrides"] = overrides
    call = ModuleCall("undercloud", COMPUTE, "tripleo_container_manage", "tripleo_container_manage", args, "t", "t")
    [effect] = classify(call)
    return effect


def test_the_call_becomes_one_effect_with_its_image_overrides() -> None:
    effect = _manage(f"{STARTUP_CONFIG}/step_4/", "ovn_controller.json",
                     {"ovn_controller": {"image": "quay.io/ovn-controller:new"}, "other": {"user": "root"}})
    assert (effect.host, effect.kind, effect.target, effect.state) == \
        (COMPUTE, "container_manage", f"{STARTUP_CONFIG}/step_4/ovn_controller.json", "managed")
    assert effect.detail == "ovn_controller=quay.io/ovn-controller:new"


def test_startup_config_files_exist_from_train_on() -> None:
    run = prepare_scenario("train-to-wallaby")
    compute = run.source.role("Compute")
    files = startup_config_files(run.source, compute)
    assert f"{STARTUP_CONFIG}/step_4/ovn_controller.json" in files  # Train starts ovn_controller at deploy step 4
    assert all(path.endswith(".json") and not is_dir for path, is_dir in files.items())
    queens = prepare_scenario("queens-to-train-ffu")
    assert startup_config_files(queens.source, queens.source.roles[0]) == {}  # Queens: paunch's one file per step


def test_the_image_override_decides_the_release_the_container_runs() -> None:
    sim = prepare_scenario("train-to-wallaby").simulation
    node = sim.world.nodes[COMPUTE]
    assert node.images["ovn_controller"] == "source" and node.containers["ovn_controller"]
    wallaby = sim.target.role("Compute").images()["ovn_controller"]
    train = sim.source.role("Compute").images()["ovn_controller"]
    assert wallaby != train

    # a pattern that matches no file there (Train's ovn_controller is a step 4 container): nothing happens
    sim._manage_containers(_manage(f"{STARTUP_CONFIG}/step_3", "ovn_controller.json",
                                   {"ovn_controller": {"image": wallaby}}), 10.0)
    assert node.images["ovn_controller"] == "source"
    # without an override the container keeps its release: nothing to recreate
    sim._manage_containers(_manage(f"{STARTUP_CONFIG}/step_4", "ovn_*.json"), 20.0)
    assert node.images["ovn_controller"] == "source"
    # Wallaby's image: the target release, recorded as a container start on that node
    sim._manage_containers(_manage(f"{STARTUP_CONFIG}/step_4", "ovn_controller.json",
                                   {"ovn_controller": {"image": wallaby}}), 30.0)
    assert node.images["ovn_controller"] == "target" and node.image_refs["ovn_controller"] == wallaby
    started = [e for e in sim.trace if e.kind == "state.containers" and e.subject == COMPUTE]
    assert [(e.time, e.data["started"], e.data["release"]) for e in started] == [(30.0, ["ovn_controller"], "target")]
    # back to Train's image: the source release again
    sim._manage_containers(_manage(f"{STARTUP_CONFIG}/step_4", "ovn_controller.json",
                                   {"ovn_controller": {"image": train}}), 40.0)
    assert node.images["ovn_controller"] == "source"
    # a node that is down recreates nothing
    sim.world.hold_down(COMPUTE, "crash", 50.0, "test")
    sim._manage_containers(_manage(f"{STARTUP_CONFIG}/step_4", "ovn_controller.json",
                                   {"ovn_controller": {"image": wallaby}}), 60.0)
    assert node.images["ovn_controller"] == "source"
