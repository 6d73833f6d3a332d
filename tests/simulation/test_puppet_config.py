"""What the containers' puppet-generated config depends on (simulator.puppet_config): each config volume's manifests
and the hieradata they read. A container mounting a volume is recreated when the volume's hash changes."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.plan import Role
from simulator.puppet_config import config_volume_of, volume_hashes, volume_hieradata
from simulator.workflows.containers import config_hashes

NOVA_API = {"config_volume": "nova", "puppet_tags": "nova_config", "config_image": "quay.io/ns/nova-config:t1",
            "step_config": "include tripleo::profile::base::nova::api\n"
                           "include tripleo::profile::base::database::mysql::client\n"}
MYSQL = {"config_volume": "mysql", "puppet_tags": "file", "config_image": "quay.io/ns/mysql-config:t1",
         "step_config": "include tripleo::profile::pacemaker::database::mysql_bundle"}
SETTINGS = {"nova::upgrade_level_compute": "auto", "nova::api::workers": 4, "nova_enable_db_purge": True,
            "tripleo::profile::base::nova::api::enable_proxy_headers_parsing": True,
            "tripleo::profile::base::database::mysql::client::enable_ssl": False,
            "keystone::token_expiration": 3600, "mysql_max_connections": 4096, "mysql::server::root_password": "x",
            "enable_galera": True}


@pytest.mark.parametrize(("path", "volume"), [
    ("/var/lib/config-data/puppet-generated/nova", "nova"),
    ("/var/lib/config-data/puppet-generated/nova_libvirt/", "nova_libvirt"),
    ("/var/lib/config-data/nova/etc/nova/nova.conf", "nova"),
    ("/var/lib/config-data/ansible-generated/iscsid", "iscsid"),
    ("/var/lib/kolla/config_files/nova_api.json", None),
    ("/var/lib/config-data/", None),
])
def test_the_config_volume_of_a_mount(path: str, volume: str | None) -> None:
    assert config_volume_of(path) == volume


def test_a_volume_reads_the_keys_of_its_modules_and_profiles() -> None:
    assert set(volume_hieradata("nova", [NOVA_API], SETTINGS)) == {
        "nova::upgrade_level_compute", "nova::api::workers", "nova_enable_db_purge",
        "tripleo::profile::base::nova::api::enable_proxy_headers_parsing",
        "tripleo::profile::base::database::mysql::client::enable_ssl"}  # the client profile's own parameters
    # the mysql client profile every API includes does not make the mysql server's keys the API's
    assert set(volume_hieradata("mysql", [MYSQL], SETTINGS)) == {
        "mysql_max_connections", "mysql::server::root_password"}


def test_a_volume_hash_changes_with_its_hieradata_and_manifests_only() -> None:
    base = volume_hashes([NOVA_API, MYSQL], SETTINGS)
    assert set(base) == {"nova", "mysql"}
    reset = volume_hashes([NOVA_API, MYSQL], {**SETTINGS, "nova::upgrade_level_compute": ""})
    assert reset["nova"] != base["nova"] and reset["mysql"] == base["mysql"]
    other = volume_hashes([NOVA_API, MYSQL], {**SETTINGS, "keystone::token_expiration": 60})
    assert other == base  # no volume here reads keystone's keys
    retagged = volume_hashes([{**NOVA_API, "config_image": "quay.io/ns/nova-config:t2"}, MYSQL], SETTINGS)
    assert retagged == base  # a new tag of the same config image: taken as the same puppet modules
    moved = volume_hashes([{**NOVA_API, "config_image": "quay.io/other/nova-config:t1"}, MYSQL], SETTINGS)
    assert moved["nova"] != base["nova"]  # another release's config image
    profile = volume_hashes([{**NOVA_API, "step_config": "include tripleo::profile::base::nova::conductor"}, MYSQL],
                            SETTINGS)
    assert profile["nova"] != base["nova"]


def test_malformed_puppet_config_entries_are_left_out() -> None:
    assert volume_hashes(None, SETTINGS) == {}
    assert volume_hashes(["nova", {"config_volume": ""}, {"step_config": "x"}, NOVA_API], SETTINGS).keys() == {"nova"}


def _role(volumes: dict[str, str]) -> Role:
    api = {"image": "nova-api:1", "volumes": ["/var/lib/config-data/puppet-generated/nova:/var/lib/kolla/config_"
                                              "files/src:ro", "/var/log/containers/nova:/var/log/nova:z"]}
    cron = {"image": "cron:1", "volumes": ["/var/lib/config-data/puppet-generated/crond:/var/lib/kolla/config_files"
                                           "/src:ro"]}
    memcached = {"image": "memcached:1", "volumes": ["/etc/hosts:/etc/hosts:ro"]}
    return Role(name="Controller", count=1, hostname_format="c-%index%", services=(), disabled_services=(),
                nodes=(), tags=(), networks=(), update_serial=1, tasks={}, never_runs=(),
                containers={"4": ("logrotate_crond", "memcached", "nova_api")}, role_data_keys=(),
                docker_config={"step_4": {"nova_api": api, "logrotate_crond": cron, "memcached": memcached}},
                config_volumes=volumes)


def test_a_containers_config_hash_follows_the_volumes_it_mounts() -> None:
    before = config_hashes(_role({"nova": "n1", "crond": "c1"}), "4")
    after = config_hashes(_role({"nova": "n2", "crond": "c1"}), "4")
    assert before["nova_api"] != after["nova_api"]
    assert before["logrotate_crond"] == after["logrotate_crond"]
    assert before["memcached"] == after["memcached"] == config_hashes(_role({}), "4")["memcached"]


@pytest.mark.integration
def test_wallabys_volumes_on_real_templates() -> None:
    from simulator.run import run_scenario

    run = run_scenario("train-to-wallaby", seed=1)
    controller = run.target.role("Controller")
    assert {"nova", "mysql", "rabbitmq", "haproxy", "keystone", "nova_metadata"} <= set(controller.config_volumes)
    assert set(run.target.role("Compute").config_volumes) >= {"nova_libvirt", "iscsid"}
    # Train's and Wallaby's volumes differ (another release's config images and hieradata)
    train = run.source.role("Controller")
    assert all(train.config_volumes.get(v) != h for v, h in controller.config_volumes.items())


def test_a_container_a_tripleo_ansible_role_starts_follows_its_projects_volume() -> None:
    # 18.0.0's tripleo_keystone starts keystone (no docker_config entry): its hash is keystone's config volume's
    def role(volumes: dict[str, str]) -> Role:
        return dataclasses.replace(_role(volumes), containers={"3": ("keystone", "keystone_db_sync", "other")})

    before = config_hashes(role({"keystone": "k1"}), "3")
    after = config_hashes(role({"keystone": "k2"}), "3")
    assert set(before) == {"keystone", "keystone_db_sync"}  # "other" names no volume of the role: no hash
    assert before["keystone"] != after["keystone"] and before["keystone_db_sync"] != after["keystone_db_sync"]
    assert before["keystone"] != before["keystone_db_sync"]
