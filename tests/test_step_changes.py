"""Step tables say exactly what changed: a tuple of records by index, a set or a log as a multiset."""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Model, action, invariant
from distcheck.contract.state import SEQUENCE, SET, describe_change, diff, shape_of, to_json
from distcheck.engines.bfs import check
from distcheck.outputs.tables import trace_text


class Par(NamedTuple):
    x: str
    alive: bool


class Room(NamedTuple):
    par: tuple[Par, ...]  # one record per process, indexed by process
    msgs: frozenset[tuple[str, int]]  # a set of messages
    log: tuple[str, ...]  # an effect log, kept sorted


def _changes(before: Room, after: Room, shape: dict[str, str] | None = None) -> list[str]:
    return [describe_change(p, a, b) for p, a, b in diff(to_json(before), to_json(after), shape)]


START = Room((Par("a", True), Par("a", True), Par("a", True)), frozenset({("lock", 0)}), ())


def test_a_tuple_of_records_is_compared_by_index() -> None:
    after = START._replace(par=START.par[:2] + (Par("b", False),))
    assert _changes(START, after) == ["par[2].x: a -> b", "par[2].alive: true -> false"]


def test_a_tuple_of_tuples_is_compared_by_index() -> None:
    before, after = to_json((("idle",), ("idle",))), to_json((("idle",), ("inserted", 1)))
    assert [describe_change(*c) for c in diff(before, after)] == [
        '[1]: ["idle"] -> ["inserted",1]']


def test_a_record_that_becomes_equal_to_another_still_shows_its_index() -> None:
    # the multiset of records is the same before and after: a set reading shows nothing
    before = START._replace(par=(Par("b", True), Par("a", True), Par("a", True)))
    after = before._replace(par=(Par("a", True), Par("b", True), Par("a", True)))
    assert _changes(before, after) == ["par[0].x: b -> a", "par[1].x: a -> b"]


def test_a_set_whose_entry_is_replaced_shows_what_was_added_and_removed() -> None:
    before = START._replace(msgs=frozenset({("lock", 0), ("lock", 1)}))
    after = START._replace(msgs=frozenset({("grant", 0), ("lock", 1)}))
    shape = shape_of([before, after])
    assert shape["msgs"] == SET and shape["par"] == SEQUENCE
    assert _changes(before, after, shape) == ['msgs: +["grant",0] -["lock",0]']
    # without the model's shape the same entry changed in place reads as an index: the
    # reason traces carry the shape when the model renders states with to_json
    assert _changes(before, after) == ["msgs[0][0]: lock -> grant"]


def test_a_set_that_grows_or_whose_entries_move_reads_as_a_multiset_without_the_shape() -> None:
    before = START._replace(msgs=frozenset({("b", 1), ("c", 1)}))
    assert _changes(before, before._replace(msgs=before.msgs | {("a", 1)})) == ['msgs: +["a",1]']
    moved = before._replace(msgs=frozenset({("a", 1), ("b", 1)}))  # c replaced by a: entries shift
    assert _changes(before, moved) == ['msgs: +["a",1] -["c",1]']


def test_an_effect_applied_twice_shows_as_a_second_entry() -> None:
    once = START._replace(log=("charged o1",))
    twice = START._replace(log=("charged o1", "charged o1"))
    assert _changes(once, twice, shape_of([once, twice])) == ['log: +charged o1']
    entry = {"key": "o1", "effect": "charged"}
    assert describe_change("effects", [entry], [entry, entry]) == (
        'effects: +{"key":"o1","effect":"charged"}')


def test_a_tuple_mixing_kinds_is_a_record_not_a_multiset() -> None:
    assert describe_change("client[0]", ["inserted", 1], ["read", 1, False]) == (
        'client[0]: ["inserted",1] -> ["read",1,false]')
    assert describe_change("tm_prepared", [0], [0, 1]) == "tm_prepared: +1"


class Dice(Model):
    """Three processes; one dies (the step table must name which)."""

    id = "test.dice"

    def init(self):
        yield START

    @action(i=range(3))
    def par_die(self, s: Room, i: int):
        if s.par[i].alive:
            return s._replace(par=s.par[:i] + (s.par[i]._replace(alive=False),) + s.par[i + 1:])

    @invariant(expect="violated")
    def nobody_dies_last(self, s: Room) -> bool:
        """Process 2 never dies."""
        return s.par[2].alive


def test_the_step_table_of_a_found_trace_names_the_index() -> None:
    (result,) = check(Dice())
    assert result.trace is not None and [st.label() for st in result.trace.steps] == ["par_die(i=2)"]
    assert "par[2].alive: true -> false" in trace_text(result.trace)
