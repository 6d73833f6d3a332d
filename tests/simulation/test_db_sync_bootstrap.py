"""A db sync container wrapped in ``bootstrap_host_exec`` (in its docker_config command or in the Kolla config file
it mounts) runs its command on its service's bootstrap node only: elsewhere it starts and syncs nothing. Found by
probing: upgrading controller-1 first migrated every schema there, though its db syncs do nothing on it."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.run import run_scenario
from simulator.scenario import load_scenario
from simulator.workflows.base import _bootstrap_only

KOLLA = {
    "/var/lib/kolla/config_files/cinder_api_db_sync.json": {
        "command": "/usr/bin/bootstrap_host_exec cinder_api su cinder -s /bin/bash -c 'cinder-manage db sync'"},
    "/var/lib/kolla/config_files/nova_api.json": {"command": "/usr/sbin/httpd -DFOREGROUND"},
}


@pytest.mark.parametrize(("name", "definition", "expected"), [
    ("cinder_api_db_sync", {"volumes": []}, True),  # the Kolla file of its own name
    ("x_db_sync", {"volumes": ["/var/lib/kolla/config_files/cinder_api_db_sync.json:"
                               "/var/lib/kolla/config_files/config.json:ro"]}, True),  # the one it mounts
    ("x_db_sync", {"command": ["/usr/bin/bootstrap_host_exec", "x", "x-manage db sync"]}, True),
    ("nova_api_db_sync", {"volumes": ["/var/lib/kolla/config_files/nova_api.json:"
                                      "/var/lib/kolla/config_files/config.json:ro"]}, False),
    ("y_db_sync", {"command": "y-manage db sync"}, False),
    ("z_db_sync", None, False),
])
def test_which_containers_run_on_the_bootstrap_node_only(name: str, definition: object, expected: bool) -> None:
    assert _bootstrap_only(KOLLA, name, definition) is expected


@pytest.mark.integration
def test_the_schemas_move_when_the_bootstrap_node_upgrades() -> None:
    scenario = dataclasses.replace(
        load_scenario("train-to-wallaby"), nodes={"Controller": 3, "Compute": 1},
        order=(("overcloud-controller-1",), ("overcloud-controller-0", "overcloud-controller-2"),
               ("overcloud-novacompute-0",)))
    result = run_scenario(scenario, seed=2)
    schema = result.simulation.trace.select("state.schema")
    assert {e.data["node"] for e in schema} == {"overcloud-controller-0"}
    assert {e.subject for e in schema} >= {"nova", "cinder", "keystone", "glance", "neutron"}
    first_batch_end = next(p.end for p in result.simulation.phases if p.name.endswith("overcloud-controller-1"))
    assert all(e.time > first_batch_end for e in schema)
    assert "schema-ahead-of-code" not in {v.invariant for v in result.violations}
