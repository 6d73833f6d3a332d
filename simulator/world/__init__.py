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
from .model import ImageOf, NodeState, StaleConfig, StaleReplica, World
from .vips import Vips, vip_resources

__all__ = ["API_DEPENDENCIES", "API_ENDPOINTS", "BUNDLE_OF_RESOURCE", "PACEMAKER_BUNDLES", "REPLICATED_BUNDLES",
           "ImageOf", "NodeState", "StaleConfig", "StaleReplica", "Vips", "World", "api_units", "container_name",
           "vip_resources"]
