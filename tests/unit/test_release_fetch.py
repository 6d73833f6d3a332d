"""fetch_release with two processes fetching the same release at once (two tripleo-sim runs, or two test workers,
on a machine that has not cached it yet): the one that finishes second keeps the first one's tree, which may be in
use, instead of deleting it."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from fakes.heat import source
from fakes.heat.source import PROJECT, fetch_release

VERSION = "99.0.0"


def _sdist(marker: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        data = marker.encode()
        info = tarfile.TarInfo(f"{PROJECT}-{VERSION}/overcloud.j2.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A package index serving one sdist of VERSION; ``before_unpack`` runs once the download is done."""
    monkeypatch.setenv("TRIPLEO_SIM_CACHE", str(tmp_path))
    state: dict[str, object] = {"data": _sdist("mine"), "before_unpack": None}
    monkeypatch.setattr(source, "configured_indexes", lambda: ["https://index.invalid/simple/"])
    monkeypatch.setattr(source, "_sdist_links", lambda index, version: [
        (f"https://index.invalid/{PROJECT}-{version}.tar.gz", hashlib.sha256(state["data"]).hexdigest())])

    def download(url: str) -> bytes:
        hook = state["before_unpack"]
        if callable(hook):
            hook()
        return state["data"]  # type: ignore[return-value]

    monkeypatch.setattr(source, "_download", download)
    return state


def _unpack_as_another_process(root: Path) -> Path:
    """What a second process leaves after it fetched the release: a whole tree with its marker, in use."""
    target = root / "tht" / VERSION
    tree = target / f"{PROJECT}-{VERSION}"
    tree.mkdir(parents=True)
    (tree / "overcloud.j2.yaml").write_text("theirs")
    (target / source._MARKER).write_text("digest\n")
    return tree


def test_a_release_another_process_unpacked_meanwhile_is_kept(index: dict[str, object], tmp_path: Path) -> None:
    index["before_unpack"] = lambda: _unpack_as_another_process(tmp_path)
    tree = fetch_release(VERSION)
    # the other process's tree, untouched: deleting it would pull files from under its running tests
    assert (tree / "overcloud.j2.yaml").read_text() == "theirs"
    assert not [p for p in (tmp_path / "tht").iterdir() if p.name.startswith(".")]  # no unpacking left behind


def test_a_first_fetch_unpacks_and_a_second_reads_the_cache(index: dict[str, object], tmp_path: Path) -> None:
    tree = fetch_release(VERSION)
    assert (tree / "overcloud.j2.yaml").read_text() == "mine"
    index["before_unpack"] = lambda: pytest.fail("downloaded again")
    assert fetch_release(VERSION) == tree


def test_refresh_replaces_the_cached_tree(index: dict[str, object], tmp_path: Path) -> None:
    _unpack_as_another_process(tmp_path)
    tree = fetch_release(VERSION, refresh=True)
    assert (tree / "overcloud.j2.yaml").read_text() == "mine"


@pytest.mark.parametrize("version", ["", "../x", "18.0.0/../..", "99.0.0/", "1" * 300, "18.0.0\n", "réléase"])
def test_a_version_that_is_no_release_is_refused_before_the_cache(version: str, index: dict[str, object],
                                                                   tmp_path: Path) -> None:
    # it became a path segment of the cache: 300 digits gave an OSError traceback, '../x' left the cache
    with pytest.raises(source.TemplateSourceError, match=r"expected a version of tripleo-heat-templates"):
        fetch_release(version)
    assert not (tmp_path / "tht").exists()


def test_a_cache_that_is_a_file_is_a_typed_error(index: dict[str, object], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # NotADirectoryError after the download
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("TRIPLEO_SIM_CACHE", str(tmp_path / "file"))
    with pytest.raises(source.TemplateSourceError, match=r"file \(TRIPLEO_SIM_CACHE or the user cache\): expected a "
                                                         r"directory, found a file"):
        fetch_release(VERSION)
    monkeypatch.setenv("TRIPLEO_SIM_CACHE", "~/x")  # a literal ./~ directory before
    assert source.cache_root() == Path.home() / "x"


@pytest.mark.parametrize("data", [b"not gzip", None])
def test_an_sdist_that_does_not_unpack_is_a_typed_error(data: bytes | None, index: dict[str, object],
                                                        tmp_path: Path) -> None:
    # an index that gives no sha256 may serve anything: tarfile's ReadError or OutsideDestinationError tracebacks
    if data is None:
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w:gz") as tar:
            info = tarfile.TarInfo("../evil")
            tar.addfile(info, io.BytesIO(b""))
        data = out.getvalue()
    index["data"] = data
    with pytest.raises(source.TemplateSourceError, match=r"tar\.gz: expected an sdist of tripleo-heat-templates "
                                                         r"\(a \.tar\.gz\), found "):
        fetch_release(VERSION)
    assert not (tmp_path / "tht" / VERSION).exists()
    assert not [p for p in (tmp_path / "tht").iterdir() if p.name.startswith(".")]  # no unpacking left behind


def test_a_cached_tree_that_lost_a_file_is_fetched_again(index: dict[str, object], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # only the marker and the directory were checked: a release missing environments/lifecycle/upgrade-prepare.yaml
    # upgraded with exit code 0 and another result
    downloads: list[str] = []
    download = source._download
    monkeypatch.setattr(source, "_download", lambda url: downloads.append(url) or download(url))
    tree = fetch_release(VERSION)
    assert (tree.parent / source._MANIFEST).read_text() == "4\tovercloud.j2.yaml\n"
    monkeypatch.setattr(source, "_intact", set())  # a new process
    (tree / "overcloud.j2.yaml").unlink()
    said: list[str] = []
    assert fetch_release(VERSION, progress=said.append) == tree and (tree / "overcloud.j2.yaml").read_text() == "mine"
    assert len(downloads) == 2 and said[0] == f"the cached {VERSION} is incomplete (overcloud.j2.yaml missing): " \
        "fetching it again"
    monkeypatch.setattr(source, "_intact", set())
    assert fetch_release(VERSION) == tree and len(downloads) == 2  # whole again: read from the cache
    monkeypatch.setattr(source, "_intact", set())
    (tree / "overcloud.j2.yaml").write_text("changed")
    monkeypatch.setattr(source, "_sdist_links", lambda index, version: [])  # offline
    with pytest.raises(source.TemplateSourceError, match=r"not cached in .* \(the cached tree is incomplete: "
                                                         r"overcloud\.j2\.yaml changed\)"):
        fetch_release(VERSION)
