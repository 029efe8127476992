"""SETNX then EXPIRE as two commands, against SET NX PX as one.

Claims: LK-4.  Before Redis 2.6.12 a lock with a timeout took two commands:
``SETNX lock id`` and then ``EXPIRE lock ttl``.  A client that crashes
between them leaves a key with no expiry, and the lock is never free again
(seed §7: "early versions had no timeout argument ... deadlock if the client
goes down midway").  The ``set_nx_px`` variant sets value and expiry in one
command; the lock then frees itself ``ttl`` ticks after its holder died.

Time advances by ``tick`` up to ``horizon``, and beyond it while a key with
an expiry is still waiting for it (so a crash near the horizon is not
mistaken for a stuck lock).  ``tick`` is weakly fair: time passes.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.models.locks._view import by_client
from distcheck.properties import locks


class Key(NamedTuple):
    owner: int
    expires: int | None  # None: no TTL (yet)


class SxState(NamedTuple):
    pc: tuple[str, ...]  # idle | set (SETNX done, no TTL yet) | holding | done | crashed
    key: Key | None
    now: int
    crashes_left: int


class SetnxThenExpire(Model):
    """SETNX, then EXPIRE: two commands, a crash between them.  Claims: LK-4.

    Takeaway: a lock must never exist, even for one round trip, without the
    expiry that frees it.  Two commands leave a window in which a crash
    produces an immortal key; set the value and the expiry atomically
    (``SET key id NX PX ttl``).
    """

    id = "locks.setnx_then_expire"
    lane_order = ("client", "redis")
    claims = ("LK-4",)
    clients = Param(2, at_least=1, at_most=5, doc="number of clients")
    ttl = Param(1, at_least=1, doc="key time-to-live, in ticks")
    # Params horizon=1 (last tick explored; time goes on while a TTL runs), crashes=1 (clients)
    faults = Faults(tick=1, crash=1, restart=False)
    weak_fair = ("all_protocol", "tick")
    #: SET NX PX: value and expiry in one command
    atomic = False

    def init(self):
        yield SxState(pc=("idle",) * self.clients, key=None, now=0, **self.faults.initial())

    def describe(self, s: SxState) -> dict:
        view = by_client(s, ("pc",))
        view["key"] = None if s.key is None else s.key._asdict()
        return view

    @action(client="clients")
    @lane("client {client}", to="redis")
    def setnx(self, s: SxState, client: int):
        """SETNX lock client (SET lock client NX PX ttl in the atomic variant)."""
        if s.pc[client] == "idle" and s.key is None:
            if self.atomic:
                return s._replace(pc=put(s.pc, client, "holding"),
                                  key=Key(client, s.now + self.ttl))
            return s._replace(pc=put(s.pc, client, "set"), key=Key(client, None))

    @action(client="clients")
    @lane("client {client}", to="redis")
    def set_expiry(self, s: SxState, client: int):
        """EXPIRE lock ttl: the client's second command (``expire`` is reserved for the server)."""
        if s.pc[client] == "set":
            key = s.key
            if key is not None and key.owner == client:
                key = Key(client, s.now + self.ttl)
            return s._replace(pc=put(s.pc, client, "holding"), key=key)

    @action(client="clients")
    @lane("client {client}", to="redis")
    def release(self, s: SxState, client: int):
        """Compare-and-delete."""
        if s.pc[client] == "holding":
            key = None if s.key is not None and s.key.owner == client else s.key
            return s._replace(pc=put(s.pc, client, "done"), key=key)

    @fault("crash", client="clients")
    @lane("client {client}")
    def crash(self, s: SxState, client: int):
        if s.pc[client] in ("idle", "set", "holding"):
            return self.faults.spend(s, "crash", pc=put(s.pc, client, "crashed"))

    @fault("tick")
    def tick(self, s: SxState):
        ttl_running = s.key is not None and s.key.expires is not None
        t = self.faults.tick(s, past_horizon=ttl_running)
        if t is not None and ttl_running and t.now >= t.key.expires:
            return t._replace(key=None)
        return t

    def owner(self, s: SxState) -> int | None:
        return None if s.key is None else s.key.owner

    eventually_free = locks.eventually_free(
        owner=lambda self, s: self.owner(s),
        crashed=lambda self, s, c: s.pc[c] == "crashed",
        expect="violated", claims=("LK-4",), because={"crashes": 0},
    )

    @sometimes()
    def lock_taken(self, s: SxState) -> bool:
        """Sometimes a client holds the lock with its TTL set (not vacuous)."""
        return s.key is not None and s.key.expires is not None and s.pc[s.key.owner] == "holding"


class SetNxPx(SetnxThenExpire):
    """SET lock id NX PX ttl: value and expiry in one command.  Claims: LK-4.

    Beyond LK-4: the fix it points to, so ``eventually_free`` holds here
    where LK-4 (two commands) expects it violated.

    Takeaway: with the expiry set atomically, a crashed holder's lock is
    free one TTL later, whenever the crash happens.
    """

    id = "locks.setnx_then_expire.set_nx_px"
    atomic = True
    may_be_dead = {"set_expiry": "SET NX PX sets the expiry in the same command"}
    expected = {"eventually_free": "holds"}
