"""The stack's resource graph (fakes.heat.lifecycle) and Heat stack operations in virtual time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fakes.heat import CyclicStackError, TemplateTree, load_environment
from fakes.heat.api import DEPLOY_IDENTIFIER, overcloud_stack
from fakes.heat.lifecycle import resource_graph

SVC = {"heat_template_version": "wallaby", "outputs": {"role_data": {"value": {"service_name": "svc"}}}}


def overcloud(resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "heat_template_version": "wallaby",
        "parameters": {"EnableExtra": {"type": "boolean", "default": False}, "NodeCount": {"type": "number",
                                                                                           "default": 3}},
        "conditions": {"extra": {"get_param": "EnableExtra"}},
        "resources": resources,
    }


def graph_of(mini_tree: Callable[..., Path], resources: dict[str, Any]) -> dict[str, Any]:
    root = mini_tree({"overcloud.yaml": overcloud(resources), "svc.yaml": SVC})
    tree = TemplateTree.from_path(root)
    stack = overcloud_stack(tree, load_environment(tree, [], use_default_registry=False))
    return {r.name: r for r in resource_graph(stack)}


def test_dependencies_come_from_depends_on_and_references(mini_tree: Callable[..., Path]) -> None:
    graph = graph_of(mini_tree, {
        "Net": {"type": "OS::Heat::None"},
        "Config": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["Net", "value"]}}},
        "Servers": {"type": "OS::Heat::ResourceGroup", "depends_on": "Config",
                    "properties": {"count": {"get_param": "NodeCount"},
                                   "resource_def": {"type": "svc.yaml"}}},
        "Extra": {"type": "OS::Heat::None", "condition": "extra", "depends_on": ["Servers"]},
        "Deploy": {"type": "OS::Heat::Value",
                   "properties": {"value": {"if": [True, {"get_resource": "Servers"}, {"get_resource": "Net"}]}}},
    })
    assert set(graph) == {"Net", "Config", "Servers", "Deploy"}  # Extra's condition is false
    assert graph["Config"].depends == ("Net",)
    assert graph["Servers"].depends == ("Config",) and graph["Servers"].members == 3
    assert set(graph["Deploy"].depends) == {"Servers", "Net"}  # both branches of the if, as Heat scans them


def test_a_dependency_cycle_is_a_typed_error(mini_tree: Callable[..., Path]) -> None:
    with pytest.raises(CyclicStackError, match=r"overcloud.yaml: resources: .*(A -> B -> A|B -> A -> B)"):
        graph_of(mini_tree, {"A": {"type": "OS::Heat::None", "depends_on": "B"},
                             "B": {"type": "OS::Heat::None", "depends_on": "A"}})


def test_the_digest_is_what_an_update_compares(mini_tree: Callable[..., Path]) -> None:
    # Heat's _needs_update compares the resolved definition: a changed property changes the digest, a changed
    # reference that resolves the same does not; stacks (templates, groups, chains) have none: they always update
    def graph(value: str, extra_param: bool = False) -> dict[str, Any]:
        template = overcloud({
            "Net": {"type": "OS::Heat::None", "properties": {"name": "ctlplane"}},
            "Config": {"type": "OS::Heat::Value", "properties": {"value": value}},
            "Same": {"type": "OS::Heat::Value",
                     "properties": {"value": {"get_param": "Other" if extra_param else "Name"}}},
            "Stamp": {"type": "OS::Heat::Value", "properties": {"value": {"get_param": "DeployIdentifier"}}},
            "Servers": {"type": "OS::Heat::ResourceGroup",
                        "properties": {"count": 1, "resource_def": {"type": "svc.yaml"}}},
            "Service": {"type": "svc.yaml"},
            # reads the group's attributes: resolving it would evaluate every member (counts as changed)
            "Map": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["Servers", "role_data"]}}},
        })
        template["parameters"].update({"Name": {"type": "string", "default": "x"},
                                       "Other": {"type": "string", "default": "x"},
                                       # as tripleoclient passes it
                                       "DeployIdentifier": {"type": "string", "default": DEPLOY_IDENTIFIER}})
        root = mini_tree({"overcloud.yaml": template, "svc.yaml": SVC})
        tree = TemplateTree.from_path(root)
        stack = overcloud_stack(tree, load_environment(tree, [], use_default_registry=False))
        return {r.name: r for r in resource_graph(stack)}

    before, after, moved = graph("a"), graph("b"), graph("a", extra_param=True)
    assert before["Net"].digest is not None and before["Net"].digest == after["Net"].digest
    assert before["Config"].digest != after["Config"].digest
    assert before["Same"].digest == moved["Same"].digest  # another parameter, the same value
    assert before["Config"].digest == moved["Config"].digest
    assert before["Servers"].digest is None and before["Service"].digest is None
    assert before["Stamp"].digest is None  # tripleoclient's DeployIdentifier: new on every operation
    assert before["Map"].digest is None
