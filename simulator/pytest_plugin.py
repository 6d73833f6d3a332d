"""pytest plugin (``pytest11`` entry point ``tripleo_sim``) for template authors.

    pytest --tht ~/src/tripleo-heat-templates          # the built-in invariants run as test items
    pytest --tht-release 18.0.0 tests/                 # tests use the plan of a release

    def test_my_roles(tripleo_plan):                   # the evaluated Plan of --tht / --tht-release
        assert "Database" in {r.name for r in tripleo_plan.roles}

``--tht-roles FILE`` and ``--tht-env FILE`` (repeatable) choose roles_data and environments.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakes.heat.errors import TemplateError, TemplateSourceError

from .invariants import ALL, CheckContext, Invariant, InvariantError, check_plan, context_for
from .plan import Plan

__all__ = ["InvariantItem", "pytest_addoption", "pytest_collection_modifyitems", "tripleo_check_context",
           "tripleo_plan"]


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("tripleo-sim", "tripleo-sim: check TripleO templates")
    g.addoption("--tht", metavar="PATH", default=None, help="a tripleo-heat-templates tree: run the invariants")
    g.addoption("--tht-release", metavar="V", default=None, help="a THT release from the package index")
    g.addoption("--tht-roles", metavar="FILE", default=None, help="roles_data file (default: the tree's own)")
    g.addoption("--tht-env", metavar="FILE", action="append", default=[], help="environment file (repeatable)")


class _Source:
    def __init__(self, config: pytest.Config):
        self.config = config
        self._built: tuple[Plan, CheckContext] | None = None
        self._error: Exception | None = None  # bad input: reported by every item, evaluated once

    @property
    def given(self) -> bool:
        return bool(self.config.getoption("--tht") or self.config.getoption("--tht-release"))

    def get(self) -> tuple[Plan, CheckContext]:
        if self._error is not None:
            raise self._error
        if self._built is None:
            from fakes.heat import TemplateTree, resolve_templates

            from .check import ha_counts
            from .planning import build_plan

            path, release = self.config.getoption("--tht"), self.config.getoption("--tht-release")
            if not (path or release):
                raise TemplateSourceError("the tripleo_plan and tripleo_check_context fixtures need --tht PATH or "
                                          "--tht-release V")
            try:
                root = resolve_templates(release, path)
                envs = self.config.getoption("--tht-env")
                tree = TemplateTree.from_path(root, roles_data=self.config.getoption("--tht-roles"))
                # without environments, the layout `tripleo-sim check` evaluates (an HA one: 3 controllers, 2
                # computes), so both give one verdict on one tree
                parameters = None if envs else ha_counts(tree)
                self._built = (build_plan(root, environment_files=envs, tree=tree, parameters=parameters),
                               context_for(tree, envs))
            except _BAD_INPUT as exc:
                self._error = exc
                raise
        return self._built


def _input_error(exc: BaseException) -> str | None:
    """The one line the CLI prints for bad templates input (no traceback), or None for anything else."""
    return f"tripleo-sim: error: {exc}" if isinstance(exc, _BAD_INPUT) else None


def _get(request: pytest.FixtureRequest) -> tuple[Plan, CheckContext]:
    try:
        return request.config.stash[_KEY].get()
    except _BAD_INPUT as exc:
        line = f"tripleo-sim: error: {exc}"
    # outside the except block, so that the report is the one line, not "During handling of the above exception"
    pytest.fail(line, pytrace=False)


_KEY = pytest.StashKey[_Source]()
_BAD_INPUT = (TemplateError, TemplateSourceError, InvariantError)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--tht") and config.getoption("--tht-release"):  # (--tht won silently)
        raise pytest.UsageError("tripleo-sim: --tht and --tht-release: expected one of them, found both")
    config.stash[_KEY] = _Source(config)


@pytest.fixture(scope="session")
def tripleo_plan(request: pytest.FixtureRequest) -> Plan:
    """The evaluated plan of ``--tht PATH`` or ``--tht-release V``."""
    return _get(request)[0]


@pytest.fixture(scope="session")
def tripleo_check_context(request: pytest.FixtureRequest) -> CheckContext:
    """The invariants' context (ServiceNetMap, allow-list) of the same templates."""
    return _get(request)[1]


class InvariantItem(pytest.Item):
    """One built-in invariant over the ``--tht`` plan."""

    def __init__(self, *, invariant: Invariant, **kwargs: Any):
        super().__init__(**kwargs)
        self.invariant = invariant

    def runtest(self) -> None:
        plan, ctx = self.config.stash[_KEY].get()
        report = check_plan(plan, ctx, invariants=(self.invariant,))
        if report.failures:
            raise _InvariantFailed("\n".join(v.render() for v in report.failures))

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, _InvariantFailed):
            return f"{self.invariant.name}: {self.invariant.rationale}\n{excinfo.value}"
        if (line := _input_error(excinfo.value)) is not None:
            return line
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "tripleo-sim", None, f"invariant {self.invariant.name}"


class _InvariantFailed(Exception):
    pass


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--tht"):
        return
    for inv in ALL:
        items.append(InvariantItem.from_parent(session, name=f"tht-invariant[{inv.name}]", invariant=inv))
