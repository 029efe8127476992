"""The bundled idempotency family on SQLite, PostgreSQL and redis-server (bundled adapters).

Every committed counterexample of an SQL design (IDP-4 without the version
predicate, IDP-6 routed by request id, IDP-8 in two transactions with the
app server's connection killed) reproduces on SQLite and on PostgreSQL; the
designs that hold agree with both databases over random runs; an adapter
that runs other SQL than its model says diverges where they differ.  On
Redis, IDP-1's GET/compare/DEL and IDP-2's DEL after the business
reproduce, IDP-1b's atomic script agrees with its model (which never
charges twice).  SQLite runs in-process; the servers are started per
command on Unix sockets and stopped after.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_helpers import one_line, run
from realservers import need

from distcheck.conformance import DIVERGED, conform_model
from distcheck.conformance.idempotency import SqliteIdempotency
from distcheck.conformance.servers import PostgresServer, RedisServer
from distcheck.contract.compiled import compile_model
from distcheck.models.idempotency.optimistic import OptimisticLock
from distcheck.outputs.pages import ROOT

TRACES = ROOT / "counterexamples" / "idempotency"
SQLITE = "distcheck.conformance.idempotency:SqliteIdempotency"
POSTGRES = "distcheck.conformance.idempotency:PostgresIdempotency"
REDIS = "distcheck.conformance.redis_tokens:RedisToken"
SQL_TRACES = [
    "idempotency.optimistic.no_version.at_most_once.json",
    "idempotency.optimistic.no_version.exactly_once.json",
    "idempotency.unique.sharded.by_request_id.at_most_once.json",
    "idempotency.unique.sharded.by_request_id.same_answer.json",
    "idempotency.dedup_table.separate_txn.exactly_once.json",
    "idempotency.dedup_table.separate_txn.payment_first.at_most_once.json",
    "idempotency.dedup_table.separate_txn.payment_first.exactly_once.json",
]
HOLDING = ["idempotency.optimistic", "idempotency.unique", "idempotency.unique.sharded",
           "idempotency.dedup_table"]
#: what the PostgreSQL tests of the default run cover: IDP-4, IDP-6, IDP-8 once each
PG_QUICK = {SQL_TRACES[0], SQL_TRACES[2], SQL_TRACES[4]}


def _reproduces(capsys: pytest.CaptureFixture[str], trace: str, adapter: str, *extra: str) -> str:
    code, out, _ = run(capsys, "conform", str(TRACES / trace), "--adapter", adapter, *extra)
    assert code == 0, out
    return out


@pytest.mark.parametrize("trace", SQL_TRACES)
def test_sql_counterexamples_reproduce_on_sqlite(trace: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _reproduces(capsys, trace, SQLITE)
    assert "reproduced (1/1 runs" in out and "SQLite 3." in out


def _last_step(capsys: pytest.CaptureFixture[str], trace: str) -> dict[str, Any]:
    last = json.loads(_reproduces(capsys, trace, SQLITE, "--json"))["history"][-1]
    assert last["model"] == last["real"]
    return dict(last["real"])


def test_the_duplicate_update_decrements_twice_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    real = _last_step(capsys, SQL_TRACES[0])
    assert real["goods"] == {"count": 8, "version": 3}
    assert [a["value"] for a in real["answers"]] == ["1 row", "1 row"]


def test_two_shards_routed_by_request_id_keep_two_rows_on_sqlite(
        capsys: pytest.CaptureFixture[str]) -> None:
    real = _last_step(capsys, SQL_TRACES[3])
    assert real["order_rows"] == ["r1", "r2"]
    assert [a["value"] for a in real["answers"]] == ["order r1", "order r2"]


@pytest.mark.parametrize("model", HOLDING)
def test_the_sql_designs_that_hold_agree_with_sqlite(model: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", model, "--adapter", SQLITE, "--runs", "10")
    assert code == 0 and "no divergence (10/10 runs" in out, out


class UnversionedSqlite(SqliteIdempotency):
    """Leaves out the version predicate whatever the model says (a model/system mismatch)."""

    def server_update(self, server: int) -> dict[str, Any]:
        self.model_id += ".no_version"
        try:
            return super().server_update(server)
        finally:
            self.model_id = self.model_id.removesuffix(".no_version")


def test_sql_that_differs_from_its_model_diverges_at_the_stale_update() -> None:
    report = conform_model(compile_model(OptimisticLock()), UnversionedSqlite, runs=20, steps=20)
    assert report.outcome == DIVERGED and report.saved is not None
    assert [st.action for st in report.saved.steps][-1] == "server_update"
    assert 'goods: model {"count":9,"version":2}, real {"count":8,"version":3}' in report.saved.message


@pytest.mark.parametrize("trace", [pytest.param(t, marks=[] if t in PG_QUICK else pytest.mark.slow)
                                   for t in SQL_TRACES])
def test_sql_counterexamples_reproduce_on_postgres(trace: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    need(PostgresServer)
    out = _reproduces(capsys, trace, POSTGRES)
    assert "reproduced (1/1 runs" in out and "PostgreSQL " in out


@pytest.mark.parametrize("model", [pytest.param(m, marks=[] if m == "idempotency.dedup_table"
                                                else pytest.mark.slow) for m in HOLDING])
def test_the_sql_designs_that_hold_agree_with_postgres(model: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The one-transaction dedup table's walks kill connections mid-transaction (crash)."""
    need(PostgresServer)
    code, out, _ = run(capsys, "conform", model, "--adapter", POSTGRES, "--runs", "10")
    assert code == 0 and "no divergence (10/10 runs" in out, out


def test_get_compare_del_charges_twice_on_redis_every_time(capsys: pytest.CaptureFixture[str]) -> None:
    need(RedisServer)
    out = _reproduces(capsys, "idempotency.token.at_most_once.json", REDIS, "--repeat", "3")
    assert "reproduced (3/3 runs" in out and "Redis " in out
    [both] = [line for line in out.splitlines() if "server_get(server=1)" in line]
    assert both.count("tokens=[1]") == 2  # the second GET still finds the token


def test_delete_after_the_business_charges_again_after_a_crash_on_redis(
        capsys: pytest.CaptureFixture[str]) -> None:
    need(RedisServer)
    out = _reproduces(capsys, "idempotency.token.delete_after.at_most_once.json", REDIS)
    assert "reproduced (1/1 runs" in out


def test_the_atomic_script_agrees_with_its_model_on_redis(capsys: pytest.CaptureFixture[str]) -> None:
    need(RedisServer)
    code, out, _ = run(capsys, "conform", "idempotency.token.atomic", "--adapter", REDIS,
                       "--runs", "10")
    assert code == 0 and "no divergence (10/10 runs" in out, out


def test_a_token_variant_the_adapter_cannot_drive_is_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    need(RedisServer)
    code, out, err = run(capsys, "conform", "idempotency.token.business_fails", "--adapter", REDIS)
    assert code == 2 and out == ""
    assert one_line(err).startswith("distcheck: adapter RedisToken drives idempotency.token, ")
