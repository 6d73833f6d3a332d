"""The simulated cloud's state and its monitors."""

from .model import (
    API_DEPENDENCIES,
    API_ENDPOINTS,
    BUNDLE_OF_RESOURCE,
    PACEMAKER_BUNDLES,
    REPLICATED_BUNDLES,
    ImageOf,
    NodeState,
    StaleReplica,
    World,
    api_units,
    container_name,
)

__all__ = ["API_DEPENDENCIES", "API_ENDPOINTS", "BUNDLE_OF_RESOURCE", "PACEMAKER_BUNDLES", "REPLICATED_BUNDLES",
           "ImageOf", "NodeState", "StaleReplica", "World", "api_units", "container_name"]
