"""The fast CI subset: THT 18.0.0 service templates whose real-Heat outputs are committed under data/.

Chosen to cover, between them, every HOT construct the fake must get right; regenerate their outputs with
`nox -s fidelity-heat -- --write-subset` (never edit them by hand).
"""

from __future__ import annotations

RELEASE = "18.0.0"

# template -> what it exercises
COVERS = {
    "deployment/database/mysql-container-puppet.yaml": "yaql, get_file, nested mysql-base.yaml, 3-arg if",
    "deployment/placement/placement-api-container-puppet.yaml": "yaql, get_file, map_merge, nested stacks",
    "deployment/nova/nova-api-container-puppet.yaml": "map_merge, list_concat, if, nested stacks, conditions",
    "deployment/cephadm/ceph-mon.yaml": "2-argument if (null-dropping), list_concat",
    "deployment/nova/nova-db-client-puppet.yaml": "3-argument if",
    "deployment/rabbitmq/rabbitmq-messaging-notify-shared-puppet.yaml": "nested stack by relative path",
    "deployment/neutron/neutron-plugin-ml2-container-puppet.yaml": "nested stack by registry type",
    "deployment/tripleo-firewall/tripleo-firewall-baremetal-ansible.yaml": "repeat",
    "deployment/neutron/neutron-l3-container-puppet.yaml": "get_file, map_replace",
    "deployment/database/mysql-pacemaker-puppet.yaml": "pacemaker upgrade_tasks, yaql, nested",
    "deployment/haproxy/haproxy-container-puppet.yaml": "haproxy, nested internal TLS, conditions",
    "deployment/keystone/keystone-container-puppet.yaml": "str_replace, map_merge, large role_data",
}
TEMPLATES = list(COVERS)

# role service chains (common/services/<role>-role.yaml, the OS::Heat::ResourceChain of ServiceChain + yaql
# merges), created with the role's default services from roles_data.yaml: template -> role
ROLE_CHAINS = {"common/services/compute-role.yaml": "Compute"}
