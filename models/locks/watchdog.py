"""Watchdog renewal (Redisson style): a thread in the holder's process keeps extending the TTL.

Claims: LK-7.  The lock is ``SET lock id NX PX ttl``; while the holder's
process lives, a watchdog thread renews the TTL well before it runs out
(Redisson: every ttl/3).  The timing assumption this relies on is written
as a guard on ``tick``: while the holder's watchdog thread is alive, not
paused and has a renewal to make (``renew`` is enabled), time cannot carry
the clock past the key's expiry: the renewal is urgent and the thread gets
the CPU in time.  The guard defers to ``renew`` and nothing else: a model
without ``renew`` (``renew = None``), or a holder whose process is paused,
lets the key expire under the holder, and mutual exclusion fails
(tests/test_locks.py checks the former).

A crash kills the watchdog with the process: the key then expires and the
lock is free again.  A pause (GC, VM freeze) stops every thread of the
process, the watchdog included: the key expires, another client takes the
lock, and the paused holder resumes inside its critical section.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, invariant, lane, put, sometimes
from distcheck.models.locks._view import by_client, clients_at
from distcheck.properties import locks

IN_CRITICAL_SECTION = ("holding",)


class Key(NamedTuple):
    owner: int
    expires: int
    since: int  # when the owner acquired it (renewals keep it)


class WdState(NamedTuple):
    pc: tuple[str, ...]  # idle | holding | done | crashed
    paused: tuple[bool, ...]
    key: Key | None
    now: int
    pauses_left: int
    crashes_left: int


class Watchdog(Model):
    """SET NX PX with a watchdog renewing the TTL; no process pauses.  Claims: LK-7.

    Takeaway: renewal removes the guess "how long will the work take": while
    the holder's process runs, its lock never expires, and when the process
    dies the renewals stop and the lock becomes free after one TTL.
    """

    id = "locks.watchdog"
    lane_order = ("client", "redis")
    claims = ("LK-7",)
    clients = Param(2, at_least=1, at_most=5, doc="number of clients")
    ttl = Param(2, at_least=2, doc="key time-to-live, in ticks (the watchdog renews before it ends)")
    # Params horizon=4 (last tick explored), pauses=0 (whole-process pauses), crashes=1 (clients)
    faults = Faults(tick=4, pause=0, crash=1, restart=False)
    weak_fair = ("all_protocol", "tick")

    def init(self):
        n = self.clients
        yield WdState(pc=("idle",) * n, paused=(False,) * n, key=None, now=0,
                      **self.faults.initial())

    def describe(self, s: WdState) -> dict:
        view = by_client(s, ("pc", "paused"))
        view["key"] = None if s.key is None else s.key._asdict()
        return view

    def running(self, s: WdState, c: int) -> bool:
        return s.pc[c] == "holding" and not s.paused[c]

    @action(client="clients")
    @lane("client {client}", to="redis")
    def acquire(self, s: WdState, client: int):
        """SET lock client NX PX ttl (and start the watchdog)."""
        if s.pc[client] == "idle" and not s.paused[client] and s.key is None:
            return s._replace(pc=put(s.pc, client, "holding"),
                              key=Key(client, s.now + self.ttl, s.now))

    @action(client="clients")
    @lane("client {client}", to="redis")
    def renew(self, s: WdState, client: int):
        """The watchdog: PEXPIRE lock ttl, if the key is still ours."""
        if self.running(s, client) and s.key is not None and s.key.owner == client:
            if s.key.expires != s.now + self.ttl:
                return s._replace(key=s.key._replace(expires=s.now + self.ttl))

    @action(client="clients")
    @lane("client {client}", to="redis")
    def release(self, s: WdState, client: int):
        """Compare-and-delete, and stop the watchdog."""
        if self.running(s, client):
            key = None if s.key is not None and s.key.owner == client else s.key
            return s._replace(pc=put(s.pc, client, "done"), key=key)

    @fault("tick")
    def tick(self, s: WdState):
        key = s.key
        # Beyond the horizon time goes on only while an abandoned key waits for its expiry.
        t = self.faults.tick(s, past_horizon=key is not None and not self.running(s, key.owner))
        if t is None or key is None or t.now < key.expires:
            return t
        if self.renewal_due(s, key.owner):
            return None  # the watchdog thread renews before the key runs out
        return t._replace(key=None)

    def renewal_due(self, s: WdState, client: int) -> bool:
        """``client``'s watchdog can renew now: it is alive, not paused, and the key is its own."""
        renew = getattr(self, "renew", None)  # a variant may remove the action
        return renew is not None and renew(s, client) is not None

    @fault("pause", client="clients")
    @lane("client {client}")
    def pause(self, s: WdState, client: int):
        """The whole process stops: worker and watchdog threads alike."""
        if self.running(s, client):
            return self.faults.spend(s, "pause", paused=put(s.paused, client, True))

    @fault("resume", client="clients")
    @lane("client {client}")
    def resume(self, s: WdState, client: int):
        if s.paused[client]:
            return s._replace(paused=put(s.paused, client, False))

    @fault("crash", client="clients")
    @lane("client {client}")
    def crash(self, s: WdState, client: int):
        if s.pc[client] in ("idle", "holding"):
            return self.faults.spend(s, "crash", pc=put(s.pc, client, "crashed"),
                                     paused=put(s.paused, client, False))

    # -- properties ---------------------------------------------------------------------------

    def holders(self, s: WdState) -> list[int]:
        return clients_at(s.pc, IN_CRITICAL_SECTION)

    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="holds", claims=("LK-7",)
    )

    @invariant(expect="holds", claims=("LK-7",))
    def lease_kept(self, s: WdState) -> bool:
        """A holder that is alive and running still owns its key (it never expired under it)."""
        return all(s.key is not None and s.key.owner == c
                   for c in self.holders(s) if not s.paused[c])

    eventually_free = locks.eventually_free(
        owner=lambda self, s: None if s.key is None else s.key.owner,
        crashed=lambda self, s, c: s.pc[c] == "crashed",
        expect="holds", claims=("LK-7",),
    )

    @sometimes()
    def renewed(self, s: WdState) -> bool:
        """Sometimes a holder keeps its lock past its first TTL (the watchdog works)."""
        return s.key is not None and s.key.expires > s.key.since + self.ttl


class WatchdogProcessPause(Watchdog):
    """Watchdog renewal, holder's whole process pauses.  Claims: LK-7.

    Takeaway: the watchdog lives in the process it protects, so whatever
    stops the process stops the renewals: a pause longer than the TTL lets
    the key expire, another client acquires, and the holder resumes in its
    critical section believing it still holds the lock.  Renewal shortens no
    window a pause can open; only fencing at the resource closes it.
    """

    id = "locks.watchdog.process_pause"
    defaults = {"pauses": 1, "crashes": 0}
    expected = {"mutual_exclusion": "violated", "lease_kept": "violated"}
    causes = dict.fromkeys(("mutual_exclusion", "lease_kept"), {"pauses": 0})
    eventually_free = None  # no crashes here: see locks.watchdog
