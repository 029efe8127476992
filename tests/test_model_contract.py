"""Declarations that cannot vanish silently, and actions callable as methods."""

from __future__ import annotations

import pytest

from distcheck import Model, Param, action, fault, invariant
from distcheck.contract.compiled import compile_model
from distcheck.contract.model import declared_actions, declared_properties
from distcheck.engines import bfs
from distcheck.models.transactions.twophase import TwoPhase


class Counter(Model):
    id = "test.counter"
    top = Param(3, at_least=1)

    def init(self):
        yield 0

    @action(by=(1, 2))
    def up(self, s: int, by: int):
        if s + by <= self.top:
            return s + by

    @fault("crash")
    def reset(self, s: int):
        if s:
            return 0

    @invariant()
    def bounded(self, s: int) -> bool:
        return s <= self.top


def test_a_plain_method_cannot_replace_an_action() -> None:
    with pytest.raises(TypeError, match=r"Broken\.up replaces the action up of Counter with a "
                                        r"plain function: decorate it with @action"):
        class Broken(Counter):
            def up(self, s: int, by: int):
                return s + by


def test_a_plain_method_cannot_replace_a_property_nor_an_attribute_an_action() -> None:
    with pytest.raises(TypeError, match=r"Broken\.bounded replaces the property bounded of "
                                        r"Counter"):
        class Broken(Counter):
            def bounded(self, s: int) -> bool:
                return True

    with pytest.raises(TypeError, match=r"Grandchild\.reset replaces the action reset of Counter "
                                        r"with a plain int"):
        class Child(Counter):
            pass

        class Grandchild(Child):
            reset = 0


def test_none_removes_an_inherited_action_or_property_and_a_decorator_redefines_it() -> None:
    class NoCrash(Counter):
        reset = None
        bounded = None

    class Bigger(Counter):
        @action(by=(1, 2, 3))
        def up(self, s: int, by: int):
            return Counter.up(self, s, by)  # the parent's action, called as a function

    assert list(declared_actions(NoCrash)) == ["up"] and not declared_properties(NoCrash)
    view = compile_model(NoCrash())
    assert [a.name for a in view.actions] == ["up"] and view.properties == []
    assert bfs.explore(NoCrash()).stats.distinct_states == 4
    assert compile_model(Bigger()).action_named("up").static_args == ((1,), (2,), (3,))
    bigger, counter = bfs.explore(Bigger()).stats, bfs.explore(Counter()).stats
    assert (counter.total_states, counter.depth) == (9, 3)
    assert (bigger.total_states, bigger.depth) == (10, 2)  # up(by=3) reaches the top at once


def test_actions_are_callable_as_methods() -> None:
    model = TwoPhase(rms=2)
    [s] = compile_model(model).initial_states()
    t = model.rm_prepare(s, rm=1)
    assert t.rm_state == ("working", "prepared")
    assert TwoPhase.rm_prepare(model, s, 1) == t == model.rm_prepare(s, 1)
    assert model.tm_rcv_prepared(s, 0) is None  # not enabled: None, as the engines see it

    class Logged(TwoPhase):
        id = "test.logged_twophase"

        @action(rm="rms")
        def rm_prepare(self, s, rm):
            return super().rm_prepare(s, rm)

    assert Logged(rms=2).rm_prepare(s, rm=1) == t
    plain, logged = bfs.explore(TwoPhase(rms=3)).stats, bfs.explore(Logged(rms=3)).stats
    assert (logged.distinct_states, logged.total_states, logged.depth) == (
        plain.distinct_states, plain.total_states, plain.depth) == (288, 1146, 11)


def test_a_helper_with_a_new_name_is_just_a_helper() -> None:
    class Helped(Counter):
        def step_size(self) -> int:
            return 1

    assert list(declared_actions(Helped)) == ["up", "reset"]
    assert Helped().step_size() == 1
