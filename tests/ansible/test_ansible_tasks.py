"""Task-tree parsing: frozen value objects, typed errors naming the key path, validated on load."""

from __future__ import annotations

import dataclasses

import pytest

from fakes.ansible import Block, Task, TaskParseError, parse_playbook, parse_tasks


def test_parse_block_and_task_fields() -> None:
    nodes = parse_tasks(
        [
            {
                "name": "b",
                "when": "step|int == 1",
                "tags": "a,b",
                "block": [
                    {
                        "name": "t",
                        "ansible.builtin.command": "echo hi",
                        "register": "r",
                        "until": "r.rc == 0",
                        "retries": 2,
                        "delay": 0,
                        "loop": [1],
                        "loop_control": {"loop_var": "x"},
                        "become": True,
                    },
                ],
                "rescue": [{"debug": {"msg": "m"}}],
                "always": [{"set_fact": "a=1 b='{{ x | default(2) }}'"}],
            },
        ],
        "upgrade_tasks",
    )
    block = nodes[0]
    assert isinstance(block, Block)
    assert block.when == ("step|int == 1",) and block.tags == ("a", "b")
    task = block.block[0]
    assert isinstance(task, Task)
    assert (task.action, task.fqcn, task.args) == ("command", "ansible.builtin.command", {"_raw_params": "echo hi"})
    assert task.loop_var == "x" and task.until == ("r.rc == 0",) and task.options == {"become": True}
    assert task.path == "upgrade_tasks[0].block[0]"
    assert block.rescue[0].display_name == "debug"  # type: ignore[union-attr]
    assert block.always[0].args == {"a": "1", "b": "{{ x | default(2) }}"}  # type: ignore[union-attr]
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("tasks", "path", "expected"),
    [
        ([{"name": "x"}], "upgrade_tasks[0]", "exactly one module"),
        ([{"command": "a", "shell": "b"}], "upgrade_tasks[0]", "exactly one module"),
        ([{"rescue": [], "debug": {}}], "upgrade_tasks[0].rescue", "next to a 'block'"),
        ([{"block": [{"debug": {}, "when": {"a": 1}}]}], "upgrade_tasks[0].block[0].when", "condition"),
        ([{"block": [], "loop": [1]}], "upgrade_tasks[0].loop", "block keyword"),
        ([{"debug": {}, "register": "not a name"}], "upgrade_tasks[0].register", "variable name"),
        ([{"debug": {}, "with_nested": [[1]]}], "upgrade_tasks[0].with_nested", "modelled"),
        ([{"include_role": {"tasks_from": "x"}}], "upgrade_tasks[0].include_role", "{name: <role>}"),
        ("not a list", "upgrade_tasks", "a list of tasks"),
        ([{"set_fact": "a='{{ b"}], "upgrade_tasks[0].set_fact", "balanced"),
    ],
)
def test_parse_errors_name_the_key_path(tasks: object, path: str, expected: str) -> None:
    with pytest.raises(TaskParseError) as info:
        parse_tasks(tasks, "upgrade_tasks")
    assert info.value.where == path
    assert expected in str(info.value)


def test_playbook_validation() -> None:
    with pytest.raises(TaskParseError, match=r"playbook\[0\]\.strategy"):
        parse_playbook([{"hosts": "all", "strategy": "host_pinned", "tasks": []}])
    with pytest.raises(TaskParseError, match=r"playbook\[0\]\.roles"):
        parse_playbook([{"hosts": "all", "roles": ["x"]}])
    play = parse_playbook([{"hosts": ["a", "b"], "strategy": "tripleo_free", "serial": "50%", "tasks": []}])[0]
    assert play.strategy == "free" and play.hosts == ("a", "b")
