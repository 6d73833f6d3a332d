"""Conditions and templating: ansible-core's filters/tests in a jinja2 sandbox, 2.19 conditional rules."""

from __future__ import annotations

import pytest

from fakes.ansible import BrokenConditional, Templar, TemplateFailure, UndefinedVariable

VARS = {
    "step": "1",
    "groups": {"Controller": ["controller-0", "controller-1"], "Compute": ["compute-0"]},
    "ansible_limit": "controller-0:compute-0",
    "tripleo_role_name": "Controller",
    "container_cli": "podman",
    "enabled_services": ["mysql", "rabbitmq", "haproxy"],
    "release": "18.0.0",
    "mysql_short_bootstrap_node_name": "controller-0",
    "inventory_hostname": "controller-0",
    "r": {"rc": 0, "changed": True, "failed": False},
    "flag": "yes",
}


@pytest.fixture(scope="module")
def templar() -> Templar:
    return Templar()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("step|int == 1", True),
        ("step|int == 2", False),
        ("{{ step|int == 1 }}", True),
        (True, True),
        (False, False),
        ("groups['Controller'] | length > 1", True),
        ("'compute-0' in ansible_limit.split(':')", True),
        ("tripleo_role_name == 'Controller' and container_cli == 'podman'", True),
        ("enabled_services | difference(['haproxy']) == ['mysql', 'rabbitmq']", True),
        ("(enabled_services | intersect(['mysql'])) | length == 1", True),
        ("enabled_services | union(['x']) | length == 4", True),
        ("release is version('17.0', '>=')", True),
        ("mysql_short_bootstrap_node_name | lower == inventory_hostname | lower", True),
        ("r is succeeded and r is changed", True),
        ("r is failed", False),
        ("flag | bool", True),
        ("not_defined is defined", False),
        ("not_defined is not defined", True),
        ("r.missing is defined", False),
        ("not_defined | default(false) | bool", False),
        ("(not_defined | int) is defined", False),
    ],
)
def test_conditions(templar: Templar, condition: object, expected: bool) -> None:
    assert templar.condition(condition, VARS, "t.when") is expected


def test_list_is_and_and_short_circuits(templar: Templar) -> None:
    # the second item would fail (undefined) but is never evaluated, as in Ansible
    assert templar.all_true(["step|int == 2", "not_defined == 1"], VARS, "t.when") is False
    assert templar.all_true(["step|int == 1", "flag|bool"], VARS, "t.when") is True


def test_undefined_names_variable_and_place(templar: Templar) -> None:
    with pytest.raises(UndefinedVariable) as info:
        templar.condition("mysql_node_names | length > 0", VARS, "deployment/x.yaml: upgrade_tasks[3].when[0]")
    assert info.value.variable == "mysql_node_names"
    assert "upgrade_tasks[3].when[0]" in str(info.value)
    assert "is defined" in str(info.value)


def test_undefined_attribute(templar: Templar) -> None:
    with pytest.raises(UndefinedVariable) as info:
        templar.condition("r.stdout == ''", VARS, "t.when")
    assert "stdout" in str(info.value)


@pytest.mark.parametrize("condition", ["flag", "step", "enabled_services", ""])
def test_non_boolean_conditionals_are_broken(templar: Templar, condition: str) -> None:
    with pytest.raises(BrokenConditional) as info:
        templar.condition(condition, VARS, "t.when")
    assert "boolean" in str(info.value)


def test_sandbox_refuses_escapes(templar: Templar) -> None:
    with pytest.raises(TemplateFailure) as info:
        templar.render("{{ ''.__class__.__mro__[1].__subclasses__() }}", VARS, "t.args")
    assert "sandbox" in str(info.value)


def test_syntax_error_is_typed(templar: Templar) -> None:
    with pytest.raises(TemplateFailure) as info:
        templar.condition("step ==", VARS, "t.when")
    assert "syntax error" in str(info.value)


def test_native_rendering(templar: Templar) -> None:
    assert templar.render("{{ enabled_services }}", VARS, "w") == ["mysql", "rabbitmq", "haproxy"]
    assert templar.render("{{ 1 + 1 }}", VARS, "w") == 2
    assert templar.render("{{ '1' }}", VARS, "w") == "1"  # no literal_eval, as in ansible-core 2.19
    assert templar.render("n={{ 1 + 1 }}", VARS, "w") == "n=2"
    assert templar.render({"a": ["{{ container_cli }}"], "b": 3}, VARS, "w") == {"a": ["podman"], "b": 3}
    assert templar.render("{{ not_defined | default('x') }}", VARS, "w") == "x"
    assert templar.render("{{ {'a': 1} | combine({'b': 2}) | dict2items | length }}", VARS, "w") == 2


def test_extra_filters_and_tests() -> None:
    templar = Templar(filters={"shout": lambda s: s.upper()}, tests={"loud": lambda s: s.isupper()})
    assert templar.render("{{ 'a' | shout }}", {}, "w") == "A"
    assert templar.condition("'A' is loud", {}, "w") is True
    assert templar.condition("(nope | shout) is defined", {}, "w") is False


DOCKER_CONFIG = """
step_3:
  nova_api_db_sync:
    image: registry/nova-api:current
    command: "/usr/bin/bootstrap_host_exec nova_api su nova -s /bin/bash -c '/usr/bin/nova-manage api_db sync'"
    volumes: [/var/lib/config-data/nova:/etc/nova:ro, /dev/log:/dev/log]
    privileged: false
    start_order: 0
    ports: [8774, 8775]
    when_: 2019-01-01
    restart: 'no'
    enabled: yes
"""


def test_from_yaml_fast_path_matches_ansible_and_copies(templar: Templar) -> None:
    from ansible.plugins.filter.core import from_yaml

    variables = {"docker_config": DOCKER_CONFIG}
    first = templar.render("{{ docker_config | from_yaml }}", variables, "t")
    assert first == from_yaml(DOCKER_CONFIG)  # YAML 1.1 booleans, dates, ints as ansible-core reads them
    first["step_3"]["nova_api_db_sync"]["volumes"].append("/mutated")
    second = templar.render("{{ docker_config | from_yaml }}", variables, "t")
    assert "/mutated" not in second["step_3"]["nova_api_db_sync"]["volumes"]  # the cached parse was not shared


def test_from_yaml_with_unknown_tags_fails_like_ansible(templar: Templar) -> None:
    # ansible-core 2.19's from_yaml has no constructor for `!unsafe` in filter input either; the fast path falls
    # back to ansible's loader and reports its error
    with pytest.raises(TemplateFailure, match="could not determine a constructor for the tag '!unsafe'"):
        templar.render("{{ text | from_yaml }}", {"text": "a: !unsafe '{{ x }}'"}, "t")
    assert templar.render("{{ none | from_yaml }}", {"none": None}, "t") is None
