"""The conformance runner on in-memory systems (tests/conformance_fakes.py): no server needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import one_line, run
from conformance_fakes import CompareDelLock, Dedup, PlainDelLock, RacyDedup

from distcheck.conformance import DIVERGED, NO_DIVERGENCE, REPRODUCED, conform_model, conform_trace
from distcheck.conformance.results import load
from distcheck.contract.compiled import compile_model
from distcheck.engines.checker import Options, check_model
from distcheck.models.locks.release import CompareAndDelete, PlainDel
from distcheck.outputs.pages import ROOT
from distcheck.traces import tracefile

PLAIN_DEL = str(ROOT / "counterexamples/locks/locks.release.plain_del.no_release_of_others.json")


def test_a_system_that_deletes_blindly_reproduces_lk6() -> None:
    report = conform_trace(tracefile.load(PLAIN_DEL), PlainDelLock, PLAIN_DEL)
    assert report.outcome == REPRODUCED and report.frequency() == "1/1"
    last = report.shown.history[-1]
    assert last.label == "release(client=0)" and last.model == last.real == {
        "clients.0.pc": "done", "owner": None}


def test_a_compare_and_delete_diverges_where_the_release_deletes_another_clients_lock(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", PLAIN_DEL, "--adapter", "conformance_fakes:CompareDelLock")
    assert code == 1
    assert "diverged at step 4" in out and "owner: model null, real 1" in out
    [row] = [line for line in out.splitlines() if "release(client=0)" in line and "│" in line]
    assert row.rstrip("│ ").endswith("differs")  # the diverging row is marked


def test_a_race_the_real_system_wins_half_the_time_reports_its_frequency(tmp_path: Path) -> None:
    [result] = check_model(RacyDedup(), Options())
    assert result.trace is not None
    path = tracefile.save(result.trace, tmp_path / "racy.json")
    Dedup.runs = 0
    report = conform_trace(tracefile.load(path), Dedup, str(path), repeat=4)
    assert (report.outcome, report.frequency()) == (REPRODUCED, "2/4")
    assert report.count("not reproduced") == 2
    Dedup.runs = 0
    once = conform_trace(tracefile.load(path), Dedup, str(path), repeat=1)
    assert once.outcome == "not reproduced"  # took the "once" branch: every step agreed


def test_not_reproduced_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [result] = check_model(RacyDedup(), Options())
    assert result.trace is not None
    path = tracefile.save(result.trace, tmp_path / "racy.json")
    Dedup.runs = 0
    code, out, _ = run(capsys, "conform", str(path), "--adapter", "conformance_fakes:Dedup")
    assert code == 3 and "not reproduced (1/1 runs" in out


def test_model_runs_find_no_divergence_where_model_and_system_agree() -> None:
    report = conform_model(compile_model(CompareAndDelete()), CompareDelLock, runs=30, steps=10)
    assert report.outcome == NO_DIVERGENCE and len(report.runs) == 30
    assert report.saved is None


def test_a_model_run_shrinks_and_saves_the_first_divergence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = conform_model(compile_model(PlainDel()), CompareDelLock, runs=50, steps=10, seed=3)
    assert report.outcome == DIVERGED and report.saved is not None
    # shortest story: acquire, expire, another acquires, the first releases
    assert [st.label() for st in report.saved.steps] == [
        "acquire(client=0)", "tick()", "acquire(client=1)", "release(client=0)"]
    assert "diverged from the model at step 4 release(client=0): owner: model null, real 1" \
        in report.saved.message
    code, out, _ = run(capsys, "conform", "locks.release.plain_del", "--adapter",
                       "conformance_fakes:CompareDelLock", "--seed", "3", "--runs", "50",
                       "--save-traces", str(tmp_path))
    assert code == 1, out
    saved = tmp_path / "locks.release.plain_del.conformance.json"
    assert saved.is_file() and "divergence saved to" in out
    assert run(capsys, "replay", str(saved))[0] == 0  # the model side replays as it is
    code, out, _ = run(capsys, "conform", str(saved), "--adapter", "conformance_fakes:CompareDelLock")
    assert code == 0 and "diverges again" in out
    code, out, _ = run(capsys, "conform", str(saved), "--adapter", "conformance_fakes:PlainDelLock")
    assert code == 3  # a system that deletes blindly does what the model says


def test_record_and_refresh_a_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    results = tmp_path / "conformance.json"
    for adapter in ("PlainDelLock", "CompareDelLock"):
        run(capsys, "conform", PLAIN_DEL, "--adapter", f"conformance_fakes:{adapter}",
            "--record", str(results))
    entries = load(results)
    assert [(e["adapter"].split(":")[1], e["outcome"]) for e in entries] == [
        ("CompareDelLock", "diverged"), ("PlainDelLock", "reproduced")]
    results.write_text(results.read_text().replace('"reproduced"', '"stale"'))
    code, _, err = run(capsys, "conform", "--refresh", str(results))
    assert code == 1 and err.count("distcheck conform") == 2
    assert [e["outcome"] for e in load(results)] == ["diverged", "reproduced"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["--adapter", "conformance_fakes:NoRelease"], "has no method release() for action 'release'"),
    (["--adapter", "conformance_fakes:BadShape"],
     "step 1 acquire(client=0): BadShape.acquire() returned 'acquired'"),
    (["--adapter", "conformance_fakes"], "is not module:Class"),
    (["--adapter", "no_such_module:X"], "cannot import no_such_module"),
    (["--adapter", "conformance_fakes:RacyDedup"], "has no Adapter subclass 'RacyDedup'"),
    (["--adapter", "conformance_fakes:Dedup", "--param", "ttl=2"], "--param applies to a model"),
    ([], "give a trace file or a model and --adapter"),
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], needle: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "conform", PLAIN_DEL, *argv)
    assert code == 2 and needle in one_line(err), err
    assert out == ""


def test_an_adapter_for_other_models_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "conform", "locks.redis_set_nx_px", "--adapter",
                       "conformance_fakes:PlainDelLock")
    assert code == 2 and "drives locks.release, not locks.redis_set_nx_px" in one_line(err)


def test_a_results_file_that_is_not_one_is_refused_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps({"results": []}))
    code, _, err = run(capsys, "conform", PLAIN_DEL, "--adapter",
                       "conformance_fakes:PlainDelLock", "--record", str(bad))
    assert code == 2 and "not a conformance results file" in one_line(err)
    assert json.loads(bad.read_text()) == {"results": []}
