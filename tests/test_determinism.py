"""A run is a function of (scenario, seed) across processes too: no set or dict order that depends on Python's
string hashing (PYTHONHASHSEED) may reach the trace."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

_RUN = "from simulator.run import run_scenario; print(run_scenario('train-to-wallaby', seed=4).trace_hash)"


def test_the_trace_hash_does_not_depend_on_string_hashing() -> None:
    hashes = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", _RUN], capture_output=True, text=True, env=env, check=True)
        hashes.add(out.stdout.strip().splitlines()[-1])
    assert len(hashes) == 1, hashes
