"""Typed errors of the fake Heat. Each names the file, the key path inside it, what was expected and what
was found, so that a template author can fix the input without reading a traceback."""

from __future__ import annotations

__all__ = [
    "CyclicStackError",
    "FileOutsideRoot",
    "FunctionError",
    "MissingParameter",
    "TemplateError",
    "TemplateNotFound",
    "TemplateSourceError",
    "UnknownResourceType",
    "YamlSyntaxError",
]


class TemplateError(Exception):
    """Base of all input errors: ``file: path: expected ..., found ...``."""

    def __init__(self, file: str, path: str = "", expected: str = "", found: str = "", hint: str = ""):
        self.file = file
        self.path = path
        self.expected = expected
        self.found = found
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.file + (f": {self.path}" if self.path else "")
        parts = [where]
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.found:
            parts.append(f"found {self.found}")
        msg = ": ".join(parts[:2]) + ("" if len(parts) < 3 else f", {parts[2]}")
        if self.hint:
            msg += f" ({self.hint})"
        return msg


class YamlSyntaxError(TemplateError):
    """The file is not valid YAML, or not a mapping at its top level."""


class TemplateNotFound(TemplateError):
    """A nested template, environment or ``get_file`` target does not exist."""


class FileOutsideRoot(TemplateError):
    """A path resolves outside the template root (``../`` escapes, absolute paths, symlinks)."""


class UnknownResourceType(TemplateError):
    """A resource type is neither a template, a registry mapping nor a type the fake Heat models."""


class FunctionError(TemplateError):
    """An intrinsic function got arguments of the wrong shape or type."""


class MissingParameter(TemplateError):
    """A parameter has no value, no ``parameter_defaults`` entry and no default."""


class CyclicStackError(TemplateError):
    """A nested stack includes itself, or resources depend on each other in a cycle."""


class TemplateSourceError(Exception):
    """A THT release could not be fetched or unpacked (offline, unknown version, checksum mismatch)."""
