"""The simulated cloud's state and its monitors."""

from .catalogue import (
    API_DEPENDENCIES,
    API_ENDPOINTS,
    BUNDLE_OF_RESOURCE,
    PACEMAKER_BUNDLES,
    REPLICATED_BUNDLES,
    api_units,
    container_name,
)
from .model import ImageOf, NodeState, StaleReplica, World

__all__ = ["API_DEPENDENCIES", "API_ENDPOINTS", "BUNDLE_OF_RESOURCE", "PACEMAKER_BUNDLES", "REPLICATED_BUNDLES",
           "ImageOf", "NodeState", "StaleReplica", "World", "api_units", "container_name"]
