"""Histories of global transactions, for the isolation checks of `distcheck.properties.transactions`.

Isolation checks (dirty read, dirty write) and linearizability are judged on
what clients saw and when, not on the protocol's internals.  A model that
wants them keeps a **history** in its state: a tuple of :class:`Event`
entries in the order they happened, appended with :func:`invoke`,
:func:`complete` and :func:`instant`::

    history = invoke(s.history, "saga", "txn")                  # the global transaction begins
    history = instant(history, "saga", "write", "A", 0)        # a step writes A := 0
    history = complete(history, "saga", "txn", "fail")         # compensated: it ends in failure

Event types follow Jepsen: ``invoke`` starts an operation; ``ok`` (it took
effect), ``fail`` (it did not) or ``info`` (unknown) completes it.  An
operation ``f`` is whatever the model calls it: ``read``, ``write``, or
``txn`` for a global transaction that spans other operations of the same
process.  :func:`operations` pairs each invocation with its completion.

A history grows with the behaviour, so two interleavings that end in the same
protocol state differ in their histories: keep histories to the operations a
property needs, in models with few steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

INVOKE, OK, FAIL, INFO = "invoke", "ok", "fail", "info"
COMPLETIONS = (OK, FAIL, INFO)


class Event(NamedTuple):
    """One line of a history: ``process`` invokes or completes operation ``f``."""

    process: Any  # who: a client, a global transaction
    type: str  # invoke | ok | fail | info
    f: str  # the operation: read, write, txn, ...
    key: Any = None
    value: Any = None


History = tuple[Event, ...]


class Operation(NamedTuple):
    """An invocation paired with its completion; positions are indexes into the history."""

    process: Any
    f: str
    key: Any
    value: Any  # the completion's value when it has one (a read's result), else the invocation's
    outcome: str | None  # ok | fail | info, None while pending
    invoked: int
    completed: int | None


def invoke(history: History, process: Any, f: str, key: Any = None, value: Any = None) -> History:
    """``history`` with ``process`` invoking ``f``."""
    return (*history, Event(process, INVOKE, f, key, value))


def complete(history: History, process: Any, f: str, outcome: str = OK, key: Any = None,
             value: Any = None) -> History:
    """``history`` with ``process``'s pending ``f`` completed (``ok``, ``fail`` or ``info``)."""
    if outcome not in COMPLETIONS:
        raise ValueError(f"a completion is one of {COMPLETIONS}, not {outcome!r}")
    return (*history, Event(process, outcome, f, key, value))


def instant(history: History, process: Any, f: str, key: Any = None, value: Any = None,
            outcome: str = OK) -> History:
    """An operation that completes as it is invoked (one atomic step of the model)."""
    return complete(invoke(history, process, f, key, value), process, f, outcome, key, value)


def operations(history: Iterable[Event]) -> list[Operation]:
    """Every operation, in order of invocation; a completion closes its process's pending ``f``."""
    ops: list[Operation] = []
    pending: dict[tuple[Any, str], int] = {}  # (process, f) -> index in ops
    for i, e in enumerate(history):
        if e.type == INVOKE:
            pending[(e.process, e.f)] = len(ops)
            ops.append(Operation(e.process, e.f, e.key, e.value, None, i, None))
            continue
        j = pending.pop((e.process, e.f), None)
        if j is None:
            raise ValueError(f"history line {i}: {e.process!r} completes {e.f!r} it never invoked")
        op = ops[j]
        value = e.value if e.value is not None else op.value
        ops[j] = op._replace(value=value, outcome=e.type, completed=i)
    return ops
