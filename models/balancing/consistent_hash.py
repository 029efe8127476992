"""Hash mod n against consistent hashing when one server leaves: how many clients move.

Claims: LB-3b (hash mod n remaps about (n-1)/n of the clients, consistent
hashing with virtual nodes about 1/n).

Computed, not explored: a population of ``clients`` addresses is mapped to
``servers`` servers, then each server in turn is removed and the clients whose
server changed are counted.  Hash mod n takes the position ``hash mod n`` in
the list, so removing a server changes n for everyone: a client stays only
when ``hash mod n`` and ``hash mod (n-1)`` happen to name the same server.
Consistent hashing places ``vnodes`` points per server on a ring and sends a
client to the next point; removing a server hands only its own points' clients
to their successors.

The figures are cross-checked: on the ring, no client of a remaining server
may move (exactly), and both fractions must lie within ``tolerance`` of the
theory's (n-1)/n and 1/n.

Takeaway: with hash mod n a membership change is a reshuffle: every session,
cache entry or connection keyed by client hash is lost for about (n-1)/n of
the clients.  Consistent hashing moves only the departed server's share.
"""

from __future__ import annotations

from distcheck import Measurement, Model, Param, measured
from distcheck.models.balancing.hashing import Ring, client_ip, mod_n


class ConsistentHashing(Model):
    """Hash mod n vs consistent hashing, one server removed.  Claims: LB-3b."""

    id = "balancing.consistent_hash"
    claims = ("LB-3b",)
    servers = Param(5, at_least=2, at_most=1000, doc="servers before one is removed")
    clients = Param(10_000, at_least=1, at_most=1_000_000, doc="client addresses mapped")
    vnodes = Param(100, at_least=1, at_most=10_000, doc="ring points per server")
    tolerance = Param(0.05, doc="allowed distance of each fraction from the theory's")

    @measured(claims=("LB-3b",))
    def remapped(self) -> Measurement:
        """fraction of clients that change server when one server is removed"""
        names = [f"server-{i}" for i in range(self.servers)]
        keys = [client_ip(c) for c in range(self.clients)]
        ring = Ring(names, self.vnodes)
        before_mod = [mod_n(k, names) for k in keys]
        before_ring = [ring.server(k) for k in keys]
        mod_moves, ring_moves, problems = [], [], []
        for gone in names:
            rest = [n for n in names if n != gone]
            smaller = Ring(rest, self.vnodes)
            mod_moves.append(sum(mod_n(k, rest) != b for k, b in zip(keys, before_mod, strict=True)))
            moved = [b for k, b in zip(keys, before_ring, strict=True) if smaller.server(k) != b]
            ring_moves.append(len(moved))
            if any(b != gone for b in moved):
                problems.append(f"removing {gone} moved clients of other servers on the ring")
        n, total = self.servers, self.clients * self.servers
        mod_frac, ring_frac = sum(mod_moves) / total, sum(ring_moves) / total
        for name, got, theory in (("hash mod n", mod_frac, (n - 1) / n),
                                  ("consistent hashing", ring_frac, 1 / n)):
            if abs(got - theory) > self.tolerance:
                problems.append(f"{name} moved {got:.3f} of the clients, theory {theory:.3f}")
        figures = {
            "hash mod n: clients moved": f"{mod_frac:.3f} (theory (n-1)/n = {(n - 1) / n:.3f})",
            "consistent hashing: clients moved": f"{ring_frac:.3f} (theory 1/n = {1 / n:.3f})",
            "worst single removal (mod n / ring)":
                f"{max(mod_moves) / self.clients:.3f} / {max(ring_moves) / self.clients:.3f}",
            "population": f"{self.clients:,} clients, {n} servers, {self.vnodes} virtual nodes each, "
                          "averaged over removing each server",
        }
        return Measurement(figures, f"one of {n} servers removed: hash mod n moves {mod_frac:.1%} "
                           f"of the clients, consistent hashing {ring_frac:.1%}",
                           "; ".join(problems) or None)
