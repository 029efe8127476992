"""Least connections: a new connection goes to the live server with the fewest open ones.

Claims: LB-6 (the balancer never picks a server with more active connections
than another live server).

Clients open and close connections in any interleaving; the balancer counts
each server's open connections (incremented when it picks the server,
decremented when the connection closes, reset when the server crashes) and picks the live server with the
fewest, the first in the list on a tie, as nginx's ``least_conn`` does inside
its shared upstream zone.  A server may crash, dropping its connections (its
clients see them close), and restart empty; the balancer stops picking a
server once it is down (a health check).  The action property judges every
pick against the connections actually open when it was made (counted from
the clients), not against the balancer's own counters.

Takeaway: the rule keeps its promise under any mix of opening, closing and
crashes, because the counts and the pick are updated together; it balances
connections, not work, so a server with few but heavy connections still gets
the next one.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, Step, action, action_property, fault, put, sometimes


class Lc(NamedTuple):
    up: tuple[bool, ...]
    active: tuple[int, ...]  # open connections per server, as the balancer counts them
    conn: tuple[int | None, ...]  # per client: the server of its open connection
    crashes_left: int


class LeastConnections(Model):
    """Least connections with concurrent opens and closes and a server crash.  Claims: LB-6."""

    id = "balancing.least_conn"
    claims = ("LB-6",)
    clients = Param(4, at_least=1, doc="clients, each with at most one open connection")
    servers = Param(3, at_least=1, doc="servers behind the balancer")
    faults = Faults(crash=1)  # Param crashes=1; a crashed server restarts with no connections

    def init(self):
        yield Lc((True,) * self.servers, (0,) * self.servers, (None,) * self.clients,
                 **self.faults.initial())

    def least_loaded(self, s: Lc) -> int | None:
        live = [i for i in range(self.servers) if s.up[i]]
        return min(live, key=lambda i: (s.active[i], i)) if live else None

    @action(client="clients")
    def connect(self, s: Lc, client: int):
        server = self.least_loaded(s)
        if s.conn[client] is None and server is not None:
            return s._replace(active=put(s.active, server, s.active[server] + 1),
                              conn=put(s.conn, client, server))

    @action(client="clients")
    def close(self, s: Lc, client: int):
        server = s.conn[client]
        if server is not None:
            return s._replace(active=put(s.active, server, s.active[server] - 1),
                              conn=put(s.conn, client, None))

    @fault("crash", server="servers")
    def crash(self, s: Lc, server: int):
        if s.up[server]:
            return self.faults.spend(
                s, "crash", up=put(s.up, server, False), active=put(s.active, server, 0),
                conn=tuple(None if c == server else c for c in s.conn))

    @fault("restart", server="servers")
    def restart(self, s: Lc, server: int):
        if not s.up[server]:
            return s._replace(up=put(s.up, server, True))

    @action_property(claims=("LB-6",))
    def least_loaded_pick(self, s: Lc, step: Step, t: Lc) -> bool:
        """a new connection goes to a live server with no more connections than any other live one"""
        if step.action != "connect":
            return True
        chosen = t.conn[step.args[0]]
        open_now = [sum(1 for c in s.conn if c == i) for i in range(self.servers)]  # the truth
        return s.up[chosen] and all(open_now[chosen] <= open_now[i]
                                    for i in range(self.servers) if s.up[i])

    @sometimes()
    def all_busy(self, s: Lc) -> bool:
        """sometimes every live server has a connection open (not vacuous)"""
        return all(a > 0 for a, u in zip(s.active, s.up, strict=True) if u)
