"""JUnit XML renders from the canonical summary alone."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from reports import junit_xml, render_trace

SUMMARY = {
    "scenario": "s", "seed": 1, "simulated_seconds": 100.0, "trace_hash": "abc",
    "phases": [{"name": "upgrade prepare", "start": 0.0, "duration": 40.0},
               {"name": "upgrade run --limit a:b", "start": 40.0, "duration": 60.0}],
    "failures": [{"time": 70.0, "host": "a", "phase": "upgrade_tasks", "step": "3", "task": "t", "error": "boom"}],
    "api_downtime_seconds": {"keystone": 12.5},
}


def test_junit_has_a_case_per_phase_and_the_failure_in_its_phase() -> None:
    root = ET.fromstring(junit_xml(SUMMARY))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["upgrade prepare"].find("failure") is None
    failure = cases["upgrade run --limit a:b"].find("failure")
    assert failure is not None and failure.text == "boom" and "upgrade_tasks step 3" in failure.get("message", "")
    assert cases["keystone"].get("time") == "12.500"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["trace_hash"] == "abc"


def test_junit_has_a_failed_case_per_run_invariant_violation() -> None:
    summary = {**SUMMARY, "violations": [{
        "invariant": "quorum-kept", "message": "pacemaker lost quorum at t=50s", "fix": "stop fewer nodes",
        "subject": "pacemaker", "trace": [{"what": "ended at t=50s on a (ok)"}]}]}
    suite = ET.fromstring(junit_xml(summary)).find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failure = cases["pacemaker"].find("failure")
    assert failure is not None and failure.get("message") == "pacemaker lost quorum at t=50s"
    assert failure.text is not None and "fix: stop fewer nodes" in failure.text
    assert suite.get("tests") == str(len(cases)) and suite.get("failures") == "2"


def test_junit_gives_each_violation_its_own_case_name() -> None:
    # found by probing: galera's two quorum losses were two cases of one class and name, which CI servers merge
    lost = {"invariant": "quorum-kept", "fix": "f", "subject": "galera", "trace": []}
    summary = {**SUMMARY, "violations": [{**lost, "message": "galera lost quorum at t=50s"},
                                         {**lost, "message": "galera lost quorum at t=90s"}]}
    suite = ET.fromstring(junit_xml(summary)).find("testsuite")
    assert suite is not None
    names = [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")]
    assert len(names) == len(set(names))
    assert [n for c, n in names if c and c.endswith("quorum-kept")] == ["galera", "galera #2"]


EVENTS = [
    {"t": 1.0, "seq": 0, "kind": "task", "subject": "c0",
     "data": {"task": "Stop pacemaker cluster", "phase": "update_tasks", "step": "1", "status": "ok", "start": 0.5}},
    {"t": 2.0, "seq": 1, "kind": "state.vip", "subject": "c1", "data": {"state": "started", "vip": "external"}},
    {"t": 3.0, "seq": 2, "kind": "task", "subject": "c1",
     "data": {"task": "Start pacemaker cluster", "phase": "update_tasks", "step": "4", "status": "unreachable"}},
]


def test_the_trace_renders_an_event_a_line_filtered_by_kind_node_or_task_and_time() -> None:
    everything = render_trace(EVENTS).splitlines()
    assert everything[0] == "trace: 3 of 3 trace events" and len(everything) == 4
    assert everything[1].split() == ["1.0", "task", "c0", "update_tasks", "step", "1", "ok", "'Stop", "pacemaker",
                                     "cluster'", "(from", "0.5)"]
    assert everything[2].split() == ["2.0", "state.vip", "c1", "state=started", "vip=external"]
    assert [x.split()[0] for x in render_trace(EVENTS, ["c1"]).splitlines()[1:]] == ["2.0", "3.0"]
    assert [x.split()[0] for x in render_trace(EVENTS, ["*PACEMAKER*"]).splitlines()[1:]] == ["1.0", "3.0"]
    assert [x.split()[0] for x in render_trace(EVENTS, ["state.*"]).splitlines()[1:]] == ["2.0"]
    windowed = render_trace(EVENTS, ["*"], (1.5, 3.0)).splitlines()
    assert windowed[0] == "trace: 2 of 3 trace events (t=1.5..3)" and len(windowed) == 3
    assert render_trace(EVENTS, ["nothing"]).splitlines() == ["trace: 0 of 3 trace events (matching nothing)"]


def test_junit_places_every_failure_in_the_phase_it_happened_in() -> None:
    # found by probing: only "upgrade run" phases got their failures, so a failed update, stack operation or
    # provisioning gave a JUnit file with failures="0" (the run exited 2)
    summary = {**SUMMARY, "phases": [{"name": "update prepare", "start": 0.0, "duration": 40.0},
                                     {"name": "update run", "start": 40.0, "duration": 60.0}],
               "failures": [{"time": 30.0, "host": "-", "phase": "stack update", "step": "-",
                             "task": "overcloud UPDATE_FAILED", "error": "Resource UPDATE failed: Controller"},
                            {"time": 100.0, "host": "c1", "phase": "update_tasks", "step": "4",
                             "task": "Start pacemaker cluster", "error": "injected"},
                            {"time": 500.0, "host": "c2", "phase": "provision", "step": "-", "task": "m2",
                             "error": "power stuck"}]}
    suite = ET.fromstring(junit_xml(summary)).find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert [f.text for f in cases["update prepare"].iter("failure")] == ["Resource UPDATE failed: Controller"]
    assert [f.get("message") for f in cases["update run"].iter("failure")] == [
        "c1: update_tasks step 4: Start pacemaker cluster"]
    assert [f.text for f in cases["run"].iter("failure")] == ["power stuck"]  # in no phase's span
    assert suite.get("failures") == "3"


def test_junit_is_well_formed_whatever_characters_the_texts_hold() -> None:
    summary = {**SUMMARY, "scenario": "upd\x01ate", "failures": [{**SUMMARY["failures"][0], "error": "a\x1bb\ud800"}]}
    text = junit_xml(summary)
    suite = ET.fromstring(text).find("testsuite")  # (raised "not well-formed (invalid token)")
    assert suite is not None and suite.get("name") == "tripleo-sim.upd\\x01ate"
    assert [f.text for f in suite.iter("failure")] == ["a\\x1bb\\ud800"]


def test_the_snapshot_header_shows_the_time_asked_for() -> None:
    # found by probing: --at 3300.6 read "t=3301s", --at=-0 "t=-0s", and 1e308 printed 309 digits
    from reports import render_snapshot

    base = {"nodes": {}, "pacemaker": {"online": [], "resources": {}}, "apis": {}, "clusters": {}}
    headers = [render_snapshot({**base, "t": t}).splitlines()[0] for t in (3300.6, -0.0, 3300.0, 1e308)]
    assert headers == ["world at t=3300.6s:", "world at t=0s:", "world at t=3300s:", "world at t=1e+308s:"]
