"""The simulated cloud's state and its monitors."""

from .model import API_SERVICES, BAREMETAL_UNITS, PACEMAKER_BUNDLES, NodeState, World, api_units

__all__ = ["API_SERVICES", "BAREMETAL_UNITS", "PACEMAKER_BUNDLES", "NodeState", "World", "api_units"]
