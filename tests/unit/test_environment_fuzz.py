"""Any environment file, however malformed, is merged into the stack or refused with a typed error naming it —
never another exception (a traceback is what a user of the CLI would see). Environments are a small valid one with
one section replaced by a value of any shape, or a well-shaped one whose values are of any type, and the stack they
are given to has a parameter of every Heat type and a ResourceGroup counted by one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.heat import TemplateTree, evaluate_template
from fakes.heat.errors import TemplateError

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
                     st.text(max_size=10), st.sampled_from(["svc.yaml", "missing.yaml", "OS::Heat::None", "OS::A",
                                                            "merge", "deep_merge", "a,b", '{"k": 1}', "true"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.one_of(st.text(max_size=8), st.integers(0, 3),
                                                   st.sampled_from(["Count", "Name", "Csv", "Json", "Flag",
                                                                    "OS::A", "resources", "default", "hooks"])),
                                         inner, max_size=3), max_leaves=8)
_SECTIONS = ["parameters", "parameter_defaults", "resource_registry", "parameter_merge_strategies", "event_sinks",
             "encrypted_param_names", "bogus"]

TEMPLATE = {
    "heat_template_version": "wallaby",
    "parameters": {"Count": {"type": "number", "default": 1}, "Name": {"type": "string", "default": "n"},
                   "Csv": {"type": "comma_delimited_list", "default": []}, "Json": {"type": "json", "default": {}},
                   "Flag": {"type": "boolean", "default": False}},
    "resources": {
        "Group": {"type": "OS::Heat::ResourceGroup", "properties": {
            "count": {"get_param": "Count"}, "resource_def": {"type": "OS::A", "properties": {"RoleName": "x"}}}},
    },
    "outputs": {"all": {"value": [{"get_param": p} for p in ("Count", "Name", "Csv", "Json", "Flag")]},
                "group": {"value": {"get_attr": ["Group", "role_data"]}}},
}
SERVICE = {"heat_template_version": "wallaby", "parameters": {"RoleName": {"type": "string"}},
           "outputs": {"role_data": {"value": {"get_param": "RoleName"}}}}
VALID = {"resource_registry": {"OS::A": "svc.yaml"},
         "parameter_defaults": {"Count": 2, "Name": "x", "Csv": "a,b", "Json": {"k": 1}, "Flag": True}}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))  # an evaluation takes milliseconds: more than the profile's


@st.composite
def environments(draw: st.DrawFn) -> Any:
    how = draw(st.sampled_from(["section", "values", "whole"]))
    if how == "whole":
        return draw(_VALUES)
    env = {k: dict(v) for k, v in VALID.items()}
    if how == "section":
        env[draw(st.sampled_from(_SECTIONS))] = draw(_VALUES)
    else:
        section = draw(st.sampled_from(["parameter_defaults", "parameters", "resource_registry"]))
        env[section] = {**env.get(section, {}), **draw(st.dictionaries(
            st.sampled_from(["Count", "Name", "Csv", "Json", "Flag", "OS::A", "OS::B", "resources"]), _VALUES,
            max_size=3))}
    return env


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=EXAMPLES)
@given(env=environments())
def test_a_malformed_environment_is_merged_or_refused_with_a_typed_error(mini_tree: Any, env: Any) -> None:
    root = mini_tree({"t.yaml": TEMPLATE, "svc.yaml": SERVICE})
    (root / "env.yaml").write_text(yaml.safe_dump(env))
    try:
        out = evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["env.yaml"])
    except TemplateError as exc:
        assert str(exc).startswith(("env.yaml", "t.yaml", "svc.yaml")), str(exc)
        return
    count, _, csv, _, flag = out["all"]
    assert isinstance(csv, list) and isinstance(flag, bool)
    assert len(out["group"]) == int(count) >= 0


def test_the_valid_environment_evaluates(mini_tree: Any, tmp_path: Path) -> None:
    root = mini_tree({"t.yaml": TEMPLATE, "svc.yaml": SERVICE})
    (root / "env.yaml").write_text(yaml.safe_dump(VALID))
    out = evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=["env.yaml"])
    assert out["all"] == [2, "x", ["a", "b"], {"k": 1}, True] and out["group"] == ["x", "x"]
