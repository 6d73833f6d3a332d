"""A finding of the simulator that upstream confirmed: Wallaby's redis upgrade tasks leave redis-bundle disabled.

THT 14.3.0's redis upgrade tasks disable `redis-bundle` at upgrade step 1 to swap its image and never enable it again
(galera's, rabbitmq's and haproxy's do); the default Train -> Wallaby run reports it under `services-restored`.
Upstream fixed it on stable/wallaby in May 2023, after the last Wallaby release (commit 01c69fccd, "Redis bundle is
disabled after upgrade": an "Enable redis" block at upgrade step 5 on the redis bootstrap node). This test is the
CI-gating use: the 14.3.0 tree with a patch of that shape, written here, is the scenario's target, and the run comes
out without the violation, the bundle enabled again at step 5 and its replicas back on every controller.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from fakes.heat.source import fetch_release
from simulator.run import run_scenario
from simulator.scenario import load_scenario

REDIS = "deployment/database/redis-pacemaker-puppet.yaml"

# appended to the redis service's upgrade_tasks, the last key of its outputs.role_data in 14.3.0
ENABLE_AT_STEP_5 = """\
        - name: Enable redis
          when:
            - step|int == 5
            - is_redis_bootstrap_node|bool
            - redis_pcs_res|bool
          block:
            - name: Enable the redis cluster resource
              pacemaker_resource:
                resource: redis-bundle
                state: enable
                wait_for_resource: true
              register: output
              retries: 5
              until: output.rc == 0
"""


def _patched_wallaby(tmp_path: Path) -> Path:
    tree = tmp_path / "tht"
    shutil.copytree(fetch_release("14.3.0"), tree, symlinks=True)
    redis = tree / REDIS
    text = redis.read_text()
    # the patch lands in upgrade_tasks only if that list ends the file (as it does in 14.3.0)
    last_key = [line for line in text.splitlines() if line.startswith("      ") and not line.startswith("       ")][-1]
    assert last_key.strip() == "upgrade_tasks:", last_key
    redis.write_text(text.rstrip("\n") + "\n" + ENABLE_AT_STEP_5)
    return tree


def test_the_upstream_fix_for_the_disabled_redis_bundle_clears_services_restored(tmp_path: Path) -> None:
    scenario = load_scenario("train-to-wallaby")
    fixed = dataclasses.replace(
        scenario, target=dataclasses.replace(scenario.target, release=None, templates=str(_patched_wallaby(tmp_path))))
    result = run_scenario(fixed, seed=1)

    assert not result.failed
    assert result.simulation.left_stopped() == []
    assert not [v for v in result.violations if v.invariant == "services-restored"]
    trace = result.simulation.trace
    enabled = [e for e in trace if e.kind == "state.pacemaker" and e.data.get("target") == "redis-bundle"]
    # disabled at step 1, enabled at step 5, then restarted globally by deploy step 2's tripleo_ha_wrapper (its
    # config changed): a disabled bundle is not restarted, so the unpatched run has the first event only
    assert [e.data["state"] for e in enabled] == ["disable", "enable", "restart-begin", "restart"]
    enable = next(e for e in trace if e.kind == "task" and e.data.get("task") == "Enable the redis cluster resource"
                  and e.data.get("status") == "ok")
    assert (enable.subject, enable.data["phase"], enable.data["step"]) == \
        ("overcloud-controller-0", "upgrade_tasks", "5")
    # at the end every controller runs its redis replica
    replicas = {e.subject: e.data["state"] for e in trace
                if e.kind == "state.replica" and e.data.get("bundle") == "redis-bundle"}
    assert replicas == {f"overcloud-controller-{i}": "started" for i in range(3)}, replicas
