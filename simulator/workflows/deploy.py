"""The deploy workflow: ``openstack overcloud node provision`` (bare metal by :mod:`fakes.baremetal`: Redfish
BMCs through sushy-tools' emulator in-process, IPMI BMCs built on pyghmi in a process of their own on 127.0.0.1,
following the simulation's clock and stopped when provisioning ends; the machines of a nodes file, or generated
with one BMC type), ``openstack overcloud deploy`` (the Heat stack, then config-download: host_prep_tasks
and the deploy steps 0-5 with their containers, every node at once). Ocata (THT 6.x) has no config-download:
the stack's ``AllNodesDeploySteps`` runs the puppet steps on the servers, inside the stack create.

The world starts with no node up. A node comes up when Ironic reports it ``active``; the pacemaker cluster
forms as controllers reach deploy step 1 (puppet's pacemaker profile, which the simulation does not execute).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from random import Random
from typing import Any

from fakes.baremetal.bmc import BmcClient
from fakes.baremetal.faults import Fault as BmcFault
from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.fleet import redfish_fleet
from fakes.baremetal.inventory import NodeSpec, generate_nodes
from fakes.baremetal.ipmi import IpmiBmc, IpmiFleetProcess
from fakes.baremetal.provisioning import start_provisioning
from fakes.baremetal.roles import RoleDemand
from simulator.core import Fault
from simulator.planning import is_heat_driven
from simulator.scenario import BMC_FAULT_KINDS

from .base import Failure, Simulation

__all__ = ["DeploySimulation"]

class DeploySimulation(Simulation):
    kind = "deploy"

    def __init__(self, *args: Any, machines: Sequence[NodeSpec] = (), bmc: str = "redfish", **kwargs: Any) -> None:
        """``machines``: the nodes to provision (a scenario's ``nodes_file``); none: generated, with ``bmc``."""
        super().__init__(*args, **kwargs)
        self.machines = tuple(machines)
        self.bmc = bmc

    def machine_names(self) -> list[str]:
        """The machines' names: the nodes file's, or those provisioning will generate."""
        counts = {r.name: r.count for r in self.target.roles if r.count}
        return [m.name for m in self.machines or generate_nodes(counts, rng=Random(0), driver=self.bmc)]

    def _bmc_faults(self) -> FaultSchedule:
        """The scenario's ``bmc_*`` faults, as the BMCs read them."""
        return FaultSchedule(tuple(BmcFault(f.target, f.kind.removeprefix("bmc_"), f.at,
                                            float("inf") if f.duration is None else f.duration)
                                   for f in self.faults if f.kind in BMC_FAULT_KINDS))

    def _initial_world_state(self) -> None:
        for node in self.world.nodes.values():
            node.up = False  # (no trace event: the run starts with it down) until it is provisioned
            self.world.hold_down(node.name, "provisioning", 0.0, "not provisioned")
            for name in node.containers:
                node.containers[name] = False
            node.image_refs.clear()  # a new node holds no container, Kolla config or hieradata yet
            node.kolla.clear()
            node.hiera = ""
        self.world.pcs_members.clear()
        if not is_heat_driven(self.target.release):
            # no cluster yet: no configuration holds a bundle until its init-bundle container or tripleo_ha_wrapper
            # creates it (Ocata's puppet, which the model does not interpret, creates its resources: held from the
            # start as before)
            self.world.pcs_absent = set(self.world.pcs_resources)
        self.world.rebase()
        self.answers.deployed_images = {}  # new nodes hold no images, nor any file the model knows of
        self.answers.files.clear()

    def _workflow(self) -> Generator[Any, Any, None]:
        self._initial_world_state()
        yield from self._phase("overcloud node provision", self._provision())
        if self.failures:
            return
        hosts = [n.name for r in self.target.roles for n in r.nodes]
        if is_heat_driven(self.target.release):
            # Ocata: no config-download; the stack's AllNodesDeploySteps runs the puppet steps on the servers
            yield from self._phase("overcloud deploy: stack create", self._stack(
                self.target, "CREATE", config_download=False,
                deploy=lambda r: self._puppet_steps(hosts) if r.type == "OS::TripleO::PostDeploySteps" else None))
            return
        yield from self._phase("overcloud deploy: stack create", self._stack(self.target, "CREATE"))
        if self.failures:
            return
        yield from self._phase("overcloud deploy: config-download", self._deploy_playbook(hosts))

    def _planned_phases(self) -> int:
        return 2 if is_heat_driven(self.target.release) else 3

    def unapplied_faults(self) -> list[Fault]:
        """Also the BMC faults that began once provisioning had ended: nothing talks to a BMC after it."""
        provision = next((p for p in self.phases if p.name == "overcloud node provision"), None)
        late = [f for f in self.faults if f.kind in BMC_FAULT_KINDS and provision is not None
                and provision.end <= f.at <= self.env.now]
        return super().unapplied_faults() + late

    def _default_order(self) -> list[list[str]]:
        return [[n.name for r in self.target.roles for n in r.nodes]]

    def _provision(self) -> Generator[Any, Any, None]:
        counts = {r.name: r.count for r in self.target.roles if r.count}
        rng = self.rng_tree.child("baremetal").random()
        specs = self.machines or generate_nodes(counts, rng=rng, driver=self.bmc, hints=True)
        drivers = {s.name: "IPMI" if s.driver == "ipmi" else "Redfish" for s in specs}
        redfish = [s for s in specs if s.driver == "redfish"]
        ipmi = [s for s in specs if s.driver == "ipmi"]
        faults = self._bmc_faults()
        clients: dict[str, BmcClient] = dict(redfish_fleet(self.env, redfish, rng=rng, faults=faults).clients) \
            if redfish else {}
        bmcs = IpmiFleetProcess(ipmi, seed=rng.getrandbits(32), faults=faults) if ipmi else None
        ipmi_clients: dict[str, IpmiBmc] = {}
        try:
            if bmcs is not None:
                bmcs.start()
                ipmi_clients = {s.name: bmcs.client(s, lambda: float(self.env.now)) for s in ipmi}
                clients.update(ipmi_clients)
            demands = [RoleDemand.tripleo(role, count) for role, count in counts.items()]
            conductor, done = start_provisioning(self.env, specs, demands, clients, rng=rng)
            yield done
        finally:
            for client in ipmi_clients.values():
                client.close()
            if bmcs is not None:
                bmcs.stop()
        by_role: dict[str, list[Any]] = {}
        for result in sorted(conductor.results.values(), key=lambda r: r.node):
            by_role.setdefault(result.role or "", []).append(result)
        for role in self.target.roles:
            for node, result in zip(role.nodes, by_role.get(role.name, []), strict=False):
                if result.failed:
                    self.failures.append(Failure(result.finished_at, node.name, "provision", "-", result.node,
                                                 result.last_error or result.provision_state))
                else:
                    self.world.release(node.name, "provisioning", self.env.now,
                                           f"provisioned as {result.node} over {drivers[result.node]}")
