"""Hand-written playbooks in THT's lifecycle-task style (step-gated blocks, bootstrap-node facts, ansible_limit
parsing, pacemaker image switches), run by the oracle next to the generated ones.  Written for this project in
THT's format; no THT file is copied."""

from __future__ import annotations

from typing import Any

_GROUPS = {"Controller": ["controller-0", "controller-1", "controller-2"], "Compute": ["compute-0"]}
_VARS = {
    "all": {
        "container_cli": "podman",
        "tripleo_role_name": "Controller",
        "cluster_recreate": False,
        "enabled_services": ["rabbitmq", "mysql", "haproxy"],
        "release": "wallaby",
        "rabbitmq_short_bootstrap_node_name": "controller-0",
    }
}


def _upgrade_tasks() -> list[dict[str, Any]]:
    return [
        {
            "name": "Prepare switch of rabbitmq image name",
            "when": ["step|int == 0"],
            "block": [
                {
                    "name": "Get rabbitmq image id currently used by pacemaker",
                    "shell": "pcs resource config rabbitmq-bundle | grep -Eo 'image=[^ ]+'",
                    "register": "rabbitmq_image_current_res",
                    "failed_when": False,
                },
                {
                    "name": "Image facts for rabbitmq",
                    "set_fact": {
                        "rabbitmq_image_latest": "cluster.common.tag/rabbitmq:pcmklatest",
                        "rabbitmq_image_current": "{{ rabbitmq_image_current_res.stdout }}",
                    },
                },
                {
                    "name": "set is_rabbitmq_bootstrap_node fact",
                    "set_fact": "is_rabbitmq_bootstrap_node="
                    "{{ rabbitmq_short_bootstrap_node_name|lower == inventory_hostname|lower }}",
                },
            ],
        },
        {
            "name": "Update rabbitmq-bundle for new container image",
            "when": [
                "step|int == 1",
                "is_rabbitmq_bootstrap_node|bool",
                "rabbitmq_image_current != rabbitmq_image_latest",
            ],
            "block": [
                {
                    "name": "Disable the rabbitmq cluster resource",
                    "pacemaker_resource": {
                        "resource": "rabbitmq-bundle",
                        "state": "disable",
                        "wait_for_resource": True,
                    },
                    "register": "output",
                    "retries": 5,
                    "delay": 0,
                    "until": "output.rc == 0",
                },
                {
                    "name": "Update the bundle image",
                    "command": "pcs resource bundle update rabbitmq-bundle container image={{ rabbitmq_image_latest }}",
                },
                {
                    "name": "Enable the rabbitmq cluster resource",
                    "pacemaker_resource": {"resource": "rabbitmq-bundle", "state": "enable", "wait_for_resource": True},
                    "register": "output",
                    "retries": 5,
                    "delay": 0,
                    "until": "output.rc == 0",
                },
            ],
        },
        {
            "name": "Stop services on step 2",
            "when": ["step|int == 2", "'rabbitmq' in enabled_services"],
            "block": [
                {
                    "name": "Stop and disable rabbitmq",
                    "systemd": {"name": "tripleo_rabbitmq", "state": "stopped", "enabled": False},
                    "loop": "{{ enabled_services | difference(['haproxy']) }}",
                },
                {
                    "name": "Upgrade packages",
                    "dnf": {"name": "*", "state": "latest"},
                    "when": "container_cli == 'podman'",
                },
            ],
        },
        {
            "name": "Set upgrade node facts from the limit option",
            "set_fact": {"upgraded": "{{ upgraded|default([]) + [item] }}"},
            "loop": "{{ groups['Controller'] }}",
            "when": ["ansible_limit is defined", "item in ansible_limit.split(':')"],
        },
        {"name": "Fail when a step is missing", "fail": {"msg": "no step"}, "when": "step is not defined"},
    ]


def cases() -> list[dict[str, Any]]:
    out = []
    for step in (0, 1, 2):
        plays = [
            {
                "hosts": "Controller",
                "gather_facts": False,
                "strategy": "linear",
                "vars": {"step": step},
                "tasks": _upgrade_tasks(),
            }
        ]
        out.append(
            {
                "groups": _GROUPS,
                "group_vars": _VARS,
                "files": {},
                "playbook": plays,
                "limit": "controller-0:controller-1" if step else None,
                "tags": None,
                "skip_tags": None,
            }
        )
    steps = [
        {
            "hosts": "all",
            "gather_facts": False,
            "any_errors_fatal": True,
            "vars": {"step": s},
            "tasks": [{"name": f"Step {s} tasks", "include_tasks": "upgrade_steps.yml"}],
        }
        for s in range(3)
    ]
    out.append(
        {
            "groups": _GROUPS,
            "group_vars": _VARS,
            "files": {"upgrade_steps.yml": _upgrade_tasks()},
            "playbook": steps,
            "limit": "Controller",
            "tags": None,
            "skip_tags": None,
        }
    )
    ocata = [
        {
            "hosts": "Controller",
            "gather_facts": False,
            "vars": {"step": 1},
            "tasks": [
                {"name": "common check", "command": "systemctl is-active pacemaker", "tags": "common"},
                {"name": "stop openstack services", "command": "systemctl stop openstack-nova-api", "tags": "step1"},
                {"name": "db sync", "command": "nova-manage db sync", "tags": "step3", "run_once": True},
                {"name": "serial upgrade", "yum": {"name": "*", "state": "latest"}, "tags": ["step1", "never"]},
            ],
            "serial": 1,
        }
    ]
    for tags in (["step1", "common"], ["step3", "common"]):
        out.append(
            {
                "groups": _GROUPS,
                "group_vars": _VARS,
                "files": {},
                "playbook": ocata,
                "limit": None,
                "tags": tags,
                "skip_tags": None,
            }
        )
    out.append(_async_case())
    return out


def _async_case() -> dict[str, Any]:
    """``async``/``poll: 0`` with ``async_status``, polled ``async``, an unknown job id, and the external-update shape
    of Wallaby's and 18.0.0's ovn_controller update: launched on every OVN host from the undercloud, polled there."""
    tasks = [
        {"name": "Pull image in the background", "command": "podman pull x", "async": 600, "poll": 0,
         "register": "job"},
        {"name": "Launched", "assert": {"that": ["job.started", "not job.finished", "job.changed",
                                                 "job.ansible_job_id is defined", "job.stdout is not defined"]}},
        {"name": "Wait for the pull", "async_status": {"jid": "{{ job.ansible_job_id }}"}, "register": "st",
         "until": "st.finished", "retries": 30, "delay": 0},
        {"name": "Pulled", "assert": {"that": ["st.finished", "st.rc == 0", "st.attempts == 1"]}},
        {"name": "Polled job", "command": "true", "async": 60, "poll": 1, "register": "r"},
        {"name": "Polled result", "assert": {"that": ["r.finished", "r.started", "r.rc == 0",
                                                      "r.ansible_job_id is defined"]}},
        {"name": "Unknown job", "async_status": {"jid": "j42.1"}, "ignore_errors": True},
        {"name": "Update ovn_controller.", "loop": "{{ groups['Compute'] }}", "delegate_to": "{{ item }}",
         "async": 300, "poll": 0, "register": "update", "command": "podman restart ovn_controller"},
        {"name": "Was the ovn_controller successful.", "when": ["'results' in update"],
         "delegate_to": "{{ async_result_item.item }}",
         "async_status": {"jid": "{{ async_result_item.ansible_job_id }}"}, "loop": "{{ update.results }}",
         "loop_control": {"loop_var": "async_result_item"}, "register": "async_poll_results",
         "until": "async_poll_results.finished", "retries": 10, "delay": 0},
    ]
    return {
        "groups": _GROUPS,
        "group_vars": _VARS,
        "files": {},
        "playbook": [{"hosts": "Controller", "gather_facts": False, "tasks": tasks}],
        "limit": None,
        "tags": None,
        "skip_tags": None,
    }
