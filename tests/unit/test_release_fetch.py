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
