"""Circuit breaker: closed, open, half-open (Hystrix, Resilience4j, Sentinel).

Claims: GOV-2 (the breaker opens after ``threshold`` consecutive failures, no
call passes while it is open, at most ``probes`` trial calls pass while it is
half-open, and it closes again once the dependency is healthy).

Clients call a dependency through the breaker; a call is in flight until the
dependency answers, successfully while it is healthy and with a failure while
it is down.  Closed: calls pass and consecutive failures are counted; at
``threshold`` the breaker opens for ``cooldown`` ticks.  Open: calls are
rejected at once (the caller's fallback answers).  When the cooldown is over
the breaker turns half-open: up to ``probes`` calls pass as probes; a probe's
success closes it, a probe's failure opens it again.  Answers to calls that
were let through before the breaker opened change nothing.  The dependency
may go down and come back (``crash``, ``restart``).

Liveness (fair protocol steps, time and restart): whatever state the breaker
is in, it is eventually closed again.

Takeaway: the state machine itself is sound under any interleaving of calls,
answers and outages; what it cannot do is recover without traffic: it closes
only after a probe succeeds, so a breaker in front of an idle caller stays
open (here the clients keep calling, a fairness assumption).
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
    leads_to,
    put,
    sometimes,
)


class Cb(NamedTuple):
    breaker: str  # closed | open | half_open
    failures: int  # consecutive failures while closed
    cooldown: int  # ticks left before an open breaker turns half-open
    call: tuple[str, ...]  # per client: idle | calling | probing
    healthy: bool  # the dependency
    crashes_left: int


PASSING = ("calling", "probing")


class CircuitBreaker(Model):
    """Circuit breaker closed/open/half-open.  Claims: GOV-2."""

    id = "governance.circuit_breaker"
    lane_order = ("client", "breaker", "dependency")
    claims = ("GOV-2",)
    clients = Param(2, at_least=1, doc="concurrent callers")
    threshold = Param(2, at_least=1, doc="consecutive failures that open the breaker")
    cooldown_ticks = Param(1, at_least=1, doc="ticks the breaker stays open")
    probes = Param(1, at_least=1, doc="trial calls let through while half-open")
    faults = Faults(crash=1, tick=True)  # Param crashes=1: the dependency goes down, comes back
    weak_fair = ("all_protocol", "tick", "restart")

    def init(self):
        yield Cb("closed", 0, 0, ("idle",) * self.clients, True, **self.faults.initial())

    @action(client="clients")
    @lane("client {client}", to="dependency")
    def send(self, s: Cb, client: int):
        """A call through the breaker: passes when closed, as a probe when half-open."""
        if s.call[client] != "idle":
            return None
        if s.breaker == "closed":
            return s._replace(call=put(s.call, client, "calling"))
        probing = sum(c == "probing" for c in s.call)
        if s.breaker == "half_open" and probing < self.probes:
            return s._replace(call=put(s.call, client, "probing"))
        return None  # open (or no probe left): rejected at once, nothing changes

    @action(client="clients")
    @lane("dependency", to="client {client}")
    def answer(self, s: Cb, client: int):
        """The dependency answers a call in flight: success while healthy, failure while down."""
        kind = s.call[client]
        if kind not in PASSING:
            return None
        s = s._replace(call=put(s.call, client, "idle"))
        if kind == "probing":
            return self.close(s) if s.healthy else self.trip(s)
        if s.breaker != "closed":
            return s  # a call let through before the breaker opened: its answer is ignored
        if s.healthy:
            return s._replace(failures=0)
        failures = s.failures + 1
        return self.trip(s) if failures >= self.threshold else s._replace(failures=failures)

    def trip(self, s: Cb) -> Cb:
        return s._replace(breaker="open", failures=0, cooldown=self.cooldown_ticks)

    def close(self, s: Cb) -> Cb:
        return s._replace(breaker="closed", failures=0)

    @action()
    @lane("breaker")
    def half_open(self, s: Cb):
        if s.breaker == "open" and s.cooldown == 0:
            return s._replace(breaker="half_open")

    @fault("tick")
    def tick(self, s: Cb):
        if s.breaker == "open" and s.cooldown > 0:
            return s._replace(cooldown=s.cooldown - 1)

    @fault("crash")
    @lane("dependency")
    def crash(self, s: Cb):
        if s.healthy:
            return self.faults.spend(s, "crash", healthy=False)

    @fault("restart")
    @lane("dependency")
    def restart(self, s: Cb):
        if not s.healthy:
            return s._replace(healthy=True)

    @invariant(claims=("GOV-2",))
    def opens_at_threshold(self, s: Cb) -> bool:
        """a closed breaker has seen fewer than threshold consecutive failures"""
        return s.breaker != "closed" or s.failures < self.threshold

    @action_property(claims=("GOV-2",))
    def nothing_passes_while_open(self, s: Cb, step: Step, t: Cb) -> bool:
        """no call is let through while the breaker is open"""
        let_through = sum(c in PASSING for c in t.call) > sum(c in PASSING for c in s.call)
        return not (let_through and s.breaker == "open")

    @invariant(claims=("GOV-2",))
    def probes_bounded(self, s: Cb) -> bool:
        """at most `probes` trial calls are in flight while half-open"""
        return sum(c == "probing" for c in s.call) <= self.probes

    closes_again = leads_to(lambda m, s: s.breaker != "closed", lambda m, s: s.breaker == "closed",
                            claims=("GOV-2",),
                            doc="an open or half-open breaker is eventually closed again")

    @sometimes()
    def opened(self, s: Cb) -> bool:
        """sometimes the breaker is open (not vacuous)"""
        return s.breaker == "open"

    @sometimes()
    def probing(self, s: Cb) -> bool:
        """sometimes a probe is in flight"""
        return "probing" in s.call
