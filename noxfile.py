"""nox sessions. `nox -s tests` is the default CI suite; oracle, fuzz and bench runs have their own sessions."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, integration (real THT releases, cached per user) and fast fidelity subsets, on every core (pytest-xdist;
    ``nox -s tests -- -n 0`` runs them in one process)."""
    session.install(".[test]")
    session.run("pytest", "-n", "auto", *session.posargs, env={"HYPOTHESIS_PROFILE": "ci"})


FUZZ_TESTS = ["tests/simulation/test_scenario_fuzz.py", "tests/unit/test_environment_fuzz.py",
              "tests/unit/test_template_fuzz.py"]


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """The malformed-input fuzz tests (scenarios, environments, templates) with many more examples than ``tests``
    runs (200 each): ``FUZZ_EXAMPLES`` (default 5000) per test."""
    session.install(".[test]")
    examples = os.environ.get("FUZZ_EXAMPLES", "5000")
    session.run("pytest", "-p", "no:xdist", *FUZZ_TESTS, *session.posargs,
                env={"FUZZ_EXAMPLES": examples, "HYPOTHESIS_PROFILE": "deep"})


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


@nox.session(name="fidelity-heat", python=PYTHON)
def fidelity_heat(session: nox.Session) -> None:
    """Fake Heat against real Heat (openstack-heat in its own venv, never a project dependency).

    `nox -s fidelity-heat -- --release 18.0.0` runs the oracle over every service template and compares;
    `nox -s fidelity-heat -- --write-subset` regenerates the CI subset's committed oracle outputs.
    See tests/fidelity/heat/README.md for all options.
    """
    session.install(".")
    oracle_venv = f"{session.virtualenv.location}-oracle"
    # yaql<3: yaql 3 removed `format` (CVE-2024-29156), which THT's role templates use; the Heat releases
    # that deployed THT ran yaql 1.x/2.x (openstack-heat 27 accepts yaql>=1.1.3)
    session.run(
        "python", "tests/fidelity/heat/oracle_venv.py", oracle_venv, "openstack-heat==27.0.1", "yaql<3", "PyYAML"
    )
    session.run(
        "python", "tests/fidelity/heat/run.py", "--oracle-python", f"{oracle_venv}/bin/python",
        *session.posargs,
    )


@nox.session(name="fidelity-ansible", python=PYTHON)
def fidelity_ansible(session: nox.Session) -> None:
    """fakes/ansible against real ansible-playbook (ansible-core from the project's dependencies, run as a
    program with recording no-op modules) on >= 500 generated playbooks and the THT-style cases.

    `nox -s fidelity-ansible -- --examples 1000 --jobs 4`; disagreements go to
    fidelity-ansible-disagreements.json and fail the session.  `python tests/ansible/record_oracle.py`
    regenerates the recorded subset that the default `tests` session replays.
    """
    session.install(".[test]")
    session.run("python", "tests/fidelity/ansible/run_oracle.py", *(session.posargs or ["--examples", "500"]))
