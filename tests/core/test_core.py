"""The domain-free simulation core: seeded RNG tree, trace hash, fault scheduling in virtual time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import simpy

from simulator.core import Fault, FaultScheduler, RngTree, Trace


def test_rng_children_are_independent_and_reproducible() -> None:
    a = RngTree(7).child("bmc", "node-1").random()
    b = RngTree(7).child("bmc", "node-1").random()
    c = RngTree(8).child("bmc", "node-1").random()
    first = [a.random() for _ in range(3)]
    assert first == [b.random() for _ in range(3)]
    assert first != [c.random() for _ in range(3)]
    # drawing from one child never shifts another
    x = RngTree(7).child("x").random().random()
    tree = RngTree(7)
    tree.child("y").random().random()
    assert tree.child("x").random().random() == x


def test_trace_hash_depends_on_content_and_order() -> None:
    def run(order: list[str]) -> str:
        t = Trace()
        for i, name in enumerate(order):
            t.record(float(i), "task.end", name, status="ok")
        return t.hash

    assert run(["a", "b"]) == run(["a", "b"])
    assert run(["a", "b"]) != run(["b", "a"])


def test_trace_hash_does_not_depend_on_when_it_is_read() -> None:
    # events are hashed in chunks: reading the hash mid-run (progress, a session) must not change it
    names = [f"h{i}" for i in range(2500)]
    read, quiet = Trace(), Trace()
    for i, name in enumerate(names):
        for t in (read, quiet):
            t.record(float(i), "task.end", name, status="ok")
        if i % 333 == 0:
            assert read.hash == quiet.hash
    assert read.hash == quiet.hash
    changed = Trace()
    for i, name in enumerate(names):  # one event early in the first full chunk differs
        changed.record(float(i), "task.end", name, status="failed" if i == 7 else "ok")
    assert changed.hash != quiet.hash


def test_faults_fire_in_virtual_time_and_end() -> None:
    env = simpy.Environment()
    trace = Trace()
    seen: list[tuple[float, str, bool]] = []
    sched = FaultScheduler(env, trace, [Fault(30, "node-1", "crash", 10), Fault(5, "bmc-2", "unreachable")])
    sched.on("crash", lambda f, active: seen.append((env.now, f.target, active)))
    sched.on("unreachable", lambda f, active: seen.append((env.now, f.target, active)))
    sched.start()
    env.run(until=100)
    assert seen == [(5, "bmc-2", True), (30, "node-1", True), (40, "node-1", False)]
    assert [e.kind for e in trace] == ["fault.start", "fault.start", "fault.end"]


def test_faults_are_validated_before_the_run() -> None:
    with pytest.raises(ValueError, match="'at' must be >= 0"):
        Fault(-1, "n", "crash")
    sched = FaultScheduler(simpy.Environment(), Trace(), [Fault(1, "n", "meteor")])
    with pytest.raises(ValueError, match="no handler for fault kind"):
        sched.start()


def test_core_knows_nothing_of_tripleo() -> None:
    core = Path(__file__).resolve().parents[2] / "simulator" / "core"
    for module in core.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("fakes", "simulator.")), f"{module.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith(("fakes", "simulator")) for a in node.names), module.name


def test_faults_alike_but_one_permanent_sort_and_both_fire() -> None:
    # found by probing: two faults with the same at, target and kind, one with a duration, stopped the run with a
    # TypeError (the dataclass ordering compared None with a number)
    permanent, brief = Fault(5.0, "n1", "node_crash"), Fault(5.0, "n1", "node_crash", 10.0)
    assert sorted([permanent, brief]) == [brief, permanent] and max(permanent, brief) is permanent
    assert Fault(4.0, "n9", "x", None) < brief
    env, trace = simpy.Environment(), Trace()
    fired: list[tuple[float, float | None, bool]] = []
    scheduler = FaultScheduler(env, trace, [permanent, brief])
    scheduler.on("node_crash", lambda f, active: fired.append((env.now, f.duration, active)))
    scheduler.start()
    env.run(until=100)
    assert fired == [(5.0, 10.0, True), (5.0, None, True), (15.0, 10.0, False)]
