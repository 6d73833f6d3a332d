"""A faithful fake of OpenStack Heat for tripleo-heat-templates: rendering, environments, HOT functions per
template version, nested stacks, yaql. Real Heat is a test oracle (``nox -s fidelity-heat``), never a dependency.
"""

from .api import DEFAULT_REGISTRY, evaluate_overcloud, evaluate_template, load_environment, overcloud_stack
from .environment import Environment, ResourceRegistry
from .errors import (
    CyclicStackError,
    FileOutsideRoot,
    FunctionError,
    MissingParameter,
    TemplateError,
    TemplateNotFound,
    TemplateSourceError,
    UnknownResourceType,
    YamlSyntaxError,
)
from .source import fetch_release, resolve_templates
from .stack import EvalContext, Stack
from .tree import TemplateTree

__all__ = [
    "DEFAULT_REGISTRY",
    "CyclicStackError",
    "Environment",
    "EvalContext",
    "FileOutsideRoot",
    "FunctionError",
    "MissingParameter",
    "ResourceRegistry",
    "Stack",
    "TemplateError",
    "TemplateNotFound",
    "TemplateSourceError",
    "TemplateTree",
    "UnknownResourceType",
    "YamlSyntaxError",
    "evaluate_overcloud",
    "evaluate_template",
    "fetch_release",
    "load_environment",
    "overcloud_stack",
    "resolve_templates",
]
