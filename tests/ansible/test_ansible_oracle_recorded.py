"""Fast subset of the differential oracle: replay the interpreter on cases whose ansible-playbook output was
recorded by ``python tests/ansible/record_oracle.py`` (real ansible-core 2.19), plus a few live runs of
ansible-playbook itself (it is installed with ansible-core, a runtime dependency)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fidelity" / "ansible"))

from oracle import run_ansible, write_plugins  # noqa: E402
from playbooks import canonical, run_interpreter  # noqa: E402
from tht_real import real_cases  # noqa: E402
from tht_style import cases as tht_cases  # noqa: E402

RECORDED = json.loads((HERE / "data" / "oracle_recorded.json").read_text())["cases"]


def test_recorded_set_is_substantial() -> None:
    assert len(RECORDED) >= 40
    assert sum(len(c["ansible"]) for c in RECORDED) >= 200


@pytest.mark.parametrize("index", range(len(RECORDED)))
def test_interpreter_matches_recorded_ansible(index: int) -> None:
    case = RECORDED[index]["case"]
    want = [tuple(r) for r in RECORDED[index]["ansible"]]
    got = run_interpreter(case)
    assert canonical(case, got) == canonical(case, want)


@pytest.mark.parametrize("index", [0, 3, 4])
def test_live_ansible_playbook_agrees_on_tht_style_cases(index: int) -> None:
    case = tht_cases()[index]
    want = run_ansible(
        case["playbook"],
        case["groups"],
        files=case["files"],
        group_vars=case["group_vars"],
        limit=case["limit"],
        tags=case["tags"],
        skip_tags=case["skip_tags"],
    )
    assert want, "the oracle recorded nothing: the recording callback is not wired"
    assert run_interpreter(case) == want


REAL_LISTS = (
    "deployment/pacemaker/pacemaker-baremetal-puppet.yaml: update_tasks",
    "deployment/snmp/snmpd-disabled-puppet.yaml: upgrade_tasks",
    "deployment/database/redis-container-puppet.yaml: upgrade_tasks",
)


@pytest.mark.integration
@pytest.mark.parametrize("name", REAL_LISTS)
def test_live_ansible_playbook_agrees_on_real_tht_lists(tht: Callable[[str], Path], name: str, tmp_path: Path) -> None:
    cases = {c["name"]: c for c in real_cases(tht("18.0.0"))}
    case = cases[name]
    write_plugins(tmp_path, case["modules"], [tuple(r) for r in case["roles"]])
    want = run_ansible(case["playbook"], case["groups"], group_vars=case["group_vars"], plugins=tmp_path)
    assert len(want) > 10
    assert run_interpreter(case) == want
