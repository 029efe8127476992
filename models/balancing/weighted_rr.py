"""Weighted round robin, naive and smooth (nginx): exact shares per cycle, and bursts.

Claims: LB-4 (per cycle of W = sum of the weights requests, server i gets
exactly w_i, for both; the naive order sends long bursts to one server, the
smooth order does not).

``balancing.weighted_rr.naive``: the list is expanded by weight (weights
4,2,1 give a a a a b b c) and walked round robin, so the heaviest server
gets its whole weight in a row.

``balancing.weighted_rr.smooth``: nginx's smooth weighted round robin.  On
each request every server's current weight grows by its weight, the server
with the highest current weight (first in the list on a tie) gets the request
and its current weight drops by W.  For 4,2,1 this gives a b a c a b a.

The state follows the requests forever (both orders are periodic, so the
space is finite): the requests of the current cycle per server, and the
current burst (server and length).  ``exact_per_cycle`` checks each completed
cycle.  ``no_long_burst`` bounds a burst to server i by ``ceil(w_i / (W -
w_i))``: the other servers' W - w_i requests per cycle can split the w_i
requests of server i into at most W - w_i bursts (the order repeats), so no
order does better.  Smooth meets that bound at the default weights, though not
at every weight vector (5,1,1 gives a a b a c a a, a burst of 4 across the
cycle boundary against a bound of 3): ``longest_burst`` reports the figures
for any weights given with ``--param weights=...``.

Takeaway: both orders honour the weights exactly over a cycle; the smooth
one also spreads each server's share over the cycle, so a heavy server is not
hit by its whole weight at once and a light one does not wait a whole burst.
"""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

from distcheck import Measurement, Model, Param, action, invariant, lane, measured, put
from distcheck.models.balancing._weights import parse_weights


class Wrr(NamedTuple):
    current: tuple[int, ...]  # smooth: each server's current weight; naive: (position in the list,)
    cycle: tuple[int, ...]  # requests each server got in the current cycle
    burst: tuple[int, int]  # (server, length) of the burst the last request extended


class WeightedRoundRobin(Model):
    """Weighted round robin; the naive and smooth orders below are the models."""

    weights = Param("4,2,1", doc="server weights, comma-separated")
    #: "naive" (expanded list) or "smooth" (nginx)
    order: ClassVar[str] = "smooth"

    def setup(self) -> None:
        self.w = parse_weights(self.weights, servers_at_least=2)
        self.total = sum(self.w)
        self.expanded = tuple(i for i, w in enumerate(self.w) for _ in range(w))

    def init(self):
        start = (0,) * len(self.w) if self.order == "smooth" else (0,)
        yield Wrr(start, (0,) * len(self.w), (-1, 0))

    def choose(self, current: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
        """The server for the next request and the balancer's state after it."""
        if self.order == "naive":
            return self.expanded[current[0]], ((current[0] + 1) % self.total,)
        grown = tuple(c + w for c, w in zip(current, self.w, strict=True))
        best = max(range(len(grown)), key=lambda i: (grown[i], -i))
        return best, put(grown, best, grown[best] - self.total)

    @action()
    @lane("balancer", to=lambda m, s: f"server {m.choose(s.current)[0]}")
    def request(self, s: Wrr):
        server, current = self.choose(s.current)
        cycle = s.cycle if sum(s.cycle) < self.total else (0,) * len(self.w)
        run = s.burst[1] + 1 if s.burst[0] == server else 1
        return Wrr(current, put(cycle, server, cycle[server] + 1), (server, run))

    def fair_burst(self, server: int) -> int:
        return math.ceil(self.w[server] / (self.total - self.w[server]))

    @invariant(claims=("LB-4",))
    def exact_per_cycle(self, s: Wrr) -> bool:
        """every cycle of sum(w) requests gives server i exactly w_i"""
        return sum(s.cycle) < self.total or s.cycle == self.w

    @invariant(claims=("LB-4",))
    def no_long_burst(self, s: Wrr) -> bool:
        """no server gets more requests in a row than ceil(w_i / (W - w_i)), the least any order needs"""
        server, run = s.burst
        return run == 0 or run <= self.fair_burst(server)

    @measured(claims=("LB-4",))
    def longest_burst(self) -> Measurement:
        """the longest run of requests to one server, per server, against the least any order needs"""
        current, longest, prev, run = self.init_current(), [0] * len(self.w), -1, 0
        for _ in range(3 * self.total):  # two whole periods after the first: every burst seen
            server, current = self.choose(current)
            run = run + 1 if server == prev else 1
            prev, longest[server] = server, max(longest[server], run)
        figures = {f"server {i} (weight {w})": f"longest burst {longest[i]}, least needed "
                   f"{self.fair_burst(i)}" for i, w in enumerate(self.w)}
        return Measurement(figures, f"{self.order} order, weights {self.weights}: longest burst "
                           f"{max(longest)}")

    def init_current(self) -> tuple[int, ...]:
        return next(iter(self.init())).current


class Naive(WeightedRoundRobin):
    """Naive weighted round robin (the list expanded by weight).  Claims: LB-4."""

    id = "balancing.weighted_rr.naive"
    claims = ("LB-4",)
    order = "naive"
    expected = {"no_long_burst": "violated"}


class Smooth(WeightedRoundRobin):
    """nginx's smooth weighted round robin.  Claims: LB-4."""

    id = "balancing.weighted_rr.smooth"
    claims = ("LB-4",)
    order = "smooth"
