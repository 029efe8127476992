"""Verdicts never lie on hostile model code (issue 17, items 1-4).

Each model here is one the adversarial audit wrote (recreated): without the
guard it is reported ``holds`` (or the run exits 0 with nothing checked, or
loops forever); with it, it is one ModelError line.
"""

from __future__ import annotations

import dataclasses
import enum
import os
from typing import Any, NamedTuple

import pytest

from distcheck import Model, ModelError, action, action_property, eventually, invariant, sometimes
from distcheck.contract.compiled import compile_model
from distcheck.contract.statecheck import EVERY, FIRST, VERIFY_ENV, StateContract
from distcheck.engines import bfs, graph
from distcheck.engines.checker import Options, check_model

ENGINES = ["bfs", "simulate", "hypothesis"]


def one_line_model_error(model: Model, engine: str = "bfs") -> str:
    with pytest.raises(ModelError) as err:
        check_model(model, Options(engine=engine, runs=20, steps=10))
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"model {model.id}:"), text
    return text


# --------------------------------------------------------------------------- 1. the state contract


class Flag:
    """A plain class: hashed by identity, changed in place."""

    def __init__(self) -> None:
        self.up = False


SHARED = Flag()


class SharedFlag(Model):
    """The audit's model: copies a tuple of plain objects and sets a flag on a shared one.

    It was reported ``holds, checked all 1 reachable states``; with tuples of
    bools the same protocol is violated.
    """

    id = "hostile.shared_flag"

    def init(self):
        yield (SHARED,)

    @action()
    def raise_flag(self, s):
        t = tuple(s)
        t[0].up = True
        return t

    @invariant(expect="holds")
    def flag_down(self, s) -> bool:
        return not s[0].up


def test_a_plain_object_in_a_state_is_refused_with_its_path_and_fix() -> None:
    text = one_line_model_error(SharedFlag())
    assert "init() made a state that holds a Flag object at [0]" in text
    assert "compared by identity" in text and "NamedTuple or a @dataclass(frozen=True)" in text


class Record(NamedTuple):
    owner: Any
    log: Any


@dataclasses.dataclass
class Loose:
    x: int


@dataclasses.dataclass(frozen=True, eq=False)
class ByIdentity:
    x: int


@pytest.mark.parametrize("value, words", [
    ([1], ["a list [1] at log", "use a tuple"]),
    ({1}, ["a set {1} at log", "use a frozenset"]),
    ({"a": 1}, ["a dict", "at log", "NamedTuple, or a frozenset of (key, value) pairs"]),
    (b"\x00", ["a bytes", "at log", "no JSON value", "value.hex()"]),
    (Loose(1), ["a Loose at log", "not frozen", "@dataclass(frozen=True)"]),
    (ByIdentity(1), ["a ByIdentity at log", "eq=False"]),
    (float("nan"), ["the float nan at log", "finite"]),
    ((frozenset({(1, b"x")}),), ["a bytes b'x' at log[0]{*}[1]"]),
])
def test_what_a_state_may_not_hold(value: Any, words: list[str]) -> None:
    class Holds(Model):
        id = "hostile.holds"

        def init(self):
            yield Record(None, ())

        @action()
        def put_it(self, s):
            return Record(0, value) if s.owner is None else None

        @invariant()
        def anything(self, s) -> bool:
            return True

    text = one_line_model_error(Holds())
    assert "action put_it() made a state that holds" in text
    for word in words:
        assert word in text, text


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: tuple[int, ...]


def test_what_a_state_may_hold() -> None:
    contract = StateContract("ok", verify=True)
    contract.check(Record(None, (True, 1.5, "x", Color.RED, Point(1, (2,)), frozenset({3}))), "init()")


class Later(Model):
    """A list appears only after the first FIRST successors: the sample still finds it."""

    id = "hostile.later"
    limit = FIRST + 3 * EVERY

    def init(self):
        yield 0

    @action()
    def count(self, s):
        if isinstance(s, int):
            return s + 1 if s < self.limit else [s]
        return None


def test_outside_verification_mode_a_sample_of_the_successors_is_checked(monkeypatch) -> None:
    model = compile_model(Later())
    monkeypatch.setattr(model.contract, "verify", False)
    with pytest.raises(ModelError, match=r"action count\(\) made a state that holds a list"):
        bfs.check(model)


@dataclasses.dataclass(frozen=True)
class Box:
    n: int


class Sneaky(Model):
    """Changes a frozen dataclass in place (object.__setattr__) and returns None."""

    id = "hostile.sneaky"

    def init(self):
        yield (Box(0),)

    @action()
    def poke(self, s):
        object.__setattr__(s[0], "n", s[0].n + 1)
        return None

    @action()
    def stay(self, s):
        return s

    @invariant()
    def small(self, s) -> bool:
        return s[0].n < 5


@pytest.mark.parametrize("engine", ENGINES)
def test_an_action_that_changes_its_input_in_place_is_named(monkeypatch, engine: str) -> None:
    monkeypatch.setenv(VERIFY_ENV, "1")
    model = compile_model(Sneaky())
    text = one_line_model_error(model, engine)
    assert "action poke() changed the state it was given in place" in text
    assert "(Box(n=" in text and "-> '(Box(n=" in text


def test_the_graph_engine_checks_the_contract_too(monkeypatch) -> None:
    monkeypatch.setenv(VERIFY_ENV, "1")
    with pytest.raises(ModelError, match="action poke.. changed the state it was given in place"):
        graph.build(Sneaky())
    with pytest.raises(ModelError, match="a Flag object at .0."):
        graph.build(SharedFlag())


def test_a_cycle_of_parent_links_is_an_error_not_an_endless_loop() -> None:
    a, b = ("a",), ("b",)
    with pytest.raises(ModelError, match="parent links .* are broken"):
        bfs.path_to({a: b, b: a}, a)
    with pytest.raises(ModelError, match="parent links"):
        bfs.path_to({a: a}, a)
    with pytest.raises(ModelError, match="no longer found"):
        bfs.path_to({a: b}, a)  # b was stored under a hash it no longer has
    assert bfs.path_to({a: None, b: a}, b) == [a, b]


# --------------------------------------------------------------------------- 2. SystemExit


class Exits(Model):
    """Calls sys.exit(0) -- or raises its own BaseException -- where ``where`` says."""

    id = "hostile.exits"
    where = ""
    error: Any = SystemExit

    def _maybe(self, here: str) -> None:
        if self.where == here:
            raise self.error(0)

    def setup(self):
        self._maybe("setup")

    def init(self):
        self._maybe("init")
        yield 0

    def choices(self, s):
        self._maybe("domain")
        return (1,)

    @action(d="choices")
    def up(self, s, d):
        self._maybe("action")
        return s + d if s < 3 else None

    @invariant(expect="violated")
    def small(self, s) -> bool:
        self._maybe("invariant")
        return s < 3

    @sometimes()
    def moved(self, s) -> bool:
        self._maybe("sometimes")
        return s > 0

    @action_property()
    def grows(self, s, step, t) -> bool:
        self._maybe("action_property")
        return t > s

    def describe(self, s):
        self._maybe("describe")
        return s

    ends = eventually(lambda self, s: self._maybe("liveness") or s == 3)


class OwnBase(BaseException):
    """A BaseException of the model's own."""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("where", ["init", "domain", "action", "invariant", "sometimes",
                                   "action_property", "describe", "liveness"])
def test_system_exit_in_model_code_is_a_model_error(monkeypatch, engine: str, where: str) -> None:
    monkeypatch.setattr(Exits, "where", where)
    text = one_line_model_error(Exits(), engine)
    assert "SystemExit" in text


def test_system_exit_in_setup_is_a_model_error(monkeypatch) -> None:
    from distcheck.contract.compiled import build_model

    monkeypatch.setattr(Exits, "where", "setup")
    with pytest.raises(ModelError, match=r"hostile.exits: building it .* raised SystemExit"):
        build_model(Exits)


@pytest.mark.parametrize("where", ["action", "domain", "init"])
def test_a_base_exception_of_the_models_own_is_a_model_error(monkeypatch, where: str) -> None:
    monkeypatch.setattr(Exits, "where", where)
    monkeypatch.setattr(Exits, "error", OwnBase)
    assert "OwnBase" in one_line_model_error(Exits())
    with pytest.raises(ModelError, match="OwnBase"):
        graph.build(Exits())


def test_ctrl_c_in_model_code_still_interrupts(monkeypatch) -> None:
    monkeypatch.setattr(Exits, "where", "action")
    monkeypatch.setattr(Exits, "error", KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        bfs.check(Exits())


# --------------------------------------------------------------------------- 3. equal, not the same


class BoolThenInt(Model):
    """``(True,)`` is demoted to ``(1,)``; only the int may then be bumped to 2.

    Merged with ``(True,)`` (equal and of one hash in Python), ``(1,)`` would
    never be expanded and ``never_two`` would wrongly hold.
    """

    id = "hostile.bool_then_int"
    first: Any = True
    second: Any = 1

    def init(self):
        yield (self.first,)

    @action()
    def demote(self, s):
        return (self.second,) if type(s[0]) is type(self.first) else None

    @action()
    def bump(self, s):
        return (2,) if type(s[0]) is type(self.second) and s[0] == 1 else None

    @invariant(expect="violated")
    def never_two(self, s) -> bool:
        return s[0] != 2


class Level(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize("first, second, shown", [
    (True, 1, "holds 1 (int) at [0], where another state holds a bool"),
    (1, 1.0, "holds 1.0 (float) at [0], where another state holds a int"),
    (Level.ONE, 1, "holds 1 (int) at [0], where another state holds a Level"),
])
@pytest.mark.parametrize("verify", [True, False])
def test_states_equal_in_python_but_of_other_types_are_refused(monkeypatch, first: Any,
                                                               second: Any, shown: str,
                                                               verify: bool) -> None:
    monkeypatch.setattr(BoolThenInt, "first", first)
    monkeypatch.setattr(BoolThenInt, "second", second)
    model = compile_model(BoolThenInt())
    monkeypatch.setattr(model.contract, "verify", verify)
    with pytest.raises(ModelError) as err:
        bfs.check(model)
    assert "action demote() made a state that " + shown in str(err.value)
    assert "keep one type at each position" in str(err.value)


def test_a_namedtuple_and_a_tuple_of_the_same_items_are_refused() -> None:
    class Pair(NamedTuple):
        a: int
        b: int

    contract = StateContract("m", verify=True)
    contract.check(((1, 2),), "init()")
    with pytest.raises(ModelError, match=r"holds Pair\(a=1, b=2\) \(Pair\) at \[0\], where "
                                         r"another state holds a tuple"):
        contract.check((Pair(1, 2),), "init()")
    contract.check(((1, 2, 3),), "init()")  # another length never equals: no conflict


def test_the_same_types_throughout_give_the_right_verdict(monkeypatch) -> None:
    monkeypatch.setattr(BoolThenInt, "first", 7)  # an int throughout: demote gives 1, bump 2
    [r] = check_model(BoolThenInt(), Options())
    assert r.verdict == "violated"


# --------------------------------------------------------------------------- 4. properties return bools


class Answers(Model):
    """Its properties return whatever ``answer`` is."""

    id = "hostile.answers"
    answer: Any = True
    kind = "invariant"

    def init(self):
        yield 0

    @action()
    def up(self, s):
        return s + 1 if s < 2 else None

    @invariant()
    def inv(self, s):
        return self.answer if self.kind == "invariant" and s == 1 else True

    @sometimes()
    def some(self, s):
        return self.answer if self.kind == "sometimes" and s == 1 else s == 2

    @action_property()
    def act(self, s, step, t):
        return self.answer if self.kind == "action" else True

    done = eventually(lambda self, s: self.answer if self.kind == "liveness" else s == 2)


# liveness runs on the state graph whatever the engine: once, with bfs
@pytest.mark.parametrize("engine, kind, name", [
    *((e, k, n) for e in ENGINES
      for k, n in (("invariant", "inv"), ("sometimes", "some"), ("action", "act"))),
    ("bfs", "liveness", "done")])
@pytest.mark.parametrize("answer, shown", [("no", "'no' (str)"), (None, "None (NoneType)"),
                                           (1, "1 (int)"), ((), "() (tuple)")])
def test_a_property_that_returns_no_bool_is_named(monkeypatch, engine: str, kind: str, name: str,
                                                  answer: Any, shown: str) -> None:
    monkeypatch.setattr(Answers, "answer", answer)
    monkeypatch.setattr(Answers, "kind", kind)
    text = one_line_model_error(Answers(), engine)
    assert f"property {name} returned {shown}, not a bool" in text
    assert "return True or False" in text


def test_numpy_bools_are_bools(monkeypatch) -> None:
    numpy = pytest.importorskip("numpy")
    monkeypatch.setattr(Answers, "answer", numpy.bool_(True))
    assert all(r.as_expected for r in check_model(Answers(), Options()))


def test_a_forgotten_return_no_longer_reads_as_violated() -> None:
    class Forgot(Model):
        id = "hostile.forgot"

        def init(self):
            yield 0

        @invariant()
        def ok(self, s):
            s >= 0  # noqa: B015 - the forgotten return under test

    text = one_line_model_error(Forgot())
    assert "property ok returned None (NoneType), not a bool in state 0" in text


@pytest.mark.skipif(os.environ.get(VERIFY_ENV) == "0", reason="turned off on purpose")
def test_the_test_suite_runs_in_verification_mode() -> None:
    assert compile_model(Answers()).contract.verify
