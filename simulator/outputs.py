"""The files the CLI writes (``--json``, ``--junit``): checked before any work, so a long simulation or search never
ends in a traceback, or with its result lost, because the path cannot be written."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from fakes.heat.errors import TemplateError

__all__ = ["OutputError", "check_outputs", "check_writable", "write_output"]


class OutputError(TemplateError):
    """An output file cannot be written: ``<option>: <path>: expected ..., found ...``."""


def check_writable(path: str | None, option: str) -> None:
    """Raise :class:`OutputError` unless ``path`` (``None`` or ``-``, stdout: nothing to check) can be written:
    not a directory, in a directory that exists and that this user may write to."""
    if path is None or path == "-":
        return
    if not path.strip():  # (Path("") is the working directory: "found a directory" said nothing useful)
        raise OutputError(option, path, expected="a file to write (or - for stdout)", found="an empty path")
    target = Path(path)
    parent = target.parent
    if target.is_dir():
        raise OutputError(option, path, expected="a file to write", found="a directory")
    if not parent.is_dir():
        raise OutputError(option, path, expected="a file in an existing directory", found=f"no directory {parent}")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise OutputError(option, path, expected="a file this user may write", found="permission denied")
    real = Path(_identity(path))
    if real.exists() and not real.is_file():
        return  # a device or a pipe (/dev/null): written in place, nothing to try
    try:  # what write_output does: a new file beside the target (root passes os.access for /proc too)
        fd, trial = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".part")
        os.close(fd)
        os.unlink(trial)
    except OSError as exc:
        raise OutputError(option, path, expected="a file this user may write",
                          found=exc.strerror or str(exc)) from None


def check_outputs(outputs: Mapping[str, str | None], inputs: Iterable[str | os.PathLike[str] | None] = ()) -> None:
    """Raise :class:`OutputError` unless every output (option -> path; ``None``: not asked for) can be written
    (:func:`check_writable`), no two name the same file (or both stdout), and none is one of ``inputs`` (the files
    the command reads: a scenario, an environment, a nodes file...), which the run would overwrite."""
    seen: dict[str, str] = {}
    read = {_identity(p): str(p) for p in inputs if p is not None and Path(p).is_file()}
    for option, path in outputs.items():
        if path is None:
            continue
        check_writable(path, option)
        ident = "-" if path == "-" else _identity(path)
        if ident in seen:
            raise OutputError(option, path, expected=f"a file other than {seen[ident]}'s",
                              found="the same " + ("stdout" if ident == "-" else "file"))
        seen[ident] = option
        if ident in read:
            raise OutputError(option, path, expected="a file the command does not read",
                              found=f"its input {read[ident]}")


def _identity(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.path.expanduser(path))


def write_output(path: str, text: str, option: str) -> None:
    """Write ``text`` to ``path`` (``-``: stdout). A file is written whole or not at all: into a new file beside it,
    renamed over it once complete, so a failure (a disk that filled during the run) leaves an earlier file as it was
    and is an :class:`OutputError`. A new file gets the mode the umask gives, an existing one keeps its mode."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(_identity(path))  # through a symlink, to the file it names
    if target.exists() and not target.is_file():  # a device or a pipe: renaming over it would replace it
        try:
            with open(target, "w") as out:
                out.write(text)
        except OSError as exc:
            raise OutputError(option, path, expected="a file to write", found=exc.strerror or str(exc)) from exc
        return
    temporary = None
    try:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise OutputError(option, path, expected="a file to write", found=exc.strerror or str(exc)) from exc
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
