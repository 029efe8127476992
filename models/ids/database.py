"""IDs from a database: one auto-increment counter, and reading them back from a replica.

Claims: ID-2 (single database auto-increment: unique and monotone; database
down => no IDs) and ID-4 (insert on the primary, read the new row by its id
on a lagging replica: read-after-write fails).

``ids.autoincrement``: clients ask for an ID (``request``) and the database
answers with ``insert`` (``AUTO_INCREMENT``: the durable counter plus one).
The database may ``crash`` (the counter is durable, so it survives) and
``restart``.  Time follows maximal progress (``tick`` is disabled while the
database could answer a waiting request), so availability is the bounded
safety check "no request waits more than ``patience`` ticks"
(``properties/ids.py``): violated, since a crashed database answers nobody.
Liveness (``distcheck.engines.liveness``, fair ``insert``/``restart``/``tick``): a
request is eventually answered when the database restarts (holds), and never
when it stays down (``ids.autoincrement.down``: violated).

``ids.replica_read``: a client inserts a row on the primary (getting its id)
and then reads it back; replication to the replica is asynchronous
(``replicate`` ships one row at a time, in order).  Reading from the replica
misses the client's own row.  ``ids.replica_read.primary`` reads from the
primary -- the seed's fix ("query the master") -- and holds.

Takeaway: one database counter is unique and monotone for free (the counter
is durable), but the generator is exactly as available as that one database;
and an ID handed out by the primary is not yet readable on a replica, so a
"create then show" flow must read the primary (or wait for replication).
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, Model, Param, action, fault, invariant, lane, leads_to, put, sometimes
from distcheck.models.ids.variants import VariantModel
from distcheck.properties.ids import (
    Issued,
    answered_within,
    increasing_ids,
    issued_some,
    unique_ids,
)


class Db(NamedTuple):
    now: int
    up: bool
    counter: int  # durable AUTO_INCREMENT value: the last id handed out
    waiting: tuple[int | None, ...]  # per client: tick its request was made, None if idle
    issued: tuple[Issued, ...]  # every id the database handed out, in order
    requests_left: int
    crashes_left: int
    restarts_left: int


def _db_issued(model: AutoIncrement, s: Db) -> tuple[Issued, ...]:
    return s.issued


class AutoIncrement(Model):
    """Single database AUTO_INCREMENT.  Claims: ID-2."""

    id = "ids.autoincrement"
    lane_order = ("client", "database")
    claims = ("ID-2",)
    clients = Param(2, at_least=1, doc="clients asking for IDs")
    requests = Param(3, at_least=1, doc="ID requests in a behaviour")
    horizon = Param(3, at_least=1, doc="last tick")
    patience = Param(1, at_least=0, doc="ticks a request may wait (availability)")
    faults = Faults(crash=1, restart=1, tick=True)  # Params crashes=1, restarts=1

    def init(self):
        yield Db(0, True, 0, (None,) * self.clients, (), self.requests, **self.faults.initial())

    @action(client="clients")
    @lane("client {client}", to="database")
    def request(self, s: Db, client: int):
        if s.requests_left > 0 and s.waiting[client] is None:
            return s._replace(waiting=put(s.waiting, client, s.now),
                              requests_left=s.requests_left - 1)

    @action(client="clients")
    @lane("database", to="client {client}")  # the row is inserted: the id answers the request
    def insert(self, s: Db, client: int):
        if s.up and s.waiting[client] is not None:
            new_id = s.counter + 1
            return s._replace(counter=new_id, waiting=put(s.waiting, client, None),
                              issued=s.issued + (Issued(0, new_id, s.now),))

    @fault("crash")
    @lane("database")
    def crash(self, s: Db):
        if s.up:
            return self.faults.spend(s, "crash", up=False)

    @fault("restart")
    @lane("database")
    def restart(self, s: Db):
        if not s.up:
            return self.faults.spend(s, "restart", up=True)

    @fault("tick")
    def tick(self, s: Db):
        answerable = s.up and any(w is not None for w in s.waiting)
        if not answerable:
            return self.faults.tick(s)

    unique = unique_ids(_db_issued, claims=("ID-2",))
    monotone = increasing_ids(_db_issued, claims=("ID-2",))
    available = answered_within(lambda m, s: [w for w in s.waiting if w is not None],
                                lambda s: s.now, "patience", expect="violated", claims=("ID-2",))
    some_ids = issued_some(_db_issued, 2)

    # Liveness: under fair insert, restart and time, a waiting request is answered
    # once the database is back (clients are symmetric: client 0 stands for all).
    weak_fair = ("insert", "restart", "tick")
    eventually_answered = leads_to(lambda m, s: s.waiting[0] is not None,
                                   lambda m, s: s.waiting[0] is None,
                                   doc="client 0's ID request is eventually answered",
                                   claims=("ID-2",))


class NeverRestarted(AutoIncrement):
    """The database crashes and does not come back: no more IDs, ever.  Claims: ID-2."""

    id = "ids.autoincrement.down"
    defaults = {"restarts": 0}  # crash-stop: no restart, ever
    expected = {"eventually_answered": "violated"}


class Rows(NamedTuple):
    primary: tuple[int, ...]  # row ids on the primary, in insert order
    replicated: int  # how many of them the replica has applied (a prefix)
    client: tuple[tuple, ...]  # per client: ("idle",) | ("inserted", id) | ("read", id, found)


class ReplicaRead(VariantModel):
    """Insert on the primary, read back on a lagging replica.  Claims: ID-4."""

    id = "ids.replica_read"
    lane_order = ("client", "primary", "replica")
    claims = ("ID-4",)
    clients = Param(2, at_least=1, doc="clients, each inserting one row then reading it")
    design_choices = ("read_from",)
    #: where the read goes: "replica" or "primary"
    read_from: ClassVar[str] = "replica"

    def init(self):
        yield Rows((), 0, (("idle",),) * self.clients)

    @action(client="clients")
    @lane("client {client}", to="primary")
    def insert(self, s: Rows, client: int):
        if s.client[client] == ("idle",):
            new_id = len(s.primary) + 1  # AUTO_INCREMENT on the primary
            return s._replace(primary=s.primary + (new_id,),
                              client=put(s.client, client, ("inserted", new_id)))

    @action()
    @lane("primary", to="replica")
    def replicate(self, s: Rows):
        if s.replicated < len(s.primary):
            return s._replace(replicated=s.replicated + 1)

    @action(client="clients")
    @lane("client {client}", to=lambda m, s, client: m.read_from)
    def read(self, s: Rows, client: int):
        if s.client[client][0] == "inserted":
            row = s.client[client][1]
            rows = s.primary if self.read_from == "primary" else s.primary[: s.replicated]
            return s._replace(client=put(s.client, client, ("read", row, row in rows)))

    @invariant(expect="violated", claims=("ID-4",))
    def read_after_write(self, s: Rows) -> bool:
        """a client that inserted a row finds it when it reads it back by id"""
        return all(c[0] != "read" or c[2] for c in s.client)

    @sometimes()
    def some_read(self, s: Rows) -> bool:
        """sometimes a client reads its row back"""
        return any(c[0] == "read" and c[2] for c in s.client)


class PrimaryRead(ReplicaRead):
    """Read back on the primary (the seed's fix): read-after-write holds.  Claims: ID-4."""

    id = "ids.replica_read.primary"
    read_from = "primary"
    expected = {"read_after_write": "holds"}
