"""Idempotent APIs: a duplicate request gets the first request's answer.

Counting effects (at most once, exactly once, eventually applied) is
:mod:`distcheck.properties.effects`; this module adds what an idempotent API
promises its *callers*: a client that sends a request again after a timeout
gets the answer the first copy got (the same order number, the same payment
id), not a second order and not a bare "duplicate" mark it cannot interpret.

As with effects, the model keeps the evidence apart from the mechanism under
test: every answer a server gives is appended with :func:`record_answer` to
an **answer log** in the state (a sorted tuple of :class:`Answer`, whether or
not the client still waits for it), and :func:`same_answer` compares the
answers given for each key::

    return s._replace(answers=record_answer(s.answers, order, f"order {row_id}"))

    duplicate_same_answer = idempotency.same_answer(lambda self, s: s.answers)

Bind it only where the design promises it (a stored response, a unique key
whose existing row is returned); designs that answer a duplicate with an
error are judged by the effect properties alone.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from distcheck import Property

Claims = Iterable[str]


class Answer(NamedTuple):
    """One answer a server gave to a copy of the request with this key."""

    key: Any
    value: Any


#: (model, state) -> the answer log (an iterable of Answer)
AnswerLog = Callable[[Any, Any], Iterable[Answer]]


def record_answer(log: tuple[Answer, ...], key: Any, value: Any) -> tuple[Answer, ...]:
    """``log`` with one more answer, kept sorted so the order of answers does not split states."""
    entries = list(log)
    insort(entries, Answer(key, value))
    return tuple(entries)


def conflicting_answers(log: Iterable[Answer]) -> dict[Any, list[Any]]:
    """The keys that were given more than one distinct answer, with those answers (sorted)."""
    seen: dict[Any, set[Any]] = {}
    for a in log:
        seen.setdefault(a.key, set()).add(a.value)
    return {k: sorted(v, key=repr) for k, v in sorted(seen.items(), key=repr) if len(v) > 1}


def same_answer(
    log: AnswerLog,
    *,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
) -> Property:
    """Every copy of a request gets the same answer as the first (an invariant over the log)."""

    def check(model: Any, s: Any) -> bool:
        return not conflicting_answers(log(model, s))

    return Property(
        kind="invariant",
        fn=check,
        expect=expect,
        doc=doc or "A duplicate request gets the first request's answer.",
        claims=tuple(claims),
        name=name,
    )
