"""Interpreter throughput vs ansible-playbook, same playbook and hosts, same run.

    python bench/tasks.py [--hosts 12] [--repeat 20] [--forks 5]

Prints host-tasks per second for both and the ratio (target: interpreter >= 100x).  ansible-playbook runs with
local connections and the recording no-op action plugins of the fidelity oracle, so its time is its own
engine (templating, strategy, workers, callbacks), not module execution.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fidelity" / "ansible"))
sys.path.insert(0, str(ROOT))

from oracle import run_ansible  # noqa: E402
from tht_style import _upgrade_tasks  # noqa: E402

from fakes.ansible import Inventory, MappingLoader, Runner, parse_playbook  # noqa: E402


def workload(n_hosts: int) -> tuple[dict[str, list[str]], dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    controllers = max(1, n_hosts // 3)
    groups = {
        "Controller": [f"controller-{i}" for i in range(controllers)],
        "Compute": [f"compute-{i}" for i in range(n_hosts - controllers)],
    }
    group_vars = {
        "all": {
            "container_cli": "podman",
            "enabled_services": ["rabbitmq", "mysql", "haproxy"],
            "rabbitmq_short_bootstrap_node_name": "controller-0",
            "cluster_recreate": False,
        }
    }
    extra = [
        {
            "name": "loop over services",
            "command": "systemctl is-active {{ item }}",
            "loop": "{{ enabled_services }}",
            "register": "active",
            "changed_when": False,
        },
        {
            "name": "guarded block",
            "when": "step|int >= 1",
            "block": [
                {
                    "name": "stop unit",
                    "systemd": {"name": "tripleo_{{ item }}", "state": "stopped"},
                    "loop": "{{ enabled_services | difference(['haproxy']) }}",
                },
                {"name": "maybe fail", "fail": {"msg": "x"}, "when": "inventory_hostname == 'nonexistent'"},
            ],
            "rescue": [{"name": "rescue", "debug": {"msg": "r"}}],
        },
        {"name": "per-step include", "include_tasks": "common.yml"},
    ]
    files = {
        "common.yml": [
            {"name": "common fact", "set_fact": {"last_step": "{{ step }}"}},
            {"name": "common stat", "stat": {"path": "/etc/hosts"}, "register": "st"},
        ]
    }
    playbook = [
        {"hosts": "all", "gather_facts": False, "vars": {"step": step}, "tasks": _upgrade_tasks() + extra}
        for step in range(4)
    ]
    return groups, group_vars, playbook, files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--forks", type=int, default=5)
    args = parser.parse_args()
    groups, group_vars, playbook, files = workload(args.hosts)

    start = time.perf_counter()
    rows = run_ansible(playbook, groups, files=files, group_vars=group_vars, forks=args.forks)
    ansible_seconds = time.perf_counter() - start

    inventory = Inventory.from_groups(groups, group_vars=group_vars)
    plays = parse_playbook(playbook)
    start = time.perf_counter()
    records = 0
    for _ in range(args.repeat):
        result = Runner(inventory, loader=MappingLoader(files)).run(plays)
        records += len(result.records)
    interp_seconds = time.perf_counter() - start

    per_run = records // args.repeat
    same = per_run == len(rows)
    ansible_rate = len(rows) / ansible_seconds
    interp_rate = records / interp_seconds
    print(
        f"workload: {len(playbook)} plays, {args.hosts} hosts, {per_run} host-tasks per run "
        f"(ansible-playbook recorded {len(rows)}; {'same' if same else 'DIFFERENT'} count)"
    )
    print(f"ansible-playbook (forks={args.forks}): {ansible_seconds:8.2f} s  {ansible_rate:10.0f} host-tasks/s")
    print(f"fakes.ansible ({args.repeat} runs):   {interp_seconds:8.2f} s  {interp_rate:10.0f} host-tasks/s")
    print(f"speed-up: {interp_rate / ansible_rate:.0f}x (target >= 100x)")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
