"""The linearizability checker on hand-made, classic and generated histories."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import pytest
from histories import register_history

from distcheck.properties.history import Event, HistoryError, Op, operations, read_jsonl
from distcheck.properties.linearizability import (
    INCONCLUSIVE,
    KV,
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    NOT_SEQUENTIAL,
    SEQUENTIAL,
    Counter,
    Register,
    Spec,
    check_linearizable,
    check_sequential,
    monotonic_reads,
    read_your_writes,
)

E = Event


def ops(*spec: tuple[Any, str, Any, Any, int, int | None]) -> tuple[Op, ...]:
    """Operations written as (process, f, value, result, invoke, complete) in Porcupine's style."""
    return tuple(Op(i, p, f, v, r, start, end) for i, (p, f, v, r, start, end) in enumerate(spec))


def assert_minimal(failing: Iterable[Op], spec: Spec) -> None:
    failing = tuple(failing)
    assert check_linearizable(failing, spec).verdict == NOT_LINEARIZABLE
    for drop in failing:
        rest = tuple(op for op in failing if op is not drop)
        if not spec.unexplained(rest):
            assert check_linearizable(rest, spec).verdict == LINEARIZABLE, drop


# --------------------------------------------------------------------------- classic histories


def test_porcupine_register_linearizable() -> None:
    """Porcupine's register test, first history: both reads fit around the write."""
    h = ops((0, "write", 100, 100, 0, 100), (1, "read", None, 100, 25, 75), (2, "read", None, 0, 30, 60))
    result = check_linearizable(h, Register(0))
    assert result.verdict == LINEARIZABLE
    assert [op.index for op in result.order] == [2, 0, 1]


def test_porcupine_register_not_linearizable() -> None:
    """Porcupine's second history: a read sees the write, a later read does not (new-old inversion)."""
    h = ops((0, "write", 200, 200, 0, 100), (1, "read", None, 200, 10, 30), (2, "read", None, 0, 40, 90))
    result = check_linearizable(h, Register(0))
    assert result.verdict == NOT_LINEARIZABLE
    assert len(result.failing) == 3 and result.minimal
    assert "went back in time" in result.explanation
    # the same history is sequentially consistent: process 2 alone may lag behind
    assert check_sequential(h, Register(0)).verdict == SEQUENTIAL


def test_stale_read_after_a_completed_write() -> None:
    h = operations([E(0, "invoke", "write", 1), E(0, "ok", "write", 1),
                    E(1, "invoke", "read"), E(1, "ok", "read", None)])
    result = check_linearizable(h)
    assert result.verdict == NOT_LINEARIZABLE
    assert "stale read" in result.explanation
    assert [op.f for op in result.failing] == ["write", "read"]


def test_concurrent_read_may_see_either_value() -> None:
    for seen in (None, 1):
        h = operations([E(0, "invoke", "write", 1), E(1, "invoke", "read"),
                        E(1, "ok", "read", seen), E(0, "ok", "write", 1)])
        assert check_linearizable(h).verdict == LINEARIZABLE


def test_a_value_nobody_wrote() -> None:
    h = operations([E(0, "invoke", "write", 1), E(0, "fail", "write", 1),
                    E(1, "invoke", "read"), E(1, "ok", "read", 1)])
    result = check_linearizable(h)  # a failed write certainly did not happen
    assert result.verdict == NOT_LINEARIZABLE
    assert len(result.failing) == 1 and "no operation wrote" in result.explanation


def test_pending_operations_may_take_effect_late_or_never() -> None:
    late = operations([E(0, "invoke", "write", 1), E(0, "info", "write", 1),
                       E(1, "invoke", "read"), E(1, "ok", "read", None),
                       E(1, "invoke", "read"), E(1, "ok", "read", 1)])
    assert check_linearizable(late).verdict == LINEARIZABLE
    never = operations([E(0, "invoke", "write", 1), E(1, "invoke", "read"), E(1, "ok", "read", None)])
    assert check_linearizable(never).verdict == LINEARIZABLE
    back = operations([E(0, "invoke", "write", 1), E(0, "info", "write", 1),
                       E(1, "invoke", "read"), E(1, "ok", "read", 1),
                       E(1, "invoke", "read"), E(1, "ok", "read", None)])
    assert check_linearizable(back).verdict == NOT_LINEARIZABLE


def test_compare_and_set() -> None:
    good = operations([E(0, "invoke", "cas", (None, 1)), E(0, "ok", "cas", (None, 1)),
                       E(1, "invoke", "read"), E(1, "ok", "read", 1)])
    assert check_linearizable(good).verdict == LINEARIZABLE
    bad = operations([E(0, "invoke", "write", 2), E(0, "ok", "write", 2),
                      E(1, "invoke", "cas", (None, 1)), E(1, "ok", "cas", (None, 1))])
    result = check_linearizable(bad)
    assert result.verdict == NOT_LINEARIZABLE and "cas expecting nil" in result.explanation


def test_kv_is_checked_key_by_key() -> None:
    h = operations([E(0, "invoke", "write", ("x", 1)), E(0, "ok", "write", ("x", 1)),
                    E(1, "invoke", "write", ("y", 2)), E(1, "ok", "write", ("y", 2)),
                    E(1, "invoke", "read", ("x", None)), E(1, "ok", "read", ("x", 1)),
                    E(2, "invoke", "read", ("y", None)), E(2, "ok", "read", ("y", None))])
    result = check_linearizable(h, KV())
    assert result.verdict == NOT_LINEARIZABLE
    assert {op.value[0] for op in result.failing} == {"y"}
    assert "at key y" in result.explanation
    assert check_sequential(h, KV()).verdict == SEQUENTIAL


def test_counter() -> None:
    adds = [E(0, "invoke", "add", 1), E(1, "invoke", "add", 2)]
    for seen, verdict in ((0, LINEARIZABLE), (2, LINEARIZABLE), (3, LINEARIZABLE), (4, NOT_LINEARIZABLE)):
        h = operations([*adds, E(2, "invoke", "read"), E(2, "ok", "read", seen),
                        E(0, "ok", "add", 1), E(1, "ok", "add", 2)])
        assert check_linearizable(h, Counter()).verdict == verdict, seen
    lost = operations([E(0, "invoke", "add", 1), E(0, "ok", "add", 1), E(1, "invoke", "add", 2),
                       E(1, "ok", "add", 2), E(2, "invoke", "read"), E(2, "ok", "read", 2)])
    result = check_linearizable(lost, Counter())
    assert result.verdict == NOT_LINEARIZABLE
    assert len(result.failing) == 3  # a read of 2 alone would be unexplained, so the add of 2 stays


class Queue(Spec):
    """A FIFO queue, as a user would write one: enq with a value, deq with the value taken."""

    name = "queue"

    def init(self) -> tuple:
        return ()

    def step(self, state: tuple, op: Op) -> Iterable[tuple]:
        if op.f == "enq":
            return (state + (op.value,),)
        if op.pending and state:
            return (state[1:],)
        return (state[1:],) if state and state[0] == op.result else ()


def test_user_supplied_spec_herlihy_wing_queue() -> None:
    """Herlihy & Wing's queue: enq(x) completes before enq(y) begins, so deq() cannot return y first."""
    h = ops((0, "enq", "x", None, 0, 1), (1, "enq", "y", None, 2, 3), (0, "deq", None, "y", 4, 5))
    assert check_linearizable(h, Queue()).verdict == NOT_LINEARIZABLE
    overlapping = ops((0, "enq", "x", None, 0, 3), (1, "enq", "y", None, 1, 2), (0, "deq", None, "y", 4, 5))
    assert check_linearizable(overlapping, Queue()).verdict == LINEARIZABLE


# --------------------------------------------------------------------------- generated histories


def test_a_thousand_operations_from_a_correct_register() -> None:
    h = operations(register_history(1000, processes=10, seed=1))
    assert len(h) >= 1000
    assert check_linearizable(h).verdict == LINEARIZABLE
    assert check_sequential(h).verdict == SEQUENTIAL


@pytest.mark.parametrize("seed", range(4))
def test_a_corrupted_read_is_found_and_shrunk_to_a_minimal_sub_history(seed: int) -> None:
    h = list(operations(register_history(300, processes=5, seed=seed)))
    reads = [i for i, op in enumerate(h) if op.f == "read" and not op.pending and op.result]
    victim = reads[len(reads) // 2]
    first = next(op.value for op in h if op.f == "write")
    assert first != h[victim].result
    h[victim] = dataclasses.replace(h[victim], result=first)  # overwritten long before
    result = check_linearizable(h)
    assert result.verdict == NOT_LINEARIZABLE and result.minimal
    assert h[victim] in result.failing and len(result.failing) < 10
    assert_minimal(result.failing, Register())
    assert result.explanation


def test_time_bound_gives_inconclusive() -> None:
    h = operations(register_history(1000, processes=30, seed=0))
    result = check_linearizable(h, max_seconds=0.001)
    assert result.verdict == INCONCLUSIVE and not result.ok


# --------------------------------------------------------------------------- weaker guarantees


def test_sequential_consistency_keeps_each_process_order() -> None:
    h = operations([E(0, "invoke", "write", 1), E(0, "ok", "write", 1),
                    E(0, "invoke", "read"), E(0, "ok", "read", None)])
    result = check_sequential(h)
    assert result.verdict == NOT_SEQUENTIAL and "each process's own order" in result.explanation


def test_read_your_writes() -> None:
    h = operations([E(0, "invoke", "write", 1), E(0, "ok", "write", 1),
                    E(1, "invoke", "write", 2), E(1, "ok", "write", 2),
                    E(1, "invoke", "read"), E(1, "ok", "read", 1),   # older than its own write
                    E(0, "invoke", "read"), E(0, "ok", "read", 2)])  # newer: fine
    found = read_your_writes(h)
    assert [v.ops[1].process for v in found] == [1]
    assert "wrote 2 and then read 1" in found[0].explanation


def test_monotonic_reads() -> None:
    h = operations([E(0, "invoke", "write", 1), E(0, "ok", "write", 1),
                    E(0, "invoke", "write", 2), E(0, "ok", "write", 2),
                    E(1, "invoke", "read"), E(1, "ok", "read", 2),
                    E(1, "invoke", "read"), E(1, "ok", "read", 1)])
    found = monotonic_reads(h)
    assert len(found) == 1 and "read 2 and later 1" in found[0].explanation
    assert read_your_writes(h) == []
    concurrent = operations([E(0, "invoke", "write", 1), E(2, "invoke", "write", 2),
                             E(0, "ok", "write", 1), E(2, "ok", "write", 2),
                             E(1, "invoke", "read"), E(1, "ok", "read", 2),
                             E(1, "invoke", "read"), E(1, "ok", "read", 1)])
    assert monotonic_reads(concurrent) == []  # the writes overlap: 1 may be the newer value


# --------------------------------------------------------------------------- reading histories


def test_read_jsonl() -> None:
    lines = ['{"process": 0, "type": "invoke", "f": "cas", "value": [null, 1], "time": 5}', "",
             '{"process": "nemesis", "type": "info", "f": "start", "value": null}',
             '{"process": 0, "type": "ok", "f": "cas", "value": [null, 1]}']
    (op,) = read_jsonl(lines)
    assert (op.f, op.value, op.invoke, op.complete) == ("cas", (None, 1), 1, 4)


@pytest.mark.parametrize("lines, message", [
    (['{"process": 0, "type": "ok", "f": "read", "value": 1}'], "h:1: process 0 completes read"),
    (['{"process": 0, "type": "invoke", "f": "read"}', '{"process": 0, "type": "invoke", "f": "read"}'],
     "h:2: process 0 invokes read while"),
    (["{nope"], "h:1: not JSON"),
    (['{"process": 0, "f": "read"}'], "h:1: the event has no type"),
    (['{"process": 0, "type": "done", "f": "read"}'], "h:1: type 'done'"),
])
def test_bad_histories_name_the_line(lines: list[str], message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        read_jsonl(lines, source="h")


def test_operations_the_spec_cannot_read() -> None:
    h = operations([E(0, "invoke", "write", 1), E(0, "ok", "write", 1)])
    with pytest.raises(HistoryError, match="kv value must be"):
        check_linearizable(h, KV())
    with pytest.raises(HistoryError, match="is not add or read"):
        check_linearizable(h, Counter())
