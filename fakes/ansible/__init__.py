"""Ansible semantics for simulated hosts: parse THT task lists, evaluate conditions with ansible-core's own
jinja2 filters/tests in a sandbox, run plays with Ansible's strategies, and map modules to world effects."""

from .coverage import CoverageRow, module_coverage
from .effects import Effect, classify, is_modelled, recording_effects
from .errors import (
    AnsibleSimError,
    BrokenConditional,
    IncludeError,
    InventoryError,
    TaskParseError,
    TemplateFailure,
    UndefinedVariable,
)
from .hosts import Inventory, serial_batches, split_patterns
from .loader import DirectoryLoader, Loader, MappingLoader
from .play import Play, parse_playbook
from .results import Effects, HostTask, ModuleCall, Record, canned_result
from .roles import ROLE_CATALOGUE, RoleModel, catalogued
from .strategy import Runner, RunResult
from .tags import TagSelection, ocata_step
from .tasks import Block, Include, Task, parse_tasks
from .templating import Templar

__all__ = [
    "ROLE_CATALOGUE",
    "AnsibleSimError",
    "Block",
    "BrokenConditional",
    "CoverageRow",
    "DirectoryLoader",
    "Effect",
    "Effects",
    "HostTask",
    "Include",
    "IncludeError",
    "Inventory",
    "InventoryError",
    "Loader",
    "MappingLoader",
    "ModuleCall",
    "Play",
    "Record",
    "RoleModel",
    "RunResult",
    "Runner",
    "TagSelection",
    "Task",
    "TaskParseError",
    "Templar",
    "TemplateFailure",
    "UndefinedVariable",
    "canned_result",
    "catalogued",
    "classify",
    "is_modelled",
    "module_coverage",
    "ocata_step",
    "parse_playbook",
    "parse_tasks",
    "recording_effects",
    "serial_batches",
    "split_patterns",
]
