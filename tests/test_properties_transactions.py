"""The transaction properties and the operation history, on hand-made histories and states."""

from __future__ import annotations

import pytest

from distcheck.properties import effects, transactions
from distcheck.properties.effects import Effect
from distcheck.properties.txn_history import Event, complete, instant, invoke, operations


def saga_history(read_between: bool) -> tuple[Event, ...]:
    """A saga T debits A then credits B; a reader reads A before or after T completes."""
    h = invoke((), "T", "txn")
    h = instant(h, "T", "write", "A", 0)
    if read_between:
        h = instant(h, "reader", "read", "A", 0)
    h = instant(h, "T", "write", "B", 1)
    h = complete(h, "T", "txn")
    if not read_between:
        h = instant(h, "reader", "read", "A", 0)
    return h


def test_operations_pair_invocations_with_completions() -> None:
    h = invoke((), "T", "txn")
    h = invoke(h, "r", "read", "A")
    h = complete(h, "r", "read", key="A", value=7)
    ops = operations(h)
    assert [(o.process, o.f, o.value, o.outcome, o.invoked, o.completed) for o in ops] == [
        ("T", "txn", None, None, 0, None), ("r", "read", 7, "ok", 1, 2)]
    with pytest.raises(ValueError, match="never invoked"):
        operations(complete((), "T", "txn"))
    with pytest.raises(ValueError, match="completion"):
        complete((), "T", "txn", "maybe")


def test_a_dirty_read_is_found() -> None:
    found = transactions.dirty_reads(saga_history(read_between=True))
    assert [(r.process, r.key, w.process) for r, w in found] == [("reader", "A", "T")]


def test_a_clean_serial_history_is_accepted() -> None:
    h = saga_history(read_between=False)
    assert transactions.dirty_reads(h) == [] and transactions.dirty_writes(h) == []
    assert transactions.no_dirty_read(lambda m, s: s).fn(None, h)
    assert transactions.no_dirty_write(lambda m, s: s).fn(None, h)


def test_reading_the_initial_or_an_own_value_is_not_dirty() -> None:
    h = invoke((), "T", "txn")
    h = instant(h, "reader", "read", "A", 1)  # nobody wrote 1: the initial value
    h = instant(h, "T", "write", "A", 0)
    h = instant(h, "T", "read", "A", 0)  # its own write
    assert transactions.dirty_reads(h) == []


def test_a_dirty_write_is_found_and_a_completed_write_may_be_overwritten() -> None:
    h = invoke((), "G1", "txn")
    h = instant(h, "G1", "write", "r", 1)
    h = instant(h, "writer", "write", "r", 5)  # G1 has not completed: a dirty write
    found = transactions.dirty_writes(h)
    assert [(w2.process, w1.process) for w2, w1 in found] == [("writer", "G1")]
    assert not transactions.no_dirty_write(lambda m, s: s).fn(None, h)
    h = invoke((), "G1", "txn")
    h = instant(h, "G1", "write", "r", 1)
    h = complete(h, "G1", "txn")
    h = instant(h, "writer", "write", "r", 5)
    assert transactions.dirty_writes(h) == []


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
