"""64-bit state fingerprints that do not depend on Python's hash seed, and a store of them.

A fingerprint must be the same in every process and every run (spawned
workers partition states by it; a resumed run finds the states it stored),
so Python's ``hash()`` of a state cannot serve: strings, ``None`` and enums
hash differently in each process.  Two facts make a seed-independent
fingerprint cheap:

* ``hash()`` of a tuple of ints is seed-independent (ints hash to themselves
  modulo 2**61 - 1; the tuple hash is a fixed xxHash-style combination);
* the components of states repeat a lot (per-node tuples, message sets), so
  the fingerprint of a component is computed once, from a canonical
  type-aware encoding hashed with BLAKE2b, and kept in a bounded memo whose
  keys are the components themselves (the memo's own lookups use Python's
  hash, which only decides where an entry sits, never its value).

A state that is a tuple (a NamedTuple) is fingerprinted as the tuple hash of
its components' fingerprints; any other state as one component.  Values equal
in Python get equal fingerprints (as in a ``dict`` of states), whichever of
them a process met first.

:class:`FingerprintStore` keeps one 64-bit fingerprint and one parent
fingerprint per state in two open-addressing ``array('q')`` tables, about
23 to 46 bytes per state, instead of the state itself (a ``dict`` entry plus
the state object: 250 bytes and more).  It answers the two operations of
the BFS hot loop like the ``dict`` it replaces (``t in store``,
``store[t] = parent``) and rebuilds a path by re-executing the model from an
initial state, choosing at each step the successor with the next fingerprint.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from array import array
from collections.abc import Callable, Iterable
from hashlib import blake2b
from typing import Any

from distcheck.contract.errors import ModelError

#: leaf fingerprints stay below 2**61 - 1, where ``hash(int)`` is the identity
_LEAF_MASK = (1 << 61) - 2
#: components memoised at most (the memo is a cache: cleared when full)
MEMO_CAP = 1 << 18
#: the table grows (doubles) when more than this share of its slots is taken
MAX_LOAD = 0.7


def encode(value: Any) -> str:
    """A canonical text of a state component: the same for values equal in Python, in any process.

    The search's identity of states is Python's equality (what a ``dict`` of
    states merges, the fingerprint merges): ``True``, ``1`` and ``1.0`` encode
    alike, and so do a NamedTuple and the plain tuple of its values.  Sets are
    sorted by their elements' encodings; dataclasses and enums (which equal
    only their own kind) carry their class name.
    """
    if value is None:
        return "N"
    t = type(value)
    if t is str:
        return "s" + json.dumps(value)
    if t is int or t is bool or (isinstance(value, int) and isinstance(value, enum.Enum)):
        return f"i{int(value)}"
    if t is float:
        return f"i{int(value)}" if value.is_integer() else f"f{value!r}"
    if isinstance(value, enum.Enum):
        return f"e{t.__qualname__}.{value.name}"
    if isinstance(value, tuple):
        return "(" + ",".join(encode(v) for v in value) + ")"
    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(encode(v) for v in value)) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ",".join(encode(getattr(value, f.name)) for f in dataclasses.fields(value))
        return f"{t.__qualname__}[{inner}]"
    if isinstance(value, (int, str, bytes)):  # subclasses of scalars (an IntEnum is above)
        return f"{t.__qualname__}:{value!r}"
    if hasattr(value, "to_json"):  # a value that renders itself (network Message)
        return f"{t.__qualname__}<{json.dumps(value.to_json(), sort_keys=True)}>"
    raise ModelError(
        f"a state holds a {t.__name__} value ({value!r:.80}), which has no canonical form to "
        "fingerprint: use tuples, frozensets, NamedTuples, frozen dataclasses, enums and scalars")


def leaf(value: Any) -> int:
    """The seed-independent fingerprint of one component (below 2**61 - 1, never 0)."""
    digest = blake2b(encode(value).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "little") & _LEAF_MASK) | 1


class _Memo(dict):
    """component -> leaf fingerprint, computed on a miss and forgotten when full."""

    def __missing__(self, value: Any) -> int:
        if len(self) >= MEMO_CAP:
            self.clear()
        fp = self[value] = leaf(value)
        return fp


def fingerprinter() -> Callable[[Any], int]:
    """A function from state to its 64-bit fingerprint (a signed int, never 0 or -1)."""
    memo = _Memo()
    get = memo.__getitem__

    def fingerprint(s: Any) -> int:
        # a NamedTuple equals the plain tuple of its values: both are fingerprinted alike
        fp = hash((1, *map(get, s))) if isinstance(s, tuple) else hash((0, get(s)))
        return fp or 1  # 0 marks an empty slot of the store

    return fingerprint


class _Shared(dict):
    """component -> the one copy of it that stored states share (a cache: cleared when full)."""

    def __missing__(self, value: Any) -> Any:
        if len(self) >= MEMO_CAP:
            self.clear()
        self[value] = value
        return value


def compactor() -> Callable[[Any], Any]:
    """A function returning a state equal to its argument whose components are shared.

    Successors are built from fresh copies of unchanged parts (``put`` makes a
    new tuple, ``|`` a new frozenset); in a fingerprint search the states
    waiting in the frontier are most of the memory, and with their components
    shared each costs little more than its own tuple.
    """
    # One cache per position: equal values of different types ((True, True) and (1, 1))
    # must not be shared across fields, and within one field the state contract keeps
    # one type (distcheck.contract.statecheck).
    caches: list[Any] = []
    new = tuple.__new__

    def compact(s: Any) -> Any:
        if not isinstance(s, tuple):
            return s
        while len(caches) < len(s):
            caches.append(_Shared().__getitem__)
        return new(type(s), [get(x) for get, x in zip(caches, s, strict=False)])

    return compact


def collision_probability(distinct: int, total: int) -> float:
    """TLC's optimistic estimate that two distinct states shared a fingerprint in a search."""
    return distinct * max(total - distinct, 0) / 2.0**64


class FingerprintStore:
    """The visited states of a search as fingerprints with parent fingerprints.

    Used by the BFS hot loop in place of its ``dict`` of states: ``t in store``
    then ``store[t] = s`` (in that order, for the same ``t``) store ``t``
    with ``s`` as its parent.  Initial states have parent 0.
    """

    def __init__(self, inits: Iterable[Any], fingerprint: Callable[[Any], int] | None = None
                 ) -> None:
        self.fingerprint = fingerprint or fingerprinter()
        self._size = 1 << 12
        self._keys = array("q", bytes(8 * self._size))
        self._parents = array("q", bytes(8 * self._size))
        self._count = 0
        self._grow_at = int(self._size * MAX_LOAD)
        self._last: Any = None
        self._last_fp = 0
        self._slot = -1
        self._parent: Any = None
        self._parent_fp = 0
        # the states of the level being expanded and of the next one: most successors are
        # one of them, recognised by Python's own hash without computing a fingerprint
        self._recent: dict[Any, None] = {}
        self._compact = compactor()
        for s in inits:
            if s not in self:
                self._insert(self._last_fp, 0)

    def __len__(self) -> int:
        return self._count

    def keep(self, t: Any) -> Any:
        """``t`` as the frontier should hold it (its parts shared); recent from now on."""
        t = self._compact(t)
        self._recent[t] = None
        return t

    def next_level(self, frontier: Iterable[Any]) -> None:
        """The search starts expanding ``frontier``: older states are no longer recent."""
        self._recent = dict.fromkeys(frontier)

    def __contains__(self, t: Any) -> bool:
        if t in self._recent:
            return True
        fp = self.fingerprint(t)
        keys = self._keys
        mask = self._size - 1
        i = fp & mask
        while True:
            k = keys[i]
            if k == fp:
                return True
            if k == 0:
                self._last, self._last_fp, self._slot = t, fp, i
                return False
            i = (i + 1) & mask

    def __setitem__(self, t: Any, s: Any) -> None:
        if t is not self._last:
            if t in self:
                return
        if s is not self._parent:  # successors of one state arrive together
            self._parent, self._parent_fp = s, self.fingerprint(s)
        self._insert(self._last_fp, self._parent_fp)

    def _insert(self, fp: int, parent_fp: int) -> None:
        self._keys[self._slot] = fp
        self._parents[self._slot] = parent_fp
        self._last = None
        self._count += 1
        if self._count > self._grow_at:
            self._grow()

    def _grow(self) -> None:
        old_keys, old_parents = self._keys, self._parents
        self._size *= 2
        self._grow_at = int(self._size * MAX_LOAD)
        mask = self._size - 1
        keys = self._keys = array("q", bytes(8 * self._size))
        parents = self._parents = array("q", bytes(8 * self._size))
        for k, p in zip(old_keys, old_parents, strict=True):
            if k:
                i = k & mask
                while keys[i]:
                    i = (i + 1) & mask
                keys[i] = k
                parents[i] = p

    def add(self, fp: int, parent_fp: int) -> bool:
        """Store fingerprint ``fp`` with its parent's; False when it was there already."""
        keys = self._keys
        mask = self._size - 1
        i = fp & mask
        while (k := keys[i]) != 0:
            if k == fp:
                return False
            i = (i + 1) & mask
        self._slot = i
        self._insert(fp, parent_fp)
        return True

    def parent_of(self, fp: int) -> int | None:
        """The parent fingerprint of a stored fingerprint (0 for an initial state), or None."""
        mask = self._size - 1
        i = fp & mask
        while (k := self._keys[i]) != 0:
            if k == fp:
                return self._parents[i]
            i = (i + 1) & mask
        return None

    def bytes_used(self) -> int:
        """Memory of the two tables (the memo of components aside)."""
        return self._keys.itemsize * len(self._keys) * 2

    def path_to(self, transitions: Callable[[Any], Iterable[tuple[Any, Any, Any]]],
                inits: Iterable[Any], s: Any, key: Callable[[Any], Any] | None = None
                ) -> list[Any]:
        """States from an initial state to ``s``, rebuilt by re-executing the model.

        ``transitions(state)`` yields ``(action, args, successor)``; the chain
        of parent fingerprints says which successor to follow at each step.
        ``key`` maps a state to what was stored for it (under symmetry, its
        canonical form): the path is then one of real states.
        """
        key = key or (lambda x: x)
        chain = [self.fingerprint(s)]
        while (p := self.parent_of(chain[-1])) != 0:
            if p is None or len(chain) > self._count:
                raise ModelError("fingerprint trace: a parent link is missing or loops")
            chain.append(p)
        chain.reverse()
        first = [i for i in inits if self.fingerprint(key(i)) == chain[0]]
        if not first:
            raise ModelError("fingerprint trace: no initial state has the stored fingerprint")
        path = [first[0]]
        for want in chain[1:]:
            for _, _, u in transitions(path[-1]):
                if self.fingerprint(key(u)) == want:
                    path.append(u)
                    break
            else:
                raise ModelError("fingerprint trace: re-execution did not reach a stored state "
                                 "(is the model deterministic?)")
        return path
