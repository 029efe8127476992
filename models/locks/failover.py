"""A Redis lock on a primary with an asynchronously replicated replica, promoted on failure.

Claims: LK-9.  ``SET lock id NX`` succeeds on the primary and is acknowledged
before the replica has it (replication is a separate, later step).  If the
primary crashes in between, the replica is promoted without the key and a
second client acquires the same lock (seed §7: "if the master fails over ...
the lock is lost, since Redis replication may lose data").

The ``wait_replica`` variant acknowledges the acquisition only after the
replica has the key (``SET`` followed by ``WAIT 1``, one replica): the
promoted replica then knows the lock, and mutual exclusion holds.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.models.locks._view import by_client, clients_at
from distcheck.properties import locks

IN_CRITICAL_SECTION = ("holding",)


class FoState(NamedTuple):
    pc: tuple[str, ...]  # idle | asked (SET done, waiting for WAIT) | holding | done
    on_primary: int | None  # who the lock key names on the current primary
    on_replica: int | None  # ... and on the replica (None after promotion: no replica left)
    primary_up: bool
    promoted: bool  # the replica has become the primary
    crashes_left: int


class AsyncFailover(Model):
    """Primary + async replica, failover by promotion.  Claims: LK-9.

    Takeaway: a lock is only as durable as the store's acknowledgement.  With
    asynchronous replication the acquisition is acknowledged before any
    replica has it, so a failover can forget the lock and hand it to a second
    client.  Sentinel or cluster failover does not make a single-primary lock
    safe.
    """

    id = "locks.failover"
    lane_order = ("client", "primary", "replica", "sentinel")
    claims = ("LK-9",)
    clients = Param(2, at_least=1, at_most=5, doc="number of clients")
    # One replica to promote: a second primary crash would have nowhere to fail over to.
    faults = Faults(crash=Param(1, at_most=1, doc="primary crashes allowed (then promotion)"),
                    restart=False)
    #: acquisition waits for the replica's acknowledgement (WAIT 1)
    wait_for_replica = False
    may_be_dead = {"replica_acked": "clients wait for the replica only with wait_for_replica"}

    def init(self):
        yield FoState(pc=("idle",) * self.clients, on_primary=None, on_replica=None,
                      primary_up=True, promoted=False, **self.faults.initial())

    def describe(self, s: FoState) -> dict:
        view = by_client(s, ("pc",))
        for raw in ("on_primary", "on_replica", "primary_up", "promoted"):
            view.pop(raw)
        view["primary"] = {"lock": s.on_primary, "up": s.primary_up,
                           "was_replica": s.promoted}
        view["replica"] = None if s.promoted else {"lock": s.on_replica}
        view["crashes_left"] = s.crashes_left
        return view

    @action(client="clients")
    @lane("client {client}", to="primary")
    def acquire(self, s: FoState, client: int):
        """SET lock client NX on the primary."""
        if s.pc[client] == "idle" and s.primary_up and s.on_primary is None:
            pc = "asked" if self.wait_for_replica and not s.promoted else "holding"
            return s._replace(pc=put(s.pc, client, pc), on_primary=client)

    @action(client="clients")
    @lane("replica", to="client {client}")
    def replica_acked(self, s: FoState, client: int):
        """WAIT 1 returns: the replica has our key."""
        if s.pc[client] == "asked" and s.primary_up and s.on_replica == client:
            return s._replace(pc=put(s.pc, client, "holding"))

    @action()
    @lane("primary", to="replica")
    def replicate(self, s: FoState):
        """The replica catches up with the primary (asynchronously)."""
        if s.primary_up and not s.promoted and s.on_replica != s.on_primary:
            return s._replace(on_replica=s.on_primary)

    @action(client="clients")
    @lane("client {client}", to="primary")
    def release(self, s: FoState, client: int):
        """Compare-and-delete on the primary."""
        if s.pc[client] == "holding" and s.primary_up:
            on_primary = None if s.on_primary == client else s.on_primary
            return s._replace(pc=put(s.pc, client, "done"), on_primary=on_primary)

    @fault("crash")
    @lane("primary")
    def crash(self, s: FoState):
        """The primary dies, with whatever it had not replicated."""
        if s.primary_up:
            return self.faults.spend(s, "crash", primary_up=False)

    @action()
    @lane("sentinel", to="replica")
    def promote(self, s: FoState):
        """Sentinel promotes the replica: it becomes the primary with the replica's data."""
        if not s.primary_up and not s.promoted:
            return s._replace(primary_up=True, promoted=True, on_primary=s.on_replica,
                              on_replica=None)

    def holders(self, s: FoState) -> list[int]:
        return clients_at(s.pc, IN_CRITICAL_SECTION)

    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="violated", claims=("LK-9",),
        because={"crashes": 0},
    )

    @sometimes()
    def served_after_failover(self, s: FoState) -> bool:
        """Sometimes a client holds the lock on the promoted replica (not vacuous)."""
        return s.promoted and s.on_primary is not None


class WaitForReplica(AsyncFailover):
    """Primary + replica, acquisition acknowledged after the replica has the key.  Claims: LK-9.

    Beyond LK-9: the fix it points to, so mutual exclusion holds here where
    LK-9 (asynchronous replication) expects it violated.

    Takeaway: waiting for the replica before entering the critical section
    closes this failover hole (with one replica, and a failover that promotes
    it); it does not help against pauses or expiry, and with several replicas
    Sentinel may promote one that had not acknowledged.
    """

    id = "locks.failover.wait_replica"
    wait_for_replica = True
    expected = {"mutual_exclusion": "holds"}
