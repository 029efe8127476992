"""The idempotency family: the ledger's verdicts, each violation for its stated reason, the properties.

Verdicts of every property are also pytest items through the plugin; here
each broken variant is checked to fail *for the reason its claim gives*
(the fault or the missing step shows in the shortest trace, and taking that
cause away makes the property hold), and the answer log and the effect
log are judged by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from distcheck.cli import main
from distcheck.contract import catalog
from distcheck.contract.state import describe_change
from distcheck.engines.checker import Options, check_model
from distcheck.properties import effects
from distcheck.properties.effects import Effect
from distcheck.properties.idempotency import (
    Answer,
    conflicting_answers,
    record_answer,
    same_answer,
)

ROOT = Path(__file__).resolve().parent.parent
MODELS = {mid: cls for mid, cls in catalog.bundled_models().items()
          if mid.startswith("idempotency.")}
TRACES = ROOT / "counterexamples" / "idempotency"

#: the ledger's verdict for each (model, claimed property), written out so that a
#: model edit that silently drops or flips a claim fails here
LEDGER = {
    ("idempotency.token", "at_most_once"): "violated",  # IDP-1
    ("idempotency.token.atomic", "at_most_once"): "holds",  # IDP-1b
    ("idempotency.token.delete_after", "at_most_once"): "violated",  # IDP-2
    ("idempotency.token.business_fails", "eventually_applied"): "violated",  # IDP-3
    ("idempotency.token.business_fails", "at_most_once"): "holds",
    ("idempotency.token.business_fails.new_token", "eventually_applied"): "holds",
    ("idempotency.token.business_fails.restore_token", "eventually_applied"): "holds",
    ("idempotency.token.business_fails.new_token.timeout", "eventually_applied"): "violated",
    ("idempotency.optimistic", "at_most_once"): "holds",  # IDP-4
    ("idempotency.optimistic", "exactly_once"): "holds",
    ("idempotency.optimistic.no_version", "at_most_once"): "violated",
    ("idempotency.optimistic.no_version", "exactly_once"): "violated",
    ("idempotency.pessimistic", "at_most_once"): "holds",  # IDP-5
    ("idempotency.pessimistic.no_check", "at_most_once"): "violated",
    ("idempotency.unique", "at_most_once"): "holds",  # IDP-6
    ("idempotency.unique", "same_answer"): "holds",
    ("idempotency.unique.sharded", "at_most_once"): "holds",
    ("idempotency.unique.sharded", "same_answer"): "holds",
    ("idempotency.unique.sharded.by_request_id", "at_most_once"): "violated",
    ("idempotency.unique.sharded.by_request_id", "same_answer"): "violated",
    ("idempotency.digest_set", "at_most_once"): "violated",  # IDP-7
    ("idempotency.digest_set.sadd", "at_most_once"): "holds",
    ("idempotency.digest_set.sadd.no_persistence", "at_most_once"): "violated",
    ("idempotency.dedup_table", "exactly_once"): "holds",  # IDP-8
    ("idempotency.dedup_table", "at_most_once"): "holds",
    ("idempotency.dedup_table", "same_answer"): "holds",
    ("idempotency.dedup_table.separate_txn", "exactly_once"): "violated",
    ("idempotency.dedup_table.separate_txn", "at_most_once"): "holds",
    ("idempotency.dedup_table.separate_txn.payment_first", "exactly_once"): "violated",
    ("idempotency.dedup_table.separate_txn.payment_first", "at_most_once"): "violated",
}


def run(model_id: str, **params) -> dict:
    return {r.property: r for r in check_model(MODELS[model_id](**params), Options())}


def steps(result) -> list[str]:
    return [st.label() for st in result.trace.steps]


def last(result) -> dict:
    """The last state of the result's trace, as the trace shows it."""
    return result.trace.steps[-1].state


@pytest.fixture(scope="module")
def results() -> dict:
    return {(mid, prop): r for mid in MODELS for prop, r in run(mid).items()}


def test_every_claim_of_the_ledger_is_covered() -> None:
    claims = {c for cls in MODELS.values() for c in cls.claims}
    assert {"IDP-1", "IDP-1b", "IDP-2", "IDP-3", "IDP-4", "IDP-5", "IDP-6", "IDP-7",
            "IDP-8"} <= claims


@pytest.mark.parametrize("key", sorted(LEDGER), ids=lambda k: f"{k[0]}:{k[1]}")
def test_ledger_verdicts(results, key) -> None:
    r = results[key]
    assert r.verdict == LEDGER[key] == r.expected, r.reason


def test_every_violated_ledger_claim_has_a_committed_counterexample() -> None:
    names = {p.name for p in TRACES.glob("*.json")}
    for (mid, prop), verdict in LEDGER.items():
        if verdict == "violated":
            assert f"{mid}.{prop}.json" in names


def test_each_model_checks_fast_and_explores_completely(results) -> None:
    for r in results.values():
        assert r.as_expected, (r.model, r.property, r.reason)
        assert r.stats.seconds < 2, (r.model, r.property, r.stats.seconds)
        if r.kind == "invariant" and r.verdict == "holds":
            assert r.stats.complete


# --------------------------------------------------------------------------- the token (IDP-1..3)


def test_idp1_both_copies_pass_the_get_before_either_deletes(results) -> None:
    trace = steps(results[("idempotency.token", "at_most_once")])
    gets = [i for i, st in enumerate(trace) if st.startswith("server_get")]
    dels = [i for i, st in enumerate(trace) if st.startswith("server_del")]
    assert len(gets) == 2 and len(dels) == 2 and max(gets) < min(dels)
    assert {st for st in trace if st.startswith("server_business")} == {
        "server_business(server=0)", "server_business(server=1)"}
    assert not any(st.fault for st in results[("idempotency.token", "at_most_once")].trace.steps)


def test_idp2_the_crash_between_business_and_delete_doubles_the_charge(results) -> None:
    r = results[("idempotency.token.delete_after", "at_most_once")]
    trace = steps(r)
    assert trace.index("crash(server=0)") == trace.index("server_business(server=0)") + 1
    assert trace.count("server_business(server=0)") == 2 and "server_del(server=0)" not in trace
    assert run("idempotency.token.delete_after", crashes=0)["at_most_once"].verdict == "holds"


def test_idp3_the_retry_after_a_failure_is_turned_away(results) -> None:
    r = results[("idempotency.token.business_fails", "eventually_applied")]
    assert "server_business(server=0)[fails]" in steps(r)
    assert r.trace.steps[-1].action == "server_check_and_delete"
    end = last(r)
    assert end["client"]["at"] == "done" and not end["effects"]  # told "duplicate", not done
    assert run("idempotency.token.business_fails",
               failures=0)["eventually_applied"].verdict == "holds"


def test_idp3_fix_undone_by_a_timeout_the_duplicate_mark_is_taken_for_success(results) -> None:
    r = results[("idempotency.token.business_fails.new_token.timeout", "eventually_applied")]
    end = last(r)
    assert {a["value"] for a in end["answers"]} == {"duplicate", "failed"}
    assert end["client"]["at"] == "done" and not end["effects"]


# --------------------------------------------------------------------------- locks (IDP-4, IDP-5)


def test_idp4_without_the_version_every_copy_decrements(results) -> None:
    r = results[("idempotency.optimistic.no_version", "at_most_once")]
    assert steps(r) == ["client_send(server=0)", "client_send(server=1)",
                        "server_update(server=0)", "server_update(server=1)"]
    assert last(r)["goods"]["count"] == 8
    fixed = run("idempotency.optimistic", retries=2, servers=3)
    assert fixed["at_most_once"].verdict == fixed["exactly_once"].verdict == "holds"


def test_idp5_serialized_but_paid_twice_without_the_check(results) -> None:
    r = results[("idempotency.pessimistic.no_check", "at_most_once")]
    trace = steps(r)
    assert trace[2:] == ["server_select_for_update(server=0)", "server_pay(server=0)",
                         "server_select_for_update(server=1)", "server_pay(server=1)"]
    assert not any(st.fault for st in r.trace.steps)  # no crash needed: the lock did its job
    assert run("idempotency.pessimistic", retries=2)["at_most_once"].verdict == "holds"


# --------------------------------------------------------------------------- unique keys (IDP-6, IDP-7)


def test_idp6_routed_by_request_id_the_retry_lands_on_another_shard(results) -> None:
    r = results[("idempotency.unique.sharded.by_request_id", "same_answer")]
    end = last(r)
    assert end["shards"] == ["r1", "r2"]  # one row on each shard
    assert {a["value"] for a in end["answers"]} == {"order r1", "order r2"}
    more = run("idempotency.unique.sharded", shards=3, retries=2)
    assert more["at_most_once"].verdict == more["same_answer"].verdict == "holds"


def test_idp7_check_then_add_needs_no_crash_but_no_persistence_needs_the_restart(results) -> None:
    split = results[("idempotency.digest_set", "at_most_once")]
    trace = steps(split)
    assert not any(st.fault for st in split.trace.steps)
    assert max(i for i, st in enumerate(trace) if st.startswith("server_sismember")) < min(
        i for i, st in enumerate(trace) if st.startswith("server_sadd"))
    lost = steps(results[("idempotency.digest_set.sadd.no_persistence", "at_most_once")])
    assert lost.index("redis_crash()") < lost.index("redis_restart()") < len(lost) - 2
    assert run("idempotency.digest_set.sadd.no_persistence",
               crashes=0)["at_most_once"].verdict == "holds"


# --------------------------------------------------------------------------- dedup table (IDP-8)


def test_idp8_dedup_row_first_then_crash_loses_the_payment(results) -> None:
    r = results[("idempotency.dedup_table.separate_txn", "exactly_once")]
    trace = steps(r)
    assert trace[-1] == "crash(server=0)" and "server_update(server=0)" not in trace
    end = last(r)
    assert end["dedup"] == "processed" and end["effects"] == []  # lost, not doubled
    assert end["client"]["at"] == "done"
    assert run("idempotency.dedup_table.separate_txn", crashes=0)["exactly_once"].verdict == "holds"


def test_idp8_payment_first_then_crash_pays_twice(results) -> None:
    r = results[("idempotency.dedup_table.separate_txn.payment_first", "at_most_once")]
    trace = steps(r)
    assert trace.index("crash(server=0)") == trace.index("server_update(server=0)") + 1
    assert len(last(r)["effects"]) == 2  # doubled, not lost
    assert run("idempotency.dedup_table.separate_txn.payment_first",
               crashes=0)["at_most_once"].verdict == "holds"


def test_idp8_one_transaction_holds_with_more_servers_and_retries() -> None:
    verdicts = {p: r.verdict for p, r in run("idempotency.dedup_table", servers=3,
                                              retries=2).items()}
    assert verdicts["exactly_once"] == verdicts["same_answer"] == "holds"


# --------------------------------------------------------------------------- properties by hand


def test_effect_logs_by_hand_double_lost_and_clean() -> None:
    at_most = effects.at_most_once(lambda m, s: s, effect="charged").fn
    once = effects.exactly_once(lambda m, s: s, lambda m, s: ["o1"], lambda m, s: True,
                                effect="charged").fn
    doubled = (Effect("o1", "charged"), Effect("o1", "charged"))
    assert not at_most(None, doubled) and not once(None, doubled)  # a double effect is found
    assert at_most(None, ()) and not once(None, ())  # a lost effect is found
    assert at_most(None, doubled[:1]) and once(None, doubled[:1])  # a clean run is accepted


def test_answer_logs_by_hand() -> None:
    log = record_answer(record_answer((), "o1", "order 7"), "o2", "order 8")
    check = same_answer(lambda m, s: s).fn
    assert check(None, log) and check(None, record_answer(log, "o1", "order 7"))
    bad = record_answer(log, "o1", "order 9")
    assert not check(None, bad)
    assert conflicting_answers(bad) == {"o1": ["order 7", "order 9"]}
    assert record_answer(record_answer((), "o1", "b"), "o1", "a") == (
        Answer("o1", "a"), Answer("o1", "b"))


def test_a_trace_shows_an_effect_logged_a_second_time() -> None:
    entry = {"key": "o1", "effect": "charged"}
    assert describe_change("effects", [entry], [entry, entry]) == (
        'effects: +{"key":"o1","effect":"charged"}')
    assert describe_change("effects", [entry, entry], [entry]) == (
        'effects: -{"key":"o1","effect":"charged"}')


def test_check_idempotency_exits_0(tmp_path) -> None:
    assert main(["check", "idempotency", "--save-traces", str(tmp_path)]) == 0
