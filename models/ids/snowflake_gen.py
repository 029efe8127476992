"""A Snowflake generator with a node clock, explored at small bit widths.

Claims: ID-6 (explored half), ID-6b, ID-6c, ID-6d, ID-6e.

Each node packs ``(timestamp, worker id, sequence)`` with the same layout code
as the proved ``ids.snowflake`` model, at tiny widths (3/1/1 bits by default).
Its clock is the global ``now`` plus an offset that only a ``clock_jump``
fault changes (NTP stepping the clock back by ``rollback`` ticks).  Clocks
never read past ``horizon``, which must fit the timestamp field (at most
``2^timestamp_bits - 1``): a longer horizon is rejected as bad input rather
than left to wrap the timestamp into collisions of the small model's making.
A client ``request`` waits until ``next_id`` answers it; ``next_id`` follows
the usual code:

* clock ahead of the last timestamp: sequence 0, issue;
* clock equal to it: next sequence, or -- when the sequence is exhausted --
  wait for the next tick (ID-6d);
* clock behind it (rolled back): ``on_rollback = "refuse"`` refuses (the
  request keeps waiting: the usual "throw on clock moved backwards", ID-6c);
  ``"trust"`` treats it as a new millisecond and restarts the sequence
  (ID-6b).

Time follows maximal progress: ``tick`` is disabled while a waiting request
could be answered, so a request waits only when the generator cannot answer
-- which makes availability a safety check over the horizon ("no request
waits more than ``patience`` ticks"); see ``properties/ids.py``.

Variants: ``ids.snowflake_gen`` (distinct worker ids, clock never set back:
unique, per-node increasing, k-sorted, available), ``.rollback`` (ID-6b,
duplicate), ``.refuse`` (ID-6c, unique but not available), ``.exhausted``
(ID-6d, one node, 1-bit sequence: waits, unique), ``.same_worker`` (ID-6e,
two nodes configured with worker id 0: duplicate).

Takeaway: with sound bits, Snowflake's uniqueness rests on two operational
facts -- every node has its own worker id, and the clock never goes back.  A
generator that trusts a rolled-back clock re-issues IDs; one that refuses stays
unique but is unavailable until its clock catches up (as the seed says), and
IDs are only k-sorted within the real clock skew between nodes.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import BadInput, Faults, Param, action, fault, lane, put, sometimes
from distcheck.models.ids.snowflake import Layout
from distcheck.models.ids.variants import VariantModel
from distcheck.properties.ids import (
    Issued,
    answered_within,
    increasing_ids,
    issued_per_node,
    issued_some,
    trend_ids,
    unique_ids,
)


class Node(NamedTuple):
    offset: int  # clock = now + offset
    last: int  # last timestamp used, -1 before the first ID
    seq: int  # sequence number used at `last`
    waiting: int | None  # tick the pending request was made at


class Gen(NamedTuple):
    now: int
    nodes: tuple[Node, ...]
    issued: tuple[tuple[Issued, ...], ...]  # per node, in issue order
    requests_left: int
    clock_jumps_left: int


_issued = issued_per_node("issued")


def _waiting(model: SnowflakeGenerator, s: Gen) -> list[int]:
    return [n.waiting for n in s.nodes if n.waiting is not None]


class SnowflakeGenerator(VariantModel):
    """Snowflake generator, distinct worker ids, clock never set back.  Claims: ID-6."""

    id = "ids.snowflake_gen"
    lane_order = ("client", "node")
    claims = ("ID-6",)
    nodes = Param(2, at_least=1, at_most=4, doc="generator nodes")
    requests = Param(3, at_least=1, doc="ID requests in a behaviour (all nodes)")
    horizon = Param(4, at_least=1, doc="last tick")
    timestamp_bits = Param(3, at_least=1, at_most=16)
    worker_bits = Param(1, at_least=1, at_most=8)
    sequence_bits = Param(1, at_least=1, at_most=8)
    rollback = Param(2, at_least=1, doc="ticks a clock_jump sets a node's clock back")
    patience = Param(1, at_least=0, doc="ticks a request may wait (availability)")
    skew = Param(1, at_least=1, doc="declared skew for the global trend (k-sortedness)")
    faults = Faults(clock_jump=0, tick=True)  # Param clock_jumps=0: clock set-backs
    design_choices = ("on_rollback", "same_worker_id")
    #: what next_id does when the clock is behind its last timestamp: "refuse" or "trust"
    on_rollback: ClassVar[str] = "refuse"
    #: configure every node with worker id 0
    same_worker_id: ClassVar[bool] = False

    def setup(self) -> None:
        if not self.same_worker_id and self.nodes > 1 << self.worker_bits:
            raise BadInput(
                f"{self.nodes} nodes need distinct worker ids but worker_bits={self.worker_bits} "
                f"holds {1 << self.worker_bits}; raise worker_bits or lower nodes"
            )
        # A clock reads at most `horizon` (a clock_jump only sets it back): a later
        # timestamp would wrap in the field and collide with an early one.
        if self.horizon >= 1 << self.timestamp_bits:
            raise BadInput(
                f"horizon={self.horizon} runs past the largest timestamp that timestamp_bits="
                f"{self.timestamp_bits} can hold ({(1 << self.timestamp_bits) - 1}); "
                "raise timestamp_bits or lower horizon"
            )
        self.layout = Layout(self.timestamp_bits, self.worker_bits, self.sequence_bits,
                             self.sequence_bits, self.sequence_bits + self.worker_bits)
        self.max_seq = (1 << self.sequence_bits) - 1

    def init(self):
        yield Gen(0, (Node(0, -1, 0, None),) * self.nodes, ((),) * self.nodes,
                  self.requests, **self.faults.initial())

    def worker_id(self, node: int) -> int:
        return 0 if self.same_worker_id else node

    def clock(self, s: Gen, node: int) -> int:
        return s.now + s.nodes[node].offset

    # -- protocol ------------------------------------------------------------------------

    @action(node="nodes")
    @lane("client", to="node {node}")
    def request(self, s: Gen, node: int):
        if s.requests_left > 0 and s.nodes[node].waiting is None:
            return s._replace(nodes=put(s.nodes, node, s.nodes[node]._replace(waiting=s.now)),
                              requests_left=s.requests_left - 1)

    @action(node="nodes")
    @lane("node {node}", to="client")
    def next_id(self, s: Gen, node: int):
        return self.answer(s, node)

    def answer(self, s: Gen, node: int) -> Gen | None:
        """``next_id`` as a plain method, so ``tick`` can ask whether it is enabled."""
        n = s.nodes[node]
        if n.waiting is None:
            return None
        ts = self.clock(s, node)
        if ts > n.last:
            seq = 0
        elif ts == n.last:
            if n.seq == self.max_seq:
                return None  # sequence exhausted: wait for the next tick
            seq = n.seq + 1
        elif self.on_rollback == "refuse":
            return None  # clock moved backwards: refuse until it passes `last`
        else:
            seq = 0  # trusts the clock: a "new" millisecond
        value = self.layout.pack(ts, self.worker_id(node), seq)
        log = s.issued[node] + (Issued(node, value, s.now),)
        return s._replace(nodes=put(s.nodes, node, Node(n.offset, ts, seq, None)),
                          issued=put(s.issued, node, log))

    # -- environment ---------------------------------------------------------------------

    @fault("tick")
    def tick(self, s: Gen):
        servable = any(self.answer(s, i) is not None for i in range(self.nodes))
        if not servable:
            return self.faults.tick(s)

    @fault("clock_jump", node="nodes")
    @lane("node {node}")
    def clock_jump(self, s: Gen, node: int):
        n = s.nodes[node]
        if self.clock(s, node) - self.rollback >= 0:
            set_back = n._replace(offset=n.offset - self.rollback)
            return self.faults.spend(s, "clock_jump", nodes=put(s.nodes, node, set_back))

    # -- properties ----------------------------------------------------------------------

    unique = unique_ids(_issued)  # each variant's own claim
    increasing = increasing_ids(_issued, claims=("ID-6",))
    trend = trend_ids(_issued, "skew")
    available = answered_within(_waiting, lambda s: s.now, "patience")
    some_ids = issued_some(_issued, 2)


class RollbackTrusted(SnowflakeGenerator):
    """ID-6b: the clock is set back and the generator trusts it: a duplicate ID."""

    id = "ids.snowflake_gen.rollback"
    claims = ("ID-6b",)
    defaults = {"clock_jumps": 1}
    on_rollback = "trust"
    expected = {"unique": "violated", "increasing": "violated", "trend": "violated"}


class RollbackRefused(SnowflakeGenerator):
    """ID-6c: refuse to issue while the clock is behind: unique, but requests go unanswered."""

    id = "ids.snowflake_gen.refuse"
    claims = ("ID-6c",)
    defaults = {"clock_jumps": 1}
    # The set-back node's clock lags the other's by `rollback` > `skew` ticks:
    # an ID it issues after the jump can be smaller than one issued earlier (trend).
    expected = {"available": "violated", "trend": "violated"}

    @sometimes()
    def refused(self, s: Gen) -> bool:
        """sometimes a request waits because the clock is behind the last timestamp"""
        return any(n.waiting is not None and s.now + n.offset < n.last for n in s.nodes)


class SequenceExhausted(SnowflakeGenerator):
    """ID-6d: more requests in one tick than the sequence holds: wait for the next tick."""

    id = "ids.snowflake_gen.exhausted"
    claims = ("ID-6d",)
    defaults = {"nodes": 1}

    @sometimes()
    def waited_for_next_tick(self, s: Gen) -> bool:
        """sometimes a request waits because this tick's sequence is used up"""
        return any(n.waiting is not None and s.now + n.offset == n.last and n.seq == self.max_seq
                   for n in s.nodes)


class SameWorkerId(SnowflakeGenerator):
    """ID-6e: two nodes configured with the same worker id issue the same ID."""

    id = "ids.snowflake_gen.same_worker"
    claims = ("ID-6e",)
    same_worker_id = True
    expected = {"unique": "violated"}
