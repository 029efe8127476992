"""The Hypothesis engine and bridge: any model as a RuleBasedStateMachine, shrunk traces."""

from __future__ import annotations

import ast
import re
import unittest
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import toymodels
from hypothesis import HealthCheck, Phase, reproduce_failure, settings
from hypothesis import seed as fixed_seed
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.stateful import run_state_machine_as_test
from hypothesis.statistics import collector
from toymodels import Combo

from distcheck.cli import main
from distcheck.contract.catalog import get
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import Model, Param, action, invariant, sometimes
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


def failure_message(case: type[unittest.TestCase]) -> str:
    outcome = run_case(case)
    assert not outcome.errors, outcome.errors
    assert len(outcome.failures) == 1, "the test should have failed"
    return outcome.failures[0][1]


class BelievedLocked(NoFaultComboLock):
    """A user's model whose author believes ``stays_locked`` holds: a bug for the test to find."""

    id = "tests.hypothesis.combo.believed_locked"
    expected = {"stays_locked": "holds"}


@pytest.fixture
def profile():
    """Load a Hypothesis profile made of the given settings; the one active before comes back after.

    Tests start from Hypothesis's ``default`` profile so that CI's own profile (loaded
    when ``CI`` is set) changes nothing here.
    """
    before = settings.get_current_profile_name()

    def load(**values: Any) -> None:
        settings.register_profile("distcheck-test", settings.get_profile("default"), **values)
        settings.load_profile("distcheck-test")

    load()
    yield load
    settings.load_profile(before)


def saved_examples(db: Path) -> set[Path]:
    return {p for p in db.rglob("*") if p.is_file()} if db.exists() else set()


def test_as_testcase_passes_and_fails_like_a_test(profile) -> None:
    profile(database=None, derandomize=True)
    passing = as_testcase(get("transactions.twophase")(rms=2), max_examples=10, steps=10)
    assert issubclass(passing, unittest.TestCase)
    assert passing.__name__ == "TestTransactionsTwophase"
    assert run_case(passing).wasSuccessful()

    message = failure_message(as_testcase(BelievedLocked(), max_examples=20, steps=15))
    assert "invariant stays_locked is false" in message and "press(digit=3)" in message

    with pytest.raises(BadInput, match="no invariant or action property 'nope'"):
        as_testcase(ComboLock(), properties=["nope"])


def test_a_failure_prints_hypothesis_reproducer_and_is_replayed_from_the_database(
        profile, tmp_path) -> None:
    db = tmp_path / "examples"
    profile(database=DirectoryBasedExampleDatabase(db))
    case = as_testcase(BelievedLocked(), max_examples=50, steps=15, seed_value=1)
    message = failure_message(case)
    # Hypothesis's own report of the shrunk example: one line per step, the step drawn
    assert "state = TestsHypothesisComboBelievedLockedMachine()" in message
    assert "state.step(data=data(...))" in message
    assert re.search(r"Draw \d+ \(step\): press\(digit=3\)", message)
    assert saved_examples(db), "the failure was not saved in the profile's database"

    stats: list[dict[str, Any]] = []
    with collector.with_value(stats.append):  # what --hypothesis-show-statistics reads
        failure_message(case)
    reused = stats[0]["reuse-phase"]["test-cases"]
    assert [c["status"] for c in reused][:1] == ["interesting"], "the saved failure came first"


def test_the_printed_reproduce_failure_decorator_works_on_the_returned_class(profile) -> None:
    profile(database=None, print_blob=True)
    case = as_testcase(BelievedLocked(), max_examples=50, steps=15, seed_value=1)
    message = failure_message(case)
    found = re.search(r"@reproduce_failure\('([^']+)', (b'[^']+')\)", message)
    assert found, message
    version, blob = found.group(1), ast.literal_eval(found.group(2))
    violation = re.search(r"PropertyViolation: (.*)", message)
    assert violation

    class Again(case):  # as a user applies it: a decorator on their test case
        pass

    again = failure_message(reproduce_failure(version, blob)(Again))
    assert violation.group(0) in again


def test_each_configuration_keeps_its_own_failures(profile, tmp_path) -> None:
    # Hypothesis keys saved examples by the machine class; one key for every
    # configuration of a model would replay, and evict, the other's failures.
    db = tmp_path / "examples"
    profile(database=DirectoryBasedExampleDatabase(db))
    keys = []
    for length in (3, 2):
        failure_message(as_testcase(BelievedLocked(length=length), max_examples=50, steps=15,
                                    seed_value=1))
        keys.append({p.name for p in db.iterdir()})
    assert keys[0] < keys[1]


def test_turning_off_the_database_and_the_blob(profile, tmp_path) -> None:
    db = tmp_path / "examples"
    profile(database=DirectoryBasedExampleDatabase(db), print_blob=True)
    case = as_testcase(BelievedLocked(), max_examples=50, steps=15, seed_value=1,
                       database=None, print_blob=False)
    message = failure_message(case)
    assert "@reproduce_failure" not in message
    assert not saved_examples(db)


def test_settings_come_from_the_profile_when_the_test_runs(profile, tmp_path) -> None:
    case = as_testcase(get("transactions.twophase")(rms=2), max_examples=7)
    off = as_testcase(get("transactions.twophase")(rms=2), deadline=None,
                      suppress_health_check=list(HealthCheck), database=None,
                      phases=list(Phase))
    db = DirectoryBasedExampleDatabase(tmp_path / "examples")
    # loaded after as_testcase, as pytest's --hypothesis-profile or a conftest may do
    profile(database=db, deadline=timedelta(milliseconds=321), stateful_step_count=9,
            print_blob=True)
    used = case.effective_settings()
    assert used.database is db and used.print_blob
    assert used.deadline == timedelta(milliseconds=321)
    assert used.suppress_health_check == ()
    assert used.max_examples == 7 and used.stateful_step_count == 9
    # the explain phase is left out unless asked for; the others are the profile's
    assert list(used.phases) == [p for p in settings.default.phases if p is not Phase.explain]

    turned_off = off.effective_settings()
    assert turned_off.database is None and turned_off.deadline is None
    assert set(turned_off.suppress_health_check) == set(HealthCheck)
    assert Phase.explain in turned_off.phases
    assert turned_off.print_blob  # what the caller did not name still follows the profile

    case.settings = settings(max_examples=3, database=None)  # as for Machine.TestCase.settings
    assert case.effective_settings().max_examples == 7  # as_testcase's keywords win
    assert case.effective_settings().database is None

    with pytest.raises(TypeError, match="databse"):
        as_testcase(get("transactions.twophase")(rms=2), databse=None)


def test_expected_verdicts_decide_what_a_test_checks(profile) -> None:
    profile(database=None, derandomize=True)

    class HalfBroken(NoFaultComboLock):
        id = "tests.hypothesis.combo.half_broken"

        @invariant()
        def sane(self, s: Combo) -> bool:
            return s.progress >= 0

    # stays_locked is expected violated: left out, so the test checks sane and passes
    case = as_testcase(HalfBroken(), max_examples=30, steps=15)
    assert "checks: sane." in (case.__doc__ or "")
    assert run_case(case).wasSuccessful()
    # named, it is checked whatever its expectation, and the test fails
    named = as_testcase(HalfBroken(), properties=["stays_locked"], max_examples=30, steps=15)
    assert "invariant stays_locked is false" in failure_message(named)
    # nothing expected to hold: no test that cannot fail
    with pytest.raises(BadInput, match="expects no invariant or action property to hold"):
        as_testcase(get("transactions.twophase.eager_commit")())


def test_most_generated_examples_are_valid(profile) -> None:
    # The README's example.  With a rule per action behind a precondition, Hypothesis's
    # swarm testing threw away about half of the examples as invalid (214 invalid for
    # 200 valid); what remains is its own cap on the size of the first, small examples.
    profile(database=None, derandomize=True)
    case = as_testcase(get("transactions.twophase")(rms=4), max_examples=100, steps=60)
    stats: list[dict[str, Any]] = []
    with collector.with_value(stats.append):
        assert run_case(case).wasSuccessful()
    statuses = Counter(c["status"] for c in stats[0]["generate-phase"]["test-cases"])
    wasted = statuses["invalid"] + statuses["overrun"]
    assert statuses["valid"] == 100
    assert wasted <= 0.2 * (wasted + statuses["valid"]), statuses


def test_every_action_is_drawn_faults_included() -> None:
    machine = machine_for(ComboLock(), [])
    assert [r.function.__name__ for r in machine.setup_state().rules] == ["step"]
    taken: set[str] = set()

    class Spy(machine):  # type: ignore[misc, valid-type]
        def teardown(self) -> None:
            taken.update(st.action for st in self.path)

    run_state_machine_as_test(fixed_seed(0)(Spy), settings=hypothesis_bridge.hypothesis_settings(20, 10))
    assert taken == {"press", "fiddle", "crash"}


def test_cli_hypothesis_prints_the_verdict_table(tmp_path, capsys) -> None:
    code = main(["check", "transactions.twophase.eager_commit", "--engine", "hypothesis",
                 "--runs", "60", "--steps", "20", "--save-traces", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "hypothesis" in out and "violated" in out
    assert main(["replay", str(tmp_path / "transactions.twophase.eager_commit.consistent.json")]) == 0
