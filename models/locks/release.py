"""Releasing a Redis lock with a TTL: plain DEL, GET-compare-then-DEL, atomic compare-and-delete.

Claims: LK-6 (plain DEL deletes another client's lock), LK-6b (GET, compare,
then DEL as two commands: the lock can expire and change hands between them),
LK-6c (one atomic compare-and-delete script never deletes another's lock).

Every client acquires with ``SET lock <its id> NX PX ttl``, works, then
releases.  Work takes as long as it takes: time advances by ``tick`` up to
``horizon`` whatever the holder is doing, and the key expires ``ttl`` ticks
after it was set (the expired key is removed at once: Redis's lazy and active
expiry look the same to a client).
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.models.locks._view import by_client
from distcheck.properties import locks


class Key(NamedTuple):
    owner: int
    expires: int  # the tick at which Redis drops the key


class RelState(NamedTuple):
    pc: tuple[str, ...]  # idle | holding | checked | done
    key: Key | None
    now: int


class _ReleaseModel(Model):
    """What the three release styles share: acquisition, time and the property."""

    clients = Param(2, at_least=1, at_most=5, doc="number of clients")
    ttl = Param(1, at_least=1, doc="key time-to-live, in ticks")
    faults = Faults(tick=2)  # Param horizon=2: the last tick explored
    lane_order = ("client", "redis")

    def init(self):
        yield RelState(pc=("idle",) * self.clients, key=None, now=0)

    def describe(self, s: RelState) -> dict:
        view = by_client(s, ("pc",))
        view["key"] = None if s.key is None else {"owner": s.key.owner, "expires": s.key.expires}
        return view

    @action(client="clients")
    @lane("client {client}", to="redis")
    def acquire(self, s: RelState, client: int):
        """SET lock <client> NX PX ttl."""
        if s.pc[client] == "idle" and s.key is None:
            return s._replace(pc=put(s.pc, client, "holding"), key=Key(client, s.now + self.ttl))

    @fault("tick")
    def tick(self, s: RelState):
        t = self.faults.tick(s)
        if t is not None and t.key is not None and t.now >= t.key.expires:
            return t._replace(key=None)
        return t

    def owner(self, s: RelState) -> int | None:
        return None if s.key is None else s.key.owner

    def delete(self, s: RelState, client: int) -> RelState:
        return s._replace(pc=put(s.pc, client, "done"), key=None)

    @sometimes()
    def released_by_owner(self, s: RelState) -> bool:
        """Sometimes a client has finished its release (not vacuous)."""
        return "done" in s.pc


class PlainDel(_ReleaseModel):
    """Release by plain ``DEL lock``.  Claims: LK-6.

    Takeaway: a holder that outlives its TTL deletes whatever key is there,
    which by then may be the next holder's: that client loses its lock without
    knowing, and a third can take it.  A release must check whose lock it is.
    """

    id = "locks.release.plain_del"
    claims = ("LK-6",)

    @action(client="clients")
    @lane("client {client}", to="redis")
    def release(self, s: RelState, client: int):
        """DEL lock."""
        if s.pc[client] == "holding":
            return self.delete(s, client)

    no_release_of_others = locks.no_release_of_others(
        owner=lambda self, s: self.owner(s), release_actions=("release",),
        expect="violated", claims=("LK-6",), because={"horizon": 0},
    )


class GetCompareDel(_ReleaseModel):
    """Release by ``GET lock``, compare with our id, then ``DEL lock``: two commands.  Claims: LK-6b.

    Takeaway: checking ownership first narrows the window but does not close
    it: the key can expire and be taken by another client between the GET and
    the DEL, and the DEL removes the new holder's lock.  The check and the
    delete must be one atomic command.
    """

    id = "locks.release.get_compare_del"
    claims = ("LK-6b",)

    @action(client="clients")
    @lane("client {client}", to="redis")
    def get_compare(self, s: RelState, client: int):
        """GET lock; if it is ours go on to DEL, else there is nothing to release."""
        if s.pc[client] == "holding":
            if self.owner(s) == client:
                return s._replace(pc=put(s.pc, client, "checked"))
            return s._replace(pc=put(s.pc, client, "done"))

    @action(client="clients")
    @lane("client {client}", to="redis")
    def release(self, s: RelState, client: int):
        """DEL lock (after the GET said it was ours)."""
        if s.pc[client] == "checked":
            return self.delete(s, client)

    no_release_of_others = locks.no_release_of_others(
        owner=lambda self, s: self.owner(s), release_actions=("release",),
        expect="violated", claims=("LK-6b",), because={"horizon": 0},
    )


class CompareAndDelete(_ReleaseModel):
    """Release by one atomic script: ``if GET lock == id then DEL lock``.  Claims: LK-6c.

    Takeaway: executed atomically by Redis, the compare-and-delete can only
    remove the caller's own key; a holder whose TTL ran out releases nothing.
    (It does not make the lock safe against that late holder still working:
    see LK-5 and fencing, LK-11.)
    """

    id = "locks.release.compare_and_delete"
    claims = ("LK-6c",)

    @action(client="clients")
    @lane("client {client}", to="redis")
    def release(self, s: RelState, client: int):
        """EVAL "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"."""
        if s.pc[client] == "holding":
            if self.owner(s) == client:
                return self.delete(s, client)
            return s._replace(pc=put(s.pc, client, "done"))

    no_release_of_others = locks.no_release_of_others(
        owner=lambda self, s: self.owner(s), release_actions=("release",),
        expect="holds", claims=("LK-6c",),
    )
