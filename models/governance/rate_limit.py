"""Rate limiting: a token bucket against a fixed-window counter, with the same nominal limit.

Claims: GOV-3 (a token bucket never lets more than burst + rate·t through in
any window of length t; a fixed window lets up to twice its limit through
across a window edge).

Both limiters promise ``limit`` requests per ``window`` ticks.  Requests
arrive whenever the clients like; the limiter admits or rejects each, and the
state counts the admitted requests per tick.

``governance.rate_limit.token_bucket``: a bucket of ``limit`` tokens (the
burst), refilled at ``limit/window`` tokens per tick (the rate), one token per
request.  Tokens are counted in ``window``-ths so the rate stays an integer.

``governance.rate_limit.fixed_window``: a counter per window
``[k·window, (k+1)·window)``, reset at each window's start, admitting while it
is below ``limit``.

``within_budget`` checks every interval of ticks [a, e] seen so far: at most
``limit + limit·(e-a)/window`` admitted.  ``most_per_window`` computes, over
every behaviour, the most requests admitted in ``window`` consecutive ticks:
twice the limit for the fixed window (the end of one window and the start of
the next), ``limit + floor(limit·(window-1)/window)`` for the bucket.

Takeaway: a fixed window is a limit per calendar window, not per any window:
a client that bursts at the edge gets twice the limit through in one window's
time.  A token bucket (or a sliding window) bounds every interval.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, Model, Param, action, fault, invariant, lane, sometimes
from distcheck.properties.figures import reachable_maximum


class Rl(NamedTuple):
    now: int
    admitted: tuple[int, ...]  # requests admitted at each tick so far
    level: int  # token bucket: tokens in window-ths; fixed window: admitted in this window


class RateLimiter(Model):
    """A rate limiter of `limit` requests per `window` ticks (see the two designs below)."""

    limit = Param(2, at_least=1, doc="requests allowed per window (the bucket's burst)")
    window = Param(2, at_least=1, doc="ticks per window (the bucket refills limit per window)")
    faults = Faults(tick=3)  # Param horizon=3: the last tick
    lane_order = ("client", "rate limiter")
    #: "token_bucket" or "fixed_window"
    design: ClassVar[str] = "token_bucket"

    def init(self):
        full = self.limit * self.window if self.design == "token_bucket" else 0
        yield Rl(0, (0,), full)

    @action()
    @lane("client", to="rate limiter")
    def request(self, s: Rl):
        """A request arrives; it is admitted or rejected (a rejection changes nothing)."""
        if self.design == "token_bucket":
            if s.level < self.window:
                return None
            level = s.level - self.window
        else:
            if s.level >= self.limit:
                return None
            level = s.level + 1
        return s._replace(admitted=s.admitted[:-1] + (s.admitted[-1] + 1,), level=level)

    @fault("tick")
    def tick(self, s: Rl):
        t = self.faults.tick(s)
        if t is None:
            return None
        if self.design == "token_bucket":
            level = min(s.level + self.limit, self.limit * self.window)
        else:
            level = 0 if t.now % self.window == 0 else s.level  # a new window starts
        return t._replace(admitted=s.admitted + (0,), level=level)

    @invariant(claims=("GOV-3",))
    def within_budget(self, s: Rl) -> bool:
        """every interval of ticks [a, e] admits at most limit + limit·(e-a)/window requests"""
        n = len(s.admitted)
        return all(self.window * sum(s.admitted[a:e + 1]) <= self.limit * (self.window + e - a)
                   for a in range(n) for e in range(a, n))

    def busiest_window(self, s: Rl) -> int:
        w = self.window
        return max(sum(s.admitted[a:a + w]) for a in range(len(s.admitted)))

    @sometimes()
    def limit_reached(self, s: Rl) -> bool:
        """sometimes a whole window's limit has been admitted (not vacuous)"""
        return self.busiest_window(s) >= self.limit


class TokenBucket(RateLimiter):
    """Token bucket: burst `limit`, rate limit/window per tick.  Claims: GOV-3."""

    id = "governance.rate_limit.token_bucket"
    claims = ("GOV-3",)
    design = "token_bucket"
    most_per_window = reachable_maximum(
        lambda m, s: m.busiest_window(s), label="most admitted in one window's time",
        predicted=lambda m: m.limit + m.limit * (min(m.window, m.horizon + 1) - 1) // m.window,
        claims=("GOV-3",))


class FixedWindow(RateLimiter):
    """Fixed-window counter: `limit` per calendar window.  Claims: GOV-3."""

    id = "governance.rate_limit.fixed_window"
    claims = ("GOV-3",)
    design = "fixed_window"
    expected = {"within_budget": "violated"}
    most_per_window = reachable_maximum(
        lambda m, s: m.busiest_window(s), label="most admitted in one window's time",
        predicted=lambda m: 2 * m.limit if m.horizon >= m.window and m.window > 1 else m.limit,
        claims=("GOV-3",))
