"""Fallback (degradation): answer with a default when the dependency fails or times out.

Claims: GOV-5 (a response is always returned while the dependency is down).

Clients send requests to a service that calls a dependency.  The call
succeeds while the dependency is up; while it is down the call hangs until
the service's ``timeout`` (ticks) runs out.  ``governance.fallback`` then
answers with the fallback (a cached or default value, Hystrix's
``getFallback``); ``governance.fallback.none`` has no fallback and answers
with an error.  The dependency goes down and stays down (crash-stop), the
worst case for the claim.

Liveness (fair service steps and time): every request is eventually answered
with a response, real or fallback; the invariant: no client ever receives an
error.

Takeaway: a fallback turns the dependency's outage into degraded answers
instead of errors, and the timeout bounds how long a caller waits for one; the
caller must still be able to live with the default it gets.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, Model, Param, action, fault, invariant, lane, leads_to, put, sometimes


class Fb(NamedTuple):
    up: bool  # the dependency
    req: tuple[str, ...]  # per client: idle | waiting | answered | fallback | error
    waited: tuple[int, ...]  # ticks each waiting request has waited
    crashes_left: int


ANSWERED = ("answered", "fallback")


class Fallback(Model):
    """A service with a timeout and a fallback in front of a dependency.  Claims: GOV-5."""

    id = "governance.fallback"
    lane_order = ("client", "dependency")
    claims = ("GOV-5",)
    clients = Param(2, at_least=1, doc="clients, each sending one request")
    timeout = Param(1, at_least=1, doc="ticks the service waits for the dependency")
    faults = Faults(crash=1, restart=False, tick=True)  # Param crashes=1: down for good
    weak_fair = ("all_protocol", "tick")
    #: what the service answers when the call fails: "fallback" or "error"
    on_failure: ClassVar[str] = "fallback"

    def init(self):
        yield Fb(True, ("idle",) * self.clients, (0,) * self.clients, **self.faults.initial())

    @action(client="clients")
    @lane("client {client}", to="dependency")
    def request(self, s: Fb, client: int):
        if s.req[client] == "idle":
            return s._replace(req=put(s.req, client, "waiting"))

    @action(client="clients")
    @lane("dependency", to="client {client}")
    def dependency_answers(self, s: Fb, client: int):
        if s.req[client] == "waiting" and s.up:
            return s._replace(req=put(s.req, client, "answered"), waited=put(s.waited, client, 0))

    @action(client="clients")
    @lane("client {client}")
    def time_out(self, s: Fb, client: int):
        """The call has hung for the timeout: answer with the fallback (or an error)."""
        if s.req[client] == "waiting" and s.waited[client] >= self.timeout:
            return s._replace(req=put(s.req, client, self.on_failure),
                              waited=put(s.waited, client, 0))

    @fault("tick")
    def tick(self, s: Fb):
        waiting = [c for c in range(self.clients)
                   if s.req[c] == "waiting" and s.waited[c] < self.timeout]
        if waiting and not s.up:  # only a hung call makes time matter
            return s._replace(waited=tuple(w + 1 if c in waiting else w
                                           for c, w in enumerate(s.waited)))

    @fault("crash")
    @lane("dependency")
    def crash(self, s: Fb):
        if s.up:
            return self.faults.spend(s, "crash", up=False)

    always_answered = leads_to(lambda m, s: s.req[0] == "waiting",
                               lambda m, s: s.req[0] in ANSWERED, claims=("GOV-5",),
                               doc="a request is eventually answered with a response "
                                   "(client 0 stands for all)")

    @invariant(claims=("GOV-5",))
    def no_error(self, s: Fb) -> bool:
        """no client ever receives an error"""
        return "error" not in s.req

    @sometimes()
    def degraded(self, s: Fb) -> bool:
        """sometimes a client gets the fallback answer (the dependency was down)"""
        return "fallback" in s.req or "error" in s.req


class NoFallback(Fallback):
    """The same service without a fallback: errors while the dependency is down.  Claims: GOV-5."""

    id = "governance.fallback.none"
    on_failure = "error"
    expected = {"always_answered": "violated", "no_error": "violated"}
