"""Round robin: the next request goes to the next server in the list.

Claims: LB-1 (in every window of k·n consecutive requests each of the n
servers gets exactly k).

``balancing.round_robin``: one balancer keeps one counter; a request goes to
server ``counter mod n`` and the counter moves on.  The state keeps the servers
of the last k·n requests, so the invariant looks at every window, whatever its
start.  Requests from different clients arrive in any order; it makes no
difference, because the balancer orders them.

``balancing.round_robin.per_worker``: the balancer runs as several workers
(processes), each with a counter of its own, as nginx's workers do unless the
upstream state is shared: a request reaches whichever worker accepts it.  Each
worker is a fair round robin; together they are not.

Takeaway: round robin's evenness is a property of one sequence of requests
through one counter.  Split the counter over workers and a window can send two
requests to the same server and none to another.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from distcheck import Model, Param, action, invariant, lane, put, sometimes


class RR(NamedTuple):
    counter: tuple[int, ...]  # each worker's next server
    recent: tuple[int, ...]  # the servers of the last k·n requests, oldest first
    left: int  # requests still to come in this behaviour


class RoundRobin(Model):
    """Round robin through one counter.  Claims: LB-1."""

    id = "balancing.round_robin"
    lane_order = ("worker", "server")
    claims = ("LB-1",)
    servers = Param(3, at_least=1, doc="servers behind the balancer")
    k = Param(2, at_least=1, doc="the window is k·n requests")
    requests = Param(8, at_least=1, doc="requests in a behaviour")
    workers = Param(1, at_least=1, doc="balancer workers, each with its own counter")

    def init(self):
        yield RR((0,) * self.workers, (), self.requests)

    @action(worker="workers")
    @lane("worker {worker}", to=lambda m, s, worker: f"server {s.counter[worker]}")
    def request(self, s: RR, worker: int):
        """A request reaches ``worker``, which sends it to its next server."""
        if s.left:
            server = s.counter[worker]
            recent = (s.recent + (server,))[-self.k * self.servers:]
            return RR(put(s.counter, worker, (server + 1) % self.servers), recent, s.left - 1)

    @invariant(claims=("LB-1",))
    def even_windows(self, s: RR) -> bool:
        """every window of k·n consecutive requests gives each server exactly k"""
        if len(s.recent) < self.k * self.servers:
            return True
        counts = Counter(s.recent)
        return all(counts[i] == self.k for i in range(self.servers))

    @sometimes()
    def full_window(self, s: RR) -> bool:
        """sometimes a whole window of requests has been sent (not vacuous)"""
        return len(s.recent) == self.k * self.servers


class PerWorker(RoundRobin):
    """Round robin with a counter per balancer worker.  Claims: LB-1."""

    id = "balancing.round_robin.per_worker"
    defaults = {"workers": 2}
    expected = {"even_windows": "violated"}
