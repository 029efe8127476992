"""A Redis lock taken with SETNX and no expiry: a crashed holder keeps it forever.

Claims: LK-3 ("SETNX without an expiry: if the holder crashes, the lock is
never released" -- the lock is eventually free again: violated).

Clients loop: ``acquire`` (``SETNX lock <id>``), work, ``release``
(compare-and-delete of its own key).  While the key exists, SETNX fails and
the client tries again (``retry``: the state does not change; this is the
usual spin loop).  A client may crash (``crashes``, crash stop): it loses
everything, but the key it set stays in Redis.  Every protocol step is weakly
fair per client (a holder eventually releases), the crash is not.

* ``locks.setnx_no_ttl``: nothing ever removes the key of a crashed holder.
  ``eventually_free`` (the family's :func:`distcheck.properties.locks.eventually_free`,
  as for LK-1 and LK-4) is violated: the lasso ends with the other clients
  retrying SETNX forever in a fair cycle (a livelock: ``no_busy_cycle`` is
  violated too; without the retry loop it would be a deadlock).
* ``locks.setnx_no_ttl.with_ttl``: ``SET lock <id> NX EX ttl``; time passes
  (``tick``) and the key expires (``expire``), both declared weakly fair: time
  does not stop and Redis does drop an expired key (without that fairness the
  retry loop could run forever with the clock stopped, and ``eventually_free``
  would be violated).  The lock is eventually free again (holds) -- but mutual
  exclusion is now violated: a holder still working when its key expires
  shares the lock with the next client (the price of the TTL: that verdict
  is tagged LK-5, modelled in detail in ``locks.redis_set_nx_px``).

Time: only the remaining life of the key matters, so the state keeps
``ttl_left`` (ticks until expiry) instead of an absolute ``now`` bounded by a
horizon -- with a horizon, time would stop and a crashed holder's key would
never expire, a false liveness violation.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, no_livelock, put, sometimes
from distcheck.models.locks._view import by_client, clients_at
from distcheck.properties import locks


class Lk(NamedTuple):
    pc: tuple[str, ...]  # idle | holding | crashed
    owner: int | None  # the client id stored in the lock key, None when there is no key
    ttl_left: int  # ticks until the key expires (0 when there is no key or no TTL)
    crashes_left: int


def lock_free(self: Model, s: Lk) -> bool:
    return s.owner is None


class SetNxNoTtl(Model):
    """SETNX lock, no expiry, holder may crash.  Claims: LK-3.

    ``mutual_exclusion`` (holds: SETNX is atomic and the key never expires)
    is a check beyond LK-3, whose property is ``eventually_free``; it is
    there so the ``with_ttl`` variant can show what the TTL costs.
    """

    id = "locks.setnx_no_ttl"
    lane_order = ("client", "redis")
    claims = ("LK-3",)
    clients = Param(2, at_least=1, at_most=6, doc="number of clients")
    faults = Faults(crash=1, restart=False)
    weak_fair = ("all_protocol",)

    def init(self):
        yield Lk(("idle",) * self.clients, None, 0, **self.faults.initial())

    def describe(self, s: Lk):
        return by_client(s, ("pc",))

    def key_ttl(self) -> int:
        """The life of a new key in ticks (0: the key never expires)."""
        return 0

    @action(client="clients")
    @lane("client {client}", to="redis")
    def acquire(self, s: Lk, client: int):
        """SETNX succeeds only when there is no key."""
        if s.pc[client] == "idle" and s.owner is None:
            return s._replace(pc=put(s.pc, client, "holding"), owner=client, ttl_left=self.key_ttl())

    @action(client="clients")
    @lane("client {client}", to="redis")
    def retry(self, s: Lk, client: int):
        """SETNX fails while the key exists; the client tries again (no state change)."""
        if s.pc[client] == "idle" and s.owner is not None:
            return s

    @action(client="clients")
    @lane("client {client}", to="redis")
    def release(self, s: Lk, client: int):
        """Compare-and-delete: remove the key only if it is still this client's."""
        if s.pc[client] == "holding":
            if s.owner == client:
                s = s._replace(owner=None, ttl_left=0)
            return s._replace(pc=put(s.pc, client, "idle"))

    @fault("crash", client="clients")
    @lane("client {client}")
    def crash(self, s: Lk, client: int):
        if s.pc[client] != "crashed":
            return self.faults.spend(s, "crash", pc=put(s.pc, client, "crashed"))

    # -- properties ---------------------------------------------------------------------

    mutual_exclusion = locks.mutual_exclusion(lambda self, s: clients_at(s.pc, ("holding",)))
    eventually_free = locks.eventually_free(
        owner=lambda self, s: s.owner,
        crashed=lambda self, s, c: s.pc[c] == "crashed",
        expect="violated", claims=("LK-3",), because={"crashes": 0},
    )
    no_busy_cycle = no_livelock(
        lock_free, expect="violated", claims=("LK-3",),
        doc="No fair cycle keeps the lock taken forever (clients spinning on a dead lock).")
    causes = {"no_busy_cycle": {"crashes": 0}}

    @sometimes()
    def holder_crashed(self, s: Lk) -> bool:
        """Sometimes the client named in the key has crashed."""
        return s.owner is not None and s.pc[s.owner] == "crashed"


class SetNxWithTtl(SetNxNoTtl):
    """SET NX EX ttl: the key of a crashed holder expires.  Claims: LK-3 (fixed), LK-5.

    Beyond LK-3: the TTL is the fix, so the liveness verdicts hold; the lock
    becomes a lease, whose mutual exclusion fails as LK-5 says.
    """

    id = "locks.setnx_no_ttl.with_ttl"
    claims = ("LK-3", "LK-5")
    ttl = Param(2, at_least=1, at_most=8, doc="life of the key in ticks")
    faults = Faults(crash=1, restart=False, tick=True, expire=True)
    weak_fair = ("all_protocol", "tick", "expire")
    expected = {"eventually_free": "holds", "no_busy_cycle": "holds"}
    mutual_exclusion = dataclasses.replace(
        SetNxNoTtl.mutual_exclusion, expect="violated", claims=("LK-5",),
        because="the key expires on a timer its holder knows nothing of: no fault is needed")

    def key_ttl(self) -> int:
        return self.ttl

    @fault("tick")
    def tick(self, s: Lk):
        """Time passes; only the key's remaining life is kept."""
        if s.owner is not None and s.ttl_left > 0:
            return s._replace(ttl_left=s.ttl_left - 1)

    @fault("expire")
    @lane("redis")
    def expire(self, s: Lk):
        """Redis drops the key once its time is up."""
        if s.owner is not None and s.ttl_left == 0:
            return s._replace(owner=None)
