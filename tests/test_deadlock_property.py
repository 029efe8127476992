"""``deadlock`` is a property like any other: selected, checked, traced, replayed and minimised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distcheck.cli import main
from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.declarations import Query, proof
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import Model, Property, Step, action, invariant
from distcheck.contract.verdict import HOLDS, VIOLATED, first_line, violation_message
from distcheck.engines.checker import Options, check_model
from distcheck.engines.shrink import Target
from distcheck.engines.z3prove import prove_models
from distcheck.traces.minimize import minimize_trace
from distcheck.traces.replay import replay


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default --save-traces directory is relative


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Stops(Model):
    """0 -> 1 -> 2, then nothing."""

    id = "tests.deadlock.stops"
    claims = ("T-1",)
    expected = {"deadlock": "violated"}

    def init(self):
        yield 0

    @action()
    def up(self, s: int) -> int | None:
        return s + 1 if s < 2 else None

    @invariant()
    def small(self, s: int) -> bool:
        """Never above two.

        More words that are not the summary."""
        return s <= 2


class StopsChecked(Stops):
    id = "tests.deadlock.stops_checked"
    check_deadlock = True


class Broken(Stops):
    id = "tests.deadlock.broken"

    @action()
    def boom(self, s: int) -> int:
        raise RuntimeError("no")


# --------------------------------------------------------------------------- the CLI


def test_property_deadlock_with_deadlock_exits_0_where_none_exists(capsys) -> None:
    code, out, _ = cli(capsys, "check", "transactions.twophase", "--property", "deadlock",
                       "--deadlock", "--json")
    assert code == 0
    [r] = json.loads(out)["results"]
    assert (r["property"], r["kind"], r["expected"], r["verdict"]) == (
        "deadlock", "deadlock", HOLDS, HOLDS)


def test_property_deadlock_with_deadlock_exits_1_where_one_exists(capsys, tmp_path) -> None:
    # TCommit stops once every resource manager has committed; deadlock is expected to hold
    code, out, _ = cli(capsys, "check", "transactions.tcommit", "--property", "deadlock",
                       "--deadlock", "--json", "--save-traces", str(tmp_path))
    assert code == 1
    [r] = json.loads(out)["results"]
    assert (r["property"], r["kind"], r["expected"], r["verdict"]) == (
        "deadlock", "deadlock", HOLDS, VIOLATED)
    saved = json.loads(Path(r["trace_file"]).read_text())
    assert (saved["property"], saved["kind"]) == ("deadlock", "deadlock")
    assert saved["message"] == "deadlock: the last state has no successor"
    # tcommit does not check deadlock by default, yet its deadlock trace replays
    assert cli(capsys, "replay", r["trace_file"])[0] == 0


def test_property_deadlock_without_deadlock_says_to_pass_it(capsys) -> None:
    for models in (["transactions.twophase"], ["transactions"]):
        code, _, err = cli(capsys, "check", *models, "--property", "deadlock")
        assert code == 2
        assert "\n" not in err.strip() and "pass --deadlock" in err


def test_unknown_property_of_one_model_lists_what_it_checks(capsys) -> None:
    code, _, err = cli(capsys, "check", "transactions.twophase", "--deadlock", "--property", "nope")
    assert code == 2 and "'nope'" in err and "deadlock" in err and "consistent" in err


# --------------------------------------------------------------------------- the checker


def test_deadlock_property_is_built_from_the_model() -> None:
    p = compile_model(Stops()).deadlock_property()
    assert (p.name, p.kind, p.expect, p.check, p.claims) == (
        "deadlock", "deadlock", "violated", None, ("T-1",))
    assert [q.name for q in compile_model(Stops()).checked_properties()] == ["small"]
    assert [q.name for q in compile_model(StopsChecked()).checked_properties()] == ["small", "deadlock"]
    assert [q.name for q in compile_model(StopsChecked()).checked_properties(False)] == ["small"]
    assert compile_model(Stops()).traced_property("deadlock") is not None
    assert compile_model(Stops()).traced_property("nope") is None


@pytest.mark.parametrize("engine", ["bfs", "simulate", "hypothesis"])
def test_every_engine_checks_the_deadlock_property(engine: str) -> None:
    options = Options(engine=engine, runs=5, steps=5, check_deadlock=True)
    results = {r.property: r for r in check_model(Stops(), options)}
    assert list(results) == ["small", "deadlock"]
    r = results["deadlock"]
    assert r.verdict == VIOLATED and r.as_expected and r.kind == "deadlock"
    assert [st.state for st in r.trace.steps] == [1, 2]
    assert r.trace.message == "deadlock: the last state has no successor"


def test_only_deadlock_is_checked_when_only_it_is_named() -> None:
    results = check_model(StopsChecked(), Options(), only=["deadlock"])
    assert [r.property for r in results] == ["deadlock"]
    assert [r.property for r in check_model(StopsChecked(), Options(), only=["small"])] == ["small"]
    with pytest.raises(BadInput, match="pass --deadlock"):
        check_model(StopsChecked(), Options(check_deadlock=False), only=["deadlock"])


def test_deadlock_trace_minimises_as_a_property() -> None:
    model = catalog.get("transactions.tcommit")()
    [r] = check_model(model, Options(check_deadlock=True), only=["deadlock"])
    assert replay(r.trace).reproduced
    assert Target.of(model, "deadlock").kind == "deadlock"
    minimized = minimize_trace(r.trace)
    assert not isinstance(minimized, str)
    assert minimized.trace.property == "deadlock" and minimized.after_steps <= len(r.trace)


# --------------------------------------------------------------------------- shared helpers


def test_has_successor_and_enabled() -> None:
    model = compile_model(Stops())
    up = model.action_named("up")
    assert model.has_successor(1) and not model.has_successor(2)
    assert model.enabled(up, 0) == [(up, (), 1)] and model.enabled(up, 2) == []
    broken = compile_model(Broken())
    with pytest.raises(ModelError, match="boom"):
        broken.has_successor(2)
    with pytest.raises(ModelError, match="boom"):
        broken.enabled(broken.action_named("boom"), 0)


def test_violation_messages_use_the_first_docstring_line() -> None:
    assert first_line("\n  Summary.\n\n  More.") == "Summary." and first_line("  ") == ""
    small = compile_model(Stops()).property_named("small")
    assert violation_message("invariant", "small", small.doc) == (
        "invariant small is false in the last state: Never above two.")
    assert violation_message("action", "a", "Doc.", Step("up")) == (
        "action property a is false for step up(): Doc.")
    assert violation_message("deadlock", "deadlock", "ignored") == (
        "deadlock: the last state has no successor")


class Proved(Model):
    id = "tests.deadlock.proved"

    def init(self):
        yield 0

    @proof()
    def trivial(self, z3):
        """x + 0 = x."""
        x = z3.Int("x")
        return Query(counterexample=x + 0 != x, unknowns={"x": x}, refutes=lambda values: None)


class ProofRemoved(Proved):
    id = "tests.deadlock.proof_removed"
    trivial = None


def test_prove_lists_only_models_that_still_declare_a_proof(monkeypatch) -> None:
    monkeypatch.setattr(catalog, "bundled_models",
                        lambda: {Proved.id: Proved, ProofRemoved.id: ProofRemoved})
    assert isinstance(vars(Proved)["trivial"], Property)
    with pytest.raises(BadInput) as error:
        prove_models([ProofRemoved()], timeout=1.0)
    assert Proved.id in str(error.value) and ProofRemoved.id not in str(error.value)


def test_bfs_check_adds_or_drops_deadlock_on_request() -> None:
    from distcheck.engines import bfs

    model = StopsChecked()
    small = [compile_model(model).property_named("small")]
    assert [r.property for r in bfs.check(model, small)] == ["small"]
    assert [r.property for r in bfs.check(model, small, check_deadlock=True)] == [
        "small", "deadlock"]
    both = compile_model(model).checked_properties()
    assert [r.property for r in bfs.check(model, both, check_deadlock=False)] == ["small"]
    assert bfs.explore(model).deadlock == 2  # by default the model's own choice
    assert bfs.explore(model, small).deadlock is None
