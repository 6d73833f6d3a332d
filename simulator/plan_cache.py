"""Evaluated plans kept on disk, so that running a scenario again (another seed, another fault) does not evaluate
the same templates again: fake Heat takes seconds a plan, loading one takes milliseconds.

A plan is kept only for a release from the package index (its unpacked tree is immutable: the key holds the
sdist's sha256); a local THT tree (``templates:``) is evaluated every time. The key also holds the scenario's
environment list, roles, parameters and lifecycle environment and a digest of tripleo-sim's own code; the entry
holds the content digest of every file outside the tree the evaluation read (the user's environment files and the
templates they map, roles_data, network_data), checked before the entry is used. So a changed input or a new
tripleo-sim never reads an old plan. An entry starts with its key and the sha256 of its payload, both checked
before it is unpickled: an unreadable, corrupt (one byte changed) or foreign entry (another key's, copied over
it) is evaluated again and replaced, as is anything there that is no regular file.
``TRIPLEO_SIM_PLAN_CACHE=0`` turns the cache off; entries live under ``$TRIPLEO_SIM_CACHE/plans`` (default
``~/.cache/tripleo-sim/plans``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fakes.heat.source import cache_root, read_entry, release_digest, write_entry

from .plan import Plan, stable_digest

__all__ = ["cached_plan", "disable", "enabled"]

_VERSION = 2  # the entry format
_MAGIC = b"tripleo-sim plan\n"
_disabled = False  # this process evaluates every plan (the CLI's --no-plan-cache)


def disable() -> None:
    """Evaluate every plan from now on in this process (the kept ones are neither read nor written)."""
    global _disabled
    _disabled = True


def enabled() -> bool:
    return not _disabled and \
        os.environ.get("TRIPLEO_SIM_PLAN_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the Python sources of the packages that evaluate plans (simulator, fakes)."""
    import fakes
    import simulator

    h = hashlib.sha256()
    for package in (simulator, fakes):
        root = Path(str(package.__file__)).parent
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _file_digest(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _current(deps: Iterable[tuple[str, str | None]]) -> bool:
    return all(_file_digest(path) == digest for path, digest in deps)


def cached_plan(root: Path, inputs: dict[str, Any], build: Callable[[], tuple[Plan, Iterable[str | None]]],
                progress: Callable[[str], None] | None = None) -> Plan:
    """The plan ``build()`` evaluates for ``inputs`` (JSON-able) in the tree ``root``, read from the cache when an
    earlier run kept it and none of the files outside the tree it read (``build()`` returns them with the plan)
    changed since."""
    release = release_digest(root)
    if not enabled() or release is None:
        return build()[0]
    key_data = {"v": _VERSION, "python": list(sys.version_info[:2]), "code": _code_digest(), "release": release,
                "inputs": inputs}
    key = stable_digest(key_data, 32)
    path = cache_root() / "plans" / f"{key}.pickle"
    entry = _read(path, key)
    if isinstance(entry, dict) and isinstance(entry.get("plan"), Plan) and _current(entry.get("deps", ())):
        if progress:
            progress(f"plan from the cache ({path})")
        return entry["plan"]
    plan, read = build()
    deps = sorted({(str(p), _file_digest(str(p))) for p in read if p is not None})
    try:
        payload = pickle.dumps({"deps": deps, "plan": plan}, protocol=pickle.HIGHEST_PROTOCOL)
    except pickle.PicklingError:
        return plan
    write_entry(path, payload, _head(key))  # a read-only or full cache: the run goes on without it
    return plan


def _head(key: str) -> bytes:
    return _MAGIC + key.encode() + b"\n"


def _read(path: Path, key: str) -> Any:
    """The entry at ``path`` if it was written for ``key`` and is whole (:func:`fakes.heat.source.read_entry`)."""
    payload = read_entry(path, _head(key))
    try:
        return None if payload is None else pickle.loads(payload)
    except Exception:  # a payload that no longer unpickles: evaluate again and replace it
        return None
