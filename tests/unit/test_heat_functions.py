"""HOT intrinsic functions of the fake Heat on small templates written for these tests. Expected values follow
openstack-heat's heat/engine/hot/functions.py (the semantics are cross-checked against real Heat by
``nox -s fidelity-heat``)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from fakes.heat import FunctionError, TemplateTree, evaluate_template


def outputs(mini_tree: Any, value: Any, *, version: str = "wallaby", params: dict[str, Any] | None = None,
            conditions: dict[str, Any] | None = None, extra: dict[str, Any] | None = None,
            given: dict[str, Any] | None = None) -> Any:
    template: dict[str, Any] = {"heat_template_version": version, "parameters": params or {},
                                "outputs": {"out": {"value": value}}}
    if conditions:
        template["conditions"] = conditions
    root = mini_tree({"t.yaml": template, **(extra or {})})
    tree = TemplateTree.from_path(root)
    return evaluate_template(tree, "t.yaml", given or {})["out"]


P = {"Name": {"type": "string", "default": "nova"},
     "Map": {"type": "json", "default": {"a": {"b": [10, 20]}}},
     "List": {"type": "comma_delimited_list", "default": "x,y"},
     "Flag": {"type": "boolean", "default": "yes"},
     "Num": {"type": "number", "default": "3"}}


def test_get_param_types_and_paths(mini_tree: Any) -> None:
    got = outputs(mini_tree, {"n": {"get_param": "Name"}, "deep": {"get_param": ["Map", "a", "b", 1]},
                              "strindex": {"get_param": ["Map", "a", "b", "0"]},
                              "missing": {"get_param": ["Map", "nope", "x"]}, "list": {"get_param": "List"},
                              "flag": {"get_param": "Flag"}, "num": {"get_param": "Num"}}, params=P)
    assert got == {"n": "nova", "deep": 20, "strindex": 10, "missing": "", "list": ["x", "y"], "flag": True,
                   "num": 3}


def test_user_value_overrides_default(mini_tree: Any) -> None:
    assert outputs(mini_tree, {"get_param": "Name"}, params=P, given={"Name": "glance"}) == "glance"


def test_str_replace_longest_key_first_and_json(mini_tree: Any) -> None:
    got = outputs(mini_tree, {"str_replace": {"template": "$a $ab $c", "params": {
        "$a": "1", "$ab": "2", "$c": {"k": [1]}}}})
    assert got == '1 2 {"k": [1]}'


def test_str_replace_strict_and_vstrict(mini_tree: Any) -> None:
    with pytest.raises(FunctionError, match="unused: \\$z"):
        outputs(mini_tree, {"str_replace_strict": {"template": "$a", "params": {"$a": "1", "$z": "2"}}})
    with pytest.raises(FunctionError, match="non-empty"):
        outputs(mini_tree, {"str_replace_vstrict": {"template": "$a", "params": {"$a": ""}}})


def test_list_join_multiple_and_json_items(mini_tree: Any) -> None:
    got = outputs(mini_tree, {"list_join": [",", ["a", None], [{"b": 1}]]})
    assert got == 'a,,{"b": 1}'


def test_list_concat_and_unique(mini_tree: Any) -> None:
    assert outputs(mini_tree, {"list_concat": [[1, 2], None, [2]]}) == [1, 2, 2]
    assert outputs(mini_tree, {"list_concat_unique": [[1, 2], [2, 3]]}) == [1, 2, 3]


def test_map_merge_and_replace(mini_tree: Any) -> None:
    assert outputs(mini_tree, {"map_merge": [{"a": 1, "b": 1}, None, {"b": 2}]}) == {"a": 1, "b": 2}
    got = outputs(mini_tree, {"map_replace": [{"k1": "v1", "k2": "v2"},
                                              {"keys": {"k1": "K1"}, "values": {"v2": "V2"}}]})
    assert got == {"K1": "v1", "k2": "V2"}
    with pytest.raises(FunctionError, match="collide"):
        outputs(mini_tree, {"map_replace": [{"a": 1, "b": 2}, {"keys": {"a": "b"}}]})


def test_repeat_permutations(mini_tree: Any) -> None:
    got = outputs(mini_tree, {"repeat": {"template": "%x%-%y%", "for_each": {"%x%": ["a", "b"], "%y%": ["1"]}}})
    assert got == ["a-1", "b-1"]
    got = outputs(mini_tree, {"repeat": {"template": "%x%%y%", "permutations": False,
                                         "for_each": {"%x%": ["a", "b"], "%y%": ["1", "2"]}}})
    assert got == ["a1", "b2"]


def test_yaql_through_the_yaql_package(mini_tree: Any) -> None:
    got = outputs(mini_tree, {"yaql": {"expression": "$.data.l.where($ != null).select($ * 2)",
                                       "data": {"l": [1, None, 3]}}})
    assert got == [2, 6]


def test_if_two_arguments_drops_enclosing_item_on_wallaby(mini_tree: Any) -> None:
    cond = {"on": {"equals": [{"get_param": "Name"}, "nova"]}, "off": {"not": "on"}}
    got = outputs(mini_tree, {"l": ["a", {"if": ["off", "b"]}], "m": {"k": {"if": ["off", 1]}, "j": 2},
                              "t": {"if": ["on", "yes", "no"]}}, params=P, conditions=cond)
    assert got == {"l": ["a"], "m": {"j": 2}, "t": "yes"}


def test_if_two_arguments_rejected_before_wallaby(mini_tree: Any) -> None:
    with pytest.raises(FunctionError, match="if_false"):
        outputs(mini_tree, {"if": [True, "b"]}, version="rocky")


def test_condition_functions(mini_tree: Any) -> None:
    cond = {"a": {"and": [{"equals": [1, 1]}, {"or": [False, {"contains": ["x", ["x", "y"]]}]}]},
            "b": {"not": "a"}}
    assert outputs(mini_tree, [{"if": ["a", 1, 0]}, {"if": ["b", 1, 0]}], conditions=cond) == [1, 0]


def test_circular_conditions(mini_tree: Any) -> None:
    with pytest.raises(FunctionError, match="circular"):
        outputs(mini_tree, {"if": ["a", 1, 0]}, conditions={"a": {"not": "b"}, "b": {"not": "a"}})


def test_function_unknown_to_version_is_plain_map(mini_tree: Any) -> None:
    # list_concat arrived in 2017-09-01: in a newton template it is just a key
    assert outputs(mini_tree, {"list_concat": [[1], [2]]}, version="2016-10-14") == {"list_concat": [[1], [2]]}


def test_kilo_and_liberty_versions(mini_tree: Any) -> None:
    # Newton-era THT still has 2015-04-30 templates: str_split arrived in 2015-10-15, map_merge in 2016-04-08
    split = {"str_split": [",", "a,b"]}
    assert outputs(mini_tree, split, version="2015-04-30") == split
    assert outputs(mini_tree, split, version="2015-10-15") == ["a", "b"]
    merge = {"map_merge": [{"a": 1}, {"b": 2}]}
    assert outputs(mini_tree, merge, version="2015-10-15") == merge
    assert outputs(mini_tree, merge, version="2016-04-08") == {"a": 1, "b": 2}
    assert outputs(mini_tree, {"list_join": ["-", ["x", "y"]]}, version="2015-04-30") == "x-y"


def test_str_split_filter_contains_digest_make_url(mini_tree: Any) -> None:
    got = outputs(mini_tree, {
        "split": {"str_split": [",", "a,b,c", 1]},
        "filter": {"filter": [[None, "x"], ["x", None, "y"]]},
        "contains": {"contains": ["b", ["a", "b"]]},
        "digest": {"digest": ["sha256", "abc"]},
        "url": {"make_url": {"scheme": "https", "host": "::1", "port": 443, "path": "/v3",
                             "query": {"a": "b/c"}}},
    })
    assert got == {"split": "b", "filter": ["y"], "contains": True,
                   "digest": hashlib.sha256(b"abc").hexdigest(), "url": "https://[::1]:443/v3?a=b/c"}


def test_get_file_inside_root(mini_tree: Any) -> None:
    assert outputs(mini_tree, {"get_file": "files/data.txt"}, extra={"files/data.txt": "hello\n"}) == "hello\n"


def test_yaml_anchors(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": "heat_template_version: 2016-10-14\noutputs:\n  out:\n    value:\n"
                                "      a: &x {k: 1}\n      b: *x\n"})
    assert evaluate_template(TemplateTree.from_path(root), "t.yaml")["out"] == {"a": {"k": 1}, "b": {"k": 1}}


@pytest.mark.parametrize(("value", "message"), [
    ({"get_param": "Nope"}, "a parameter declared in this template"),
    ({"list_join": "x"}, "list_join"),
    ({"map_merge": [[1]]}, "maps to merge"),
    ({"yaql": {"expression": "$.data.("}}, "valid yaql"),
    ({"digest": ["nope", "x"]}, "hashlib algorithm"),
    ({"Fn::Join": [",", ["a"]]}, "removed"),
    # tracebacks in the fake that tests/unit/test_template_fuzz.py found (Heat fails each of them too)
    ({"str_split": [",", "a,b", None]}, "an index between 0 and 1"),
    ({"str_split": [",", 5]}, "a string delimiter and a string to split"),
    ({"repeat": {"template": "<%x%>", "for_each": {"<%x%>": [None]}}}, "strings as for_each keys"),
    ({"map_replace": [{"a": 1}, {"keys": {"a": []}}]}, "a string or number as the new key"),
    ({"digest": ["sha256", "\u0100"]}, "a value of Latin-1 characters"),
    ({"contains": [None, "abc"]}, "a string to look for in a string"),
    ({"str_replace": {"template": "abc", "params": {"": "x"}}}, "non-empty placeholders"),  # "empty separator"
])
def test_wrong_arguments_name_the_key_path(mini_tree: Any, value: Any, message: str) -> None:
    with pytest.raises(FunctionError) as info:
        outputs(mini_tree, {"wrapper": [value]})
    assert info.value.file == "t.yaml"
    assert info.value.path.startswith("outputs.out.value.wrapper[0]")
    assert message in str(info.value)


def test_yaml_that_only_the_pure_python_loader_accepts(mini_tree: Any) -> None:
    # libyaml rejects `{get_attr:[...]}` (no space after the colon); Heat falls back to yaml.SafeLoader
    root = mini_tree({"t.yaml": "heat_template_version: 2016-10-14\noutputs:\n  out:\n    value: {k:[a, b]}\n"})
    assert evaluate_template(TemplateTree.from_path(root), "t.yaml")["out"] == {"k": ["a", "b"]}


def test_yaql_string_format_as_heat_of_tripleo_ran_it(mini_tree: Any) -> None:
    expr = 'let(u => $.data.user) -> $.data.stores.select("{0}.client.{1}.keyring".format($.name, $u))'
    got = outputs(mini_tree, {"yaql": {"expression": expr, "data": {"user": "openstack",
                                                                        "stores": [{"name": "ceph"}]}}})
    assert got == ["ceph.client.openstack.keyring"]
    with pytest.raises(FunctionError, match="plain positional"):
        outputs(mini_tree, {"yaql": {"expression": '"{0.__class__}".format($.data)', "data": {}}})
