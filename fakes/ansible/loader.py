"""Resolving ``include_tasks``/``import_tasks`` files: a callback, with a directory loader confined to a root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import IncludeError

__all__ = ["DirectoryLoader", "Loader", "MappingLoader"]

# (file name as written, after templating; path of the including file or None) -> (resolved path, raw task list)
Loader = Callable[[str, str | None], tuple[str, Any]]

MAX_BYTES = 4 * 1024 * 1024


class DirectoryLoader:
    """Loads task files below ``root`` (relative to the including file, then to ``root``); never outside it."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def __call__(self, name: str, relative_to: str | None) -> tuple[str, Any]:
        candidates = []
        if relative_to:
            candidates.append((self.root / relative_to).parent / name)
        candidates.append(self.root / name)
        for candidate in candidates:
            path = candidate.resolve()
            if not path.is_relative_to(self.root):
                raise IncludeError(name, f"expected a file inside {self.root}, found {path}")
            if path.is_file():
                if path.stat().st_size > MAX_BYTES:
                    raise IncludeError(str(path), f"expected at most {MAX_BYTES} bytes")
                with path.open(encoding="utf-8") as handle:
                    return str(path.relative_to(self.root)), yaml.safe_load(handle)
        raise IncludeError(name, f"expected a task file under {self.root} (looked at {[str(c) for c in candidates]})")


class MappingLoader:
    """Task files from a dict (``{"file.yml": [tasks...]}``): for tests and generated playbooks."""

    def __init__(self, files: Mapping[str, Any]) -> None:
        self.files = dict(files)

    def __call__(self, name: str, relative_to: str | None) -> tuple[str, Any]:
        if name not in self.files:
            raise IncludeError(name, f"expected one of the known task files {sorted(self.files)}")
        return name, self.files[name]
