"""Shared fixtures. THT releases are fetched from the package index once and cached under the user cache dir
(``TRIPLEO_SIM_CACHE`` overrides it), so CI runs after the first reuse them."""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from fakes.heat import fetch_release

# Hypothesis profiles: `dev` (default, quick), `ci` (what nox -s tests uses: derandomized, no deadline on a
# loaded 2-core machine), `deep` (long searches). Select with HYPOTHESIS_PROFILE=<name>.
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("deep", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# evaluated plans are not kept on disk by the suite (tests/simulation/test_plan_cache.py turns the cache on in a
# temporary directory): a test never reads a plan an earlier run or the developer's own runs left
os.environ["TRIPLEO_SIM_PLAN_CACHE"] = "0"


@pytest.fixture(scope="session")
def tht() -> Callable[[str], Path]:
    """``tht("18.0.0")`` -> the unpacked release tree (fetched on first use)."""
    cache: dict[str, Path] = {}

    def get(version: str) -> Path:
        if version not in cache:
            cache[version] = fetch_release(version)
        return cache[version]

    return get


@pytest.fixture
def mini_tree(tmp_path: Path) -> Callable[..., Path]:
    """Write a small THT-format tree: ``mini_tree({"a.yaml": {...}, "b.txt": "text"})`` -> its root."""

    def make(files: dict[str, Any]) -> Path:
        root = tmp_path / "tht"
        root.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
        (root / "roles_data.yaml").write_text(yaml.safe_dump([{"name": "Controller"}]))
        return root

    return make


@pytest.fixture(scope="session", autouse=True)
def _plans_evaluated_once(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Plans of releases from the package index are a pure function of the scenario's inputs: the suite evaluates
    each once (fake Heat takes seconds a plan; dozens of tests run the same shipped scenarios). The simulation itself
    runs afresh every time. Local template trees are not cached (their files may change), nor plans with an
    environment file of the test's own (absolute, next to the scenario, or in the working directory); roles_data and
    network_data files are keyed by path (a test writes its own in its own directory).

    Under pytest-xdist the workers share them through this test run's own temporary root (never an earlier run's):
    the first worker to need a plan evaluates it while holding a lock, the others wait for it and read it."""
    import simulator.run as run

    original = run.plan_for
    cache: dict[Any, Any] = {}
    shared = tmp_path_factory.getbasetemp().parent / "plans" if os.environ.get("PYTEST_XDIST_WORKER") else None

    def plan_for(source: Any, scenario: Any, progress: Any = None, *, lifecycle: str | None = None,
                 stack_update: bool = False) -> Any:
        own = [e for e in (*scenario.environments, *source.environments)
               if Path(e).is_absolute() or Path(e).is_file() or (scenario.base and (Path(scenario.base) / e).is_file())]
        if source.templates is not None or own:
            return original(source, scenario, progress, lifecycle=lifecycle, stack_update=stack_update)
        side = "source" if source is scenario.source else "target"
        # as simulator.plan_cache's key: not the scenario file (tests write many with the same layout)
        key = (scenario.roles_data, scenario.roles, scenario.network_data, scenario.environments,
               repr(sorted(scenario.parameters().items())), side, source.release, source.environments, lifecycle,
               stack_update, scenario.heat_type)
        if key not in cache:
            def evaluate() -> Any:
                return original(source, scenario, progress, lifecycle=lifecycle, stack_update=stack_update)

            cache[key] = evaluate() if shared is None else _shared_plan(shared, repr(key), evaluate)
        return cache[key]

    run.plan_for = plan_for
    yield
    run.plan_for = original


def _shared_plan(directory: Path, key: str, evaluate: Callable[[], Any]) -> Any:
    """``evaluate()``'s plan, evaluated by one xdist worker of this run and read by the others (a lock per key)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(key.encode()).hexdigest()[:32]
    path = directory / f"{name}.pickle"
    with (directory / f"{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if path.is_file():
            with path.open("rb") as f:
                return pickle.load(f)
        plan = evaluate()
        written = path.with_suffix(".partial")
        with written.open("wb") as out:
            pickle.dump(plan, out, protocol=pickle.HIGHEST_PROTOCOL)
        written.replace(path)
        return plan
