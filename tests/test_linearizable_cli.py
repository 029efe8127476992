"""``distcheck linearizable HISTORY.jsonl --model ...``: verdicts, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import one_line, run
from histories import register_history

from distcheck.cli.commands import EXIT_INCONCLUSIVE

INVERSION = [
    {"process": 0, "type": "invoke", "f": "write", "value": 200},
    {"process": 1, "type": "invoke", "f": "read", "value": None},
    {"process": 1, "type": "ok", "f": "read", "value": 200},
    {"process": 2, "type": "invoke", "f": "read", "value": None},
    {"process": 2, "type": "ok", "f": "read", "value": 0},
    {"process": 0, "type": "ok", "f": "write", "value": 200},
]


def write(path: Path, events: list) -> str:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return str(path)


def test_not_linearizable_prints_the_minimal_sub_history(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "linearizable", write(tmp_path / "h.jsonl", INVERSION),
                       "--model", "register", "--initial", "0")
    assert code == 1
    assert out.startswith("not linearizable: 3 operations")
    assert "lines 2-3      process 1: read -> ok 200" in out
    assert "went back in time" in out


def test_linearizable_with_json(tmp_path: Path, capsys) -> None:
    events = [e._asdict() for e in register_history(200, processes=4)]
    code, out, _ = run(capsys, "linearizable", write(tmp_path / "h.jsonl", events),
                       "--model", "register", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "linearizable" and doc["operations"] >= 200


def test_kv_and_counter(tmp_path: Path, capsys) -> None:
    kv = [{"process": 0, "type": "invoke", "f": "cas", "value": ["x", [None, 1]]},
          {"process": 0, "type": "ok", "f": "cas", "value": ["x", [None, 1]]},
          {"process": 1, "type": "invoke", "f": "read", "value": ["x", None]},
          {"process": 1, "type": "ok", "f": "read", "value": ["x", None]}]
    code, out, _ = run(capsys, "linearizable", write(tmp_path / "kv.jsonl", kv), "--model", "kv")
    assert code == 1 and "at key x" in out and "stale read" in out
    counter = [{"process": 0, "type": "invoke", "f": "add", "value": 2},
               {"process": 1, "type": "invoke", "f": "read"},
               {"process": 1, "type": "ok", "f": "read", "value": 2},
               {"process": 0, "type": "info", "f": "add", "value": 2}]
    code, out, _ = run(capsys, "linearizable", write(tmp_path / "c.jsonl", counter),
                       "--model", "counter")
    assert code == 0, out


def test_inconclusive_past_max_seconds(tmp_path: Path, capsys) -> None:
    events = [e._asdict() for e in register_history(1000, processes=30)]
    code, out, _ = run(capsys, "linearizable", write(tmp_path / "h.jsonl", events),
                       "--model", "register", "--max-seconds", "0.001")
    assert code == EXIT_INCONCLUSIVE == 3
    assert out.startswith("inconclusive") and "raise --max-seconds" in out


@pytest.mark.parametrize("lines, args, message", [
    (['{"process": 0, "type": "ok", "f": "read"}'], [], "h.jsonl:1: process 0 completes read"),
    (["not json"], [], "h.jsonl:1: not JSON"),
    (['{"process": 0, "type": "invoke", "f": "write", "value": 1}'], ["--model", "kv"],
     "h.jsonl:1: process 0: write 1"),
    (['{"process": 0, "type": "invoke", "f": "write", "value": 1}'], ["--initial", "{x"],
     "--initial '{x' is not a JSON value"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys, lines, args, message) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["linearizable", str(path), *(args if "--model" in args else ["--model", "register", *args])]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in one_line(err)


def test_missing_file_and_missing_model(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "linearizable", str(tmp_path / "none.jsonl"), "--model", "register")
    assert code == 2 and "none.jsonl" in one_line(err)
    code, _, err = run(capsys, "linearizable", str(tmp_path / "none.jsonl"))
    assert code == 2 and "--model" in one_line(err)
