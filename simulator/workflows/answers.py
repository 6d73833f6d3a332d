"""What the simulated hosts answer when a task asks them about their state.

Module results are canned (:func:`fakes.ansible.canned_result`: success, empty output, ``stat`` absent) except for
the queries below, which read the run's model of the hosts, so that a task's ``when`` sees what the run did
before it:

- ``stat`` of a path: it exists if a task of this run created it (``file`` with ``state: touch``, ``directory``,
  ``link`` or ``hard``; ``copy``, ``template`` and ``ini_file`` to it; ``lineinfile``/``blockinfile`` with
  ``create: true``), or a path under it was created (a directory), and no later ``file state: absent`` removed it.
  Before the run a deployed node holds what its deployment wrote that THT's tasks look for (see
  :func:`deployed_files`); other files a real node holds (packages, logs) are not modelled: they are absent.
- ``pcs resource config <resource>`` / ``pcs resource show <resource>`` as a whole command line, for a resource the
  world models (the pacemaker bundles and the OCF resources inside them): rc 1 with pcs's error when the host is
  not an online member of the cluster, or the resource does not exist in the cluster (a cluster formed anew holds
  none until puppet creates them); else the canned success.
  Piped through ``grep ... image=``: the bundle's container image name (nothing where pcs would fail). A bundle
  runs the source release's ``pcmklatest`` image name (the ``<service>_image_latest`` value of the source plan's
  upgrade tasks) until ``pcs resource bundle update <bundle> container image=<name>`` names another or the target
  release's puppet (``tripleo_ha_wrapper``) updates it to the target's.
- ``systemctl is-active <unit>`` (or Queens' ``systemctl show '<unit>' --property ActiveState | grep '\\bactive\\b'``)
  as a whole command line, for a unit the world models on that host (the systemd
  units serving APIs before containers, ``tripleo_<container>`` for a container, ``pacemaker``): rc 0 and
  ``active``, or rc 3 and ``inactive``.
- ``podman container exists <name>`` (or ``docker``) as a whole command line: rc 0 if the host has the container
  (the world knows it there and no task of this run removed it since — ``tripleo_container_rm``, ``podman rm`` —
  unless it runs again), else rc 1. An HA controller has no ``mysql`` container: galera runs in its bundle.
- ``podman inspect --format '{{.Id}}' <image>`` (or ``docker``, ``image inspect``) as a whole command line: the id
  of the image that name points to on the host, or rc 125 and podman's error when the host holds no such image.
  Before the run a node holds the images its role's containers ran in the source release (the ``image`` of each
  docker_config entry) and, where the role runs a pacemaker bundle, the source's ``pcmklatest`` name, each its
  own build. A pull (``podman pull``, ``podman_image``, ``tripleo_container_tag``) fetches a new build of the name
  (an update or upgrade pulls what image prepare just published, even under an unchanged name); the first pull of a
  name in the run fixes its build, so the prefetch and the later forced pull agree. A tag points the new name at
  the source's id. So THT's "Retag pcmklatest to latest <service> image" runs when the pulled build differs from
  what ``pcmklatest`` names, as on a real node.
- ``pgrep -x ceph-osd``: rc 0 where the node is up and its role runs a Ceph OSD (``ceph_osd``), else rc 1.
- ``podman ps -q --filter name=<name>`` (or ``docker``): a container id for each running container whose name
  contains ``name`` — for a pacemaker bundle, its replica on this node (an online cluster member whose role runs
  the bundle's service, the bundle running) — else nothing.
- ``yum check-update [<package>]`` / ``yum check-upgrade`` (or ``dnf``), whole or piped through ``awk '/<pkg>/{print}'``
  or ``grep <pkg>``: in an update or upgrade every package of a node has a newer build in the repositories until a
  task of this run updates it (``yum update``, ``package: state=latest``, by name or glob, ``*`` for all); the
  command lists it and exits 100 (piped: awk's 0), or lists nothing and exits 0. A deploy finds nothing to update.

The world is read as it was when the step's playbook run began (the run lays a step's host-tasks out in time after
interpreting them); files change as each host-task is interpreted, so a task sees the files its host's earlier tasks
created.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from fakes.ansible import ModuleCall
from fakes.ansible.effects import classify
from simulator.plan import Plan, Role, nested_mappings, release_major
from simulator.world import BUNDLE_OF_RESOURCE, PACEMAKER_BUNDLES, World

__all__ = ["STARTUP_CONFIG", "HostAnswers", "bundle_images", "deployed_files", "deployed_images", "release_images",
           "startup_config_files"]

_PCS_CONFIG = re.compile(r"\s*(?:/usr/sbin/|/sbin/)?pcs\s+resource\s+(?:config|show)\s+([\w.:-]+)\s*")
_PCS_IMAGE = re.compile(r"\s*(?:/usr/sbin/|/sbin/)?pcs\s+resource\s+(?:config|show)\s+([\w.:-]+)\s*\|.*\bimage=.*",
                        re.DOTALL)
_BUNDLE_UPDATE = re.compile(r"\bpcs\s+resource\s+bundle\s+update\s+([\w.:-]+)\s+container\s+image=([^\s;&|]+)")
# THT's upgrade tasks name each bundle's image as a fact: <prefix>_image_latest (Queens: <prefix>_docker_image_latest)
_IMAGE_FACT_BUNDLES = {"galera": "galera-bundle", "mysql": "galera-bundle", "haproxy": "haproxy-bundle",
                       "redis": "redis-bundle", "rabbitmq": "rabbitmq-bundle", "ovn_dbs": "ovn-dbs-bundle",
                       "cinder_volume": "openstack-cinder-volume", "cinder_backup": "openstack-cinder-backup",
                       "manila_share": "openstack-manila-share"}
_INSPECT_ID = re.compile(r"\s*(?:/usr/bin/|/bin/)?(?:podman|docker)\s+(?:image\s+)?inspect\s+(?:--format|-f)[\s=]+"
                         r"(['\"]?)\{\{\s*\.Id\s*\}\}\1\s+([^\s;&|'\"]+)\s*")
_CHECK_UPDATE = re.compile(r"\s*(?:/usr/bin/)?(?:yum|dnf)\s+(?:-\S+\s+)*check-(?:update|upgrade)(?:\s+([\w.*+-]+))?\s*"
                           r"(?:\|\s*(?:awk\s+'/([\w.+-]+)/\{\s*print\s*\}'|grep\s+(?:-\w+\s+)*['\"]?([\w.+-]+)['\"]?)\s*)?")
_PGREP_OSD = re.compile(r"\s*(?:/usr/bin/)?pgrep\s+-x\s+ceph-osd\s*")
_PS_FILTER = re.compile(r"\s*(?:/usr/bin/)?(?:podman|docker)\s+ps\s+-q\s+--filter\s+['\"]?name=([\w.-]+)['\"]?\s*")
_EXISTS = re.compile(r"\s*(?:/usr/bin/|/bin/)?(?:podman|docker)\s+container\s+exists\s+([\w.-]+)\s*")
_IS_ACTIVE = re.compile(r"\s*(?:/usr/bin/|/bin/)?systemctl\s+is-active\s+(--quiet\s+|-q\s+)?([\w@.-]+)\s*")
# Queens' upgrade validations: systemctl show '<unit>' --property ActiveState | grep '\bactive\b'
_SHOW_ACTIVE = re.compile(r"\s*(?:/usr/bin/|/bin/)?systemctl\s+show\s+['\"]?([\w@.-]+)['\"]?\s+(?:--property|-p)[\s=]+"
                          r"ActiveState\s*\|\s*grep\s+(?:-q\s+)?['\"]?\\bactive\\b['\"]?\s*")
_TAG = re.compile(r"(?:docker|podman)\s+tag\s+'?([^'\s]+)'?\s+'?([^'\s]+)'?")
_IMAGE_ACTIONS = frozenset({"sim_tripleo_container_tag", "podman_image", "docker_image"})
_KNOWN_RESOURCES = frozenset(PACEMAKER_BUNDLES.values()) | frozenset(BUNDLE_OF_RESOURCE)
_CREATING_STATES = frozenset({"touch", "directory", "link", "hard"})
_TRUE = ("true", "yes", "1", "on")


class HostAnswers:
    """The files each host holds (created in this run) and the answers to the queries the module docstring lists."""

    def __init__(self, world: World, source_images: Mapping[str, str] | None = None,
                 target_images: Mapping[str, str] | None = None,
                 deployed_images: Mapping[str, Iterable[str]] | None = None,
                 deployed_files: Mapping[str, Mapping[str, bool]] | None = None,
                 release_images: Mapping[str, str] | None = None) -> None:
        self.world = world
        # pcmklatest name -> the target release's image THT's tasks tag as it (galera_image -> galera_image_latest)
        self.release_images = dict(release_images or {})
        # host -> image names it holds before the run (each the source's build); host -> name -> id set in this run
        self.deployed_images = {host: frozenset(names) for host, names in (deployed_images or {}).items()}
        self.images: dict[str, dict[str, str]] = {}
        # an update or upgrade finds newer packages in the repositories (a deploy: none); host -> name globs this run
        # updated (``*``: everything)
        self.updates_published = False
        self.updated: dict[str, set[str]] = {}
        # host -> path -> is a directory: what the deployment left (deployed_files), then what this run changes
        self.files: dict[str, dict[str, bool]] = {h: dict(paths) for h, paths in (deployed_files or {}).items()}
        self.bundle_images = dict(source_images or {})  # bundle -> its container image name in the CIB
        self.target_images = dict(target_images or {})
        self.removed: dict[str, set[str]] = {}  # host -> containers this run removed
        self.tagged_names: dict[str, str] = {}  # bundle -> the pcmklatest name its image-tag container tagged

    def exists(self, host: str, path: str) -> tuple[bool, bool]:
        """(exists, is a directory) of ``path`` on ``host``."""
        path = posixpath.normpath(path)
        held = self.files.get(host, {})
        if path in held:
            return True, held[path]
        prefix = path.rstrip("/") + "/"
        return (True, True) if any(p.startswith(prefix) for p in held) else (False, False)

    def answer(self, call: ModuleCall, result: MutableMapping[str, Any]) -> None:
        """Update the canned ``result`` of ``call`` from the model, and record the files ``call`` creates or
        removes."""
        action = call.action.rsplit(".", 1)[-1]
        if action == "stat":
            path = call.args.get("path")
            if isinstance(path, str) and path:
                exists, isdir = self.exists(call.target, path)
                result["stat"] = ({"exists": True, "path": posixpath.normpath(path), "isdir": isdir, "isreg": not isdir}
                                  if exists else {"exists": False})
            return
        if action in ("command", "shell"):
            line = call.args.get("_raw_params", call.args.get("cmd", ""))
            if isinstance(line, str):
                if " rm " in line:
                    self._record_removals(call)
                if " pull " in line or " tag " in line:
                    self._record_images(call)
                if "yum" in line or "dnf" in line:
                    self._record_packages(call)
                self._command(call.target, line, result)
            return
        if action == "sim_tripleo_container_rm":
            self._record_removals(call)
            return
        if action in _IMAGE_ACTIONS:
            self._record_images(call)
            return
        if action in ("package", "yum", "dnf"):
            self._record_packages(call)
            return
        if action == "sim_tripleo_ha_wrapper":  # puppet creates or updates the bundle with the release's image
            bundle = str(call.args.get("bundle", ""))
            if bundle in self.target_images:
                self.bundle_images[bundle] = self.target_images[bundle]
            return
        self._record_file(call, action)

    def _record_removals(self, call: ModuleCall) -> None:
        """Containers ``call`` removes, as the effect catalogue reads them (``tripleo_container_rm``, ``podman rm``)."""
        removed = [e.target for e in classify(call) if e.kind == "container" and e.state == "removed"]
        if removed:
            self.removed.setdefault(call.target, set()).update(removed)

    def image_id(self, host: str, name: str) -> str | None:
        """The id of the image ``name`` points to on ``host``, or None if the host holds no such image."""
        if (pulled := self.images.get(host, {}).get(name)) is not None:
            return pulled
        return _image_id(name, "deployed") if name in self.deployed_images.get(host, ()) else None

    def replica_image(self, host: str, bundle: str) -> tuple[str, str | None]:
        """The image name ``bundle``'s configuration holds and the id of the build it points to on ``host`` (what
        its replica there starts from; None if the host holds no such image); ("", None) where the model does
        not know the bundle's image name (a baremetal resource)."""
        name = self.bundle_images.get(bundle, "")
        if not name and bundle in self.world.pcs_created:  # replacing a baremetal resource: the target's name
            name = self.target_images.get(bundle) or self.tagged_names.get(bundle, "")
        return name, self.image_id(host, name) if name else None

    def tag_container(self, host: str, name: str, definition: Any) -> None:
        """Pike and Queens tag ``pcmklatest`` from a docker_config container (``<service>_image_tag``: ``docker tag
        '<image>' '<image>:pcmklatest'``) that runs on ``host``: starting it pulls its image, then tags it. The name
        it tags is the one the service's bundle is created with (Pike's tasks name no bundle image)."""
        if not isinstance(definition, Mapping):
            return
        bundle = PACEMAKER_BUNDLES.get(name.removesuffix("_image_tag"))
        command = definition.get("command")
        line = " ".join(map(str, command)) if isinstance(command, list) else str(command or "")
        image = definition.get("image")
        held = self.images.setdefault(host, {})
        if isinstance(image, str) and image:
            held.setdefault(image, _image_id(image, "pulled"))
        for source, latest in _TAG.findall(line):
            if (built := self.image_id(host, source)) is not None:
                held[latest] = built
            if bundle:
                self.tagged_names.setdefault(bundle, latest)

    def release_image(self, host: str, bundle: str) -> tuple[str, str | None]:
        """The target release's image for ``bundle`` (the one its tasks tag as the bundle's image name), and its id
        on ``host`` (None where the host does not hold it); ("", None) where the model does not know it."""
        name = self.release_images.get(self.bundle_images.get(bundle, ""), "")
        return name, self.image_id(host, name) if name else None

    def os_upgraded(self, host: str) -> None:
        """``host`` booted a new OS (leapp): its new container runtime holds none of the old one's images."""
        self.deployed_images.pop(host, None)
        self.images.pop(host, None)

    def _record_images(self, call: ModuleCall) -> None:
        """Pulls and tags ``call`` makes, as the effect catalogue reads them (``podman pull``/``tag``,
        ``podman_image``, ``tripleo_container_tag``: ``image->latest``, pulled or only tagged)."""
        for e in classify(call):
            if e.kind != "image":
                continue
            source, _, latest = e.target.partition("->")
            if not latest and e.state == "tagged":
                source, _, latest = e.target.partition(" ")
            held = self.images.setdefault(call.target, {})
            if e.state == "pulled":  # the first pull of a name in this run fixes its build
                held.setdefault(source, _image_id(source, "pulled"))
            image = self.image_id(call.target, source)
            if latest and image is not None:  # tagging an image the host does not hold fails there: nothing changes
                held[latest.strip()] = image

    def running_matching(self, host: str, name: str) -> list[str]:
        """The containers running on ``host`` whose name contains ``name`` (podman's name filter); a pacemaker
        bundle's replica on the host is ``<bundle>-podman-0``."""
        node = self.world.nodes.get(host)
        if node is None or not node.up:
            return []
        out = [c for c, running in sorted(node.containers.items()) if running and name in c]
        for service, bundle in sorted(PACEMAKER_BUNDLES.items()):
            if name in bundle and service in node.services and self._runs_pacemaker(host) \
                    and self.world.has_resource(bundle) and self.world.bundle_running(bundle):
                out.append(f"{bundle}-podman-0")
        return sorted(set(out))

    def update_pending(self, host: str, package: str) -> bool:
        """Whether the repositories hold a newer build of ``package`` than ``host`` runs."""
        if not self.updates_published:
            return False
        return not any(fnmatch.fnmatchcase(package, glob) for glob in self.updated.get(host, ()))

    def _record_packages(self, call: ModuleCall) -> None:
        for e in classify(call):
            if e.kind == "package" and e.state == "latest":
                self.updated.setdefault(call.target, set()).add("*" if e.target in ("", "?") else e.target)

    def _record_file(self, call: ModuleCall, action: str) -> None:
        args = call.args
        path = args.get("path", args.get("dest", args.get("name")))
        if not isinstance(path, str) or not path or "{{" in path:
            return
        path = posixpath.normpath(path)
        held = self.files.setdefault(call.target, {})
        state = str(args.get("state", "file"))
        if action == "file":
            if state == "absent":
                prefix = path.rstrip("/") + "/"
                for p in [p for p in held if p == path or p.startswith(prefix)]:
                    del held[p]
            elif state in _CREATING_STATES:
                held[path] = state == "directory"
        else:
            creates = (action in ("copy", "template", "ini_file") and state != "absent") or (
                action in ("lineinfile", "blockinfile") and str(args.get("create", "false")).lower() in _TRUE)
            if creates:
                held.setdefault(path, False)

    def _command(self, host: str, line: str, result: MutableMapping[str, Any]) -> None:
        for bundle, image in _BUNDLE_UPDATE.findall(line):
            self.bundle_images[bundle] = image
        if match := _EXISTS.fullmatch(line):
            if not self.container_exists(host, match.group(1)):
                _fail(result, 1, "")
            return
        if _PGREP_OSD.fullmatch(line):
            node = self.world.nodes.get(host)
            if node is None or not node.up or "ceph_osd" not in node.services:
                _fail(result, 1, "")
            return
        if match := _PS_FILTER.fullmatch(line):
            names = self.running_matching(host, match.group(1))
            ids = [_image_id(f"{host}/{name}", "container")[7:19] for name in names]
            result.update(stdout="\n".join(ids), stdout_lines=ids)
            return
        if match := _CHECK_UPDATE.fullmatch(line):
            package = match.group(2) or match.group(3) or match.group(1)
            piped = bool(match.group(2) or match.group(3))
            pending = self.update_pending(host, package or "*") if package else (
                self.updates_published and "*" not in self.updated.get(host, ()))
            listed = "" if not pending else (f"{package}.noarch  (newer build)  updates" if package
                                             else "(newer builds of the installed packages)  updates")
            result.update(rc=0 if piped or not pending else 100, stdout=listed, stdout_lines=[listed] if listed else [])
            if result["rc"]:
                result["msg"] = "non-zero return code"
            return
        if match := _INSPECT_ID.fullmatch(line):
            image = self.image_id(host, match.group(2))
            if image is None:
                _fail(result, 125, f'Error: no such object: "{match.group(2)}"')
            else:
                result.update(stdout=image, stdout_lines=[image])
            return
        if (match := _PCS_IMAGE.fullmatch(line)) and match.group(1) in self.bundle_images:
            bundle = match.group(1)
            if self._runs_pacemaker(host) and self.world.has_resource(bundle):
                image = self.bundle_images[bundle]
                result.update(stdout=image, stdout_lines=[image])
        elif match := _PCS_CONFIG.fullmatch(line):
            resource = match.group(1)
            if resource not in _KNOWN_RESOURCES:
                return
            if not self._runs_pacemaker(host):
                _fail(result, 1, "Error: unable to get cib")
            elif not self.world.has_resource(BUNDLE_OF_RESOURCE.get(resource, resource)):
                _fail(result, 1, f"Error: unable to find resource '{resource}'")
        elif match := _SHOW_ACTIVE.fullmatch(line):
            running = self._unit_running(host, match.group(1).removesuffix(".service"))
            if running is False:  # grep finds no "active" in ActiveState=inactive|failed
                _fail(result, 1, "")
            elif running:
                result.update(stdout="ActiveState=active", stdout_lines=["ActiveState=active"])
        elif match := _IS_ACTIVE.fullmatch(line):
            unit = match.group(2).removesuffix(".service")
            running = self._unit_running(host, unit)
            if running is not None:
                state = "active" if running else "inactive"
                result.update(rc=0 if running else 3, stdout="" if match.group(1) else state,
                              stdout_lines=[] if match.group(1) else [state])
                if not running:
                    result["msg"] = "non-zero return code"

    def _runs_pacemaker(self, host: str) -> bool:
        """``host`` is up and an online member of the cluster (where pcs can read the CIB)."""
        node = self.world.nodes.get(host)
        return node is not None and node.up and host in self.world.pcs_members

    def container_exists(self, host: str, name: str) -> bool:
        node = self.world.nodes.get(host)
        if node is None or name not in node.containers:
            return False
        return node.containers[name] or name not in self.removed.get(host, ())

    def _unit_running(self, host: str, unit: str) -> bool | None:
        node = self.world.nodes.get(host)
        if node is None:
            return None
        if unit in ("pacemaker", "corosync") and host in self.world.pcs_all:
            return self._runs_pacemaker(host)
        name = unit.removeprefix("tripleo_")
        if name in node.containers:
            return node.up and node.containers[name]
        return None


def _image_id(name: str, build: str) -> str:
    return "sha256:" + hashlib.sha256(f"{name}\0{build}".encode()).hexdigest()


def _fail(result: MutableMapping[str, Any], rc: int, stderr: str) -> None:
    result.update(rc=rc, stderr=stderr, stderr_lines=[stderr] if stderr else [], msg="non-zero return code")


def _image_latest_facts(task_bodies: Iterable[Any]) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """Each literal ``<x>_image_latest: <name>`` of a plan's tasks (the value Heat resolved from the image
    parameters), with the mapping that sets it, in task order."""

    for body in task_bodies:
        for node in nested_mappings(body):
            for key, value in node.items():
                if isinstance(key, str) and isinstance(value, str) and key.endswith("_image_latest") \
                        and "{{" not in value:
                    yield node, key, value


def bundle_images(task_bodies: Iterable[Any]) -> dict[str, str]:
    """Each bundle's ``pcmklatest`` image name as a plan's tasks set it (``galera_image_latest: <name>``), by
    bundle."""
    out: dict[str, str] = {}
    for _, key, value in _image_latest_facts(task_bodies):
        if bundle := _IMAGE_FACT_BUNDLES.get(key.removesuffix("_image_latest").removesuffix("_docker")):
            out.setdefault(bundle, value)
    return out


def release_images(task_bodies: Iterable[Any]) -> dict[str, str]:
    """The image each ``pcmklatest`` name is tagged from in a plan's tasks: a mapping (``set_fact``, role ``vars``)
    that sets both ``<x>_image`` and ``<x>_image_latest`` (``galera_image``, Queens' ``docker_image``,
    ``tripleo_container_tag``'s ``container_image``), by the ``_latest`` value."""
    out: dict[str, str] = {}
    for fact, key, value in _image_latest_facts(task_bodies):
        image = fact.get(key.removesuffix("_latest"))
        if isinstance(image, str) and image and "{{" not in image:
            out.setdefault(value, image)
    return out


def deployed_images(plan: Plan, pcmklatest: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """The image names each node of a deployed ``plan`` holds: its role's docker_config images and, where the role
    runs a pacemaker bundle's service, the bundle's ``pcmklatest`` name (``pcmklatest``: by bundle)."""
    out: dict[str, frozenset[str]] = {}
    for role in plan.roles:
        names = set(role.images().values())
        if "pacemaker" in role.services:
            names |= {pcmklatest[b] for s, b in PACEMAKER_BUNDLES.items() if s in role.services and b in pcmklatest}
        out |= dict.fromkeys((n.name for n in role.nodes), frozenset(names))
    return out


_CONFIG_DATA = "/var/lib/config-data/puppet-generated/"
STARTUP_CONFIG = "/var/lib/tripleo-config/container-startup-config"
_STARTUP_FILES_MAJOR = 11  # Train's deploy step 1 writes one startup config file per step and container


def startup_config_files(plan: Plan, role: Role) -> dict[str, bool]:
    """The startup config file of each container of ``role``'s docker_config, by step, that deploy step 1's
    ``container_startup_config`` writes (Train on; none before): path -> False (a file)."""
    major = release_major(plan.release)
    if major is not None and major < _STARTUP_FILES_MAJOR:
        return {}
    return {f"{STARTUP_CONFIG}/{step}/{name}.json": False for step, defs in role.docker_config.items()
            if str(step).startswith("step_") and isinstance(defs, Mapping) for name in defs}


def deployed_files(plan: Plan) -> dict[str, dict[str, bool]]:
    """Paths each node of a deployed ``plan`` holds that the model knows of (path -> is a directory): the network
    configuration os-net-config applied at deploy (``/etc/os-net-config/config.json``), what its containers
    mount: each service's generated configuration (``/var/lib/config-data/puppet-generated/<service>``) and each
    container's Kolla config file, and from Train on each container's startup config
    (``/var/lib/tripleo-config/container-startup-config/step_<N>/<container>.json``, deploy step 1's
    ``container_startup_config``)."""
    out: dict[str, dict[str, bool]] = {}
    for role in plan.roles:
        held = {"/etc/os-net-config/config.json": False, **startup_config_files(plan, role)}
        for _, volume in role.mounts():
            source = volume.split(":", 1)[0]
            if source.startswith(_CONFIG_DATA) and (name := source[len(_CONFIG_DATA):].split("/")[0]):
                held[_CONFIG_DATA + name] = True
            elif source.startswith("/var/lib/kolla/config_files/") and source.endswith(".json"):
                held[source] = False
        for node in role.nodes:
            out[node.name] = dict(held)
    return out
