"""The transaction-commit models against TLC's figures and closed forms derived by hand.

TLC's published figures (tlaplus/Examples, specifications/transaction_commit,
3 RMs): TCommit 34 distinct / 94 generated / depth 7, TwoPhase 288 / 1146 / 11;
TwoPhase.tla's closing comment gives 50816 reachable states for six RMs.

Closed forms (n RMs), derived from the specs' structure:

TCommit.  Reachable states: no RM committed, every RM in {working, prepared,
aborted} (3^n); or some RM committed, every RM in {prepared, committed}
(2^n - 1).  Enabled steps: with nothing committed a working RM can prepare or
abort (2), a prepared one abort (1), an aborted one nothing: n * 3^n in all,
plus n commits from the all-prepared state; once something is committed each
prepared RM can commit: n * 2^(n-1) - n.  Total = 1 + n*3^n + n*2^(n-1).
Depth: n prepares and n commits after the initial state: 2n + 1.

TwoPhase.  TM init: each RM working, aborted (never prepared), or prepared
with the TM having received its Prepared or not (4^n).  TM committed: every RM
prepared or committed (2^n).  TM aborted: each RM working, prepared (received
or not), aborted never prepared, aborted after preparing (received or not)
(6^n).  Distinct = 4^n + 2^n + 6^n.  Enabled steps per state, summed:
TM init: n*4^n RM/receive steps + 4^n aborts + 1 commit; TM committed: n*2^n
receive-commit steps; TM aborted: n*6^n receive-abort steps + 2n*6^(n-1)
prepare/abort steps of working RMs.  Depth: n prepares, n receipts, the
commit, n receive-commits: 3n + 2.
"""

from __future__ import annotations

import itertools

import pytest

from distcheck.contract.compiled import compile_model
from distcheck.contract.verdict import HOLDS, VIOLATED
from distcheck.engines import bfs
from distcheck.engines.bfs import explore
from distcheck.models.transactions.tcommit import TC, TCommit
from distcheck.models.transactions.twophase import ABORT, COMMIT, TP, EagerCommit, Msg, TwoPhase
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

TLC_PUBLISHED = {
    # (model, rms): (distinct, total, depth) as TLC reports them
    ("tcommit", 3): (34, 94, 7),
    ("twophase", 3): (288, 1146, 11),
}
TLC_PUBLISHED_DISTINCT = {("twophase", 6): 50816}


def tcommit_closed_form(n: int) -> tuple[int, int, int]:
    return 3**n + 2**n - 1, 1 + n * 3**n + n * 2 ** (n - 1), 2 * n + 1


def twophase_closed_form(n: int) -> tuple[int, int, int]:
    distinct = 4**n + 2**n + 6**n
    total = 1 + (n * 4**n + 4**n + 1) + n * 2**n + (n * 6**n + 2 * n * 6 ** (n - 1))
    return distinct, total, 3 * n + 2


def engine_figures(model) -> tuple[int, int, int]:
    run = explore(model, stop_when_decided=False)
    assert run.stats.complete
    return run.stats.distinct_states, run.stats.total_states, run.stats.depth


# --------------------------------------------------------------------------- TLC figures


@pytest.mark.parametrize(("name", "rms"), sorted(TLC_PUBLISHED))
def test_published_tlc_figures(name: str, rms: int) -> None:
    cls = {"tcommit": TCommit, "twophase": TwoPhase}[name]
    assert engine_figures(cls(rms=rms)) == TLC_PUBLISHED[(name, rms)]


def test_closed_forms_agree_with_the_published_tlc_figures() -> None:
    assert tcommit_closed_form(3) == TLC_PUBLISHED[("tcommit", 3)]
    assert twophase_closed_form(3) == TLC_PUBLISHED[("twophase", 3)]
    assert twophase_closed_form(6)[0] == TLC_PUBLISHED_DISTINCT[("twophase", 6)]


@pytest.mark.parametrize("rms", [1, 2, 3, 4, 5])
def test_tcommit_matches_closed_form(rms: int) -> None:
    assert engine_figures(TCommit(rms=rms)) == tcommit_closed_form(rms)


@pytest.mark.parametrize("rms", [1, 2, 3, 4, 5])
def test_twophase_matches_closed_form(rms: int) -> None:
    assert engine_figures(TwoPhase(rms=rms)) == twophase_closed_form(rms)


@pytest.mark.slow
@pytest.mark.parametrize("rms", [6, 7])
def test_twophase_matches_closed_form_large(rms: int) -> None:
    assert engine_figures(TwoPhase(rms=rms)) == twophase_closed_form(rms)


# --------------------------------------------------------------------------- independent count
#
# The reachable sets built from the characterisation above, and the number of
# enabled steps of each state counted straight from the TLA+ guards (not
# through the model's actions), give distinct and total without the engine.


def twophase_reachable(n: int) -> set[TP]:
    out: set[TP] = set()
    # TM init: working, aborted-unprepared, prepared (received or not)
    for choice in itertools.product(("w", "a", "p_in", "p_out"), repeat=n):
        out.add(TP(
            tuple({"w": "working", "a": "aborted"}.get(c, "prepared") for c in choice),
            "init",
            frozenset(i for i, c in enumerate(choice) if c == "p_in"),
            frozenset(Msg("Prepared", i) for i, c in enumerate(choice) if c.startswith("p")),
        ))
    for choice in itertools.product(("prepared", "committed"), repeat=n):
        out.add(TP(choice, "committed", frozenset(range(n)),
                   frozenset({COMMIT} | {Msg("Prepared", i) for i in range(n)})))
    kinds = ("w", "p_in", "p_out", "a", "a_in", "a_out")
    for choice in itertools.product(kinds, repeat=n):
        out.add(TP(
            tuple({"w": "working", "a": "aborted", "a_in": "aborted", "a_out": "aborted"}
                  .get(c, "prepared") for c in choice),
            "aborted",
            frozenset(i for i, c in enumerate(choice) if c.endswith("_in")),
            frozenset({ABORT} | {Msg("Prepared", i) for i, c in enumerate(choice)
                                 if c.endswith(("_in", "_out"))}),
        ))
    return out


def twophase_enabled(s: TP, n: int) -> int:
    """Number of enabled (action, rm) pairs of TwoPhase's Next in ``s``, from the TLA+ guards."""
    count = 0
    if s.tm_state == "init":
        count += sum(Msg("Prepared", rm) in s.msgs for rm in range(n))  # TMRcvPrepared
        count += s.tm_prepared == frozenset(range(n))  # TMCommit
        count += 1  # TMAbort
    count += 2 * sum(r == "working" for r in s.rm_state)  # RMPrepare, RMChooseToAbort
    count += n * (COMMIT in s.msgs) + n * (ABORT in s.msgs)  # RMRcvCommitMsg, RMRcvAbortMsg
    return count


def tcommit_reachable(n: int) -> set[TC]:
    free = {TC(c) for c in itertools.product(("working", "prepared", "aborted"), repeat=n)}
    decided = {TC(c) for c in itertools.product(("prepared", "committed"), repeat=n)
               if "committed" in c}
    return free | decided


def tcommit_enabled(s: TC, n: int) -> int:
    states = s.rm_state
    can_commit = all(r in ("prepared", "committed") for r in states)
    not_committed = "committed" not in states
    return sum(
        (r == "working")  # Prepare
        + (r == "prepared" and can_commit)  # Decide: commit
        + (r in ("working", "prepared") and not_committed)  # Decide: abort
        for r in states
    )


@pytest.mark.parametrize("rms", [1, 2, 3, 4])
def test_twophase_independent_count(rms: int) -> None:
    reachable = twophase_reachable(rms)
    run = explore(TwoPhase(rms=rms), stop_when_decided=False)
    assert set(run.parent) == reachable
    total = 1 + sum(twophase_enabled(s, rms) for s in reachable)
    assert (len(reachable), total) == twophase_closed_form(rms)[:2]
    assert run.stats.total_states == total


@pytest.mark.parametrize("rms", [1, 2, 3, 4, 5])
def test_tcommit_independent_count(rms: int) -> None:
    reachable = tcommit_reachable(rms)
    run = explore(TCommit(rms=rms), stop_when_decided=False)
    assert set(run.parent) == reachable
    total = 1 + sum(tcommit_enabled(s, rms) for s in reachable)
    assert (len(reachable), total) == tcommit_closed_form(rms)[:2]
    assert run.stats.total_states == total


# --------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("cls", [TwoPhase, TCommit])
@pytest.mark.parametrize("rms", [1, 2, 3])
def test_faithful_models_are_consistent(cls, rms: int) -> None:
    results = {r.property: r for r in bfs.check(cls(rms=rms))}
    assert results["consistent"].verdict == HOLDS
    assert results["some_commit"].verdict == HOLDS


def _inconsistent(s: TP) -> bool:
    return "committed" in s.rm_state and "aborted" in s.rm_state


@pytest.mark.parametrize("rms", [2, 3, 4])
def test_eager_commit_is_violated_with_a_five_step_trace(rms: int) -> None:
    model = EagerCommit(rms=rms)
    results = {r.property: r for r in bfs.check(model)}
    r = results["consistent"]
    assert r.verdict == VIOLATED and r.expected == VIOLATED
    assert r.trace is not None and len(r.trace) == 5
    last = r.trace.steps[-1].state
    assert "committed" in last["rm_state"] and "aborted" in last["rm_state"]
    assert replay(tracefile.from_json(r.trace.to_json())).reproduced


@pytest.mark.parametrize("rms", [2, 3])
def test_eager_commit_has_no_shorter_counterexample(rms: int) -> None:
    """Every state within four steps is consistent (searched without the engine)."""
    model = EagerCommit(rms=rms)
    level = set(compile_model(model).initial_states())
    seen = set(level)
    for _ in range(4):
        level = {t for s in level for _, _, t in compile_model(model).transitions(s)} - seen
        seen |= level
        assert not any(_inconsistent(s) for s in level)
    fifth = {t for s in level for _, _, t in compile_model(model).transitions(s)}
    assert any(_inconsistent(s) for s in fifth)


def test_eager_commit_with_one_rm_is_consistent() -> None:
    # with a single RM, "one Prepared" is "every Prepared": the bug cannot show
    results = {r.property: r for r in bfs.check(EagerCommit(rms=1))}
    assert results["consistent"].verdict == HOLDS


def test_twophase_refines_tcommit_state_projection() -> None:
    """Every TwoPhase state's RM states form a reachable TCommit state (TPSpec => TC!TCSpec)."""
    for rms in (1, 2, 3):
        tp_states = explore(TwoPhase(rms=rms), stop_when_decided=False).parent
        tc_states = explore(TCommit(rms=rms), stop_when_decided=False).parent
        assert {TC(s.rm_state) for s in tp_states} <= set(tc_states)
