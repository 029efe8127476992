"""Trace files are untrusted input (issue 17, item 9): only regular files, at most
MAX_TRACE_BYTES, nested at most MAX_NESTING deep, no huge integers, no lone surrogates; their
strings reach the terminal escaped; a stale huge trace prints only the steps replayed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import one_line, run

from distcheck.contract.errors import printable
from distcheck.traces import tracefile

ROOT = Path(__file__).resolve().parents[1]
EAGER_TRACE = ROOT / "counterexamples/transactions/transactions.twophase.eager_commit.consistent.json"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def eager() -> dict[str, Any]:
    return json.loads(EAGER_TRACE.read_text())


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def hostile(kind: str, tmp: Path) -> Path:
    """One of the audit's hostile trace files, recreated."""
    path = tmp / f"{kind}.json"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "deep":
        write(path, '{"format": "distcheck-trace", "x": ' + "[" * 5000 + "]" * 5000 + "}")
    elif kind == "just-too-deep":  # parses fine, would exhaust the recursion of later walks
        write(path, {**eager(), "initial": json.loads("[" * 150 + "]" * 150)})
    elif kind == "bigint":
        write(path, '{"format": "distcheck-trace", "seed": ' + "9" * 4300 + "}")
    elif kind == "hugeint":  # past Python's own int_max_str_digits: json.loads raises
        write(path, '{"format": "distcheck-trace", "seed": ' + "9" * 5000 + "}")
    elif kind == "longint":  # under Python's cap, over ours
        write(path, {**eager(), "seed": int("9" * 2000)})
    elif kind == "surrogate":
        write(path, json.dumps(eager()).replace('"consistent"', '"consistent\\ud800"', 1))
    elif kind == "nan":
        write(path, json.dumps({**eager(), "seed": "-"}).replace('"seed": "-"', '"seed": NaN'))
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")
    elif kind == "truncated":
        write(path, EAGER_TRACE.read_text()[:200])
    else:
        raise AssertionError(kind)
    return path


KINDS = ["dev-zero", "fifo", "directory", "deep", "just-too-deep", "bigint", "hugeint", "longint",
         "surrogate", "nan", "binary", "truncated"]


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_trace_is_one_line_exit_2(capsys, tmp_path: Path, kind: str) -> None:
    code, out, err = run(capsys, "replay", str(hostile(kind, tmp_path)))
    assert code == 2 and out == ""
    assert str(tmp_path) in one_line(err)


def test_a_symlink_to_dev_zero_is_not_read() -> None:
    # read_capped refuses it before reading: reading would never end (the audit: MemoryError)
    with pytest.raises(Exception, match="character device"):
        tracefile.load("/dev/zero")


def test_a_trace_over_the_size_cap_is_refused(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tracefile, "MAX_TRACE_BYTES", 1000)
    code, _, err = run(capsys, "replay", str(EAGER_TRACE))
    assert code == 2
    assert "larger than a trace file may be (1,000 bytes)" in one_line(err)


def test_messages_name_the_problem(capsys, tmp_path: Path) -> None:
    expected = {"deep": "nested deeper than 100", "bigint": "digits", "longint": "1,000 digits",
                "hugeint": "Exceeds the limit (4300 digits)",
                "surrogate": "lone surrogate", "nan": "NaN", "fifo": "FIFO",
                "directory": "directory"}
    for kind, words in expected.items():
        code, _, err = run(capsys, "replay", str(hostile(kind, tmp_path)))
        assert code == 2 and words in one_line(err), (kind, err)


def test_escape_sequences_from_a_trace_do_not_reach_the_terminal(capsys, tmp_path: Path) -> None:
    data = eager()
    data["message"] = "\x1b]0;pwned\x07\x1b[2J cleared"
    data["steps"][0]["action"] = "\x1b[31mred"
    path = write(tmp_path / "esc.json", data)
    code, out, err = run(capsys, "replay", str(path))
    assert code == 1  # the action does not exist: stale
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b]0;pwned\\x07" in out and "\\x1b[31mred" in out


def test_an_escape_in_a_property_name_is_escaped_in_the_error_line(capsys, tmp_path: Path) -> None:
    data = eager()
    data["property"] = "consistent\x1b[2J\nsecond line"
    data["model"] = "no.such\x1b[31mmodel"
    code, out, err = run(capsys, "replay", str(write(tmp_path / "esc.json", data)))
    assert code == 2
    line = one_line(err)  # the newline in the name does not split the message
    assert "\x1b" not in line and "\\x1b[31m" in line


def test_rich_markup_in_a_trace_is_shown_literally(capsys, tmp_path: Path) -> None:
    data = eager()
    data["property"] = "[/]consistent[bold]"
    data["message"] = "[red]not markup[/red] [/]"
    code, out, err = run(capsys, "replay", str(write(tmp_path / "markup.json", data)))
    assert code == 1, err  # the property is not the model's: stale, but printed
    assert "[red]not markup[/red] [/]" in out and "Traceback" not in err


def test_printable_escapes_controls_bidi_and_surrogates_only() -> None:
    assert printable("a\tb é ✓") == "a\tb é ✓"
    assert printable("a\x1b[0m\nb\x7f\x9b") == "a\\x1b[0m\\x0ab\\x7f\\x9b"
    assert printable("evil\u202etxt.exe \ud800") == "evil\\u202etxt.exe \\ud800"


def test_a_stale_huge_trace_prints_the_steps_it_replayed(capsys, tmp_path: Path) -> None:
    data = eager()
    data["steps"][1]["state"] = {"tampered": True}
    data["steps"] += [data["steps"][-1]] * 20_000
    code, out, _ = run(capsys, "replay", str(write(tmp_path / "huge.json", data)))
    assert code == 1
    assert "20,003 more recorded steps" in out and "not replayed" in out
    assert len(out) < 20_000  # two step rows, not twenty thousand
    assert "stale trace" in out and "step 2" in out


def test_a_good_trace_still_prints_every_step(capsys) -> None:
    code, out, _ = run(capsys, "replay", str(EAGER_TRACE))
    assert code == 0
    assert "more recorded" not in out
    assert all(f"│ {i} " in out for i in range(1, len(eager()["steps"]) + 1))
