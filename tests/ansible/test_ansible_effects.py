"""Effect catalogue and coverage rows."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.ansible import Inventory, ModuleCall, Runner, parse_playbook
from fakes.ansible.coverage import module_coverage
from fakes.ansible.effects import Effect, classify, is_modelled, recording_effects


def call(action: str, **args: Any) -> ModuleCall:
    return ModuleCall("controller-0", "controller-0", action, action, args, "t[0]", "t")


@pytest.mark.parametrize(
    ("the_call", "expected"),
    [
        (
            call("systemd", name="tripleo_nova_api", state="stopped", enabled=False),
            [("service", "tripleo_nova_api", "stopped"), ("service", "tripleo_nova_api", "disabled")],
        ),
        (
            call("dnf", name=["openstack-nova", "python3-nova"], state="latest"),
            [("package", "openstack-nova", "latest"), ("package", "python3-nova", "latest")],
        ),
        (
            call("pacemaker_resource", resource="galera-bundle", state="disable"),
            [("pacemaker", "galera-bundle", "disable")],
        ),
        (call("reboot"), [("reboot", "controller-0", "rebooted")]),
        (
            call("shell", _raw_params="systemctl stop openstack-nova-api; systemctl disable openstack-nova-api"),
            [("service", "openstack-nova-api", "stopped"), ("service", "openstack-nova-api", "disabled")],
        ),
        (
            call("command", _raw_params="pcs resource disable rabbitmq-bundle --wait=300"),
            [("pacemaker", "rabbitmq-bundle", "disabled")],
        ),
        (
            call("shell", _raw_params="if crm_resource -r redis-bundle -q; then pcs resource delete redis-bundle; fi"),
            [("pacemaker", "redis-bundle", "deleted")],
        ),
        (
            call("shell", _raw_params="podman pull quay.io/x/nova:17 && podman tag quay.io/x/nova:17 nova:pcmklatest"),
            [("image", "quay.io/x/nova:17", "pulled"), ("image", "quay.io/x/nova:17 nova:pcmklatest", "tagged")],
        ),
        (call("command", _raw_params="docker rm -f nova_api"), [("container", "nova_api", "removed")]),
        (call("command", _raw_params="yum -y update"), [("package", "*", "latest")]),
        (call("shell", _raw_params="nova-manage api_db sync"), [("db_schema", "nova", "migrated")]),
        (call("command", _raw_params="keystone-manage db_sync"), [("db_schema", "keystone", "migrated")]),
        (call("command", _raw_params="echo done"), [("opaque", "echo done", "unknown")]),
        (call("command", _raw_params="cinder-manage db sync"), [("db_schema", "cinder", "migrated")]),
        (
            call("sim_tripleo_container_stop", containers=["a", "b"]),
            [("container", "a", "stopped"), ("container", "b", "stopped")],
        ),
        (call("tripleo_ovs_upgrade"), [("opaque", "tripleo_ovs_upgrade", "unknown")]),
    ],
)
def test_classify(the_call: ModuleCall, expected: list[tuple[str, str, str]]) -> None:
    assert [(e.kind, e.target, e.state) for e in classify(the_call)] == expected


def test_delegated_effects_land_on_the_target() -> None:
    delegated = ModuleCall(
        "controller-1", "controller-0", "systemd", "systemd", {"name": "x", "state": "started"}, "p", "t"
    )
    assert classify(delegated) == [Effect("controller-0", "service", "x", "started", "systemd")]


def test_recording_effects_collects_during_a_run() -> None:
    sink: list[Effect] = []
    inventory = Inventory.from_groups({"Controller": ["controller-0", "controller-1"]})
    runner = Runner(inventory, effects=recording_effects(sink))
    runner.run(
        parse_playbook(
            [
                {
                    "hosts": "Controller",
                    "tasks": [
                        {
                            "name": "stop",
                            "systemd": {"name": "tripleo_{{ inventory_hostname_short }}", "state": "stopped"},
                        },
                        {"name": "skip", "command": "reboot", "when": False},
                    ],
                }
            ]
        )
    )
    assert [(e.host, e.target, e.state) for e in sink] == [
        ("controller-0", "tripleo_controller-0", "stopped"),
        ("controller-1", "tripleo_controller-1", "stopped"),
    ]


def test_is_modelled() -> None:
    assert is_modelled("systemd") and not is_modelled("tripleo_ovs_upgrade")
    assert is_modelled("shell", "systemctl restart x") and not is_modelled("shell", "echo hi")


def test_module_coverage_rows() -> None:
    rows = module_coverage(
        [
            [
                {"name": "a", "command": "systemctl stop x"},
                {"name": "b", "command": "echo"},
                {
                    "block": [{"name": "c", "pacemaker_resource": {"resource": "r", "state": "enable"}}],
                    "rescue": [{"name": "d", "include_role": {"name": "tripleo_container_tag"}}],
                },
            ],
            [{"name": "e", "import_role": {"name": "tripleo_kernel"}}, {"name": "f", "tripleo_ovs_upgrade": {}}],
        ]
    )
    table = {(r.module, r.tasks, r.modelled, r.status) for r in rows}
    assert table == {
        ("command", 2, 1, "partial"),
        ("pacemaker_resource", 1, 1, "modelled"),
        ("role:tripleo_container_tag", 1, 1, "modelled"),
        ("role:tripleo_kernel", 1, 0, "opaque"),
        ("tripleo_ovs_upgrade", 1, 0, "opaque"),
    }
    assert rows[0].module == "command"
