"""Workflows that drive the simulated cloud through TripleO lifecycle operations."""

from .upgrade import Failure, PhaseSpan, UpgradeSimulation

__all__ = ["Failure", "PhaseSpan", "UpgradeSimulation"]
