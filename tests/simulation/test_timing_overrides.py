"""A scenario overrides the shipped timing profile (issue 6: "overridable per scenario"), in place or from a
profile file; a misspelt or malformed override is a typed error naming the file and the key, before any run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.run import prepare_scenario, run_scenario
from simulator.scenario import ScenarioError, load_scenario
from simulator.timing import Duration, load_timing

UPGRADE = """name: quick-prepare
kind: upgrade
source: {release: "11.6.0"}
target: {release: "14.3.0"}
nodes: {Controller: 1, Compute: 1}
environments: [environments/docker-ha.yaml]
"""


@pytest.mark.integration
def test_a_scenario_override_sets_the_duration_the_run_takes(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(UPGRADE + "timing:\n  phases: {container_image_prepare: 60, container_image_upload: 100}\n"
                    "  effects: {image: {uniform: [1, 2]}}\n")
    run = run_scenario(str(file), seed=1)
    span = next(p for p in run.simulation.phases if p.name == "external-upgrade run --tags container_image_prepare")
    # the command's own 60 s, then the images: the first alone, the others four at a time, 100 s each
    images = {i for role in run.target.roles if role.nodes for i in role.images().values()}
    [event] = run.simulation.trace.select("undercloud.images")
    assert event.data == {"images": len(images), "workers": 4} and len(images) > 20
    assert span.end - span.start == 60.0 + 100.0 + math.ceil((len(images) - 1) / 4) * 100.0
    timing = run.simulation.timing
    assert timing.effect("image") == Duration("uniform", 1.0, 2.0)
    assert timing.effect("package") == Duration("uniform", 30.0, 180.0)  # the rest is the shipped profile


def test_a_profile_file_next_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "fast.yaml").write_text("skipped: 0\nphases: {config_download: 30}\n")
    file = tmp_path / "s.yaml"
    file.write_text(UPGRADE + "timing: profiles/fast.yaml\n")
    timing = prepare_scenario(str(file)).simulation.timing
    assert (timing.skipped, timing.phase("config_download")) == (Duration("fixed", 0.0), Duration("fixed", 30.0))


@pytest.mark.parametrize(("timing", "message"), [
    ("{effects: {imag: 5}}",
     "s.yaml: timing.effects.imag: expected one of async_launch, container, container_manage, "),
    ("{phase: {config_download: 5}}", "s.yaml: timing.phase: expected one of effects, phases, skipped, task_default"),
    ("{effects: [image]}", "s.yaml: timing.effects: expected a mapping of name to duration"),
    ("{effects: {image: {uniform: [9, 1]}}}", "s.yaml: timing.effects.image: expected seconds (0 to 1e9), "),
    # a distribution replaces the default's whole: the error shows what the scenario wrote, not a merge
    ("{phases: {container_start: {dist: normal, mean: -5}}}",
     "timing.phases.container_start: expected seconds (0 to 1e9), {uniform: [a, b]} (0 <= a <= b), {normal: "
     "[mean, sd]} (mean, sd >= 0) or {lognormal: [mu, sigma]} (mu <= 20, 0 <= sigma <= 5); numbers of at most 1e9, "
     "found {'dist': 'normal', 'mean': -5}"),
    # values that are no duration: they loaded, and the run went on with infinite or NaN times (or, for a
    # lognormal's e^1000, stopped with an OverflowError traceback)
    ("{task_default: .inf}", "s.yaml: timing.task_default: expected seconds (0 to 1e9), "),
    ("{effects: {pacemaker: .nan}}", "s.yaml: timing.effects.pacemaker: expected seconds (0 to 1e9), "),
    ("{effects: {pacemaker: {normal: [.nan, 1]}}}", "s.yaml: timing.effects.pacemaker: expected seconds "),
    ("{effects: {pacemaker: {uniform: [0, .inf]}}}", "s.yaml: timing.effects.pacemaker: expected seconds "),
    ("{effects: {pacemaker: {lognormal: [1000, 1]}}}", "s.yaml: timing.effects.pacemaker: expected seconds "),
    ("{effects: {pacemaker: {lognormal: [1, 50]}}}", "s.yaml: timing.effects.pacemaker: expected seconds "),
    ("{phases: {config_download: 2.0e+9}}", "s.yaml: timing.phases.config_download: expected seconds "),
    # YAML 1.1 reads 1e9 as a string, though the message writes numbers that way: a hint says so
    ("{task_default: 1e9}", "found '1e9' (YAML reads 1e9 as a string: write a plain number (1000, 1.0e+3))"),
    ("{task_default: {uniform: [0, 1e3]}}", "(YAML reads 1e3 as a string: write a plain number"),
    ("[1, 2]", "s.yaml: timing: expected a timing profile file or a mapping of overrides, found [1, 2]"),
    # false, 0 and [] read as "no overrides" (and false or 0 then failed with a TypeError traceback)
    ("false", "s.yaml: timing: expected a timing profile file or a mapping of overrides, found False"),
    ("0", "s.yaml: timing: expected a timing profile file or a mapping of overrides, found 0"),
    ("[]", "s.yaml: timing: expected a timing profile file or a mapping of overrides, found []"),
    # a normal below 0 on average: every sample was clipped to 0
    ("{task_default: {normal: [-100, 1]}}", "s.yaml: timing.task_default: expected seconds (0 to 1e9), "),
    ("missing.yaml", "s.yaml: timing: expected a timing profile file or a mapping of overrides, found no such file"),
    # an empty path named the scenario's directory "no such file"
    ("''", "s.yaml: timing: expected a timing profile file or a mapping of overrides, found ''"),
])
def test_a_bad_override_names_the_file_and_key(tmp_path: Path, timing: str, message: str) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(UPGRADE + f"timing: {timing}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(file))
    assert message in str(err.value)


def test_a_bad_key_in_a_profile_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("phases: {bogus: 1}\n")
    file = tmp_path / "s.yaml"
    file.write_text(UPGRADE + "timing: p.yaml\n")
    with pytest.raises(ScenarioError, match=r"p\.yaml: phases\.bogus: expected one of config_download"):
        load_scenario(str(file))


@pytest.mark.parametrize(("value", "duration"), [
    (5, Duration("fixed", 5.0)),
    ({"normal": [1.5, 0.5]}, Duration("normal", 1.5, 0.5)),
    ({"lognormal": [0, 0.5]}, Duration("lognormal", 0.0, 0.5)),
])
def test_task_default_takes_any_duration(tmp_path: Path, value: object, duration: Duration) -> None:
    # task_default's shipped value is a {uniform: ...} mapping, which the override check took for a mapping of
    # names like effects': a constant or another distribution was refused ("expected one of uniform")
    assert load_timing({"task_default": value}, "s.yaml", "timing").task_default == duration
    file = tmp_path / "s.yaml"
    file.write_text(UPGRADE + f"timing: {{task_default: {json.dumps(value)}}}\n")
    assert load_scenario(str(file)).timing == {"task_default": value}


_NUMBERS = st.one_of(st.floats(), st.integers(-10**12, 10**12))


@settings(max_examples=300)
@given(value=st.one_of(_NUMBERS, st.builds(lambda kind, a, b: {kind: [a, b]},
                                            st.sampled_from(["uniform", "normal", "lognormal"]), _NUMBERS, _NUMBERS)),
       seed=st.integers(0, 2**32))
def test_every_duration_a_profile_accepts_samples_finite_times(value: object, seed: int) -> None:
    """A duration is refused with a typed error or samples finite seconds >= 0, each and summed over a long run."""
    try:
        duration = load_timing({"effects": {"image": value}}, "s.yaml", "timing").effect("image")
    except ScenarioError:
        return
    rng = Random(seed)
    samples = [duration.sample(rng) for _ in range(200)]
    # at most 1e9 s each (a lognormal [20, 5] drew ~1e19 s, where a float time no longer resolves a second)
    assert all(0 <= x <= 1e9 for x in samples) and math.fsum(samples) * 10**6 < math.inf


def test_a_lognormal_sample_is_at_most_1e9_seconds() -> None:
    duration = load_timing({"effects": {"image": {"lognormal": [20, 5]}}}, "s.yaml", "timing").effect("image")
    rng = Random(1)
    samples = [duration.sample(rng) for _ in range(1000)]
    assert max(samples) == 1e9 and min(samples) < 1e9
