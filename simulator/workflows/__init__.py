"""Workflows that drive the simulated cloud through TripleO lifecycle operations."""

from .base import Failure, PhaseSpan, Simulation
from .deploy import DeploySimulation
from .ffwd import FastForwardUpgradeSimulation
from .heat_upgrade import HeatUpgradeSimulation
from .interactive import InteractiveUpgrade
from .update import UpdateSimulation
from .upgrade import UpgradeSimulation

WORKFLOWS: dict[str, type[Simulation]] = {"deploy": DeploySimulation, "update": UpdateSimulation,
                                          "upgrade": UpgradeSimulation}

__all__ = ["WORKFLOWS", "DeploySimulation", "Failure", "FastForwardUpgradeSimulation", "HeatUpgradeSimulation",
           "InteractiveUpgrade", "PhaseSpan",
           "Simulation", "UpdateSimulation", "UpgradeSimulation"]
