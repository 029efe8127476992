"""Multi-master auto-increment with offset and step.  Claims: ID-3, ID-3b.

Each of ``nodes`` masters hands out ``offset + step * c`` for its local
counter ``c = 0, 1, 2, ...`` (MySQL's ``auto_increment_offset`` /
``auto_increment_increment``); node ``i`` has offset ``i + 1``.

Proved with Z3 over unbounded integers:

* ``no_collision_any_step`` (ID-3, the general theorem): for every step
  ``s >= 1``, any two distinct offsets in ``[1, s]`` and any counters ``a, b
  >= 0``, ``o1 + s*a != o2 + s*b`` -- so ``n`` nodes never collide whenever
  ``s >= n`` gives them distinct offsets in ``[1, s]``;
* ``no_collision`` (this instance, for all counter values): no two of this
  model's nodes ever issue the same ID.

ID-3b (``ids.multimaster.node_added``): a node is added (``add_node``) with
the next offset, ``nodes + 1``, while the step stays ``nodes``.  Its offset
is congruent to node 0's modulo the step, and the solver returns the
concrete colliding pair (node 0's second ID equals the new node's first).

Both are also explored with BFS at small sizes (each node issues up to
``ids_per_node`` IDs): same verdicts.

Takeaway: offset/step removes the single point of failure and is collision-free
for every counter value -- but the step is fixed at deployment.  Adding a
master means re-stepping every node (choose ``step`` larger than today's node
count up front), exactly the "hard to scale out" the seed warns about.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from distcheck import Model, Param, Query, action, proof, put, sometimes
from distcheck.properties.ids import (
    Issued,
    increasing_ids,
    issued_per_node,
    issued_some,
    unique_ids,
)


class Masters(NamedTuple):
    issued: tuple[tuple[Issued, ...], ...]  # per node, in issue order
    added: int  # nodes added at run time (ID-3b)


_issued = issued_per_node("issued")


class MultiMaster(Model):
    """Multi-master auto-increment, distinct offsets in [1, step], step >= nodes.  Claims: ID-3."""

    id = "ids.multimaster"
    claims = ("ID-3",)
    nodes = Param(2, at_least=1, at_most=8, doc="masters")
    step = Param(2, at_least=1, doc="auto_increment_increment shared by all masters")
    ids_per_node = Param(3, at_least=1, doc="IDs each master issues (BFS bound)")
    nodes_added = Param(0, at_least=0, at_most=2, doc="masters added later, step unchanged")
    may_be_dead = {"add_node": "masters are added only when nodes_added > 0"}

    def init(self):
        yield Masters(((),) * self.all_nodes, 0)

    def offset(self, node: int) -> int:
        return node + 1

    def offsets(self) -> list[int]:
        return [self.offset(i) for i in range(self.all_nodes)]

    def setup(self) -> None:
        self.all_nodes = self.nodes + self.nodes_added

    @action(node="all_nodes")
    def next_id(self, s: Masters, node: int):
        if node >= self.nodes + s.added or len(s.issued[node]) >= self.ids_per_node:
            return None
        value = self.offset(node) + self.step * len(s.issued[node])
        return s._replace(issued=put(s.issued, node, s.issued[node] + (Issued(node, value),)))

    @action()
    def add_node(self, s: Masters):
        if s.added < self.nodes_added:
            return s._replace(added=s.added + 1)

    unique = unique_ids(_issued)
    increasing = increasing_ids(_issued)
    some_ids = issued_some(_issued, 2)

    # -- Z3 ------------------------------------------------------------------------------

    @proof()
    def no_collision(self, z3: Any) -> Query:
        """no two nodes of this configuration issue the same ID, for all counter values"""
        offsets, step = self.offsets(), self.step
        i, j, a, b = z3.Ints("node_i node_j counter_i counter_j")

        def offset_of(node: Any) -> Any:
            term = z3.IntVal(offsets[-1])
            for k in reversed(range(len(offsets) - 1)):
                term = z3.If(node == k, offsets[k], term)
            return term

        n = len(offsets)
        collide = z3.And(0 <= i, i < n, 0 <= j, j < n, i != j, a >= 0, b >= 0,
                         offset_of(i) + step * a == offset_of(j) + step * b)

        def refutes(v: dict[str, int]) -> str | None:
            ni, nj, ca, cb = v["node_i"], v["node_j"], v["counter_i"], v["counter_j"]
            if not (0 <= ni < n and 0 <= nj < n and ni != nj and ca >= 0 and cb >= 0):
                return None
            id_i, id_j = offsets[ni] + step * ca, offsets[nj] + step * cb
            if id_i == id_j:
                return (f"node {ni} (offset {offsets[ni]}) at counter {ca} and node {nj} "
                        f"(offset {offsets[nj]}) at counter {cb} both issue {id_i}")
            return None

        def show(v: dict[str, int]) -> dict[str, Any]:
            return {"id_i": offsets[v["node_i"]] + step * v["counter_i"],
                    "id_j": offsets[v["node_j"]] + step * v["counter_j"]}

        unknowns = {"node_i": i, "node_j": j, "counter_i": a, "counter_j": b}
        return Query(collide, unknowns, refutes, show,
                     {"offsets": offsets, "step": step})

    @proof()
    def no_collision_any_step(self, z3: Any) -> Query:
        """for every step s >= 1, distinct offsets in [1, s] never collide, for all counters"""
        s, o1, o2, a, b = z3.Ints("step offset_1 offset_2 counter_1 counter_2")
        collide = z3.And(s >= 1, 1 <= o1, o1 <= s, 1 <= o2, o2 <= s, o1 != o2, a >= 0, b >= 0,
                         o1 + s * a == o2 + s * b)

        def refutes(v: dict[str, int]) -> str | None:
            st, x, y, ca, cb = (v[k] for k in ("step", "offset_1", "offset_2", "counter_1",
                                               "counter_2"))
            ok = st >= 1 and 1 <= x <= st and 1 <= y <= st and x != y and ca >= 0 and cb >= 0
            if ok and x + st * ca == y + st * cb:
                return f"offsets {x} and {y} with step {st} both issue {x + st * ca}"
            return None

        unknowns = {"step": s, "offset_1": o1, "offset_2": o2, "counter_1": a, "counter_2": b}
        return Query(collide, unknowns, refutes)


class NodeAdded(MultiMaster):
    """A master added without re-stepping collides with node 0.  Claims: ID-3b."""

    id = "ids.multimaster.node_added"
    claims = ("ID-3b",)
    defaults = {"nodes_added": 1}
    no_collision_any_step = None  # the general theorem is ID-3's; this variant breaks its premise
    expected = {"no_collision": "violated", "unique": "violated"}

    @sometimes()
    def added_node_issues(self, s: Masters) -> bool:
        """sometimes the added master issues an ID"""
        return any(s.issued[self.nodes:])
