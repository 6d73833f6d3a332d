"""tripleo-ansible's filters as THT tasks use them, and pre-2.19 conditional truthiness."""

from __future__ import annotations

from fakes.ansible.tripleo_plugins import container_exec_cmd, recursive_get_key_from_dict, tripleo_templar


def test_container_exec_cmd() -> None:
    data = {"command": ["mysql", "-e", "select 1"], "environment": {"B": "2", "A": ""}, "privileged": True}
    assert container_exec_cmd(data, "docker") == [
        "docker", "exec", "--user=root", "--privileged=true", "--env=A", "--env=B=2", "mysql", "-e", "select 1"]


def test_recursive_get_key_from_dict() -> None:
    data = {"image": "a", "x": {"image": "b", "y": {"image": "c"}}, "z": [{"image": "not-in-lists"}]}
    assert recursive_get_key_from_dict(data, "image") == ["a", "b", "c"]


def test_templar_uses_filters_and_legacy_truthiness() -> None:
    t = tripleo_templar()
    assert t.render("{{ {'k': {'image': 'i'}} | recursive_get_key_from_dict(key='image') }}", {}, "w") == ["i"]
    assert t.condition("result.stdout", {"result": {"stdout": ""}}, "when") is False
    assert t.condition("result.stdout", {"result": {"stdout": "yes"}}, "when") is True
    assert t.condition("flag | bool", {"flag": "false"}, "when") is False
