"""Every traceback is a bug (issue 17, item 11): internal errors exit 5 in one line (the
traceback with --debug), a closed pipe is not a failure, Ctrl-C interrupts a Z3 proof (130),
options an engine cannot honour are refused, and the hypothesis engine leaves no
``.hypothesis/`` folder behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import one_line, run

from distcheck.engines import checker

ROOT = Path(__file__).resolve().parents[1]
DISTCHECK = [sys.executable, "-m", "distcheck"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise RuntimeError("simulated bug\nsecond line")


# --------------------------------------------------------------------------- exit 5


def test_an_internal_error_exits_5_in_one_line_naming_where_to_report(capsys, monkeypatch) -> None:
    monkeypatch.setattr(checker, "check_model", boom)
    code, out, err = run(capsys, "check", "transactions.tcommit")
    assert code == 5 and out == ""
    line = one_line(err)
    assert "internal error (RuntimeError: simulated bug" in line
    assert "bug in distcheck" in line and "report" in line and "--debug" in line


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_prints_the_traceback(capsys, monkeypatch, where: str) -> None:
    monkeypatch.setattr(checker, "check_model", boom)
    argv = ["--debug", "check", "transactions.tcommit"] if where == "before" else \
        ["check", "transactions.tcommit", "--debug"]
    code, _, err = run(capsys, *argv)
    assert code == 5
    assert "Traceback (most recent call last)" in err and "RuntimeError: simulated bug" in err
    assert err.rstrip().splitlines()[-1].startswith("distcheck: internal error")


def test_help_lists_the_exit_codes(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    text = " ".join(out.split())
    assert code == 0
    assert "5 internal error" in text and "130 interrupted" in text


# --------------------------------------------------------------------------- broken pipe


def _closed_pipe_run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run distcheck with stdout a pipe whose reader is already gone (as ``| head -0``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([*DISTCHECK, *argv], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, cwd=cwd, timeout=300, check=False)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("argv", [
    ["check", "transactions"],
    ["check", "transactions", "--json"],
    ["list"],
    ["replay", str(ROOT / "counterexamples/transactions/transactions.twophase.eager_commit.consistent.json")],
])
def test_a_closed_pipe_ends_the_output_quietly_with_the_commands_own_code(tmp_path: Path,
                                                                         argv) -> None:
    done = _closed_pipe_run(*argv, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_closed_pipe_keeps_a_differing_verdict_visible(tmp_path: Path) -> None:
    # with one RM the eager commit no longer breaks consistency: a verdict differs
    done = _closed_pipe_run("check", "transactions.twophase.eager_commit", "-p", "rms=1",
                            cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    # bounded so that twophase's 'consistent' is cut: only inconclusive, exit 3
    done = _closed_pipe_run("check", "transactions.twophase", "--max-states", "5", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stderr == ""


# --------------------------------------------------------------------------- Ctrl-C in Z3

SLOW_PROOF = '''
from pathlib import Path
from typing import Any

from distcheck import Model, Query, proof


class HardProof(Model):
    """Factoring a 62-bit prime with 64-bit multiplication: Z3 works on it for minutes."""

    id = "slow.hard_proof"

    def init(self):
        yield ()

    @proof(expect="holds")
    def no_factors(self, z3: Any) -> Query:
        """the prime has no factors below 2**32"""
        a, b = z3.BitVec("a", 64), z3.BitVec("b", 64)
        n = 4611686018427387847
        Path("solver-started").write_text("")  # the test interrupts once the solver runs
        return Query(z3.And(a * b == n, a > 1, b > 1, z3.ULT(a, 2**32), z3.ULT(b, 2**32)),
                     {"a": a, "b": b}, lambda v: None)
'''


def test_ctrl_c_interrupts_a_z3_proof_and_exits_130(tmp_path: Path) -> None:
    (tmp_path / "slowproof.py").write_text(SLOW_PROOF)
    proc = subprocess.Popen([*DISTCHECK, "prove", "slowproof.py", "--timeout", "600"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        while not (tmp_path / "solver-started").exists():
            assert proc.poll() is None, proc.communicate()
            subprocess.run(["sleep", "0.05"], check=True)
        subprocess.run(["sleep", "0.3"], check=True)  # into the solver's C code
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)  # a safety net, not a timing assertion
    finally:
        proc.kill()
    assert proc.returncode == 130, (out, err)
    assert one_line(err) == "distcheck: interrupted"
    assert out == ""


# --------------------------------------------------------------------------- refused options


@pytest.mark.parametrize("argv, words", [
    (["--runs", "10"], "--runs applies to the sampling engines"),
    (["--steps", "10"], "--steps applies to the sampling engines"),
    (["--seed", "3"], "--seed applies to the sampling engines"),
    (["--engine", "bfs", "--seed", "3"], "--seed applies"),
    (["--engine", "simulate", "--runs", "0"], "'0' would check nothing"),
    (["--engine", "simulate", "--steps", "0"], "'0' would check nothing"),
    (["--max-depth", "0"], "'0' would check nothing"),
    (["--max-states", "0"], "'0' would check nothing"),
])
def test_options_an_engine_cannot_honour_are_refused(capsys, argv, words: str,
                                                    monkeypatch) -> None:
    monkeypatch.setattr(checker, "check_model", boom)  # nothing may run
    code, out, err = run(capsys, "check", "transactions.tcommit", *argv)
    assert code == 2 and out == ""
    assert words in one_line(err)


def test_graph_refuses_max_states_0(capsys) -> None:
    code, _, err = run(capsys, "graph", "transactions.tcommit", "--max-states", "0")
    assert code == 2 and "would check nothing" in one_line(err)


def test_sampling_options_are_accepted_by_the_sampling_engines(capsys) -> None:
    code, out, err = run(capsys, "check", "transactions.tcommit", "--engine", "simulate",
                         "--seed", "3", "--runs", "2", "--steps", "5")
    assert code in (0, 1), err
    assert "simulate" in out


# --------------------------------------------------------------------------- .hypothesis/


def test_the_hypothesis_engine_leaves_no_hypothesis_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    done = subprocess.run([*DISTCHECK, "check", "transactions.twophase.eager_commit",
                           "--engine", "hypothesis", "--runs", "20", "--steps", "10",
                           "--save-traces", "out"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert done.returncode in (0, 1), done.stderr
    assert "hypothesis" in done.stdout
    assert not (tmp_path / ".hypothesis").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["out"])


def test_a_storage_folder_the_user_chose_is_left_to_hypothesis(tmp_path: Path) -> None:
    env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "mine")}
    done = subprocess.run([*DISTCHECK, "check", "transactions.tcommit", "--engine", "hypothesis",
                           "--runs", "5", "--steps", "5"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert done.returncode in (0, 1), done.stderr
    assert not (tmp_path / ".hypothesis").exists()
    assert (tmp_path / "mine").is_dir()
