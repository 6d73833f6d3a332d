"""JUnit XML from a run summary (the canonical JSON): one test case per phase, a failure element per failure of the
run (a host-task, a stack operation, provisioning) in the phase it happened in, so CI systems show which phase failed
and why; one failed test case per run-invariant violation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["junit_xml"]

# what XML 1.0 cannot hold: control characters but tab, newline and carriage return; lone surrogates; U+FFFE/F
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """``text`` with each character XML cannot hold written as its escape (``\\x01``)."""
    return _NOT_XML.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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
    # each failure in the first phase whose span holds its time (a whole-run failure, host "-", too); one outside
    # every phase (none ran yet) in a test case of its own
    placed: dict[int, list[Mapping[str, Any]]] = {}
    for f in failures:
        index = next((i for i, p in enumerate(phases)
                      if p["start"] <= f["time"] <= p["start"] + p["duration"]), -1)
        placed.setdefault(index, []).append(f)
    cases = [(ET.SubElement(ts, "testcase", classname=f"{suite}.phase", name=phase["name"],
                            time=f"{float(phase['duration']):.3f}"), placed.get(i, []))
             for i, phase in enumerate(phases)]
    if -1 in placed:
        cases.append((ET.SubElement(ts, "testcase", classname=f"{suite}.run", name="run"), placed[-1]))
    for case, mine in cases:
        for f in mine:
            failure = ET.SubElement(case, "failure", type="TaskFailed",
                                    message=f"{f['host']}: {f['phase']} step {f['step']}: {f['task']}")
            failure.text = f["error"]
    downtime = summary.get("api_downtime_seconds", {})
    for api, seconds in sorted(downtime.items()):
        case = ET.SubElement(ts, "testcase", classname=f"{suite}.api_downtime", name=api, time=f"{seconds:.3f}")
        ET.SubElement(case, "system-out").text = f"{api} unavailable for {seconds:.1f} simulated seconds"
    seen: dict[tuple[str, str], int] = {}
    for violation in summary.get("violations", []):
        classname = f"{suite}.invariant.{violation['invariant']}"
        name = violation.get("subject") or violation["invariant"]
        seen[classname, name] = seen.get((classname, name), 0) + 1
        if seen[classname, name] > 1:  # one test case each (CI servers merge cases of one class and name)
            name = f"{name} #{seen[classname, name]}"
        case = ET.SubElement(ts, "testcase", classname=classname, name=name)
        failure = ET.SubElement(case, "failure", type="InvariantViolated", message=violation["message"])
        failure.text = "\n".join([*(t["what"] for t in violation.get("trace", [])), f"fix: {violation['fix']}"])
    all_cases = ts.findall("testcase")
    ts.set("tests", str(len(all_cases)))
    ts.set("failures", str(sum(1 for c in all_cases if c.find("failure") is not None)))
    for element in root.iter():  # XML 1.0 holds no control characters (a scenario name or an error text may)
        element.attrib.update({k: _xml_text(v) for k, v in element.attrib.items()})
        if element.text:
            element.text = _xml_text(element.text)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
