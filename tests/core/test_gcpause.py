"""The cyclic collector is paused while a simulation runs, and left as it was afterwards."""

from __future__ import annotations

import gc
from types import SimpleNamespace
from typing import Any

import pytest

from simulator.core import cyclic_gc_paused
from simulator.workflows.base import Simulation


@pytest.fixture(autouse=True)
def _restore_gc() -> Any:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_restored_after() -> None:
    gc.enable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_error_and_left_off_when_it_was_off() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()


def test_a_simulation_runs_with_the_collector_paused() -> None:
    seen: list[bool] = []
    finished: list[float] = []
    fake = SimpleNamespace(
        env=SimpleNamespace(run=lambda until: seen.append(gc.isenabled()), now=42.0),
        start=lambda: None,
        world=SimpleNamespace(finish=finished.append),
    )
    gc.enable()
    Simulation.run(fake)  # type: ignore[arg-type]
    assert seen == [False] and finished == [42.0]
    assert gc.isenabled()
