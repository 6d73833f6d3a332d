"""Workflows that drive the simulated cloud through TripleO lifecycle operations."""

from .base import Failure, PhaseSpan, Simulation
from .upgrade import UpgradeSimulation

__all__ = ["Failure", "PhaseSpan", "Simulation", "UpgradeSimulation"]
