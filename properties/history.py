"""Histories of operations on a shared object: what clients asked, and what they were told.

A consistency check (linearizability, sequential consistency, session
guarantees, transaction isolation) never looks inside the system: it reads the
**history** the clients observed.  This module is the one history type the
property library shares, in Jepsen's convention so that histories recorded
from real systems load as they are:

* an **event** is one line of the record: a ``process`` (a client, one
  operation at a time), a ``type`` -- ``invoke`` when the operation starts,
  then ``ok`` (it took effect, with this result), ``fail`` (it certainly did
  not take effect) or ``info`` (the outcome is unknown: a timeout, a crash) --
  an ``f`` (the operation: ``read``, ``write``, ``cas``, ``add``, ``txn``, ...)
  and a ``value`` (the argument on ``invoke``, the result on ``ok``);
* an **operation** (:class:`Op`) pairs an invocation with its completion.
  Failed operations are dropped: they had no effect.  An operation whose
  outcome is unknown (``info``) or that never completed is **pending**: it may
  have taken effect at any time after its invocation, or never, and its result
  is unknown.

Models record a history in their state as a tuple of :class:`Event` (hashable,
appended with :func:`record`, or :func:`instant` for an operation the model
performs in one step), and properties turn it into operations with
:func:`operations`.  Histories from files are read with :func:`read_jsonl`.

``f`` and ``value`` are free-form.  A key-value store's operations carry
``[key, v]`` values (a read invokes ``[key, None]`` and completes with
``[key, value]``).  An atomic transaction is one operation,
``f="txn", value=(("r", "x", None), ("w", "y", 1))``.  A **global
transaction** that runs other operations -- a Saga's local steps, a Seata
branch's writes -- is a **span**: its process invokes ``txn``, runs its
steps as operations of their own, and completes ``txn`` with ``ok``
(committed) or ``fail`` (aborted, compensated); isolation checks
(:mod:`~distcheck.properties.transactions`) read it with
``operations(events, spans=("txn",))``.  A failed span is kept (its steps
did happen, and others may have seen them), marked :attr:`Op.failed`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

#: the event types of Jepsen's history convention
INVOKE, OK, FAIL, INFO = "invoke", "ok", "fail", "info"
EVENT_TYPES = (INVOKE, OK, FAIL, INFO)
#: processes whose events are faults injected by the test harness, not client operations
HARNESS_PROCESSES = ("nemesis",)


class HistoryError(ValueError):
    """A history that is not well formed: the message says where and what to fix."""


class Event(NamedTuple):
    """One event of a history; hashable, so a model can keep its history in its state."""

    process: Any
    type: str
    f: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: invocation and completion paired.

    ``invoke`` and ``complete`` are positions in the history (event indexes,
    or line numbers for a file), so ``a.complete < b.invoke`` says that ``a``
    finished before ``b`` began (real-time order).  A pending operation has
    ``complete`` None and ``result`` None.  ``failed`` marks a span that
    completed with ``fail`` (see :func:`operations`); other failed operations
    are not operations at all.
    """

    index: int
    process: Any
    f: str
    value: Any
    result: Any
    invoke: int
    complete: int | None
    failed: bool = False

    @property
    def pending(self) -> bool:
        return self.complete is None

    @property
    def end(self) -> float:
        """When the operation completed; infinity when pending (it may take effect any time)."""
        return math.inf if self.complete is None else self.complete

    def precedes(self, other: Op) -> bool:
        """Real-time order: this operation completed before ``other`` was invoked."""
        return self.complete is not None and self.complete < other.invoke

    def describe(self) -> str:
        """``process 1: write 3 -> ok`` in the history's own terms."""
        arg = "" if self.value is None else f" {_show(self.value)}"
        outcome = ("pending (outcome unknown)" if self.pending else "fail" if self.failed
                   else f"ok {_show(self.result)}")
        return f"process {_show(self.process)}: {self.f}{arg} -> {outcome}"

    def to_events(self) -> list[dict[str, Any]]:
        """The operation as Jepsen events (JSON-ready), invocation then completion."""
        events = [{"process": self.process, "type": INVOKE, "f": self.f, "value": _json(self.value),
                   "index": self.invoke}]
        if self.complete is not None:
            events.append({"process": self.process, "type": FAIL if self.failed else OK,
                           "f": self.f, "value": _json(self.result), "index": self.complete})
        return events


History = tuple[Op, ...]


def record(history: tuple[Event, ...], process: Any, type: str, f: str,
           value: Any = None) -> tuple[Event, ...]:
    """``history`` with one more event, for models that keep their history in their state."""
    return history + (Event(process, type, f, value),)


def instant(history: tuple[Event, ...], process: Any, f: str, value: Any = None,
            result: Any = None) -> tuple[Event, ...]:
    """``history`` with an operation invoked and completed ``ok`` in one step of a model.

    ``result`` defaults to ``value``: a write's ``ok`` echoes what it wrote,
    and a key-value read of ``[key, None]`` that returns nil is ``[key, None]``.
    """
    history = record(history, process, INVOKE, f, value)
    return record(history, process, OK, f, value if result is None else result)


def operations(events: Iterable[Event | Sequence[Any]],
               positions: Sequence[int] | None = None, source: str | None = None,
               spans: Collection[str] = ()) -> History:
    """Pair invocations with completions; drop failed operations.

    ``positions`` gives each event's position (line numbers of ``source``, a
    file); by default the event's index.  ``spans`` names the operations that
    others of the same process may run inside (``("txn",)`` for global
    transactions): a completion then closes the process's innermost open
    operation, and a span that fails is kept, marked ``failed``.  Raises
    :class:`HistoryError` for a completion without an invocation, a second
    invocation by a process that has one outstanding (outside a span), or an
    unknown event type.
    """
    open_ops: dict[Any, list[tuple[int, Event]]] = {}
    done: list[tuple[int, Event, int | None, Any, bool]] = []
    for i, raw in enumerate(events):
        ev = raw if isinstance(raw, Event) else Event(*raw)
        at = positions[i] if positions is not None else i
        where = f"{source}:{at}" if source else f"event {at}"
        if ev.process in HARNESS_PROCESSES:
            continue
        if ev.type not in EVENT_TYPES:
            raise HistoryError(f"{where}: type {ev.type!r} is not one of {', '.join(EVENT_TYPES)}")
        stack = open_ops.setdefault(ev.process, [])
        if ev.type == INVOKE:
            if stack and stack[-1][1].f not in spans:
                raise HistoryError(f"{where}: process {ev.process!r} invokes {ev.f} while its "
                                   f"{stack[-1][1].f} (at {stack[-1][0]}) "
                                   "is outstanding; one process runs one operation at a time "
                                   "(give a retried or crashed client a new process id)")
            stack.append((at, ev))
            continue
        if not stack:
            raise HistoryError(f"{where}: process {ev.process!r} completes {ev.f} ({ev.type}) "
                               "without an invocation")
        start, inv = stack.pop()
        if ev.f != inv.f:
            raise HistoryError(f"{where}: process {ev.process!r} completes {ev.f} but "
                               f"invoked {inv.f} (at {start})")
        if ev.type == OK:
            done.append((start, inv, at, ev.value, False))
        elif ev.type == INFO:
            done.append((start, inv, None, None, False))
        elif inv.f in spans:
            done.append((start, inv, at, None, True))
        # any other FAIL: the operation certainly had no effect
    done += [(start, inv, None, None, False) for stack in open_ops.values() for start, inv in stack]
    done.sort(key=lambda d: d[0])
    return tuple(Op(n, inv.process, inv.f, inv.value, result, start, end, failed)
                 for n, (start, inv, end, result, failed) in enumerate(done))


def read_jsonl(lines: Iterable[str], source: str = "history") -> History:
    """Operations from Jepsen-style JSON lines (one event object per line; blank lines skipped).

    Each object needs ``process``, ``type`` and ``f``; ``value`` is optional.
    JSON arrays become tuples (``cas`` values ``[expected, new]``, kv values
    ``[key, v]``).  Other fields (``time``, ``index``) are ignored.  Raises
    :class:`HistoryError` naming ``source:line``.
    """
    events: list[Event] = []
    positions: list[int] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HistoryError(f"{source}:{number}: not JSON ({exc.msg}); write one event object "
                               "per line") from None
        if not isinstance(obj, dict):
            raise HistoryError(f"{source}:{number}: expected a JSON object with process, type, f "
                               "and value")
        missing = [k for k in ("process", "type", "f") if k not in obj]
        if missing:
            raise HistoryError(f"{source}:{number}: the event has no {', '.join(missing)}")
        process, f = obj["process"], obj["f"]
        if isinstance(process, (dict, list)) or not isinstance(f, str):
            raise HistoryError(f"{source}:{number}: process must be a number or string and f a "
                               "string")
        events.append(Event(process, str(obj["type"]), f, _hashable(obj.get("value"))))
        positions.append(number)
    return operations(events, positions, source)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return "nil" if value is None else str(value)
