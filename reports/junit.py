"""JUnit XML from a run summary (the canonical JSON): one test case per phase, a failure element per failed
host-task, so CI systems show which phase failed and why; one failed test case per run-invariant violation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["junit_xml"]


def junit_xml(summary: Mapping[str, Any], *, suite: str = "tripleo-sim") -> str:
    phases = summary.get("phases", [])
    failures = summary.get("failures", [])
    root = ET.Element("testsuites")
    ts = ET.SubElement(root, "testsuite", name=f"{suite}.{summary.get('scenario', 'run')}",
                       tests=str(len(phases)), failures=str(len({f['phase'] for f in failures})),
                       time=f"{float(summary.get('simulated_seconds', 0)):.3f}")
    props = ET.SubElement(ts, "properties")
    for key in ("seed", "source_release", "target_release", "trace_hash"):
        if key in summary:
            ET.SubElement(props, "property", name=key, value=str(summary[key]))
    for phase in phases:
        case = ET.SubElement(ts, "testcase", classname=f"{suite}.phase", name=phase["name"],
                             time=f"{float(phase['duration']):.3f}")
        mine = [f for f in failures if phase["name"].startswith("upgrade run") and f["phase"] != "-"
                and f["time"] >= phase["start"] and f["time"] <= phase["start"] + phase["duration"]]
        for f in mine:
            failure = ET.SubElement(case, "failure", type="TaskFailed",
                                    message=f"{f['host']}: {f['phase']} step {f['step']}: {f['task']}")
            failure.text = f["error"]
    downtime = summary.get("api_downtime_seconds", {})
    for api, seconds in sorted(downtime.items()):
        case = ET.SubElement(ts, "testcase", classname=f"{suite}.api_downtime", name=api, time=f"{seconds:.3f}")
        ET.SubElement(case, "system-out").text = f"{api} unavailable for {seconds:.1f} simulated seconds"
    for violation in summary.get("violations", []):
        case = ET.SubElement(ts, "testcase", classname=f"{suite}.invariant.{violation['invariant']}",
                             name=violation.get("subject") or violation["invariant"])
        failure = ET.SubElement(case, "failure", type="InvariantViolated", message=violation["message"])
        failure.text = "\n".join([*(t["what"] for t in violation.get("trace", [])), f"fix: {violation['fix']}"])
    cases = ts.findall("testcase")
    ts.set("tests", str(len(cases)))
    ts.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
