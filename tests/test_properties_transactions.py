"""The transaction properties and global transactions (spans) in the shared history, on hand-made data."""

from __future__ import annotations

import pytest

from distcheck.properties import effects, transactions
from distcheck.properties.effects import Effect
from distcheck.properties.history import (
    FAIL,
    INVOKE,
    OK,
    Event,
    HistoryError,
    instant,
    operations,
    record,
)

History = tuple[Event, ...]


def begin(h: History, p: str) -> History:
    return record(h, p, INVOKE, "txn")


def end(h: History, p: str, outcome: str = OK) -> History:
    return record(h, p, outcome, "txn")


def write(h: History, p: str, key: str, value: int) -> History:
    return instant(h, p, "write", (key, value))


def read(h: History, p: str, key: str, value: int) -> History:
    return instant(h, p, "read", (key, None), (key, value))


def saga_history(read_between: bool, outcome: str = OK) -> History:
    """A saga T debits A then credits B; a reader reads A before or after T completes."""
    h = write(begin((), "T"), "T", "A", 0)
    if read_between:
        h = read(h, "reader", "A", 0)
    h = end(write(h, "T", "B", 1), "T", outcome)
    if not read_between:
        h = read(h, "reader", "A", 0)
    return h


def test_a_span_holds_the_operations_of_its_process_and_a_failed_span_is_kept() -> None:
    h = read(write(begin((), "T"), "T", "A", 0), "r", "A", 0)
    h = end(h, "T", FAIL)
    ops = operations(h, spans=("txn",))
    assert [(o.process, o.f, o.invoke, o.complete, o.failed) for o in ops] == [
        ("T", "txn", 0, 5, True), ("T", "write", 1, 2, False), ("r", "read", 3, 4, False)]
    assert ops[0].describe() == "process T: txn -> fail" and ops[2].result == ("A", 0)
    assert ops[0].to_events()[1]["type"] == FAIL
    # a failed operation that is not a span had no effect; a span left open is pending
    assert [o.f for o in operations(record(begin((), "w"), "w", FAIL, "txn"))] == []
    assert operations(write(begin((), "T"), "T", "A", 0), spans=("txn",))[0].pending


def test_spans_are_opt_in_and_close_innermost_first() -> None:
    h = write(begin((), "T"), "T", "A", 0)
    with pytest.raises(HistoryError, match="one operation at a time"):
        operations(h)  # the Jepsen convention: one operation per process
    inner_open = record(begin((), "T"), "T", INVOKE, "write", ("A", 0))
    with pytest.raises(HistoryError, match="completes txn but invoked write"):
        operations(end(inner_open, "T"), spans=("txn",))
    with pytest.raises(HistoryError, match="without an invocation"):
        operations(end((), "T"), spans=("txn",))


def test_a_dirty_read_is_found_whether_the_saga_commits_or_is_compensated() -> None:
    for outcome in (OK, FAIL):
        found = transactions.dirty_reads(saga_history(read_between=True, outcome=outcome))
        assert [(r.process, r.value[0], w.process) for r, w in found] == [("reader", "A", "T")]


def test_a_clean_serial_history_is_accepted() -> None:
    h = saga_history(read_between=False)
    assert transactions.dirty_reads(h) == [] and transactions.dirty_writes(h) == []
    assert transactions.no_dirty_read(lambda m, s: s).fn(None, h)
    assert transactions.no_dirty_write(lambda m, s: s).fn(None, h)


def test_reading_the_initial_or_an_own_value_is_not_dirty() -> None:
    h = read(begin((), "T"), "reader", "A", 1)  # nobody wrote 1: the initial value
    h = read(write(h, "T", "A", 0), "T", "A", 0)  # its own write
    assert transactions.dirty_reads(h) == []


def test_a_dirty_write_is_found_and_a_completed_write_may_be_overwritten() -> None:
    h = write(write(begin((), "G1"), "G1", "r", 1), "writer", "r", 5)  # G1 not completed: dirty
    found = transactions.dirty_writes(h)
    assert [(w2.process, w1.process) for w2, w1 in found] == [("writer", "G1")]
    assert not transactions.no_dirty_write(lambda m, s: s).fn(None, h)
    h = write(end(write(begin((), "G1"), "G1", "r", 1), "G1"), "writer", "r", 5)
    assert transactions.dirty_writes(h) == []


def test_a_history_without_key_value_pairs_is_refused() -> None:
    h = instant(begin((), "T"), "T", "write", 3)
    with pytest.raises(HistoryError, match=r"must be \[key, v\]"):
        transactions.dirty_writes(h)


def test_atomicity_and_branches_on_hand_made_states() -> None:
    atomic = transactions.atomicity(lambda m, s: s).fn
    assert atomic(None, ("committed", "prepared")) and not atomic(None, ("committed", "aborted"))
    over = transactions.all_or_compensated(lambda m, s: s, lambda m, s: True).fn
    assert over(None, ("done", "done")) and over(None, ("compensated", "never"))
    assert not over(None, ("done", "compensated"))


def test_undone_only_if_done_and_no_orphan() -> None:
    check = transactions.undone_only_if_done(lambda m, s: s, done="reserve", undone="release").fn
    assert check(None, (Effect("b0", "release"), Effect("b0", "reserve")))
    assert not check(None, (Effect("b0", "release"),))  # empty rollback released nothing
    orphan = transactions.no_orphan(lambda m, s: s[0], lambda m, s: s[1]).fn
    assert orphan(None, (["b0"], False)) and not orphan(None, (["b0"], True))


def test_a_double_effect_is_found_by_the_shared_effect_property() -> None:
    twice = effects.at_most_once(lambda m, s: s, effect="confirm").fn
    assert not twice(None, (Effect("b0", "confirm"), Effect("b0", "confirm")))
    assert twice(None, (Effect("b0", "confirm"), Effect("b1", "confirm")))
