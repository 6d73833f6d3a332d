"""Typed errors of the Ansible interpreter.

Every error names *where* (a key path such as ``upgrade_tasks[3].when``, optionally prefixed by a file),
what was expected and what was found, so a user can fix the task list without reading a traceback.
"""

from __future__ import annotations

__all__ = [
    "AnsibleSimError",
    "BrokenConditional",
    "IncludeError",
    "InventoryError",
    "TaskParseError",
    "TemplateFailure",
    "UndefinedVariable",
]


class AnsibleSimError(Exception):
    """Base class: every error raised by ``fakes.ansible``."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class TaskParseError(AnsibleSimError):
    """A task list does not have the shape Ansible accepts (raised on load, never mid-run)."""

    def __init__(self, where: str, expected: str, found: object) -> None:
        self.expected = expected
        self.found = found
        super().__init__(where, f"expected {expected}, found {_short(found)}")


class TemplateFailure(AnsibleSimError):
    """A jinja2 expression could not be compiled or evaluated (syntax error, filter error, sandbox refusal)."""

    def __init__(self, where: str, expression: str, reason: str) -> None:
        self.expression = expression
        self.reason = reason
        super().__init__(where, f"cannot evaluate {expression!r}: {reason}")


class UndefinedVariable(TemplateFailure):
    """An expression used a variable that is not defined for the host (Ansible fails the task)."""

    def __init__(self, where: str, expression: str, variable: str, detail: str = "") -> None:
        self.variable = variable
        self.detail = detail or f"{variable!r} is undefined"
        AnsibleSimError.__init__(
            self,
            where,
            f"{self.detail} in {expression!r} (guard it with `... is defined` or `| default(...)`)",
        )
        self.expression = expression
        self.reason = f"{variable!r} is undefined"


class BrokenConditional(TemplateFailure):
    """A ``when``/``failed_when``/``changed_when``/``until`` did not evaluate to a boolean (ansible-core >= 2.19)."""

    def __init__(self, where: str, expression: object, result: object) -> None:
        self.result = result
        AnsibleSimError.__init__(
            self,
            where,
            f"conditional {expression!r} must evaluate to a boolean, found {type(result).__name__} "
            f"{_short(result)} (add `| bool` or a comparison)",
        )
        self.expression = str(expression)
        self.reason = "non-boolean conditional"


class IncludeError(AnsibleSimError):
    """An ``include_tasks``/``import_tasks``/role reference cannot be resolved inside the allowed root."""


class InventoryError(AnsibleSimError):
    """A host pattern, ``--limit``, group or ``serial`` value is invalid."""

    def __init__(self, where: str, expected: str, found: object) -> None:
        self.expected = expected
        self.found = found
        super().__init__(where, f"expected {expected}, found {_short(found)}")


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
