"""The Hypothesis engine and bridge: any model as a RuleBasedStateMachine, shrunk traces."""

from __future__ import annotations

import unittest

import pytest
import toymodels
from toymodels import Combo

from distcheck.cli import main
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import Model, Param, action, invariant, sometimes
from distcheck.contract.registry import get
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED
from distcheck.engines import bfs, hypothesis_bridge
from distcheck.engines.checker import Options, check_model
from distcheck.engines.hypothesis_bridge import Recorder, as_testcase, machine_for, search
from distcheck.traces.replay import replay


class ComboLock(toymodels.ComboLock):
    """Opens after ``length`` right presses; wrong presses, fiddling and a crash are noise."""

    id = "tests.hypothesis.combo"

    @sometimes()
    def half_open(self, s: Combo) -> bool:
        return s.progress >= 1


def hypothesis(model: Model, seed: int = 0, runs: int | None = 30, steps: int | None = 20,
               deadlock: bool | None = None):
    options = Options(engine="hypothesis", seed=seed, runs=runs, steps=steps,
                      check_deadlock=deadlock)
    return {r.property: r for r in check_model(model, options)}


class NoFaultComboLock(ComboLock):
    id = "tests.hypothesis.combo.no_fault"
    crash = None


def test_hypothesis_shrinks_to_exactly_the_needed_steps(monkeypatch) -> None:
    # Hypothesis's own shrinker, with its usual budget, removes every noise step ...
    monkeypatch.setattr(hypothesis_bridge, "SHRINKS", 500)
    model = NoFaultComboLock()
    found = search(model, compile_model(model).property_named("stays_locked"), [], Recorder(), seed_value=1,
                   max_examples=50, steps=20)
    assert found is not None
    name, start, path = found
    assert name == "stays_locked" and start == compile_model(model).initial_states()[0]
    assert [str(st) for st in path] == ["press(digit=1)", "press(digit=0)", "press(digit=3)"]


def test_a_shrinking_budget_keeps_the_failure_found(monkeypatch) -> None:
    monkeypatch.setattr(hypothesis_bridge, "SHRINK_RUNS", 1)
    model = ComboLock()
    found = search(model, compile_model(model).property_named("stays_locked"), [], Recorder(), seed_value=0,
                   max_examples=50, steps=20)
    assert found is not None and found[0] == "stays_locked" and len(found[2]) >= 3
    assert hypothesis(ComboLock(), runs=50)["stays_locked"].verdict == VIOLATED


def test_a_one_shot_fault_can_survive_hypothesis_but_not_the_minimiser() -> None:
    # ... but a rule that is enabled once (the crash) may stay in its shrunk sequence:
    # dropping it shifts which rule each later choice selects.  The minimiser drops it.
    model = ComboLock()
    found = search(model, compile_model(model).property_named("stays_locked"), [], Recorder(), seed_value=0,
                   max_examples=50, steps=20)
    assert found is not None and len(found[2]) >= 3
    result = hypothesis(ComboLock(), seed=0, runs=50, steps=20)["stays_locked"]
    assert [st.label() for st in result.trace.steps] == [
        "press(digit=1)", "press(digit=0)", "press(digit=3)"]
    assert result.extra["minimized"]["after_faults"] == 0


def test_engine_trace_is_shrunk_minimised_and_replayable() -> None:
    for seed in (0, 1):
        results = hypothesis(ComboLock(), seed=seed)
        locked = results["stays_locked"]
        assert locked.verdict == VIOLATED and locked.engine == "hypothesis"
        assert len(locked.trace) == 3 and locked.trace.faults() == 0
        assert locked.trace.engine == "hypothesis" and locked.trace.seed == seed
        assert locked.extra["shrunk_steps"] >= 3
        assert results["half_open"].verdict == HOLDS


def test_same_seed_same_trace() -> None:
    first = hypothesis(ComboLock(), seed=3)["stays_locked"]
    again = hypothesis(ComboLock(), seed=3)["stays_locked"]
    assert first.verdict == VIOLATED
    assert first.trace.to_json() == again.trace.to_json()
    assert first.extra["shrunk_steps"] == again.extra["shrunk_steps"]
    assert first.stats.distinct_states == again.stats.distinct_states


def test_finds_eager_commit_and_the_trace_replays() -> None:
    model = get("transactions.twophase.eager_commit")()
    shortest = bfs.check(model, [compile_model(model).property_named("consistent")])[0].trace
    result = hypothesis(get("transactions.twophase.eager_commit")(), runs=60)["consistent"]
    assert result.verdict == VIOLATED and result.as_expected
    assert len(shortest) <= len(result.trace) <= len(shortest) + 2
    assert replay(result.trace).reproduced


def test_lk5_found_no_longer_than_bfs_plus_two() -> None:
    model = get("locks.redis_set_nx_px")()
    shortest = bfs.check(model, [compile_model(model).property_named("mutual_exclusion")])[0].trace
    result = hypothesis(get("locks.redis_set_nx_px")(), runs=40, steps=20)["mutual_exclusion"]
    assert result.verdict == VIOLATED
    assert len(shortest) <= len(result.trace) <= len(shortest) + 2
    assert replay(result.trace).reproduced


def test_no_violation_is_inconclusive_and_sometimes_holds_when_reached() -> None:
    results = hypothesis(get("transactions.tcommit")(), runs=20, steps=15)
    assert results["consistent"].verdict == INCONCLUSIVE
    assert "no violation in 20 examples x up to 15 steps" in results["consistent"].reason
    assert results["consistent"].accepted_inconclusive


def test_time_budget_is_honoured() -> None:
    from distcheck.engines.bfs import Bounds

    options = Options(engine="hypothesis", runs=10**6, steps=30, bounds=Bounds(max_seconds=0.5))
    results = check_model(get("transactions.twophase")(), options)
    consistent = next(r for r in results if r.property == "consistent")
    assert consistent.verdict == INCONCLUSIVE
    assert "cut: max-seconds=0.5 reached" in consistent.reason


def test_deadlock_and_several_initial_states() -> None:
    class Countdown(Model):
        id = "tests.hypothesis.countdown"
        start = Param(2, at_least=0)

        def init(self):
            yield from (self.start, self.start + 1)

        @action()
        def down(self, s: int):
            if s > 0:
                return s - 1

        @invariant()
        def natural(self, s: int) -> bool:
            return s >= 0

    results = hypothesis(Countdown(), runs=10, steps=10, deadlock=True)
    assert results["natural"].verdict == INCONCLUSIVE
    deadlock = results["deadlock"]
    assert deadlock.verdict == VIOLATED
    assert [st.action for st in deadlock.trace.steps] == ["down", "down"]
    assert deadlock.trace.initial == 2


def test_a_model_that_raises_is_reported_as_a_model_error() -> None:
    class Broken(Model):
        id = "tests.hypothesis.broken"

        def init(self):
            yield 0

        @action()
        def boom(self, s: int):
            if s == 1:
                raise ZeroDivisionError("division by zero")
            return s + 1

        @invariant()
        def fine(self, s: int) -> bool:
            return True

    with pytest.raises(ModelError, match="boom.*ZeroDivisionError"):
        hypothesis(Broken(), runs=5, steps=5)


def run_case(case: type[unittest.TestCase]) -> unittest.TestResult:
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    return result


def test_as_testcase_passes_and_fails_like_a_test() -> None:
    passing = as_testcase(get("transactions.twophase")(rms=2), max_examples=10, steps=10)
    assert issubclass(passing, unittest.TestCase)
    assert passing.__name__.startswith("Test")
    assert run_case(passing).wasSuccessful()

    failing = as_testcase(NoFaultComboLock(), max_examples=20, steps=15)
    outcome = run_case(failing)
    assert len(outcome.failures) == 1
    message = outcome.failures[0][1]
    assert "invariant stays_locked is false" in message and "press(digit=3)" in message

    with pytest.raises(BadInput, match="no invariant or action property 'nope'"):
        as_testcase(ComboLock(), properties=["nope"])


def test_machine_has_one_rule_per_action_faults_included() -> None:
    from hypothesis.stateful import RuleBasedStateMachine

    machine = machine_for(ComboLock())
    assert issubclass(machine, RuleBasedStateMachine)
    assert {"press", "fiddle", "crash"} <= set(vars(machine))


def test_cli_hypothesis_prints_the_verdict_table(tmp_path, capsys) -> None:
    code = main(["check", "transactions.twophase.eager_commit", "--engine", "hypothesis",
                 "--runs", "60", "--steps", "20", "--save-traces", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "hypothesis" in out and "violated" in out
    assert main(["replay", str(tmp_path / "transactions.twophase.eager_commit.consistent.json")]) == 0
