"""A finding of the plan checks that upstream confirmed after Train's last release.

11.6.0's nova-vnc-proxy post-upgrade task (delete the nova-consoleauth services) is guarded by `step|int == 4`, and
Train's post-upgrade loop runs steps 0..3: it never runs. `tripleo-sim check --release 11.6.0` reports it as
`never-run-step` (a known finding, `KNOWN_FINDINGS`). Upstream's 34a009b03 on stable/train (July 2021, after 11.6.0;
only in the train-eol tag) moves it to step 3 and drops its `never` tags ("Post upgrade tasks are limited to 4-1
steps, so these tasks are not executed"). This test is the CI-gating use: the 11.6.0 tree with a patch of that shape,
written here, comes out of the check without the finding.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fakes.heat import TemplateTree
from fakes.heat.source import fetch_release
from simulator.invariants import check_plan, context_for
from simulator.planning import build_plan

VNC_PROXY = "deployment/nova/nova-vnc-proxy-container-puppet.yaml"
GUARD = """\
        - when:
            - step|int == 4
          tags:
            - never
            - system_upgrade_stop_services
"""
FIXED_GUARD = """\
        - when:
            - step|int == 3
"""


def _never_run(root: Path) -> list[str]:
    tree = TemplateTree.from_path(root)
    plan = build_plan(root, tree=tree, parameters={"ControllerCount": 3, "ComputeCount": 2})
    report = check_plan(plan, context_for(tree))
    assert report.failures == ()
    return [v.message for v in report.allowed if v.invariant == "never-run-step"]


def test_the_upstream_fix_moves_the_vnc_proxy_post_upgrade_task_into_the_loop(tmp_path: Path) -> None:
    tree = tmp_path / "tht"
    shutil.copytree(fetch_release("11.6.0"), tree, symlinks=True)
    unfixed = _never_run(tree)
    assert any(m.startswith("post_upgrade_tasks task '<unnamed #4>' on role Controller never runs: step 4 is "
                            "outside the playbook loop 0..3") for m in unfixed), unfixed

    vnc = tree / VNC_PROXY
    text = vnc.read_text()
    assert text.count(GUARD) == 1  # the post-upgrade block (external_upgrade_tasks' has other tags)
    vnc.write_text(text.replace(GUARD, FIXED_GUARD))
    fixed = _never_run(tree)
    assert not [m for m in fixed if m.startswith("post_upgrade_tasks")], fixed
    # the other known finding of the release stays: nova-compute's deploy task at step 6
    assert [m for m in fixed if m.startswith("deploy_steps_tasks task 'validate nova")]
