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


BROKEN = '''
from distcheck import Model, action, invariant


class Counter(Model):
    """Counts to three; claims it never passes one."""

    id = "test.junit.counter"

    def init(self):
        yield {"n": 0}.get("n")

    @action()
    def inc(self, s):
        if s < 3:
            return s + 1

    @invariant()
    def at_most_one(self, s) -> bool:
        """The counter never passes one."""
        return s <= 1
'''


def test_junit_failure_carries_the_step_table(tmp_path: Path, capsys) -> None:
    (tmp_path / "counter.py").write_text(BROKEN, encoding="utf-8")
    out = tmp_path / "verdicts.xml"
    code = main(["check", str(tmp_path / "counter.py"), "--quiet", "--junit", str(out),
                 "--save-traces", str(tmp_path / "traces")])
    assert code == 1
    failure = ET.parse(out).getroot().find("testsuite/testcase/failure")
    assert failure is not None
    text = failure.text or ""
    assert "trace " in text and "test.junit.counter.at_most_one.json (2 steps)" in text
    # the step table: each step and what it changed
    assert "initial state" in text and "inc()" in text and "1 -> 2" in text.replace("→", "->")
