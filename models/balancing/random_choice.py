"""Random and weighted random choice: the shares, computed exactly and sampled.

Claims: LB-2 (random choice: every sequence of k choices is equally likely,
so each server's share is exactly 1/n) and LB-5 (weighted random: the shares
converge to the weights).

Both balancers draw ``r`` uniformly from ``range(W)`` (W = the sum of the
weights; every weight is 1 for plain random choice) and walk the cumulative
weights: the first server whose running sum exceeds ``r`` gets the request.
That walk is the code under test, so the exact figures enumerate every draw
sequence of length ``k`` (W^k of them) and push each through it:

* the probability of every choice sequence, which must be the product of
  w_i/W over its choices (1/n^k for plain random: uniform);
* each server's request count, whose distribution must be binomial
  (k, w_i/W), hence its expected share exactly w_i/W;
* from that binomial, exactly, the probability that a server's share after
  many requests is off its weight by more than ``epsilon``, for growing
  request counts: the convergence the seed speaks of.

A sampled run adds what a user would measure: ``samples`` requests drawn with
a fixed seed, each share within a tolerance from Hoeffding's inequality,
``sqrt(ln(2/delta) / (2 samples))``, so a correct balancer misses it with
probability below ``delta`` (1e-9), and the seed makes the run the same every
time.

Takeaway: random balancing is even only on average.  Over a handful of
requests it is often far from even (with 3 servers and 6 requests a server
gets none with probability (2/3)^6, about 8.8%); the share is within 5% of the
weight with high probability only after hundreds of requests.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

from distcheck import BadInput, Measurement, Model, Param, measured
from distcheck.models.balancing._weights import parse_weights


def pick(weights: Sequence[int], r: int) -> int:
    """The server a draw ``r`` in ``range(sum(weights))`` selects: walk the cumulative weights."""
    for server, w in enumerate(weights):
        if r < w:
            return server
        r -= w
    raise ValueError(f"draw {r} is outside the total weight")


def binomial(k: int, p: Fraction) -> list[Fraction]:
    """P(count = j), j = 0..k, for k independent requests each going to a server with probability p."""
    return [math.comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(k + 1)]


def off_share(k: int, p: Fraction, epsilon: Fraction) -> Fraction:
    """P(|count/k - p| > epsilon), exactly."""
    w, total = p.numerator, p.denominator  # integer arithmetic: far faster than Fractions at large k
    hits = sum(math.comb(k, j) * w**j * (total - w) ** (k - j)
               for j in range(k + 1) if abs(Fraction(j, k) - p) > epsilon)
    return Fraction(hits, total**k)


def hoeffding(samples: int, delta: float) -> float:
    """The deviation a share of ``samples`` draws exceeds with probability at most ``delta``."""
    return math.sqrt(math.log(2 / delta) / (2 * samples))


class RandomChoice(Model):
    """Random choice among n servers.  Claims: LB-2."""

    id = "balancing.random"
    claims = ("LB-2",)
    weights = Param("1,1,1", doc="server weights, comma-separated (all 1: plain random choice)")
    k = Param(6, at_least=1, at_most=12, doc="requests per enumerated choice sequence")
    epsilon = Param(0.05, doc="share deviation whose exact probability is reported")
    samples = Param(20_000, at_least=1, doc="requests in the seeded sample")
    seed = Param(2024, doc="seed of the sample")

    def setup(self) -> None:
        self.w = parse_weights(self.weights)
        if sum(self.w) ** self.k > 5_000_000:
            raise BadInput(f"sum(weights)^k = {sum(self.w)}^{self.k} draw sequences: lower k")

    @measured(claims=("LB-2",))
    def shares(self) -> Measurement:
        """each server's share of the requests: exact over every draw, and sampled"""
        w, total, n, k = self.w, sum(self.w), len(self.w), self.k
        problems: list[str] = []
        # every draw sequence, through the balancer's own walk
        seqs: Counter[tuple[int, ...]] = Counter(
            tuple(pick(w, r) for r in draws) for draws in itertools.product(range(total), repeat=k))
        for seq, ways in seqs.items():
            expected = math.prod(Fraction(w[i], total) for i in seq)
            if Fraction(ways, total**k) != expected:
                problems.append(f"choice sequence {seq} has probability {ways}/{total**k}, "
                                f"not {expected}")
                break
        for i in range(n):
            counts: Counter[int] = Counter()
            for seq, ways in seqs.items():
                counts[seq.count(i)] += ways
            law = binomial(k, Fraction(w[i], total))
            if [Fraction(counts[j], total**k) for j in range(k + 1)] != law:
                problems.append(f"server {i}'s request count is not binomial({k}, {w[i]}/{total})")
        eps = Fraction(self.epsilon).limit_denominator(10**6)
        convergence = {
            f"P(share of server {i} off by > {self.epsilon}) after {m} requests":
                f"{float(off_share(m, Fraction(w[i], total), eps)):.3g}"
            for i in sorted({w.index(x) for x in w}) for m in (10, 100, 1000)
        }
        rng = random.Random(self.seed)
        sampled = Counter(pick(w, rng.randrange(total)) for _ in range(self.samples))
        tol = hoeffding(self.samples, 1e-9)
        for i in range(n):
            share = sampled[i] / self.samples
            if abs(share - w[i] / total) > tol:
                problems.append(f"server {i}'s sampled share {share:.4f} is more than {tol:.4f} "
                                f"from {w[i] / total:.4f}")
        figures = {
            "choice sequences": f"{len(seqs)} of length {k}, from {total**k} equally likely draws",
            "exact share per server": ", ".join(f"{i}: {Fraction(w[i], total)}" for i in range(n)),
            f"P(some server gets none of {k})":
                f"{float(1 - _all_served(w, k)):.4f}",
            **convergence,
            "sampled share per server": ", ".join(
                f"{i}: {sampled[i] / self.samples:.4f}" for i in range(n)),
            "sample": f"{self.samples:,} requests, seed {self.seed}, tolerance {tol:.4f} "
                      "(Hoeffding, delta = 1e-9)",
        }
        return Measurement(figures, f"exact shares {', '.join(f'{x}/{total}' for x in w)} over all "
                           f"{total**k} draws of {k} requests; sampled within {tol:.4f}",
                           "; ".join(problems) or None)


def _all_served(weights: Sequence[int], k: int) -> Fraction:
    """P(every server gets at least one of k requests), by inclusion-exclusion."""
    total, n = sum(weights), len(weights)
    return sum(
        (-1) ** len(missing) * Fraction(total - sum(weights[i] for i in missing), total) ** k
        for size in range(n + 1) for missing in itertools.combinations(range(n), size)
    )


class WeightedRandom(RandomChoice):
    """Weighted random choice: shares converge to the weights.  Claims: LB-5."""

    id = "balancing.weighted_random"
    claims = ("LB-5",)
    defaults = {"weights": "3,2,1", "k": 5}
    shares = measured(claims=("LB-5",))(RandomChoice.shares.fn)
