"""Build a :class:`~simulator.plan.Plan` from a THT tree through the fake Heat.

The overcloud stack's ``RoleData`` output gives each role's merged role_data (as config-download reads it);
counts, hostname formats and service lists come from the stack's own parameters, so environments that change
them change the plan exactly as they would change the deployment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fakes.heat import TemplateTree, load_environment, overcloud_stack
from fakes.heat.errors import TemplateError
from fakes.heat.functions import EvalError
from fakes.heat.lifecycle import StackResource, resource_graph
from fakes.heat.resources import GROUP_COUNT, group_count

from .plan import Node, Phase, Plan, Role, release_major, split_steps, with_role_started_containers
from .puppet_config import volume_hashes

__all__ = ["PHASE_LOOPS", "RESTART_BUNDLE_SCRIPT", "build_plan", "client_environment_files", "phases_for",
           "restart_gate"]

# role_data key -> (the deploy-steps.j2 variable bounding its loop, first step, default bound)
PHASE_LOOPS: dict[str, tuple[str, int, int]] = {
    "deploy_steps_tasks": ("deploy_steps_max", 1, 6),
    "external_deploy_tasks": ("deploy_steps_max", 0, 6),
    "upgrade_tasks": ("upgrade_steps_max", 0, 6),
    "update_tasks": ("update_steps_max", 0, 6),
    "post_update_tasks": ("post_update_steps_max", 0, 4),
    "post_upgrade_tasks": ("post_upgrade_steps_max", 0, 4),
    "external_upgrade_tasks": ("external_upgrade_steps_max", 0, 3),
    "external_update_tasks": ("external_update_steps_max", 0, 2),
    "pre_upgrade_rolling_tasks": ("pre_upgrade_rolling_steps_max", 0, 1),
    "scale_tasks": ("scale_steps_max", 1, 1),
}
# levels of nested stacks expanded in the overcloud stack's resource graph (a role's group, its member template, the
# member's own nested stacks; the service chain, its members)
STACK_NESTED_DEPTH = 3
_SET_MAX = re.compile(r"{%-?\s*set\s+(\w+_steps_max)\s*=\s*(\d+)\s*-?%}")


RESTART_BUNDLE_SCRIPT = "container_config_scripts/pacemaker_restart_bundle.sh"
_RESOURCE_EXISTS = re.compile(r"^[^#]*\bif\b.*\bTRIPLEO_HA_WRAPPER_RESOURCE_EXISTS\b", re.M)
_STACK_ACTION = re.compile(r"^[^#]*\bif\b.*\bstack_action\b.*\bCREATE\b", re.M)


def restart_gate(tree: TemplateTree) -> str:
    """What the release's ``pacemaker_restart_bundle.sh`` (tripleo_ha_wrapper runs it when a bundle's generated
    config changed) tests before it restarts a bundle globally, outside a minor update: ``"resource-exists"``
    (``TRIPLEO_HA_WRAPPER_RESOURCE_EXISTS``, which tripleo-ansible sets when ``pcs resource config`` found the bundle
    before puppet ran: THT after 14.3.0, the fix of LP#1942309), ``"stack-action"`` (hiera's ``stack_action`` is not
    CREATE: Train to 14.3.0), ``"always"`` (a script that tests neither), ``""`` (no such script: before Train)."""
    try:
        text = (tree.root / RESTART_BUNDLE_SCRIPT).read_text(errors="replace")
    except OSError:  # no such script (or unreadable: then nothing is known of its test either)
        return ""
    if _RESOURCE_EXISTS.search(text):
        return "resource-exists"
    if _STACK_ACTION.search(text):
        return "stack-action"
    return "always"


def phases_for(tree: TemplateTree) -> dict[str, Phase]:
    """Step loops of each role_data key, read from the release's playbook templates."""
    steps_file = tree.root / "common" / "deploy-steps.j2"
    if steps_file.is_file():
        maxes = {k: int(v) for k, v in _SET_MAX.findall(steps_file.read_text())}
        # The step-0 play includes each role's deploy_steps_tasks_step0.yaml through a common file
        step0 = any("deploy_steps_tasks_step0" in f.read_text(errors="replace")
                    for f in (tree.root / "common").glob("deploy-steps-tasks-step-0*.yaml"))
        out = {}
        for key, (var, start, default) in PHASE_LOOPS.items():
            if key == "deploy_steps_tasks" and step0:
                start = 0
            bound = maxes.get(var, default)
            last = bound if key == "scale_tasks" else bound - 1
            out[key] = Phase(key, tuple(range(start, last + 1)))
        pike_upgrade = tree.root / "common" / "major_upgrade_steps.j2.yaml"
        if pike_upgrade.is_file():  # Pike: Heat still drives the upgrade, selecting its steps by tags
            out.update(_tagged_upgrade_phases(pike_upgrade))
        return out
    # Ocata (no deploy-steps.j2): Heat runs upgrade_tasks per step with `--tags common,stepN`
    return _tagged_upgrade_phases(tree.root / "puppet" / "major_upgrade_steps.j2.yaml")


def _tagged_upgrade_phases(upgrade: Any) -> dict[str, Phase]:
    """The upgrade-step loops of a Heat-driven upgrade (Ocata ``puppet/``, Pike ``common/``
    ``major_upgrade_steps.j2.yaml``): its ``UpgradeConfig`` runs a role's tasks with ``--tags common,stepN``."""
    maxes = {k: int(v) for k, v in _SET_MAX.findall(upgrade.read_text())} if upgrade.is_file() else {}
    return {
        "upgrade_tasks": Phase("upgrade_tasks", tuple(range(maxes.get("upgrade_steps_max", 6))), by_tags=True),
        "upgrade_batch_tasks": Phase("upgrade_batch_tasks", tuple(range(maxes.get("batch_upgrade_steps_max", 3))),
                                     by_tags=True),
    }


def client_environment_files(tree: TemplateTree) -> list[str]:
    """Environment files tripleoclient adds on its own. From release 17 on it provisions networks before the
    stack and passes the deployed network environment; the tree's sample of that file stands in for it."""
    sample = "environments/deployed-network-environment.yaml"
    major = release_major(tree.version)
    if major is not None and major >= 17 and tree.exists(tree.root / sample):
        return [sample]
    return []


def _mapping(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _param(stack: Any, name: str, default: Any) -> Any:
    try:
        return stack.param(name)
    except EvalError:
        return default


def build_plan(templates: str | os.PathLike[str], *, roles_data: Any = None, network_data: Any = None,
               environment_files: Iterable[str | os.PathLike[str]] = (),
               parameters: Mapping[str, Any] | None = None, tree: TemplateTree | None = None,
               with_global_vars: bool = False, stack_action: str = "CREATE") -> Plan:
    """The plan of a tree; ``with_global_vars`` also evaluates the stack's ``RoleConfig.global_vars`` (what
    config-download gives every host) and its resource graph, which simulations need and plans alone do not.
    ``stack_action``: the StackAction tripleoclient passes (:func:`fakes.heat.api.client_stack_action`)."""
    tree = tree or TemplateTree.from_path(templates, roles_data=roles_data, network_data=network_data)
    files = [*client_environment_files(tree), *environment_files]
    env = load_environment(tree, files, stack_action=stack_action)
    if parameters:
        env.parameter_defaults.update(parameters)
    stack = overcloud_stack(tree, env)
    role_data = stack.output("RoleData") or {}
    if "RoleData" not in stack.output_names() and "EnabledServices" in stack.output_names():
        # Newton (THT 5.x) has no RoleData output: each role's services from EnabledServices, and no tasks
        # (its upgrade is Ocata's templates); such a plan serves as the starting layout of an upgrade
        enabled = stack.output("EnabledServices") or {}
        role_data = {name: {"service_names": list(services or [])} for name, services in enabled.items()}
    phases = phases_for(tree)
    roles = []
    for rd in tree.roles_data:
        name = rd["name"]
        data = role_data.get(name)
        if not isinstance(data, Mapping):
            raise TemplateError(tree.display(tree.root / "overcloud.yaml"), f"outputs.RoleData.{name}",
                                expected="the role's role_data", found=repr(data)[:80])
        roles.append(_role(tree, stack, env, rd, data, phases))
    global_vars: dict[str, Any] = {}
    vip_map: Any = {}
    resources: tuple[StackResource, ...] = ()
    heat_steps: tuple[StackResource, ...] = ()
    if with_global_vars:
        role_config = stack.output("RoleConfig")
        if isinstance(role_config, Mapping) and isinstance(role_config.get("global_vars"), Mapping):
            global_vars = dict(role_config["global_vars"])
        resources = resource_graph(stack, nested_depth=STACK_NESTED_DEPTH)
        heat_steps = heat_upgrade_steps(tree, files, parameters, containerized=any(r.containers for r in roles),
                                        stack_action=stack_action)
        vip_map = stack.output("VipMap") if "VipMap" in stack.output_names() else {}
    return Plan(release=tree.version, templates=str(tree.root), roles=tuple(roles),
                phases=tuple(phases.values()), environment_files=tuple(str(f) for f in files),
                global_vars=global_vars, stack_resources=resources, heat_upgrade_steps=heat_steps,
                vip_map=vip_map if isinstance(vip_map, Mapping) else {}, restart_gate=restart_gate(tree))


HEAT_UPGRADE_ENVIRONMENT = "environments/major-upgrade-composable-steps.yaml"
# Pike's upgrade to containers: the same steps stack, its post-upgrade steps the containerized deploy steps
HEAT_UPGRADE_DOCKER_ENVIRONMENT = "environments/major-upgrade-composable-steps-docker.yaml"
# ... and its converge, `overcloud deploy -e <this>` (Pike's upgrade into containers: the -docker one)
HEAT_UPGRADE_CONVERGE = "environments/major-upgrade-converge.yaml"
HEAT_UPGRADE_CONVERGE_DOCKER = "environments/major-upgrade-converge-docker.yaml"


def is_heat_driven(release: str) -> bool:
    """Ocata (THT 6.x) and earlier: Heat runs the software configuration (no config-download)."""
    major = release_major(release)
    return major is not None and major <= 6


def converge_runs_deploy(release: str) -> bool:
    """Rocky (THT 9.x) on: ``upgrade converge``/``update converge`` are a whole ``overcloud deploy`` with the
    converge environment — the stack update, then config-download's deploy playbook on every node. Queens' converge
    updated the plan and the stack only."""
    major = release_major(release)
    return major is None or major >= 9


def is_heat_driven_upgrade(release: str) -> bool:
    """Ocata and Pike (THT 6.x, 7.x): Heat runs the upgrade steps (Pike deploys containers, but its upgrade is
    still a stack update with ``major-upgrade-composable-steps*.yaml``; config-download came with Queens)."""
    major = release_major(release)
    return major is not None and major <= 7


def heat_upgrade_steps(tree: TemplateTree, files: list[Any], parameters: Mapping[str, Any] | None,
                       containerized: bool = False, stack_action: str = "CREATE") -> tuple[StackResource, ...]:
    """Ocata and Pike (THT 6.x, 7.x): the upgrade is a stack update with ``major-upgrade-composable-steps.yaml``
    (Pike's upgrade to containers: ``major-upgrade-composable-steps-docker.yaml``), which maps
    ``OS::TripleO::PostDeploySteps`` to ``major_upgrade_steps.yaml``; its resources (SoftwareDeploymentGroups per
    role and step) are what the Heat-driven upgrade runs. Empty for other releases."""
    name = HEAT_UPGRADE_DOCKER_ENVIRONMENT if containerized else HEAT_UPGRADE_ENVIRONMENT
    if not is_heat_driven_upgrade(tree.version) or not (tree.root / name).is_file():
        return ()
    env = load_environment(tree, [*files, name], stack_action=stack_action)
    if parameters:
        env.parameter_defaults.update(parameters)
    steps = overcloud_stack(tree, env).resource("AllNodesDeploySteps").nested()
    return resource_graph(steps)


def _role(tree: TemplateTree, stack: Any, env: Any, rd: Mapping[str, Any], data: Mapping[str, Any],
          phases: Mapping[str, Phase]) -> Role:
    name = rd["name"]
    given = _param(stack, f"{name}Count", rd.get("CountDefault", 0))
    count = group_count(0 if given is None else given)
    if count is None:  # Heat refuses it as the count of the role's ResourceGroup (a node count of -1 made none)
        key = next((k for k in (f"parameters.{name}Count", f"parameter_defaults.{name}Count") if k in env.origins),
                   f"parameters.{name}Count")
        raise TemplateError(env.origins.get(key, stack.file), key,
                            expected=f"a node count, {GROUP_COUNT} (the count of the {name} ResourceGroup)",
                            found=repr(given))
    fmt = _param(stack, f"{name}HostnameFormat", rd.get("HostnameFormatDefault",
                                                         f"%stackname%-{name.lower()}-%index%"))
    nodes = tuple(
        Node(fmt.replace("%stackname%", "overcloud").replace("%index%", str(i)), name, i, i == 0)
        for i in range(count)
    )
    declared = _param(stack, f"{name}Services", rd.get("ServicesDefault") or [])
    disabled = []
    for svc in declared:
        try:
            resolved = env.registry.resolve(svc, None, native=stack.ctx.native, referrer=tree.roles_file,
                                            key=f"{name}.ServicesDefault")
        except TemplateError:
            raise
        if resolved.native == "OS::Heat::None":
            disabled.append(svc)
    tasks: dict[str, dict[str, tuple[Any, ...]]] = {}
    never = []
    for key, value in data.items():
        if not key.endswith("_tasks") or not isinstance(value, list):
            continue
        phase = phases.get(key, Phase(key, None))
        per_step, nr = split_steps(key, value, phase)
        tasks[key] = per_step
        never += nr
    containers: dict[str, tuple[str, ...]] = {}
    docker = data.get("docker_config")
    if isinstance(docker, Mapping):
        for step in sorted(docker, key=str):
            value = docker[step]
            containers[str(step).replace("step_", "")] = tuple(sorted(value)) if isinstance(value, Mapping) else ()
    containers = with_role_started_containers(containers, tasks.get("deploy_steps_tasks", {}))
    # the role's hieradata: Pike and Queens (THT 7.x, 8.x) blank RoleData's config_settings and give the merged
    # hieradata (the role's services', the global and service settings, ExtraConfig) as merged_config_settings
    merged = data.get("merged_config_settings")
    settings = _mapping(merged if isinstance(merged, Mapping) else data.get("config_settings"))
    return Role(
        name=name, count=count, hostname_format=fmt,
        services=tuple(s for s in (data.get("service_names") or []) if isinstance(s, str)),
        disabled_services=tuple(disabled), nodes=nodes,
        tags=tuple(rd.get("tags") or ()), networks=tuple(_networks(rd.get("networks"))),
        update_serial=rd.get("update_serial", 1), tasks=tasks, never_runs=tuple(never),
        containers=containers, role_data_keys=tuple(sorted(data)),
        docker_config=dict(docker) if isinstance(docker, Mapping) else {},
        kolla_config=_mapping(data.get("kolla_config")), config_settings=settings,
        config_volumes=volume_hashes(data.get("puppet_config"), settings),
        disable_upgrade_deployment=bool(rd.get("disable_upgrade_deployment", False)),
    )


def _networks(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [str(k) for k in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []

