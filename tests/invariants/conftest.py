"""Session-wide plans and catalogues of real THT releases (evaluated once: ~3 s each)."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.heat import TemplateTree, fetch_release
from simulator.invariants import catalogue_for, context_for
from simulator.planning import build_plan

RELEASES = ("18.0.0", "14.3.0")  # 14.3.0: Wallaby, the Train -> Wallaby target


@pytest.fixture(scope="session")
def real() -> Any:
    cache: dict[str, Any] = {}

    def get(release: str) -> Any:
        if release not in cache:
            root = fetch_release(release)
            tree = TemplateTree.from_path(root)
            plan = build_plan(root, tree=tree, parameters={"ControllerCount": 3, "ComputeCount": 2})
            cache[release] = (tree, plan, context_for(tree))
        return cache[release]

    return get


@pytest.fixture(scope="session")
def catalogue_18(real: Any) -> Any:
    return catalogue_for(real("18.0.0")[0])
