"""Scenario files (``scenarios/*.yaml``): what to simulate, validated on load.

```yaml
name: train-to-wallaby
kind: upgrade                 # deploy | update | upgrade
source: {release: "11.6.0"}   # or {templates: path/to/tht}
target: {release: "14.3.0"}   # upgrades only
roles_data: null              # null: the release's roles_data.yaml; else a path (relative to this file)
roles: []                     # or role names from the release's roles/ folder (overcloud roles generate)
nodes: {Controller: 3, Compute: 2}
environments: []              # -e files, relative to the templates root (or to this file)
bmc: redfish                  # a deploy's generated machines: redfish | ipmi
nodes_file: nodes.yaml        # or a deploy's machines from a nodes.yaml / instackenv.json (relative to this file)
seed: 1
faults: [{at: 3000, target: overcloud-controller-1, kind: node_crash, duration: 600}]
order: [[overcloud-controller-0, overcloud-controller-1, overcloud-controller-2], [overcloud-novacompute-0]]
```
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fakes.baremetal.errors import InventoryError
from fakes.baremetal.inventory import NodeSpec, load_nodes
from fakes.heat.errors import TemplateError, YamlSyntaxError
from fakes.heat.resources import MAX_GROUP_MEMBERS
from fakes.heat.source import RELEASE_VERSION
from fakes.heat.yamlio import duplicate_key, load_yaml, number_hint, read_text, unloadable
from simulator.core import Fault
from simulator.core.faults import as_seconds
from simulator.plan import release_major

__all__ = ["DEFAULT_SCENARIO", "Scenario", "ScenarioError", "Source", "is_shipped", "load_scenario", "scenario_files",
           "with_faults"]

MAX_NODES_PER_ROLE = MAX_GROUP_MEMBERS  # as many as fake Heat expands a role's ResourceGroup to

DEFAULT_SCENARIO = "train-to-wallaby"
_KINDS = ("deploy", "update", "upgrade")
_KEYS = {"name", "description", "kind", "source", "target", "roles_data", "roles", "network_data", "nodes",
         "environments", "seed", "faults", "order", "system_upgrade", "fast_forward", "timing", "nodes_file", "bmc",
         "heat_type", "external_update_tags", "skip_tags"}
BMC_TYPES = ("redfish", "ipmi")
# a deploy's BMC faults: fakes.baremetal's kinds, on a machine (unreachable, answers 5xx, power requests that never
# take effect, credentials rejected, slow power transitions)
BMC_FAULT_KINDS = ("bmc_unreachable", "bmc_http_5xx", "bmc_power_stuck", "bmc_wrong_credentials", "bmc_slow")
FAULT_KINDS = ("node_crash", "heat_resource_failed", "task_failed", *BMC_FAULT_KINDS)


class ScenarioError(TemplateError):
    """A scenario file is malformed."""


@dataclass(frozen=True)
class Source:
    release: str | None = None
    templates: str | None = None
    # environment files for this side only, after the scenario's own (e.g. docker-ha.yaml, which Newton lacks)
    environments: tuple[str, ...] = ()

    def describe(self) -> str:
        return self.release if self.release else f"templates at {self.templates}"


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str
    source: Source
    file: str
    target: Source | None = None
    description: str = ""
    roles_data: str | None = None
    roles: tuple[str, ...] = ()  # role files of the tree's roles/ folder, like `openstack overcloud roles generate`
    network_data: str | None = None
    nodes: Mapping[str, int] = field(default_factory=dict)
    environments: tuple[str, ...] = ()
    seed: int = 0
    faults: tuple[Fault, ...] = ()
    # where each fault was written, as (file, key) ("command line", "--fault[0]" for a --fault); a fault past its
    # end was written in the scenario file, as faults[i]
    fault_origins: tuple[tuple[str, str], ...] = ()
    order: tuple[tuple[str, ...], ...] = ()  # operator --limit batches; empty: the documented default
    system_upgrade: bool = False  # run `upgrade run --tags system_upgrade` (leapp OS upgrade) before each batch
    fast_forward: bool = False  # `ffwd-upgrade prepare/run/converge` (Queens' fast_forward_upgrade_tasks)
    # tripleoclient's --heat-type: "installed" (the undercloud's Heat) or "ephemeral"; None: the release's default
    heat_type: str | None = None
    # an update's `openstack overcloud external-update run --tags <tag>` runs after `--tags container_image_prepare`,
    # before the first `update run` (the documented procedure's optional `ovn`: ovn_controller updated everywhere)
    external_update_tags: tuple[str, ...] = ()
    # tripleoclient's --skip-tags on every `update run`/`upgrade run` (e.g. [validation], the documented way past a
    # failing pre-upgrade check)
    skip_tags: tuple[str, ...] = ()
    # overrides of the shipped timing profile (scenarios/timing/default.yaml), and where they were written
    timing: Mapping[str, Any] = field(default_factory=dict)
    timing_file: str = ""
    timing_where: str = "timing"
    # a deploy's machines: a nodes.yaml / instackenv.json (each node's pm_type sets its BMC), else generated ones
    # with this BMC type
    nodes_file: str | None = None
    machines: tuple[NodeSpec, ...] = ()  # the nodes file's machines, read when the scenario is loaded
    bmc: str = "redfish"
    # the scenario file's directory: an environment file that is not the templates' is looked for there first
    base: str = ""

    def fault_origin(self, index: int) -> tuple[str, str]:
        """(file, key) where ``faults[index]`` was written, for errors about it."""
        if index < len(self.fault_origins):
            return self.fault_origins[index]
        return self.file, f"faults[{index}]"

    def node_parameters(self) -> dict[str, int]:
        return {f"{role}Count": count for role, count in self.nodes.items()}

    def parameters(self) -> dict[str, Any]:
        """parameter_defaults the scenario implies: node counts, leapp for a system upgrade, the releases a
        fast-forward upgrade goes through."""
        out: dict[str, Any] = dict(self.node_parameters())
        if self.system_upgrade:
            out["UpgradeLeappEnabled"] = True
        if self.fast_forward and self.target is not None:
            from simulator.workflows.ffwd import release_names

            releases = release_names(self.source.release, self.target.release)
            if releases:
                out["FastForwardUpgradeReleases"] = releases
        return out




def _source(data: Any, file: str, key: str, base: Path) -> Source:
    if not isinstance(data, Mapping) or not (("release" in data) ^ ("templates" in data)):
        raise ScenarioError(file, key, expected="a mapping with exactly one of release or templates",
                            found=repr(data)[:80])
    unknown = set(data) - {"release", "templates", "environments"}
    if unknown:
        raise ScenarioError(file, f"{key}.{sorted(unknown)[0]}", expected="release, templates or environments",
                            found=repr(sorted(unknown)[0]))
    envs = _given(data, "environments", [])
    if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
        raise ScenarioError(file, f"{key}.environments", expected="a list of environment file paths",
                            found=repr(envs)[:80])
    if "release" in data:
        release = data["release"]
        if not isinstance(release, str) or not RELEASE_VERSION.fullmatch(release):
            raise ScenarioError(file, f"{key}.release", expected='a THT release as a quoted string, e.g. "11.6.0"',
                                found=repr(release)[:80])
        return Source(release=release, environments=tuple(envs))
    if not isinstance(data["templates"], str) or not data["templates"]:
        raise ScenarioError(file, f"{key}.templates", expected="a path to a tripleo-heat-templates tree",
                            found=repr(data["templates"])[:80])
    return Source(templates=str((base / data["templates"]).resolve()), environments=tuple(envs))


def _given(data: Mapping[str, Any], key: str, empty: Any) -> Any:
    """``data[key]``, or ``empty`` where the key is absent or null; any other value is the caller's to check (a
    ``[]``, ``0`` or ``false`` of the wrong type is an error, not "none given")."""
    value = data.get(key)
    return empty if value is None else value


def is_shipped(name: str) -> bool:
    """Whether ``name`` names a scenario shipped in ``scenarios/`` (``update-18``)."""
    return "/" not in name and resources.files("scenarios").joinpath(f"{name}.yaml").is_file()


def load_scenario(ref: str | os.PathLike[str] | None) -> Scenario:
    """A scenario by path, or by the name of a shipped one (default: ``train-to-wallaby``)."""
    ref = ref or DEFAULT_SCENARIO
    path = Path(ref)
    if path.is_file():
        text, file, base = read_text(path, str(path)), str(path), path.resolve().parent
    else:
        shipped = resources.files("scenarios").joinpath(f"{ref}.yaml")
        if not is_shipped(str(ref)):
            names = sorted(p.name[:-5] for p in resources.files("scenarios").iterdir() if p.name.endswith(".yaml"))
            raise ScenarioError(str(ref), expected="a scenario file or one of: " + ", ".join(names),
                                found="no such file or shipped scenario")
        text, file, base = shipped.read_text(), f"scenarios/{ref}.yaml", Path(str(resources.files("scenarios")))
    data = load_yaml(text, file, unique_keys=True)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(file, key, expected="a string", found=repr(data[key])[:80])
    unknown = set(data) - _KEYS
    if unknown:
        raise ScenarioError(file, sorted(unknown)[0], expected="one of " + ", ".join(sorted(_KEYS)),
                            found=repr(sorted(unknown)[0]))
    kind = data.get("kind", "upgrade")
    if kind not in _KINDS:
        raise ScenarioError(file, "kind", expected=" | ".join(_KINDS), found=repr(kind))
    if "source" not in data:
        raise ScenarioError(file, "source", expected="{release: X} or {templates: PATH}", found="nothing")
    target = _source(data["target"], file, "target", base) if data.get("target") is not None else None
    if kind == "upgrade" and target is None:
        raise ScenarioError(file, "target", expected="a target release for an upgrade", found="nothing")
    if kind == "deploy" and target is not None:
        raise ScenarioError(file, "target", expected="nothing for a deploy (its source is what it deploys)",
                            found=repr(data["target"])[:80])
    source_release = data["source"].get("release") if isinstance(data["source"], Mapping) else None
    if kind == "update" and target is not None and target.release not in (None, str(source_release)):
        raise ScenarioError(file, "target.release", expected=f"the source's release ({source_release}): an update "
                            "keeps the release, its target only changes environments", found=repr(target.release))
    nodes = _given(data, "nodes", {})
    if not isinstance(nodes, Mapping) or not all(isinstance(k, str) for k in nodes):
        raise ScenarioError(file, "nodes", expected="a mapping of role name to a node count >= 0",
                            found=repr(nodes)[:80])
    for role, count in nodes.items():
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_NODES_PER_ROLE:
            # (a count beyond any TripleO deployment would only look like a hang while the stack expands)
            raise ScenarioError(file, f"nodes.{role}", expected=f"a node count from 0 to {MAX_NODES_PER_ROLE}",
                                found=repr(count)[:80])
    envs = _given(data, "environments", [])
    if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
        raise ScenarioError(file, "environments", expected="a list of environment file paths", found=repr(envs))
    faults_given = _given(data, "faults", [])
    if not isinstance(faults_given, list):
        raise ScenarioError(file, "faults", expected="a list of faults", found=repr(faults_given)[:80])
    faults = tuple(_fault(f, file, f"faults[{i}]") for i, f in enumerate(faults_given))
    roles = _given(data, "roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ScenarioError(file, "roles", expected="a list of role names (files in the tree's roles/)",
                            found=repr(roles)[:80])
    if roles and data.get("roles_data") is not None:
        raise ScenarioError(file, "roles", expected="either roles or roles_data", found="both")
    for i, role in enumerate(roles):  # (the generated roles_data's own check named a file the user never wrote)
        if role in roles[:i]:
            raise ScenarioError(file, f"roles[{i}]", expected="each role once",
                                found=f"{role!r}, also roles[{roles.index(role)}]")
    order = _given(data, "order", [])
    if not isinstance(order, list) or not all(
            isinstance(b, list) and b and all(isinstance(h, str) for h in b) for b in order):
        raise ScenarioError(file, "order", expected="a list of --limit batches, each a list of node names",
                            found=repr(order)[:80])
    if order and kind == "deploy":  # a deploy runs every node at once: `overcloud deploy` has no --limit batches
        raise ScenarioError(file, "order", expected="no order in a deploy (--limit batches are an update's or an "
                            "upgrade's)", found=repr(order)[:80])
    system_upgrade = data.get("system_upgrade", False)
    if not isinstance(system_upgrade, bool) or (system_upgrade and kind != "upgrade"):
        raise ScenarioError(file, "system_upgrade", expected="true or false (true only for an upgrade)",
                            found=repr(system_upgrade))
    fast_forward = data.get("fast_forward", False)
    if not isinstance(fast_forward, bool) or (fast_forward and kind != "upgrade"):
        raise ScenarioError(file, "fast_forward", expected="true or false (true only for an upgrade)",
                            found=repr(fast_forward))
    heat_type = data.get("heat_type")
    if heat_type not in (None, "installed", "ephemeral"):
        raise ScenarioError(file, "heat_type", expected="installed or ephemeral (tripleoclient's --heat-type: the "
                            "undercloud's Heat or one per command)", found=repr(heat_type))
    external_tags = _given(data, "external_update_tags", [])
    if not isinstance(external_tags, list) or not all(isinstance(t, str) and t for t in external_tags) \
            or (external_tags and kind != "update"):
        raise ScenarioError(file, "external_update_tags", expected="a list of tags, each an `external-update run "
                            "--tags <tag>` before the update runs (only for an update; e.g. [ovn])",
                            found=repr(external_tags)[:80])
    skip_tags = _skip_tags(data, kind, target, file)
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ScenarioError(file, "seed", expected="an integer", found=repr(seed))

    timing, timing_file, timing_where = _timing(data.get("timing"), file, base)
    nodes_file, machines, bmc = _machines(data, kind, file, base)

    def rel(value: Any, key: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise YamlSyntaxError(file, key, expected="a path", found=repr(value))
        path = (base / value).resolve()
        if not path.is_file():  # before the templates are fetched and rendered, not after
            raise ScenarioError(file, key, expected="a file (a path relative to the scenario)",
                                found=f"{'a directory' if path.is_dir() else 'no such file'}: {path}")
        return str(path)

    return Scenario(
        name=str(data.get("name", Path(file).stem)), kind=kind, file=file,
        source=_source(data["source"], file, "source", base), target=target,
        description=str(data.get("description", "")),
        roles_data=rel(data.get("roles_data"), "roles_data"), network_data=rel(data.get("network_data"),
                                                                                 "network_data"),
        nodes=dict(nodes), environments=tuple(envs), seed=seed, faults=faults, roles=tuple(roles),
        order=tuple(tuple(b) for b in order), system_upgrade=system_upgrade, fast_forward=fast_forward,
        heat_type=heat_type, external_update_tags=tuple(external_tags), skip_tags=skip_tags, timing=timing,
        timing_file=timing_file, timing_where=timing_where, nodes_file=nodes_file, machines=machines, bmc=bmc,
        base=str(base),
    )


# the first tripleoclient whose run command has --skip-tags, as the THT major of its release: `upgrade run` from
# 9.3.0 (Queens), `update run` from 13.3.0 (Ussuri)
_SKIP_TAGS_SINCE = {"upgrade": (8, "9.3.0 (Queens, THT 8)"), "update": (12, "13.3.0 (Ussuri, THT 12)")}


def _skip_tags(data: Mapping[str, Any], kind: str, target: Source | None, file: str) -> tuple[str, ...]:
    """The scenario's ``skip_tags``: a list of tags, for an update or an upgrade whose client has ``--skip-tags``
    (the client is the release the run goes to)."""
    tags = _given(data, "skip_tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() and "," not in t for t in tags) \
            or (tags and kind not in _SKIP_TAGS_SINCE):
        raise ScenarioError(file, "skip_tags", expected="a list of tags that every `update run` or `upgrade run` "
                            "skips (--skip-tags; only for an update or an upgrade; e.g. [validation])",
                            found=repr(data.get("skip_tags"))[:80])
    source = data["source"].get("release") if isinstance(data["source"], Mapping) else None
    release = target.release if target is not None and target.release else source
    major = release_major(str(release)) if tags and release else None
    first, since = _SKIP_TAGS_SINCE.get(kind, (0, ""))
    if major is not None and major < first:
        raise ScenarioError(file, "skip_tags", expected=f"a release whose `{kind} run` has --skip-tags: "
                            f"tripleoclient {since} or later", found=f"release {release}")
    return tuple(t.strip() for t in tags)


def _machines(data: Mapping[str, Any], kind: str, file: str,
              base: Path) -> tuple[str | None, tuple[NodeSpec, ...], str]:
    """A deploy's ``nodes_file`` (resolved), its machines (read now: a malformed file is an error before any run)
    and ``bmc``."""

    for key in ("nodes_file", "bmc"):
        if key in data and kind != "deploy":
            raise ScenarioError(file, key, expected="absent: only a deploy provisions machines (an update or "
                                "upgrade runs on deployed nodes)", found=repr(data[key])[:80])
    bmc = data.get("bmc", "redfish")
    if bmc not in BMC_TYPES:
        raise ScenarioError(file, "bmc", expected=" | ".join(BMC_TYPES), found=repr(bmc))
    value = data.get("nodes_file")
    if value is None:
        return None, (), bmc
    if "bmc" in data:
        raise ScenarioError(file, "bmc", expected="absent with nodes_file (each node's pm_type sets its BMC)",
                            found=repr(bmc))
    if not isinstance(value, str) or not (path := (base / value).resolve()).is_file():
        raise ScenarioError(file, "nodes_file", expected="the path of a nodes.yaml or instackenv.json (relative "
                            "to the scenario)", found=repr(value))
    try:
        machines = load_nodes(path)
    except InventoryError as exc:
        raise ScenarioError(file, "nodes_file", expected="a valid nodes.yaml or instackenv.json",
                            found=str(exc)) from None
    return str(path), machines, bmc


def _timing(value: Any, file: str, base: Path) -> tuple[dict[str, Any], str, str]:
    """A scenario's ``timing:``: overrides written in place, or the path of a timing profile file holding them
    (relative to the scenario); checked against the shipped profile now, before any run."""
    from simulator.timing import load_timing

    if value is None:
        return {}, file, "timing"
    if isinstance(value, str):
        path = base / value
        if not path.is_file():
            raise ScenarioError(file, "timing", expected="a timing profile file or a mapping of overrides",
                                found=repr(value) if not value.strip() else
                                f"{'a directory' if path.is_dir() else 'no such file'}: {path}")
        overrides, where, source = load_yaml(read_text(path, str(path)), str(path), unique_keys=True), "", str(path)
    elif isinstance(value, Mapping):
        overrides, where, source = value, "timing", file
    else:  # (not `value or {}`: false, 0 and [] are mistakes, not "no overrides")
        raise ScenarioError(file, "timing", expected="a timing profile file or a mapping of overrides",
                            found=repr(value)[:80])
    load_timing(overrides, source, where)  # raises a ScenarioError naming the file and key
    return dict(overrides), source, where


def scenario_files(scenario: Scenario) -> list[str]:
    """The files of tripleo-sim's own a scenario reads (not the templates'): the scenario, its roles_data,
    network_data, timing profile, nodes file and the environment files next to it or given by path."""
    files = [scenario.file, scenario.roles_data, scenario.network_data, scenario.nodes_file,
             scenario.timing_file if scenario.timing_where != "timing" else None]
    for env in (*scenario.environments, *scenario.source.environments,
                *(scenario.target.environments if scenario.target else ())):
        near = Path(scenario.base) / env if scenario.base else None
        files.append(str(near) if near is not None and near.is_file() else env)
    return [f for f in files if f]


def with_faults(scenario: Scenario, texts: Sequence[str]) -> Scenario:
    """``scenario`` with more faults, each written as an entry of a scenario's ``faults:`` (YAML flow mapping); a
    malformed one is a ScenarioError naming ``--fault[i]``."""
    added = []
    for i, text in enumerate(texts):
        try:
            data = yaml.safe_load(text)
            twice = duplicate_key(text)
        except yaml.YAMLError as exc:
            raise ScenarioError("command line", f"--fault[{i}]", expected="a YAML mapping {at, target, kind, ...}",
                                found=str(exc).splitlines()[0]) from None
        except (ValueError, RecursionError) as exc:
            raise ScenarioError("command line", f"--fault[{i}]", expected="a YAML mapping {at, target, kind, ...}",
                                found=unloadable(exc)) from None
        if twice is not None:
            raise ScenarioError("command line", f"--fault[{i}].{twice.path}", expected="each key once",
                                found=twice.describe())
        if isinstance(data, Mapping) and any(isinstance(k, str) and ":" in k and v is None for k, v in data.items()):
            # YAML reads {at:0} as the key 'at:0' with no value
            raise ScenarioError("command line", f"--fault[{i}]", expected="a YAML mapping {at, target, kind, ...}",
                                found=repr(data)[:80], hint="YAML needs a space after each colon: {at: 0, ...}")
        added.append(_fault(data, "command line", f"--fault[{i}]"))
    if not added:
        return scenario
    origins = [scenario.fault_origin(i) for i in range(len(scenario.faults))]
    origins += [("command line", f"--fault[{i}]") for i in range(len(added))]
    return dataclasses.replace(scenario, faults=scenario.faults + tuple(added), fault_origins=tuple(origins))


def _fault(data: Any, file: str, key: str) -> Fault:
    if not isinstance(data, Mapping) or set(data) - {"at", "target", "kind", "duration", "task"}:
        raise ScenarioError(file, key, expected="{at, target, kind, duration?, task? (task_failed)}",
                            found=repr(data)[:80])
    if data.get("kind") not in FAULT_KINDS:
        raise ScenarioError(file, f"{key}.kind", expected=" | ".join(FAULT_KINDS), found=repr(data.get("kind")))
    task = data.get("task")
    if (data["kind"] == "task_failed") != (task is not None) or (task is not None and not (
            isinstance(task, str) and task.strip())):
        raise ScenarioError(file, f"{key}.task", expected="a task name or glob (for task_failed only)",
                            found=repr(task))
    at, duration = as_seconds(data.get("at")), as_seconds(data.get("duration"))
    if at is None or at < 0:  # (NaN, infinity and an integer too large for a float are None)
        raise ScenarioError(file, f"{key}.at", expected="simulated seconds >= 0 (finite)",
                            found=repr(data.get("at"))[:80], hint=number_hint(data.get("at")))
    if data.get("duration") is not None and (duration is None or duration <= 0):
        raise ScenarioError(file, f"{key}.duration", expected="seconds > 0 (finite) or absent (permanent)",
                            found=repr(data.get("duration"))[:80], hint=number_hint(data.get("duration")))
    if not isinstance(data.get("target"), str):
        raise ScenarioError(file, f"{key}.target", expected="a node name (a stack resource name for "
                            "heat_resource_failed, a machine name for bmc_*)", found=repr(data.get("target")))
    return Fault(at, data["target"], data["kind"], duration,
                 {"task": task} if task is not None else {})
