"""A central lock server: clients ask by message, the server grants, clients release.

Claims: LK-1 (a single lock service gives mutual exclusion while nothing
fails).  The protocol of Ivy's and mypyvy's ``lockserv`` example: a client
sends ``Lock``; the server, if it holds the lock, gives it away with a
``Grant``; the client holds the lock once the grant arrives, and releases it
with ``Unlock``, which gives the lock back to the server.  Each message is
consumed when it is received.

The state declares typed fields, so ``distcheck prove locks.lock_server
--unbounded --infer`` proves mutual exclusion for any number of clients.
The ``grant_without_lock`` variant's server grants whether or not it holds
the lock: the proof's counterexample to induction is reachable, a real bug
with a trace.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import (
    Fields,
    Flag,
    Map,
    Model,
    Msgs,
    Param,
    Sort,
    action,
    at_most_one,
    exists,
    invariant,
    lane,
    put,
    sometimes,
)


class Msg(NamedTuple):
    type: str  # Lock | Grant | Unlock
    client: int


class LS(NamedTuple):
    server_holds: bool  # the lock is at the server, free to grant
    holds: tuple[bool, ...]  # which clients hold the lock
    msgs: frozenset[Msg]  # messages in flight


class LockServer(Model):
    """One lock server, grant and release by message.  Claims: LK-1.

    Takeaway: with one server and no failures, a lock handed around by
    messages is exclusive for any number of clients -- and the proof needs
    more than mutual exclusion itself: the lock is in exactly one place (the
    server, one grant or unlock in flight, or one holder), which
    ``--infer`` finds.
    """

    id = "locks.lock_server"
    lane_order = ("client", "server")
    claims = ("LK-1",)
    clients = Param(3, at_least=1, at_most=8, doc="number of clients")
    client = Sort(size="clients", doc="client")
    # the clients are interchangeable: --symmetry explores one state per renumbering of them
    symmetric = ("client",)
    fields = Fields(
        LS,
        server_holds=Flag(init=True),
        holds=Map("client", bool, init=False),
        msgs=Msgs(Msg, Lock=("client",), Grant=("client",), Unlock=("client",)),
    )

    def init(self):
        yield LS(True, (False,) * self.clients, frozenset())

    @action(c="clients")
    @lane("client {c}")
    def send_lock(self, s: LS, c: int):
        """A client asks for the lock."""
        return s._replace(msgs=s.msgs | {Msg("Lock", c)})

    @action(c="clients")
    @lane("client {c}", to="server")
    def recv_lock(self, s: LS, c: int):
        """The server grants the lock it holds to a client that asked."""
        if Msg("Lock", c) in s.msgs and self.may_grant(s):
            return s._replace(server_holds=False, msgs=s.msgs - {Msg("Lock", c)} | {Msg("Grant", c)})

    def may_grant(self, s: LS) -> bool:
        return s.server_holds

    @action(c="clients")
    @lane("server", to="client {c}")
    def recv_grant(self, s: LS, c: int):
        if Msg("Grant", c) in s.msgs:
            return s._replace(holds=put(s.holds, c, True), msgs=s.msgs - {Msg("Grant", c)})

    @action(c="clients")
    @lane("client {c}")
    def unlock(self, s: LS, c: int):
        """The holder releases the lock by sending it back."""
        if s.holds[c]:
            return s._replace(holds=put(s.holds, c, False), msgs=s.msgs | {Msg("Unlock", c)})

    @action(c="clients")
    @lane("client {c}", to="server")
    def recv_unlock(self, s: LS, c: int):
        if Msg("Unlock", c) in s.msgs:
            return s._replace(server_holds=True, msgs=s.msgs - {Msg("Unlock", c)})

    @invariant(expect="holds")
    def mutual_exclusion(self, s: LS) -> bool:
        """At most one client holds the lock."""
        return at_most_one(self.client, lambda c: s.holds[c])

    @sometimes()
    def lock_taken(self, s: LS) -> bool:
        """Sanity: some client gets the lock."""
        return exists(self.client, lambda c: s.holds[c])


class GrantWithoutLock(LockServer):
    """Broken: the server grants every request, whether or not it holds the lock.  Claims: LK-1.

    Takeaway: the proof's counterexample to induction (a client receiving a
    grant while another holds the lock) is reachable, so it is a real bug,
    reported with the explorer's trace to it.
    """

    id = "locks.lock_server.grant_without_lock"
    expected = {"mutual_exclusion": "violated"}
    causes = {"mutual_exclusion": "the server grants without holding the lock: no fault is needed"}

    def may_grant(self, s: LS) -> bool:
        return True
