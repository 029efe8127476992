"""Verdicts as JUnit XML, so CI systems show one test case per (model, property)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from distcheck.contract.files import write_atomic
from distcheck.contract.verdict import Result
from distcheck.outputs.tables import trace_text


def write_junit(results: list[Result], path: str | Path) -> Path:
    """Write one ``<testsuite>`` per model; a verdict other than the expected one is a failure."""
    suites = ET.Element("testsuites", name="distcheck")
    by_model: dict[str, list[Result]] = {}
    for r in results:
        by_model.setdefault(r.model, []).append(r)
    for model, group in by_model.items():
        failures = sum(1 for r in group if not r.as_expected)
        suite = ET.SubElement(
            suites, "testsuite", name=model, tests=str(len(group)), failures=str(failures),
            time=f"{max(r.stats.seconds for r in group):.3f}",
        )
        for r in group:
            case = ET.SubElement(
                suite, "testcase", classname=model, name=r.property, time=f"{r.stats.seconds:.3f}"
            )
            summary = (
                f"{r.engine}: expected {r.expected}, verdict {r.verdict}; "
                f"{r.stats.distinct_states} distinct states, depth {r.stats.depth}; {r.reason}"
            )
            if r.trace_file:
                summary += f"; trace {r.trace_file} ({len(r.trace or [])} steps)"
            if r.as_expected:
                ET.SubElement(case, "system-out").text = summary
            else:
                story = summary
                if r.trace is not None:  # what happened, not only where the trace file is
                    story += "\n\n" + trace_text(r.trace)  # its cells are escaped already
                ET.SubElement(case, "failure", message=f"expected {r.shown_expected}, got {r.shown_verdict}").text = story
    blob = ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
    return write_atomic(path, blob, "--junit")
