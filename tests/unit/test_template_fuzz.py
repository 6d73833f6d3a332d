"""Any template, however malformed, evaluates or is refused with a typed error naming it — never another exception
(a traceback is what a user of the CLI would see). Templates are a small one that calls most HOT functions of the
wallaby version, with one key path replaced by a value of any shape (function calls among them), removed or
misspelt."""

from __future__ import annotations

import os
from typing import Any

import yaml
from fuzzing import mutate, paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.heat import TemplateTree, evaluate_template
from fakes.heat.errors import TemplateError

FUNCTIONS = ["get_param", "get_attr", "get_resource", "str_replace", "list_join", "yaql", "if", "equals", "not",
             "and", "or", "map_merge", "map_replace", "repeat", "filter", "str_split", "contains", "list_concat",
             "list_concat_unique", "digest", "get_file", "resource_facade", "str_replace_strict", "str_replace_vstrict",
             "make_url"]
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 5), st.floats(allow_nan=True), st.text(max_size=8),
                     st.sampled_from(["Val", "Group", "Name", "Csv", "value", "big", "$.data", "a,b", "sha256",
                                      "svc.yaml", "0", "role_data"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(FUNCTIONS), inner, min_size=1, max_size=1)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)

TEMPLATE: dict[str, Any] = {
    "heat_template_version": "wallaby",
    "parameters": {"Count": {"type": "number", "default": 2}, "Name": {"type": "string", "default": "x"},
                   "Csv": {"type": "comma_delimited_list", "default": "a,b"},
                   "Json": {"type": "json", "default": {"k": 1}}},
    "conditions": {"big": {"equals": [{"get_param": "Name"}, "x"]}, "small": {"not": "big"}},
    "resources": {
        "Group": {"type": "OS::Heat::ResourceGroup", "properties": {
            "count": {"get_param": "Count"},
            "resource_def": {"type": "svc.yaml", "properties": {"RoleName": "n-%index%"}}}},
        "Val": {"type": "OS::Heat::Value", "condition": "big", "properties": {
            "value": {"str_replace": {"template": "a-$x", "params": {"$x": {"get_param": "Name"}}}}}},
    },
    "outputs": {
        "join": {"value": {"list_join": [",", {"get_param": "Csv"}]}},
        "yaql": {"value": {"yaql": {"expression": "$.data.l.select($ * 2)", "data": {"l": [1, 2]}}}},
        "merge": {"value": {"map_merge": [{"a": 1}, {"get_param": "Json"}]}},
        "replace": {"value": {"map_replace": [{"a": 1}, {"keys": {"a": "b"}}]}},
        "repeat": {"value": {"repeat": {"template": "<%x%>", "for_each": {"<%x%>": {"get_param": "Csv"}}}}},
        "if": {"value": {"if": ["big", {"get_attr": ["Val", "value"]}, "none"]}},
        "group": {"value": {"get_attr": ["Group", "role_data"]}},
        "ref": {"value": {"get_resource": "Group"}},
        "filter": {"value": {"filter": [[None], [1, None]]}},
        "split": {"value": {"str_split": [",", "a,b", 0]}},
        "contains": {"value": {"contains": ["a", {"get_param": "Csv"}]}},
        "concat": {"value": {"list_concat_unique": [[1], [1, 2]]}},
        "digest": {"value": {"digest": ["sha256", {"get_param": "Name"}]}},
    },
}
SERVICE = {"heat_template_version": "wallaby", "parameters": {"RoleName": {"type": "string"}},
           "outputs": {"role_data": {"value": {"get_param": "RoleName"}}}}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))  # an evaluation takes milliseconds: more than the profile's


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=EXAMPLES)
@given(data=st.data(), how=st.sampled_from(["replace", "remove", "misspell"]), value=_VALUES)
def test_a_malformed_template_evaluates_or_is_refused_with_a_typed_error(mini_tree: Any, data: st.DataObject,
                                                                          how: str, value: Any) -> None:
    path = data.draw(st.sampled_from(paths(TEMPLATE)), label="key path")
    root = mini_tree({"t.yaml": mutate(TEMPLATE, path, how, value), "svc.yaml": SERVICE})
    try:
        evaluate_template(TemplateTree.from_path(root), "t.yaml")
    except TemplateError as exc:
        assert str(exc).startswith(("t.yaml", "svc.yaml")), str(exc)


def test_the_template_evaluates(mini_tree: Any) -> None:
    root = mini_tree({"t.yaml": TEMPLATE, "svc.yaml": SERVICE})
    out = evaluate_template(TemplateTree.from_path(root), "t.yaml")
    assert out["join"] == "a,b" and out["yaql"] == [2, 4] and out["merge"] == {"a": 1, "k": 1}
    assert out["replace"] == {"b": 1} and out["repeat"] == ["a", "b"] and out["if"] == "a-x"
    assert out["group"] == ["n-0", "n-1"] and out["filter"] == [1] and out["split"] == "a"
    assert out["contains"] is True and out["concat"] == [1, 2] and len(out["digest"]) == 64
    assert yaml.safe_dump(out)
