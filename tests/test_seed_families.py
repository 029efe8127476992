"""The balancing, sessions and governance families: ledger verdicts, mechanisms, helpers."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
from cli_helpers import one_line, run

from distcheck import Model, action
from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import BadInput
from distcheck.engines.checker import Options, check_model
from distcheck.models.balancing import random_choice
from distcheck.models.balancing.hashing import Ring, client_ip, mod_n
from distcheck.models.balancing.random_choice import RandomChoice, binomial, off_share, pick
from distcheck.models.balancing.weighted_rr import Naive, Smooth
from distcheck.models.governance.rate_limit import FixedWindow, TokenBucket
from distcheck.models.governance.registry import Registry
from distcheck.properties.figures import reachable_maximum
from distcheck.properties.sessions import Op, monotonic_violation, ryw_violation

FAMILIES = ("balancing", "sessions", "governance")
MODELS = [mid for mid in catalog.bundled_models() if mid.split(".")[0] in FAMILIES]
CLAIMS_LEDGER = Path(__file__).resolve().parents[2] / "shared" / "CLAIMS.md"

#: the ledger's verdict for each (model, claimed property), written out so that a model
#: edit that drops or flips a claim fails here
LEDGER = {
    ("balancing.round_robin", "even_windows"): "holds",  # LB-1
    ("balancing.round_robin.per_worker", "even_windows"): "violated",
    ("balancing.random", "shares"): "reported",  # LB-2
    ("balancing.ip_hash", "same_server"): "holds",  # LB-3
    ("balancing.consistent_hash", "remapped"): "reported",  # LB-3b
    ("balancing.weighted_rr.naive", "exact_per_cycle"): "holds",  # LB-4
    ("balancing.weighted_rr.naive", "no_long_burst"): "violated",
    ("balancing.weighted_rr.smooth", "exact_per_cycle"): "holds",
    ("balancing.weighted_rr.smooth", "no_long_burst"): "holds",
    ("balancing.weighted_random", "shares"): "reported",  # LB-5
    ("balancing.least_conn", "least_loaded_pick"): "holds",  # LB-6
    ("balancing.ip_hash.crash", "served"): "violated",  # LB-7
    ("sessions.sticky", "stays_logged_in"): "violated",  # SS-1
    ("sessions.central_store", "stays_logged_in"): "holds",  # SS-2
    ("sessions.central_store.no_persistence", "stays_logged_in"): "violated",  # SS-2b
    ("sessions.replication", "read_your_writes"): "violated",  # SS-3
    ("sessions.replication.sync", "read_your_writes"): "holds",
    ("sessions.cookie", "no_forged_session"): "violated",  # SS-4
    ("sessions.cookie.signed", "no_forged_session"): "holds",
    ("governance.registry", "evicted"): "holds",  # GOV-1
    ("governance.registry", "no_call_to_crashed"): "violated",
    ("governance.registry", "stale_window"): "reported",
    ("governance.registry.partition", "no_false_eviction"): "violated",  # GOV-1b
    ("governance.circuit_breaker", "opens_at_threshold"): "holds",  # GOV-2
    ("governance.circuit_breaker", "nothing_passes_while_open"): "holds",
    ("governance.circuit_breaker", "probes_bounded"): "holds",
    ("governance.circuit_breaker", "closes_again"): "holds",
    ("governance.rate_limit.token_bucket", "within_budget"): "holds",  # GOV-3
    ("governance.rate_limit.fixed_window", "within_budget"): "violated",
    ("governance.config_center", "never_goes_back"): "holds",  # GOV-4
    ("governance.config_center", "settles_on_latest"): "holds",
    ("governance.config_center.unversioned", "never_goes_back"): "violated",
    ("governance.config_center.unversioned", "settles_on_latest"): "violated",
    ("governance.fallback", "always_answered"): "holds",  # GOV-5
    ("governance.fallback", "no_error"): "holds",
    ("governance.fallback.none", "no_error"): "violated",
}


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], object]:
    return {(r.model, r.property): r for mid in MODELS
            for r in check_model(catalog.get(mid)(), Options())}


def test_every_ledger_claim_of_these_families_has_a_model() -> None:
    if not CLAIMS_LEDGER.exists():
        pytest.skip(f"claims ledger not found at {CLAIMS_LEDGER}")
    ledger = set(re.findall(r"^\| ((?:LB|SS|GOV)-\d+[a-z]?) \|", CLAIMS_LEDGER.read_text(), re.M))
    assert len(ledger) == 19  # LB-1 … LB-7 with LB-3b, SS-1 … SS-4 with SS-2b, GOV-1 … GOV-5 with GOV-1b
    named = {c for mid in MODELS for p in compile_model(catalog.get(mid)()).properties
             for c in p.claims}
    assert ledger <= named, f"claims without a property: {sorted(ledger - named)}"


@pytest.mark.parametrize("key", sorted(LEDGER))
def test_ledger_verdicts(results, key) -> None:
    r = results[key]
    assert r.verdict == LEDGER[key] == r.expected, r.reason


def test_every_verdict_as_declared(results) -> None:
    for r in results.values():
        assert r.as_expected, (r.model, r.property, r.reason)
        if r.verdict == "violated":
            assert r.trace is not None and len(r.trace) >= 1


def test_traces_show_the_mechanism(results) -> None:
    def steps(key):
        return [s.action for s in results[key].trace.steps]

    assert "crash" in steps(("sessions.sticky", "stays_logged_in"))
    assert steps(("sessions.replication", "read_your_writes")) == ["write", "crash", "read"]
    assert "crash_store" in steps(("sessions.central_store.no_persistence", "stays_logged_in"))
    assert steps(("balancing.ip_hash.crash", "served"))[0] == "crash"
    assert "partition" in steps(("governance.registry.partition", "no_false_eviction"))
    edge = results[("governance.rate_limit.fixed_window", "within_budget")].trace.steps[-1]
    admitted = edge.state["admitted"]
    assert admitted[-2:] == [2, 2]  # the limit at the end of one window and the start of the next


# -- balancing --------------------------------------------------------------------------------


def test_pick_walks_the_cumulative_weights() -> None:
    assert [pick((3, 2, 1), r) for r in range(6)] == [0, 0, 0, 1, 1, 2]
    with pytest.raises(ValueError):
        pick((1, 1), 2)


def test_exact_binomial_helpers() -> None:
    assert binomial(2, Fraction(1, 2)) == [Fraction(1, 4), Fraction(1, 2), Fraction(1, 4)]
    # |j/2 - 1/2| > 1/10 only for j = 0 or 2
    assert off_share(2, Fraction(1, 2), Fraction(1, 10)) == Fraction(1, 2)


def test_a_biased_balancer_is_caught(monkeypatch) -> None:
    def off_by_one(weights, r):  # the last draw goes to the first server
        return 0 if r == sum(weights) - 1 else pick(weights, r)

    monkeypatch.setattr(random_choice, "pick", off_by_one)
    [r] = check_model(RandomChoice(k=3, samples=2000), Options())
    assert r.verdict == "violated" and "not" in r.reason


def test_bad_weights_are_bad_input(capsys) -> None:
    with pytest.raises(BadInput):
        RandomChoice(weights="3,x")
    code, _, err = run(capsys, "check", "balancing.weighted_rr.smooth", "-p", "weights=0,1")
    assert code == 2 and "weights" in one_line(err)


def test_smooth_order_is_nginx_s() -> None:
    smooth = Smooth()
    current, order = (0, 0, 0), []
    for _ in range(7):
        server, current = smooth.choose(current)
        order.append("abc"[server])
    assert "".join(order) == "abacaba" and current == (0, 0, 0)


def test_smooth_is_not_optimal_for_every_weight_vector() -> None:
    # documented in the module: 5,1,1 bursts 4 across the cycle boundary, the bound is 3
    results = {r.property: r for r in check_model(Smooth(weights="5,1,1"), Options())}
    assert results["no_long_burst"].verdict == "violated"
    assert results["exact_per_cycle"].verdict == "holds"
    naive = {r.property: r for r in check_model(Naive(weights="5,1,1"), Options())}
    assert "longest burst 5" in str(naive["longest_burst"].extra["figures"])


def test_ring_moves_only_the_removed_servers_clients() -> None:
    servers = [f"s{i}" for i in range(4)]
    keys = [client_ip(i) for i in range(2000)]
    before, after = Ring(servers, 50), Ring(servers[:-1], 50)
    moved = [k for k in keys if before.server(k) != after.server(k)]
    assert moved and all(before.server(k) == "s3" for k in moved)
    remapped = sum(mod_n(k, servers) != mod_n(k, servers[:-1]) for k in keys)
    assert remapped > 2 * len(moved)


# -- sessions -----------------------------------------------------------------------------------


def test_session_guarantees_on_hand_made_histories() -> None:
    ok = [Op("a", "write", 1), Op("a", "read", 1), Op("b", "read", 0), Op("a", "write", 2),
          Op("a", "read", 3)]
    assert ryw_violation(ok) is None and monotonic_violation(ok) is None
    stale = [Op("a", "write", 2), Op("a", "read", 1)]
    assert ryw_violation(stale) == (stale[0], stale[1])
    back = [Op("a", "read", 2), Op("b", "read", 0), Op("a", "read", 1)]
    assert monotonic_violation(back) == (back[0], back[2])
    assert ryw_violation(back) is None  # no write: nothing of its own to read


# -- governance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("lease", "ttl"), [(1, 1), (2, 1), (1, 3)])
def test_stale_window_is_lease_plus_cache_ttl(lease, ttl) -> None:
    [r] = check_model(Registry(lease=lease, cache_ttl=ttl), Options(), only=["stale_window"])
    assert r.verdict == "reported" and r.extra["figures"]["predicted"] == lease + ttl


def test_rate_limit_figures_at_other_bounds() -> None:
    for model, most in ((FixedWindow(limit=3, window=3, horizon=5), 6),
                        (TokenBucket(limit=3, window=3, horizon=5), 5)):
        [r] = check_model(model, Options(), only=["most_per_window"])
        assert r.verdict == "reported", r.reason
        assert r.extra["figures"]["most admitted in one window's time"] == most


def test_reachable_maximum_reports_a_wrong_prediction() -> None:
    class Counter(Model):
        id = "toy.counter"

        def init(self):
            yield 0

        @action()
        def inc(self, s: int):
            return s + 1 if s < 3 else None

        top = reachable_maximum(lambda m, s: s, label="top", predicted=lambda m: 2)

    [r] = check_model(Counter(), Options())
    assert r.verdict == "violated" and "top is 3, the design predicts 2" in r.reason
