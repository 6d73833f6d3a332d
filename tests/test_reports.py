"""JUnit XML renders from the canonical summary alone."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from reports import junit_xml

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
