"""Source-IP hashing: a client's address, hashed mod n, picks its server.

Claims: LB-3 (the same client goes to the same server while the server list is
unchanged) and LB-7 (IP binding and a server crash: the clients bound to the
crashed server lose service).

``balancing.ip_hash``: clients with fixed addresses send requests; the
balancer sends each to ``servers[hash(ip) mod n]`` (nginx's ``ip_hash``, here
with a stable MD5-based hash).  The state keeps, per client, the server its
requests went to, and an action property checks every request against it.

``balancing.ip_hash.crash``: a server crashes for good (crash-stop).  The
balancer's list is unchanged -- binding is the point of the design -- so the
crashed server's clients keep being sent to it and get no answer.  The clients
of the other servers are untouched.

Takeaway: IP binding makes a client's server predictable, which lets a
server keep the client's session in memory; the price is that a server
failure is a failure for a whole slice of users (see ``sessions.sticky`` for
what happens to their sessions when the balancer does move them).
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import (
    Faults,
    Model,
    Param,
    Step,
    action,
    action_property,
    fault,
    invariant,
    lane,
    put,
    sometimes,
)
from distcheck.models.balancing.hashing import client_ip, mod_n


class Ip(NamedTuple):
    up: tuple[bool, ...]  # which servers are running (the balancer's list does not change)
    served_by: tuple[int | None, ...]  # per client: the server its requests went to
    unanswered: tuple[bool, ...]  # per client: a request of it got no answer
    crashes_left: int


class IpHash(Model):
    """Source-IP hash over a fixed server list.  Claims: LB-3."""

    id = "balancing.ip_hash"
    lane_order = ("client", "server")
    claims = ("LB-3",)
    clients = Param(4, at_least=1, doc="clients, at addresses 10.0.0.1, 10.0.0.2, ...")
    servers = Param(3, at_least=1, doc="servers behind the balancer")
    faults = Faults(crash=0, restart=False)  # Param crashes=0: servers that crash for good

    def setup(self) -> None:
        names = [str(i) for i in range(self.servers)]
        self.route = tuple(int(mod_n(client_ip(c), names)) for c in range(self.clients))

    def init(self):
        yield Ip((True,) * self.servers, (None,) * self.clients, (False,) * self.clients,
                 **self.faults.initial())

    @action(client="clients")
    @lane("client {client}", to=lambda m, s, client: f"server {m.route[client]}")
    def request(self, s: Ip, client: int):
        server = self.route[client]
        if s.up[server]:
            return s._replace(served_by=put(s.served_by, client, server))
        if not s.unanswered[client]:
            return s._replace(unanswered=put(s.unanswered, client, True))

    @fault("crash", server="servers")
    @lane("server {server}")
    def crash(self, s: Ip, server: int):
        if s.up[server]:
            return self.faults.spend(s, "crash", up=put(s.up, server, False))

    @action_property(claims=("LB-3",))
    def same_server(self, s: Ip, step: Step, t: Ip) -> bool:
        """a client's requests all go to one server while the server list is unchanged"""
        return all(a is None or a == b for a, b in zip(s.served_by, t.served_by, strict=True))

    @invariant(claims=("LB-7",))
    def served(self, s: Ip) -> bool:
        """every request gets an answer"""
        return not any(s.unanswered)

    @sometimes()
    def spread(self, s: Ip) -> bool:
        """sometimes two clients are served by different servers (the hash spreads them)"""
        return len({b for b in s.served_by if b is not None}) >= 2


class IpHashCrash(IpHash):
    """Source-IP hash, one server crashes: its clients lose service.  Claims: LB-7."""

    id = "balancing.ip_hash.crash"
    claims = ("LB-7",)
    defaults = {"crashes": 1}
    expected = {"served": "violated"}
