"""Create (or reuse) the oracle venv holding real Heat: `python oracle_venv.py DIR REQUIREMENT...`.

Real Heat is a test oracle only, never a project dependency, so it lives in a venv of its own beside the nox
session's. The venv is reused while its stamp file records the same requirements; the install time is printed
so that the cost of the oracle stays visible.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import venv
from pathlib import Path


def ensure(location: Path, requirements: list[str]) -> Path:
    stamp = location / "oracle-requirements.json"
    python = location / "bin" / "python"
    if stamp.is_file() and python.is_file() and json.loads(stamp.read_text()) == requirements:
        print(f"oracle venv: reusing {location}")
        return python
    started = time.monotonic()
    venv.create(location, with_pip=True, clear=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], check=True)
    stamp.write_text(json.dumps(requirements))
    print(f"oracle venv: installed {' '.join(requirements)} in {time.monotonic() - started:.0f} s")
    return python


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: oracle_venv.py VENV_DIR REQUIREMENT...")
    ensure(Path(sys.argv[1]), sys.argv[2:])
