"""JUnit XML output: one testcase per (model, property), failures where verdicts differ."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from distcheck.cli import main


def test_junit_marks_differing_verdicts_as_failures(tmp_path: Path, capsys) -> None:
    out = tmp_path / "verdicts.xml"
    code = main(["check", "transactions.twophase.eager_commit", "--param", "rms=1",
                 "--junit", str(out), "--save-traces", str(tmp_path / "traces")])
    assert code == 1  # with one RM, eager commit is correct: "violated" is not found
    root = ET.parse(out).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"consistent", "some_commit"}
    assert cases["consistent"].find("failure") is not None
    assert cases["some_commit"].find("failure") is None
    assert root.find("testsuite").get("failures") == "1"
