"""Helpers for immutable states and their canonical JSON rendering.

States are plain hashable values (tuples, NamedTuples, frozensets, frozen
dataclasses, ints, strings).  Rendering is canonical so that two runs, on any
hash seed, write byte-identical traces.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any


def put(t: tuple, i: int, value: Any) -> tuple:
    """Return tuple ``t`` with position ``i`` replaced by ``value``.

    A proof's symbolic stand-in for a per-node field is not a tuple: it knows
    how to update itself at a symbolic position.
    """
    if isinstance(t, tuple):
        return t[:i] + (value,) + t[i + 1 :]
    return t.put(i, value)


def to_json(value: Any) -> Any:
    """Render a state (or an action argument) as a JSON-compatible value.

    NamedTuples and dataclasses become objects keyed by field, sets become
    sorted lists (sorted by their own canonical JSON), enums become names.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {f: to_json(v) for f, v in zip(value._fields, value, strict=True)}
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, (frozenset, set)):
        items = [to_json(v) for v in value]
        return sorted(items, key=canonical_text)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "to_json"):
        return value.to_json()
    raise TypeError(f"cannot render {type(value).__name__} value {value!r} as JSON")


def canonical_text(value: Any) -> str:
    """A JSON string with a fixed key order: the identity of a rendered value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def sort_key(value: Any) -> Any:
    """Total order for domain values of mixed or unorderable types (deterministic)."""
    return canonical_text(to_json(value))


def ordered(values: Iterable[Any]) -> tuple:
    """Values of an unordered collection in a deterministic order; sequences keep theirs."""
    if isinstance(values, (set, frozenset, dict)):
        try:
            return tuple(sorted(values))
        except TypeError:
            return tuple(sorted(values, key=sort_key))
    return tuple(values)


#: the kind of collection a rendered list was: a set (frozenset) or a sequence (tuple, list)
SET, SEQUENCE = "set", "sequence"


def shape_of(states: Iterable[Any]) -> dict[str, str]:
    """Which rendered lists of these raw states were sets and which sequences.

    Keys are paths as :func:`diff` writes them with every index as ``[]``
    (``nodes``, ``nodes[].inbox``); a path that is a set in one state and a
    sequence in another is left out.  Valid for states rendered by
    :func:`to_json` (a model's own ``describe`` renders its own way).
    """
    found: dict[str, str | None] = {}
    for s in states:
        _shape("", s, found)
    return {k: v for k, v in found.items() if v is not None}


def _shape(path: str, value: Any, found: dict[str, str | None]) -> None:
    if value is None or isinstance(value, (bool, int, float, str, enum.Enum)):
        return
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        for f, v in zip(value._fields, value, strict=True):
            _shape(f"{path}.{f}" if path else f, v, found)
    elif isinstance(value, (tuple, list, frozenset, set)):
        kind = SET if isinstance(value, (frozenset, set)) else SEQUENCE
        here = path or "state"
        found[here] = kind if found.get(here, kind) == kind else None
        if kind == SEQUENCE:
            for v in value:
                _shape(f"{path}[]", v, found)
    elif isinstance(value, dict):
        for k, v in value.items():
            _shape(f"{path}.{k}" if path else str(k), v, found)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _shape(f"{path}.{f.name}" if path else f.name, getattr(value, f.name), found)


def diff(before: Any, after: Any, shape: dict[str, str] | None = None) -> list[tuple[str, Any, Any]]:
    """Changes between two rendered states as (path, old, new), paths like ``rm[2].x``.

    A sequence is compared index by index, a set as a whole (see
    :func:`describe_change`).  ``shape`` (:func:`shape_of` the raw states)
    says which lists were which; without it, or for a path it does not know,
    the lists themselves decide (:func:`_by_position`).
    """
    changes: list[tuple[str, Any, Any]] = []
    _diff("", before, after, changes, shape or {})
    return changes


def describe_change(path: str, old: Any, new: Any, arrow: str = "->") -> str:
    """One changed field as text; a set or a log (a list of like values) shows what was added
    and removed, counted as a multiset."""
    if isinstance(old, list) and isinstance(new, list) and _like_values(old + new):
        # Counted as multisets: an entry logged a second time (an effect applied twice) shows.
        added, removed = _beyond(new, old), _beyond(old, new)
        if (added or removed) and len(added) + len(removed) < len(old) + len(new):
            return f"{path}: " + " ".join(
                [f"+{compact(x)}" for x in added] + [f"-{compact(x)}" for x in removed]
            )
    return f"{path}: {compact(old)} {arrow} {compact(new)}"


def _like_values(items: list) -> bool:
    # Sets and logs hold values of one kind; a tuple mixing kinds is a record (("read", 1, False)).
    return len({_KIND.get(type(x), type(x)) for x in items}) <= 1


_KIND: dict[type, type] = {bool: int, float: int}


def _beyond(items: list, others: list) -> list:
    """The entries of ``items`` left over once each entry of ``others`` cancels one equal entry."""
    spare = Counter(json.dumps(x, sort_keys=True) for x in others)
    out = []
    for x in items:
        key = json.dumps(x, sort_keys=True)
        if spare[key]:
            spare[key] -= 1
        else:
            out.append(x)
    return out


def compact(value: Any) -> str:
    """A JSON value on one line without spaces (a string as it is)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _diff(path: str, a: Any, b: Any, out: list, shape: dict[str, str], pattern: str = "") -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for k in a:
            _diff(f"{path}.{k}" if path else str(k), a[k], b[k], out, shape,
                  f"{pattern}.{k}" if pattern else str(k))
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        kind = shape.get(pattern or "state")
        if kind == SEQUENCE or (kind is None and _by_position(a, b)):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                _diff(f"{path}[{i}]", x, y, out, shape, f"{pattern}[]")
            return
    out.append((path or "state", a, b))


def _by_position(a: list, b: list) -> bool:
    """Whether two rendered lists of one length are sequences indexed by position.

    JSON does not say whether a list was a tuple or a set.  A tuple of scalars, or of
    records (one per node, ``field[2].x``), is compared index by index; a rendered set
    is compared as a whole (its entries shift when one changes).  A set renders sorted
    and without repeats, so a list that is not strictly sorted was a sequence; one that
    is could be either, and is read by position only when a single entry changed in
    place (a record updated) -- otherwise entries moved, as a set's do.
    """
    if not any(isinstance(x, (dict, list)) for x in a + b):
        return True
    if not (_strictly_sorted(a) and _strictly_sorted(b)):
        return True
    return sum(1 for x, y in zip(a, b, strict=True) if x != y) == 1


def _strictly_sorted(items: list) -> bool:
    keys = [canonical_text(x) for x in items]
    return all(k1 < k2 for k1, k2 in zip(keys, keys[1:], strict=False))


#: classes whose ``_replace`` is already the fast one
_FAST: set[type] = set()


def fast_replace(cls: type) -> type:
    """Give a NamedTuple class a ``_replace`` three times faster than the standard one.

    The standard ``_replace`` goes through a dict of keywords and ``_make``
    (about 1.3 us for four fields); the generated one takes each field as a
    keyword-only argument and builds the tuple directly (about 0.4 us).  The
    result is the same tuple; only an unknown field name raises ``TypeError``
    instead of ``ValueError``.  Models keep writing ``s._replace(field=...)``:
    the engine applies this to the NamedTuple classes of a model's initial
    states, and it can be used as a class decorator for the others.
    """
    fields = getattr(cls, "_fields", None)
    if cls in _FAST or not isinstance(fields, tuple) or not all(
            isinstance(f, str) and f.isidentifier() and not f.startswith("_") for f in fields):
        return cls
    params = ", ".join(f"{f}=_KEEP" for f in fields)
    values = ", ".join(f"self[{i}] if {f} is _KEEP else {f}" for i, f in enumerate(fields))
    source = (f"def _replace(self, *, {params}):\n"
              f"    return _new(type(self), ({values},))\n")
    scope: dict[str, Any] = {"_KEEP": _KEEP, "_new": tuple.__new__}
    exec(source, scope)  # noqa: S102 - fixed template over identifiers checked above
    fast = scope["_replace"]
    fast.__doc__ = f"Return a new {cls.__name__} with the given fields replaced."
    fast.__qualname__ = f"{cls.__qualname__}._replace"
    cls._replace = fast  # type: ignore[attr-defined]
    _FAST.add(cls)
    return cls


class _Keep:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unchanged>"


_KEEP = _Keep()


def speed_up_records(value: Any, depth: int = 3) -> None:
    """Apply :func:`fast_replace` to the NamedTuple classes found in ``value`` (a state)."""
    if isinstance(value, tuple):
        if hasattr(value, "_fields"):
            fast_replace(type(value))
        if depth:
            for v in value:
                speed_up_records(v, depth - 1)
    elif isinstance(value, frozenset) and depth:
        for v in value:
            speed_up_records(v, depth - 1)
