"""Runner semantics on simulated hosts: blocks, loops, register/set_fact across plays, until, run_once,
strategies, serial, failure policies, includes and roles, the step generator and the effects hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fakes.ansible import (
    DirectoryLoader,
    HostTask,
    IncludeError,
    Inventory,
    MappingLoader,
    ModuleCall,
    Runner,
    TagSelection,
    parse_playbook,
)

INV = Inventory.from_groups(
    {"Controller": ["controller-0", "controller-1", "controller-2"], "Compute": ["compute-0"]},
    group_vars={"all": {"step": 1}},
)


def run(tasks: list[dict[str, Any]], **play: Any) -> list[tuple[str, str, str]]:
    runner = Runner(INV, **play.pop("runner", {}))
    return runner.run(parse_playbook([{"hosts": play.pop("hosts", "all"), "tasks": tasks, **play}])).sequence()


def by_task(keys: list[tuple[str, str, str]], name: str) -> dict[str, str]:
    return {h: s for h, n, s in keys if n == name}


def test_linear_order_is_task_major() -> None:
    keys = run([{"name": "a", "command": "x"}, {"name": "b", "debug": {"msg": "m"}}], hosts="Controller")
    assert keys == [
        ("controller-0", "a", "changed"),
        ("controller-1", "a", "changed"),
        ("controller-2", "a", "changed"),
        ("controller-0", "b", "ok"),
        ("controller-1", "b", "ok"),
        ("controller-2", "b", "ok"),
    ]


def test_block_rescue_always() -> None:
    keys = run(
        [
            {
                "name": "blk",
                "block": [
                    {"name": "boom", "fail": {}, "when": "inventory_hostname == 'controller-1'"},
                    {"name": "after", "debug": {}},
                ],
                "rescue": [{"name": "rescue", "debug": {}}],
                "always": [{"name": "always", "debug": {}}],
            },
            {"name": "end", "debug": {}},
        ],
        hosts="Controller",
    )
    assert by_task(keys, "after") == {"controller-0": "ok", "controller-2": "ok"}
    assert by_task(keys, "rescue") == {"controller-1": "ok"}
    assert set(by_task(keys, "always")) == set(by_task(keys, "end")) == {"controller-0", "controller-1", "controller-2"}


def test_failure_without_rescue_removes_host_but_always_runs() -> None:
    runner = Runner(INV)
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "Controller",
                    "tasks": [
                        {
                            "block": [{"name": "boom", "fail": {}, "when": "inventory_hostname == 'controller-0'"}],
                            "always": [{"name": "always", "debug": {}}],
                        },
                        {"name": "next", "debug": {}},
                    ],
                },
                {"hosts": "Controller", "tasks": [{"name": "second play", "debug": {}}]},
            ]
        )
    )
    assert set(by_task(result.sequence(), "always")) == {"controller-0", "controller-1", "controller-2"}
    assert (
        set(by_task(result.sequence(), "next"))
        == set(by_task(result.sequence(), "second play"))
        == {"controller-1", "controller-2"}
    )
    assert result.failed_hosts == ("controller-0",)


def test_loops_register_and_set_fact_persist_across_plays() -> None:
    runner = Runner(INV)
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "Controller",
                    "tasks": [
                        {
                            "name": "loop",
                            "command": "x {{ item }}",
                            "loop": "{{ groups['Controller'] }}",
                            "register": "out",
                            "when": "item != inventory_hostname",
                        },
                        {
                            "name": "fact",
                            "set_fact": {"n": "{{ out.results | rejectattr('skipped', 'defined') | list | length }}"},
                        },
                    ],
                },
                {"hosts": "Controller", "tasks": [{"name": "check", "assert": {"that": ["n | int == 2"]}}]},
            ]
        )
    )
    assert by_task(result.sequence(), "check") == {h: "ok" for h in INV.groups["Controller"]}
    assert result.facts["controller-0"]["out"]["results"][0]["skipped"] is True


def test_with_items_flattens_and_loop_control() -> None:
    calls: list[ModuleCall] = []

    def effects(call: ModuleCall) -> dict[str, Any]:
        calls.append(call)
        return {"changed": False}

    run(
        [{"name": "w", "command": "stop {{ c }}", "with_items": [["a", "b"], "c"], "loop_control": {"loop_var": "c"}}],
        hosts="controller-0",
        runner={"effects": effects},
    )
    assert [c.args["_raw_params"] for c in calls] == ["stop a", "stop b", "stop c"]


def test_until_retries_and_failed_when_changed_when() -> None:
    attempts: list[int] = []

    def effects(call: ModuleCall) -> dict[str, Any]:
        attempts.append(call.attempt)
        return {"rc": 1 if call.attempt < 3 else 0, "changed": True}

    keys = run(
        [
            {
                "name": "u",
                "command": "x",
                "register": "r",
                "until": "r.rc == 0",
                "retries": 5,
                "delay": 0,
                "changed_when": False,
            },
            {"name": "fw", "command": "x", "register": "r2", "failed_when": "r2.rc != 0"},
        ],
        hosts="controller-0",
        runner={"effects": effects},
    )
    assert attempts[:3] == [1, 2, 3]
    assert keys == [("controller-0", "u", "ok"), ("controller-0", "fw", "failed")]


def test_until_exhausted_fails_with_attempts() -> None:
    runner = Runner(INV, effects=lambda call: {"rc": 1})
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "controller-0",
                    "tasks": [
                        {
                            "name": "u",
                            "command": "x",
                            "register": "r",
                            "until": "r.rc == 0",
                            "retries": 2,
                            "delay": 0,
                            "ignore_errors": True,
                        }
                    ],
                }
            ]
        )
    )
    assert result.records[0].status == "failed" and result.records[0].ignored
    assert result.facts["controller-0"]["r"]["attempts"] == 2


def test_run_once_and_delegate_to() -> None:
    calls: list[ModuleCall] = []
    runner = Runner(INV, effects=lambda call: calls.append(call) or {"changed": True, "rc": 0, "stdout": "x"})
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "Controller",
                    "tasks": [
                        {
                            "name": "once",
                            "command": "pcs resource disable galera-bundle",
                            "run_once": True,
                            "register": "r",
                        },
                        {
                            "name": "deleg",
                            "command": "y",
                            "delegate_to": "{{ groups['Controller'][0] }}",
                            "become": True,
                        },
                        {"name": "seen", "assert": {"that": ["r.stdout == 'x'"]}},
                    ],
                }
            ]
        )
    )
    assert by_task(result.sequence(), "once") == {"controller-0": "changed"}
    assert by_task(result.sequence(), "seen") == {h: "ok" for h in INV.groups["Controller"]}
    assert [(c.host, c.target, c.become) for c in calls[1:]] == [
        ("controller-0", "controller-0", True),
        ("controller-1", "controller-0", True),
        ("controller-2", "controller-0", True),
    ]


def test_any_errors_fatal_stops_everyone() -> None:
    keys = run(
        [{"name": "boom", "fail": {}, "when": "inventory_hostname == 'controller-1'"}, {"name": "after", "debug": {}}],
        hosts="Controller",
        any_errors_fatal=True,
    )
    assert by_task(keys, "after") == {}


def test_max_fail_percentage_and_serial() -> None:
    keys = run(
        [{"name": "boom", "fail": {}, "when": "inventory_hostname == 'controller-0'"}, {"name": "after", "debug": {}}],
        hosts="all",
        serial=2,
        max_fail_percentage=40,
    )
    assert by_task(keys, "boom") == {"controller-0": "failed", "controller-1": "skipped"}
    assert by_task(keys, "after") == {}  # 1 of 2 in the batch failed: 50% > 40% breaks the play


def test_serial_batches_run_the_whole_play_per_batch() -> None:
    keys = run([{"name": "a", "debug": {}}, {"name": "b", "debug": {}}], hosts="Controller", serial=[1, 2])
    assert [(h, n) for h, n, _ in keys] == [
        ("controller-0", "a"),
        ("controller-0", "b"),
        ("controller-1", "a"),
        ("controller-2", "a"),
        ("controller-1", "b"),
        ("controller-2", "b"),
    ]


def test_free_strategy_keeps_each_host_in_order() -> None:
    keys = run([{"name": "a", "debug": {}}, {"name": "b", "debug": {}}], hosts="Controller", strategy="tripleo_free")
    for host in INV.groups["Controller"]:
        assert [n for h, n, _ in keys if h == host] == ["a", "b"]


def test_tags_and_limit() -> None:
    keys = run(
        [
            {"name": "s1", "debug": {}, "tags": "step1"},
            {"name": "c", "debug": {}, "tags": ["common"]},
            {"name": "n", "debug": {}, "tags": ["never", "step1"]},
            {"name": "u", "debug": {}},
        ],
        runner={"tags": TagSelection.of(["step1", "common"]), "limit": "Controller:!controller-1"},
    )
    assert [(h, n) for h, n, _ in keys] == [
        ("controller-0", "s1"),
        ("controller-2", "s1"),
        ("controller-0", "c"),
        ("controller-2", "c"),
        ("controller-0", "n"),
        ("controller-2", "n"),
    ]


def test_undefined_in_when_fails_the_task_with_a_typed_error() -> None:
    runner = Runner(INV)
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "controller-0",
                    "tasks": [
                        {"name": "guarded", "debug": {}, "when": "x is defined and x"},
                        {"name": "unguarded", "debug": {}, "when": "x | bool"},
                    ],
                }
            ]
        )
    )
    assert [r.status for r in result.records] == ["skipped", "failed"]
    assert "'x' is undefined" in str(result.records[1].error) and "tasks[1].when[0]" in str(result.records[1].error)


def test_include_tasks_loop_and_import_tasks(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "step.yml").write_text("- name: 'in {{ item }}'\n  debug: {}\n- import_tasks: inner.yml\n")
    (tmp_path / "sub" / "inner.yml").write_text("- name: inner\n  debug: {msg: '{{ item }}'}\n")
    runner = Runner(INV, loader=DirectoryLoader(tmp_path))
    result = runner.run(
        parse_playbook(
            [{"hosts": "controller-0", "tasks": [{"name": "inc", "include_tasks": "sub/step.yml", "loop": [1, 2]}]}]
        )
    )
    assert [(n, s) for _, n, s in result.sequence()] == [
        ("inc", "ok"),
        ("in 1", "ok"),
        ("inner", "ok"),
        ("in 2", "ok"),
        ("inner", "ok"),
    ]


def test_loader_stays_inside_root(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "secret.yml").write_text("- debug: {}\n")
    loader = DirectoryLoader(tmp_path / "root")
    with pytest.raises(IncludeError, match="inside"):
        loader("../secret.yml", None)
    runner = Runner(INV, loader=loader)
    result = runner.run(
        parse_playbook([{"hosts": "controller-0", "tasks": [{"name": "escape", "include_tasks": "../secret.yml"}]}])
    )
    assert [r.status for r in result.records] == ["ok", "failed"]
    assert "inside" in str(result.records[1].error)


def test_roles_from_the_catalogue_and_opaque_roles() -> None:
    calls: list[ModuleCall] = []
    runner = Runner(INV, effects=lambda call: calls.append(call) or {"changed": True})
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "controller-0",
                    "tasks": [
                        {
                            "name": "tag",
                            "import_role": {"name": "tripleo_container_tag"},
                            "vars": {"container_image": "rabbitmq:17", "container_image_latest": "rabbitmq:pcmklatest"},
                        },
                        {
                            "name": "hiera",
                            "include_role": {"name": "tripleo_upgrade_hiera", "tasks_from": "set.yml"},
                            "vars": {"tripleo_upgrade_key": "k", "tripleo_upgrade_value": [1]},
                        },
                        {"name": "other", "include_role": {"name": "tripleo_kernel"}},
                    ],
                }
            ]
        )
    )
    names = [n for _, n, _ in result.sequence()]
    assert "tripleo_container_tag : Pull and tag image" in names
    assert [c.action for c in calls] == ["sim_tripleo_container_tag", "sim_tripleo_upgrade_hiera", "sim_opaque"]
    assert calls[0].args == {"cli": "podman", "image": "rabbitmq:17", "latest": "rabbitmq:pcmklatest", "pull": True}
    assert calls[1].args["value"] == [1] and calls[2].args["role"] == "tripleo_kernel"


def test_steps_yield_before_each_host_task_and_waves_group_linear_tasks() -> None:
    runner = Runner(INV)
    seen: list[HostTask] = []
    gen = runner.steps(
        parse_playbook([{"hosts": "Controller", "tasks": [{"name": "a", "debug": {}}, {"name": "b", "debug": {}}]}])
    )
    for step in gen:
        assert len(runner.records) == len(seen)  # nothing ran yet for this step
        seen.append(step)
    assert [(s.host, s.task_name) for s in seen] == [(r.host, r.task_name) for r in runner.records]
    assert len({s.wave for s in seen if s.task_name == "a"}) == 1
    assert {s.wave for s in seen if s.task_name == "a"} != {s.wave for s in seen if s.task_name == "b"}


def test_hostvars_and_magic_variables() -> None:
    runner = Runner(INV, loader=MappingLoader({}), limit="Controller")
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "all",
                    "tasks": [
                        {"name": "f", "set_fact": {"me": "{{ inventory_hostname }}"}},
                        {
                            "name": "check",
                            "assert": {
                                "that": [
                                    "hostvars['controller-1']['me'] == 'controller-1'",
                                    "ansible_limit == 'Controller'",
                                    "ansible_play_hosts == ['controller-0', 'controller-1', 'controller-2']",
                                    "'Controller' in group_names",
                                ]
                            },
                        },
                    ],
                }
            ]
        )
    )
    assert by_task(result.sequence(), "check") == {h: "ok" for h in INV.groups["Controller"]}


def test_error_in_meta_condition_aborts_the_run() -> None:
    runner = Runner(INV)
    result = runner.run(
        parse_playbook(
            [
                {
                    "hosts": "Controller",
                    "tasks": [{"name": "a", "debug": {}}, {"meta": "end_host", "when": "nope == 1"}],
                },
                {"hosts": "Controller", "tasks": [{"name": "b", "debug": {}}]},
            ]
        )
    )
    assert [n for _, n, _ in result.sequence()] == ["a", "a", "a"]
    assert result.aborted is not None and "nope" in result.aborted


def test_pre_victoria_role_names_with_hyphens_are_the_same_catalogued_roles() -> None:
    # Train's THT calls tripleo-container-stop, tripleo-container-rm, tripleo-container-tag, tripleo-upgrade-hiera:
    # tripleo-ansible renamed them with underscores later; both names run the role's model, not an opaque task
    calls: list[ModuleCall] = []
    runner = Runner(INV, effects=lambda call: calls.append(call) or {"changed": True})
    runner.run(parse_playbook([{"hosts": "controller-0", "tasks": [
        {"name": "stop", "import_role": {"name": "tripleo-container-stop"},
         "vars": {"tripleo_containers_to_stop": ["keystone"], "tripleo_delegate_to": ["controller-1"]}},
        {"name": "rm", "include_role": {"name": "tripleo-container-rm"},
         "vars": {"tripleo_containers_to_rm": ["redis_init_bundle"]}},
        {"name": "other", "include_role": {"name": "tripleo-kernel"}},
    ]}]))
    assert [c.action for c in calls] == ["sim_tripleo_container_stop", "sim_tripleo_container_rm", "sim_opaque"]
    assert calls[0].args["containers"] == ["keystone"] and calls[1].args["containers"] == ["redis_init_bundle"]
