"""UUIDs: version 4 (random) measured, version 1 (time + clock sequence) explored.

Claims: ID-1 (UUIDv4 collision probability, computed and reported) and ID-1b
(UUIDv1 under a clock set back: unique iff the clock sequence is bumped).

UUIDv4 has 122 random bits.  The probability that ``ids`` of them contain a
collision is the birthday probability ``1 - prod_{i<k} (1 - i/N)`` with
``N = 2^122``.  It is computed, not explored: exactly as a rational for up to
``EXACT_LIMIT`` IDs, and for more from the exact series ``-ln(1 - p) =
sum_m S_m(k) / (m N^m)`` (``S_m`` the power sums, exact by Faulhaber's
formula) with a rigorous bound on the truncated tail.  The result is
cross-checked against the classical bounds ``1 - exp(-k(k-1)/2N) <= p <=
k(k-1)/2N``.

UUIDv1 packs a 60-bit timestamp, a 14-bit clock sequence and the node's MAC.
RFC 4122 says: if the clock is set back, increment the clock sequence.  The
explored model (one node, tiny widths) issues at most one ID per clock value
(the RFC's "wait for the next tick") and a ``clock_jump`` fault sets the clock
back.  ``ids.uuid1`` bumps the sequence and stays unique (for fewer than
2^clock_seq_bits set-backs); ``ids.uuid1.no_bump`` reissues an old
(timestamp, sequence) pair.

Takeaway: random UUIDs collide with negligible probability (about 9.4e-20 for
a billion of them; even odds need about 2.7e18), so "unique" is a probability,
not a guarantee -- and their real costs are the ones the seed lists (size,
no order, index page splits).  Time-based UUIDs are unique only if the clock
sequence is bumped whenever the clock may have gone back.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import ClassVar, NamedTuple

from distcheck import (
    BadInput,
    Faults,
    Measurement,
    Model,
    Param,
    action,
    fault,
    measured,
    sometimes,
)
from distcheck.models.ids.variants import VariantModel
from distcheck.properties.ids import Issued, issued_some, unique_ids

#: up to this many IDs the probability is an exact rational
EXACT_LIMIT = 512


def _bernoulli(n: int) -> list[Fraction]:
    """B_0..B_n with B_1 = -1/2."""
    b = [Fraction(0)] * (n + 1)
    for m in range(n + 1):
        b[m] = Fraction(1) if m == 0 else -sum(
            math.comb(m + 1, j) * b[j] for j in range(m)) / (m + 1)
    return b


def power_sum(m: int, k: int) -> int:
    """sum_{i=0}^{k-1} i^m, exactly (Faulhaber)."""
    b = _bernoulli(m)
    total = sum(math.comb(m + 1, j) * b[j] * Fraction(k) ** (m + 1 - j) for j in range(m + 1))
    total /= m + 1
    assert total.denominator == 1
    return int(total)


def collision_probability(k: int, space: int) -> tuple[Fraction, Fraction, str]:
    """(p_low, p_high, method): the collision probability of ``k`` draws from ``space`` values.

    Exact (p_low == p_high) for small ``k``; else an interval from the series
    whose width is a rigorous bound on the truncated tail.
    """
    if k <= 1:
        return Fraction(0), Fraction(0), "exact"
    if k > space:
        return Fraction(1), Fraction(1), "exact (pigeonhole)"
    if k <= EXACT_LIMIT:
        distinct = 1  # ways to draw k distinct values, over space^k: one reduction at the end
        for i in range(k):
            distinct *= space - i
        p = Fraction(space**k - distinct, space**k)
        return p, p, "exact"
    ratio = Fraction(k, space)
    if ratio > Fraction(1, 256):
        raise BadInput(
            f"ids={k} is more than 1/256 of the {space}-value space; the series used for "
            f"more than {EXACT_LIMIT} IDs needs fewer IDs or more random bits"
        )
    log_none = Fraction(0)  # -ln(P(no collision)) = sum_m S_m(k) / (m N^m)
    m = 1
    while True:
        log_none += Fraction(power_sum(m, k), m * space**m)
        # remaining terms are each at most k * ratio^m / m, a geometric tail
        tail = k * ratio ** (m + 1) / (1 - ratio)
        if tail < log_none * Fraction(1, 10**30) or m >= 12:
            break
        m += 1
    low = one_minus_exp_neg(log_none)[0]
    high = one_minus_exp_neg(log_none + tail)[1]
    return low, high, f"series to m={m}, tail < {float(tail):.1e}"


def one_minus_exp_neg(x: Fraction) -> tuple[Fraction, Fraction]:
    """An interval holding 1 - exp(-x), for x >= 0, tight to about 40 digits.

    For small x the alternating series x - x^2/2! + x^3/3! ... is summed exactly
    (consecutive partial sums bracket the value); for larger x 60-digit
    decimals lose nothing that matters.
    """
    if x == 0:
        return Fraction(0), Fraction(0)
    if x < Fraction(1, 2):
        total, term, j = Fraction(0), Fraction(1), 1
        while True:
            term = term * x / j
            before = total
            total = total + term if j % 2 else total - term
            if term < x * Fraction(1, 10**40):
                return min(before, total), max(before, total)
            j += 1
    with localcontext() as ctx:
        ctx.prec = 60
        value = 1 - (-Decimal(x.numerator) / Decimal(x.denominator)).exp()
    slack = Fraction(1, 10**50)
    return Fraction(value) - slack, Fraction(value) + slack


def _sci(x: Fraction) -> str:
    if x == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = 40
        return f"{Decimal(x.numerator) / Decimal(x.denominator):.6e}"


class UUIDv4(Model):
    """UUIDv4 birthday bound, computed exactly and reported.  Claims: ID-1."""

    id = "ids.uuid4"
    claims = ("ID-1",)
    random_bits = Param(122, at_least=1, at_most=4096, doc="random bits per UUID (v4: 122)")
    ids = Param(1_000_000_000, at_least=0, doc="UUIDs generated")

    @measured(claims=("ID-1",))
    def collision_probability(self) -> Measurement:
        """probability that some two of the generated UUIDs are equal"""
        space = 1 << self.random_bits
        k = self.ids
        low, high, method = collision_probability(k, space)
        pairs = Fraction(k * (k - 1), 2 * space)
        # cross-check against the classical bounds 1 - exp(-pairs) <= p <= pairs
        floor = one_minus_exp_neg(pairs)[0]
        problem = None
        if floor > high or low > pairs:
            problem = (f"computed p in [{_sci(low)}, {_sci(high)}] lies outside the birthday "
                       f"bounds [{_sci(floor)}, {_sci(pairs)}]")
        half = math.isqrt(2 * space * 693147180559945309 // 10**18)  # k with p ~ 1/2: sqrt(2 N ln 2)
        figures = {
            "ids": f"{k:,}",
            "space": f"2^{self.random_bits}",
            "collision_probability": (_sci(low) if _sci(low) == _sci(high)
                                      else f"{_sci(low)} .. {_sci(high)}"),
            "method": method,
            "birthday_approximation": f"k(k-1)/2N = {_sci(pairs)}",
            "ids_for_even_odds": f"about {half:.3e} UUIDs for a 50% chance of a collision",
        }
        return Measurement(figures, f"p(collision among {k:,} UUIDv4) = "
                           f"{figures['collision_probability']} ({method})", problem)


class Uuid1State(NamedTuple):
    now: int
    offset: int  # clock = now + offset
    last: int  # last timestamp used (durable: RFC 4122 keeps it in stable storage)
    clock_seq: int
    issued: tuple[Issued, ...]
    requests_left: int
    clock_jumps_left: int


class UUIDv1(VariantModel):
    """UUIDv1, clock set back, clock sequence bumped.  Claims: ID-1b."""

    id = "ids.uuid1"
    claims = ("ID-1b",)
    requests = Param(3, at_least=1, doc="UUIDs requested in a behaviour")
    horizon = Param(3, at_least=1, doc="last tick")
    clock_seq_bits = Param(2, at_least=1, at_most=14, doc="clock sequence width (RFC: 14)")
    rollback = Param(1, at_least=1, doc="ticks a clock_jump sets the clock back")
    faults = Faults(clock_jump=1, tick=True)  # Param clock_jumps=1: clock set-backs
    design_choices = ("bump",)
    #: increment the clock sequence when the clock went back (RFC 4122)
    bump: ClassVar[bool] = True

    def init(self):
        yield Uuid1State(0, 0, -1, 0, (), self.requests, **self.faults.initial())

    @action()
    def generate(self, s: Uuid1State):
        ts = s.now + s.offset
        if s.requests_left == 0 or ts == s.last:
            return None  # one UUID per clock value: wait for the next tick
        seq = s.clock_seq
        if ts < s.last and self.bump:
            seq = (seq + 1) % (1 << self.clock_seq_bits)
        uuid = (ts, seq)  # the node (MAC) field is constant for this one node
        return s._replace(last=ts, clock_seq=seq, issued=s.issued + (Issued(0, uuid, s.now),),
                          requests_left=s.requests_left - 1)

    @fault("tick")
    def tick(self, s: Uuid1State):
        return self.faults.tick(s)

    @fault("clock_jump")
    def clock_jump(self, s: Uuid1State):
        if s.now + s.offset - self.rollback >= 0:
            return self.faults.spend(s, "clock_jump", offset=s.offset - self.rollback)

    unique = unique_ids(lambda m, s: s.issued, claims=("ID-1b",))
    some_ids = issued_some(lambda m, s: s.issued, 2)

    @sometimes()
    def issued_after_setback(self, s: Uuid1State) -> bool:
        """sometimes a UUID is issued with the clock behind an earlier timestamp"""
        return any(a.value[0] > b.value[0] for a, b in zip(s.issued, s.issued[1:], strict=False))


class UUIDv1NoBump(UUIDv1):
    """UUIDv1 whose clock sequence is not bumped on set-back: a duplicate.  Claims: ID-1b."""

    id = "ids.uuid1.no_bump"
    bump = False
    expected = {"unique": "violated"}
