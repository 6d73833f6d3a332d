"""The (partial) upgrade simulation of the shipped default scenario: deterministic for a seed, different for
another seed, with a readable failure naming host, phase, step and task."""

from __future__ import annotations

import pytest

from simulator.run import run_scenario

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def first():  # type: ignore[no-untyped-def]
    return run_scenario("train-to-wallaby", seed=1)


def test_same_seed_same_trace_hash(first) -> None:  # type: ignore[no-untyped-def]
    again = run_scenario("train-to-wallaby", seed=1)
    assert again.trace_hash == first.trace_hash
    assert again.summary() == first.summary()


def test_different_seed_different_trace(first) -> None:  # type: ignore[no-untyped-def]
    assert run_scenario("train-to-wallaby", seed=2).trace_hash != first.trace_hash


def test_summary_and_json_shape(first) -> None:  # type: ignore[no-untyped-def]
    s = first.summary()
    assert s["source_release"] == "11.6.0" and s["target_release"] == "14.3.0"
    assert [p["name"] for p in s["phases"]][:2] == [
        "upgrade prepare", "external-upgrade run --tags container_image_prepare"]
    assert s["phases"][2]["name"].startswith("upgrade run --limit overcloud-controller-0:")
    data = first.to_json()
    assert data["trace_hash"] == first.trace_hash and len(data["trace"]) == len(first.simulation.trace)
    times = [e["t"] for e in data["trace"]]
    assert times == sorted(times), "the trace is in simulated-time order"
    for failure in s["failures"]:
        assert failure["host"] and failure["phase"] and failure["task"] and failure["error"]


def test_online_upgrade_runs_the_targets_online_data_migrations(first) -> None:  # type: ignore[no-untyped-def]
    # `external-upgrade run --tags online_upgrade`: Wallaby's external_upgrade_tasks tagged online_upgrade, run on
    # the undercloud and delegated to the first node of each service (nova-manage / cinder-manage online migrations)
    sim = first.simulation
    span = next(p for p in sim.phases if p.name == "external-upgrade run --tags online_upgrade")
    ran = [e for e in sim.trace.select("task") if span.start - 1e-6 <= e.data["start"] and e.time <= span.end]
    assert sorted(e.data["task"] for e in ran) == ["Online data migration for Cinder", "Online data migration for Nova"]
    assert {(e.subject, e.data["phase"], e.data["status"]) for e in ran} == {
        ("undercloud", "external_upgrade_tasks", "changed")}
    assert span.end == max(e.time for e in ran)  # the phase lasts as long as its tasks
