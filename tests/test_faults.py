"""Fault declarations and budgets, and the two showcase models built on them."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from distcheck.cli import main
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import BadInput
from distcheck.contract.faults import Budget, Faults
from distcheck.contract.model import (
    Model,
    action,
    admitted_faults,
    declared_params,
    fault,
    invariant,
)
from distcheck.engines import bfs
from distcheck.models.locks.redis_set_nx_px import SetNxPx, SetNxPxFencing
from distcheck.models.transactions.twophase import TwoPhase
from distcheck.models.transactions.twophase_crashes import TwoPhaseCrashes, VolatileDecision
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

ROOT = Path(__file__).resolve().parents[1]


class Counter(NamedTuple):
    value: int
    now: int
    crashes_left: int
    pauses_left: int


class Flaky(Model):
    """A counter that may crash (reset) and pause; time runs to a horizon."""

    id = "test.flaky"
    faults = Faults(crash=1, pause=2, tick=2)

    def init(self):
        yield Counter(value=0, now=0, **self.faults.initial())

    @action()
    def bump(self, s: Counter):
        if s.value < 2:
            return s._replace(value=s.value + 1)

    @fault("crash")
    def crash(self, s: Counter):
        return self.faults.spend(s._replace(value=0), "crash")

    @fault("pause")
    def pause(self, s: Counter):
        return self.faults.spend(s, "pause")

    @fault("tick")
    def tick(self, s: Counter):
        return self.faults.tick(s)

    @invariant()
    def small(self, s: Counter) -> bool:
        return s.value <= 2


def reachable(model: Model) -> list:
    run = bfs.explore(model, properties=[], check_deadlock=False)
    assert run.stats.complete
    return list(run.parent)


# --------------------------------------------------------------------------- declarations


def test_faults_declare_budget_params_and_companions() -> None:
    params = declared_params(Flaky)
    assert {"crashes", "pauses", "horizon"} <= set(params)
    assert isinstance(params["crashes"], Budget) and params["crashes"].default == 1
    assert params["pauses"].default == 2 and params["horizon"].default == 2
    assert Flaky.faults.kinds == ("crash", "restart", "pause", "resume", "tick")
    assert admitted_faults(Flaky) == [
        "crash (budget crashes)", "restart", "pause (budget pauses)", "resume", "tick (until horizon)"
    ]
    assert Flaky(crashes=3).crashes == 3


def test_state_helpers_spend_budgets_and_stop_time_at_the_horizon() -> None:
    model = Flaky()
    s0 = compile_model(model).initial_states()[0]
    assert s0 == Counter(0, 0, crashes_left=1, pauses_left=2)
    assert model.faults.left(s0, "pause") == 2
    once = model.faults.spend(s0, "crash")
    assert once.crashes_left == 0 and model.faults.spend(once, "crash") is None
    assert model.faults.tick(s0._replace(now=2)) is None
    assert model.faults.budget("pause") == 2 and model.faults.budget("restart") is None
    assert model.faults.admits("pause") and not model.faults.admits("drop")


def test_budgets_bound_the_space_and_zero_means_no_fault_steps() -> None:
    sizes = [len(reachable(Flaky(crashes=c, pauses=0))) for c in (0, 1, 2)]
    assert sizes[0] < sizes[1] < sizes[2]
    model = Flaky(crashes=0, pauses=0)
    assert not [a for s in reachable(model) for a, _, _ in compile_model(model).transitions(s)
                if a.fault in ("crash", "pause")]


def test_a_variant_that_admits_fewer_faults_drops_their_budgets() -> None:
    class Steady(Flaky):
        faults = Faults(pause=1, tick=2)

    assert "crashes" not in declared_params(Steady) and "pauses" in declared_params(Steady)
    assert "crashes" in declared_params(Flaky)  # the parent is untouched


def test_a_model_may_declare_a_budget_param_itself() -> None:
    from distcheck.contract.model import Param

    class Own(Flaky):
        crashes = Param(3, at_least=0, doc="mine")
        faults = Faults(crash=1, pause=2, tick=2)

    assert declared_params(Own)["crashes"].doc == "mine" and Own().crashes == 3


def test_bad_declarations_fail_at_class_creation() -> None:
    with pytest.raises(ValueError, match="unknown fault kind 'flood'"):
        Faults(flood=1)
    with pytest.raises(ValueError, match="crash=-1"):
        Faults(crash=-1)


def test_models_without_faults_are_unaffected() -> None:
    assert admitted_faults(TwoPhase) == []
    assert set(declared_params(TwoPhase)) == {"rms"}
    with pytest.raises(BadInput) as err:
        TwoPhase(crashes=1)
    assert "admits" not in str(err.value)


def test_plain_convention_models_report_their_fault_actions() -> None:
    class Plain(Model):
        id = "test.plain"

        def init(self):
            yield 0

        @fault("drop")
        def lose(self, s):
            return None

    assert admitted_faults(Plain) == ["drop"]


# --------------------------------------------------------------------------- bad input


def test_negative_budget_is_bad_input_naming_the_admitted_faults() -> None:
    with pytest.raises(BadInput, match=r"pauses=-1 .*admits the faults: crash .*pause \(budget pauses\)"):
        Flaky(pauses=-1)


def test_unknown_fault_param_is_bad_input_naming_the_admitted_faults() -> None:
    with pytest.raises(BadInput, match=r"no parameter 'floods'.*admits the faults: crash"):
        Flaky(floods=1)


@pytest.mark.parametrize("param, words", [
    ("pauses=-1", "admits the faults: pause (budget pauses), resume, tick (until horizon)"),
    ("floods=1", "has no parameter 'floods'"),
    ("crashes=1", "admits the faults: pause (budget pauses)"),
    ("pauses=two", "pauses accepts an integer >= 0"),
])
def test_cli_exits_2_with_one_line(param: str, words: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "locks.redis_set_nx_px", "--param", param]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_cli_budget_param_changes_the_verdict(tmp_path: Path, capsys) -> None:
    argv = ["check", "locks.redis_set_nx_px", "--property", "mutual_exclusion",
            "--save-traces", str(tmp_path)]
    assert main(argv) == 0
    assert main([*argv, "--param", "pauses=0"]) == 1  # no pause, no violation: differs
    assert "expected violated, got holds" in capsys.readouterr().out


# --------------------------------------------------------------------------- the lock showcase


def verdicts(model: Model) -> dict[str, tuple[str, int | None]]:
    return {r.property: (r.verdict, len(r.trace) if r.trace else None) for r in bfs.check(model)}


def test_set_nx_px_breaks_mutual_exclusion_through_a_pause_past_the_ttl() -> None:
    found = verdicts(SetNxPx())
    assert found["mutual_exclusion"] == ("violated", 5)
    assert found["no_stale_write"] == ("violated", 8)
    assert found["lock_handed_over"] == ("holds", None)
    trace = next(r.trace for r in bfs.check(SetNxPx()) if r.property == "mutual_exclusion")
    assert [st.label() for st in trace.steps] == [
        "acquire(client=0)", "pause(client=0)", "tick()", "tick()", "acquire(client=1)"
    ]
    assert trace.faults() == 3


def test_without_a_pause_the_ttl_never_expires_under_a_running_holder() -> None:
    found = verdicts(SetNxPx(pauses=0))
    assert found["mutual_exclusion"][0] == "holds"
    assert found["no_stale_write"][0] == "holds"


def test_fencing_keeps_the_resource_safe_but_not_the_lock() -> None:
    found = verdicts(SetNxPxFencing())
    assert found["mutual_exclusion"] == ("violated", 5)
    assert found["no_stale_write"] == ("holds", None)
    bigger = verdicts(SetNxPxFencing(clients=3, pauses=2, horizon=5))
    assert bigger["no_stale_write"][0] == "holds"


def test_fencing_with_falling_tokens_accepts_the_stale_write() -> None:
    class FallingTokens(SetNxPxFencing):
        def fencing_token(self, grant: int) -> int:
            return -grant

    found = verdicts(FallingTokens())
    assert found["no_stale_write"] == ("violated", 8)
    trace = next(r.trace for r in bfs.check(FallingTokens()) if r.property == "no_stale_write")
    assert [st.label() for st in trace.steps][-3:] == [
        "write(client=1)", "resume(client=0)", "write(client=0)"
    ]


def test_lk5_counterexamples_are_committed_and_replay() -> None:
    for name in ("locks.redis_set_nx_px.mutual_exclusion.json",
                 "locks.redis_set_nx_px.no_stale_write.json",
                 "locks.redis_set_nx_px.fencing.mutual_exclusion.json"):
        trace = tracefile.load(ROOT / "counterexamples" / "locks" / name)
        assert replay(trace).reproduced, name
        assert any(st.fault == "pause" for st in trace.steps)


# --------------------------------------------------------------------------- the 2PC showcase


def test_two_phase_with_crashes_keeps_atomicity() -> None:
    found = verdicts(TwoPhaseCrashes())
    assert all(v == ("holds", None) for v in found.values()), found
    assert set(found) == {"atomicity", "decisions_final", "all_commit", "commit_after_crash"}


def test_two_phase_with_three_participants() -> None:
    found = verdicts(TwoPhaseCrashes(participants=3, crashes=1))
    assert found["atomicity"] == ("holds", None)


def test_two_phase_with_a_volatile_decision_breaks_atomicity() -> None:
    found = verdicts(VolatileDecision())
    assert found["atomicity"][0] == "violated"
    trace = next(r.trace for r in bfs.check(VolatileDecision()) if r.property == "atomicity")
    labels = [st.label() for st in trace.steps]
    assert "crash(node='coord')" in labels and "restart(node='coord')" in labels
    again = replay(tracefile.from_json(trace.to_json()))  # messages survive the JSON round trip
    assert again.reproduced, again.problem
    committed = ROOT / "counterexamples" / "transactions"
    assert replay(tracefile.load(committed / tracefile.file_name(trace.model, "atomicity"))).reproduced


def test_two_phase_without_crashes_has_no_fault_steps() -> None:
    model = TwoPhaseCrashes(crashes=0)
    assert all(a.fault is None for a in compile_model(model).actions)
    assert verdicts(model)["atomicity"] == ("holds", None)
