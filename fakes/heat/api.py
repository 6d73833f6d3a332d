"""The fake Heat's public entry points: load environments, evaluate a template, evaluate the overcloud."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .environment import NOT_TYPES, Environment, merge_environment_dicts
from .errors import TemplateNotFound
from .stack import EvalContext, Stack
from .tree import TemplateTree

__all__ = ["CLIENT_PARAMETERS", "DEFAULT_REGISTRY", "DEPLOY_IDENTIFIER", "client_stack_action", "ephemeral_heat",
           "evaluate_overcloud", "evaluate_template", "load_environment", "overcloud_stack"]

DEFAULT_REGISTRY = "overcloud-resource-registry-puppet.yaml"

# What tripleoclient generates before it creates the stack; ControlPlaneVipData is what
# ``openstack overcloud network vip provision`` writes for the control plane VIP (network v2 releases
# read the ctlplane CIDR from it); placeholder addresses from the undercloud's default ctlplane subnet.
def _cephx_key(name: str) -> str:
    """A Ceph key shaped as tripleo-common's ``create_cephx_key`` makes them (base64 of a 12-byte header and a
    16-byte secret: 38 characters and ``==``), fixed per name so that a plan is a function of its inputs."""
    return base64.b64encode(struct.pack("<hiih", 1, 0, 0, 16) + hashlib.sha256(name.encode()).digest()[:16]).decode()


CLIENT_PARAMETER_DEFAULTS: dict[str, Any] = {
    # tripleo-common generates these with the passwords into the plan's parameter_defaults, whether or not the
    # template has a default (18.0.0's CephManilaClientKey defaults to '', which its own pattern rejects)
    **{name: _cephx_key(name) for name in ("CephClientKey", "CephManilaClientKey", "CephRgwKey")},
    # tripleoclient reads these from the undercloud's ctlplane network (utils.get_ctlplane_attrs)
    "CtlplaneNetworkAttributes": {
        "network": {"dns_domain": "ctlplane.localdomain.", "mtu": 1500, "name": "ctlplane",
                    "tags": ["192.168.24.0/24"]},
        "subnets": {"ctlplane-subnet": {"cidr": "192.168.24.0/24", "dns_nameservers": [],
                                        "gateway_ip": "192.168.24.1", "host_routes": [], "ip_version": 4,
                                        "name": "ctlplane-subnet"}},
    },
    "ControlPlaneVipData": {
        "name": "control_virtual_ip",
        "network": {"tags": ["192.168.24.0/24"]},
        "fixed_ips": [{"ip_address": "192.168.24.5"}],
        "subnets": [{"ip_version": 4, "cidr": "192.168.24.0/24"}],
    },
}

# Parameters tripleoclient sets itself (as parameter_defaults) on every deploy; the identifiers are
# fixed values here so that a plan is a function of its inputs.
# tripleoclient sets a new DeployIdentifier (the time) on every stack operation: what takes it changes each time
DEPLOY_IDENTIFIER = "tripleo-sim-deploy-identifier"
CLIENT_PARAMETERS: dict[str, Any] = {
    "RootStackName": "overcloud",
    "DeployIdentifier": DEPLOY_IDENTIFIER,
    "UpdateIdentifier": "",
    "StackAction": "CREATE",
}

# The first THT release of a series whose tripleoclient (the one released with it) ran the overcloud stack in an
# ephemeral Heat by default (``--heat-type pod``: a new, empty Heat per command): python-tripleoclient 16.3.0
# (Wallaby, 2021-07-14, with THT 14.2.0) and 17.1.0 (Xena, 2021-10-11, with THT 15.1.0); every later series.
# Earlier clients updated the stack in the undercloud's installed Heat.
_EPHEMERAL_HEAT_FROM: dict[int, tuple[int, int]] = {14: (2, 0), 15: (1, 0)}
_EPHEMERAL_HEAT_MAJOR = 16


def ephemeral_heat(release: str) -> bool:
    """Whether the tripleoclient of THT ``release`` runs each stack operation in an ephemeral Heat by default. A
    local tree whose version is not a release number is taken as a recent one (ephemeral)."""
    try:
        major, minor, patch = (int(p) for p in [*release.split("."), "0", "0"][:3])
    except ValueError:
        return True
    if major >= _EPHEMERAL_HEAT_MAJOR:
        return True
    first = _EPHEMERAL_HEAT_FROM.get(major)
    return first is not None and (minor, patch) >= first


def client_stack_action(release: str, *, stack_exists: bool, heat_type: str | None = None) -> str:
    """The ``StackAction`` tripleoclient passes (python-tripleoclient's ``create_env_files``: ``'CREATE' if stack
    is None else 'UPDATE'``): UPDATE for an operation on a deployed stack (update, upgrade and converge prepare) in
    the undercloud's installed Heat; CREATE for the first deploy, and for every operation in an ephemeral Heat,
    which finds no stack. ``heat_type``: the client's ``--heat-type`` ("installed" or "ephemeral"); None: what the
    release's client defaults to (:func:`ephemeral_heat`). THT puts it in every node's hieradata
    (``stack_action``), where Train's to 14.3.0's ``pacemaker_restart_bundle.sh`` reads it."""
    ephemeral = ephemeral_heat(release) if heat_type is None else heat_type == "ephemeral"
    return "UPDATE" if stack_exists and not ephemeral else "CREATE"


def _env_path(tree: TemplateTree, ref: str | os.PathLike[str]) -> Path:
    p = Path(ref)
    if not p.is_absolute():
        inside = tree.root / p
        p = inside if tree.exists(inside) else Path.cwd() / p
    return Path(os.path.normpath(p))


def load_environment(tree: TemplateTree, files: Iterable[str | os.PathLike[str]], *,
                     use_default_registry: bool = True, stack_action: str = "CREATE") -> Environment:
    """Merge environment files in order; the tree's rendered resource registry comes first, as tripleoclient
    passes it first, then the parameters tripleoclient generates (``stack_action``: its StackAction, see
    :func:`client_stack_action`). Paths are taken relative to the tree root when they exist there, else to the
    cwd."""
    envs: list[tuple[str, Mapping[str, Any], Path | None]] = []
    if use_default_registry:
        registry = tree.load(tree.root / DEFAULT_REGISTRY)
        _check_mapped_files(tree, DEFAULT_REGISTRY, registry, tree.root)
        envs.append((DEFAULT_REGISTRY, registry, tree.root))
        envs.append(("<tripleoclient generated>",
                     {"parameter_defaults": {**CLIENT_PARAMETER_DEFAULTS, **CLIENT_PARAMETERS,
                                             "StackAction": stack_action}}, None))
    for path in (_env_path(tree, f) for f in files):
        if path.parent != tree.root and tree.root not in path.parents and path.parent not in tree.extra_roots:
            tree.extra_roots.append(path.parent)
        content = tree.load(path)
        _check_mapped_files(tree, tree.display(path), content, path.parent)
        envs.append((tree.display(path), content, path.parent))
    return merge_environment_dicts(envs)


# keys that hold no template (heatclient's resolve_environment_urls skips them)
_NOT_TEMPLATES = ("base_url", *NOT_TYPES)


def _check_mapped_files(tree: TemplateTree, source: str, content: Any, base: Path) -> None:
    """Every template an environment's resource_registry maps must exist, used or not: heatclient reads each one
    (``resolve_environment_urls`` fetches every value without ``::``) when tripleoclient processes the environment,
    and a missing one fails the command ("Could not fetch contents for file://..."). tripleoclient retries a path
    into the templates against its rendered copy of them, as :meth:`TemplateTree.exists` looks at the rendering."""
    registry = content.get("resource_registry") if isinstance(content, Mapping) else None
    if not isinstance(registry, Mapping):
        return  # merge_environment_dicts reports a registry that is not a mapping
    pending: list[tuple[str, Mapping[Any, Any]]] = [("resource_registry", registry)]
    while pending:
        prefix, mapping = pending.pop()
        for key, value in mapping.items():
            if key in _NOT_TEMPLATES:
                continue
            if isinstance(value, Mapping):
                pending.append((f"{prefix}.{key}", value))
            elif isinstance(value, str) and "::" not in value:
                ref = value[len("file://"):] if value.startswith("file://") else value
                full = Path(os.path.normpath(base / ref))
                if not tree.exists(full):
                    raise TemplateNotFound(source, f"{prefix}.{key}", expected="an existing template",
                                           found=f"{value!r}, and no {tree.display(full)}",
                                           hint="heatclient reads every template a resource_registry maps, "
                                                "whether a resource uses it or not")
                if tree.root not in full.parents:
                    tree.read_outside.add(full)  # a plan kept on disk depends on it, used or not


def evaluate_template(tree: TemplateTree, template: str, parameters: Mapping[str, Any] | None = None, *,
                      environment_files: Iterable[str | os.PathLike[str]] = (),
                      use_default_registry: bool = False,
                      environment: Environment | None = None) -> dict[str, Any]:
    """All resolved outputs of one template created as a root stack with ``parameters``."""
    env = environment or load_environment(tree, environment_files, use_default_registry=use_default_registry)
    ctx = EvalContext(tree, env)
    path = tree.locate(template, None, referrer=template, key="")
    stack = Stack(ctx, path, tree.load(path), {**env.parameters, **(parameters or {})}, name="overcloud",
                  root=True)
    return stack.outputs()


def overcloud_stack(tree: TemplateTree, environment: Environment,
                    parameters: Mapping[str, Any] | None = None) -> Stack:
    ctx = EvalContext(tree, environment)
    path = tree.root / "overcloud.yaml"
    return Stack(ctx, path, tree.load(path), {**environment.parameters, **(parameters or {})},
                 name="overcloud", root=True)


def evaluate_overcloud(tree: TemplateTree, environment_files: Iterable[str | os.PathLike[str]] = (),
                       outputs: Iterable[str] = ("RoleData",)) -> dict[str, Any]:
    """The named outputs of the whole overcloud stack (lazily: only what they depend on is evaluated)."""
    stack = overcloud_stack(tree, load_environment(tree, environment_files))
    return {name: stack.output(name) for name in outputs}
