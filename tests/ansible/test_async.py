"""``async``/``poll`` and ``async_status`` as ansible-core runs them: a ``poll: 0`` launch returns the job id at
once, ``async_status`` on the host the job ran on returns the job's result, an unknown job fails; the delegated,
looped shape THT's ovn_controller update uses (launch on every OVN host, then poll each one)."""

from __future__ import annotations

from typing import Any

from fakes.ansible import Inventory, ModuleCall, Runner, parse_playbook
from fakes.ansible.results import canned_result

INV = Inventory.from_groups(
    {"Controller": ["controller-0"], "Compute": ["compute-0", "compute-1"], "Undercloud": ["undercloud"]},
    group_vars={"all": {"step": 1}},
)


def play(tasks: list[dict[str, Any]], effects: Any = canned_result, hosts: str = "Controller") -> Any:
    runner = Runner(INV, effects=effects)
    return runner.run(parse_playbook([{"hosts": hosts, "gather_facts": False, "tasks": tasks}]))


def test_poll_zero_returns_the_job_and_async_status_its_result() -> None:
    calls: list[ModuleCall] = []

    def effects(call: ModuleCall) -> dict[str, Any]:
        calls.append(call)
        return {**canned_result(call), "stdout": "pulled"} if call.action == "command" else canned_result(call)

    result = play([
        {"name": "launch", "command": "podman pull x", "async": 600, "poll": 0, "register": "job"},
        {"name": "launched", "assert": {"that": ["job.started", "not job.finished", "job.changed",
                                                 "job.ansible_job_id is defined", "job.stdout is not defined"]}},
        {"name": "wait", "async_status": {"jid": "{{ job.ansible_job_id }}"}, "register": "st",
         "until": "st.finished", "retries": 30, "delay": 1},
        {"name": "done", "assert": {"that": ["st.finished", "st.stdout == 'pulled'", "st.attempts == 1",
                                             "st.ansible_job_id == job.ansible_job_id"]}},
    ], effects)
    assert result.sequence() == [("controller-0", "launch", "changed"), ("controller-0", "launched", "ok"),
                                 ("controller-0", "wait", "changed"), ("controller-0", "done", "ok")]
    assert [c.action for c in calls] == ["command", "async_status"]


def test_unknown_job_fails_as_ansible_does() -> None:
    result = play([{"name": "wait", "async_status": {"jid": "j42.1"}, "register": "st"}])
    record = result.records[0]
    assert record.status == "failed"
    assert record.result["msg"] == "could not find job"


def test_a_failed_job_fails_its_status_task_not_its_launch() -> None:
    def effects(call: ModuleCall) -> dict[str, Any]:
        return {**canned_result(call), "rc": 1, "failed": True} if call.action == "shell" else canned_result(call)

    result = play([
        {"name": "launch", "shell": "false", "async": 60, "poll": 0, "register": "job"},
        {"name": "wait", "async_status": {"jid": "{{ job.ansible_job_id }}"}, "register": "st",
         "until": "st.finished", "retries": 5},
    ], effects)
    assert result.sequence() == [("controller-0", "launch", "changed"), ("controller-0", "wait", "failed")]


def test_polled_async_waits_for_the_job() -> None:
    result = play([
        {"name": "sync", "command": "true", "async": 60, "poll": 5, "register": "r"},
        {"name": "check", "assert": {"that": ["r.finished", "r.started", "r.rc == 0", "r.ansible_job_id is defined"]}},
    ])
    assert [r.status for r in result.records] == ["changed", "ok"]


def test_async_seconds_must_be_a_number() -> None:
    # int fields, as ansible-core converts them: "soon" and 2.5 (which int() would truncate) are refused
    for field, value in (("async", "soon"), ("async", 2.5), ("poll", "1.5")):
        result = play([{"name": "launch", "command": "true", "async": 30, "poll": 0, field: value}])
        record = result.records[0]
        assert record.status == "failed"
        assert f"tasks[0].{field}" in record.result["msg"] and "whole number of seconds" in record.result["msg"]
    assert play([{"name": "launch", "command": "true", "async": "30", "poll": 0.0}]).records[0].status == "changed"


def test_delegated_jobs_live_on_their_host() -> None:
    """THT's external update shape (18.0.0's ovn_controller): the undercloud launches the job on every OVN host
    (``delegate_to: item``) and polls each on that host (``delegate_to: async_result_item.item``)."""
    calls: list[ModuleCall] = []

    def effects(call: ModuleCall) -> dict[str, Any]:
        calls.append(call)
        return canned_result(call)

    result = play([
        {"name": "Update ovn_controller.", "loop": "{{ groups['Compute'] }}", "delegate_to": "{{ item }}",
         "async": 300, "poll": 0, "register": "update", "command": "podman restart ovn_controller"},
        {"name": "Was the ovn_controller successful.", "when": ["'results' in update"],
         "delegate_to": "{{ async_result_item.item }}",
         "async_status": {"jid": "{{ async_result_item.ansible_job_id }}"},
         "loop": "{{ update.results }}", "loop_control": {"loop_var": "async_result_item"},
         "register": "async_poll_results", "until": "async_poll_results.finished", "retries": 10, "delay": 1},
        # a job id asked of another host than the one that ran it: not found there
        {"name": "Wrong host", "delegate_to": "compute-0",
         "async_status": {"jid": "{{ update.results[1].ansible_job_id }}"},
         "ignore_errors": True, "register": "wrong"},
    ], effects, hosts="Undercloud")
    assert [(r.task_name, r.status) for r in result.records] == [
        ("Update ovn_controller.", "changed"), ("Was the ovn_controller successful.", "changed"),
        ("Wrong host", "failed")]
    assert [(c.action, c.target) for c in calls] == [
        ("command", "compute-0"), ("command", "compute-1"),
        ("async_status", "compute-0"), ("async_status", "compute-1"), ("async_status", "compute-0")]
    assert result.records[2].ignored


def _status_polls(finished_after: dict[str, int]) -> Any:
    """Effects that answer ``finished: false`` for a job's first polls (the simulation answers from its clock)."""
    polls: dict[str, int] = {}

    def effects(call: ModuleCall) -> dict[str, Any]:
        result = canned_result(call)
        if call.action == "async_status":
            jid = str(call.args["jid"])
            polls[jid] = polls.get(jid, 0) + 1
            if polls[jid] <= finished_after.get(jid, 0):
                result["finished"] = False
        return result

    return effects


def _launch_and_wait(polls_running: int, retries: int, delay: int) -> Any:
    """A job launched with ``poll: 0``, then polled until finished; the record of the polling task."""
    result = play([
        {"name": "launch", "command": "podman pull x", "async": 600, "poll": 0, "register": "job"},
        {"name": "wait", "async_status": {"jid": "{{ job.ansible_job_id }}"}, "register": "st",
         "until": "st.finished", "retries": retries, "delay": delay},
    ], _status_polls({"j1.sim": polls_running}))
    return result.records[1]


def test_a_running_job_is_polled_every_delay_until_it_finished() -> None:
    record = _launch_and_wait(3, retries=10, delay=2)
    assert record.status == "changed" and record.result["finished"] and record.result["attempts"] == 4
    # ansible-core sleeps `delay` after each attempt whose `until` is false: the polls are 2 s apart
    assert [c.waited for c in record.calls] == [0.0, 2.0, 4.0, 6.0]
    assert [c.attempt for c in record.calls] == [1, 2, 3, 4]


def test_a_job_still_running_after_the_retries_fails_its_status_task() -> None:
    record = _launch_and_wait(99, retries=2, delay=3)
    # the async_status module's answer for a running job (its job file has started, not finished)
    assert record.status == "failed"
    assert record.result["started"] is True and record.result["finished"] is False
    assert record.result["attempts"] == 2 and record.result["changed"] is False
    assert [c.waited for c in record.calls] == [0.0, 3.0, 6.0]  # three attempts, no sleep after the last


def test_the_waits_of_a_looped_status_task_add_up_across_its_items() -> None:
    # each item polls in turn, as THT's delegated ovn_controller wait does: the second job is polled after the
    # first one's waits
    effects = _status_polls({"j1.sim": 2, "j2.sim": 1})
    result = play([
        {"name": "launch", "command": "podman pull {{ item }}", "async": 600, "poll": 0, "register": "jobs",
         "loop": ["a", "b"]},
        {"name": "wait", "async_status": {"jid": "{{ job.ansible_job_id }}"}, "register": "st",
         "loop": "{{ jobs.results }}", "loop_control": {"loop_var": "job"}, "until": "st.finished", "delay": 1},
    ], effects)
    record = result.records[1]
    assert record.status == "changed"
    assert [(c.args["jid"], c.waited) for c in record.calls] == [
        ("j1.sim", 0.0), ("j1.sim", 1.0), ("j1.sim", 2.0), ("j2.sim", 2.0), ("j2.sim", 3.0)]


def test_retry_delays_default_to_five_seconds_and_a_bad_delay_is_a_typed_error() -> None:
    effects = _status_polls({})
    tasks = [{"name": "flaky", "command": "true", "register": "r", "until": "r.attempts|default(0) >= 3",
              "retries": 5}]
    record = play(tasks, effects).records[0]
    assert [c.waited for c in record.calls] == [0.0, 5.0, 10.0]
    record = play([{**tasks[0], "delay": -3}], effects).records[0]
    assert [c.waited for c in record.calls] == [0.0, 1.0, 2.0]  # ansible-core: a negative delay is 1 s
    record = play([{**tasks[0], "delay": "soon"}], effects).records[0]
    assert record.status == "failed"
    assert "delay" in record.result["msg"] and "expected a number of seconds" in record.result["msg"]


def test_a_job_its_wrapper_killed_reports_the_timeout() -> None:
    runner = Runner(INV, effects=canned_result)
    playbook = parse_playbook([{"hosts": "Controller", "gather_facts": False, "tasks": [
        {"name": "launch", "command": "sleep 999", "async": 30, "poll": 0, "register": "job"},
        {"name": "wait", "async_status": {"jid": "{{ job.ansible_job_id }}"}, "register": "st",
         "until": "st.finished", "retries": 40, "delay": 1},
    ]}])
    steps = runner.steps(playbook)
    next(steps)  # the launch
    next(steps)  # the wait, not run yet: the launch ran; its job outlives its limit, so the wrapper's result stands
    (job,) = runner.jobs
    assert runner.records[0].calls[0].async_limit == 30
    runner.jobs[job] = {"failed": True, "msg": "Timeout exceeded", "child_pid": 0}
    for _ in steps:
        pass
    record = runner.records[1]
    assert record.status == "failed"
    assert record.result["msg"] == "Timeout exceeded" and record.result["finished"] is True


def test_retries_must_be_whole_and_delay_may_be_fractional() -> None:
    effects = _status_polls({})
    task = {"name": "flaky", "command": "true", "register": "r", "until": "r.attempts|default(0) >= 2"}
    record = play([{**task, "retries": 3, "delay": 0.5}], effects).records[0]
    assert [c.waited for c in record.calls] == [0.0, 0.5]  # ansible-core's delay is a float
    for bad in ("3.5", 3.5, "many"):
        record = play([{**task, "retries": bad}], effects).records[0]
        assert record.status == "failed" and "expected a whole number of retries" in record.result["msg"]
    for good in ("2", "2.0", 2.0):
        assert play([{**task, "retries": good}], effects).records[0].status == "changed"  # a command: changed
