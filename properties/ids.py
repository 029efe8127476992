"""Properties of ID generators, independent of any one generator.

A model binds them with an adapter: a function ``(model, state) -> iterable of
Issued`` listing every ID handed out so far in the behaviour (one entry per
hand-out, duplicates included), each with the node that issued it and the
global tick it was issued at, in each node's issue order.  Availability is
bound with an adapter listing, for each request still waiting, the tick it was
made at.

Availability ("a request for an ID is eventually answered") is expressed here
as a safety property over a bounded horizon: *no request waits more than
``limit`` ticks*.  It is meaningful only in a model where time cannot pass
while an enabled step could answer the request (maximal progress: the model's
``tick`` is disabled while some waiting request can be served), so a request
waits only when the generator cannot answer it -- database down, clock behind
its last timestamp, sequence exhausted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from distcheck import Property


class Issued(NamedTuple):
    """One ID handed out: who issued it, the value, and the global tick."""

    node: int
    value: Any
    at: int = 0


IssuedAdapter = Callable[[Any, Any], Iterable[Issued]]
WaitingAdapter = Callable[[Any, Any], Iterable[int]]
#: a number, or the name of a model attribute (a parameter) holding it
Amount = int | str


def _amount(model: Any, amount: Amount) -> int:
    return getattr(model, amount) if isinstance(amount, str) else amount


def issued_per_node(field: str = "issued") -> IssuedAdapter:
    """The adapter for a state keeping one issue log per node in ``field``.

    Lists every node's log, node 0's first: each node's entries stay in its
    issue order, which is all the per-node checks need.
    """

    def every_issued(model: Any, s: Any) -> list[Issued]:
        return [i for log in getattr(s, field) for i in log]

    return every_issued


# --------------------------------------------------------------------------- plain checks


def duplicate_values(issued: Iterable[Issued]) -> list[Any]:
    """Values handed out more than once (empty when every ID is unique)."""
    counts = Counter(i.value for i in issued)
    return sorted(v for v, n in counts.items() if n > 1)


def all_unique(issued: Iterable[Issued]) -> bool:
    seen: set[Any] = set()
    for i in issued:
        if i.value in seen:
            return False
        seen.add(i.value)
    return True


def increasing_per_node(issued: Iterable[Issued]) -> bool:
    """Each node's IDs, in the order it issued them, strictly increase."""
    last: dict[int, Any] = {}
    for i in issued:
        if i.node in last and not i.value > last[i.node]:
            return False
        last[i.node] = i.value
    return True


def k_sorted(issued: Iterable[Issued], skew: int) -> bool:
    """Global trend: an ID issued ``skew`` or more ticks after another is larger.

    IDs issued closer together than ``skew`` ticks may come out of order
    (k-sortedness, the "trend-increasing" of Snowflake-like generators).
    """
    entries = list(issued)  # logs are short: the quadratic check is the clearest
    return all(b.value > a.value for a in entries for b in entries if b.at >= a.at + skew)


def longest_wait(waiting_since: Iterable[int], now: int) -> int:
    """Ticks the oldest waiting request has waited (0 when none waits)."""
    return max((now - since for since in waiting_since), default=0)


# --------------------------------------------------------------------------- property factories


def unique_ids(issued: IssuedAdapter, expect: str = "holds", claims: Iterable[str] = ()) -> Property:
    """No ID is handed out twice, across all nodes, in any behaviour."""
    return Property(
        kind="invariant",
        fn=lambda self, s: all_unique(issued(self, s)),
        expect=expect,
        claims=tuple(claims),
        doc="every ID handed out, by any node, is unique",
    )


def increasing_ids(issued: IssuedAdapter, expect: str = "holds",
                   claims: Iterable[str] = ()) -> Property:
    """Each node's IDs strictly increase in the order it issues them."""
    return Property(
        kind="invariant",
        fn=lambda self, s: increasing_per_node(issued(self, s)),
        expect=expect,
        claims=tuple(claims),
        doc="each node's IDs strictly increase in issue order",
    )


def trend_ids(issued: IssuedAdapter, skew: Amount, expect: str = "holds",
              claims: Iterable[str] = ()) -> Property:
    """IDs are k-sorted: one issued ``skew`` or more ticks after another is larger."""
    return Property(
        kind="invariant",
        fn=lambda self, s: k_sorted(issued(self, s), _amount(self, skew)),
        expect=expect,
        claims=tuple(claims),
        doc=f"global trend: an ID issued {skew} or more ticks after another is larger",
    )


def answered_within(waiting: WaitingAdapter, now: Callable[[Any], int], limit: Amount,
                    expect: str = "holds", claims: Iterable[str] = ()) -> Property:
    """Availability over a bounded horizon: no request waits more than ``limit`` ticks."""
    return Property(
        kind="invariant",
        fn=lambda self, s: longest_wait(waiting(self, s), now(s)) <= _amount(self, limit),
        expect=expect,
        claims=tuple(claims),
        doc=f"availability: no ID request waits more than {limit} ticks unanswered",
    )


def issued_some(issued: IssuedAdapter, count: int = 1) -> Property:
    """Sanity: some behaviour hands out at least ``count`` IDs (the model is not vacuous)."""
    return Property(
        kind="sometimes",
        fn=lambda self, s: sum(1 for _ in issued(self, s)) >= count,
        doc=f"sometimes {count} IDs have been handed out",
    )
