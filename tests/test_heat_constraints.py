"""Parameter constraints in the fake Heat: judged as real Heat judges them, and each violation a typed error naming
the file and key where the bad value or constraint is.

Real Heat's verdicts were recorded by ``nox -s fidelity-heat -- --constraints --write-constraints``
(``tests/fidelity/heat/data/constraints.json``, never hand-edited); ``nox -s fidelity-heat -- --constraints``
compares live.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from heat_fidelity import load

from fakes.heat import TemplateTree, evaluate_template
from fakes.heat.constraints import ConstraintViolation
from fakes.heat.errors import TemplateError, YamlSyntaxError
from simulator.planning import build_plan

constraints = load("constraints")


def test_the_fake_judges_every_recorded_case_as_real_heat() -> None:
    recorded = constraints.load_recorded()
    assert set(recorded) == {c["id"] for c in constraints.cases()}, "cases changed: record them again"
    assert set(recorded.values()) == {"ok", "schema", "default", "value"}  # every verdict is exercised
    assert constraints.compare(recorded) == []


def test_a_disagreement_is_reported_with_the_case() -> None:
    recorded = constraints.load_recorded()
    flipped = {k: ("ok" if v != "ok" else "value") for k, v in recorded.items()}
    lines = constraints.compare(flipped)
    assert len(lines) == len(recorded) and "real Heat ok, fake" in " ".join(lines)


TEMPLATE = """heat_template_version: rocky
parameters:
  LibvirtType:
    type: string
    default: kvm
    constraints:
      - allowed_values: [kvm, qemu]
  Workers:
    type: number
    default: 0
    constraints:
      - range: {min: 0, max: 64}
        description: at most 64 workers
resources:
  nested:
    type: nested.yaml
    properties:
      Size: {get_param: Workers}
outputs:
  out:
    value: {get_param: LibvirtType}
  size:
    value: {get_attr: [nested, size]}
"""
NESTED = """heat_template_version: rocky
parameters:
  Size:
    type: number
    constraints:
      - allowed_values: [0, 8, 16]
outputs:
  size:
    value: {get_param: Size}
"""


def _evaluate(mini_tree: Callable[..., Path], env: str | None, template: str = TEMPLATE) -> dict:
    files = {"t.yaml": template, "nested.yaml": NESTED}
    if env is not None:
        files["env.yaml"] = env
    root = mini_tree(files)
    return evaluate_template(TemplateTree.from_path(root), "t.yaml",
                             environment_files=[root / "env.yaml"] if env is not None else ())


def test_values_within_the_constraints_evaluate(mini_tree: Callable[..., Path]) -> None:
    assert _evaluate(mini_tree, "parameter_defaults: {LibvirtType: qemu, Workers: 16}\n") == {"out": "qemu",
                                                                                            "size": 16}


def test_a_bad_parameter_default_names_the_environment_file_and_key(mini_tree: Callable[..., Path]) -> None:
    with pytest.raises(ConstraintViolation) as err:
        _evaluate(mini_tree, "parameter_defaults: {LibvirtType: kvmm}\n")
    assert str(err.value) == ("env.yaml: parameter_defaults.LibvirtType: expected one of \"kvm\", \"qemu\", "
                              "found 'kvmm' (the constraint of parameters.LibvirtType in t.yaml)")


def test_the_constraint_description_is_shown(mini_tree: Callable[..., Path]) -> None:
    with pytest.raises(ConstraintViolation, match=r"^env\.yaml: parameters\.Workers: expected a value in the range "
                                                  r"0 to 64, found 100 \(at most 64 workers; the constraint of "):
        _evaluate(mini_tree, "parameters: {Workers: 100}\n")


def test_a_value_a_parent_passes_names_the_nested_parameter_and_the_parent(mini_tree: Callable[..., Path]) -> None:
    with pytest.raises(ConstraintViolation) as err:
        _evaluate(mini_tree, "parameter_defaults: {Workers: 4}\n")
    assert str(err.value) == ("nested.yaml: parameters.Size: expected one of 0, 8, 16, found 4 "
                              "(passed by t.yaml: resources.nested.properties)")


def test_a_template_default_that_breaks_its_constraint(mini_tree: Callable[..., Path]) -> None:
    # a pull request to the templates that changes a default past its own constraint fails in real Heat too
    with pytest.raises(ConstraintViolation, match=r"^t\.yaml: parameters\.LibvirtType\.default: expected one of "
                                                  r"\"kvm\", \"qemu\", found 'xen'$"):
        _evaluate(mini_tree, None, TEMPLATE.replace("default: kvm", "default: xen"))


def test_a_constraint_that_does_not_suit_the_type(mini_tree: Callable[..., Path]) -> None:
    with pytest.raises(YamlSyntaxError, match=r"^t\.yaml: parameters\.LibvirtType\.constraints\[0\]\.range: "
                                              r"expected a constraint valid for a string parameter, found range$"):
        _evaluate(mini_tree, None, TEMPLATE.replace("- allowed_values: [kvm, qemu]", "- range: {min: 1}"))


@pytest.mark.integration
def test_a_release_plan_rejects_a_bad_value_from_an_operator_environment(tht: Callable[[str], Path],
                                                                        tmp_path: Path) -> None:
    env = tmp_path / "tuning.yaml"
    env.write_text("parameter_defaults:\n  NovaLibvirtRxQueueSize: 500\n")
    root = tht("18.0.0")
    with pytest.raises(ConstraintViolation) as err:
        build_plan(root, environment_files=[str(env)], tree=TemplateTree.from_path(root))
    assert str(err.value).startswith(f"{env}: parameter_defaults.NovaLibvirtRxQueueSize: expected one of 256, "
                                     "512, 1024, found 500 (the constraint of parameters.NovaLibvirtRxQueueSize in "
                                     "deployment/nova/nova-compute-container-puppet.yaml)")


TYPED = """heat_template_version: rocky
parameters:
  Servers: {type: comma_delimited_list, default: []}
  Debug: {type: boolean, default: false}
resources:
  nested:
    type: nested.yaml
    properties:
      Size: {get_param: Servers}
outputs:
  servers:
    value: {get_param: Servers}
"""


@pytest.mark.parametrize(("env", "message"), [
    # Heat splits only strings ("Value must be a comma-delimited list string"): the fake split str({'a': 1})
    ("parameter_defaults: {Servers: {a: 1}}\n",
     "env.yaml: parameter_defaults.Servers: expected a value of type comma_delimited_list, found {'a': 1} "
     "(the type of parameters.Servers in t.yaml)"),
    ("parameter_defaults: {Servers: 5}\n", "env.yaml: parameter_defaults.Servers: expected a value of type "
                                           "comma_delimited_list, found 5 (the type of parameters.Servers in t.yaml)"),
    # named where it was given, not only as the template's parameter
    ("parameters: {Debug: maybe}\n", "env.yaml: parameters.Debug: expected a value of type boolean, found 'maybe' "
                                     "(the type of parameters.Debug in t.yaml)"),
])
def test_a_value_of_the_wrong_type_names_the_environment_file_and_key(mini_tree: Callable[..., Path], env: str,
                                                                      message: str) -> None:
    with pytest.raises(TemplateError) as err:
        _evaluate(mini_tree, env, TYPED)
    assert str(err.value) == message


def test_a_list_passed_by_a_parent_of_the_wrong_type_names_the_parent(mini_tree: Callable[..., Path]) -> None:
    root = mini_tree({"t.yaml": TYPED + "  size:\n    value: {get_attr: [nested, size]}\n",
                      "nested.yaml": "heat_template_version: rocky\nparameters:\n  Size: {type: number}\n"
                                     "outputs:\n  size:\n    value: {get_param: Size}\n",
                      "env.yaml": "parameter_defaults: {Servers: [a, b]}\n"})
    with pytest.raises(TemplateError) as err:
        evaluate_template(TemplateTree.from_path(root), "t.yaml", environment_files=[root / "env.yaml"])
    assert str(err.value) == ("nested.yaml: parameters.Size: expected a value of type number, found ['a', 'b'] "
                              "(passed by t.yaml: resources.nested.properties)")
