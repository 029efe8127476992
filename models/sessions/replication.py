"""Session replication between app servers (Tomcat-style clustering), asynchronous or synchronous.

Claims: SS-3 (asynchronous replication, then failover: read-your-writes is
violated).

A user's requests go to server 0 (sticky) until it crashes, then to server 1.
Each write to the session makes a new version on the server that handles it,
and the user gets its answer at once.  ``sessions.replication`` replicates
asynchronously: server 0 queues the new version in memory and ``replicate``
ships the queue to server 1 in order, so a crash loses what is still queued.
``sessions.replication.sync`` ships the version to server 1 before answering
the write (the backup is applied first), as synchronous replication does.
Every answered write and read is recorded in a history; the session
guarantees of ``distcheck.properties.sessions`` check it.

Takeaway: with asynchronous replication a failover can hand the user a
session older than what they just saved (the cart forgets the last item, a
changed setting reverts), and even older than what they already read.
Synchronous replication keeps both guarantees while both servers are up, at
the price of a round trip to the backup on every write.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.properties.sessions import Op, monotonic_reads, read_your_writes


class Repl(NamedTuple):
    up: tuple[bool, ...]  # server 0 (where the user is sticky) and server 1 (the backup)
    version: tuple[int, ...]  # the session version each server holds
    queue: tuple[int, ...]  # versions server 0 has still to ship to server 1 (in memory)
    history: tuple[Op, ...]  # answered writes and reads, in order
    ops_left: int
    crashes_left: int


class AsyncReplication(Model):
    """Asynchronous session replication, failover after a crash.  Claims: SS-3."""

    id = "sessions.replication"
    lane_order = ("user", "server")
    claims = ("SS-3",)
    ops = Param(3, at_least=1, doc="writes and reads the user makes")
    faults = Faults(crash=1, restart=False)  # Param crashes=1: a server crashes for good
    #: replicate before answering a write (True) or in the background (False)
    synchronous: ClassVar[bool] = False

    def init(self):
        yield Repl((True, True), (0, 0), (), (), self.ops, **self.faults.initial())

    def serving(self, s: Repl) -> int | None:
        """The server the balancer sends the user to: sticky to 0, failover to 1."""
        return 0 if s.up[0] else 1 if s.up[1] else None

    @action()
    @lane("user", to=lambda m, s: f"server {m.serving(s)}")
    def write(self, s: Repl):
        server = self.serving(s)
        if s.ops_left and server is not None:
            v = s.version[server] + 1
            version, queue = put(s.version, server, v), s.queue
            if server == 0 and s.up[1]:
                if self.synchronous:
                    version = put(version, 1, v)
                else:
                    queue = queue + (v,)
            return s._replace(version=version, queue=queue, ops_left=s.ops_left - 1,
                              history=s.history + (Op("user", "write", v),))

    @action()
    @lane("user", to=lambda m, s: f"server {m.serving(s)}")
    def read(self, s: Repl):
        server = self.serving(s)
        if s.ops_left and server is not None:
            return s._replace(ops_left=s.ops_left - 1,
                              history=s.history + (Op("user", "read", s.version[server]),))

    @action()
    @lane("server 0", to="server 1")
    def replicate(self, s: Repl):
        if s.queue and s.up[0] and s.up[1]:
            return s._replace(version=put(s.version, 1, s.queue[0]), queue=s.queue[1:])

    @fault("crash", server=(0, 1))
    @lane("server {server}")
    def crash(self, s: Repl, server: int):
        if s.up[server]:
            queue = () if server == 0 else s.queue  # the queue lives in server 0's memory
            return self.faults.spend(s, "crash", up=put(s.up, server, False), queue=queue)

    read_your_writes = read_your_writes(lambda m, s: s.history, expect="violated",
                                        claims=("SS-3",))
    monotonic_reads = monotonic_reads(lambda m, s: s.history, expect="violated", claims=("SS-3",))

    @sometimes()
    def read_after_failover(self, s: Repl) -> bool:
        """sometimes the user reads from the backup after server 0 crashed (not vacuous)"""
        return not s.up[0] and s.ops_left < self.ops and s.history[-1].kind == "read"


class SyncReplication(AsyncReplication):
    """Synchronous session replication: the backup is updated before the answer.  Claims: SS-3."""

    id = "sessions.replication.sync"
    may_be_dead = {"replicate": "a synchronous write updates the backup itself: nothing is queued"}
    synchronous = True
    expected = {"read_your_writes": "holds", "monotonic_reads": "holds"}
