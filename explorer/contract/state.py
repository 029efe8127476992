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


def diff(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """Changes between two rendered states as (path, old, new), paths like ``rm[2]``."""
    changes: list[tuple[str, Any, Any]] = []
    _diff("", before, after, changes)
    return changes


def describe_change(path: str, old: Any, new: Any, arrow: str = "->") -> str:
    """One changed field as text; set-like lists show what was added and removed."""
    if isinstance(old, list) and isinstance(new, list):
        # Counted as multisets: an entry logged a second time (an effect applied twice) shows.
        added, removed = _beyond(new, old), _beyond(old, new)
        if len(added) + len(removed) < len(old) + len(new):
            return f"{path}: " + " ".join(
                [f"+{compact(x)}" for x in added] + [f"-{compact(x)}" for x in removed]
            )
    return f"{path}: {compact(old)} {arrow} {compact(new)}"


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


def _diff(path: str, a: Any, b: Any, out: list) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for k in a:
            _diff(f"{path}.{k}" if path else str(k), a[k], b[k], out)
        return
    if (
        isinstance(a, list)
        and isinstance(b, list)
        and len(a) == len(b)
        and not _looks_like_set(a)
        and not _looks_like_set(b)
    ):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(f"{path}[{i}]", x, y, out)
        return
    out.append((path or "state", a, b))


def _looks_like_set(items: list) -> bool:
    # Rendered sets are lists of composite values; per-index diffs of those mislead.
    return any(isinstance(x, (dict, list)) for x in items)


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
