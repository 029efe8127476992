"""Properties of distributed transactions, independent of any one protocol.

Each function returns a :class:`~distcheck.Property` to assign as a class
attribute; small adapters ``(model, state) -> ...`` say, in the model's own
terms, what each participant decided or which branch is done.  Effect-once
properties (a confirm, a refund, a consumed message applied at most / exactly
once) are the shared ones of :mod:`distcheck.properties.effects`.

* :func:`atomicity` -- no participant has committed while another has
  aborted (2PC, 3PC, heuristic decisions);
* :func:`eventually_decided` -- every participant eventually commits or
  aborts (non-blocking; liveness under the model's fairness);
* :func:`all_or_compensated` / :func:`eventually_all_or_compensated` -- for
  compensating designs (TCC, Saga): when the work is over every branch is
  done, or no branch is left done (each was compensated or never ran);
* :func:`undone_only_if_done` -- nothing is undone that was never done (a
  Cancel that releases a reservation Try never made: TCC's empty rollback);
* :func:`no_orphan` -- at quiescence nothing is left behind (a reservation,
  a half message, an undo record);
* :func:`no_dirty_read` / :func:`no_dirty_write` -- isolation between global
  transactions, judged on a :mod:`~distcheck.properties.history` of
  key-value ``read`` and ``write`` operations (values ``[key, v]``) inside
  ``txn`` spans: no read returns a value written by a global transaction
  that has not completed; no write overwrites such a value (Berenson et
  al.'s P1 and P0).  :func:`dirty_reads` and :func:`dirty_writes` list the
  anomalies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from distcheck import Property, eventually
from distcheck.properties import effects
from distcheck.properties.history import Event, HistoryError, Op, operations

#: (model, state) -> each participant's outcome ("committed", "aborted", anything else = undecided)
Outcomes = Callable[[Any, Any], Iterable[Any]]
#: (model, state) -> each branch's status: "done", "compensated", or anything else (never ran)
Branches = Callable[[Any, Any], Iterable[Any]]
#: (model, state) -> bool
Predicate = Callable[[Any, Any], bool]
#: (model, state) -> what is left behind (empty when nothing is)
Leftovers = Callable[[Any, Any], Iterable[Any]]
#: (model, state) -> the history of operations
HistoryOf = Callable[[Any, Any], Iterable[Event]]

Claims = Iterable[str]
COMMITTED, ABORTED = "committed", "aborted"
DONE, COMPENSATED = "done", "compensated"


def _invariant(fn: Callable[[Any, Any], bool], expect: str, doc: str, claims: Claims,
               name: str) -> Property:
    return Property(kind="invariant", fn=fn, expect=expect, doc=doc, claims=tuple(claims),
                    name=name)


def atomicity(outcomes: Outcomes, *, expect: str = "holds", claims: Claims = (), name: str = "",
              doc: str = "") -> Property:
    """No participant has committed while another has aborted (an invariant)."""

    def check(model: Any, s: Any) -> bool:
        seen = set(outcomes(model, s))
        return not (COMMITTED in seen and ABORTED in seen)

    return _invariant(check, expect, doc or "No participant has committed while another has "
                      "aborted (atomicity).", claims, name)


def eventually_decided(outcomes: Outcomes, *, expect: str = "holds", claims: Claims = (),
                       doc: str = "") -> Property:
    """Every participant eventually commits or aborts (liveness: nobody blocks)."""

    def decided(model: Any, s: Any) -> bool:
        return all(o in (COMMITTED, ABORTED) for o in outcomes(model, s))

    return eventually(decided, expect=expect, claims=claims,
                      doc=doc or "Every participant eventually commits or aborts (non-blocking).")


def consistent_branches(statuses: Iterable[Any]) -> bool:
    """Every branch done, or none left done (compensated or never run)."""
    seen = list(statuses)
    return all(b == DONE for b in seen) or DONE not in seen


def all_or_compensated(branches: Branches, over: Predicate, *, expect: str = "holds",
                       claims: Claims = (), name: str = "", doc: str = "") -> Property:
    """Whenever the work is ``over``, every branch is done or every done branch is compensated."""

    def check(model: Any, s: Any) -> bool:
        return not over(model, s) or consistent_branches(branches(model, s))

    return _invariant(check, expect, doc or "When the transaction is over, every branch is done, "
                      "or every branch that was done is compensated.", claims, name)


def eventually_all_or_compensated(branches: Branches, over: Predicate, *, expect: str = "holds",
                                  claims: Claims = (), doc: str = "") -> Property:
    """The transaction eventually ends with every branch done or every done branch compensated."""

    def finished(model: Any, s: Any) -> bool:
        return over(model, s) and consistent_branches(branches(model, s))

    return eventually(finished, expect=expect, claims=claims,
                      doc=doc or "Eventually every branch is done, or every branch that was done "
                                 "is compensated (under fair retries).")


def undone_only_if_done(log: effects.EffectLog, *, done: str, undone: str, expect: str = "holds",
                        claims: Claims = (), name: str = "", doc: str = "") -> Property:
    """No key has its ``undone`` effect applied more often than its ``done`` effect."""

    def check(model: Any, s: Any) -> bool:
        entries = list(log(model, s))
        keys = {e.key for e in entries if e.effect == undone}
        return all(effects.count(entries, k, undone) <= effects.count(entries, k, done)
                   for k in keys)

    return _invariant(check, expect, doc or f"Nothing is {undone} that was never {done} "
                      f"(no '{undone}' without its '{done}').", claims, name)


def no_orphan(leftovers: Leftovers, quiescent: Predicate, *, expect: str = "holds",
              claims: Claims = (), name: str = "", doc: str = "") -> Property:
    """Once the system is ``quiescent`` (nothing more will happen), nothing is left behind."""

    def check(model: Any, s: Any) -> bool:
        return not quiescent(model, s) or not list(leftovers(model, s))

    return _invariant(check, expect, doc or "When nothing more will happen, nothing is left "
                      "behind (no orphaned reservation).", claims, name)


# --------------------------------------------------------------------------- isolation


def _open_txn(ops: tuple[Op, ...], write: Op, at: float, txn: str) -> bool:
    """Whether ``write`` lies inside a ``txn`` of its process that is not completed at ``at``."""
    for t in ops:
        if t.f == txn and t.process == write.process and t.invoke < write.invoke < t.end:
            return t.end > at
    return False


def _kv(pair: Any, op: Op) -> tuple[Any, Any]:
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise HistoryError(f"{op.describe()}: a read or write value must be [key, v] "
                           "(a read invokes [key, None])")
    return pair


def _writes(ops: tuple[Op, ...]) -> list[Op]:
    return [o for o in ops if o.f == "write" and not o.pending]


def dirty_reads(history: Iterable[Event], txn: str = "txn") -> list[tuple[Op, Op]]:
    """(read, write) pairs: the read returned a value written by a ``txn`` not yet completed.

    The write a read saw is the latest completed write of its key with the
    value it returned; a read of a value no operation wrote saw the initial
    state.
    """
    ops = operations(history, spans=(txn,))
    writes = _writes(ops)
    found = []
    for r in ops:
        if r.f != "read" or r.pending:
            continue
        seen = [w for w in writes if _kv(w.value, w) == _kv(r.result, r) and w.end < r.end]
        if not seen:
            continue
        w = max(seen, key=lambda o: o.end)
        if w.process != r.process and _open_txn(ops, w, r.end, txn):
            found.append((r, w))
    return found


def dirty_writes(history: Iterable[Event], txn: str = "txn") -> list[tuple[Op, Op]]:
    """(later write, earlier write) pairs: a write overwrote one of a ``txn`` not yet completed."""
    ops = operations(history, spans=(txn,))
    writes = _writes(ops)
    found = []
    for w2 in writes:
        key = _kv(w2.value, w2)[0]
        before = [w for w in writes if _kv(w.value, w)[0] == key and w.end < w2.invoke]
        if not before:
            continue
        w1 = max(before, key=lambda o: o.end)
        if w1.process != w2.process and _open_txn(ops, w1, w2.invoke, txn):
            found.append((w2, w1))
    return found


def no_dirty_read(history: HistoryOf, *, txn: str = "txn", expect: str = "holds",
                  claims: Claims = (), name: str = "", doc: str = "") -> Property:
    """No read returns a value written by another global transaction before it completed."""
    return _no_anomaly(dirty_reads, history, txn, expect, claims, name,
                       doc or "No read returns another global transaction's uncommitted "
                              "intermediate state (no dirty read).")


def no_dirty_write(history: HistoryOf, *, txn: str = "txn", expect: str = "holds",
                   claims: Claims = (), name: str = "", doc: str = "") -> Property:
    """No write overwrites a value of another global transaction before it completed."""
    return _no_anomaly(dirty_writes, history, txn, expect, claims, name,
                       doc or "No write overwrites another global transaction's uncommitted "
                              "write (no dirty write, no lost update).")


def _no_anomaly(find: Callable[[Iterable[Event], str], list], history: HistoryOf, txn: str,
                expect: str, claims: Claims, name: str, doc: str) -> Property:
    def check(model: Any, s: Any) -> bool:
        return not find(history(model, s), txn)

    return _invariant(check, expect, doc, claims, name)
