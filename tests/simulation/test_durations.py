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
    first, second = sorted(prefetch, key=lambda e: e.time)
    assert (first.data["phase"], second.data["phase"]) == ("update_tasks", "deploy_steps_tasks")
    timing = load_timing()
    image, cached = timing.effect("image"), timing.effect("image_cached")
    assert cached.b < image.a  # the profile's ranges do not overlap: the ratio below is a real bound
    # the same images both times: each first pull costs at least image.a, each second at most cached.b
    ratio = (second.time - second.data["start"]) / (first.time - first.data["start"])
    assert ratio <= cached.b / image.a
    assert first.time - first.data["start"] > 20 * image.a  # every image of the role, pulled for real
