"""The random simulation engine: seeded, deterministic, minimised, never claims ``holds``."""

from __future__ import annotations

import json

import pytest

from distcheck.cli import main
from distcheck.contract.catalog import get
from distcheck.contract.compiled import compile_model
from distcheck.contract.model import Model, Param, action, invariant, sometimes
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED
from distcheck.engines import bfs
from distcheck.engines.checker import Options, check_model
from distcheck.traces.replay import replay


def simulate(model: Model, seed: int = 0, runs: int | None = None, steps: int | None = None,
             deadlock: bool | None = None):
    options = Options(engine="simulate", seed=seed, runs=runs, steps=steps, check_deadlock=deadlock)
    return {r.property: r for r in check_model(model, options)}


def test_same_seed_same_trace_and_figures() -> None:
    first = simulate(get("transactions.twophase.eager_commit")(), seed=7)["consistent"]
    again = simulate(get("transactions.twophase.eager_commit")(), seed=7)["consistent"]
    assert first.verdict == VIOLATED
    assert first.trace.to_json() == again.trace.to_json()
    assert first.trace.seed == 7 and first.trace.engine == "simulate"
    assert (first.stats.distinct_states, first.stats.total_states, first.stats.depth) == (
        again.stats.distinct_states, again.stats.total_states, again.stats.depth)
    for extra in (first.extra, again.extra):
        extra["minimized"].pop("seconds")
    assert first.extra == again.extra


def test_raw_walks_are_deterministic_per_seed() -> None:
    from distcheck.engines.simulate import walk

    model = get("transactions.twophase")()
    a = walk(model, compile_model(model).properties, seed=3, runs=20, steps=30)
    b = walk(model, compile_model(model).properties, seed=3, runs=20, steps=30)
    c = walk(model, compile_model(model).properties, seed=4, runs=20, steps=30)
    assert (a.steps_taken, a.stats.distinct_states) == (b.steps_taken, b.stats.distinct_states)
    assert a.stats.total_states == a.steps_taken + a.runs_done
    assert (a.steps_taken, a.stats.distinct_states) != (c.steps_taken, c.stats.distinct_states) or (
        a.witnesses == c.witnesses)


def test_finds_the_eager_commit_violation_with_a_short_replayable_trace() -> None:
    model = get("transactions.twophase.eager_commit")()
    shortest = bfs.check(model, [compile_model(model).property_named("consistent")])[0].trace
    for seed in range(3):
        result = simulate(get("transactions.twophase.eager_commit")(), seed=seed)["consistent"]
        assert result.verdict == VIOLATED and result.as_expected
        assert len(result.trace) <= len(shortest) + 2
        assert replay(result.trace).reproduced
        assert result.extra["minimized"]["after_steps"] == len(result.trace)


def test_no_violation_is_inconclusive_never_holds() -> None:
    results = simulate(get("transactions.twophase")(), runs=30, steps=40)
    consistent = results["consistent"]
    assert consistent.verdict == INCONCLUSIVE
    assert "no violation in 30 runs x up to 40 steps" in consistent.reason
    assert consistent.sampled and consistent.as_expected and consistent.accepted_inconclusive
    assert consistent.shown_verdict == "inconclusive (sampled, no counterexample)"
    assert not consistent.stats.complete


def test_sometimes_is_reached_or_inconclusive_and_then_differs() -> None:
    class Counter(Model):
        id = "tests.simulate.counter"
        limit = Param(3, at_least=1)

        def init(self):
            yield 0

        @action()
        def inc(self, s: int):
            if s < self.limit:
                return s + 1

        @sometimes()
        def reaches_limit(self, s: int) -> bool:
            return s == self.limit

        @invariant()
        def bounded(self, s: int) -> bool:
            return s <= self.limit

    reached = simulate(Counter(), runs=1, steps=5)["reaches_limit"]
    assert reached.verdict == HOLDS
    missed = simulate(Counter(limit=9), runs=2, steps=4)["reaches_limit"]
    assert missed.verdict == INCONCLUSIVE and not missed.as_expected
    assert "not reached in 2 runs" in missed.reason
    deadlocked = simulate(Counter(), runs=1, steps=10, deadlock=True)["deadlock"]
    assert deadlocked.verdict == VIOLATED and len(deadlocked.trace) == 3
    assert deadlocked.stats.depth == 4 and deadlocked.stats.distinct_states == 4


def test_time_budget_cuts_the_walks_and_says_so() -> None:
    from distcheck.engines.bfs import Bounds

    options = Options(engine="simulate", runs=10**9, bounds=Bounds(max_seconds=0.2))
    results = check_model(get("transactions.twophase")(), options)
    assert {r.verdict for r in results} <= {INCONCLUSIVE, HOLDS}
    consistent = next(r for r in results if r.property == "consistent")
    assert "cut: max-seconds=0.2 reached" in consistent.reason
    assert consistent.extra["runs"] < 10**9


def test_runs_stop_once_every_property_is_decided() -> None:
    result = simulate(get("transactions.twophase.eager_commit")(), runs=10_000)["consistent"]
    assert result.extra["runs"] < 10_000


def test_lk5_mutual_exclusion_found_no_longer_than_bfs_plus_two() -> None:
    model = get("locks.redis_set_nx_px")()
    shortest = bfs.check(model, [compile_model(model).property_named("mutual_exclusion")])[0].trace
    for seed in range(3):
        result = simulate(get("locks.redis_set_nx_px")(), seed=seed)["mutual_exclusion"]
        assert result.verdict == VIOLATED
        assert len(shortest) <= len(result.trace) <= len(shortest) + 2
        assert replay(result.trace).reproduced


def test_cli_simulate_prints_the_verdict_table(tmp_path, capsys) -> None:
    code = main(["check", "transactions.twophase", "transactions.twophase.eager_commit",
                 "--engine", "simulate", "--seed", "5", "--runs", "50", "--steps", "40",
                 "--save-traces", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "simulate" in out and "inconclusive (sampled, no counterexample)" in out
    saved = json.loads((tmp_path / "transactions.twophase.eager_commit.consistent.json").read_text())
    assert saved["engine"] == "simulate" and saved["seed"] == 5
    assert main(["replay", str(tmp_path / "transactions.twophase.eager_commit.consistent.json")]) == 0


def test_cli_bad_seed_exits_2_with_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["check", "transactions.twophase", "--engine", "simulate", "--seed", "abc"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'abc' is not an integer" in err
