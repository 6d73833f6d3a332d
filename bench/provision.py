"""Provisioning benchmark: 1,000 nodes in-process (sushy → sushy-tools fake driver as WSGI, virtual time)
and 100 nodes over real HTTP (a real sushy-emulator process on 127.0.0.1). Prints its numbers.

    python bench/provision.py [--nodes 1000] [--http-nodes 100] [--seed 1] [--budget 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from random import Random

import simpy
import simpy.rt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.baremetal.emulator import SushyEmulatorProcess
from fakes.baremetal.fleet import redfish_fleet, remote_redfish_clients
from fakes.baremetal.inventory import generate_nodes
from fakes.baremetal.ironic import trace_digest
from fakes.baremetal.provisioning import start_provisioning
from fakes.baremetal.roles import RoleDemand
from fakes.baremetal.timing import Dist, TimingModel


def layout(total: int) -> tuple[dict[str, int], list[RoleDemand]]:
    roles = {"Controller": 3, "Compute": total - 3}
    return roles, [RoleDemand.tripleo(role, count) for role, count in roles.items()]


def in_process(total: int, seed: int) -> dict[str, object]:
    started, cpu = time.perf_counter(), time.process_time()
    roles, demands = layout(total)
    nodes = generate_nodes(roles, rng=Random(seed))
    env = simpy.Environment()
    rng = Random(seed)
    fleet = redfish_fleet(env, nodes, rng=rng)
    conductor, done = start_provisioning(env, nodes, demands, fleet.clients, rng=rng)
    env.run(until=done)
    return {
        "nodes": total,
        "active": sum(not r.failed for r in conductor.results.values()),
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "virtual_s": env.now,
        "redfish_requests": fleet.requests,
        "trace_events": len(conductor.trace),
        "trace_sha256": trace_digest(conductor.trace)[:16],
    }


def over_http(total: int, seed: int, time_scale: float) -> dict[str, object]:
    started = time.perf_counter()
    roles, demands = layout(total)
    nodes = generate_nodes(roles, rng=Random(seed))
    timing = TimingModel(ramdisk_boot=Dist("const", 30), image_write=Dist("const", 60))
    with SushyEmulatorProcess(nodes, seed=seed, time_scale=time_scale) as emulator:
        ready = time.perf_counter()
        env = simpy.rt.RealtimeEnvironment(factor=1 / time_scale, strict=False)
        clients = remote_redfish_clients(nodes, emulator.url, emulator.user, emulator.password)
        conductor, done = start_provisioning(env, nodes, demands, clients, rng=Random(seed), timing=timing)
        env.run(until=done)
        finished = time.perf_counter()
        on = sum(clients[n.name].power_state() == "on" for n in nodes)
    return {
        "nodes": total,
        "active": sum(not r.failed for r in conductor.results.values()),
        "powered_on_readback": on,
        "emulator_start_s": ready - started,
        "provision_wall_s": finished - ready,
        "virtual_s": env.now,
        "time_scale": time_scale,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--http-nodes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds allowed for the in-process run")
    parser.add_argument("--time-scale", type=float, default=20.0)
    args = parser.parse_args()
    local = in_process(args.nodes, args.seed)
    print("in-process :", " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in local.items()))
    remote = over_http(args.http_nodes, args.seed, args.time_scale)
    print("real HTTP  :", " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in remote.items()))
    ok = local["wall_s"] <= args.budget and local["active"] == args.nodes and remote["active"] == args.http_nodes
    print(f"budget {args.budget:g}s for {args.nodes} in-process nodes: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
