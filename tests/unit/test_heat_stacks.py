"""Nested stacks, resource kinds, the registry, environments and typed input errors of the fake Heat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fakes.heat import (
    CyclicStackError,
    FileOutsideRoot,
    MissingParameter,
    TemplateError,
    TemplateNotFound,
    TemplateTree,
    UnknownResourceType,
    YamlSyntaxError,
    evaluate_template,
)
from fakes.heat.environment import merge_environment_dicts

SERVICE = {
    "heat_template_version": "wallaby",
    "parameters": {"RoleName": {"type": "string", "default": ""},
                   "Extra": {"type": "json", "default": {}}},
    "outputs": {"role_data": {"value": {"service_name": {"get_param": "RoleName"},
                                        "extra": {"get_param": "Extra"}}}},
}


def chain_template(types: list[str]) -> dict[str, Any]:
    return {
        "heat_template_version": "wallaby",
        "resources": {
            "Chain": {"type": "OS::Heat::ResourceChain",
                      "properties": {"resources": types, "resource_properties": {"RoleName": "ctl"}}},
            "Group": {"type": "OS::Heat::ResourceGroup",
                      "properties": {"count": 2, "resource_def": {
                          "type": "svc.yaml", "properties": {"RoleName": "node-%index%"}}}},
            "Val": {"type": "OS::Heat::Value", "properties": {"type": "comma_delimited_list", "value": "a,b"}},
        },
        "outputs": {
            "names": {"value": {"get_attr": ["Chain", "role_data", "service_name"]}},
            "first": {"value": {"get_attr": ["Chain", "resource.0", "role_data"]}},
            "group": {"value": {"get_attr": ["Group", "role_data", "service_name"]}},
            "refs": {"value": {"get_attr": ["Group", "refs"]}},
            "val": {"value": {"get_attr": ["Val", "value"]}},
        },
    }


def test_resource_chain_and_group_attributes(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": chain_template(["OS::A", "OS::B"]), "svc.yaml": SERVICE,
                      "env.yaml": {"resource_registry": {"OS::A": "svc.yaml", "OS::B": "OS::Heat::None"}}})
    tree = TemplateTree.from_path(root)
    out = evaluate_template(tree, "t.yaml", environment_files=["env.yaml"])
    assert out["names"] == ["ctl", None]  # OS::Heat::None members give null
    assert out["first"] == {"service_name": "ctl", "extra": {}}
    assert out["group"] == ["node-0", "node-1"]
    assert len(out["refs"]) == 2
    assert out["val"] == ["a", "b"]


@pytest.mark.parametrize(("count", "members"), [
    # Heat's INTEGER property is int(value) (Property._get_integer), with Range(min=0)
    (2, 2), ("2", 2), (2.7, 2), (None, 1), (0, 0),
    (-1, None), ("2.5", None), (float("inf"), None), ([2], None), (10_001, None), (10_000.5, 10_000),
])
def test_resource_group_count_as_heat_takes_it(mini_tree: Any, count: Any, members: int | None) -> None:
    template = chain_template(["OS::A"])
    template["resources"]["Group"]["properties"]["count"] = count
    root = mini_tree({"t.yaml": template, "svc.yaml": SERVICE,
                      "env.yaml": {"resource_registry": {"OS::A": "svc.yaml"}}})
    if members is not None:
        out = evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["env.yaml"])
        assert len(out["group"]) == members
        return
    with pytest.raises(TemplateError) as info:  # before: -1 made no member, inf an OverflowError traceback
        evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["env.yaml"])
    assert (info.value.file, info.value.path, info.value.expected) == \
        ("t.yaml", "resources.Group.properties.count", "an integer from 0 to 10000")


@pytest.mark.parametrize(("resource", "key"), [("Group", "resource_def.properties"),
                                               ("Chain", "resource_properties")])
def test_group_member_properties_must_be_a_mapping(mini_tree: Any, resource: str, key: str) -> None:
    # an AttributeError traceback before (tests/unit/test_template_fuzz.py); Heat: "Value must be a map"
    template = chain_template(["OS::A"])
    props = template["resources"][resource]["properties"]
    if resource == "Group":
        props["resource_def"]["properties"] = True
    else:
        props["resource_properties"] = True
    root = mini_tree({"t.yaml": template, "svc.yaml": SERVICE,
                      "env.yaml": {"resource_registry": {"OS::A": "svc.yaml"}}})
    with pytest.raises(TemplateError) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["env.yaml"])
    assert info.value.path == f"resources.{resource}.properties.{key}"
    assert info.value.expected == "a mapping"


def test_nested_stack_evaluated_once_per_parameter_set(mini_tree: Any) -> None:
    from fakes.heat import EvalContext, Stack, load_environment

    root = mini_tree({"t.yaml": chain_template(["OS::A", "OS::A", "OS::A"]), "svc.yaml": SERVICE,
                      "env.yaml": {"resource_registry": {"OS::A": "svc.yaml"}}})
    tree = TemplateTree.from_path(root)
    ctx = EvalContext(tree, load_environment(tree, ["env.yaml"], use_default_registry=False))
    stack = Stack(ctx, root / "t.yaml", tree.load(root / "t.yaml"), {}, name="s", root=True)
    assert stack.output("names") == ["ctl", "ctl", "ctl"]
    assert ctx.evaluations == 1
    stack.output("group")  # two more parameter sets (node-0, node-1)
    assert ctx.evaluations == 3


def test_registry_ranking_and_wildcards(mini_tree: Any) -> None:
    env = merge_environment_dicts([("e1", {"resource_registry": {
        "OS::TripleO::Foo::*": "OS::Heat::None",           # trailing wildcard: a real glob
        "OS::TripleO::Tasks::*PreConfig": "OS::Heat::None",  # a '*' inside is a literal key in Heat
        "OS::Alias": "OS::Other", "OS::Other": "x.yaml",
        "resources": {"special": {"OS::Alias": "OS::Heat::Value"}},
    }}, None)])
    native = frozenset({"OS::Heat::None", "OS::Heat::Value"})
    assert env.registry.resolve("OS::TripleO::Foo::Bar", None, native=native).native == "OS::Heat::None"
    with pytest.raises(UnknownResourceType):
        env.registry.resolve("OS::TripleO::Tasks::ControllerPreConfig", None, native=native)
    assert env.registry.resolve("OS::Alias", None, native=native).template == Path("x.yaml")
    assert env.registry.resolve("OS::Alias", "special", native=native).native == "OS::Heat::Value"


def test_registry_null_deletes_only_in_the_first_environment() -> None:
    env = merge_environment_dicts([
        ("e1", {"resource_registry": {"OS::A": "a.yaml", "OS::B": None}}, None),
        ("e2", {"resource_registry": {"OS::A": None}}, None),
    ])
    assert "OS::A" in env.registry.types  # Heat's merge_map skips nulls from later files


@pytest.mark.parametrize(("content", "message"), [
    # each was a traceback (AttributeError) or silently ignored
    ({"resource_registry": {123: "OS::Heat::None"}},
     "e1: resource_registry.123: expected a resource type name (a string), found 123"),
    ({"resource_registry": {"resources": {"x": ["a"]}}},
     "e1: resource_registry.resources.x: expected a mapping of resource type to template or type, found ['a']"),
    ({"resource_registry": {"resources": {"x": {"OS::A": ["a.yaml"]}}}},
     "e1: resource_registry.resources.x.OS::A: expected a resource type or template path, found ['a.yaml']"),
    # found by nox -s fuzz: an AttributeError traceback, or a per-resource entry silently never matched
    ({"resource_registry": {"resources": {"x": {0: None}}}},
     "e1: resource_registry.resources.x.0: expected a resource type name (a string), found 0"),
    ({"resource_registry": {"resources": {5: {"OS::A": "OS::Heat::None"}}}},
     "e1: resource_registry.resources.5: expected a resource name (a string), found 5"),
    ({"parameter_merge_strategies": ["merge"]},
     "e1: parameter_merge_strategies: expected a mapping of parameter name (or default) to overwrite | merge | "
     "deep_merge, found ['merge']"),
    ({"parameter_merge_strategies": {"default": ["merge"]}}, "e1: parameter_merge_strategies: expected a mapping"),
])
def test_malformed_registry_and_strategies_are_typed_errors(content: dict[str, Any], message: str) -> None:
    with pytest.raises(YamlSyntaxError) as info:
        merge_environment_dicts([("e1", content, None)])
    assert str(info.value).startswith(message)


def test_per_resource_hooks_and_nested_resources_are_no_types() -> None:
    # THT's environments/overcloud-steps.yaml: breakpoints on resources of a nested stack
    env = merge_environment_dicts([("e1", {"resource_registry": {"resources": {
        "*NodesPostDeployment": {"*Deployment_Step*": {"hooks": ["pre-create", "pre-update"]}},
        "x": {"hooks": "pre-create", "restricted_actions": ["replace"], "OS::A": "OS::Heat::None"}}}}, None)])
    assert env.registry.per_resource["*NodesPostDeployment"] == {}
    assert set(env.registry.per_resource["x"]) == {"OS::A"}


def test_parameter_merge_strategies() -> None:
    # Heat records a key's strategy the first time it is seen (overwrite when unstated), so files that
    # merge a key must all say so.
    env = merge_environment_dicts([
        ("e1", {"parameter_merge_strategies": {"default": "merge", "O": "overwrite"},
                "parameter_defaults": {"M": {"a": 1}, "L": [1], "S": "x", "O": {"k": 1}}}, None),
        ("e2", {"parameter_merge_strategies": {"M": "merge", "L": "merge", "S": "merge"},
                "parameter_defaults": {"M": {"b": 2}, "L": [2], "S": "y", "O": {"j": 2}}}, None),
    ])
    assert env.parameter_defaults == {"M": {"a": 1, "b": 2}, "L": [1, 2], "S": "xy", "O": {"j": 2}}


def test_a_later_file_without_strategies_keeps_the_recorded_one() -> None:
    env = merge_environment_dicts([
        ("e1", {"parameter_merge_strategies": {"M": "merge"}, "parameter_defaults": {"M": {"a": 1}}}, None),
        ("e2", {"parameter_defaults": {"M": {"b": 2}}}, None),  # found by the whole-stack real-Heat comparison
    ])
    assert env.parameter_defaults["M"] == {"a": 1, "b": 2}


def test_conflicting_merge_strategy_is_an_error() -> None:
    from fakes.heat import TemplateError

    with pytest.raises(TemplateError, match=r"parameter_merge_strategies\.M"):
        merge_environment_dicts([
            ("e1", {"parameter_defaults": {"M": {"a": 1}}}, None),  # implicitly overwrite
            ("e2", {"parameter_merge_strategies": {"M": "merge"}, "parameter_defaults": {"M": {"b": 1}}}, None),
        ])


def test_parameter_defaults_reach_nested_stacks_but_properties_win(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": chain_template(["OS::A"]), "svc.yaml": SERVICE,
                      "env.yaml": {"resource_registry": {"OS::A": "svc.yaml"},
                                   "parameter_defaults": {"Extra": {"from": "defaults"}, "RoleName": "ignored"}}})
    out = evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["env.yaml"])
    assert out["first"] == {"service_name": "ctl", "extra": {"from": "defaults"}}


def test_environment_relative_paths(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": chain_template(["OS::A"]), "deployment/svc.yaml": SERVICE,
                      "svc.yaml": SERVICE,
                      "environments/env.yaml": {"resource_registry": {"OS::A": "../deployment/svc.yaml"}}})
    out = evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["environments/env.yaml"])
    assert out["names"] == ["ctl"]


def test_every_template_an_environment_maps_must_exist(mini_tree: Any, tmp_path: Path) -> None:
    """heatclient reads every template a resource_registry maps when tripleoclient processes the environment: one
    that does not exist fails the command even when no resource uses it."""
    root = mini_tree({"t.yaml": chain_template(["OS::A"]), "svc.yaml": SERVICE,
                      "environments/ok.yaml": {"resource_registry": {
                          "OS::A": "../svc.yaml", "OS::B": "OS::Heat::None", "OS::C": None,
                          "resources": {"r": {"OS::A": "../svc.yaml", "hooks": "pre-create"}}}},
                      "environments/typo.yaml": {"resource_registry": {
                          "OS::A": "../svc.yaml", "OS::Unused": "../svc-typo.yaml"}},
                      "environments/per-resource.yaml": {"resource_registry": {
                          "resources": {"r": {"OS::A": "../gone.yaml"}}}}})
    assert evaluate_template(TemplateTree.from_path(root), "t.yaml",
                             environment_files=["environments/ok.yaml"])["names"] == ["ctl"]
    with pytest.raises(TemplateNotFound) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["environments/typo.yaml"])
    assert (info.value.file, info.value.path) == ("environments/typo.yaml", "resource_registry.OS::Unused")
    assert info.value.found == "'../svc-typo.yaml', and no svc-typo.yaml"
    with pytest.raises(TemplateNotFound) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["environments/per-resource.yaml"])
    assert info.value.path == "resource_registry.resources.r.OS::A"
    # a user's own environment maps templates relative to its own directory
    own = tmp_path / "own" / "env.yaml"
    own.parent.mkdir()
    own.write_text(yaml.safe_dump({"resource_registry": {"OS::A": "mine.yaml"}}))
    with pytest.raises(TemplateNotFound) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=[own])
    assert info.value.file == str(own) and info.value.found.endswith(f"and no {own.parent / 'mine.yaml'}")
    # one that exists is a file the plan depends on (simulator.plan_cache), whether a resource uses it or not
    own.write_text(yaml.safe_dump({"resource_registry": {"OS::Unused": "mine.yaml"}}))
    (own.parent / "mine.yaml").write_text(yaml.safe_dump(SERVICE))
    tree = TemplateTree.from_path(root)
    evaluate_template(tree, "t.yaml", environment_files=[own, "environments/ok.yaml"])
    assert tree.read_outside == {own, own.parent / "mine.yaml"}


# ---- typed errors ---------------------------------------------------------------------------------------
def test_broken_yaml(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": "heat_template_version: wallaby\noutputs: [unclosed\n"})
    with pytest.raises(YamlSyntaxError) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml")
    assert info.value.file == "t.yaml" and "line" in info.value.path


def test_unknown_resource_type(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": chain_template(["OS::TripleO::Services::Nope"]), "svc.yaml": SERVICE})
    with pytest.raises(UnknownResourceType) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml")
    assert info.value.path == "resources.Chain.properties.resources[0]"
    assert "OS::TripleO::Services::Nope" in info.value.found


def test_missing_nested_file(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": {"heat_template_version": "wallaby",
                                 "resources": {"N": {"type": "nested/missing.yaml"}},
                                 "outputs": {"o": {"value": {"get_attr": ["N", "x"]}}}}})
    with pytest.raises(TemplateNotFound) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml")
    assert info.value.file == "t.yaml" and info.value.path == "resources.N.type"


def test_cyclic_nested_stack(mini_tree: Any) -> None:
    loop = {"heat_template_version": "wallaby", "resources": {"Again": {"type": "a.yaml"}},
            "outputs": {"o": {"value": {"get_attr": ["Again", "o"]}}}}
    root = mini_tree({"a.yaml": loop})
    with pytest.raises(CyclicStackError, match=r"a\.yaml -> a\.yaml"):
        evaluate_template(TemplateTree.from_path(root), "a.yaml")


def test_get_file_outside_root(mini_tree: Any, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("no")
    root = mini_tree({"t.yaml": {"heat_template_version": "wallaby",
                                 "outputs": {"o": {"value": {"get_file": "../secret.txt"}}}}})
    with pytest.raises(FileOutsideRoot) as info:
        evaluate_template(TemplateTree.from_path(root), "t.yaml")
    assert info.value.file == "t.yaml" and "../secret.txt" in info.value.found


def test_missing_root_parameter(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": {"heat_template_version": "wallaby", "parameters": {"X": {"type": "number"}}}})
    with pytest.raises(MissingParameter, match=r"parameters\.X"):
        evaluate_template(TemplateTree.from_path(root), "t.yaml")


def test_unknown_template_version_and_section(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": {"heat_template_version": "2099-01-01"},
                      "u.yaml": {"heat_template_version": "wallaby", "resource": {}}})
    tree = TemplateTree.from_path(root)
    with pytest.raises(YamlSyntaxError, match="heat_template_version"):
        evaluate_template(tree, "t.yaml")
    with pytest.raises(YamlSyntaxError, match="HOT section"):
        evaluate_template(tree, "u.yaml")


def test_roles_data_errors(mini_tree: Any) -> None:
    root = mini_tree({})
    (root / "roles_data.yaml").write_text(yaml.safe_dump([{"name": "A"}, {"name": "A"}]))
    with pytest.raises(YamlSyntaxError, match=r"roles_data.yaml: \[1\].name"):
        TemplateTree.from_path(root)
    for given, found in ((root / "nope.yaml", "no such file"), (root, "a directory")):
        with pytest.raises(TemplateNotFound) as info:
            TemplateTree.from_path(root, roles_data=given)
        assert str(info.value) == f"{given}: expected an existing file, found {found}"


@pytest.mark.parametrize(("roles", "message"), [
    # tripleo-common's validate_role_yaml types; a string where THT's j2 iterates rendered its characters
    ([{"name": "A", "ServicesDefault": "OS::TripleO::Services::Keystone"}],
     "roles_data.yaml: [0].ServicesDefault: expected a list (role A), found 'OS::TripleO::Services::Keystone'"),
    ([{"name": "A"}, {"name": "B", "tags": "primary"}], "roles_data.yaml: [1].tags: expected a list (role B)"),
    ([{"name": "A", "CountDefault": "3"}],
     "roles_data.yaml: [0].CountDefault: expected an integer (role A), found '3'"),
    ([{"name": "A", "CountDefault": True}], "roles_data.yaml: [0].CountDefault: expected an integer (role A)"),
    ([{"name": "A", "networks": "External"}], "roles_data.yaml: [0].networks: expected a list or a dict (role A)"),
    ([{"name": "A", "ServicesDefault": ["OS::TripleO::Services::Keystone", None]}],
     "roles_data.yaml: [0].ServicesDefault[1]: expected a service's resource type, e.g. "
     "OS::TripleO::Services::Keystone, found None"),
    # THT's j2 reads roles[0]: it failed rendering overcloud.j2.yaml, naming that template
    ([], "roles_data.yaml: expected a list of roles (at least one), found an empty list"),
])
def test_role_metadata_of_the_wrong_type_is_a_typed_error(mini_tree: Any, roles: list[Any], message: str) -> None:
    root = mini_tree({})
    (root / "roles_data.yaml").write_text(yaml.safe_dump(roles))
    with pytest.raises(YamlSyntaxError) as err:
        TemplateTree.from_path(root)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(("networks", "message"), [
    # a network without a name failed later, as a YAML error in the rendered resource registry
    ([{"vip": True}], "n.yaml: [0].name: expected a network mapping with a non-empty string name, found {'vip': True}"),
    ([{"name": "External"}, {"name": "External"}], "n.yaml: [1].name: expected unique network names"),
])
def test_network_data_entries_need_unique_names(mini_tree: Any, tmp_path: Path, networks: list[Any],
                                                message: str) -> None:
    root = mini_tree({})
    (tmp_path / "n.yaml").write_text(yaml.safe_dump(networks))
    with pytest.raises(YamlSyntaxError) as err:
        TemplateTree.from_path(root, network_data=tmp_path / "n.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'n.yaml'}: {message[len('n.yaml: '):]}")


def test_a_file_that_is_not_utf8_is_a_typed_error(mini_tree: Any) -> None:
    root = mini_tree({"ok.yaml": {"heat_template_version": "rocky"}})
    (root / "e.yaml").write_bytes(b"parameter_defaults: {A: \xff}\n")
    with pytest.raises(YamlSyntaxError) as err:
        TemplateTree.from_path(root).load(root / "e.yaml")
    assert str(err.value) == "e.yaml: expected UTF-8 text, found a byte that is not UTF-8 at offset 24"
