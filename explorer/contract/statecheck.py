"""The state contract, enforced: what a state may be made of, and that expanding it leaves it alone.

A state is a value.  The engines store it once, hash it, compare it with
``==`` and render it to JSON; a state that can change after it was stored,
or that compares equal to a state it should differ from, makes a verdict
wrong without a sign.  So a state may be made of

* ``None``, ``bool``, ``int``, ``str``, finite ``float`` (exactly these types),
* members of an ``Enum``,
* tuples and NamedTuples, frozensets, and frozen dataclasses (``frozen=True``,
  comparing by value) whose parts are allowed in turn,
* instances of a class registered with :func:`register_value_type` (a class
  that promises immutable value semantics and a ``to_json``, as the network
  ``Message`` does).

Anything else -- a list, dict, set, ``bytes`` (no JSON rendering), a float
NaN (not equal to itself), a dataclass that is not frozen, an object of a
plain class (hashed by identity, changeable in place) -- is a ModelError of
one line naming the path inside the state and the fix.

**One position, one type.**  Python merges values of different types that
compare equal: ``True == 1 == 1.0`` with equal hashes, an ``IntEnum`` member
equals its int, a NamedTuple equals the plain tuple (or another NamedTuple)
of the same items.  Two states differing only so are one state to every
engine, and a successor that depends on the type is lost.  Rather than pay
for type-aware identity on every hash in the hot loop, the contract rejects
the mix: each position in a state (a tuple index, a field name, "an element
of this frozenset") keeps the type it first held among such look-alikes,
and a state holding another there is a ModelError.

**When.**  Initial states are always checked.  Successors are checked as
they are generated, the ``==`` duplicates included (a merged state is never
*new*, so checking only new states would miss the mix): every one in
*verification mode*, otherwise the first :data:`FIRST` of a run and one in
:data:`EVERY` after that, which costs the hot loop one comparison per
successor.  Verification mode (``DISTCHECK_VERIFY=1`` in the environment;
the test suite sets it) also renders each state before it is expanded and
after each successor, so an action that changes its input in place is named.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import os
from typing import Any

from distcheck.contract.errors import ModelError, shown

#: the environment variable that turns verification mode on ("1", "true", "yes", "on")
VERIFY_ENV = "DISTCHECK_VERIFY"
#: successors checked from the start of a run outside verification mode ...
FIRST = 1000
#: ... and then one in this many (the hot loop's cost stays within its noise)
EVERY = 1024

_VALUE_TYPES: set[type] = set()
_FIXES = {
    list: "use a tuple",
    set: "use a frozenset",
    dict: "use a NamedTuple, or a frozenset of (key, value) pairs",
    bytes: "states render to JSON: use a str (e.g. value.hex()) or a tuple of ints",
    bytearray: "states render to JSON: use a str (e.g. value.hex()) or a tuple of ints",
}


def verification_mode() -> bool:
    """Whether ``DISTCHECK_VERIFY`` asks for every state to be checked."""
    return os.environ.get(VERIFY_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def register_value_type(cls: type) -> type:
    """Admit ``cls`` in states: its instances are immutable values with a ``to_json``.

    Usable as a class decorator.  The contract then takes such an object as
    a whole and does not look inside it.
    """
    _VALUE_TYPES.add(cls)
    return cls


def render(s: Any) -> str:
    """What the in-place-mutation check compares before and after: ``repr(s)``.

    It shows every field of tuples, NamedTuples, frozen dataclasses and enums
    and is ten times cheaper than the canonical JSON; both sides render the
    same object, so the canonical order of sets is not needed.
    """
    return repr(s)


def _changed_part(before: str, after: str) -> str:
    """Where two renderings of one state first differ, as ``...before... -> ...after...``."""
    start = next((i for i, (x, y) in enumerate(zip(before, after, strict=False)) if x != y),
                 min(len(before), len(after)))
    start = max(0, start - 20)
    return f"{shown(before[start:start + 50], 60)} -> {shown(after[start:start + 50], 60)}"


class _Position:
    """What one position of the states held so far: the type per family of look-alikes."""

    __slots__ = ("kinds", "children")

    def __init__(self) -> None:
        self.kinds: dict[Any, type] = {}
        self.children: dict[Any, _Position] = {}

    def child(self, key: Any) -> _Position:
        found = self.children.get(key)
        if found is None:
            found = self.children[key] = _Position()
        return found


def show_path(path: tuple[Any, ...]) -> str:
    """``inside[0]``, ``store.owner``, ``pending{*}`` (an element of the set): a position as text."""
    out = ""
    for key in path:
        if key is _ELEMENT:
            out += "{*}"
        elif isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out or "the state itself"


_ELEMENT = object()  # the position of "an element of this frozenset"
#: parts remembered as checked before the memory is cleared (it only saves time)
_DONE_LIMIT = 200_000


class StateContract:
    """Checks one model instance's states against the contract (see the module docstring).

    ``verify`` defaults to :func:`verification_mode`.  Engines call
    :meth:`check` for the states they sample, with :meth:`next_due` telling
    a hot loop the successor count of the next one due.
    """

    def __init__(self, model_id: str, verify: bool | None = None) -> None:
        self.model_id = model_id
        self.verify = verification_mode() if verify is None else verify
        self._root = _Position()
        # Successors share most of their parts with their parent (``_replace`` keeps the
        # fields it does not change), so a part once checked at a position is not walked
        # again: (position, id) -> the part, kept alive so that its id is not reused.
        self._done: dict[tuple[int, int], Any] = {}
        self._last: tuple[Any, str] | None = None

    def next_due(self, count: int) -> int:
        """After checking the ``count``-th successor of a run: the count of the next one due."""
        return count + 1 if self.verify or count < FIRST else count + EVERY

    def due(self, count: int) -> bool:
        """Whether the ``count``-th successor of a run is one to check."""
        return self.verify or count <= FIRST or count % EVERY == 0

    def check(self, s: Any, where: object) -> None:
        """ModelError (one line) when ``s`` breaks the contract.

        ``where`` says who made it: a string (``"init()"``), or the Step of the
        action (formatted only when there is something to say).
        """
        if len(self._done) > _DONE_LIMIT:
            self._done.clear()
        problem = self._problem(s)
        if problem is not None:
            who = where if isinstance(where, str) else f"action {where}"
            raise ModelError(f"model {self.model_id}: {who} made a state that {problem}"[:600])

    def rendered(self, s: Any) -> str:
        """``render(s)``, remembered for the last state asked about (its actions are called
        one after another, each compared with this)."""
        last = self._last
        if last is not None and last[0] is s:
            return last[1]
        text = render(s)
        self._last = (s, text)
        return text

    def unchanged(self, before: str, s: Any, where: object) -> None:
        """ModelError when ``s`` no longer renders as ``before``: ``where`` changed it in place.

        ``where`` is a string, or the Step of the action that was called.
        """
        after = render(s)
        if after != before:
            where = where if isinstance(where, str) else f"action {where}"
            what = _changed_part(before, after)
            raise ModelError(
                f"model {self.model_id}: {where} changed the state it was given in place "
                f"({what}); an action must return a new state and leave its input alone "
                "(use tuples, NamedTuples, frozen dataclasses: put(), _replace(), replace())"[:600]
            )

    # -- the walk ---------------------------------------------------------------------------
    #
    # A problem is returned as (text with "{at}" for the position, the path's keys in reverse):
    # each level appends its key on the way out, so no path is built while all is well.

    def _problem(self, s: Any) -> str | None:
        found = self._walk(s, self._root)
        if found is None:
            return None
        text, keys = found
        return text.replace("{at}", show_path(tuple(reversed(keys))))

    def _walk(self, v: Any, here: _Position) -> tuple[str, list[Any]] | None:
        t = type(v)
        if t is str or t is int or t is bool:
            family = "str" if t is str else "number"
            known = here.kinds.get(family)
            if known is t:
                return None
            if known is None:
                here.kinds[family] = t
                return None
            return _mixed(v, known), []
        if v is None:
            return None
        if t is float:
            if not math.isfinite(v):
                return (f"holds the float {v} at {{at}}: only finite floats are allowed (nan is "
                        "not equal to itself, and neither renders to JSON)"), []
            return self._one_type(v, "number", here)
        if not self.verify:  # a sample: remembering parts would cost memory for nothing
            return self._container(v, t, here)
        key = (id(here), id(v))
        if key in self._done:
            return None
        found = self._container(v, t, here)
        if found is None:
            self._done[key] = v
        return found

    def _container(self, v: Any, t: type, here: _Position) -> tuple[str, list[Any]] | None:
        if t is tuple or (isinstance(v, tuple) and hasattr(t, "_fields")):
            found = self._one_type(v, ("tuple", len(v)), here)
            if found:
                return found
            names = getattr(t, "_fields", None)
            children = here.children
            walk = self._walk
            for i, x in enumerate(v):
                key = names[i] if names else i
                child = children.get(key) or here.child(key)
                tx = type(x)
                if tx is str or tx is int or tx is bool:  # _walk's first case, inlined: most parts
                    if child.kinds.get("str" if tx is str else "number") is tx:
                        continue
                found = walk(x, child)
                if found:
                    found[1].append(key)
                    return found
            return None
        if t is frozenset:
            inner = here.child(_ELEMENT)
            for x in v:
                found = self._walk(x, inner)
                if found:
                    found[1].append(_ELEMENT)
                    return found
            return None
        if isinstance(v, enum.Enum):
            family = "number" if isinstance(v, (int, float)) else "str" if isinstance(v, str) else None
            return self._one_type(v, family, here) if family else None
        if t in _VALUE_TYPES:
            return None
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            params = t.__dataclass_params__  # type: ignore[attr-defined]
            if not params.frozen:
                return (f"holds a {t.__name__} at {{at}}, a dataclass that is not frozen: it can "
                        "change after the state is stored; declare it @dataclass(frozen=True)"), []
            if not params.eq:
                return (f"holds a {t.__name__} at {{at}}, a dataclass with eq=False: it compares "
                        "by identity, so equal states never meet; drop eq=False"), []
            for f in dataclasses.fields(v):
                found = self._walk(getattr(v, f.name), here.child(f.name))
                if found:
                    found[1].append(f.name)
                    return found
            return None
        return _refused(v), []

    @staticmethod
    def _one_type(v: Any, family: Any, here: _Position) -> tuple[str, list[Any]] | None:
        t = type(v)
        known = here.kinds.get(family)
        if known is None:
            here.kinds[family] = t
            return None
        return None if known is t else (_mixed(v, known), [])


def _mixed(v: Any, known: type) -> str:
    return (f"holds {shown(v, 60)} ({type(v).__name__}) at {{at}}, where another state holds a "
            f"{known.__name__}: Python takes them for equal (True == 1 == 1.0, an IntEnum equals "
            "its int, a NamedTuple equals a tuple of the same items), so two states would be "
            "merged; keep one type at each position")


def _refused(v: Any) -> str:
    t = type(v)
    fix = next((f for base, f in _FIXES.items() if isinstance(v, base)), None)
    if fix is not None:
        why = "mutable and unhashable" if t.__hash__ is None else "no JSON value"
        return f"holds a {t.__name__} {shown(v, 60)} at {{at}}, {why}: {fix}"
    if isinstance(v, (int, float, str, tuple, frozenset)):
        return (f"holds a {t.__name__} at {{at}}, a subclass of {t.__mro__[1].__name__}: use the "
                "plain type, a NamedTuple or an Enum")
    if t.__hash__ is object.__hash__ or t.__hash__ is None:
        how = "is compared by identity" if t.__hash__ is not None else "cannot be hashed"
        return (f"holds a {t.__name__} object at {{at}}, which {how} and may change in place: "
                "use a NamedTuple or a @dataclass(frozen=True) for it")
    return (f"holds a {t.__name__} at {{at}}, which is not a state value: use tuples, NamedTuples, "
            "frozensets, frozen dataclasses, enums, None, bool, int, str or finite floats (or "
            "register_value_type() for an immutable value class)")
