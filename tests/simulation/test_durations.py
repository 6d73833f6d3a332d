"""Durations that depend on what a node already did in the run: THT pre-fetches every container image at update
(or upgrade) step 5 and again at deploy step 1, both with `force: true`; the second pull finds the layers present
(`image_cached` in the timing profile) instead of downloading them again."""

from __future__ import annotations

import pytest

from simulator.run import run_scenario
from simulator.timing import load_timing

pytestmark = pytest.mark.integration


def test_a_second_pull_of_the_same_images_costs_a_cached_pull() -> None:
    run = run_scenario("update-18", seed=1)
    prefetch = [e for e in run.simulation.trace.select("task", "overcloud-controller-0")
                if e.data["task"] == "Pre-fetch all the containers"]
    # the update run's two pulls, then the converge's deploy steps pull them a third time
    first, second, third = sorted(prefetch, key=lambda e: e.time)
    assert [e.data["phase"] for e in (first, second, third)] == ["update_tasks", "deploy_steps_tasks",
                                                                  "deploy_steps_tasks"]
    converge = next(p for p in run.simulation.phases if p.name == "update converge")
    assert third.data["start"] >= converge.start and second.time < converge.start
    timing = load_timing()
    image, cached = timing.effect("image"), timing.effect("image_cached")
    assert cached.b < image.a  # the profile's ranges do not overlap: the ratio below is a real bound
    # the same images both times: each first pull costs at least image.a, each second at most cached.b
    for later in (second, third):
        ratio = (later.time - later.data["start"]) / (first.time - first.data["start"])
        assert ratio <= cached.b / image.a
    assert first.time - first.data["start"] > 20 * image.a  # every image of the role, pulled for real
