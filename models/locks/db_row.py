"""A database row with a unique key as the lock: INSERT to lock, DELETE to unlock.

Claims: LK-1.  The primary key's uniqueness makes the INSERT succeed for one
client only (mutual exclusion holds), but the row is durable and has no
expiry: a holder that crashes before its DELETE leaves the row behind and the
lock is never free again (seed §7: non-blocking, not reentrant, a single
point of failure, no expiry time).

The ``with_expiry`` variant adds what the seed lists as missing: an
``expires_at`` column and a cleanup job deleting expired rows.  The lock is
then eventually free after a crash, but a holder slower than the expiry loses
its lock while it still works: the same trade-off as every lease (LK-5), so
its mutual exclusion verdict is tagged LK-5, not LK-1.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.models.locks._view import by_client, clients_at
from distcheck.properties import locks

IN_CRITICAL_SECTION = ("holding",)


class Row(NamedTuple):
    owner: int
    expires_at: int | None  # None: the plain design has no expiry column


class DbState(NamedTuple):
    pc: tuple[str, ...]  # idle | holding | done | crashed
    row: Row | None  # the lock row in table `locks` (primary key: the lock name)
    now: int
    crashes_left: int


class DbRowLock(Model):
    """Lock = a row with a unique key; no expiry.  Claims: LK-1.

    Takeaway: the unique key gives mutual exclusion for free, but the lock
    lives in durable storage with nothing to remove it when its holder dies:
    one crash between INSERT and DELETE and the lock is held forever, until
    an operator deletes the row.
    """

    id = "locks.db_row"
    lane_order = ("client", "database")
    claims = ("LK-1",)
    clients = Param(2, at_least=1, at_most=6, doc="number of clients")
    faults = Faults(crash=1, restart=False)  # Param crashes=1: client crashes, crash-stop
    weak_fair = ("all_protocol",)
    #: rows carry an expiry time and a cleanup job deletes expired rows
    expiry: int | None = None

    def init(self):
        yield DbState(pc=("idle",) * self.clients, row=None, now=0, **self.faults.initial())

    def describe(self, s: DbState) -> dict:
        view = by_client(s, ("pc",))
        view["row"] = None if s.row is None else s.row._asdict()
        return view

    @action(client="clients")
    @lane("client {client}", to="database")
    def insert(self, s: DbState, client: int):
        """INSERT INTO locks(name, owner) VALUES ('lock', client): fails on a duplicate key."""
        if s.pc[client] == "idle" and s.row is None:
            expires = None if self.expiry is None else s.now + self.expiry
            return s._replace(pc=put(s.pc, client, "holding"), row=Row(client, expires))

    @action(client="clients")
    @lane("client {client}", to="database")
    def delete(self, s: DbState, client: int):
        """DELETE FROM locks WHERE name = 'lock' AND owner = client."""
        if s.pc[client] == "holding":
            row = None if s.row is not None and s.row.owner == client else s.row
            return s._replace(pc=put(s.pc, client, "done"), row=row)

    @fault("crash", client="clients")
    @lane("client {client}")
    def crash(self, s: DbState, client: int):
        """The client dies; its row, being durable, stays."""
        if s.pc[client] in ("idle", "holding"):
            return self.faults.spend(s, "crash", pc=put(s.pc, client, "crashed"))

    def holders(self, s: DbState) -> list[int]:
        return clients_at(s.pc, IN_CRITICAL_SECTION)

    def owner(self, s: DbState) -> int | None:
        return None if s.row is None else s.row.owner

    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="holds", claims=("LK-1",)
    )

    eventually_free = locks.eventually_free(
        owner=lambda self, s: self.owner(s),
        crashed=lambda self, s, c: s.pc[c] == "crashed",
        expect="violated", claims=("LK-1",), because={"crashes": 0},
    )

    @sometimes()
    def lock_taken(self, s: DbState) -> bool:
        """Sometimes a client holds the lock (not vacuous)."""
        return bool(self.holders(s))


class DbRowWithExpiry(DbRowLock):
    """Lock row with an ``expires_at`` column and a cleanup job.  Claims: LK-1, LK-5.

    Beyond LK-1, which is about the row without expiry: adding the expiry LK-1
    says is missing makes ``eventually_free`` hold (the fix), and turns the
    lock into a lease, whose mutual exclusion fails as LK-5 says.

    Takeaway: adding an expiry makes a dead holder's lock free again, and
    with it brings back the lease problem: a live holder slower than the
    expiry has its row deleted and a second client inserts its own, so both
    are in the critical section.  Expiry trades liveness for safety unless
    the resource checks a fencing token.
    """

    id = "locks.db_row.with_expiry"
    claims = ("LK-1", "LK-5")
    expiry = Param(1, at_least=1, doc="rows expire this many ticks after insertion")
    faults = Faults(crash=1, restart=False, tick=2)  # and Param horizon=2: the last tick explored
    weak_fair = ("all_protocol", "tick")
    expected = {"eventually_free": "holds"}
    mutual_exclusion = dataclasses.replace(
        DbRowLock.mutual_exclusion, expect="violated", claims=("LK-5",),
        because="the row expires on a timer its holder knows nothing of: no fault is needed")

    @fault("tick")
    def tick(self, s: DbState):
        # Beyond the horizon time goes on only while a row waits for its expiry.
        waiting = s.row is not None and s.row.expires_at is not None and s.row.expires_at > s.now
        return self.faults.tick(s, past_horizon=waiting)

    @action()
    @lane("database")
    def cleanup(self, s: DbState):
        """The cleanup job: DELETE FROM locks WHERE expires_at <= now."""
        if s.row is not None and s.row.expires_at is not None and s.row.expires_at <= s.now:
            return s._replace(row=None)
