"""The distributed-lock family: verdicts against the claims ledger, counterexamples, family page."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from distcheck.cli import main
from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.verdict import Result
from distcheck.engines.checker import Options, check_model
from distcheck.outputs import pages as familypage
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

ROOT = Path(__file__).resolve().parents[1]
TRACES = ROOT / "counterexamples" / "locks"
#: models of this family written by other issues (faults, liveness)
ELSEWHERE = ("locks.redis_set_nx_px", "locks.setnx_no_ttl")
MINE = sorted(m for m in catalog.bundled_models()
              if m.startswith("locks.") and not m.startswith(ELSEWHERE))

#: (claim, model, property) -> the verdict CLAIMS.md expects for it
LEDGER = {
    ("LK-1", "locks.db_row", "mutual_exclusion"): "holds",
    ("LK-1", "locks.db_row", "eventually_free"): "violated",
    ("LK-5", "locks.db_row.with_expiry", "mutual_exclusion"): "violated",
    ("LK-2", "locks.zookeeper", "mutual_exclusion"): "holds",
    ("LK-2b", "locks.zookeeper.session_expiry", "mutual_exclusion"): "violated",
    ("LK-2c", "locks.zookeeper.watch_lock_node", "wakeups_per_release"): "violated",
    ("LK-4", "locks.setnx_then_expire", "eventually_free"): "violated",
    ("LK-6", "locks.release.plain_del", "no_release_of_others"): "violated",
    ("LK-6b", "locks.release.get_compare_del", "no_release_of_others"): "violated",
    ("LK-6c", "locks.release.compare_and_delete", "no_release_of_others"): "holds",
    ("LK-7", "locks.watchdog", "lease_kept"): "holds",
    ("LK-7", "locks.watchdog.process_pause", "lease_kept"): "violated",
    ("LK-8", "locks.reentrant", "reentrancy"): "holds",
    ("LK-9", "locks.failover", "mutual_exclusion"): "violated",
    ("LK-10", "locks.redlock", "mutual_exclusion"): "violated",
    ("LK-10b", "locks.redlock.delayed_restart", "mutual_exclusion"): "holds",
    ("LK-10b", "locks.redlock.delayed_restart", "no_stale_write"): "holds",
    ("LK-10", "locks.redlock.delayed_restart.clock_drift", "mutual_exclusion"): "violated",
    ("LK-7", "locks.watchdog", "mutual_exclusion"): "holds",
    ("LK-11", "locks.zookeeper.session_expiry.fenced", "no_stale_write"): "holds",
    ("LK-11", "locks.redlock.fenced", "no_stale_write"): "holds",
}


@cache
def results(model_id: str) -> dict[str, Result]:
    return {r.property: r for r in check_model(catalog.get(model_id)(), Options())}


def test_the_family_has_the_expected_models() -> None:
    assert {m for _, m, _ in LEDGER} <= set(MINE)


@pytest.mark.parametrize("model_id", MINE)
def test_verdicts_as_expected_at_defaults(model_id: str) -> None:
    found = results(model_id)
    assert found, f"{model_id} has no properties"
    for name, r in found.items():
        assert r.as_expected, f"{model_id} {name}: expected {r.expected}, got {r.verdict}: {r.reason}"
    # no claim proven by a search that was cut
    assert all(r.verdict != "inconclusive" for r in found.values())


@pytest.mark.parametrize(("claim", "model_id", "prop"), sorted(LEDGER))
def test_verdict_matches_the_claims_ledger(claim: str, model_id: str, prop: str) -> None:
    r = results(model_id)[prop]
    assert claim in r.claims
    assert r.verdict == LEDGER[(claim, model_id, prop)], r.reason


#: the verdict CLAIMS.md expects of each claim's own property, where it has one
CLAIM_VERDICT = {
    "LK-2": "holds", "LK-2b": "violated", "LK-5": "violated", "LK-9": "violated",
    "LK-10": "violated", "LK-10b": "holds", "LK-11": "holds",
}


#: variants that fix what their claim breaks, and say so in their docstring
FIXES = ("locks.failover.wait_replica",)


@pytest.mark.parametrize("model_id", sorted(m for m in catalog.bundled_models()
                                             if m.startswith("locks.") and m not in FIXES))
def test_no_safety_verdict_contradicts_its_claim(model_id: str) -> None:
    # A mutual exclusion or fencing verdict tagged with a claim must be the claim's verdict.
    for name, r in results(model_id).items():
        if name not in ("mutual_exclusion", "no_stale_write"):
            continue
        for claim in r.claims:
            if claim in CLAIM_VERDICT:
                assert r.expected == CLAIM_VERDICT[claim], f"{model_id} {name} tagged {claim}"


@pytest.mark.parametrize("model_id", MINE)
def test_docstrings_name_the_claims(model_id: str) -> None:
    cls = catalog.get(model_id)
    doc = cls.__doc__ or ""
    assert "Claims:" in doc
    for claim in cls.claims:
        assert re.search(rf"\b{re.escape(claim)}\b", doc), f"{model_id} docstring lacks {claim}"
    assert "Takeaway:" in doc, f"{model_id} docstring has no takeaway for the family page"


@pytest.mark.parametrize("model_id", MINE)
def test_every_violation_has_a_minimal_committed_counterexample(model_id: str) -> None:
    for name, r in results(model_id).items():
        if r.verdict != "violated" or r.trace is None:
            continue
        path = TRACES / tracefile.file_name(model_id, name)
        assert path.exists(), f"missing {path}: run distcheck check {model_id} --save-traces"
        saved = tracefile.load(path)
        assert len(saved) == len(r.trace), f"{path.name} is not the shortest trace any more"
        assert replay(saved).reproduced


def test_counterexamples_read_as_a_story() -> None:
    saved = tracefile.load(TRACES / "locks.zookeeper.session_expiry.mutual_exclusion.json")
    assert [st.label() for st in saved.steps] == [
        "acquire(client=0)", "pause(client=0)", "tick()", "expire(client=0)", "acquire(client=1)",
    ]
    assert saved.steps[0].state["clients"]["0"]["pc"] == "holding"


# --------------------------------------------------------------------------- beyond the defaults


def verdict(model_id: str, prop: str, **params: object) -> str:
    model = catalog.get(model_id)(**params)
    [r] = check_model(model, Options(), only=[prop])
    return r.verdict


def test_redlock_holds_when_the_drift_allowance_covers_the_drift() -> None:
    model = "locks.redlock.delayed_restart.clock_drift"
    assert verdict(model, "mutual_exclusion", drift=1, drift_allowance=0) == "violated"
    assert verdict(model, "mutual_exclusion", drift=1, drift_allowance=1) == "holds"


def test_session_expiry_with_three_clients() -> None:
    assert verdict("locks.zookeeper.session_expiry", "mutual_exclusion", clients=3) == "violated"
    assert verdict("locks.zookeeper", "mutual_exclusion", clients=3, pauses=0) == "holds"


def test_zookeeper_frees_a_crashed_holders_lock_but_a_db_row_does_not() -> None:
    assert verdict("locks.zookeeper", "eventually_free", clients=2) == "holds"
    assert verdict("locks.db_row", "eventually_free") == "violated"
    assert verdict("locks.db_row.with_expiry", "eventually_free") == "holds"
    assert verdict("locks.setnx_then_expire.set_nx_px", "eventually_free") == "holds"


# --------------------------------------------------------------------------- not by construction


class ZooKeeperFallingTokens(catalog.get("locks.zookeeper.session_expiry.fenced")):
    """Fenced, but the token falls as the sequence number rises (a broken token source)."""

    def fencing_token(self, seq: int) -> int:
        return -seq


class RedlockFallingTokens(catalog.get("locks.redlock.fenced")):
    """Fenced, but each grant's token is lower than the one before."""

    def fencing_token(self, grant: int) -> int:
        return -grant


@pytest.mark.parametrize("broken", [ZooKeeperFallingTokens, RedlockFallingTokens])
def test_fencing_with_falling_tokens_lets_a_stale_write_through(broken: type) -> None:
    # The resource still rejects any token below the highest it accepted; with tokens that
    # fall over the grants it so admits the older holder's write, and no_stale_write, which
    # judges the lock service's grant order, must see it.
    [r] = check_model(broken(), Options(), only=["no_stale_write"])
    assert r.verdict == "violated"
    actions = [st.action for st in r.trace.steps]
    assert actions[-1] == "write" and actions.count("write") == 2
    accepted = r.trace.steps[-1].state["accepted"]
    assert len(accepted) == 2 and accepted[0]["grant"] > accepted[1]["grant"]


def test_watchdog_verdicts_come_from_renew() -> None:
    class NoRenewal(catalog.get("locks.watchdog")):
        renew = None

    for prop in ("mutual_exclusion", "lease_kept"):
        [r] = check_model(NoRenewal(), Options(), only=[prop])
        assert r.verdict == "violated", prop
        assert "tick" in [st.action for st in r.trace.steps]
        assert "pause" not in [st.action for st in r.trace.steps]
    assert verdict("locks.watchdog", "mutual_exclusion") == "holds"


def test_reentrant_lock_holds_at_depth_3() -> None:
    assert verdict("locks.reentrant", "reentrancy", depth=3, clients=3) == "holds"
    assert verdict("locks.reentrant.naive_unlock", "reentrancy", depth=3) == "violated"


# --------------------------------------------------------------------------- family page


def test_family_page_lists_every_lk_claim_and_takeaway() -> None:
    sections = [familypage.Section(catalog.get(m)(), list(results(m).values())) for m in MINE]
    page = familypage.render("locks", sections, page_dir=ROOT / "models" / "locks")
    for claim in sorted({c for _, mid, _ in LEDGER for c in catalog.get(mid).claims}):
        assert f"| {claim}" in page or f", {claim}" in page, claim
    for m in MINE:
        assert f"### `{m}`" in page
    assert "Takeaway: a ZooKeeper lock is a lease in disguise" in page
    link = "(../../counterexamples/locks/locks.failover.mutual_exclusion.json)"
    assert link in page
    assert "differs" not in page


def test_report_command_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "page.md"
    assert main(["report", "locks.release", "--output", str(out)]) == 0
    text = out.read_text()
    assert ("| `locks.release.plain_del` | LK-6 | no_release_of_others | bfs | violated (holds at "
            "horizon=0) | **violated**; holds at horizon=0" in text)
    assert "LK-6c" in text and "## The designs" in text


def test_report_rejects_an_unknown_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "nosuchfamily"]) == 2
    assert "unknown model 'nosuchfamily'" in capsys.readouterr().err


def test_family_page_names_bounds_of_every_kind() -> None:
    from distcheck.contract.verdict import Stats

    model = catalog.get("locks.reentrant")()

    def result(kind: str, verdict: str, stats: Stats, engine: str = "bfs") -> Result:
        return Result(model.id, compile_model(model).param_values, f"p_{kind}", kind, verdict, verdict,
                      "why", stats, engine, claims=("LK-8",))

    rows = [
        result("invariant", "holds", Stats(16, 17, 9, 0.1, True)),
        result("sometimes", "holds", Stats(5, 5, 3, 0.1, False)),
        result("invariant", "inconclusive", Stats(7, 9, 2, 0.1, False)),
        result("proof", "holds", Stats(), "z3"),
        result("measure", "reported", Stats(complete=True), "compute"),
    ]
    page = familypage.render("locks", [familypage.Section(model, rows)])
    assert "16 states, depth 9, exhaustive" in page
    assert "5 states, depth 3, stopped once reached" in page
    assert "7 states, depth 2, cut by a bound" in page
    assert "**proved for all values** (z3)" in page and "| computed, not explored |" in page
    assert "**inconclusive**" in page
