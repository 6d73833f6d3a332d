"""TaskMemo replays a task's outcome on hosts whose inputs equal an earlier host's: it must never change what a
run does (records, results, module calls, facts), only how often templates are evaluated."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from fakes.ansible import Inventory, MappingLoader, ModuleCall, Runner, TagSelection, canned_result, parse_playbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fidelity" / "ansible"))
from playbooks import cases

HOSTS = [f"compute-{i}" for i in range(6)]


def _run(case: dict[str, Any], memo: bool, effects: Any = canned_result) -> tuple[Runner, Any]:
    inventory = Inventory.from_groups(case["groups"], group_vars=case.get("group_vars"),
                                      host_vars=case.get("host_vars"))
    runner = Runner(inventory, loader=MappingLoader(case.get("files") or {}), memo=memo, effects=effects,
                    tags=TagSelection.of(case.get("tags"), case.get("skip_tags")), limit=case.get("limit"))
    return runner, runner.run(parse_playbook(case["playbook"]))


def _everything(result: Any) -> list[Any]:
    return [(r.host, r.task_name, r.task_path, r.status, r.ignored, r.error, r.calls, r.result)
            for r in result.records] + [result.failed_hosts, result.facts, result.aborted]


def assert_same_run(case: dict[str, Any], effects: Any = canned_result) -> Runner:
    memo_runner, with_memo = _run(case, True, effects)
    _, without = _run(case, False, effects)
    assert _everything(with_memo) == _everything(without)
    return memo_runner


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_memo_never_changes_a_generated_run(case: dict[str, Any]) -> None:
    assert_same_run(case)


def _case(tasks: list[Any], host_vars: Mapping[str, Any] | None = None, **play: Any) -> dict[str, Any]:
    return {"groups": {"Compute": HOSTS}, "group_vars": {"all": {"step": 1, "flag": True}},
            "host_vars": dict(host_vars or {}), "playbook": [{"hosts": "Compute", "tasks": tasks, **play}]}


TASKS = [
    {"name": "same everywhere", "command": "echo {{ step }}", "register": "out"},
    {"name": "per host", "command": "echo {{ inventory_hostname }}"},
    {"name": "loop", "set_fact": {"seen": "{{ (seen | default([])) + [item] }}"}, "loop": [1, 2, "{{ step }}"]},
    {"name": "uses register", "debug": {"msg": "{{ out.rc }} {{ seen }}"}, "when": "out is changed"},
    {"name": "retry", "command": "true", "register": "r", "until": "r.rc == 0", "retries": 2, "delay": 0},
    {"name": "delegated", "command": "x", "delegate_to": "compute-0"},
    {"name": "hostvars", "debug": {"msg": "{{ hostvars['compute-0'].out.rc }}"}},
]


def test_identical_hosts_replay_and_match() -> None:
    runner = assert_same_run(_case(TASKS))
    memo = runner.memo
    assert memo is not None
    # the per-host, delegated-to-itself and hostvars tasks run on every host; the others once, then replay
    assert memo.hits >= 4 * (len(HOSTS) - 1)
    assert memo.misses >= 2 * len(HOSTS)


def test_a_differing_input_runs_the_task_again() -> None:
    tasks = [{"name": "t", "command": "echo {{ flag }}", "register": "r"},
             {"name": "u", "debug": {"msg": "{{ r.cmd | default('none') }}"}, "when": "flag | bool"}]
    # 1 and True are == in Python but template differently ("1" vs "True"): the memo must tell them apart
    case = _case(tasks, host_vars={"compute-3": {"flag": 1}, "compute-4": {"flag": False}})
    _, result = _run(case, True)
    assert_same_run(case)
    calls = {r.host: r.calls[0].args["_raw_params"] for r in result.records if r.task_name == "t"}
    assert calls["compute-3"] == "echo 1" and calls["compute-2"] == "echo True" and calls["compute-4"] == "echo False"
    skipped = {r.host for r in result.records if r.task_name == "u" and r.status == "skipped"}
    assert skipped == {"compute-4"}


def test_a_set_fact_that_changed_nothing_where_it_was_recorded_still_writes_on_replay() -> None:
    # compute-0 already has marker=True (its host vars reach it through an earlier set_fact); its run of the
    # set_fact changes no value there, but replayed on another host the write must create the fact (found by
    # test_memo_never_changes_a_generated_run)
    tasks = [{"name": "pre", "set_fact": {"marker": True}, "when": "inventory_hostname == 'compute-0'"},
             {"name": "t", "set_fact": {"marker": True}, "register": "reg"},
             {"name": "u", "debug": {"msg": "{{ marker }}"}}]
    runner = assert_same_run(_case(tasks))
    assert all(runner.hosts[h].facts.get("marker") is True for h in HOSTS)


def test_a_differing_module_result_runs_the_task_again() -> None:
    """The effects callback is the world: a host where it answers differently (a crash) is not replayed."""

    def effects(call: ModuleCall) -> Mapping[str, Any]:
        if call.target == "compute-2":
            return {"failed": True, "unreachable": True, "rc": 255, "msg": "down"}
        return canned_result(call)

    tasks = [{"name": "t", "command": "true", "register": "r", "ignore_errors": True},
             {"name": "u", "debug": {"msg": "{{ r.rc }}"}}]
    runner = assert_same_run(_case(tasks), effects)
    _, result = _run(_case(tasks), True, effects)
    by_host = {r.host: r for r in result.records if r.task_name == "u"}
    assert by_host["compute-2"].result["msg"] == 255 and by_host["compute-3"].result["msg"] == 0
    assert runner.memo is not None and runner.memo.hits > 0


def test_module_calls_of_a_replay_name_their_own_host() -> None:
    _, result = _run(_case([{"name": "t", "command": "true"}]), True)
    assert [(c.host, c.target) for r in result.records for c in r.calls] == [(h, h) for h in HOSTS]


def _facts(**per_host: dict[str, Any]) -> dict[str, Any]:
    """Every host's ``ansible_facts``: its own hostname, RedHat 9, with ``per_host`` entries changed."""
    out = {}
    for host in HOSTS:
        facts = {"hostname": host, "distribution": "RedHat", "distribution_major_version": "9"}
        facts.update(per_host.get(host, {}))
        out[host] = {"ansible_facts": {k: v for k, v in facts.items() if v is not None}}
    return out


def test_a_task_reading_facts_by_constant_keys_replays_on_hosts_whose_other_facts_differ() -> None:
    # THT's "Gather missing facts"/"Set leapp facts" shape: hosts differ in hostname, not in what the task reads
    tasks = [{"name": "gather", "setup": {"gather_subset": ["!all", "distribution"]},
              "when": "ansible_facts['distribution'] is not defined or "
                      "ansible_facts['distribution_major_version'] is not defined"},
             {"name": "leapp", "set_fact": {
                 "leapp": "{{ ansible_facts['distribution'] == 'RedHat' and "
                          "ansible_facts.distribution_major_version is version('7', '==') }}"}}]
    runner = assert_same_run(_case(tasks, host_vars=_facts()))
    assert runner.memo is not None
    assert runner.memo.misses == 2 and runner.memo.hits == 2 * (len(HOSTS) - 1)


def test_a_differing_or_missing_entry_read_by_key_runs_the_task_again() -> None:
    tasks = [{"name": "gather", "debug": {"msg": "gathering"},
              "when": "ansible_facts['distribution'] is not defined"},
             {"name": "major", "debug": {"msg": "{{ ansible_facts.distribution_major_version }}"}}]
    case = _case(tasks, host_vars=_facts(**{"compute-2": {"distribution": None},
                                            "compute-4": {"distribution_major_version": "8"}}))
    _, result = _run(case, True)
    assert_same_run(case)
    status = {(r.host, r.task_name): r.status for r in result.records}
    assert status[("compute-2", "gather")] == "ok" and status[("compute-1", "gather")] == "skipped"
    msgs = {r.host: r.result.get("msg") for r in result.records if r.task_name == "major"}
    assert msgs["compute-4"] == "8" and msgs["compute-5"] == "9"


def test_facts_used_whole_or_by_a_computed_key_are_read_whole() -> None:
    tasks = [{"name": "whole", "debug": {"msg": "{{ ansible_facts | dict2items | length }}"}},
             {"name": "method", "debug": {"msg": "{{ ansible_facts.get('hostname') }}"}},
             {"name": "computed", "debug": {"msg": "{{ ansible_facts[which] }}"}, "vars": {"which": "hostname"}}]
    case = _case(tasks, host_vars=_facts())
    runner = assert_same_run(case)
    _, result = _run(case, True)
    assert {r.result.get("msg") for r in result.records if r.task_name == "method"} == set(HOSTS)
    assert runner.memo is not None and runner.memo.hits == 0  # every host's facts differ (hostname): all run


def test_hostvars_read_by_constant_keys_still_runs_the_task_on_every_host() -> None:
    # other hosts' facts change while a play runs: a task reading hostvars is never replayed, however it reads them
    runner = assert_same_run(_case([{"name": "hv", "debug": {"msg": "{{ hostvars['compute-0'].step }}"}}]))
    assert runner.memo is not None and runner.memo.hits == 0 and runner.memo.misses == len(HOSTS)
