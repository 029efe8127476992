"""The distributed-ID family: every model's verdicts, its traces, and the property library."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from distcheck.cli import main
from distcheck.contract import catalog
from distcheck.contract.errors import BadInput
from distcheck.contract.model import declared_params
from distcheck.engines.checker import Options, check_model
from distcheck.models.ids import uuid
from distcheck.models.ids.snowflake_gen import SnowflakeGenerator
from distcheck.models.ids.variants import VariantModel
from distcheck.properties.ids import (
    Issued,
    all_unique,
    increasing_per_node,
    issued_per_node,
    k_sorted,
    longest_wait,
)
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

ROOT = Path(__file__).resolve().parent.parent
ID_MODELS = [mid for mid in catalog.bundled_models() if mid.startswith("ids.")]
TRACES = sorted((ROOT / "counterexamples" / "ids").glob("*.json"))

#: the ledger's verdict for each (model, claimed property), written out here so a
#: model edit that silently drops or flips a claim fails this test
LEDGER = {
    ("ids.uuid4", "collision_probability"): "reported",  # ID-1
    ("ids.uuid1", "unique"): "holds",  # ID-1b bumped
    ("ids.uuid1.no_bump", "unique"): "violated",  # ID-1b not bumped
    ("ids.autoincrement", "unique"): "holds",  # ID-2
    ("ids.autoincrement", "monotone"): "holds",
    ("ids.autoincrement", "available"): "violated",
    ("ids.autoincrement", "eventually_answered"): "holds",  # liveness, the database restarts
    ("ids.autoincrement.down", "eventually_answered"): "violated",  # it never does
    ("ids.multimaster", "no_collision"): "holds",  # ID-3 proof
    ("ids.multimaster", "no_collision_any_step"): "holds",
    ("ids.multimaster", "unique"): "holds",  # ID-3 BFS
    ("ids.multimaster.node_added", "no_collision"): "violated",  # ID-3b proof
    ("ids.multimaster.node_added", "unique"): "violated",  # ID-3b BFS
    ("ids.replica_read", "read_after_write"): "violated",  # ID-4
    ("ids.redis_incr", "unique"): "violated",  # ID-5
    ("ids.snowflake", "packing_injective"): "holds",  # ID-6 proofs
    ("ids.snowflake", "sign_bit_zero"): "holds",
    ("ids.snowflake", "increasing_per_worker"): "holds",
    ("ids.snowflake", "lifetime_and_rate"): "reported",
    ("ids.snowflake_gen", "unique"): "holds",  # ID-6 explored
    ("ids.snowflake_gen", "increasing"): "holds",
    ("ids.snowflake_gen.rollback", "unique"): "violated",  # ID-6b
    ("ids.snowflake_gen.refuse", "unique"): "holds",  # ID-6c
    ("ids.snowflake_gen.refuse", "available"): "violated",
    ("ids.snowflake_gen.exhausted", "unique"): "holds",  # ID-6d
    ("ids.snowflake_gen.exhausted", "available"): "holds",
    ("ids.snowflake_gen.same_worker", "unique"): "violated",  # ID-6e
    ("ids.segment", "unique"): "holds",  # ID-7
    ("ids.segment", "gap"): "holds",
}


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], object]:
    found = {}
    for mid in ID_MODELS:
        for r in check_model(catalog.get(mid)(), Options()):
            found[(r.model, r.property)] = r
    return found


def test_every_claim_of_the_ledger_is_covered() -> None:
    claims = {c for mid in ID_MODELS for c in catalog.get(mid).claims}
    assert {"ID-1", "ID-1b", "ID-2", "ID-3", "ID-3b", "ID-4", "ID-5", "ID-6", "ID-6b", "ID-6c",
            "ID-6d", "ID-6e", "ID-7"} <= claims


@pytest.mark.parametrize("key", sorted(LEDGER))
def test_ledger_verdicts(results, key) -> None:
    r = results[key]
    assert r.verdict == LEDGER[key] == r.expected, r.reason


def test_every_verdict_as_declared_and_every_violation_has_a_trace(results) -> None:
    for r in results.values():
        assert r.as_expected, (r.model, r.property, r.reason)
        if r.verdict == "violated":
            assert r.trace is not None and len(r.trace) >= 1
        if r.kind in ("invariant", "action", "sometimes") and r.verdict == "holds":
            assert r.stats.complete or r.kind == "sometimes"


def test_shortest_traces_show_the_mechanism(results) -> None:
    assert len(results[("ids.replica_read", "read_after_write")].trace) == 2
    redis = [s.action for s in results[("ids.redis_incr", "unique")].trace.steps]
    assert redis == ["incr", "crash", "restart", "incr"]
    rollback = results[("ids.snowflake_gen.rollback", "unique")].trace
    assert any(s.action == "clock_jump" for s in rollback.steps)
    added = results[("ids.multimaster.node_added", "unique")].trace
    assert any(s.action == "add_node" for s in added.steps)


def test_counterexamples_cover_every_violated_ledger_claim() -> None:
    names = {p.name for p in TRACES}
    for (mid, prop), verdict in LEDGER.items():
        if verdict == "violated":
            assert f"{mid}.{prop}.json" in names


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.name)
def test_every_id_trace_replays(path) -> None:
    rep = replay(tracefile.load(path))
    assert rep.reproduced, rep.problem


def test_check_ids_exits_0(tmp_path, capsys) -> None:
    assert main(["check", "ids", "--save-traces", str(tmp_path)]) == 0


def test_more_workers_than_worker_bits_is_bad_input(capsys) -> None:
    assert main(["check", "ids.snowflake_gen", "-p", "nodes=3"]) == 2
    assert "worker_bits" in capsys.readouterr().err


def test_horizon_past_the_timestamp_field_is_bad_input(capsys) -> None:
    # 3 timestamp bits hold 0..7: tick 8 would wrap to timestamp 0 and collide
    assert main(["check", "ids.snowflake_gen", "-p", "horizon=9"]) == 2
    err = capsys.readouterr().err
    assert "timestamp_bits" in err and "horizon" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(BadInput):
        SnowflakeGenerator(horizon=8)
    with pytest.raises(BadInput):
        SnowflakeGenerator(horizon=16, timestamp_bits=4)
    widest = SnowflakeGenerator(horizon=7, requests=2)  # the last timestamp the field holds
    assert all(r.as_expected for r in check_model(widest, Options()))


def test_design_choices_are_fixed_by_the_variant_not_by_a_parameter(capsys) -> None:
    variants = [catalog.get(mid) for mid in ID_MODELS]
    with_choices = [cls for cls in variants if issubclass(cls, VariantModel) and cls.design_choices]
    assert {cls.id for cls in with_choices} >= {
        "ids.redis_incr", "ids.redis_incr.aof", "ids.replica_read.primary", "ids.segment",
        "ids.segment.blind_write", "ids.snowflake_gen.rollback", "ids.uuid1.no_bump"}
    for cls in with_choices:
        assert not set(cls.design_choices) & set(declared_params(cls)), cls.id
    assert main(["check", "ids.redis_incr", "-p", "persistence=aof_always"]) == 2
    err = capsys.readouterr().err
    assert "ids.redis_incr.aof" in err and "design choice" in err
    assert main(["check", "ids.snowflake_gen", "-p", "same_worker_id=true"]) == 2
    assert "ids.snowflake_gen.same_worker" in capsys.readouterr().err
    assert main(["check", "ids.redis_incr", "-p", "no_such_knob=1"]) == 2
    assert "its parameters are" in capsys.readouterr().err


def test_generator_larger_instance_still_unique() -> None:
    model = SnowflakeGenerator(nodes=2, requests=4, horizon=4)
    verdicts = {r.property: r.verdict for r in check_model(model, Options())}
    assert verdicts["unique"] == verdicts["increasing"] == "holds"


# --------------------------------------------------------------------------- property library


def test_unique_and_increasing() -> None:
    log = [Issued(0, 1), Issued(1, 2), Issued(0, 3)]
    assert all_unique(log) and increasing_per_node(log)
    assert not all_unique(log + [Issued(1, 1)])
    assert not increasing_per_node(log + [Issued(0, 2)])
    assert increasing_per_node(log + [Issued(1, 2 + 1)])


def test_issued_per_node_lists_every_log_in_node_order() -> None:
    from typing import NamedTuple

    class Logs(NamedTuple):
        issued: tuple

    logs = Logs(((Issued(0, 3), Issued(0, 5)), (), (Issued(2, 4),)))
    assert issued_per_node("issued")(None, logs) == [Issued(0, 3), Issued(0, 5), Issued(2, 4)]


def test_k_sorted_within_the_declared_skew() -> None:
    log = [Issued(0, 10, at=0), Issued(1, 5, at=1), Issued(0, 20, at=2)]
    assert k_sorted(log, 2)  # 10 -> 5 is one tick apart, inside the skew
    assert not k_sorted(log, 1)


def test_longest_wait() -> None:
    assert longest_wait([], 5) == 0
    assert longest_wait([3, 1], 5) == 4


# --------------------------------------------------------------------------- the birthday bound


def test_birthday_exact_and_series_agree() -> None:
    space = 2**40
    for k in (600, 2000):
        low, high, method = uuid.collision_probability(k, space)
        distinct = 1
        for i in range(k):
            distinct *= space - i
        exact = Fraction(space**k - distinct, space**k)
        assert method.startswith("series") and low <= exact <= high


def test_uuid4_billion_ids() -> None:
    low, high, _ = uuid.collision_probability(10**9, 2**122)
    assert 9.40e-20 < float(low) <= float(high) < 9.41e-20
    assert uuid.collision_probability(2, 2**122)[0] == Fraction(1, 2**122)
    assert uuid.collision_probability(5, 4)[0] == 1  # pigeonhole
