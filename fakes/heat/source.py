"""Where templates come from: a THT release fetched as an sdist from the package index (cached per version
under the user's cache directory), or a local tree given with ``--templates PATH``.

The wheel has no templates and ``pip download --no-binary :all:`` fails for old releases (their metadata no
longer builds), so the sdist file itself is fetched through the simple repository API and its sha256 checked.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .errors import TemplateSourceError

__all__ = ["PROJECT", "RELEASE_VERSION", "cache_root", "configured_indexes", "fetch_release", "read_entry",
           "release_digest", "resolve_templates", "write_entry"]

PROJECT = "tripleo-heat-templates"
DEFAULT_INDEX = "https://pypi.org/simple/"
_MARKER = ".tripleo-sim-sha256"
_MANIFEST = ".tripleo-sim-files"  # beside the marker: each file of the tree with its size
# a release as the index names it (PEP 440: 11.6.0, 18.0.0, 14.3.0.0rc1); it is a path segment of the cache
RELEASE_VERSION = re.compile(r"[0-9]{1,4}(\.[0-9]{1,4}){0,4}([a-z]{1,5}[0-9]{0,4})?(\.(post|dev)[0-9]{1,4})?")


def cache_root() -> Path:
    """``$TRIPLEO_SIM_CACHE`` or the platform's user cache dir (``~/.cache/tripleo-sim`` on Linux)."""
    env = os.environ.get("TRIPLEO_SIM_CACHE")
    if env:
        return Path(env).expanduser()  # (a literal ./~ directory was made for ~/x)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tripleo-sim"))


def read_entry(path: Path, head: bytes = b"") -> bytes | None:
    """The payload of a cache entry :func:`write_entry` wrote with ``head``: ``path`` is a regular file that starts with
    ``head`` and the sha256 of the rest. None otherwise (missing, a pipe that would block, truncated, changed,
    another key's)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(head):
        return None
    digest, sep, payload = data[len(head):].partition(b"\n")
    if not sep or digest != hashlib.sha256(payload).hexdigest().encode():
        return None
    return payload


def write_entry(path: Path, payload: bytes, head: bytes = b"") -> None:
    """Keep a cache entry (``head``, the sha256 of ``payload``, ``payload``), written aside and renamed into place: a
    reader sees all of it or none. A cache that cannot be written, or holds something else than a file there, is no
    error: the next run evaluates again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not path.is_file():
            return
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(head + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def release_digest(tree: str | os.PathLike[str]) -> str | None:
    """The sha256 of the sdist a cached release tree was unpacked from (None for any other tree)."""
    marker = Path(tree).parent / _MARKER
    try:
        return marker.read_text().strip() or None
    except OSError:
        return None


def configured_indexes() -> list[str]:
    """pip's configured index and extra indexes, in pip's order (env vars first, then ``pip config``)."""
    index = os.environ.get("PIP_INDEX_URL")
    extras = os.environ.get("PIP_EXTRA_INDEX_URL", "").split()
    if index is None or not extras:
        try:
            out = subprocess.run(
                [sys.executable, "-m", "pip", "config", "list"],
                capture_output=True, text=True, timeout=30, check=False,
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        for line in out.splitlines():
            key, _, value = line.partition("=")
            value = value.strip().strip("'\"")
            if key.endswith(".index-url") and index is None:
                index = value
            elif key.endswith(".extra-index-url") and not extras:
                extras = value.split()
    return [index or DEFAULT_INDEX, *extras]


def _sdist_links(index: str, version: str) -> list[tuple[str, str | None]]:
    """(url, sha256) of the sdist of ``version`` on one index; [] if the index does not list it."""
    from pypi_simple import ProjectPage, PyPISimple

    if index.startswith("file://"):
        page_file = Path(index[len("file://"):]) / PROJECT / "index.html"
        if not page_file.is_file():
            return []
        page = ProjectPage.from_html(PROJECT, page_file.read_text(), base_url=page_file.as_uri())
    else:
        with PyPISimple(endpoint=index) as client:
            page = client.get_project_page(PROJECT)
    return [
        (p.url, p.digests.get("sha256"))
        for p in page.packages
        if p.package_type == "sdist" and p.version == version
    ]


def _download(url: str) -> bytes:
    if url.startswith("file://"):
        return Path(urllib.request.url2pathname(url[len("file://"):].split("#")[0])).read_bytes()
    with urllib.request.urlopen(url, timeout=120) as resp:
        return bytes(resp.read())


def fetch_release(version: str, *, refresh: bool = False, progress: Callable[[str], None] | None = None) -> Path:
    """Return the unpacked tree of THT ``version``, downloading and verifying it on first use."""
    say = progress or (lambda _msg: None)
    if not isinstance(version, str) or not RELEASE_VERSION.fullmatch(version):
        # (it is a path segment of the cache: '../x' or 300 digits reached the file system)
        raise TemplateSourceError(f"release {version!r}: expected a version of {PROJECT}, such as 18.0.0")
    root = cache_root()
    if root.exists() and not root.is_dir():
        raise TemplateSourceError(f"cache {root} (TRIPLEO_SIM_CACHE or the user cache): expected a directory, "
                                  "found a file")
    target = root / "tht" / version
    tree = target / f"{PROJECT}-{version}"
    damaged = None
    if not refresh and _complete(target, tree):
        damaged = _damaged(target, tree)
        if damaged is None:
            return tree
        say(f"the cached {version} is incomplete ({damaged}): fetching it again")
        refresh = True
    errors: list[str] = []
    links: list[tuple[str, str | None]] = []
    for index in configured_indexes():
        try:
            links = _sdist_links(index, version)
        except Exception as exc:  # network errors of any client library
            errors.append(f"{index}: {type(exc).__name__}: {exc}")
            continue
        if links:
            break
        errors.append(f"{index}: no sdist of {PROJECT} {version}")
    if not links:
        raise TemplateSourceError(
            f"cannot fetch {PROJECT} {version} and it is not cached in {target}"
            + (f" (the cached tree is incomplete: {damaged})" if damaged else "") + ": " + "; ".join(errors)
            + ". Offline? Pass a local THT tree with --templates PATH."
        )
    url, sha256 = links[0]
    say(f"downloading {url.rsplit('/', 1)[-1]}")
    try:
        data = _download(url)
    except OSError as exc:
        raise TemplateSourceError(
            f"download of {url} failed ({exc}). Offline? Pass a local THT tree with --templates PATH."
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if sha256 and digest != sha256:
        raise TemplateSourceError(f"sha256 mismatch for {url}: index says {sha256}, file is {digest}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
    except OSError as exc:
        raise TemplateSourceError(f"cache {target.parent}: expected a directory this user may write, found "
                                  f"{exc.strerror or exc}") from None
    try:
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:  # not gzip, a bad header, a member outside the tree
            raise TemplateSourceError(f"{url}: expected an sdist of {PROJECT} (a .tar.gz), found "
                                      f"{type(exc).__name__}: {exc}") from None
        unpacked = tmp / f"{PROJECT}-{version}"
        if unpacked.is_dir():  # every file's size, to tell a tree that lost files since (written before the marker)
            (tmp / _MANIFEST).write_text("".join(f"{p.stat().st_size}\t{p.relative_to(unpacked).as_posix()}\n"
                                                 for p in sorted(unpacked.rglob("*")) if p.is_file()))
        (tmp / _MARKER).write_text(digest + "\n")
        if not refresh and _complete(target, tree):
            return tree  # another process unpacked it meanwhile (its tree may be in use: it stays)
        if target.exists():
            shutil.rmtree(target)
        try:
            tmp.rename(target)
        except OSError:
            if _complete(target, tree):  # another process renamed its own copy into place first
                return tree
            raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if not tree.is_dir():
        raise TemplateSourceError(f"{url} did not unpack to {PROJECT}-{version}/")
    return tree


_intact: set[Path] = set()  # trees this process found whole (a run reads a release several times)


def _damaged(target: Path, tree: Path) -> str | None:
    """The first file of the release's manifest that is missing from the cached tree or changed size, else None
    (also for a tree cached before manifests were kept: nothing to check it against)."""
    if target in _intact:
        return None
    try:
        lines = (target / _MANIFEST).read_text().splitlines()
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return f"{_MANIFEST} unreadable"
    for line in lines:
        size, _, name = line.partition("\t")
        try:
            if (tree / name).stat().st_size != int(size):
                return f"{name} changed"
        except FileNotFoundError:
            return f"{name} missing"
        except (OSError, ValueError):
            return f"{name} unreadable"
    _intact.add(target)
    return None


def _complete(target: Path, tree: Path) -> bool:
    """Whether ``target`` holds a whole unpacked release (its marker is written before it is renamed into place)."""
    return (target / _MARKER).is_file() and tree.is_dir()


def resolve_templates(release: str | None, templates: str | os.PathLike[str] | None,
                      progress: Callable[[str], None] | None = None) -> Path:
    """The one place where ``--release`` and ``--templates`` become a tree path."""
    if templates is not None:
        root = Path(templates).expanduser().resolve()
        if not (root / "overcloud.j2.yaml").is_file() and not (root / "overcloud.yaml").is_file():
            raise TemplateSourceError(f"--templates {templates}: not a THT tree (no overcloud.j2.yaml in {root})")
        return root
    if release is None:
        raise TemplateSourceError("give a release (e.g. --release 18.0.0) or a local tree (--templates PATH)")
    return fetch_release(release, progress=progress)
