"""A reentrant lock (Redisson style): the lock records its owner and a hold count.

Claims: LK-8.  ``lock`` by the owner increments the count, ``unlock``
decrements it and deletes the lock only when it reaches 0 (Redisson keeps a
hash ``lock -> {owner: count}`` updated by Lua scripts, so each call is
atomic).  Each client's program nests ``depth`` acquisitions (a method that
holds the lock calling another that takes it again), then unwinds them.

The ``naive_unlock`` variant counts on lock but deletes the key on every
unlock: the inner unlock frees the lock while the outer method still runs.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Model, Param, action, lane, put, sometimes
from distcheck.models.locks._view import by_client
from distcheck.properties import locks


class ReState(NamedTuple):
    depth: tuple[int, ...]  # how many nested holds each client's program has
    unwinding: tuple[bool, ...]  # the program has reached its innermost call
    owner: int | None  # the lock hash: owner ...
    count: int  # ... and its hold count


class ReentrantLock(Model):
    """Reentrant lock with owner and hold count.  Claims: LK-8.

    Takeaway: a lock that a thread may take again needs an owner and a count,
    and must be freed only when the count returns to 0; with both, nested
    acquisitions neither deadlock nor release early, and mutual exclusion is
    kept.
    """

    id = "locks.reentrant"
    lane_order = ("client", "redis")
    claims = ("LK-8",)
    clients = Param(2, at_least=1, at_most=5, doc="number of clients")
    depth = Param(2, at_least=1, at_most=6, doc="nested acquisitions per client")

    def init(self):
        n = self.clients
        yield ReState(depth=(0,) * n, unwinding=(False,) * n, owner=None, count=0)

    def describe(self, s: ReState) -> dict:
        view = by_client(s, ("depth", "unwinding"))
        view["lock"] = None if s.owner is None else {"owner": s.owner, "count": s.count}
        return view

    @action(client="clients")
    @lane("client {client}", to="redis")
    def lock(self, s: ReState, client: int):
        """HINCRBY lock client 1, if the lock is free or already ours."""
        if s.unwinding[client] or s.depth[client] >= self.depth:
            return None
        if s.owner is None or s.owner == client:
            depth = s.depth[client] + 1
            return s._replace(
                depth=put(s.depth, client, depth),
                unwinding=put(s.unwinding, client, depth == self.depth),
                owner=client, count=s.count + 1,
            )

    @action(client="clients")
    @lane("client {client}", to="redis")
    def unlock(self, s: ReState, client: int):
        """HINCRBY lock client -1; DEL lock when the count reaches 0."""
        if s.unwinding[client] and s.depth[client] > 0 and s.owner == client:
            depth = put(s.depth, client, s.depth[client] - 1)
            owner, count = self.after_unlock(s)
            return s._replace(depth=depth, owner=owner, count=count)

    def after_unlock(self, s: ReState) -> tuple[int | None, int]:
        count = s.count - 1
        return (None, 0) if count == 0 else (s.owner, count)

    def holders(self, s: ReState) -> list[int]:
        return [c for c, d in enumerate(s.depth) if d > 0]

    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="holds", claims=("LK-8",)
    )
    reentrancy = locks.reentrancy(
        hold_counts=lambda self, s: dict(enumerate(s.depth)),
        owner=lambda self, s: s.owner,
        expect="holds", claims=("LK-8",),
    )

    @sometimes()
    def nested(self, s: ReState) -> bool:
        """Sometimes a client holds the lock at full nesting depth (not vacuous)."""
        return self.depth > 1 and s.count == self.depth


class NaiveUnlock(ReentrantLock):
    """Reentrant lock whose unlock deletes the key whatever the count.  Claims: LK-8.

    Takeaway: counting on the way in is not enough: the inner method's
    unlock frees the lock while the outer method still holds it in its own
    view, and another client walks into the critical section.
    """

    id = "locks.reentrant.naive_unlock"
    expected = {"mutual_exclusion": "violated", "reentrancy": "violated"}
    causes = dict.fromkeys(("mutual_exclusion", "reentrancy"),
                           "the inner unlock deletes the key: no fault is needed")

    def after_unlock(self, s: ReState) -> tuple[int | None, int]:
        return None, 0
