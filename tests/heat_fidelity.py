"""The fidelity-heat harness modules (``tests/fidelity/heat/*.py``, scripts rather than a package) for the default
test session, each loaded once under a name of its own (``heat_fidelity_<name>``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent / "fidelity" / "heat"


def load(name: str) -> ModuleType:
    """``tests/fidelity/heat/<name>.py`` as module ``heat_fidelity_<name>``."""
    qualified = f"heat_fidelity_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module
