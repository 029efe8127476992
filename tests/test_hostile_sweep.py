"""Every CLI command against hostile trace files, bad output paths and a simulated bug
(issue 17, items 5, 6, 9, 11): bad input exits 2 and a bug exits 5, each with one line on
stderr and never a traceback; nothing that was there is replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cli_helpers import one_line, run
from test_trace_input import KINDS, hostile

ROOT = Path(__file__).resolve().parents[1]
EAGER_TRACE = str(ROOT / "counterexamples/transactions/transactions.twophase.eager_commit.consistent.json")

#: the commands that read a trace file, with FILE where it goes
READERS = [
    ["replay", "FILE"],
    ["replay", "FILE", "--json"],
    ["replay", "FILE", "--mermaid", "out.md"],
    ["minimize", "FILE"],
    ["minimize", "FILE", "--json"],
    ["minimize", "FILE", "-o", "out.json"],
]

#: every option that writes a file or folder, with OUT where the path goes
WRITERS = [
    ["check", "transactions.twophase.eager_commit", "--junit", "OUT"],
    ["check", "transactions.twophase.eager_commit", "--save-traces", "OUT"],
    ["check", "transactions.twophase.eager_commit", "--json", "--save-traces", "OUT"],
    ["prove", "ids.snowflake.overlapping", "--save-traces", "OUT"],
    ["replay", EAGER_TRACE, "--mermaid", "OUT"],
    ["minimize", EAGER_TRACE, "-o", "OUT"],
    ["graph", "transactions.tcommit", "-o", "OUT"],
    ["graph", "transactions.tcommit", "--format", "json", "-o", "OUT"],
    ["report", "transactions", "-o", "OUT"],
]

BAD_OUTPUTS = ["fifo", "link-to-fifo", "under-a-file", "device"]

#: command -> (module, function) that a simulated bug replaces
BUGS = {
    "list": (["list"], "distcheck.contract.catalog", "bundled_models"),
    "check": (["check", "transactions.tcommit"], "distcheck.engines.checker", "check_model"),
    "check --json": (["check", "transactions.tcommit", "--json"], "distcheck.outputs.tables",
                     "results_json"),
    "replay": (["replay", EAGER_TRACE], "distcheck.traces.replay", "replay"),
    "minimize": (["minimize", EAGER_TRACE, "-o", "m.json"], "distcheck.traces.minimize",
                 "minimize_trace"),
    "prove": (["prove", "ids.snowflake"], "distcheck.engines.z3prove", "prove_models"),
    "graph": (["graph", "transactions.tcommit"], "distcheck.outputs.graphs", "build"),
    "report": (["report", "transactions"], "distcheck.outputs.pages", "check_family"),
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its type and size (symlinks not followed)."""
    out = {}
    for p in folder.rglob("*"):
        st = os.lstat(p)
        out[str(p.relative_to(folder))] = (stat.S_IFMT(st.st_mode),
                                           st.st_size if stat.S_ISREG(st.st_mode) else 0)
    return out


def bad_output(kind: str, tmp: Path) -> str:
    if kind == "fifo":
        os.mkfifo(tmp / "pipe")
        return str(tmp / "pipe")
    if kind == "link-to-fifo":
        os.mkfifo(tmp / "pipe")
        (tmp / "link").symlink_to(tmp / "pipe")
        return str(tmp / "link")
    if kind == "under-a-file":
        (tmp / "afile").write_text("keep me")
        return str(tmp / "afile" / "out")
    if kind == "device":  # a symlink to one: the device itself is never handed to a writer
        (tmp / "dev").symlink_to("/dev/null")
        return str(tmp / "dev")
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("argv", READERS, ids=" ".join)
def test_every_trace_reader_refuses_every_hostile_file(capsys, tmp_path: Path, argv, kind) -> None:
    path = hostile(kind, tmp_path)
    before = snapshot(tmp_path)
    code, out, err = run(capsys, *(str(path) if a == "FILE" else a for a in argv))
    assert code == 2, (code, err)
    assert out == "" or "--json" in argv
    one_line(err)
    assert snapshot(tmp_path) == before  # no output written for a trace that was refused


@pytest.mark.parametrize("kind", BAD_OUTPUTS)
@pytest.mark.parametrize("argv", WRITERS, ids=" ".join)
def test_every_writer_refuses_every_bad_output_before_work(capsys, tmp_path: Path, argv,
                                                           kind) -> None:
    target = bad_output(kind, tmp_path)
    before = snapshot(tmp_path)
    code, out, err = run(capsys, *(target if a == "OUT" else a for a in argv))
    assert code == 2, (code, err)
    assert out == ""  # refused before the run: no table, no JSON
    one_line(err)
    assert snapshot(tmp_path) == before
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("name", list(BUGS))
def test_a_bug_anywhere_exits_5_in_one_line(capsys, monkeypatch, name: str) -> None:
    import importlib

    argv, module, function = BUGS[name]

    def bug(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("simulated")

    monkeypatch.setattr(importlib.import_module(module), function, bug)
    code, _, err = run(capsys, *argv)
    assert code == 5, (code, err)
    assert "internal error (KeyError: 'simulated')" in one_line(err)
