"""Parameter constraints: the cases both sides judge, and the fake's verdicts.

Each case is one parameter (type, constraints, default) of a template of a HOT version and, optionally, a value
given to it through the environment's ``parameters`` or ``parameter_defaults``. The verdict is what Heat makes of
the stack's parameters when it validates them: ``ok``; ``schema`` (the constraints themselves are malformed or
do not suit the type); ``default`` (the template's default breaks them); ``value`` (the value given does).

Real Heat's verdicts come from ``constraints_oracle.py`` in the oracle venv: ``nox -s fidelity-heat --
--constraints`` compares them live, ``--write-constraints`` records them in ``data/constraints.json``, which
``tests/test_heat_constraints.py`` (default ``tests`` session) checks the fake against. ``custom_constraint``
is left out: it asks the undercloud's services, and neither side checks it without them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fakes.heat.api import load_environment
from fakes.heat.constraints import ConstraintViolation
from fakes.heat.errors import TemplateError, YamlSyntaxError
from fakes.heat.stack import EvalContext, Stack
from fakes.heat.tree import TemplateTree

RECORDED = Path(__file__).resolve().parent / "data" / "constraints.json"
OLD, NEW = "2016-10-14", "2017-02-24"  # before and from the HOT version that knows `modulo`

# (type, constraints, default, values to give, versions)
_SPECS: list[tuple[str, Any, Any, list[Any], tuple[str, ...]]] = [
    ("string", [{"allowed_values": ["kvm", "qemu"]}], None, ["kvm", "kvmm", 5, "KVM"], (OLD,)),
    ("string", [{"allowed_values": ["kvm", "qemu"]}], "qemu", [None, "kvm"], (OLD,)),
    ("string", [{"allowed_values": ["kvm", "qemu"]}], "xen", [None, "kvm"], (OLD,)),
    ("string", [{"allowed_values": ["5", "6"]}], None, [5, "6", 7], (OLD,)),
    ("number", [{"allowed_values": [256, 512, 1024]}], None, [512, "512", 500, "abc", 512.0, True], (OLD,)),
    ("boolean", [{"allowed_values": [True]}], None, [True, "yes", False, "no", "maybe", 1], (OLD,)),
    ("comma_delimited_list", [{"allowed_values": ["a", "b"]}], None, ["a,b", "a,c", ["a"], ["a", "x"], "",
                                                                      "a, b"], (OLD,)),
    ("comma_delimited_list", [{"allowed_values": ["a", "b"]}], "a,z", [None, "a"], (OLD,)),
    ("json", [{"allowed_values": [{}]}], None, [{}], (OLD,)),
    ("string", [{"allowed_pattern": "[a-z]+"}], None, ["abc", "abc1", "", "1abc", 123], (OLD,)),
    ("string", [{"allowed_pattern": "^[0-9]+$"}], None, ["12", "12a", 12], (OLD,)),
    ("string", [{"allowed_pattern": "(a|ab)"}], None, ["ab", "a", "abc"], (OLD,)),
    ("number", [{"allowed_pattern": "[0-9]+"}], None, [1], (OLD,)),
    ("number", [{"range": {"min": 1, "max": 10}}], None, [5, 0, 11, "7", 10.5, 1, 10, "x"], (OLD,)),
    ("number", [{"range": {"min": 1}}], None, [0, 1000000], (OLD,)),
    ("number", [{"range": {"max": 3}}], 2, [None, 4, 3], (OLD,)),
    ("number", [{"range": {"max": 3}}], 9, [None, 2], (OLD,)),
    ("number", [{"range": {}}], None, [1], (OLD,)),
    ("number", [{"range": {"min": 1, "low": 0}}], None, [1], (OLD,)),
    ("string", [{"range": {"min": 1}}], None, ["5"], (OLD,)),
    ("string", [{"length": {"min": 2, "max": 4}}], None, ["a", "ab", "abcd", "abcde", 12], (OLD,)),
    ("comma_delimited_list", [{"length": {"max": 2}}], None, ["a,b,c", "a", ["x", "y"], ""], (OLD,)),
    ("json", [{"length": {"min": 1}}], None, [{}, {"a": 1}, '{"a": 1}', [1], "[]"], (OLD,)),
    ("number", [{"length": {"min": 1}}], None, [5], (OLD,)),
    ("string", [{"length": {"min": 1.5}}], None, ["ab"], (OLD,)),
    ("number", [{"modulo": {"step": 2, "offset": 1}}], None, [3, 4, "5", -1], (OLD, NEW)),
    ("number", [{"modulo": {"step": 0, "offset": 0}}], None, [1], (NEW,)),
    ("number", [{"modulo": {"step": 2, "offset": 2}}], None, [1], (NEW,)),
    ("number", [{"modulo": {"step": 2, "offset": -1}}], None, [1], (NEW,)),
    ("number", [{"modulo": {"step": 3}}], None, [3], (NEW,)),
    ("number", [{"modulo": {"step": 2.5, "offset": 0}}], None, [5], (NEW,)),
    ("number", [{"modulo": {"step": "4", "offset": "1"}}], None, [5, 6], (NEW,)),
    ("number", [{"range": {"min": "a"}}], None, [1], (OLD,)),
    ("number", [{"range": {"min": "2"}}], None, [1, 3], (OLD,)),
    ("string", [{"allowed_values": ["a"], "description": "Must be a."}], None, ["a", "b"], (OLD,)),
    ("string", [{"length": {"min": 1}}, {"allowed_pattern": "[a-z]*"}], None, ["", "a", "A"], (OLD,)),
    ("string", {"allowed_values": ["a"]}, None, ["a"], (OLD,)),
    ("string", [{"allowed": ["a"]}], None, ["a"], (OLD,)),
    ("string", [{"description": "nothing"}], None, ["a"], (OLD,)),
    ("string", ["allowed_values"], None, ["a"], (OLD,)),
    ("string", [{"allowed_values": "a"}], None, ["a"], (OLD,)),
    ("string", [{"allowed_pattern": 5}], None, ["5"], (OLD,)),
]


def cases() -> list[dict[str, Any]]:
    """Every case: each spec's values (None: no value given, the default stands) through both sections."""
    out: list[dict[str, Any]] = []
    for ptype, constraints, default, values, versions in _SPECS:
        schema: dict[str, Any] = {"type": ptype, "constraints": constraints}
        if default is not None:
            schema["default"] = default
        for version in versions:
            for nested in (False, True):
                for value in values:
                    for via in (("parameters", "parameter_defaults") if value is not None else ("none",)):
                        out.append({"id": f"{len(out):03d}", "version": version, "schema": schema, "value": value,
                                    "via": via, "nested": nested})
    return out


def fake_verdict(case: dict[str, Any]) -> str:
    """The fake's verdict on ``case`` (see the module docstring), through the fake Heat's own parameter handling:
    the parameter in a root template, or (``nested``) in a template a parent's resource creates, passing the
    value as a property where it is given through ``parameters``."""
    if case["via"] == "parameters":
        env: dict[str, Any] = {} if case["nested"] else {"parameters": {"P": case["value"]}}
    else:
        env = {"parameter_defaults": {"P": case["value"]}} if case["via"] == "parameter_defaults" else {}
    template = {"heat_template_version": case["version"], "parameters": {"P": case["schema"]}}
    parent = {"heat_template_version": case["version"],
              "resources": {"r": {"type": "t.yaml", "properties": {"P": case["value"]} if case["via"] == "parameters"
                                  else {}}}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "t.yaml").write_text(json.dumps(template))
        (root / "parent.yaml").write_text(json.dumps(parent))
        (root / "env.yaml").write_text(json.dumps(env))
        (root / "roles_data.yaml").write_text("[{name: Controller}]\n")
        tree = TemplateTree.from_path(root)
        environment = load_environment(tree, [root / "env.yaml"], use_default_registry=False)
        try:
            if case["nested"]:
                Stack(EvalContext(tree, environment), root / "parent.yaml", parent, {}, name="s",
                      root=True).resource("r").nested()
            else:
                Stack(EvalContext(tree, environment), root / "t.yaml", template, environment.parameters,
                      name="s", root=True)
        except ConstraintViolation as exc:
            return "default" if exc.of_default else "value"
        except YamlSyntaxError:
            return "schema"
        except TemplateError:
            return "error"
    return "ok"


def load_recorded() -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in json.loads(RECORDED.read_text())["cases"]}


def write_recorded(verdicts: dict[str, dict[str, str]]) -> None:
    """``data/constraints.json``: each case with real Heat's verdict and message (generated, never hand-edited)."""
    rows = [{**case, **verdicts[case["id"]]} for case in cases()]
    RECORDED.write_text(json.dumps({"oracle": "openstack-heat 27.0.1 Parameters.validate", "cases": rows},
                                   indent=1, sort_keys=True) + "\n")


def compare(verdicts: dict[str, str]) -> list[str]:
    """One line per case where the fake's verdict differs from real Heat's."""
    lines = []
    for case in cases():
        real, fake = verdicts[case["id"]], fake_verdict(case)
        if real != fake:
            lines.append(f"case {case['id']}: {case['schema']} {case['via']}={case['value']!r} "
                         f"{'(nested) ' if case['nested'] else ''}"
                         f"(HOT {case['version']}): real Heat {real}, fake {fake}")
    return lines
