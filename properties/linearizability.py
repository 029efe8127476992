"""Linearizability, sequential consistency and session guarantees of a recorded history.

A history (:mod:`distcheck.properties.history`) is **linearizable** for a
sequential specification when every operation can be given one instant
between its invocation and its completion at which it takes effect, such that
the operations taken in that order are a legal run of the specification with
the results the clients saw (Herlihy & Wing 1990).  Pending operations
(``info``, or never answered) may take effect at any instant after their
invocation, or not at all.

The search is Wing & Gong's (1993) with Lowe's memoisation (2017), as in
Porcupine and Knossos: walk a list of call and return entries, linearize a
call whose operation the specification accepts in the current state, and
backtrack at a return whose operation is not yet linearized; a (set of
linearized operations, state) pair met before is not explored again.
Linearizability is local (P-compositional): a key-value history is checked
key by key, which turns an exponential search into several small ones.

When a history is not linearizable the checker returns a **minimal failing
sub-history** -- removing any single operation from it makes it linearizable
(delta debugging, Zeller & Hildebrandt 2002) -- and one sentence saying why.

Cheaper guarantees: :func:`check_sequential` (sequential consistency: only
each process's own order is kept, no real time; not local, so a key-value
history is checked as one map) and the session guarantees
:func:`read_your_writes` and :func:`monotonic_reads`.

Specifications: :class:`Register`, :class:`KV` and :class:`Counter`, or your
own subclass of :class:`Spec`.  Everything returns data; nothing prints.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from distcheck.properties.history import History, HistoryError, Op

LINEARIZABLE, NOT_LINEARIZABLE, INCONCLUSIVE = "linearizable", "not linearizable", "inconclusive"
SEQUENTIAL, NOT_SEQUENTIAL = "sequentially consistent", "not sequentially consistent"
#: how many search steps pass between two looks at the clock
_CLOCK_EVERY = 1024
_NOTHING = object()
#: subset sums a counter explanation enumerates before giving up
_MAX_SUMS = 10_000


class Spec:
    """A sequential specification: an initial state and what each operation does to it.

    Subclasses define :meth:`init` and :meth:`step`; states must be hashable.
    ``step`` yields every state the object can be in after ``op`` took effect
    in ``state`` with the result the client saw (``op.result``; unknown when
    ``op.pending``, so any result is allowed) -- nothing when it cannot.
    """

    name = "object"

    def init(self) -> Hashable:
        raise NotImplementedError

    def step(self, state: Any, op: Op) -> Iterable[Any]:
        raise NotImplementedError

    def validate(self, op: Op) -> str | None:
        """What is wrong with ``op`` for this specification, or None."""
        return None

    def partition(self, history: History) -> list[History]:
        """Independent sub-histories (one per object); linearizability is checked on each."""
        return [history]

    def key(self, op: Op) -> Any:
        """The object ``op`` acts on (for session guarantees and explanations)."""
        return None

    def written(self, op: Op) -> Any:
        """The value ``op`` stores, or ``_NOTHING``."""
        return _NOTHING

    def observed(self, op: Op) -> Any:
        """The value ``op`` saw before acting (a read's result), or ``_NOTHING``."""
        return _NOTHING

    def initial_value(self, key: Any) -> Any:
        return None

    def unexplained(self, history: Sequence[Op]) -> list[Op]:
        """The operations whose results no operation of ``history`` could have produced.

        A sub-history that fails only because the operation that produced a
        value was removed says nothing about the original history, so the
        shrinker keeps only sub-histories where this is empty.
        """
        return []


class Register(Spec):
    """A read/write/compare-and-set register (``cas`` value: ``[expected, new]``)."""

    name = "register"
    FS = ("read", "write", "cas")

    def __init__(self, initial: Any = None) -> None:
        self.initial = initial

    def init(self) -> Hashable:
        return self.initial

    def validate(self, op: Op) -> str | None:
        if op.f not in self.FS:
            return f"f {op.f!r} is not one of {', '.join(self.FS)}"
        if op.f == "cas" and not _pair(self._arg(op)):
            return "a cas value must be [expected, new]"
        return None

    def _arg(self, op: Op) -> Any:
        return op.value

    def _result(self, op: Op) -> Any:
        return op.result

    def _apply(self, current: Any, op: Op) -> tuple[bool, Any]:
        """(possible, new value) for one register."""
        if op.f == "read":
            return op.pending or self._result(op) == current, current
        if op.f == "write":
            return True, self._arg(op)
        expected, new = self._arg(op)
        if current == expected:
            return True, new
        return op.pending, current  # an acknowledged cas succeeded; an unknown one may have failed

    def step(self, state: Any, op: Op) -> Iterable[Any]:
        possible, new = self._apply(state, op)
        return (new,) if possible else ()

    def written(self, op: Op) -> Any:
        if op.f == "write":
            return self._arg(op)
        if op.f == "cas":
            return self._arg(op)[1]
        return _NOTHING

    def observed(self, op: Op) -> Any:
        if op.pending:
            return _NOTHING
        if op.f == "read":
            return self._result(op)
        if op.f == "cas":
            return self._arg(op)[0]
        return _NOTHING

    def initial_value(self, key: Any) -> Any:
        return self.initial

    def unexplained(self, history: Sequence[Op]) -> list[Op]:
        first: dict[tuple[Any, Any], int] = {}
        for op in history:
            value = self.written(op)
            if value is not _NOTHING:
                where = (self.key(op), value)
                first[where] = min(first.get(where, op.invoke), op.invoke)
        return [op for op in history
                if (seen := self.observed(op)) is not _NOTHING
                and seen != self.initial_value(self.key(op))
                and not first.get((self.key(op), seen), op.end) < op.end]


class KV(Register):
    """A map of registers: values ``[key, v]``, ``cas`` ``[key, [expected, new]]``.

    The state is the map as sorted ``(key, value)`` pairs; absent keys hold
    ``initial``.  Linearizability is checked key by key.
    """

    name = "kv"

    def init(self) -> Hashable:
        return ()

    def validate(self, op: Op) -> str | None:
        if not _pair(op.value):
            return "a kv value must be [key, v] (a read: [key, null])"
        if not op.pending and op.f == "read" and not (_pair(op.result) and op.result[0] == op.value[0]):
            return "a kv read completes with [key, value] for the key it read"
        return super().validate(op)

    def key(self, op: Op) -> Any:
        return op.value[0]

    def _arg(self, op: Op) -> Any:
        return op.value[1]

    def _result(self, op: Op) -> Any:
        return op.result[1]

    def step(self, state: Any, op: Op) -> Iterable[Any]:
        values = dict(state)
        possible, new = self._apply(values.get(op.value[0], self.initial), op)
        if not possible:
            return ()
        values[op.value[0]] = new
        return (tuple(sorted(values.items(), key=repr)),)

    def partition(self, history: History) -> list[History]:
        by_key: dict[Any, list[Op]] = defaultdict(list)
        for op in history:
            by_key[self.key(op)].append(op)
        return [tuple(ops) for ops in by_key.values()]


class Counter(Spec):
    """A counter: ``add`` with a delta, ``read`` with the value."""

    name = "counter"

    def __init__(self, initial: int = 0) -> None:
        self.initial = initial

    def init(self) -> Hashable:
        return self.initial

    def validate(self, op: Op) -> str | None:
        if op.f not in ("add", "read"):
            return f"f {op.f!r} is not add or read"
        if op.f == "add" and not _number(op.value):
            return "an add value must be a number"
        return None

    def step(self, state: Any, op: Op) -> Iterable[Any]:
        if op.f == "add":
            return (state + op.value,)
        return (state,) if op.pending or op.result == state else ()

    def unexplained(self, history: Sequence[Op]) -> list[Op]:
        adds = [op for op in history if op.f == "add"]
        found = []
        for op in history:
            if op.f != "read" or op.pending:
                continue
            sums = {self.initial}
            for a in adds:
                if a.invoke < op.end:
                    sums |= {x + a.value for x in sums}
                if len(sums) > _MAX_SUMS:
                    break  # too many to enumerate: assume the read is possible
            else:
                if op.result not in sums:
                    found.append(op)
        return found


#: the specifications the command line knows by name
SPECS: dict[str, Callable[..., Spec]] = {"register": Register, "kv": KV, "counter": Counter}


@dataclass
class Result:
    """A consistency check's answer.  ``failing`` is empty unless the verdict is negative."""

    verdict: str
    operations: int
    seconds: float
    explored: int = 0
    order: tuple[Op, ...] = ()  # a witness: the operations in the order they took effect
    failing: tuple[Op, ...] = ()
    minimal: bool = True  # False when time ran out while the failing sub-history was shrunk
    explanation: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict in (LINEARIZABLE, SEQUENTIAL)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "operations": self.operations,
                "seconds": round(self.seconds, 3), "explored": self.explored,
                "failing": [e for op in self.failing for e in op.to_events()],
                "minimal": self.minimal, "explanation": self.explanation}


class _Timeout(Exception):
    pass


class _Clock:
    def __init__(self, max_seconds: float | None) -> None:
        self.start = time.monotonic()
        self.deadline = None if max_seconds is None else self.start + max_seconds
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.deadline is not None and self.steps % _CLOCK_EVERY == 0 \
                and time.monotonic() > self.deadline:
            raise _Timeout

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.start


def validate(history: Iterable[Op], spec: Spec, source: str | None = None) -> None:
    """Raise HistoryError for the first operation the specification cannot read.

    ``source`` names the file whose line numbers the operations carry.
    """
    for op in history:
        problem = spec.validate(op)
        if problem:
            where = f"{source}:{op.invoke}" if source else f"operation invoked at {op.invoke}"
            raise HistoryError(f"{where}: {op.describe()}: {problem} for a {spec.name}")


# --------------------------------------------------------------------------- linearizability


def _wgl(ops: Sequence[Op], spec: Spec, clock: _Clock) -> tuple[Op, ...] | None:
    """Wing & Gong's search with Lowe's cache: a linearization of ``ops``, or None."""
    entries = sorted([(op.invoke, 0, i) for i, op in enumerate(ops)]
                     + [(op.end, 1, i) for i, op in enumerate(ops)])
    m = len(entries)
    head = m
    is_call = [kind == 0 for _, kind, _ in entries]
    op_of = [i for _, _, i in entries]
    ret_of = [0] * len(ops)
    for node, (_, kind, i) in enumerate(entries):
        if kind:
            ret_of[i] = node
    nxt = list(range(1, m)) + [-1, 0]  # node m is the head sentinel
    prv = [m] + list(range(m - 1)) + [-1]

    def unlink(node: int) -> None:
        nxt[prv[node]] = nxt[node]
        if nxt[node] != -1:
            prv[nxt[node]] = prv[node]

    def relink(node: int) -> None:  # a lifted node keeps its neighbours, so it goes back in place
        nxt[prv[node]] = node
        if nxt[node] != -1:
            prv[nxt[node]] = node

    state = spec.init()
    linearized = 0
    remaining = sum(1 for op in ops if not op.pending)
    seen: set[tuple[int, Any]] = set()
    stack: list[tuple[int, Any]] = []
    entry = nxt[head]
    while remaining:
        clock.tick()
        if is_call[entry]:
            i = op_of[entry]
            for after in spec.step(state, ops[i]):
                key = (linearized | 1 << i, after)
                if key not in seen:
                    seen.add(key)
                    stack.append((entry, state))
                    state, linearized = after, key[0]
                    unlink(entry)
                    unlink(ret_of[i])
                    remaining -= not ops[i].pending
                    entry = nxt[head]
                    break
            else:
                entry = nxt[entry]
        else:  # an operation that must already have taken effect has not: undo the last choice
            if not stack:
                return None
            entry, state = stack.pop()
            i = op_of[entry]
            linearized &= ~(1 << i)
            relink(ret_of[i])
            relink(entry)
            remaining += not ops[i].pending
            # retry the same call: another successor state of a nondeterministic spec may be new
    return tuple(ops[op_of[node]] for node, _ in stack)


def check_linearizable(history: Iterable[Op], spec: Spec | None = None, *,
                       max_seconds: float | None = None, minimise: bool = True) -> Result:
    """Decide whether ``history`` is linearizable for ``spec`` (default: a register from nil).

    Inconclusive when ``max_seconds`` runs out first.  When not linearizable,
    ``failing`` is a minimal failing sub-history (unless ``minimise`` is False
    or time ran out while shrinking: then ``minimal`` is False).
    """
    spec = spec or Register()
    ops = tuple(history)
    validate(ops, spec)
    clock = _Clock(max_seconds)
    order: list[Op] = []
    timed_out = False
    for part in spec.partition(ops):
        try:
            found = _wgl(part, spec, clock)
        except _Timeout:
            timed_out = True
            continue
        if found is None:
            return _failure(part, spec, clock, NOT_LINEARIZABLE, _linearizable_in, minimise)
        order += found
    if timed_out:
        return Result(INCONCLUSIVE, len(ops), clock.seconds, clock.steps,
                      explanation=f"no answer within {max_seconds:g} s")
    return Result(LINEARIZABLE, len(ops), clock.seconds, clock.steps, order=tuple(order))


def _linearizable_in(ops: Sequence[Op], spec: Spec, clock: _Clock) -> bool:
    return all(_wgl(part, spec, clock) is not None for part in spec.partition(tuple(ops)))


def _failure(ops: Sequence[Op], spec: Spec, clock: _Clock, verdict: str,
             holds: Callable[[Sequence[Op], Spec, _Clock], bool], minimise: bool) -> Result:
    failing, minimal = tuple(ops), False
    if minimise:
        odd = spec.unexplained(failing)
        try:
            alone = bool(odd) and not holds(odd[:1], spec, clock)
        except _Timeout:
            alone = False
        if alone:
            failing, minimal = tuple(odd[:1]), True  # a result nobody produced fails on its own
        else:
            failing, minimal = _shrink(
                failing, lambda sub: not spec.unexplained(sub) and not holds(sub, spec, clock))
    why = explain(failing, spec, sequential=verdict == NOT_SEQUENTIAL)
    return Result(verdict, len(ops), clock.seconds, clock.steps, failing=failing,
                  minimal=minimal, explanation=why)


def _shrink(ops: tuple[Op, ...], fails: Callable[[tuple[Op, ...]], bool]) -> tuple[Op, tuple]:
    """Delta debugging by complements: a sub-history from which no single operation can go.

    Returns (sub-history, minimal); on a timeout, the smallest failing one found so far.
    """
    n = 2
    try:
        while len(ops) > 1:
            size = -(-len(ops) // n)
            chunks = [ops[i:i + size] for i in range(0, len(ops), size)]
            for k in range(len(chunks)):
                rest = tuple(op for j, c in enumerate(chunks) if j != k for op in c)
                if rest and fails(rest):
                    ops, n = rest, max(n - 1, 2)
                    break
            else:
                if n >= len(ops):
                    break
                n = min(2 * n, len(ops))
    except _Timeout:
        return ops, False
    return ops, True


# --------------------------------------------------------------------------- sequential consistency


def _sequential(ops: Sequence[Op], spec: Spec, clock: _Clock) -> tuple[Op, ...] | None:
    """An interleaving that keeps each process's order and the results seen, or None.

    Depth first, trying the operation invoked earliest first: the real-time
    order is the one a linearizable history needs, so it is usually found
    without backtracking.
    """
    by_process: dict[Any, list[Op]] = defaultdict(list)
    for op in sorted(ops, key=lambda o: o.invoke):
        by_process[op.process].append(op)
    lanes = list(by_process.values())
    goal = tuple(sum(1 for op in lane if not op.pending) for lane in lanes)
    start = (tuple(0 for _ in lanes), spec.init())
    parent: dict[tuple, tuple | None] = {start: None}
    stack = [start]
    while stack:
        clock.tick()
        node = stack.pop()
        at, state = node
        if all(a >= g for a, g in zip(at, goal, strict=True)):
            order = []
            while parent[node] is not None:
                node, op = parent[node]
                order.append(op)
            return tuple(reversed(order))
        moves = sorted(((lane[at[p]], p) for p, lane in enumerate(lanes) if at[p] < len(lane)),
                       key=lambda m: -m[0].invoke)
        for op, p in moves:  # the earliest invoked is pushed last, so popped first
            for after in spec.step(state, op):
                child = (at[:p] + (at[p] + 1,) + at[p + 1:], after)
                if child not in parent:
                    parent[child] = (node, op)
                    stack.append(child)
    return None


def check_sequential(history: Iterable[Op], spec: Spec | None = None, *,
                     max_seconds: float | None = None, minimise: bool = True) -> Result:
    """Sequential consistency (Lamport 1979): one legal order that keeps every process's own order.

    Weaker than linearizability (no real time across processes) and not local:
    a key-value history is checked as one map.
    """
    spec = spec or Register()
    ops = tuple(history)
    validate(ops, spec)
    clock = _Clock(max_seconds)
    try:
        # a linearization is a sequentially consistent order, and usually much faster to find
        found = _wgl(ops, spec, clock) if len(spec.partition(ops)) == 1 else None
        found = found or _sequential(ops, spec, clock)
    except _Timeout:
        return Result(INCONCLUSIVE, len(ops), clock.seconds, clock.steps,
                      explanation=f"no answer within {max_seconds:g} s")
    if found is None:
        return _failure(ops, spec, clock, NOT_SEQUENTIAL,
                        lambda sub, sp, c: _sequential(sub, sp, c) is not None, minimise)
    return Result(SEQUENTIAL, len(ops), clock.seconds, clock.steps, order=found)


# --------------------------------------------------------------------------- session guarantees


@dataclass(frozen=True)
class SessionViolation:
    """A broken session guarantee: the operations involved and why, in one sentence."""

    guarantee: str
    ops: tuple[Op, ...]
    explanation: str


def _writers(history: Sequence[Op], spec: Spec) -> dict[tuple[Any, Any], list[Op]]:
    found: dict[tuple[Any, Any], list[Op]] = defaultdict(list)
    for op in history:
        value = spec.written(op)
        if value is not _NOTHING:
            found[(spec.key(op), value)].append(op)
    return found


def _older(key: Any, old: Any, new_writers: Sequence[Op], writers: dict, spec: Spec) -> bool:
    """``old`` was certainly overwritten by the time every write of the newer value began."""
    if not new_writers:
        return False
    old_writers = writers.get((key, old), [])
    if not old_writers:  # never written: only the initial value can be read without a write
        return old == spec.initial_value(key)
    return all(w.precedes(n) for w in old_writers for n in new_writers)


def read_your_writes(history: Iterable[Op], spec: Spec | None = None) -> list[SessionViolation]:
    """A process reads, after its own acknowledged write, a value certainly older than it.

    Only certain violations are reported: "older" is by real time (every write
    of the value read completed before the process's write began, or it is the
    initial value that nobody wrote).  Write distinct values to make this exact.
    """
    spec = spec or Register()
    ops = sorted(history, key=lambda o: o.invoke)
    writers = _writers(ops, spec)
    found = []
    by_process: dict[Any, list[Op]] = defaultdict(list)
    for op in ops:
        by_process[op.process].append(op)
    for lane in by_process.values():
        last_write: dict[Any, Op] = {}
        for op in lane:
            seen = spec.observed(op)
            key = spec.key(op)
            mine = last_write.get(key)
            if seen is not _NOTHING and mine is not None and seen != spec.written(mine) \
                    and _older(key, seen, [mine], writers, spec):
                found.append(SessionViolation("read-your-writes", (mine, op), (
                    f"process {mine.process} wrote {_val(spec.written(mine))}{_on(key)} and then "
                    f"read {_val(seen)}, a value overwritten before its own write began")))
            if spec.written(op) is not _NOTHING and not op.pending:
                last_write[key] = op
    return found


def monotonic_reads(history: Iterable[Op], spec: Spec | None = None) -> list[SessionViolation]:
    """A process reads a value certainly older than one it read before (reads go back in time)."""
    spec = spec or Register()
    ops = sorted(history, key=lambda o: o.invoke)
    writers = _writers(ops, spec)
    found = []
    last_read: dict[tuple[Any, Any], Op] = {}
    for op in ops:
        seen = spec.observed(op)
        if seen is _NOTHING:
            continue
        key = spec.key(op)
        before = last_read.get((op.process, key))
        if before is not None:
            prior = spec.observed(before)
            if prior != seen and _older(key, seen, writers.get((key, prior), []), writers, spec):
                found.append(SessionViolation("monotonic reads", (before, op), (
                    f"process {op.process} read {_val(prior)}{_on(key)} and later "
                    f"{_val(seen)}, which {_val(prior)} had overwritten")))
        last_read[(op.process, key)] = op
    return found


# --------------------------------------------------------------------------- explanations


def explain(failing: Sequence[Op], spec: Spec, sequential: bool = False) -> str:
    """One sentence on why a minimal failing sub-history has no legal order."""
    if not sequential:
        specific = _explain_register(failing, spec) if isinstance(spec, Register) else None
        if specific:
            return specific
    n = len(failing)
    if n == 1:
        return f"{failing[0].describe()} cannot happen on the initial {spec.name} state {_val(spec.init())}"
    if sequential:
        return (f"no interleaving of these {n} operations that keeps each process's own order "
                f"gives every operation the result it saw, and without any one of them there is one")
    return (f"no order of these {n} operations that respects real time (one that completed "
            f"before another began comes first) gives every operation the result it saw, and "
            f"without any one of them there is one")


def _explain_register(ops: Sequence[Op], spec: Register) -> str | None:
    writers = _writers(ops, spec)
    for r in ops:
        seen = spec.observed(r)
        if seen is _NOTHING:
            continue
        key = spec.key(r)
        what = "read" if r.f == "read" else f"cas expecting {_val(seen)}"
        mine = writers.get((key, seen), [])
        initial = spec.initial_value(key)
        if not mine and seen != initial:
            return (f"process {r.process}'s {what} found {_val(seen)}{_on(key)}, which no "
                    f"operation wrote and which is not the initial value {_val(initial)}")
        if mine and all(r.precedes(w) for w in mine) and seen != initial:
            return (f"process {r.process}'s {what} found {_val(seen)}{_on(key)} before any write "
                    f"of {_val(seen)} had begun")
        for x in ops:
            new = spec.written(x)
            if new is _NOTHING or new == seen or x is r or not x.precedes(r):
                continue
            if (mine and all(w.precedes(x) for w in mine)) or (not mine and seen == initial):
                source = "the initial value" if not mine else f"written by process {mine[0].process}"
                return (f"process {r.process}'s {what} found {_val(seen)}{_on(key)} ({source}) "
                        f"although process {x.process}'s write of {_val(new)}, which began after "
                        f"{_val(seen)} was in place, had completed before the {r.f} began: "
                        f"a stale {r.f}")
        for earlier in ops:
            prior = spec.observed(earlier)
            if earlier is r or prior is _NOTHING or prior == seen or not earlier.precedes(r):
                continue
            if _older(key, seen, writers.get((key, prior), []), writers, spec) \
                    and spec.key(earlier) == key:
                return (f"process {earlier.process} saw {_val(prior)}{_on(key)}, and later "
                        f"process {r.process} saw {_val(seen)}, which {_val(prior)} had "
                        f"overwritten: the register went back in time")
    return None


def _on(key: Any) -> str:
    return "" if key is None else f" at key {_val(key)}"


def _val(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_val(v) for v in value) + "]"
    return "nil" if value is None else str(value)


def _pair(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --------------------------------------------------------------------------- as a model property


def linearizable(history: Callable[[Any, Any], Sequence[Any]], spec: Callable[[], Spec] = Register,
                 expect: str = "holds", claims: Iterable[str] = (), doc: str = "") -> Any:
    """An invariant: the history a behaviour has recorded so far is linearizable for ``spec()``.

    ``history(model, state)`` returns the behaviour's events
    (:class:`~distcheck.properties.history.Event`, kept in the state with
    :func:`~distcheck.properties.history.record`).  Verdicts are cached per
    history, since many states share one.
    """
    from functools import lru_cache

    from distcheck import Property
    from distcheck.properties.history import operations

    checker = spec()

    @lru_cache(maxsize=1 << 16)
    def ok(events: tuple) -> bool:
        return check_linearizable(operations(events), checker, minimise=False).ok

    return Property(
        kind="invariant",
        fn=lambda self, s: ok(tuple(history(self, s))),
        expect=expect,
        claims=tuple(claims),
        doc=doc or f"the recorded history is linearizable (as a {checker.name})",
    )
