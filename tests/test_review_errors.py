"""Review fixes: a model that raises, unwritable paths and ignored bounds all end in one
line and exit 2; liveness replay of message-passing models; --help stays light."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from cli_helpers import one_line, run

from distcheck.cli import commands as cli
from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.declarations import eventually, measured, proof
from distcheck.contract.errors import BadInput
from distcheck.contract.model import Model, Param, action, invariant
from distcheck.contract.network import NodeModel, send
from distcheck.contract.verdict import Result, Stats, Trace, TraceStep
from distcheck.engines.checker import SAFETY_ENGINES, Options, check_model
from distcheck.engines.graph import build
from distcheck.engines.measure import measure
from distcheck.engines.z3prove import build_query
from distcheck.outputs.tables import print_proofs
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

EAGER = "transactions.twophase.eager_commit"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default ./traces stays out of the repository


def register(monkeypatch: pytest.MonkeyPatch, *classes: type[Model]) -> None:
    models = {**catalog.bundled_models(), **{c.id: c for c in classes}}
    monkeypatch.setattr(catalog, "bundled_models", lambda: models)


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- liveness replay


class Count(NamedTuple):
    got: int
    done: bool = False


class PingPong(NodeModel):
    """a and b bounce a ping forever; a ``note`` to a waits in the network meanwhile."""

    id = "testing.pingpong"

    def setup(self) -> None:
        self.nodes = ("a", "b")

    def initial(self, node: str) -> Count:
        return Count(0)

    def initial_messages(self) -> list[Any]:
        return [send("a", "b", "ping"), send("b", "a", "note")]

    def on_ping(self, me: str, n: Count, msg: Any, now: int) -> Any:
        return n._replace(got=min(n.got + 1, 2)), [msg.reply("ping")]

    def on_note(self, me: str, n: Count, msg: Any, now: int) -> Any:
        return n._replace(done=True), []

    noted = eventually(lambda self, s: self.local(s, "a").done, expect="violated")


class FairPingPong(PingPong):
    """Delivery is weakly fair: the waiting note is delivered in the end."""

    id = "testing.pingpong.fair"
    weak_fair = ("deliver",)
    expected = {"noted": "holds"}


class FairPing(NodeModel):
    """Under fair delivery the ping-pong still never lets a count to 5."""

    id = "testing.fairping"
    weak_fair = ("deliver",)

    def setup(self) -> None:
        self.nodes = ("a", "b")

    def initial(self, node: str) -> Count:
        return Count(0)

    def initial_messages(self) -> list[Any]:
        return [send("a", "b", "ping")]

    def on_ping(self, me: str, n: Count, msg: Any, now: int) -> Any:
        return n._replace(got=min(n.got + 1, 2)), [msg.reply("ping")]

    never_five = eventually(lambda self, s: self.local(s, "a").got >= 5, expect="violated")


def test_liveness_trace_of_a_fair_message_passing_model_replays(capsys, monkeypatch,
                                                                tmp_path: Path) -> None:
    register(monkeypatch, FairPing)
    code, _, err = run(capsys, "check", FairPing.id, "--save-traces", str(tmp_path / "t"))
    assert code == 0, err
    saved = tmp_path / "t" / f"{FairPing.id}.never_five.json"
    code, out, err = run(capsys, "replay", str(saved))
    assert code == 0, err
    assert "reproduced" in out and "deliver(" in out


def test_fairness_of_message_steps_is_judged_on_replay(monkeypatch) -> None:
    register(monkeypatch, PingPong, FairPingPong)
    [unfair] = check_model(PingPong(), Options())
    assert unfair.verdict == "violated" and unfair.trace is not None
    [fair] = check_model(FairPingPong(), Options())
    assert fair.verdict == "holds", fair.reason
    assert replay(unfair.trace).reproduced
    # the same lasso under fair delivery leaves the note undelivered forever: unfair now
    monkeypatch.setattr(PingPong, "weak_fair", ("deliver",))
    rep = replay(unfair.trace)
    assert not rep.reproduced
    assert "unfair now" in rep.problem and "deliver(msg=" in rep.problem and "note" in rep.problem


# --------------------------------------------------------------------------- a model that raises


class Raising(Model):
    """Counts to 2; which part of it raises is chosen per test by a class attribute."""

    id = "testing.raising"
    claims = ("T-1",)
    broken = ""
    scale = Param(1.0)

    def init(self):
        yield 0

    def choices(self, s: int) -> tuple[int, ...]:
        if self.broken == "domain" and s == 1:
            raise KeyError("no choices")
        return (1,)

    @action(d="choices")
    def up(self, s: int, d: int):
        if self.broken == "action" and s == 1:
            raise RuntimeError("kaboom")
        return s + d if s < 2 else None

    @invariant(expect="violated")
    def small(self, s: int) -> bool:
        if self.broken == "invariant" and s == 2:
            raise ValueError("cannot judge")
        return s < 2


def raising_trace(tmp_path: Path) -> Path:
    """A trace of Raising's violation, recorded while nothing was broken."""
    steps = [TraceStep("up", {"d": 1}, 1), TraceStep("up", {"d": 1}, 2)]
    trace = Trace(Raising.id, {"scale": 1}, "small", "invariant", "bfs", "", 0, steps)
    return tracefile.save(trace, tmp_path / "raising.json")


def test_replay_of_an_intact_model_reproduces(capsys, monkeypatch, tmp_path: Path) -> None:
    register(monkeypatch, Raising)
    code, out, err = run(capsys, "replay", str(raising_trace(tmp_path)))  # int for a float Param
    assert code == 0, err


@pytest.mark.parametrize("broken, words", [
    ("action", ["up(d=1)", "RuntimeError", "kaboom", "in state 1"]),
    ("domain", ["argument domain of action up", "KeyError", "in state 1"]),
    ("invariant", ["property small", "ValueError", "cannot judge", "in state 2"]),
])
def test_replay_of_a_model_that_raises_exits_2_with_one_line(capsys, monkeypatch, tmp_path: Path,
                                                             broken: str, words: list[str]) -> None:
    register(monkeypatch, Raising)
    monkeypatch.setattr(Raising, "broken", broken)
    code, _, err = run(capsys, "replay", str(raising_trace(tmp_path)))
    assert code == 2
    line = one_line(err)
    assert Raising.id in line
    for word in words:
        assert word in line


def test_graph_names_the_domain_that_raised_not_init(monkeypatch) -> None:
    monkeypatch.setattr(Raising, "broken", "domain")
    with pytest.raises(BadInput, match=r"argument domain of action up raised KeyError.* in state 1"):
        build(Raising())


def test_liveness_predicate_that_raises_is_one_line(monkeypatch) -> None:
    class Checked(FairPing):
        id = "testing.fairping.checked"
        never_five = eventually(lambda self, s: 1 / 0 > 0, expect="violated")

    with pytest.raises(BadInput, match=r"property never_five raised ZeroDivisionError.* in state"):
        check_model(Checked(), Options())


class Figures(Model):
    """A measured figure and a proof whose methods raise."""

    id = "testing.figures"

    def init(self):
        yield 0

    @measured()
    def odds(self) -> Any:
        raise OverflowError("too many digits")

    @proof()
    def sound(self, z3: Any) -> Any:
        raise AttributeError("no such sort")


def test_measure_and_proof_that_raise_are_one_line() -> None:
    model = Figures()
    with pytest.raises(BadInput, match=r"^model testing.figures: property odds raised "
                                       r"OverflowError: too many digits$"):
        measure(model, compile_model(model).property_named("odds"))
    with pytest.raises(BadInput, match=r"^model testing.figures: property sound raised "
                                       r"AttributeError: no such sort$"):
        build_query(model, compile_model(model).property_named("sound"))


# --------------------------------------------------------------------------- output paths


def test_save_traces_under_a_file_exits_2_before_checking(capsys, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    before = files_under(tmp_path)
    code, out, err = run(capsys, "check", EAGER, "--save-traces", str(tmp_path / "afile" / "t"))
    assert code == 2
    line = one_line(err)
    assert "afile" in line and "not a directory" in line
    assert out == ""  # no verdict table: nothing was checked
    assert files_under(tmp_path) == before


def test_junit_under_a_file_exits_2_and_writes_no_trace(capsys, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    traces = tmp_path / "traces"
    code, _, err = run(capsys, "check", EAGER, "--save-traces", str(traces),
                       "--junit", str(tmp_path / "afile" / "j.xml"))
    assert code == 2
    assert "j.xml" in one_line(err)
    assert not traces.exists()


def test_replay_mermaid_and_report_output_under_a_file_exit_2(capsys, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    trace = next((ROOT / "counterexamples" / "transactions").glob("*.json"))
    for argv in (["replay", str(trace), "--mermaid", str(tmp_path / "afile" / "d.mmd")],
                 ["report", "transactions", "-o", str(tmp_path / "afile" / "README.md")],
                 ["report", "transactions", "-o", str(tmp_path)],
                 ["graph", "transactions.tcommit", "-o", str(tmp_path / "afile" / "g.dot")]):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        one_line(err)
    assert files_under(tmp_path) == [tmp_path / "afile"]


@pytest.mark.parametrize("where", ["afile/t.json", "."])
def test_reading_a_trace_through_a_file_or_a_directory_exits_2(capsys, tmp_path: Path,
                                                              where: str) -> None:
    (tmp_path / "afile").write_text("x")
    code, _, err = run(capsys, "replay", str(tmp_path / where))
    assert code == 2
    assert "cannot read" in one_line(err)


def test_a_failed_trace_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "t.json").mkdir()  # os.replace cannot put a file over a directory
    trace = Trace(Raising.id, {}, "small", "invariant", "bfs", "", 0, [])
    with pytest.raises(BadInput, match="cannot write"):
        tracefile.save(trace, folder / "t.json")
    assert [p.name for p in folder.iterdir()] == ["t.json"]


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize("argv", [
    ["check", EAGER, "--max-seconds", "inf"],
    ["check", EAGER, "--max-seconds", "nan"],
    ["prove", "ids.snowflake", "--timeout", "nan"],
    ["check", EAGER, "--engine", "simulate", "--max-depth", "5"],
    ["check", EAGER, "--engine", "hypothesis", "--max-states", "100"],
    ["check", EAGER, "--engine", "hypothesis", "--max-depth", "5"],
])
def test_impossible_bounds_exit_2_with_one_line(capsys, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    one_line(err)
    assert out == ""


def test_honoured_bounds_are_accepted(capsys) -> None:
    code, out, err = run(capsys, "check", EAGER, "--engine", "simulate", "--max-states", "50",
                         "--max-seconds", "5", "--runs", "3", "--steps", "5")
    assert code in (0, 1) and err == ""  # a verdict (3 short walks may miss the violation)
    assert EAGER in out


def test_help_lists_the_engines_of_the_checker_without_importing_it() -> None:
    assert list(cli.ENGINE_BOUNDS) == list(SAFETY_ENGINES)
    probe = ("import sys; from distcheck.cli import commands as c; c.build_parser().format_help(); "
             "print('distcheck.engines.checker' in sys.modules, 'distcheck.engines.bfs' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- printing


def test_proof_reasons_are_printed_literally_not_as_markup() -> None:
    result = Result("testing.figures", {}, "sound", "proof", "holds", "inconclusive",
                    "the solver answered unknown ([bold]canceled[/bold])", Stats())
    out = StringIO()
    print_proofs([result], file=out)
    assert "([bold]canceled[/bold])" in out.getvalue()
