"""Business effects counted from a log the model keeps: at most once, exactly once, eventually.

"Exactly once" is what payment, order and messaging designs promise, and the
mechanism that is meant to deliver it (a token, a status record, a dedup
table, an idempotent consumer) is exactly what must *not* be asked whether it
worked.  So a model records every business effect where it happens -- the
debit applied, the reservation made, the message consumed -- in an
**effect log** kept in its state, apart from the mechanism under test, and
these properties count entries in that log.  Shared by the transaction and
idempotency families and usable in users' models.

The log is a multiset of :class:`Effect` entries (a key such as the order id
or idempotency key, and what was done to it), stored as a sorted tuple so
that two behaviours applying the same effects in another order reach the same
state.  Models append with :func:`record`::

    class S(NamedTuple):
        ...
        effects: tuple[Effect, ...] = ()

    @action(c="clients")
    def charge(self, s, c):
        ...
        return s._replace(effects=record(s.effects, s.order[c], "debit"))

    at_most_once_debit = effects.at_most_once(lambda self, s: s.effects, effect="debit")

Properties (each returns a :class:`~distcheck.Property`; the property's name
is the attribute it is assigned to):

* :func:`at_most_once` -- no (key, effect) is applied twice (an invariant);
* :func:`exactly_once` -- in every state where the model says the work is
  over (``done``), each key it expects has its effect exactly once;
* :func:`eventually_applied` -- a requested key's effect is eventually
  applied (liveness, under the model's fairness: fair retries);
* :func:`duplicates` and :func:`missing` -- the plain counts, for messages
  and for tests on hand-made logs.
"""

from __future__ import annotations

from bisect import insort
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from distcheck import Property, leads_to


class Effect(NamedTuple):
    """One business effect applied: to which key, and what was done."""

    key: Any
    effect: str = "applied"


#: (model, state) -> the effect log (an iterable of Effect)
EffectLog = Callable[[Any, Any], Iterable[Effect]]
#: (model, state) -> the keys whose effect the design promises
Keys = Callable[[Any, Any], Iterable[Any]]
#: (model, state) -> whether the behaviour's work is over (quiescence)
Done = Callable[[Any, Any], bool]

Claims = Iterable[str]


def record(log: tuple[Effect, ...], key: Any, effect: str = "applied") -> tuple[Effect, ...]:
    """``log`` with one more ``effect`` on ``key``, kept sorted (a multiset as a tuple)."""
    entries = list(log)
    insort(entries, Effect(key, effect))
    return tuple(entries)


def count(log: Iterable[Effect], key: Any, effect: str | None = None) -> int:
    """How many times ``effect`` (any effect when None) was applied to ``key``."""
    return sum(1 for e in log if e.key == key and (effect is None or e.effect == effect))


def duplicates(log: Iterable[Effect], effect: str | None = None) -> list[tuple[Effect, int]]:
    """The (key, effect) entries applied more than once, with their counts, in sorted order."""
    counts = Counter(e for e in log if effect is None or e.effect == effect)
    return sorted((e, n) for e, n in counts.items() if n > 1)


def missing(log: Iterable[Effect], keys: Iterable[Any], effect: str | None = None) -> list[Any]:
    """The keys among ``keys`` whose ``effect`` was never applied, in sorted order."""
    entries = list(log)
    return sorted({k for k in keys if count(entries, k, effect) == 0}, key=repr)


def _what(effect: str | None) -> str:
    return f"'{effect}' effect" if effect else "effect"


def at_most_once(
    log: EffectLog,
    *,
    effect: str | None = None,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
) -> Property:
    """No key has its ``effect`` (each effect, when None) applied more than once (an invariant)."""

    def check(model: Any, s: Any) -> bool:
        return not duplicates(log(model, s), effect)

    return Property(
        kind="invariant",
        fn=check,
        expect=expect,
        doc=doc or f"Each key's {_what(effect)} is applied at most once.",
        claims=tuple(claims),
        name=name,
    )


def exactly_once(
    log: EffectLog,
    keys: Keys,
    done: Done,
    *,
    effect: str | None = None,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
) -> Property:
    """Once the work is over (``done``), every promised key has its effect exactly once.

    An invariant checked in every state where ``done`` holds: neither lost
    (count 0) nor doubled (count 2 or more).  Pair it with
    :func:`eventually_applied` to say that the work does get over.
    """

    def check(model: Any, s: Any) -> bool:
        if not done(model, s):
            return True
        entries = list(log(model, s))
        return all(count(entries, k, effect) == 1 for k in keys(model, s))

    return Property(
        kind="invariant",
        fn=check,
        expect=expect,
        doc=doc or f"When the work is over, each promised key's {_what(effect)} is applied "
                   "exactly once (none lost, none doubled).",
        claims=tuple(claims),
        name=name,
    )


def eventually_applied(
    requested: Callable[[Any, Any], bool],
    log: EffectLog,
    keys: Keys,
    *,
    effect: str | None = None,
    expect: str = "holds",
    claims: Claims = (),
    name: str = "",
    doc: str = "",
) -> Property:
    """Whenever ``requested`` holds, every promised key's effect is applied then or later.

    Liveness (``requested ~> applied``), judged under the model's declared
    fairness, e.g. weakly fair client retries and a store that restarts.
    """

    def applied(model: Any, s: Any) -> bool:
        entries = list(log(model, s))
        return all(count(entries, k, effect) >= 1 for k in keys(model, s))

    prop = leads_to(
        requested,
        applied,
        expect=expect,
        doc=doc or f"A request's {_what(effect)} is eventually applied.",
        claims=tuple(claims),
    )
    prop.name = name
    return prop
