"""What the world model knows of OpenStack and TripleO services, independent of any state: the API endpoints
the summary reports and what serves them, the API dependency graph, the clustered services, the pacemaker bundles
and the OpenStack projects (for version and schema windows)."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

__all__ = [
    "API_DEPENDENCIES",
    "API_ENDPOINTS",
    "API_PROJECT",
    "BUNDLE_OF_RESOURCE",
    "CLUSTERS",
    "CLUSTER_CONTAINERS",
    "COLD_START_CLUSTERS",
    "GRACEFUL_LEAVE_CLUSTERS",
    "INFRA_BUNDLES",
    "NO_DATABASE",
    "OPENSTACK_PROJECTS",
    "PACEMAKER_BUNDLES",
    "REPLICATED_BUNDLES",
    "api_graph",
    "api_units",
    "container_name",
    "project_of",
    "provides",
]

# API endpoints the summary reports: the TripleO services that provide each, the containers that serve it, and
# the systemd unit that served it before containers (Ocata and earlier). Placement left nova in Stein: Queens'
# nova_placement and Train's placement serve the same endpoint.
API_ENDPOINTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "keystone": (("keystone",), ("keystone",), "httpd"),
    "nova_api": (("nova_api",), ("nova_api",), "openstack-nova-api"),
    "neutron_api": (("neutron_api",), ("neutron_api",), "neutron-server"),
    "glance_api": (("glance_api",), ("glance_api",), "openstack-glance-api"),
    "cinder_api": (("cinder_api",), ("cinder_api",), "httpd"),
    "heat_api": (("heat_api",), ("heat_api",), "openstack-heat-api"),
    "placement": (("placement", "nova_placement"), ("placement_api", "nova_placement"), "httpd"),
    "swift_proxy": (("swift_proxy",), ("swift_proxy",), "openstack-swift-proxy"),
    "horizon": (("horizon",), ("horizon",), "httpd"),
}
# the OpenStack project of each endpoint (its schema, its mixed-version window)
API_PROJECT = {"keystone": "keystone", "nova_api": "nova", "neutron_api": "neutron", "glance_api": "glance",
                "cinder_api": "cinder", "heat_api": "heat", "placement": "placement", "swift_proxy": "swift",
                "horizon": "horizon"}
# clusters with their own membership and quorum: the service whose nodes are members, its pacemaker bundle, and
# the container (or unit) that runs a member when pacemaker does not manage it
CLUSTERS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "galera": (("mysql",), "galera-bundle", "mysql"),
    "rabbitmq": (("oslo_messaging_rpc", "rabbitmq"), "rabbitmq-bundle", "rabbitmq"),  # `rabbitmq` up to Queens
}
CLUSTER_CONTAINERS = frozenset(container for _, _, container in CLUSTERS.values())
# clusters whose pacemaker resource agent, after the cluster stopped on every member, starts none until every member
# reports its state (galera: the bootstrap node is the one with the last commit)
COLD_START_CLUSTERS = frozenset({"galera"})
# clusters whose quorum counts the members of the last primary component, which a member leaves when it stops
# cleanly (galera's EVS: the rest stay primary however few); the others count every configured member
GRACEFUL_LEAVE_CLUSTERS = frozenset({"galera"})

# What each API needs besides a backend and the VIP: its database (galera), the message bus (rabbitmq) for the
# projects that send RPC while serving requests, and keystone to validate tokens. A dependency the layout does not
# deploy counts as met (a test layout without keystone still serves).
API_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "keystone": ("galera",),
    "nova_api": ("galera", "rabbitmq", "keystone"),
    "neutron_api": ("galera", "rabbitmq", "keystone"),
    "glance_api": ("galera", "keystone"),
    "cinder_api": ("galera", "rabbitmq", "keystone"),
    "heat_api": ("galera", "rabbitmq", "keystone"),
    "placement": ("galera", "keystone"),
    "swift_proxy": ("keystone",),  # swift keeps its data in its rings, not in a database
    "horizon": ("keystone",),
}
NO_DATABASE = frozenset({"horizon", "swift_proxy"})
INFRA_BUNDLES = {"galera": "galera-bundle", "rabbitmq": "rabbitmq-bundle"}
# the OCF resource each bundle runs (pcs resource names): galera's, rabbitmq's, redis's, ovn-dbs'
# (haproxy's is not: Pike disables and deletes the baremetal `haproxy` clone while the bundle replaces it, which the
# world does not model)
BUNDLE_OF_RESOURCE = {"galera": "galera-bundle", "rabbitmq": "rabbitmq-bundle", "redis": "redis-bundle",
                      "ovndb_servers": "ovn-dbs-bundle"}


def api_graph(apis: Iterable[str]) -> nx.DiGraph:
    """The API dependency graph of a layout's ``apis``: an edge from each API to what it needs."""
    graph = nx.DiGraph()
    for api in apis:
        graph.add_node(api, kind="api")
        for dep in API_DEPENDENCIES.get(api, ()):
            graph.add_node(dep, kind="api" if dep in API_ENDPOINTS else "infra")
            graph.add_edge(api, dep)
    return graph


def api_units(services: Iterable[str]) -> list[str]:
    """The systemd units that serve the APIs of ``services`` on a baremetal (pre-container) node."""
    present = set(services)
    return sorted({unit for provided, _, unit in API_ENDPOINTS.values() if not present.isdisjoint(provided)})


def provides(services: Iterable[str], api: str) -> bool:
    return not set(API_ENDPOINTS[api][0]).isdisjoint(services)


# pacemaker bundles by the service that runs them (TripleO's *-pacemaker-puppet templates)
PACEMAKER_BUNDLES: dict[str, str] = {
    "mysql": "galera-bundle", "oslo_messaging_rpc": "rabbitmq-bundle", "rabbitmq": "rabbitmq-bundle",
    "haproxy": "haproxy-bundle", "ovn_dbs": "ovn-dbs-bundle", "redis": "redis-bundle",
    "cinder_volume": "openstack-cinder-volume", "cinder_backup": "openstack-cinder-backup",
    "manila_share": "openstack-manila-share",
}

# bundles that run a replica on each cluster node whose role runs their service (pacemaker clones); the
# active/passive ones (cinder-volume, cinder-backup, manila-share) run one replica, on a node the world picks (see
# World._place)
REPLICATED_BUNDLES = frozenset({"galera-bundle", "rabbitmq-bundle", "redis-bundle", "haproxy-bundle", "ovn-dbs-bundle"})

# OpenStack projects whose services share a database schema and RPC versions across nodes: running two releases of
# one of them at once is a mixed-version window (containers are named <project>_<service>, e.g. nova_api)
OPENSTACK_PROJECTS = frozenset({
    "aodh", "barbican", "ceilometer", "cinder", "designate", "glance", "gnocchi", "heat", "horizon", "ironic",
    "keystone", "manila", "neutron", "nova", "octavia", "placement", "swift",
})


def project_of(container: str) -> str | None:
    """The OpenStack project a container belongs to (``nova_api`` -> ``nova``), or None for infrastructure."""
    head = container.split("_", 1)[0]
    return head if head in OPENSTACK_PROJECTS else None


def container_name(unit: str) -> str:
    """The container (or unit) an effect target names: ``tripleo_nova_api.service`` -> ``nova_api``."""
    name = unit.removesuffix(".service")
    return name.removeprefix("tripleo_")
