"""nox sessions. `nox -s tests` is the default CI suite; oracle, fuzz and bench runs have their own sessions."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, integration (real THT releases, cached per user) and fast fidelity subsets."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "simulator", "fakes", "reports", "tests", "bench", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install(".", "mypy", "types-PyYAML")
    session.run("mypy", "simulator", "fakes", "reports")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks are scripts under bench/; they print their numbers."""
    session.install(".")
    for script in session.posargs or ["bench/plan.py"]:
        session.run("python", script)
