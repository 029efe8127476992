"""Redlock: one lock over N independent Redis stores, held on a majority within its validity.

Claims: LK-10 (a store that crashes and restarts empty, without fsync, lets a
second client win a majority: two holders), LK-10b (a store that rejoins only
after the TTL has passed keeps mutual exclusion), LK-11 (fencing tokens keep
the resource safe where the lock is not).

A client sets ``lock = id NX PX ttl`` store by store, in a fixed order (a
store it skips is an attempt that failed); once it has a majority it enters its critical section, which it may occupy only for
its validity time: ``ttl - drift_allowance`` counted from the moment it
started acquiring (Redlock's ``validity = ttl - elapsed - drift``).  A client
without a majority may give up at any time, unlocking every store.  The
client honours its validity: time cannot pass its end while it is in the
critical section (no pauses here; see LK-5 and LK-7 for those).  Release is
a compare-and-delete on every store.

Each store has its own clock: ``clock_jump`` moves one store's clock ahead
by ``drift`` ticks (so its keys expire early), within the ``clock_jumps``
budget.  Keys are removed as soon as their store's clock passes their expiry.

Grants and tokens: a client entering its critical section has been granted
the lock; ``grants`` counts the grants, their true order, and each client
keeps the number of its grant.  With it the client gets a fencing token
(:meth:`Redlock.fencing_token`: the next value of a monotonic counter).
Redlock itself provides no such counter (it would need consensus); the
unfenced variants' resource ignores the token, the fenced variant's resource
compares it.  The resource's log records, per accepted write, the token and
the grant it came from; ``no_stale_write`` judges the grant numbers only.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.models.locks._view import by_client, clients_at
from distcheck.properties import locks

IN_CRITICAL_SECTION = ("holding", "wrote")


class StoreKey(NamedTuple):
    owner: int
    expires: int  # in the store's own clock


class RlState(NamedTuple):
    pc: tuple[str, ...]  # idle | acquiring | holding | wrote | done
    got: tuple[frozenset[int], ...]  # stores where the client set its key
    started: tuple[int | None, ...]  # when the client began acquiring
    grant: tuple[int | None, ...]  # the number of the grant each holder got
    token: tuple[int | None, ...]  # the fencing token that came with it
    keys: tuple[StoreKey | None, ...]  # the lock key on each store
    up: tuple[bool, ...]
    down_since: tuple[int | None, ...]
    skew: tuple[int, ...]  # each store's clock minus real time
    now: int
    grants: int  # grants so far: the true order in which clients entered
    accepted: tuple[locks.Write, ...]  # the writes the resource accepted, in order
    crashes_left: int
    clock_jumps_left: int


class Redlock(Model):
    """Redlock over N stores; a store restarts at once, empty.  Claims: LK-10.

    Takeaway: Redlock's majority argument assumes a store remembers the keys
    it granted.  A store that crashes and restarts without them (no fsync,
    or fsync once a second) can grant the same lock again, and with it the
    second client's majority: two holders without any pause or clock drift.
    """

    id = "locks.redlock"
    lane_order = ("client", "redis", "storage")
    claims = ("LK-10",)
    clients = Param(2, at_least=1, at_most=4, doc="number of clients")
    stores = Param(3, at_least=1, at_most=7, doc="independent Redis stores (N)")
    ttl = Param(2, at_least=1, doc="key time-to-live, in ticks")
    # Params horizon=2 (last tick), crashes=1 (store crashes), clock_jumps=1 (used when drift > 0)
    faults = Faults(tick=2, crash=1, clock_jump=1)
    drift = Param(0, at_least=0, doc="ticks one clock_jump moves a store's clock ahead")
    may_be_dead = {"clock_jump": "a clock jumps by drift ticks: never while drift = 0"}
    drift_allowance = Param(0, at_least=0, doc="ticks subtracted from the TTL for validity")
    #: ticks a crashed store must stay down before rejoining (None: at once)
    rejoin_after_ttl = False
    #: the resource rejects tokens lower than one it accepted
    fenced = False

    def setup(self) -> None:
        self.majority = self.stores // 2 + 1
        self.validity = self.ttl - self.drift_allowance

    def init(self):
        n, m = self.clients, self.stores
        yield RlState(
            pc=("idle",) * n, got=(frozenset(),) * n, started=(None,) * n, grant=(None,) * n,
            token=(None,) * n,
            keys=(None,) * m, up=(True,) * m, down_since=(None,) * m, skew=(0,) * m, now=0,
            grants=0, accepted=(), **self.faults.initial(),
        )

    def describe(self, s: RlState) -> dict:
        view = by_client(s, ("pc", "got", "started", "grant", "token"))
        view["stores"] = {
            str(i): {"key": None if k is None else k._asdict(), "up": u, "clock": s.now + d,
                     "down_since": down}
            for i, (k, u, d, down) in enumerate(zip(s.keys, s.up, s.skew, s.down_since,
                                                    strict=True))
        }
        for f in ("down_since", "keys", "up", "skew"):
            view.pop(f)
        return view

    # -- clients --------------------------------------------------------------------------------

    @action(client="clients", store="stores")
    @lane("client {client}", to="redis {store}")
    def lock_store(self, s: RlState, client: int, store: int):
        """SET lock client NX PX ttl on one store."""
        # Stores are tried in a fixed order; a store skipped on the way was a failed attempt.
        if s.pc[client] not in ("idle", "acquiring") or store <= max(s.got[client], default=-1):
            return None
        if not s.up[store] or s.keys[store] is not None:
            return None
        key = StoreKey(client, s.now + s.skew[store] + self.ttl)
        started = s.started if s.pc[client] == "acquiring" else put(s.started, client, s.now)
        return s._replace(
            pc=put(s.pc, client, "acquiring"), got=put(s.got, client, s.got[client] | {store}),
            started=started, keys=put(s.keys, store, key),
        )

    @action(client="clients")
    @lane("client {client}")
    def enter(self, s: RlState, client: int):
        """A majority within the validity time: the lock is ours; take a fencing token."""
        if s.pc[client] != "acquiring" or len(s.got[client]) < self.majority:
            return None
        if s.now >= s.started[client] + self.validity:
            return None
        grant = s.grants + 1
        return s._replace(pc=put(s.pc, client, "holding"), grant=put(s.grant, client, grant),
                          token=put(s.token, client, self.fencing_token(grant)), grants=grant)

    def fencing_token(self, grant: int) -> int:
        """The token handed out with the ``grant``-th grant: a counter that only grows."""
        return grant

    @action(client="clients")
    @lane("client {client}", to="storage")
    def write(self, s: RlState, client: int):
        """Write to the protected resource with our token (checked only when fenced)."""
        if s.pc[client] == "holding":
            accepted = locks.accept_write(s.accepted, s.grant[client], s.token[client],
                                          fenced=self.fenced)
            return s._replace(pc=put(s.pc, client, "wrote"), accepted=accepted)

    @action(client="clients")
    @lane("client {client}")
    def release(self, s: RlState, client: int):
        """Compare-and-delete our key on every store that is up."""
        if s.pc[client] in IN_CRITICAL_SECTION:
            return self._unlock_all(s, client)

    @action(client="clients")
    @lane("client {client}")
    def give_up(self, s: RlState, client: int):
        """No majority (yet) within the validity time: unlock every store and stop trying."""
        if s.pc[client] != "acquiring":
            return None
        if len(s.got[client]) >= self.majority and s.now < s.started[client] + self.validity:
            return None
        return self._unlock_all(s, client)

    def _unlock_all(self, s: RlState, client: int) -> RlState:
        keys = tuple(
            None if k is not None and k.owner == client and s.up[i] else k
            for i, k in enumerate(s.keys)
        )
        # A finished client's bookkeeping no longer matters: forget it (fewer states).
        return s._replace(pc=put(s.pc, client, "done"), keys=keys,
                          got=put(s.got, client, frozenset()),
                          started=put(s.started, client, None),
                          grant=put(s.grant, client, None), token=put(s.token, client, None))

    # -- time and faults --------------------------------------------------------------------------

    def _expire(self, s: RlState) -> RlState:
        keys = tuple(
            None if k is not None and s.now + d >= k.expires else k
            for k, d in zip(s.keys, s.skew, strict=True)
        )
        return s._replace(keys=keys) if keys != s.keys else s

    @fault("tick")
    def tick(self, s: RlState):
        t = self.faults.tick(s)
        if t is None:
            return None
        for c, p in enumerate(s.pc):
            if p in IN_CRITICAL_SECTION and t.now >= s.started[c] + self.validity:
                return None  # the holder leaves before its validity ends
        return self._expire(t)

    @fault("clock_jump", store="stores")
    @lane("redis {store}")
    def clock_jump(self, s: RlState, store: int):
        # A jump of drift=0 ticks would be no fault at all, only a spent budget.
        if self.drift > 0 and self.faults.left(s, "clock_jump") and s.up[store]:
            t = self.faults.spend(s, "clock_jump",
                                  skew=put(s.skew, store, s.skew[store] + self.drift))
            return None if t is None else self._expire(t)

    @fault("crash", store="stores")
    @lane("redis {store}")
    def crash(self, s: RlState, store: int):
        """The store dies; what it had not fsynced, here every key, is lost."""
        # The budget first: most states have none left, and building a crash costs.
        if self.faults.left(s, "crash") and s.up[store]:
            down_since = s.now if self.rejoin_after_ttl else None
            return self.faults.spend(s, "crash", up=put(s.up, store, False),
                                     keys=put(s.keys, store, None),
                                     down_since=put(s.down_since, store, down_since))

    @fault("restart", store="stores")
    @lane("redis {store}")
    def restart(self, s: RlState, store: int):
        if s.up[store]:
            return None
        if self.rejoin_after_ttl and s.now < s.down_since[store] + self.ttl:
            return None
        return s._replace(up=put(s.up, store, True), down_since=put(s.down_since, store, None))

    # -- properties ---------------------------------------------------------------------------------

    def holders(self, s: RlState) -> list[int]:
        return clients_at(s.pc, IN_CRITICAL_SECTION)

    # Both take the variant's claims: each variant's ``claims`` names the ledger row whose
    # verdict its ``expected`` reproduces.
    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="violated", because={"crashes": 0}
    )
    no_stale_write = locks.no_stale_write(expect="violated", because={"crashes": 0})

    @sometimes()
    def lock_granted(self, s: RlState) -> bool:
        """Sometimes a client holds the lock (not vacuous)."""
        return bool(self.holders(s))


class DelayedRestart(Redlock):
    """Redlock; a crashed store rejoins only after one TTL.  Claims: LK-10b.

    Takeaway: delaying a restarted store until every key it could have
    granted has expired restores the majority argument: by then the old
    holder's validity has ended, and with one holder at a time no stale write
    reaches the resource either.  The argument still leans on time: clocks
    that jump further than the drift allowance, or a holder that pauses past
    its validity, break it again (see the clock_drift variant).
    """

    id = "locks.redlock.delayed_restart"
    claims = ("LK-10b",)
    rejoin_after_ttl = True
    expected = {"mutual_exclusion": "holds", "no_stale_write": "holds"}


class DelayedRestartClockDrift(DelayedRestart):
    """Redlock with delayed restart; one store's clock jumps past the drift allowance.  Claims: LK-10.

    Beyond LK-10b, whose delayed restart assumes clocks that drift less than
    the drift allowance: this variant breaks that timing assumption as LK-10
    breaks the storage assumption (a store that remembers its keys), and
    mutual exclusion is violated as LK-10 says, so its verdicts are tagged
    LK-10, not LK-10b.

    Takeaway: Redlock's safety is a timing argument.  A store whose clock
    jumps ahead expires the holder's key early; a second client wins that
    store and a free one, a majority, while the first is still within its
    validity.  Setting ``drift_allowance`` to at least ``drift`` restores
    mutual exclusion in this model; nothing bounds real clock jumps.
    """

    id = "locks.redlock.delayed_restart.clock_drift"
    claims = ("LK-10",)
    defaults = {"drift": 1, "crashes": 0}
    expected = {"mutual_exclusion": "violated", "no_stale_write": "violated"}
    causes = dict.fromkeys(("mutual_exclusion", "no_stale_write"), {"clock_jumps": 0})


class RedlockFenced(Redlock):
    """Redlock (restart at once) with a resource that checks fencing tokens.  Claims: LK-10, LK-11.

    Takeaway: the lock still admits two holders, but the resource accepts a
    write only if its token is at least the highest it has accepted, so the
    older holder's late write is rejected.  The tokens must come from a
    monotonic source Redlock does not provide (a consensus-backed counter).
    """

    id = "locks.redlock.fenced"
    claims = ("LK-10", "LK-11")
    fenced = True
    mutual_exclusion = dataclasses.replace(Redlock.mutual_exclusion, claims=("LK-10",))
    no_stale_write = locks.no_stale_write(expect="holds", claims=("LK-11",))
