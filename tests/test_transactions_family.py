"""The broken transaction designs are found broken by BFS from the model alone, for the stated reason.

Verdicts themselves are the pytest plugin's items; these tests look inside
the shortest counterexamples: the step the claim blames is in the trace.
"""

from __future__ import annotations

import pytest

from distcheck.contract.compiled import compile_model
from distcheck.contract.verdict import HOLDS, VIOLATED
from distcheck.engines import bfs
from distcheck.engines.checker import Options, check_model
from distcheck.models.transactions.local_message_table import (
    MessageOutsideTransaction,
    NonIdempotentConsumer,
)
from distcheck.models.transactions.saga import NonIdempotentCompensation, Saga, SemanticLock
from distcheck.models.transactions.seata_at import NoGlobalLock, NoImageCheck, OutsideWriter
from distcheck.models.transactions.tcc import (
    EmptyRollbackUnhandled,
    HangingNotRejected,
    NotIdempotent,
    Tcc,
)
from distcheck.models.transactions.threephase import Partitioned, ThreePhase
from distcheck.models.transactions.transactional_message import (
    NoCheckBack,
    SendBeforeCommit,
    TransactionalMessage,
)
from distcheck.models.transactions.twophase_heuristic import Cooperative, Heuristic


def violation(model, prop: str):
    results = {r.property: r for r in bfs.check(model)}
    result = results[prop]
    assert result.verdict == VIOLATED, result.reason
    return result.trace


def actions(trace) -> list[str]:
    return [st.action for st in trace.steps]


def test_heuristic_commit_breaks_atomicity_without_any_crash() -> None:
    trace = violation(Heuristic(), "atomicity")
    heuristic = [st for st in trace.steps if st.action == "rm_heuristic_decision"]
    assert [st.branch for st in heuristic] == ["commit"]
    assert "crash" not in actions(trace)
    assert trace.steps[-1].state["rm_state"].count("aborted") == 1


def test_cooperative_termination_keeps_atomicity_at_three_participants() -> None:
    results = {r.property: r.verdict for r in bfs.check(Cooperative(rms=3))}
    assert results["atomicity"] == HOLDS


def test_3pc_split_needs_the_partition_and_a_timeout_on_each_side() -> None:
    trace = violation(Partitioned(), "atomicity")
    names = actions(trace)
    assert names.count("partition") == 1 and "crash" not in names
    assert "timeout" in names and "terminate" in names
    assert names.index("partition") < names.index("timeout")


def test_3pc_with_crash_stop_holds_at_three_participants_and_two_crashes() -> None:
    results = {r.property: r.verdict for r in bfs.check(ThreePhase(participants=3, crashes=2))}
    assert results["atomicity"] == HOLDS


def delivered(trace) -> list[str]:
    return [st.args["msg"] for st in trace.steps if st.action == "deliver"]


def test_a_retried_confirm_is_applied_twice_by_a_non_idempotent_branch() -> None:
    trace = violation(NotIdempotent(), "confirm_once")
    assert "retry" in actions(trace)
    assert delivered(trace).count("tm->b0 confirm") == 2


def test_an_empty_rollback_releases_what_try_never_reserved() -> None:
    trace = violation(EmptyRollbackUnhandled(), "nothing_released_unreserved")
    assert "try_timeout" in actions(trace)
    cancelled = [m.split("->")[1].split()[0] for m in delivered(trace) if m.endswith(" cancel")]
    assert cancelled and not any(m == f"tm->{cancelled[-1]} try" for m in delivered(trace))


def test_a_try_arriving_after_its_cancel_hangs() -> None:
    trace = violation(HangingNotRejected(), "no_orphan")
    seen = delivered(trace)
    hung = next(m.split("->")[1].split()[0] for m in reversed(seen) if m.endswith(" try"))
    assert seen.index(f"tm->{hung} cancel") < seen.index(f"tm->{hung} try")


def test_the_status_record_design_holds_with_two_retries() -> None:
    verdicts = {r.property: r.verdict for r in bfs.check(Tcc(retries=2))}
    assert all(v == HOLDS for v in verdicts.values()), verdicts


@pytest.mark.slow
def test_the_status_record_design_holds_with_three_branches_and_two_retries() -> None:
    verdicts = {r.property: r.verdict for r in bfs.check(Tcc(branches=3, retries=2))}
    assert all(v == HOLDS for v in verdicts.values()), verdicts


def test_without_check_back_a_lost_commit_strands_the_message() -> None:
    results = {r.property: r for r in check_model(compile_model(NoCheckBack()), Options())}
    trace = results["committed_is_delivered"].trace
    assert results["committed_is_delivered"].verdict == VIOLATED
    assert "commit_local" in actions(trace)
    assert [st.args["msg"] for st in trace.steps if st.action == "drop"] == [
        "producer->broker end commit"]
    assert TransactionalMessage().faults.budget("drop") == 1


def test_a_message_sent_before_the_commit_is_consumed_and_then_rolled_back() -> None:
    trace = violation(SendBeforeCommit(), "delivered_only_if_committed")
    names = actions(trace)
    assert names[-1] == "rollback_local"
    assert "producer->broker half m1" not in delivered(trace)


def test_a_lost_ack_makes_a_non_idempotent_consumer_ship_twice() -> None:
    trace = violation(NonIdempotentConsumer(), "shipped_at_most_once")
    assert [st.args["msg"] for st in trace.steps if st.action == "drop"] == ["consumer->orders ack"]
    assert actions(trace).count("relay_publish") == 2


def test_a_crash_between_the_two_transactions_loses_the_message() -> None:
    trace = violation(MessageOutsideTransaction(), "shipped_exactly_once")
    assert actions(trace) == ["place_order", "crash", "restart"]


def test_a_reader_sees_the_saga_between_its_steps() -> None:
    trace = violation(Saga(), "no_dirty_read")
    assert actions(trace) == ["t1_debit", "read_balances"]
    assert violation_free(SemanticLock(), "no_dirty_read")


def test_a_lost_ack_and_a_retry_refund_twice() -> None:
    trace = violation(NonIdempotentCompensation(), "refund_once")
    names = actions(trace)
    assert names.count("c1_refund") == 2 and "drop_ack" in names and "retry_refund" in names


def test_without_the_global_lock_a_second_branch_writes_over_the_first() -> None:
    trace = violation(NoGlobalLock(), "no_dirty_write")
    assert [st.args["g"] for st in trace.steps] == ["g0", "g1"]


def test_the_outside_write_is_flagged_not_overwritten_unless_the_check_is_skipped() -> None:
    assert violation_free(OutsideWriter(), "no_lost_update")
    trace = violation(NoImageCheck(), "no_lost_update")
    assert "outside_write" in actions(trace)
    assert (trace.steps[-1].action, trace.steps[-1].branch) == ("phase2", "rollback")


def violation_free(model, prop: str) -> bool:
    return {r.property: r for r in bfs.check(model)}[prop].verdict == HOLDS
