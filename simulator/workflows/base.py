"""What the deploy, update and upgrade workflows share.

Tasks are interpreted by :mod:`fakes.ansible` against a plan; each executed host-task takes a virtual duration
sampled from the timing profile by its effects, and its effects change the world at the moment it ends.
Host-tasks of one play are laid out per host (hosts run in parallel under the free strategy; under the linear
strategy a task starts on its hosts once the previous task has ended on all of them) and then replayed in time
order, so the trace is in simulated-time order (:mod:`.timeline`).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from fakes.ansible import (
    ModuleCall,
    Runner,
    TagSelection,
    canned_result,
    tripleo_plugins,
)
from fakes.ansible.effects import Effect
from fakes.ansible.roles import ROLE_CATALOGUE
from fakes.heat.lifecycle import find_resource
from simulator.core import Fault, FaultScheduler, RngTree, Trace, cyclic_gc_paused
from simulator.inventory import UNDERCLOUD, build_inventory, os_major_of
from simulator.plan import Plan, Role, release_major
from simulator.planning import converge_runs_deploy
from simulator.scenario import BMC_FAULT_KINDS
from simulator.timing import TimingProfile
from simulator.world import (
    NodeState,
    StaleReplica,
    World,
    api_units,
    vip_resources,
)

from .answers import (
    STARTUP_CONFIG,
    HostAnswers,
    bundle_images,
    deployed_files,
    deployed_images,
    release_images,
    startup_config_files,
)
from .containers import (
    config_hashes,
    docker_config_files,
    expected_running,
    ha_wrapper_volumes,
    hiera_hash,
    host_api_units,
    kolla_hashes,
    kolla_source,
    partition_handling,
    role_bundles,
    task_bodies,
)
from .ha import HaWrapper
from .stack import Deploy, stack_operation
from .timeline import Failure, Timeline

__all__ = ["Failure", "PhaseSpan", "Simulation"]


@dataclass(frozen=True)
class PhaseSpan:
    name: str
    start: float
    end: float


class Simulation(HaWrapper, Timeline):
    """What every workflow shares: virtual time, the trace, the world, the Ansible runner laid out in time,
    durations from the timing profile, faults. Subclasses define ``_workflow`` and ``_default_order``."""

    kind = "run"

    def __init__(self, source: Plan, target: Plan, *, timing: TimingProfile, seed: int,
                 order: Sequence[Sequence[str]] | None = None, faults: Sequence[Fault] = (),
                 progress: Callable[[str], None] | None = None, system_upgrade: bool = False,
                 converge: Plan | None = None, external_update_tags: Sequence[str] = (),
                 skip_tags: Sequence[str] = ()):
        self.source, self.target, self.timing = source, target, timing
        self.external_update_tags = tuple(external_update_tags)
        self.skip_tags = tuple(skip_tags)  # the operator's --skip-tags on each `update run`/`upgrade run`
        # the plan of the converge (its lifecycle environment resets what the prepare's set); the target's if None
        self.converge_plan = converge if converge is not None else target
        self.system_upgrade = system_upgrade
        self.progress = progress
        self.env = simpy.Environment()
        self.trace = Trace()
        self.rng_tree = RngTree(seed)
        self._rng = self.rng_tree.child("durations").random()
        self.faults = tuple(faults)
        for fault in self.faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"faults: expected simulator.core.Fault objects, found {fault!r}")
        self.world = self._initial_world()
        # stat, pcs resource config, systemctl is-active, image ids, ... answered from the model
        pcmklatest = bundle_images(task_bodies(source))
        self.answers = HostAnswers(self.world, pcmklatest, bundle_images(task_bodies(target)),
                                   deployed_images(source, pcmklatest), deployed_files(source),
                                   release_images(task_bodies(target)))
        self.answers.updates_published = self.kind in ("update", "upgrade")
        self.world.track_replicas(self.answers.replica_image, self.answers.release_image)
        # a major upgrade changes OVN's version, a minor update its build: its controllers must not fall behind its
        # databases
        self.world.ovn_order = self.kind == "update" or (self.kind == "upgrade" and source.release != target.release)
        self._vip_rng = self.rng_tree.child("vip").random()  # its own stream: the durations' stays as it was
        self.world.track_vip(self._schedule_vip_move)
        # hosts run the source release's OS until a leapp system upgrade reboots them into the target's
        self.os_major = {n.name: os_major_of(source.release) for r in target.roles for n in r.nodes}
        self.inventory = build_inventory(target, os_major=self.os_major)
        # TripleO releases up to 18.0.0 ran ansible-core < 2.19: non-boolean conditionals count by truthiness
        self.templar = tripleo_plugins.tripleo_templar(docker_config_files(target))
        self.order = [list(b) for b in order] if order else self._default_order()
        self.phases: list[PhaseSpan] = []
        self.failures: list[Failure] = []
        self.task_count = 0
        self.interpret_seconds = 0.0  # wall-clock time spent interpreting Ansible (and laying out its durations)
        # when the host-task being interpreted started, by play host: the free strategy interprets a host's task
        # after the next hosts' tasks were laid out, so the last start laid out may be another host's
        self._task_starts: dict[str, float] = {}
        # images each node has pulled in this run: pulling one again (THT pre-fetches every image at update or
        # upgrade step 5 and again at deploy step 1, with force) finds its layers present
        self._pulled: dict[str, set[str]] = {}
        self._os_upgrading = False
        # module calls a fault kept from acting (unreachable host, injected failure), by id: they change nothing
        # (held here, so that no other call can get the same id while it is listed)
        self._not_run: dict[int, ModuleCall] = {}
        # the task_failed and heat_resource_failed faults that failed something, by id (see unapplied_faults)
        self.applied_faults: set[int] = set()
        # the generated config tripleo_ha_wrapper last saw on a host, by (host, bundle): the source's until the
        # wrapper runs there in this run
        self._ha_config: dict[tuple[str, str], str] = {}
        self._ha_volumes = ha_wrapper_volumes(target)
        # each bundle's generated config on a host (by (host, bundle)) and when deploy step 1 last changed it
        self._bundle_disk: dict[tuple[str, str], str] = {}
        self._bundle_written: dict[tuple[str, str], float] = {}
        # when each background job (async, poll: 0) ends, by (host, job id): async_status waits for it
        self._job_ends: dict[tuple[str, str], float] = {}
        self.deploy_identifier = 0  # how many stack operations this run has started (each sets a new identifier)
        self._phase_name = ""

    # ---- set-up ----------------------------------------------------------------------------------------
    def _initial_world(self) -> World:
        nodes = []
        pcs_nodes: list[str] = []
        bundles: set[str] = set()
        for role in self.source.roles:
            containers = sorted({c for names in role.containers.values() for c in names})
            if not containers:  # a baremetal (puppet) deployment: the API services are systemd units
                containers = api_units(role.services)
            image_refs, kolla, hiera = role.images(), kolla_hashes(role), hiera_hash(role)
            for node in role.nodes:
                nodes.append(NodeState(node.name, role.name, role.services, "source",
                                       containers=dict.fromkeys(containers, True),
                                       images=dict.fromkeys(containers, "source"), image_refs=dict(image_refs),
                                       kolla=dict(kolla), hiera=hiera))
                if "pacemaker" in role.services:
                    pcs_nodes.append(node.name)
            bundles |= role_bundles(role)
        # containers that run to completion: defined, in either release, only without `restart: always`
        defined: set[str] = set()
        services: set[str] = set()
        for role in (*self.source.roles, *self.target.roles):
            for step in role.docker_config.values():
                for name, definition in (step.items() if isinstance(step, Mapping) else ()):
                    defined.add(name)
                    if isinstance(definition, Mapping) and definition.get("restart") == "always":
                        services.add(name)
        return World(self.trace, nodes, pacemaker_nodes=pcs_nodes, bundles=sorted(bundles),
                     oneshot=defined - services, vips=vip_resources(self.source.vip_map),
                     rabbitmq_partition_handling=partition_handling(self.source))

    def run(self) -> None:
        """Run the workflow to its end (the run ends with it: later fault events, or a failed stack's cancelled
        resources, do not move the clock past it). The cyclic garbage collector is paused meanwhile
        (:mod:`simulator.core.gcpause`)."""
        with cyclic_gc_paused():
            self.env.run(until=self.start())
            self.world.finish(self.env.now)

    def start(self) -> simpy.Process:
        """Validate the faults, schedule them and start the workflow; the caller advances ``env`` (see
        :class:`simulator.session.Session` to step through a run)."""
        for fault in self.faults:
            problem = self.fault_problem(fault)
            if problem is not None:
                raise ValueError(f"fault {fault.kind} at t={fault.at:.0f}: expected {problem[1]}, found {problem[2]}")
        scheduler = FaultScheduler(self.env, self.trace, self.faults)
        scheduler.on("node_crash", lambda f, active: (self.world.hold_down if active else self.world.release)(
            f.target, "crash", self.env.now, "crash" if active else "recovered"))
        scheduler.on("heat_resource_failed", lambda f, active: None)  # read by the stack operation when it ends
        scheduler.on("task_failed", lambda f, active: None)  # read when a matching task runs (_effects)
        for kind in BMC_FAULT_KINDS:  # the deploy hands them to the BMCs it provisions through
            scheduler.on(kind, lambda f, active: None)
        scheduler.start()
        return self.env.process(self._workflow())

    def fault_problem(self, fault: Fault) -> tuple[str, str, str] | None:
        """Why ``fault`` cannot apply to this run, as (its field at fault: ``target`` or ``task``, what it should be,
        what it is); None if it can."""
        if fault.kind == "heat_resource_failed":
            # Ocata's and Pike's upgrade-steps stack (ControllerUpgrade_Step2, AllNodesPostUpgradeSteps) too
            if any(find_resource(resources, fault.target) for plan in (self.source, self.target)
                   for resources in (plan.stack_resources, plan.heat_upgrade_steps)):
                return None
            resources = sorted({r.name for plan in (self.source, self.target) for r in plan.stack_resources})
            return ("target", f"a resource of the overcloud stack ({', '.join(resources[:12])}, ...; a nested one as "
                    "Controller.0.NetworkDeployment)", repr(fault.target))
        if fault.kind in BMC_FAULT_KINDS:
            machines = self.machine_names()
            if not machines:
                return "kind", "a fault of a deploy's run (BMC faults act on provisioning)", repr(fault.kind)
            if fault.target not in machines:
                return "target", f"a machine the deploy provisions ({listing(machines)})", repr(fault.target)
            return None
        if fault.target not in self.world.nodes:
            return "target", f"a node of the layout ({listing(self.world.nodes)})", repr(fault.target)
        if fault.kind == "task_failed" and not isinstance(fault.params.get("task"), str):
            return "task", "a task name or glob in its params ({'task': ...})", repr(fault.params.get("task"))
        names = self._task_names() if fault.kind == "task_failed" else []
        if names and not any(_could_match(n, fault.params["task"]) for n in names):
            return "task", f"a task name of the plans, or a glob matching one ({listing(names, 3)})", \
                repr(fault.params["task"])
        return None

    def machine_names(self) -> list[str]:
        """The bare metal machines the run provisions (none but in a deploy)."""
        return []

    def _task_names(self) -> list[str]:
        """The names of every task of both plans (nested in blocks too) and of the tripleo-ansible roles they call."""
        names = {f"{role} : {t['name']}" for role, model in ROLE_CATALOGUE.items()
                 for tasks in model.entry_points.values() for t in tasks if isinstance(t.get("name"), str)}

        def walk(node: Any) -> None:
            if isinstance(node, Mapping):
                if isinstance(node.get("name"), str):
                    names.add(node["name"])
                for key in ("block", "rescue", "always"):
                    walk(node.get(key))
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        for plan in (self.source, self.target):
            walk(task_bodies(plan))
        return sorted(names)

    def _phase(self, name: str, body: Generator[Any, Any, None]) -> Generator[Any, Any, None]:
        start = self.env.now
        self.trace.record(start, "phase.start", name)
        self._phase_name = name
        if self.progress:
            self.progress(f"t={start:>7.0f}s  {name} ({self.task_count} host-tasks so far)")
        self._advance(0.0)
        yield from body
        self.trace.record(self.env.now, "phase.end", name, failed=bool(self.failures))
        self.phases.append(PhaseSpan(name, start, self.env.now))
        self._advance(0.0)  # the next phase's start

    def _planned_phases(self) -> int:
        """How many phases the workflow will run (for the progress bar)."""
        return 1

    def _advance(self, within: float) -> None:
        """Report progress: ``within`` (0..1) of the current phase done."""
        fraction = getattr(self.progress, "fraction", None)
        if fraction is not None:
            done = (len(self.phases) + min(within, 0.999)) / max(self._planned_phases(), 1)
            fraction(done, f"{self._phase_name} (t={self.env.now:.0f}s, {self.task_count} host-tasks)")

    def _wait(self, duration: str) -> Generator[Any, Any, None]:
        yield self.env.timeout(self.timing.phase(duration).sample(self._rng))

    def _stack(self, plan: Plan, action: str, *, before: Plan | None = None, config_download: bool = True,
               deploy: Deploy | None = None) -> Generator[Any, Any, None]:
        """A Heat stack operation on ``plan``'s overcloud stack (an UPDATE of ``before``'s: the resources whose
        definition did not change are left alone), then (unless it failed) the config-download export that
        tripleoclient runs after it."""
        self.deploy_identifier += 1  # tripleoclient's DeployIdentifier: new for each stack operation
        failed = yield from stack_operation(self, plan.stack_resources, action, deploy=deploy,
                                            before=before.stack_resources if before is not None else None)
        if not failed and config_download:
            yield from self._wait("config_download")

    def _deploy_playbook(self, hosts: Sequence[str]) -> Generator[Any, Any, None]:
        """config-download's deploy playbook on ``hosts``: host_prep_tasks, then the deploy steps with their
        containers (a container whose release, image and config are unchanged keeps running)."""
        yield from self._steps_run(self._runner(hosts), self._roles_in(hosts), DEPLOY_SEQUENCE)

    def _converge(self) -> Generator[Any, Any, None]:
        """``upgrade converge`` / ``update converge``: the stack update with the converge's plan (the target's
        templates, the converge environment first: ``converge_plan``) against the prepared stack; from Rocky on (a
        whole ``overcloud deploy``) then the deploy playbook, from that plan, on every node."""
        yield from self._stack(self.converge_plan, "UPDATE", before=self.target)
        if self.converge_plan is not self.target:
            self._use_plan(self.converge_plan)
        if not self.failures and converge_runs_deploy(self.target.release):
            yield from self._deploy_playbook([n.name for r in self.target.roles for n in r.nodes])

    def _use_plan(self, plan: Plan) -> None:
        """The stack now holds ``plan`` (the converge's): the playbooks and their inventory come from it."""
        self.target = plan
        self.inventory = build_inventory(plan, os_major=self.os_major)
        tripleo_plugins.use_files(self.templar, docker_config_files(plan))

    def _puppet_steps(self, hosts: Sequence[str]) -> Generator[Any, Any, str | None]:
        """Puppet steps 1-5 on ``hosts`` (Ocata-era deployments; in parallel, each step a barrier). Puppet is not
        interpreted: a step takes ``puppet_step`` from the timing profile; a controller joins the pacemaker
        cluster at step 1 and a node's API units run (at the target release) after step 4, where
        puppet-tripleo's profiles start them. Returns None, or why a step failed (a node unreachable)."""
        self._write_config(self._roles_in(hosts), "hiera")  # the stack's deployments deliver the hieradata puppet reads
        for step in _PUPPET_STEPS:
            t0 = self.env.now
            laid = sorted((t0 + self.timing.phase("puppet_step").sample(self._rng), h) for h in hosts
                          if self._node_fault(h, t0) is None)
            # a node that crashes while its puppet runs never reports the step done
            ends = [(end, h) for end, h in laid if self._crash_within(h, t0, end) is None]
            for end, host in ends:
                if end > self.env.now:
                    yield self.env.timeout(end - self.env.now)
                self.trace.record(end, "puppet.step", host, step=step)
                if step == 1 and host in self.world.pcs_all and host not in self.world.pcs_members:
                    self.world.pcs_members.add(host)
                    self.world.refresh(end)
                if step == _SERVICES_STARTED_AT_PUPPET_STEP:
                    node = self.world.nodes[host]
                    units = [u for u in api_units(node.services) if u in node.containers]
                    if units:
                        self.world.start_containers(host, units, "target", end)
            if len(ends) < len(hosts):
                down = sorted(set(hosts) - {h for _, h in ends})
                return f"puppet step {step}: {', '.join(down)} unreachable"
        return None

    def _workflow(self) -> Generator[Any, Any, None]:
        raise NotImplementedError

    def _default_order(self) -> list[list[str]]:
        raise NotImplementedError

    def _steps_run(self, runner: Runner, roles: list[tuple[Role, list[str]]],
                   sequence: Sequence[str]) -> Generator[Any, Any, None]:
        """Run role_data ``sequence`` keys step by step over ``roles``' hosts, as one playbook run: a play per
        role per step (``tripleo_free``, ``any_errors_fatal``, ``step`` set); deploy steps also start the
        step's containers (and at step 4 the API units of services left on the host, see
        :func:`host_api_units`). Stops at the first failure."""
        if runner.tags.should_run(()):  # the playbooks open with THT's hiera_steps_tasks (untagged): the hieradata
            self._write_config(roles, "hiera")
        for keys_done, key in enumerate(sequence):
            steps = sorted({s for role, _ in roles for s in role.tasks.get(key, {})}, key=_step_order)
            if key == "deploy_steps_tasks":
                steps = sorted(set(steps) | {s for role, _ in roles for s in role.containers}, key=_step_order)
            for index, step in enumerate(steps):
                self._advance((keys_done + index / max(len(steps), 1)) / len(sequence))
                # every host of the run runs the step's common tasks (the config_step hieradata, its containers):
                # from Train on first in the step's play, in Queens after the roles' tasks, in a play of their own
                common_first = _common_tasks_first(self.target.release)
                if key == "deploy_steps_tasks" and step.isdigit() and step != "0" and common_first \
                        and self._unreachable_hosts(roles, label=key, step=step):
                    return
                plays = []
                for role, hosts in roles:
                    tasks = [t.body for t in role.tasks.get(key, {}).get(step, ())]
                    if tasks:
                        play: dict[str, Any] = {"hosts": ":".join(hosts), "name": f"{key} step {step}",
                                                "strategy": "free", "any_errors_fatal": True, "tasks": tasks}
                        if step != "all":
                            play["vars"] = {"step": int(step)}
                        plays.append(play)
                if plays:
                    step_runner = runner
                    if step != "all" and self._by_tags(key):  # Ocata/Pike: `ansible-playbook --tags common,stepN`
                        step_runner = self._runner([h for _, hosts in roles for h in hosts],
                                                   tags=("common", f"step{step}"), skip_tags=runner.tags.skip)
                    yield from self._run_plays(step_runner, plays, key, step)
                if key == "deploy_steps_tasks" and step.isdigit() and step != "0" and not common_first \
                        and not self.failures and self._unreachable_hosts(roles, label=key, step=step):
                    return
                # deploy-steps start the step's containers in tasks tagged container_startup_configs: a run limited
                # to other tags (`upgrade run --tags system_upgrade`) starts none
                if key == "deploy_steps_tasks" and not self.failures and runner.tags.should_run(_CONTAINER_START_TAGS):
                    if step == "1":
                        self._write_config(roles, "kolla")
                        self._puppet_starts_pacemaker([h for _, hosts in roles for h in hosts])
                    yield from self._start_containers(roles, step)
                    if step == str(_SERVICES_STARTED_AT_PUPPET_STEP) and not self.failures:
                        self._host_puppet(roles)
                if self.failures:
                    return

    def _image_prepare(self) -> Generator[Any, Any, None]:
        """The target's images (those its layout's containers run) copied to the undercloud registry: the first
        alone, the rest on ``IMAGE_UPLOAD_WORKERS`` threads, each thread taking the next image when it is free."""
        images = sorted({image for role in self.target.roles if role.nodes for image in role.images().values()})
        yield from self._wait("container_image_prepare")
        upload = self.timing.phase("container_image_upload")
        durations = [upload.sample(self._rng) for _ in images]
        free = [durations[0] if durations else 0.0] * IMAGE_UPLOAD_WORKERS
        for d in durations[1:]:
            free[free.index(min(free))] += d
        yield self.env.timeout(max(free))
        self.trace.record(self.env.now, "undercloud.images", "undercloud", images=len(images),
                          workers=IMAGE_UPLOAD_WORKERS)

    def _external_run(self, key: str, tags: Sequence[str]) -> Generator[Any, Any, None]:
        """``openstack overcloud external-upgrade run --tags ...`` (``key`` external_upgrade_tasks) or the like: the
        external steps playbook on the undercloud, a play per step with ``step`` set (``tripleo_free``,
        ``any_errors_fatal``), each the union of every role's tasks for the step in role order (the stack merges
        them, dropping repeats); its tasks act on the overcloud nodes through ``delegate_to``."""
        inventory = build_inventory(self.target, os_major=self.os_major, undercloud=True)
        runner = Runner(inventory, effects=self._effects, limit=[UNDERCLOUD], templar=self.templar,
                        extra_vars={"ansible_limit": UNDERCLOUD}, tags=TagSelection.of(tags))
        steps = sorted({s for role in self.target.roles for s in role.tasks.get(key, {})}, key=_step_order)
        for step in steps:
            tasks: list[Any] = []
            seen: set[str] = set()
            for role in self.target.roles:
                for task in role.tasks.get(key, {}).get(step, ()):
                    text = json.dumps(task.body, sort_keys=True, default=str)
                    if text not in seen:
                        seen.add(text)
                        tasks.append(task.body)
            if not tasks:
                continue
            play: dict[str, Any] = {"hosts": UNDERCLOUD, "name": f"External {key} step {step}", "strategy": "free",
                                    "any_errors_fatal": True, "become": False, "tasks": tasks}
            if step != "all":
                play["vars"] = {"step": int(step)}
            yield from self._run_plays(runner, [play], key, step)
            if self.failures:
                return

    def _by_tags(self, key: str) -> bool:
        """Whether the target release selects ``key``'s steps by tags (a separate Ansible run per step)."""
        return any(p.key == key and p.by_tags for p in self.target.phases)

    def _runner(self, batch: Sequence[str], tags: Sequence[str] = (), skip_tags: Iterable[str] = ()) -> Runner:
        selection = TagSelection.of(tags, skip_tags) if tags or skip_tags else None
        return Runner(self.inventory, effects=self._effects, limit=list(batch), templar=self.templar,
                      extra_vars={"ansible_limit": ":".join(batch)}, tags=selection)

    def _roles_in(self, batch: Sequence[str]) -> list[tuple[Role, list[str]]]:
        out = []
        for role in self.target.roles:
            hosts = [n.name for n in role.nodes if n.name in batch]
            if hosts:
                out.append((role, hosts))
        return out

    def _effects(self, call: ModuleCall) -> Mapping[str, Any]:
        started = self._task_starts[call.host]  # laid out before its task runs (Timeline._run_plays)
        fault = self._node_fault(call.target, started)
        if fault is not None:
            self._not_run[id(call)] = call
            return {"failed": True, "unreachable": True, "rc": 255,
                    "msg": f"host {call.target} unreachable: {fault.kind} at t={fault.at:.0f}s"}
        # a tripleo-ansible role's task as the trace names it too ("tripleo_container_tag : Pull and tag image")
        shown = f"{call.task_path.split('/', 2)[1]} : {call.task_name}" if call.task_path.startswith("roles/") \
            else None
        fault = self._task_fault(call.target, call.task_name, started, shown)
        if fault is not None:
            self.applied_faults.add(id(fault))
            self._not_run[id(call)] = call
            msg = f"injected failure (task_failed at t={fault.at:.0f}s matching {fault.params['task']!r})"
            return {"failed": True, "changed": False, "rc": 1, "stdout": "", "stdout_lines": [], "stderr": msg,
                    "stderr_lines": [msg], "msg": msg}
        result = canned_result(call)
        if call.action == "async_status":
            # it polls at the task's start plus the `delay`s it slept so far: a job that has not ended by then runs
            end = self._job_ends.get((call.target, str(call.args.get("jid", ""))))
            if end is not None and started + call.waited < end:
                result["finished"] = False
        self.answers.answer(call, result)
        if call.action in ("find", "ansible.builtin.find"):  # the simulated hosts hold no files beyond the model
            result.update(files=[], matched=0, examined=0)
        if call.action in ("command", "shell"):
            line = call.args.get("_raw_params", call.args.get("cmd", call.args.get("argv", "")))
            line = " ".join(map(str, line)) if isinstance(line, list) else str(line)
            if _HIERA_BOOTSTRAP.search(line):  # the role's first node, as the stack writes it into hiera
                role = self.target.role_of(call.target)
                bootstrap = role.bootstrap_node.name if role and role.bootstrap_node else ""
                result.update(stdout=bootstrap, stdout_lines=[bootstrap] if bootstrap else [])
            structured = _OPENSTACK_LIST.search(line)
            if structured:  # the simulated cloud lists no such resources: an empty list in the asked format
                result["stdout"] = "[]\n" if structured.group(1) in ("yaml", "json") else ""
                result["stdout_lines"] = [result["stdout"].strip()] if result["stdout"] else []
        return result

    def unapplied_faults(self) -> list[Fault]:
        """The faults that failed nothing by now although they began: a ``task_failed`` fault no task of whose
        name ran a module on its node while it held (``set_fact``, ``debug``, ``assert`` and ``fail`` run none:
        Ansible runs them on its controller), a ``heat_resource_failed`` one no resource of whose name ended then
        (and, in a deploy, a BMC fault that began once provisioning ended)."""
        return [f for f in self.faults if f.kind in ("task_failed", "heat_resource_failed")
                and f.at <= self.env.now and id(f) not in self.applied_faults]

    def left_stopped(self) -> list[tuple[str, str]]:
        """What the target layout runs but is not running at the end of the run: ``(node, container or unit)``
        and ``("pacemaker", resource)``. Empty for a run that failed (it stopped part-way)."""
        if self.failures:
            return []
        roles = {r.name: r for r in self.target.roles}
        out = [(node.name, name) for node in self.world.nodes.values() if node.role in roles
               for name in sorted(expected_running(roles[node.role])) if node.containers.get(name) is False]
        return out + [("pacemaker", r) for r, on in sorted(self.world.pcs_resources.items()) if not on]

    def _schedule_vip_move(self, arrive: Callable[[float], None]) -> None:
        """Pacemaker moves the VIPs (IPaddr2 stop and start, gratuitous ARP): ``arrive`` when it is done."""
        delay = self.timing.phase("vip_move").sample(self._vip_rng)

        def move() -> Generator[Any, Any, None]:
            yield self.env.timeout(delay)
            arrive(self.env.now)

        self.env.process(move())

    def stale_replicas(self) -> list[StaleReplica]:
        """Bundle replicas not on the build they should run at the end of the run (see
        :meth:`simulator.world.World.stale_replicas`). Empty for a run that failed."""
        return [] if self.failures else self.world.stale_replicas()

    def _task_fault(self, host: str, task: str, at: float, shown: str | None = None) -> Fault | None:
        """A ``task_failed`` fault that fails ``task`` on ``host`` when it starts at ``at``: the fault's task name
        or glob matches it (or ``shown``, the name with its role as the trace shows it) and ``at`` is in its
        window."""
        for f in self.faults:
            if f.kind == "task_failed" and f.target == host and f.active(at) and (
                    fnmatch.fnmatchcase(task, f.params["task"])
                    or (shown is not None and fnmatch.fnmatchcase(shown, f.params["task"]))):
                return f
        return None

    def _crash_within(self, host: str, start: float, end: float) -> Fault | None:
        """The first ``node_crash`` of ``host`` that begins while a task runs there, after its ``start`` and before
        its ``end``, or None."""
        crashes = [f for f in self.faults if f.kind == "node_crash" and f.target == host and start < f.at < end]
        return min(crashes, key=lambda f: f.at, default=None)

    def _unreachable_hosts(self, roles: list[tuple[Role, list[str]]], *, label: str, step: str) -> bool:
        """The step's first common task (``Write the config_step hieradata``) on each host of the run: a host a
        crash holds down fails it as unreachable. True if one did."""
        now = self.env.now
        task = ("Write the config_step hieradata for the deploy step {} tasks" if _common_tasks_first(
            self.target.release) else "Write the config_step hieradata").format(step)
        down = [(h, f) for _, hosts in roles for h in hosts if (f := self._node_fault(h, now)) is not None]
        for host, fault in down:
            self._unreachable(host, now, fault, label, step, task)
        return bool(down)

    def _unreachable(self, host: str, at: float, fault: Fault, label: str, step: str, task: str) -> None:
        """A host-task Ansible could not run: ``host`` unreachable at ``at`` (a crash), the run fails there."""
        error = f"host {host} unreachable: {fault.kind} at t={fault.at:.0f}s"
        self.task_count += 1
        self.trace.record(at, "task", host, task=task, phase=label, step=step, status="failed",
                          start=round(at, 6), error=error)
        self.failures.append(Failure(at, host, label, step, task, error))

    def _node_fault(self, host: str, at: float) -> Fault | None:
        for f in self.faults:
            if f.target == host and f.kind == "node_crash" and f.active(at):
                return f
        return None

    def _apply_effects(self, host: str, effects: Sequence[Effect], end: float, label: str) -> None:
        """The effects of a task that ran on ``host`` (or of a background job it launched), when it ended."""
        for effect in effects:
            if effect.kind == "reboot":
                self.world.release(host, "reboot", end, "rebooted")
            elif effect.kind == "container_manage":
                self._manage_containers(effect, end)
            self.world.apply(effect, end)
            if effect.kind == "reboot" and label == "upgrade_tasks" and self._os_upgrading:
                # leapp's upgrade completes in this reboot (THT's system_upgrade_run): the host boots the new OS,
                # whose container runtime has none of the old release's containers (the upgrade run's deploy steps
                # start the new ones)
                self.os_major[host] = os_major_of(self.target.release)
                self.world.stop_containers(host, end, "os upgraded")
                self.answers.os_upgraded(host)

    def _manage_containers(self, effect: Effect, now: float) -> None:
        """tripleo_container_manage (the module) on a host: each container whose startup config file in the
        directory matches the pattern there (:meth:`HostAnswers.exists`' files: what the last deploy steps wrote)
        runs again, from the definition with its image overridden where the call says. An image the target plan's
        containers run is the target release's, one the source's run the source's; without an override the
        container keeps its release. A container whose release does not change is left alone."""
        node = self.world.nodes.get(effect.host)
        if node is None or not node.up:
            return
        directory, _, pattern = effect.target.rpartition("/")
        prefix = directory + "/"
        files = sorted(p[len(prefix):] for p in self.answers.files.get(effect.host, {})
                       if p.startswith(prefix) and "/" not in p[len(prefix):])
        overrides = dict(pair.split("=", 1) for pair in effect.detail.split(",") if "=" in pair)
        for name in (f.removesuffix(".json") for f in files if fnmatch.fnmatchcase(f, pattern)):
            image = overrides.get(name)
            release = node.images.get(name, "source") if image is None else self._image_release(effect.host, image)
            self.world.start_containers(effect.host, [name], release, now,
                                        image_refs={name: image} if image is not None else None)

    def _image_release(self, host: str, image: str) -> str:
        """The release of a container image (name:tag) on ``host``: the target's where the target plan's role of
        the host runs it, the source's where the source plan's does, else the target's (named for this run)."""
        for plan, release in ((self.target, "target"), (self.source, "source")):
            role = plan.role_of(host)
            if role is not None and image in role.images().values():
                return release
        return "target"

    def _host_puppet(self, roles: list[tuple[Role, list[str]]]) -> None:
        """The deploy steps' puppet run on the host (not interpreted): at step 4 puppet-tripleo's profiles start
        the API services a containerized role still runs on the host (Pike's docker environment leaves Cinder's
        API under httpd)."""
        for role, hosts in roles:
            units = host_api_units(role)
            for host in hosts:
                if units and self.world.nodes[host].up:
                    self.world.start_containers(host, units, "target", self.env.now)

    def _puppet_starts_pacemaker(self, hosts: Sequence[str]) -> None:
        """Deploy step 1's host puppet run (not interpreted): puppet-tripleo's pacemaker profile sets the cluster up
        and starts it where it does not run (``pcs cluster start --all`` unless ``pcs status`` succeeds). Where no
        node of the cluster runs it (Train's leapp upgrade after the data transfer stopped it everywhere:
        ``cluster_recreate``), the nodes starting it form a new cluster."""
        for host in hosts:
            if host in self.world.pcs_all and host not in self.world.pcs_members and self.world.nodes[host].up:
                self.world.join_cluster(host, self.env.now, "deploy step 1 puppet (pacemaker profile)")

    def _write_config(self, roles: list[tuple[Role, list[str]]], part: str) -> None:
        """Write the hieradata (``part`` "hiera": THT's hiera_steps_tasks) or every container's Kolla config file
        ("kolla": deploy step 1's "Write kolla config json files") of ``roles``' hosts that are up."""
        for role, hosts in roles:
            written: dict[str, Any] = {"hiera": hiera_hash(role)} if part == "hiera" else {"kolla": kolla_hashes(role)}
            for host in hosts:
                if self.world.nodes[host].up:
                    self.world.write_config(host, self.env.now, **written)
                    if part == "kolla":
                        self._write_bundle_configs(role, host)
                        self._write_startup_configs(role, host)

    def _write_startup_configs(self, role: Role, host: str) -> None:
        """Deploy step 1's ``container_startup_config`` writes the role's startup config files, per step and
        container, in place of those the host held (what ``stat`` and tripleo_container_manage find there)."""
        held = self.answers.files.setdefault(host, {})
        for path in [p for p in held if p.startswith(STARTUP_CONFIG + "/")]:
            del held[path]
        held |= startup_config_files(self.target, role)

    def _start_containers(self, roles: list[tuple[Role, list[str]]], step: str) -> Generator[Any, Any, None]:
        t0 = self.env.now
        ends: list[tuple[float, str, tuple[str, ...], str]] = []
        configs: dict[str, dict[str, str]] = {}
        images: dict[str, dict[str, str]] = {}
        definitions: dict[str, Mapping[str, Any]] = {}
        bootstraps: dict[str, str | None] = {}
        kolla: dict[str, Mapping[str, Any]] = {}
        lost: list[tuple[float, str, Fault]] = []  # hosts Ansible finds unreachable at the step's container task
        for role, hosts in roles:
            names = role.containers.get(step, ())
            if not names:
                continue
            bootstraps[role.name] = role.bootstrap_node.name if role.bootstrap_node else None
            kolla[role.name] = role.kolla_config
            configs[role.name] = config_hashes(role, step, self.deploy_identifier)
            definitions[role.name] = role.step_config(step)
            images[role.name] = role.images(step)
            for host in hosts:
                if (fault := self._node_fault(host, t0)) is not None:  # the step's container task: unreachable
                    lost.append((t0, host, fault))
                    continue
                # tripleo_container_manage leaves a container whose release and config are unchanged alone
                cost = sum(self.timing.phase("container_start" if self.world.needs_start(
                    host, name, "target", configs[role.name].get(name)) else "container_unchanged").sample(self._rng)
                    for name in names)
                if (crash := self._crash_within(host, t0, t0 + cost)) is None:
                    ends.append((t0 + cost, host, names, role.name))
                else:  # a node that crashes meanwhile starts none, and Ansible loses it
                    lost.append((crash.at, host, crash))
        task = _container_task(self.target.release, step)
        events: list[tuple[float, str, tuple[str, ...], str, Fault | None]] = [
            (end, host, names, role_name, None) for end, host, names, role_name in ends]
        events += [(at, host, (), "", fault) for at, host, fault in lost]
        for end, host, names, role_name, lost_to in sorted(events, key=lambda e: e[:2]):
            if end > self.env.now:
                yield self.env.timeout(end - self.env.now)
            if lost_to is not None:
                self._unreachable(host, end, lost_to, "deploy_steps_tasks", step, task)
                continue
            for name in names:  # Queens: a container that tags the bundle's pcmklatest image (before the bundles
                if name.endswith("_image_tag"):  # it precedes by start_order are created from it)
                    self.answers.tag_container(host, name, definitions[role_name].get(name))
            # a db sync wrapped in bootstrap_host_exec runs its command on the service's bootstrap node only (the
            # role's first node, as the stack writes <service>_short_bootstrap_node_name): elsewhere it syncs nothing
            idle = [n for n in names if n.endswith("db_sync") and host != bootstraps[role_name]
                    and _bootstrap_only(kolla[role_name], n, definitions[role_name].get(n))]
            self.world.start_containers(host, names, "target", end, configs[role_name], images[role_name], idle=idle)


def _common_tasks_first(release: str) -> bool:
    """From Train (THT 11) on, a deploy step's play opens with the common ``config_step`` task on every host;
    Queens runs the common tasks in a play after the roles' tasks."""
    return (release_major(release) or 0) >= 11


def _container_task(release: str, step: str) -> str:
    """The name of the deploy step's task that starts its containers (common/deploy-steps-tasks.yaml)."""
    major = release_major(release) or 0
    if major >= 12:
        return f"Manage containers for step {step} with tripleo-ansible"
    return f"Start containers for step {step} using paunch" if major == 11 else f"Start containers for step {step}"


# tripleo-common's uploader: max(2, CPUs // 2) threads (later releases CPUs - 1); an undercloud has 8 cores at the
# documented minimum
IMAGE_UPLOAD_WORKERS = 4
DEPLOY_SEQUENCE = ("host_prep_tasks", "deploy_steps_tasks")  # the deploy playbook's role_data keys, in order
_PUPPET_STEPS = (1, 2, 3, 4, 5)
_SERVICES_STARTED_AT_PUPPET_STEP = 4
_CONTAINER_START_TAGS = frozenset({"container_startup_configs"})
_HIERA_BOOTSTRAP = re.compile(r"\bhiera\b.*\bbootstrap_nodeid\b")
_OPENSTACK_LIST = re.compile(r"\bopenstack\s+.*\blist\b.*(?:-f|--format)[\s=]+(yaml|json|value|csv)")


def listing(names: Any, shown: int = 8) -> str:
    """Names for an error message: the first ``shown``, sorted, and how many there are in all."""
    names = sorted(names)
    more = f", ... ({len(names)} in all)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def _bootstrap_only(kolla_config: Mapping[str, Any], name: str, definition: Any) -> bool:
    """Whether container ``name`` runs its command through ``bootstrap_host_exec`` (on its service's bootstrap node
    only): in its docker_config ``command``, or in the Kolla config file it mounts as ``config.json`` (14.3.0's
    ``cinder_api_db_sync.json``: ``/usr/bin/bootstrap_host_exec cinder_api su cinder ... db sync``)."""
    definition = definition if isinstance(definition, Mapping) else {}
    kolla_file = f"/var/lib/kolla/config_files/{name}.json"
    for volume in definition.get("volumes") or ():
        kolla_file = kolla_source(volume) or kolla_file
    entry = kolla_config.get(kolla_file)
    commands = [definition.get("command"), entry.get("command") if isinstance(entry, Mapping) else None]
    return any("bootstrap_host_exec" in str(c) for c in commands if c)


def _could_match(name: str, pattern: str) -> bool:
    """Whether a task called ``name`` (a template: ``{{ x }}`` is rendered per host) can match the glob
    ``pattern``: the glob matches the name with each expression as ``*``, or the pattern is one rendering."""
    if fnmatch.fnmatchcase(_JINJA.sub("*", name), pattern):
        return True
    parts = _JINJA.split(name)
    return len(parts) > 1 and re.fullmatch(".*".join(map(re.escape, parts)), pattern) is not None


def _step_order(step: str) -> tuple[int, int]:
    return (0, int(step)) if step.isdigit() else (-1, 0)
