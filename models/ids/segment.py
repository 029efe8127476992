"""Segment allocation (Leaf-segment style): ranges reserved with compare-and-set.  Claims: ID-7.

The database holds ``max_id``, the end of the last range handed out (durable).
A node that needs IDs reads it (``fetch``) and then tries ``reserve``: a
compare-and-set ``max_id: read -> read + segment``.  On success the node owns
``read+1 .. read+segment`` and serves IDs from it (``next_id``); on failure
(another node reserved in between) it forgets the read value and fetches
again.  A node may ``crash``, losing its range (volatile) and any pending
read, and ``restart``: it reserves a fresh range, so IDs of the lost range are
never issued -- gaps, but no duplicates.

``ids.segment`` (ID-7): unique and per-node increasing, with gaps (a
``sometimes`` check confirms a gap is reachable).  ``ids.segment.blind_write``
replaces the compare-and-set with a plain write of ``read + segment``: two
nodes that read the same ``max_id`` get the same range -- duplicates; the CAS
is what makes the scheme safe.

Takeaway: reserving ranges with compare-and-set keeps IDs unique through
crashes at the price of gaps (a crashed node's unused range is skipped) and
of per-node rather than global order; one database round trip per
``segment`` IDs instead of per ID.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, Param, action, fault, lane, put, sometimes
from distcheck.models.ids.variants import VariantModel
from distcheck.properties.ids import (
    Issued,
    increasing_ids,
    issued_per_node,
    issued_some,
    unique_ids,
)


class Node(NamedTuple):
    up: bool
    read: int | None  # max_id as read by fetch, awaiting reserve
    next: int  # next ID of the owned range
    end: int  # last ID of the owned range (next > end: no range)


class Seg(NamedTuple):
    max_id: int  # durable, in the database
    nodes: tuple[Node, ...]
    issued: tuple[tuple[Issued, ...], ...]  # per node, in issue order
    ids_left: int
    crashes_left: int
    restarts_left: int


_issued = issued_per_node("issued")
NO_RANGE = Node(True, None, 1, 0)


class SegmentAllocation(VariantModel):
    """Segment allocation by compare-and-set, nodes may crash.  Claims: ID-7."""

    id = "ids.segment"
    lane_order = ("node", "database")
    claims = ("ID-7",)
    nodes = Param(2, at_least=1, at_most=4)
    segment = Param(2, at_least=1, doc="IDs per reserved range")
    ids = Param(4, at_least=1, doc="IDs handed out in a behaviour (all nodes)")
    faults = Faults(crash=1, restart=1)  # Params crashes=1, restarts=1
    design_choices = ("compare_and_set",)
    #: reserve with compare-and-set (False: a blind write of read + segment)
    compare_and_set: ClassVar[bool] = True

    def init(self):
        yield Seg(0, (NO_RANGE,) * self.nodes, ((),) * self.nodes, self.ids,
                  **self.faults.initial())

    @action(node="nodes")
    @lane("node {node}", to="database")
    def fetch(self, s: Seg, node: int):
        n = s.nodes[node]
        if n.up and n.read is None and n.next > n.end and s.ids_left > 0:
            return s._replace(nodes=put(s.nodes, node, n._replace(read=s.max_id)))

    @action(node="nodes")
    @lane("node {node}", to="database")
    def reserve(self, s: Seg, node: int):
        n = s.nodes[node]
        if not n.up or n.read is None:
            return None
        if self.compare_and_set and s.max_id != n.read:
            return s._replace(nodes=put(s.nodes, node, n._replace(read=None)))  # CAS failed
        end = n.read + self.segment
        return s._replace(max_id=end,
                          nodes=put(s.nodes, node, Node(True, None, n.read + 1, end)))

    @action(node="nodes")
    @lane("node {node}")
    def next_id(self, s: Seg, node: int):
        n = s.nodes[node]
        if n.up and n.next <= n.end and s.ids_left > 0:
            log = s.issued[node] + (Issued(node, n.next),)
            return s._replace(nodes=put(s.nodes, node, n._replace(next=n.next + 1)),
                              issued=put(s.issued, node, log), ids_left=s.ids_left - 1)

    @fault("crash", node="nodes")
    @lane("node {node}")
    def crash(self, s: Seg, node: int):
        if s.nodes[node].up:
            down = NO_RANGE._replace(up=False)
            return self.faults.spend(s, "crash", nodes=put(s.nodes, node, down))

    @fault("restart", node="nodes")
    @lane("node {node}")
    def restart(self, s: Seg, node: int):
        if not s.nodes[node].up:
            return self.faults.spend(s, "restart", nodes=put(s.nodes, node, NO_RANGE))

    unique = unique_ids(_issued, claims=("ID-7",))
    increasing = increasing_ids(_issued, claims=("ID-7",))
    some_ids = issued_some(_issued, 3)

    @sometimes()
    def gap(self, s: Seg) -> bool:
        """sometimes an ID below the largest issued one is lost for good (a gap)"""
        issued = {i.value for i in _issued(self, s)}
        if not issued:
            return False
        held = {v for n in s.nodes for v in range(n.next, n.end + 1)}
        return any(v not in issued and v not in held for v in range(1, max(issued)))


class BlindWrite(SegmentAllocation):
    """Segment allocation with a blind write instead of CAS: duplicate ranges.  Claims: ID-7."""

    id = "ids.segment.blind_write"
    compare_and_set = False
    # a stale blind write can move max_id backwards: a node's next range may lie below its last
    expected = {"unique": "violated", "increasing": "violated"}
