"""Single-instance Redis lock: SET key client NX PX ttl; work; compare-and-delete.

Claims: LK-5 (a holder that pauses longer than the TTL loses the key while it
still believes it holds the lock: mutual exclusion is violated), LK-11
(fencing tokens checked by the resource keep it safe all the same).

A client acquires with one atomic ``SET lock <client> NX PX ttl``, writes to
the protected resource, and releases with a compare-and-delete script (delete
the key only if it still holds the client's own value).  Redis expires the key
``ttl`` ticks after it was set.

Timing assumption (written as a guard on ``tick``): the work of a running
holder finishes within the TTL, so time cannot pass the expiry of a key whose
holder is running.  LK-5 is exactly the case this assumption leaves out: the
``pause`` fault (a GC or VM pause) stops the holder, and only a paused
holder outlives its key.  Take the pause away (``pauses=0``) and the guard
makes mutual exclusion hold; the violation comes from the pause, not from
the guard.  Ticks happen only while a key exists, since nothing else in the
model reads the clock.

Grants and tokens: each successful SET is a grant; the lock service's state
counts them (``granted``), the true order of grants, and each client keeps
the number of its grant.  The client presents a fencing token
(:meth:`SetNxPx.fencing_token` of its grant: a monotonic counter) with its
write; the resource's log records, for each write it accepted, the token it
compared and the grant it came from (:class:`distcheck.properties.locks.Write`).
``no_stale_write`` is judged on the grant numbers only, so it is not the
resource's own rule restated.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.models.locks._view import by_client, clients_at
from distcheck.properties import locks

IN_CRITICAL_SECTION = ("holding", "wrote")


class RedisLock(NamedTuple):
    pc: tuple[str, ...]  # idle | holding | wrote | done
    grant: tuple[int | None, ...]  # the number of the grant each client got
    token: tuple[int | None, ...]  # the fencing token that came with it
    paused: tuple[bool, ...]
    key: int | None  # the client whose value the lock key holds; None when absent
    expires: int  # tick at which Redis expires the key
    granted: int  # grants so far: the lock service's grant sequence
    accepted: tuple[locks.Write, ...]  # the writes the resource accepted, in order
    now: int
    pauses_left: int


class SetNxPx(Model):
    """SET NX PX lock, holder paused past the TTL.  Claims: LK-5.

    Takeaway: a lock with a TTL is a lease.  A holder paused longer than the
    TTL loses the key while it still believes it holds the lock; another
    client acquires it and both are in the critical section.  The paused
    holder's write then lands after the newer holder's: a stale write.
    """

    id = "locks.redis_set_nx_px"
    lane_order = ("client", "redis", "storage")
    claims = ("LK-5",)
    clients = Param(2, at_least=1, at_most=5, doc="number of clients competing for the lock")
    ttl = Param(2, at_least=1, doc="ticks before Redis expires the key (PX)")
    faults = Faults(pause=1, tick=3)  # Params pauses=1 (GC pauses per behaviour), horizon=3
    #: the resource rejects tokens lower than the highest it accepted
    fenced = False

    def init(self):
        n = self.clients
        yield RedisLock(
            pc=("idle",) * n, grant=(None,) * n, token=(None,) * n, paused=(False,) * n, key=None, expires=0,
            granted=0, accepted=(), now=0, **self.faults.initial(),
        )

    def describe(self, s: RedisLock) -> dict:
        return by_client(s, ("pc", "grant", "token", "paused"))

    def runnable(self, s: RedisLock, c: int, at: str) -> bool:
        return s.pc[c] == at and not s.paused[c]

    # -- the client ------------------------------------------------------------------------

    @action(client="clients")
    @lane("client {client}", to="redis")
    def acquire(self, s: RedisLock, client: int):
        """SET lock <client> NX PX ttl: succeeds only if the key is absent."""
        if self.runnable(s, client, "idle") and s.key is None:
            grant = s.granted + 1
            return s._replace(pc=put(s.pc, client, "holding"), grant=put(s.grant, client, grant),
                              token=put(s.token, client, self.fencing_token(grant)),
                              key=client, expires=s.now + self.ttl, granted=grant)

    def fencing_token(self, grant: int) -> int:
        """The token handed out with the ``grant``-th grant: a counter that only grows."""
        return grant

    @action(client="clients")
    @lane("client {client}", to="storage")
    def write(self, s: RedisLock, client: int):
        """Write to the protected resource, presenting our token (checked only when fenced)."""
        if self.runnable(s, client, "holding"):
            accepted = locks.accept_write(s.accepted, s.grant[client], s.token[client],
                                          fenced=self.fenced)
            return s._replace(pc=put(s.pc, client, "wrote"), accepted=accepted)

    @action(client="clients")
    @lane("client {client}", to="redis")
    def release(self, s: RedisLock, client: int):
        """Compare-and-delete: delete the key only if it still holds our value."""
        if self.runnable(s, client, "wrote"):
            s = s._replace(pc=put(s.pc, client, "done"))
            return s._replace(key=None, expires=0) if s.key == client else s

    # -- faults and time -------------------------------------------------------------------

    @fault("pause", client="clients")
    @lane("client {client}")
    def pause(self, s: RedisLock, client: int):
        """A stop-the-world pause in the critical section."""
        if s.pc[client] in IN_CRITICAL_SECTION and not s.paused[client]:
            return self.faults.spend(s, "pause", paused=put(s.paused, client, True))

    @fault("resume", client="clients")
    @lane("client {client}")
    def resume(self, s: RedisLock, client: int):
        if s.paused[client]:
            return s._replace(paused=put(s.paused, client, False))

    @fault("tick")
    def tick(self, s: RedisLock):
        """One tick passes; Redis expires the key when its time is up."""
        if s.key is None:
            return None
        expiring = s.now + 1 >= s.expires
        if expiring and not s.paused[s.key]:
            return None  # the timing assumption: a running holder is done within its TTL
        t = self.faults.tick(s)
        return t._replace(key=None, expires=0) if t is not None and expiring else t

    # -- properties ------------------------------------------------------------------------

    def holders(self, s: RedisLock) -> list[int]:
        return clients_at(s.pc, IN_CRITICAL_SECTION)

    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="violated", claims=("LK-5",),
        because={"pauses": 0},
    )
    no_stale_write = locks.no_stale_write(expect="violated", claims=("LK-5",),
                                          because={"pauses": 0})
    no_release_of_others = locks.no_release_of_others(
        owner=lambda self, s: s.key, release_actions=("release",), claims=("LK-6c",))

    @sometimes()
    def lock_handed_over(self, s: RedisLock) -> bool:
        """Sometimes a client gets the lock after another released it (not vacuous)."""
        return "done" in s.pc and s.key is not None


class SetNxPxFencing(SetNxPx):
    """SET NX PX lock with fencing tokens checked by the resource.  Claims: LK-5, LK-11.

    Takeaway: the lock still admits two holders after a pause past the TTL,
    but each grant carries a larger token and the resource rejects a token
    lower than the highest it accepted, so the paused holder's late write is
    refused: the resource stays safe although the lock does not.  (Safe only
    because the tokens grow with the grants: a token source that does not is
    caught by ``no_stale_write``, see tests/test_faults.py.)
    """

    id = "locks.redis_set_nx_px.fencing"
    claims = ("LK-5", "LK-11")
    fenced = True
    no_stale_write = locks.no_stale_write(expect="holds", claims=("LK-11",))
