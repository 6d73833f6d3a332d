"""The files the CLI writes (``--json``, ``--junit``): checked before any work, so a long simulation or search never
ends in a traceback, or with its result lost, because the path cannot be written."""

from __future__ import annotations

import os
from pathlib import Path

from fakes.heat.errors import TemplateError

__all__ = ["OutputError", "check_writable", "write_output"]


class OutputError(TemplateError):
    """An output file cannot be written: ``<option>: <path>: expected ..., found ...``."""


def check_writable(path: str | None, option: str) -> None:
    """Raise :class:`OutputError` unless ``path`` (``None`` or ``-``, stdout: nothing to check) can be written:
    not a directory, in a directory that exists and that this user may write to."""
    if path is None or path == "-":
        return
    target = Path(path)
    parent = target.parent
    if target.is_dir():
        raise OutputError(option, path, expected="a file to write", found="a directory")
    if not parent.is_dir():
        raise OutputError(option, path, expected="a file in an existing directory", found=f"no directory {parent}")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise OutputError(option, path, expected="a file this user may write", found="permission denied")


def write_output(path: str, text: str, option: str) -> None:
    """Write ``text`` to ``path``; a failure (a disk that filled during the run) is an :class:`OutputError`."""
    try:
        Path(path).write_text(text)
    except OSError as exc:
        raise OutputError(option, path, expected="a file to write", found=exc.strerror or str(exc)) from exc
