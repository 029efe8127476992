"""IDs from a Redis-style ``INCR`` counter that may restart.  Claims: ID-5.

``incr`` increments the in-memory counter and hands out the new value.  The
server may ``crash`` (memory lost) and ``restart``, recovering the counter
from what it persisted:

* ``persistence = "none"`` (``ids.redis_incr``, ID-5): nothing; the counter
  restarts at 0 and the next ``INCR`` hands out 1 again -- a duplicate;
* ``"snapshot"`` (``ids.redis_incr.snapshot``): an RDB-style background
  ``save`` copies the counter now and then; a restart goes back to the last
  snapshot and re-issues what came after it -- a duplicate too;
* ``"aof_always"`` (``ids.redis_incr.aof``): every ``INCR`` is appended and
  fsynced before the reply (``appendfsync always``): unique.

Takeaway: an in-memory counter is only as unique as its persistence.  Snapshots
are not enough: everything since the last one is handed out again.  Either
fsync every increment, or on restart skip ahead past anything that might have
been issued (e.g. persist a high-water mark reserved in blocks, as ID-7 does).
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, Param, action, fault, lane, sometimes
from distcheck.models.ids.variants import VariantModel
from distcheck.properties.ids import Issued, all_unique, increasing_ids, issued_some, unique_ids


class Redis(NamedTuple):
    up: bool
    counter: int  # in memory
    persisted: int  # on disk: survives a crash
    issued: tuple[Issued, ...]
    requests_left: int
    crashes_left: int
    restarts_left: int


def _issued(model: RedisIncr, s: Redis) -> tuple[Issued, ...]:
    return s.issued


class RedisIncr(VariantModel):
    """Redis INCR without persistence, restarted: a duplicate ID.  Claims: ID-5."""

    id = "ids.redis_incr"
    lane_order = ("client", "redis")
    claims = ("ID-5",)
    requests = Param(3, at_least=1, doc="INCR calls in a behaviour")
    faults = Faults(crash=1, restart=1)  # Params crashes=1, restarts=1
    design_choices = ("persistence",)
    #: what survives a crash: "none", "snapshot" or "aof_always"
    persistence: ClassVar[str] = "none"
    may_be_dead = {"save": "snapshots are taken only with persistence = \"snapshot\""}

    def init(self):
        yield Redis(True, 0, 0, (), self.requests, **self.faults.initial())

    @action()
    @lane("client", to="redis")
    def incr(self, s: Redis):
        if s.up and s.requests_left > 0:
            value = s.counter + 1
            persisted = value if self.persistence == "aof_always" else s.persisted
            return s._replace(counter=value, persisted=persisted,
                              issued=s.issued + (Issued(0, value),),
                              requests_left=s.requests_left - 1)

    @action()
    @lane("redis")
    def save(self, s: Redis):
        if self.persistence == "snapshot" and s.up and s.persisted != s.counter:
            return s._replace(persisted=s.counter)

    @fault("crash")
    @lane("redis")
    def crash(self, s: Redis):
        if s.up:
            return self.faults.spend(s, "crash", up=False, counter=0)

    @fault("restart")
    @lane("redis")
    def restart(self, s: Redis):
        if not s.up:
            return self.faults.spend(s, "restart", up=True, counter=s.persisted)

    unique = unique_ids(_issued, expect="violated", claims=("ID-5",))
    increasing = increasing_ids(_issued, expect="violated")
    some_ids = issued_some(_issued, 2)


class SnapshotRedisIncr(RedisIncr):
    """INCR with RDB-style snapshots: a restart re-issues IDs after the snapshot.  Claims: ID-5."""

    id = "ids.redis_incr.snapshot"
    persistence = "snapshot"

    @sometimes()
    def duplicate_after_a_snapshot(self, s: Redis) -> bool:
        """sometimes an ID is handed out twice although a snapshot had been saved"""
        return s.persisted > 0 and not all_unique(s.issued)


class AofRedisIncr(RedisIncr):
    """INCR with appendfsync always: every ID is durable before it is handed out.  Claims: ID-5."""

    id = "ids.redis_incr.aof"
    persistence = "aof_always"
    expected = {"unique": "holds", "increasing": "holds"}
