"""CAP: a replicated register that stays available in a partition, and one that stays consistent.

Claims: CAP-1 (a register accepting reads and writes on both sides of a
partition is not linearizable), CAP-2 (a majority-quorum register is
linearizable) and CAP-2b (its minority side cannot answer during a
partition).

Clients talk to replicas; client ``c`` sits next to replica ``c`` (modulo the
number of replicas), so a
partition that isolates a replica isolates its client with it.  Every client
runs ``ops`` operations, each a ``read`` or a ``write`` of a value of its own,
and the model records what the clients saw as a Jepsen-style history
(``history`` in the state; :mod:`distcheck.properties.history`).  The
property ``linearizable`` runs the linearizability checker
(:mod:`distcheck.properties.linearizability`) on that history in every state,
so a counterexample trace ends with the history that has no linearization.

``replication.ap_register`` (AP): a replica answers at once.  A write is
timestamped (a counter and the client's id, last writer wins) and pushed to
every replica the client's replica can reach; ``replicate`` copies a newer
value between connected replicas (anti-entropy after the partition heals).
In a partition a write on one side is acknowledged while a read on the other
side returns the old value: not linearizable.

``replication.quorum_register`` (CP, ABD: Attiya, Bar-Noy & Dolev 1995): an
operation queries a majority of replicas one at a time for their timestamped
values, then stores the newest (a read, so that no later read can see an
older value) or a value with a higher timestamp (a write) at a majority, and
only then answers.  Any two majorities intersect, so every operation sees the
last completed write: linearizable in every interleaving and partition.  The
price is availability: a client cut off from the majority waits.  Liveness
(``answered``, fair protocol steps and fair ``heal``) holds when the
partition heals; ``replication.quorum_register.minority`` never heals it, and
client 0's request is never answered.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, lane, leads_to, put, sometimes
from distcheck.models.replication.cut import ReplicaCut
from distcheck.properties.history import Event, operations, record
from distcheck.properties.linearizability import linearizable

#: a timestamp orders writes: (counter, writer); (0, -1) is the initial value's
INITIAL_TS = (0, -1)


class Versioned(NamedTuple):
    ts: tuple[int, int]
    value: int | None


def _history(model: Model, s) -> tuple[Event, ...]:
    return s.history


class Reg(NamedTuple):
    replicas: tuple[Versioned, ...]
    alone: int | None  # the replica (and its client) cut off by a partition; None: connected
    busy: tuple[str | None, ...]  # per client: the operation in progress
    started: tuple[int, ...]  # per client: operations started so far
    history: tuple[Event, ...]
    partitions_left: int
    heals_left: int


class APRegister(ReplicaCut):
    """Replicas that answer on both sides of a partition.  Claims: CAP-1.

    Takeaway: choosing availability in a partition gives up linearizability.
    A client writes on one side and is told ok; a client on the other side
    then reads the old value, although the write had completed before the
    read began.
    """

    id = "replication.ap_register"
    lane_order = ("client", "replica")
    claims = ("CAP-1",)
    replicas = Param(2, at_least=2, at_most=3, doc="replicas")
    clients = Param(2, at_least=1, at_most=3, doc="clients")
    ops = Param(1, at_least=1, doc="operations per client")
    faults = Faults(partition=1, heal=Param(1, at_most=1, doc="whether the partition may heal"))

    def init(self):
        yield Reg((Versioned(INITIAL_TS, None),) * self.replicas, None, (None,) * self.clients,
                  (0,) * self.clients, (), **self.faults.initial())


    def value_of(self, c: int, s: Reg) -> int:
        """Client c's next written value: unique, so the history says which write a read saw."""
        return 1 + c * self.ops + s.started[c]

    @action(c="clients", f=("read", "write"))
    @lane("client {c}")
    def invoke(self, s: Reg, c: int, f: str):
        if s.busy[c] is None and s.started[c] < self.ops:
            value = self.value_of(c, s) if f == "write" else None
            return s._replace(busy=put(s.busy, c, f), started=put(s.started, c, s.started[c] + 1),
                              history=record(s.history, c, "invoke", f, value))

    @action(c="clients")
    @lane(lambda m, s, c: f"replica {c % m.replicas}", to="client {c}")
    def answer(self, s: Reg, c: int):
        """The client's own replica answers at once, whatever it can reach."""
        f = s.busy[c]
        if f == "read":
            return s._replace(busy=put(s.busy, c, None),
                              history=record(s.history, c, "ok", "read",
                                             s.replicas[c % self.replicas].value))
        if f == "write":
            value = self.value_of(c, s) - 1  # started was counted at the invocation
            new = Versioned((max(r.ts[0] for r in s.replicas) + 1, c), value)
            replicas = tuple(new if self.connected(s, c, r) and new.ts > v.ts else v
                             for r, v in enumerate(s.replicas))
            return s._replace(replicas=replicas, busy=put(s.busy, c, None),
                              history=record(s.history, c, "ok", "write", value))

    @action(src="replicas", dst="replicas")
    @lane("replica {src}", to="replica {dst}")
    def replicate(self, s: Reg, src: int, dst: int):
        """Anti-entropy: a newer value flows to a connected replica."""
        if self.connected(s, src, dst) and s.replicas[src].ts > s.replicas[dst].ts:
            return s._replace(replicas=put(s.replicas, dst, s.replicas[src]))



    linearizable = linearizable(_history, expect="violated", claims=("CAP-1",),
                                doc="the history the clients saw is linearizable (a register)")

    @sometimes()
    def read_after_write(self, s: Reg) -> bool:
        """Sometimes a read returns a written value (the register is not vacuous)."""
        return any(op.f == "read" and op.result is not None for op in operations(s.history))


class Quorum(NamedTuple):
    replicas: tuple[Versioned, ...]
    alone: int | None
    # per client: None, or (f, phase "get"|"set", replicas heard from, value chosen/newest seen)
    busy: tuple[tuple | None, ...]
    started: tuple[int, ...]
    history: tuple[Event, ...]
    partitions_left: int
    heals_left: int


class QuorumRegister(ReplicaCut):
    """A majority-quorum register (ABD).  Claims: CAP-2, CAP-2b.

    Takeaway: reading and writing a majority, and writing back what a read
    returns, keeps the register linearizable through any partition; a client
    on the minority side is not answered until the partition heals.
    """

    id = "replication.quorum_register"
    lane_order = ("client", "replica")
    claims = ("CAP-2", "CAP-2b")
    replicas = Param(3, at_least=3, at_most=5, doc="replicas")
    clients = Param(2, at_least=1, at_most=3, doc="clients")
    ops = Param(1, at_least=1, doc="operations per client")
    faults = Faults(partition=1, heal=Param(1, at_most=1, doc="whether the partition may heal"))

    def setup(self) -> None:
        self.majority = self.replicas // 2 + 1

    def init(self):
        yield Quorum((Versioned(INITIAL_TS, None),) * self.replicas, None, (None,) * self.clients,
                     (0,) * self.clients, (), **self.faults.initial())


    @action(c="clients", f=("read", "write"))
    @lane("client {c}")
    def invoke(self, s: Quorum, c: int, f: str):
        if s.busy[c] is None and s.started[c] < self.ops:
            value = 1 + c * self.ops + s.started[c] if f == "write" else None
            return s._replace(busy=put(s.busy, c, (f, "get", frozenset(), Versioned(INITIAL_TS, value))),
                              started=put(s.started, c, s.started[c] + 1),
                              history=record(s.history, c, "invoke", f, value))

    @action(c="clients", r="replicas")
    @lane("client {c}", to="replica {r}")
    def query(self, s: Quorum, c: int, r: int):
        """Phase 1: learn replica r's timestamped value; with a majority heard, choose what to store."""
        if s.busy[c] is None or s.busy[c][1] != "get" or r in s.busy[c][2] \
                or not self.connected(s, c, r):
            return None
        f, _, heard, newest = s.busy[c]
        heard = heard | {r}
        if f == "read":
            newest = max(newest, s.replicas[r])
        else:  # a write keeps its own value and only learns the highest timestamp
            newest = newest._replace(ts=max(newest.ts, s.replicas[r].ts))
        if len(heard) < self.majority:
            return s._replace(busy=put(s.busy, c, (f, "get", heard, newest)))
        if f == "write":
            newest = Versioned((newest.ts[0] + 1, c), newest.value)
        return s._replace(busy=put(s.busy, c, (f, "set", frozenset(), newest)))

    @action(c="clients", r="replicas")
    @lane("client {c}", to="replica {r}")
    def store(self, s: Quorum, c: int, r: int):
        """Phase 2: store the chosen value at replica r; with a majority acknowledged, answer."""
        if s.busy[c] is None or s.busy[c][1] != "set" or r in s.busy[c][2] \
                or not self.connected(s, c, r):
            return None
        f, _, acked, chosen = s.busy[c]
        replicas = put(s.replicas, r, max(s.replicas[r], chosen))
        acked = acked | {r}
        if len(acked) < self.majority:
            return s._replace(replicas=replicas, busy=put(s.busy, c, (f, "set", acked, chosen)))
        return s._replace(replicas=replicas, busy=put(s.busy, c, None),
                          history=record(s.history, c, "ok", f, chosen.value))



    linearizable = linearizable(_history, claims=("CAP-2",),
                                doc="the history the clients saw is linearizable (a register)")

    @sometimes()
    def answered_in_a_partition(self, s: Quorum) -> bool:
        """Sometimes the majority side answers while the partition lasts."""
        return s.alone is not None and any(e.type == "ok" for e in s.history)

    weak_fair = ("all_protocol", "heal")
    answered = leads_to(lambda m, s: s.busy[0] is not None, lambda m, s: s.busy[0] is None,
                        claims=("CAP-2b",), doc="client 0's request is eventually answered")


class MinorityPartition(QuorumRegister):
    """The partition lasts: the minority side's request is never answered.  Claims: CAP-2b."""

    id = "replication.quorum_register.minority"
    claims = ("CAP-2b",)
    defaults = {"heals": 0}
    expected = {"answered": "violated"}
