"""The CI gate: action coverage, baselines and drift, exit-code precedence, interruption.

The drift scenario of issue 10: a copy of TwoPhase whose coordinator abort guard
is mistyped shrinks from 288 to 72 states while every property still holds.  The
gate must fail it twice over: coverage names the dead action, and the baseline
comparison names the counts that moved.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from distcheck import Faults, Model, action, fault, invariant
from distcheck.cli.commands import (
    EXIT_DIFFERS,
    EXIT_DRIFT,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    check_exit_code,
    main,
)
from distcheck.cli.progress import Progress
from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.coverage import DEAD, FIRED, MAY_BE_DEAD, SWITCHED_OFF, UNKNOWN
from distcheck.contract.errors import ModelError
from distcheck.contract.verdict import Result, Stats
from distcheck.engines.checker import Options, check_model
from distcheck.outputs.gate import compare

TWOPHASE = Path(inspect.getsourcefile(catalog.get("transactions.twophase")) or "")
GUARD = '    def tm_abort(self, s: TP):\n        if s.tm_state == "init":'
TYPO = '    def tm_abort(self, s: TP):\n        if s.tm_state == "int":'


def _copy(tmp_path: Path, typo: bool, dead_declared: bool = False) -> Path:
    text = TWOPHASE.read_text(encoding="utf-8")
    text = text.replace('id = "transactions.twophase"', 'id = "mine.twophase"')
    text = text.replace('id = "transactions.twophase.eager_commit"', 'id = "mine.twophase.eager"')
    assert GUARD in text
    if typo:
        text = text.replace(GUARD, TYPO)
    if dead_declared:
        text = text.replace('    claims = ("TX-1",)\n', '    claims = ("TX-1",)\n    may_be_dead = '
                            '{"tm_abort": "no abort in this study", '
                            '"rm_rcv_abort_msg": "no abort in this study"}\n', 1)
    # a file of its own per version: a module once imported is not read again in this process
    path = tmp_path / f"tp_{'typo' if typo else 'ok'}{'_declared' if dead_declared else ''}.py"
    path.write_text(text, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_drift_scenario_fails_the_gate_twice(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _copy(in_tmp, typo=False)
    code, out, _ = _run(capsys, "check", str(model), "--json", "--coverage", "--quiet")
    assert code == EXIT_OK
    (in_tmp / "baseline.json").write_text(out, encoding="utf-8")

    model = _copy(in_tmp, typo=True)
    # coverage: the abort never fires, although every verdict is as expected
    code, out, _ = _run(capsys, "check", str(model), "--quiet")
    assert code == EXIT_DIFFERS
    assert "all 4 verdicts as expected" in out
    assert "mine.twophase: never fired in a complete search: tm_abort, rm_rcv_abort_msg" in out
    # the baseline: 288 -> 72 states (coverage still fails first: exit 1 before 4)
    code, out, _ = _run(capsys, "check", str(model), "--quiet", "--coverage",
                        "--baseline", "baseline.json")
    assert code == EXIT_DIFFERS
    assert "mine.twophase consistent: distinct states 288 -> 72, total states 1146 -> 218" in out
    assert "mine.twophase coverage: tm_abort fired 64 -> 0, new 14 -> 0 (now never fires)" in out
    assert "source changed" in out  # shown, not drift by itself


def test_declared_dead_action_still_drifts(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _copy(in_tmp, typo=False)
    code, out, _ = _run(capsys, "check", str(model), "--json", "--coverage", "--quiet")
    (in_tmp / "old.json").write_text(out, encoding="utf-8")
    model = _copy(in_tmp, typo=True, dead_declared=True)
    code, out, err = _run(capsys, "check", str(model), "--coverage", "--quiet", "--json",
                          "--baseline", "old.json")
    assert code == EXIT_DRIFT
    doc = json.loads(out)  # stdout stays one document; the diff goes to stderr
    cov = next(m["coverage"] for m in doc["models"] if m["model"] == "mine.twophase")
    assert cov["complete"] and cov["dead"] == []
    assert {a["action"]: a["status"] for a in cov["actions"]}["tm_abort"] == MAY_BE_DEAD
    assert "288 -> 72" in err
    (in_tmp / "new.json").write_text(out, encoding="utf-8")
    code, out, _ = _run(capsys, "diff", "old.json", "new.json")
    assert code == EXIT_DRIFT and "distinct states 288 -> 72" in out
    assert _run(capsys, "diff", "old.json", "old.json")[0] == EXIT_OK
    # a tolerance wide enough lets counts move, not verdicts or dead actions
    code, out, _ = _run(capsys, "diff", "old.json", "new.json", "--tolerance", "0.9")
    assert "288 -> 72" not in out and "tm_abort fired 64 -> 0" in out and code == EXIT_DRIFT


def test_update_baseline_then_no_drift(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _copy(in_tmp, typo=False)
    code, out, _ = _run(capsys, "check", str(model), "--quiet", "--baseline", "b.json",
                        "--update-baseline")
    assert code == EXIT_OK and "baseline b.json rewritten" in out
    doc = json.loads((in_tmp / "b.json").read_text(encoding="utf-8"))
    entry = next(m for m in doc["models"] if m["model"] == "mine.twophase")
    assert doc["distcheck"] and entry["source"]["file"].endswith("tp_ok.py")
    assert len(entry["source"]["sha256"]) == 64 and entry["params"] == {"rms": 3}
    assert entry["engine"] == "bfs"
    code, out, _ = _run(capsys, "check", str(model), "--quiet", "--baseline", "b.json")
    assert code == EXIT_OK and "no drift from b.json: 4 results compared" in out


@pytest.mark.parametrize("content, why", [
    (None, "cannot read"), ("{", "is not JSON"), ('{"format": "x"}', "is not a distcheck results"),
])
def test_bad_baseline_is_bad_input(in_tmp: Path, capsys: pytest.CaptureFixture[str],
                                   content: str | None, why: str) -> None:
    if content is not None:
        (in_tmp / "b.json").write_text(content, encoding="utf-8")
    code, out, err = _run(capsys, "check", "transactions.tcommit", "--quiet", "--baseline", "b.json")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--baseline b.json" in err or "b.json" in err
    assert _run(capsys, "check", "transactions.tcommit", "--update-baseline")[0] == 2


def _result(verdict: str, expected: str = "holds", cut: bool = False) -> Result:
    return Result("m", {}, "p", "invariant", expected, verdict, "", Stats(),
                  extra={"cut": "max-seconds=1 reached"} if cut else {})


def test_exit_code_precedence() -> None:
    ok, differs, cut = _result("holds"), _result("violated"), _result("inconclusive", cut=True)
    assert check_exit_code([ok]) == EXIT_OK
    assert check_exit_code([ok, cut]) == EXIT_INCONCLUSIVE
    assert check_exit_code([ok, cut], drifted=True) == EXIT_DRIFT
    assert check_exit_code([differs, cut], drifted=True) == EXIT_DIFFERS
    assert check_exit_code([ok, cut], dead=True, drifted=True) == EXIT_DIFFERS


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "4 drift from a --baseline" in text and "then 1, then 4, then 3" in text


# --------------------------------------------------------------------------- coverage


class Crashy(Model):
    """A server that serves; a crash budget of 0 switches the crash off."""

    id = "test.gate.crashy"
    faults = Faults(crash=0)
    may_be_dead = {"audit": "audits are off in this test"}

    def init(self):
        yield (True, 0, self.faults.initial()["crashes_left"])

    @action()
    def serve(self, s):
        if s[0] and s[1] < 2:
            return (s[0], s[1] + 1, s[2])

    @action()
    def audit(self, s):
        return None

    @action()
    def reset(self, s):
        if s[1] > 5:  # never: serve stops at 2
            return (s[0], 0, s[2])

    @fault("crash")
    def crash(self, s):
        if s[2] > 0:
            return (False, s[1], s[2] - 1)

    @fault("restart")
    def restart(self, s):
        if not s[0]:
            return (True, s[1], s[2])

    @invariant()
    def bounded(self, s) -> bool:
        return s[1] <= 2


def _coverage(model: Model, full: bool = True):
    results = check_model(compile_model(model), Options(coverage=full))
    return next(r.coverage for r in results if r.coverage is not None)


def test_coverage_statuses() -> None:
    cov = _coverage(Crashy())
    status = {a.name: (a.status, a.fired, a.new) for a in cov.actions}
    assert status == {"serve": (FIRED, 2, 2), "audit": (MAY_BE_DEAD, 0, 0),
                      "reset": (DEAD, 0, 0), "crash": (SWITCHED_OFF, 0, 0),
                      "restart": (SWITCHED_OFF, 0, 0)}  # no restart without a crash
    assert [a.name for a in cov.dead()] == ["reset"]
    assert "budget crashes=0" in cov.summary()


def test_partial_coverage_names_no_dead_action() -> None:
    eager = catalog.get("transactions.twophase.eager_commit")()
    partial = _coverage(eager, full=False)
    assert not partial.complete and partial.dead() == []
    assert any(a.status == UNKNOWN for a in partial.actions) or all(a.fired for a in partial.actions)
    assert _coverage(eager).complete


def test_may_be_dead_must_name_an_action() -> None:
    class Typo(Crashy):
        id = "test.gate.typo"
        may_be_dead = {"audti": "typo"}

    with pytest.raises(ModelError, match="may_be_dead names 'audti'"):
        _coverage(Typo())


def test_no_bundled_model_has_a_dead_action() -> None:
    """Every bundled model, explored to the end: each action fires or says why it may not."""
    dead = {}
    for model_id, cls in catalog.bundled_models().items():
        if cls.slow:
            continue
        cov = next((r.coverage for r in check_model(compile_model(cls()), Options(coverage=True))
                    if r.coverage is not None), None)
        if cov is not None and cov.dead():
            dead[model_id] = [a.name for a in cov.dead()]
    assert dead == {}


def test_compare_counts_cut_results_only_by_verdict() -> None:
    def doc(distinct: int, cut: bool) -> dict:
        r = {"model": "m", "property": "p", "verdict": "inconclusive", "expected": "holds",
             "stats": {"distinct_states": distinct, "total_states": distinct, "depth": 3}}
        return {"results": [r | ({"cut": "max-seconds=1 reached"} if cut else {})]}

    assert not compare(doc(10, True), doc(20, True)).drifted
    assert compare(doc(10, False), doc(20, False)).drifted


# --------------------------------------------------------------------------- progress


def test_heartbeat_line_has_every_figure() -> None:
    now = [100.0]
    p = Progress(sys.stderr, clock=lambda: now[0], memory=lambda: 64 * 1024**2)
    p.begin("transactions.twophase", 2, 5)
    p(1200, 4000, 7, 300, 2.0)
    now[0] = 112.0
    assert p.line() == ("distcheck: 12s, model 2 of 5 (transactions.twophase), 1,200 states "
                        "(4,000 generated), 600 states/s, depth 7, queue 300, memory 64M")


ENDLESS = '''
from distcheck import Model, action, invariant


class Endless(Model):
    """A counter that never stops: only a bound or a signal ends its search."""

    id = "test.gate.endless"

    def init(self):
        yield 0

    @action()
    def inc(self, s):
        return s + 1

    @invariant()
    def fine(self, s) -> bool:
        return True


class Small(Model):
    """Checked after Endless: interrupted before it starts."""

    id = "test.gate.small"

    def init(self):
        yield 0

    @action()
    def inc(self, s):
        if s < 3:
            return s + 1

    @invariant()
    def fine(self, s) -> bool:
        return True
'''


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_writes_complete_outputs(tmp_path: Path, sig: signal.Signals) -> None:
    """A heartbeat shows the run is under way; the signal then ends it with every output."""
    (tmp_path / "endless.py").write_text(ENDLESS, encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "distcheck", "check", "endless.py", "--json", "--junit", "out.xml",
         "--heartbeat", "0.05"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:  # wait for the search to be under way, whatever it takes
        if "model 1 of 2 (test.gate.endless)" in line and "states" in line:
            break
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    doc = json.loads(out)
    assert doc["interrupted"] == sig.name
    by_model = {r["model"]: r for r in doc["results"]}
    assert by_model["test.gate.endless"]["verdict"] == "inconclusive"
    assert f"interrupted by {sig.name}" in by_model["test.gate.endless"]["reason"]
    assert by_model["test.gate.endless"]["stats"]["distinct_states"] > 0  # the figures reached
    assert "not started" in by_model["test.gate.small"]["reason"]
    cases = ET.parse(tmp_path / "out.xml").getroot().iter("testcase")
    assert sorted(c.get("classname") for c in cases) == ["test.gate.endless", "test.gate.small"]
    assert f"interrupted by {sig.name}" in err.strip().splitlines()[-1]
