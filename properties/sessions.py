"""Session guarantees over a recorded history: read your writes, monotonic reads.

The cheap client-centric guarantees of Terry et al.'s session guarantees
(1994), for one object per session whose writes produce increasing versions
(a session's attribute map, rewritten as a whole).  A model records every
completed operation in its state as an :class:`Op` -- which client, ``read``
or ``write``, and the version written or the version the read returned -- and
these properties check the history:

* :func:`read_your_writes` -- a read returns the client's own latest write
  or a later version, never an older one;
* :func:`monotonic_reads` -- a client's reads never go back to an older
  version than one it read before.

``ryw_violation`` and ``monotonic_violation`` return the first offending
pair of operations (or None), for messages and for tests on hand-made
histories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from distcheck import Property


class Op(NamedTuple):
    """One completed operation: ``kind`` is "read" or "write"; ``version`` written or read."""

    client: Any
    kind: str
    version: int


#: (model, state) -> the history of completed operations, in real-time order
History = Callable[[Any, Any], Sequence[Op]]


def ryw_violation(history: Iterable[Op]) -> tuple[Op, Op] | None:
    """The first (write, read) where a client read a version older than it had written."""
    written: dict[Any, Op] = {}
    for op in history:
        if op.kind == "write":
            written[op.client] = op
        elif op.client in written and op.version < written[op.client].version:
            return written[op.client], op
    return None


def monotonic_violation(history: Iterable[Op]) -> tuple[Op, Op] | None:
    """The first (read, later read) by one client where the later one returned an older version."""
    seen: dict[Any, Op] = {}
    for op in history:
        if op.kind != "read":
            continue
        if op.client in seen and op.version < seen[op.client].version:
            return seen[op.client], op
        seen[op.client] = op
    return None


def _invariant(found: Callable[[Iterable[Op]], Any], history: History, expect: str,
               claims: Iterable[str], name: str, doc: str) -> Property:
    def check(model: Any, s: Any) -> bool:
        return found(history(model, s)) is None

    return Property(kind="invariant", fn=check, expect=expect, doc=doc, claims=tuple(claims),
                    name=name)


def read_your_writes(history: History, *, expect: str = "holds", claims: Iterable[str] = (),
                     name: str = "", doc: str = "") -> Property:
    """No client reads a version older than its own latest write (an invariant on the history)."""
    return _invariant(ryw_violation, history, expect, claims, name,
                      doc or "a client reads its own latest write or something newer")


def monotonic_reads(history: History, *, expect: str = "holds", claims: Iterable[str] = (),
                    name: str = "", doc: str = "") -> Property:
    """No client reads a version older than one it read before (an invariant on the history)."""
    return _invariant(monotonic_violation, history, expect, claims, name,
                      doc or "a client's reads never go back to an older version")
