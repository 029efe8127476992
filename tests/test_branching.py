"""Nondeterminism inside an action: a generator action yields one transition per branch."""

from __future__ import annotations

import io
from typing import Any

import pytest

from distcheck import Model, ModelError, Param, action, branch, invariant, sometimes
from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.verdict import Trace
from distcheck.engines import bfs
from distcheck.engines.checker import Options, check_model
from distcheck.engines.graph import build
from distcheck.engines.shrink import Target, minimize_run
from distcheck.models.transactions.twophase import ABORT, COMMIT, TP, Msg, TwoPhase
from distcheck.outputs.diagrams import sequence_diagram
from distcheck.outputs.tables import console, step_table
from distcheck.traces import tracefile
from distcheck.traces.replay import replay


class TwoPhaseBranching(Model):
    """Lamport's TwoPhase.tla with Next written as TLA+ writes it: two disjunctions.

    TM == TMCommit \\/ TMAbort \\/ \\E rm \\in RM: TMRcvPrepared(rm) and, for each rm,
    RM(rm) == RMPrepare(rm) \\/ RMChooseToAbort(rm) \\/ RMRcvCommitMsg(rm) \\/ RMRcvAbortMsg(rm).
    """

    id = "test.twophase_branching"
    rms = Param(3, at_least=1)

    def init(self):
        yield TP(("working",) * self.rms, "init", frozenset(), frozenset())

    @action()
    def tm(self, s: TP):
        if s.tm_state != "init":
            return
        if len(s.tm_prepared) == self.rms:
            yield branch("commit", s._replace(tm_state="committed", msgs=s.msgs | {COMMIT}))
        yield branch("abort", s._replace(tm_state="aborted", msgs=s.msgs | {ABORT}))
        for rm in range(self.rms):  # \E rm: one branch per witness
            if Msg("Prepared", rm) in s.msgs:
                yield branch(f"rcv_prepared_{rm}", s._replace(tm_prepared=s.tm_prepared | {rm}))

    @action(rm="rms")
    def rm(self, s: TP, rm: int):
        yield from self.rm_decides(s, rm)
        if COMMIT in s.msgs:
            yield branch("rcv_commit", s._replace(rm_state=_put(s.rm_state, rm, "committed")))
        if ABORT in s.msgs:
            yield branch("rcv_abort", s._replace(rm_state=_put(s.rm_state, rm, "aborted")))

    def rm_decides(self, s: TP, rm: int):
        """RMPrepare(rm) \\/ RMChooseToAbort(rm): a helper generator, composed with yield from."""
        if s.rm_state[rm] == "working":
            yield branch("prepare", s._replace(rm_state=_put(s.rm_state, rm, "prepared"),
                                               msgs=s.msgs | {Msg("Prepared", rm)}))
            yield branch("choose_abort", s._replace(rm_state=_put(s.rm_state, rm, "aborted")))

    @invariant()
    def consistent(self, s: TP) -> bool:
        return not ("committed" in s.rm_state and "aborted" in s.rm_state)

    @invariant(expect="violated")
    def never_all_committed(self, s: TP) -> bool:
        """A target for traces: every RM committing is reachable."""
        return not all(r == "committed" for r in s.rm_state)

    @sometimes()
    def some_abort(self, s: TP) -> bool:
        return s.tm_state == "aborted"


class TwoPhaseUnlabelled(TwoPhaseBranching):
    """The RM receiving either message, \\E m \\in {Commit, Abort} \\cap msgs, unlabelled."""

    id = "test.twophase_unlabelled"

    @action(rm="rms")
    def rm(self, s: TP, rm: int):
        yield from self.rm_decides(s, rm)
        for message, outcome in ((COMMIT, "committed"), (ABORT, "aborted")):
            if message in s.msgs:
                yield s._replace(rm_state=_put(s.rm_state, rm, outcome))


def _put(t: tuple, i: int, value: Any) -> tuple:
    return t[:i] + (value,) + t[i + 1:]


def _figures(model: Model) -> tuple[int, int, int]:
    view = compile_model(model)
    stats = bfs.explore(view, [view.property_named("consistent")]).stats
    assert stats.complete
    return stats.distinct_states, stats.total_states, stats.depth


@pytest.mark.parametrize("cls", [TwoPhaseBranching, TwoPhaseUnlabelled])
def test_a_port_with_branching_actions_counts_as_tlc_does(cls: type[Model]) -> None:
    assert _figures(cls(rms=3)) == _figures(TwoPhase(rms=3)) == (288, 1146, 11)
    assert _figures(cls(rms=4)) == _figures(TwoPhase(rms=4))


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    known = {cls.id: cls for cls in (TwoPhaseBranching, TwoPhaseUnlabelled)}
    monkeypatch.setattr(catalog, "get", lambda mid, source=None: known[mid])


def _violation(cls: type[Model], options: Options) -> Trace:
    [r] = check_model(cls(rms=2), options, only=["never_all_committed"])
    assert r.verdict == "violated" and r.trace is not None
    return r.trace


def test_traces_record_the_branch_and_replay_finds_it(registered: None, tmp_path) -> None:
    trace = _violation(TwoPhaseBranching, Options())
    steps = trace.to_json()["steps"]
    assert [(st["action"], st["branch"]) for st in steps] == [
        ("rm", "prepare"), ("tm", "rcv_prepared_0"), ("rm", "prepare"), ("tm", "rcv_prepared_1"),
        ("tm", "commit"), ("rm", "rcv_commit"), ("rm", "rcv_commit")]
    assert list(steps[0]) == ["action", "args", "branch", "state"]
    loaded = tracefile.load(tracefile.save(trace, tmp_path / "t.json"))
    assert loaded.steps[4].label() == "tm()[commit]"
    again = replay(loaded)
    assert again.reproduced, again.problem
    assert [str(st) for st in again.steps][:2] == ["rm(rm=0)[prepare]", "tm()[rcv_prepared_0]"]


def test_unlabelled_branches_are_labelled_by_position(registered: None) -> None:
    trace = _violation(TwoPhaseUnlabelled, Options())
    # a prepared RM yields only the receive of Commit: the first value yielded
    assert [st.branch for st in trace.steps][-2:] == [0, 0]
    assert replay(trace).reproduced


def test_replay_reports_a_branch_that_is_gone(registered: None) -> None:
    trace = _violation(TwoPhaseBranching, Options())
    trace.steps[4].branch = "commit_fast"
    again = replay(trace)
    assert again.failed_step == 5 and again.problem == (
        "tm()[commit_fast] is not enabled in the state before it")
    trace.steps[4].branch = None
    assert replay(trace).problem == "tm(): action tm branches now; the step names no branch"


def test_sampling_engines_find_and_minimise_branching_traces(registered: None) -> None:
    for options in (Options(engine="simulate", seed=1), Options(engine="hypothesis", seed=1)):
        trace = _violation(TwoPhaseBranching, options)
        assert len(trace.steps) == 7 and all(st.branch for st in trace.steps)
        assert replay(trace).reproduced


def test_minimise_keeps_the_branches() -> None:
    view = compile_model(TwoPhaseBranching(rms=2))
    shortest = bfs.check(view, [view.property_named("never_all_committed")])[0].trace
    rm, tm = view.action_named("rm"), view.action_named("tm")
    padded = [rm.with_branch("prepare").step((0,)), tm.with_branch("rcv_prepared_0").step(()),
              rm.with_branch("prepare").step((1,)),
              tm.with_branch("rcv_prepared_0").step(()),  # a self-loop the minimiser drops
              tm.with_branch("rcv_prepared_1").step(()), tm.with_branch("commit").step(()),
              rm.with_branch("rcv_commit").step((0,)), rm.with_branch("rcv_commit").step((1,))]
    found = minimize_run(view, Target.of(view, "never_all_committed"), view.initial_states()[0],
                         padded, "test")
    assert found.before_steps == 8 and found.after_steps == 7  # one rcv_prepared_0 dropped
    assert sorted(st.label() for st in found.trace.steps) == sorted(
        st.label() for st in shortest.steps)


def test_step_table_and_sequence_diagram_show_the_branch(registered: None) -> None:
    trace = _violation(TwoPhaseBranching, Options())
    out = io.StringIO()
    console(out).print(step_table(trace))
    assert "tm()[commit]" in out.getvalue()
    assert "tm()[commit]" in sequence_diagram(trace)


class Flip(Model):
    id = "test.flip"

    def init(self):
        yield 0

    @action()
    def flip(self, s: int):
        yield branch("left", 1 - s)
        yield branch("right", 1 - s)  # the same successor: a second transition all the same

    @action()
    def stay(self, s: int):
        yield s  # a self-loop, labelled 0
        yield None  # a disabled branch


def test_each_branch_is_a_transition_of_its_own() -> None:
    stats = bfs.explore(Flip(), []).stats
    assert (stats.distinct_states, stats.total_states, stats.depth) == (2, 7, 2)
    graph = build(Flip())
    assert [str(step) for step in graph.labels] == ["flip()[left]", "flip()[right]", "stay()[0]"]
    assert graph.edge_count == 6 and graph.stats.total_states == stats.total_states


def test_two_branches_with_one_label_are_one_line_model_errors() -> None:
    class Twice(Flip):
        id = "test.twice"

        @action()
        def flip(self, s: int):
            yield branch("same", 1)
            yield branch("same", 2)

    with pytest.raises(ModelError, match=r"model test.twice: action flip\(\) yielded two branches "
                                         r"labelled 'same' in state 0"):
        bfs.explore(Twice(), [])
    with pytest.raises(TypeError, match="a branch label is a string or an int"):
        branch(("a",), 1)  # type: ignore[arg-type]


def test_a_branching_action_called_as_a_method_gives_its_successors() -> None:
    model = TwoPhaseBranching(rms=2)
    [s] = compile_model(model).initial_states()
    assert [b.label for b in model.rm(s, rm=0)] == ["prepare", "choose_abort"]

    class Widened(TwoPhaseBranching):
        id = "test.twophase_widened"

        @action()
        def tm(self, s: TP):
            yield from TwoPhaseBranching.tm(self, s)  # the parent's branches, unchanged

    assert _figures(Widened(rms=3)) == (288, 1146, 11)
