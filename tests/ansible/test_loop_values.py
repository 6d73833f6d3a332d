"""Loop values that are not lists, as ansible-core 2.19's ansible-playbook treats them (checked by running it):
``with_items`` over a mapping runs once with the mapping as the item (``{}`` included); ``loop`` rejects it."""

from __future__ import annotations

from fakes.ansible import Inventory, Runner, parse_playbook


def run(tasks: list[dict]) -> list[tuple[str, str]]:
    inv = Inventory(hosts=("h",), groups={"g": ("h",)})
    result = Runner(inv).run(parse_playbook([{"hosts": "g", "vars": {"d1": {}, "d2": {"a": 1}}, "tasks": tasks}]))
    return [(r.task_name, r.status) for r in result.records]


def test_with_items_over_a_mapping_is_one_item() -> None:
    rows = run([{"name": "empty", "debug": {"msg": "{{ item }}"}, "with_items": "{{ d1 }}"},
                {"name": "full", "debug": {"msg": "{{ item }}"}, "with_items": "{{ d2 }}"}])
    assert rows == [("empty", "ok"), ("full", "ok")]


def test_loop_over_a_mapping_fails() -> None:
    rows = run([{"name": "bad", "debug": {"msg": "{{ item }}"}, "loop": "{{ d2 }}", "ignore_errors": True}])
    assert rows == [("bad", "failed")]
