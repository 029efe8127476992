"""BASE: replicas that accept writes locally and converge later.

Claims: BASE-1 (with anti-entropy, once writes stop and partitions heal, the
replicas converge) and BASE-2 (last-writer-wins with clock skew loses an
acknowledged write).

``replication.anti_entropy``: ``writes`` writes land on any replica, each
timestamped (a counter and the replica's id) and applied locally at once.
``sync`` is anti-entropy: a replica pulls a newer value from a replica it can
reach, and the newest timestamp wins.  A partition may cut one replica off,
and heals (fairly).  Liveness ``converge``: whenever the replicas disagree,
they agree later (weakly fair ``sync`` and ``heal``).  Writes stop after the
budget, so every behaviour ends; the property asks that it ends converged.
``replication.anti_entropy.none`` has no anti-entropy: replicas that missed a
write during the partition keep the old value forever.

``replication.lww``: each write is acknowledged by the replica that takes it,
timestamped by that replica's clock, and replicas merge by last writer wins.
Writes happen one after another in real time (time moves on by one tick
after each), so with synchronised clocks a later write always carries a
larger timestamp.  A ``clock_jump`` sets one replica's clock back by
``skew`` ticks: its next write, although later, carries a smaller timestamp,
and the merge keeps the earlier write, on every replica.  The property
``no_lost_write``: no replica that has applied a write holds an earlier one.
``replication.lww.synced`` has no clock jump and holds.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, invariant, lane, leads_to, put, sometimes
from distcheck.models.replication.cut import ReplicaCut


class Replica(NamedTuple):
    ts: tuple[int, int]  # (counter or clock, writer replica); (0, -1): the initial value
    value: int | None


class Gossip(NamedTuple):
    replicas: tuple[Replica, ...]
    alone: int | None  # the replica cut off by a partition; None: connected
    writes_left: int
    partitions_left: int
    heals_left: int


class AntiEntropy(ReplicaCut):
    """Local writes, anti-entropy between replicas.  Claims: BASE-1.

    Takeaway: eventual consistency needs an active repair: with anti-entropy,
    replicas converge once writes stop and partitions heal; without it, a
    replica that missed a write stays behind forever.
    """

    id = "replication.anti_entropy"
    lane_order = ("client", "replica")
    claims = ("BASE-1",)
    replicas = Param(3, at_least=2, at_most=4, doc="replicas")
    writes = Param(2, at_least=1, doc="writes in a behaviour (then writes stop)")
    faults = Faults(partition=1, heal=Param(1, at_most=1, doc="whether the partition may heal"))

    def init(self):
        yield Gossip((Replica((0, -1), None),) * self.replicas, None, self.writes,
                     **self.faults.initial())


    @action(r="replicas")
    @lane("client", to="replica {r}")
    def write(self, s: Gossip, r: int):
        if s.writes_left:
            n = self.writes - s.writes_left + 1
            counter = max(x.ts[0] for x in s.replicas) + 1
            return s._replace(replicas=put(s.replicas, r, Replica((counter, r), n)),
                              writes_left=s.writes_left - 1)

    @action(src="replicas", dst="replicas")
    @lane("replica {src}", to="replica {dst}")
    def sync(self, s: Gossip, src: int, dst: int):
        """dst pulls src's value when it is newer: last writer (highest timestamp) wins."""
        if self.connected(s, src, dst) and s.replicas[src].ts > s.replicas[dst].ts:
            return s._replace(replicas=put(s.replicas, dst, s.replicas[src]))



    def converged(self, s: Gossip) -> bool:
        return len(set(s.replicas)) == 1

    weak_fair = ("sync", "heal")
    converge = leads_to(lambda m, s: not m.converged(s), lambda m, s: m.converged(s),
                        claims=("BASE-1",), doc="replicas that disagree eventually agree")

    @sometimes()
    def diverged_in_a_partition(self, s: Gossip) -> bool:
        """Sometimes the replicas disagree while partitioned (the partition matters)."""
        return s.alone is not None and not self.converged(s)


class NoAntiEntropy(AntiEntropy):
    """Without anti-entropy, a replica that missed a write never catches up.  Claims: BASE-1."""

    id = "replication.anti_entropy.none"
    sync = None
    weak_fair = ("heal",)
    expected = {"converge": "violated"}


class Clocked(NamedTuple):
    value: tuple[tuple[int, int], int] | tuple[tuple[int, int], None]  # (timestamp, write number)
    applied: frozenset[int]  # the writes this replica has seen


class Lww(NamedTuple):
    replicas: tuple[Clocked, ...]
    offset: tuple[int, ...]  # each replica's clock minus real time
    now: int
    writes_left: int
    clock_jumps_left: int


class LastWriterWins(Model):
    """Last-writer-wins by the writers' clocks.  Claims: BASE-2.

    Takeaway: last-writer-wins trusts clocks.  A replica whose clock was set
    back stamps a later write with an earlier time, and the merge keeps the
    earlier write everywhere: an acknowledged write is lost without an error.
    """

    id = "replication.lww"
    lane_order = ("client", "replica")
    claims = ("BASE-2",)
    replicas = Param(2, at_least=2, at_most=3, doc="replicas")
    writes = Param(2, at_least=2, doc="writes, one after another in real time")
    skew = Param(2, at_least=1, doc="ticks a clock jump sets a replica's clock back")
    faults = Faults(clock_jump=1)

    def init(self):
        yield Lww((Clocked(((0, -1), None), frozenset()),) * self.replicas, (0,) * self.replicas,
                  1, self.writes, **self.faults.initial())

    def merge(self, replica: Clocked, ts: tuple[int, int], n: int) -> Clocked:
        kept = replica.value if replica.value[0] > ts else (ts, n)
        return Clocked(kept, replica.applied | {n})

    @action(r="replicas")
    @lane("client", to="replica {r}")
    def write(self, s: Lww, r: int):
        """Replica r takes write n, stamps it with its clock, acknowledges it; time moves on."""
        if s.writes_left:
            n = self.writes - s.writes_left + 1
            stamped = self.merge(s.replicas[r], (s.now + s.offset[r], r), n)
            return s._replace(replicas=put(s.replicas, r, stamped), now=s.now + 1,
                              writes_left=s.writes_left - 1)

    @action(src="replicas", dst="replicas")
    @lane("replica {src}", to="replica {dst}")
    def sync(self, s: Lww, src: int, dst: int):
        """dst merges what src has: the higher timestamp wins."""
        theirs, mine = s.replicas[src], s.replicas[dst]
        if src != dst and theirs.value[1] is not None and not theirs.applied <= mine.applied:
            merged = self.merge(mine, *theirs.value)
            merged = merged._replace(applied=mine.applied | theirs.applied)
            return s._replace(replicas=put(s.replicas, dst, merged))

    @fault("clock_jump", r="replicas")
    @lane("replica {r}")
    def clock_jump(self, s: Lww, r: int):
        return self.faults.spend(s, "clock_jump", offset=put(s.offset, r, s.offset[r] - self.skew))

    @invariant(expect="violated", claims=("BASE-2",))
    def no_lost_write(self, s: Lww) -> bool:
        """No replica that has applied an acknowledged write holds an earlier write instead."""
        return all(r.value[1] is None or all(n <= r.value[1] for n in r.applied)
                   for r in s.replicas)

    @sometimes()
    def replicated(self, s: Lww) -> bool:
        """Sometimes every replica has seen every write (the merge runs)."""
        return s.writes_left == 0 and all(len(r.applied) == self.writes for r in s.replicas)


class SyncedClocks(LastWriterWins):
    """Clocks that never jump back: the later write always wins.  Claims: BASE-2."""

    id = "replication.lww.synced"
    defaults = {"clock_jumps": 0}
    expected = {"no_lost_write": "holds"}
