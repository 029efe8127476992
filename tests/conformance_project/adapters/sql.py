"""Adapters running protocols/orders.py on SQLite (in-process) and PostgreSQL (a server of ours).

Each handler of a duplicated request has a connection of its own, in
autocommit mode: every statement is its own transaction, as in a handler
that does one UPDATE or one INSERT.  Shards are database files (SQLite) or
schemas (PostgreSQL), each with its own unique constraint; the router sends
copy ``h`` to shard ``h`` in the sharded-by-request design, else to shard 0.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from distcheck import Adapter


class SqlOrders(Adapter):
    models = ("shop.optimistic_update", "shop.unique_order")
    integrity_error: type[Exception] = Exception

    def connect(self, shard: int) -> Any:
        raise NotImplementedError

    @property
    def shards(self) -> int:
        return 2 if self.model_id.endswith("sharded_by_request") else 1

    def reset(self) -> None:
        for shard in range(self.shards):
            with self.connect(shard) as db:
                db.execute("DROP TABLE IF EXISTS orders")
                db.execute("DROP TABLE IF EXISTS balances")
                db.execute("CREATE TABLE orders (order_no INTEGER UNIQUE)")
                db.execute("CREATE TABLE balances (id INTEGER PRIMARY KEY, paid INTEGER, "
                           "version INTEGER)")
                db.execute("INSERT INTO balances VALUES (1, 0, 0)")
        self.handlers = [self.connect(self.route(h)) for h in range(2)]

    def route(self, h: int) -> int:
        return h if self.shards == 2 else 0

    def apply(self, h: int) -> dict[str, Any]:
        where = " AND version = 0" if not self.model_id.endswith("unversioned") else ""
        cursor = self.handlers[h].execute(
            f"UPDATE balances SET paid = paid + 10, version = version + 1 WHERE id = 1{where}")
        return {f"applied.{h}": cursor.rowcount == 1}

    def insert(self, h: int) -> dict[str, Any]:
        try:
            self.handlers[h].execute("INSERT INTO orders (order_no) VALUES (42)")
        except self.integrity_error:
            return {f"outcome.{h}": "duplicate"}
        return {f"outcome.{h}": "created"}

    def observe(self) -> dict[str, Any]:
        if self.model_id.startswith("shop.optimistic_update"):
            with self.connect(0) as db:
                paid, version = db.execute("SELECT paid, version FROM balances").fetchone()
            return {"balance": paid, "version": version}
        rows = []
        for shard in range(self.shards):
            with self.connect(shard) as db:
                rows.append(db.execute("SELECT count(*) FROM orders").fetchone()[0])
        return {"rows": rows}


class SqliteOrders(SqlOrders):
    integrity_error = sqlite3.IntegrityError

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="shop-sqlite-"))

    def stop(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, shard: int) -> Any:
        return _Closing(sqlite3.connect(self.folder / f"shard{shard}.db", isolation_level=None))

    def system(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"


class PostgresOrders(SqlOrders):
    def start(self) -> None:
        import psycopg

        from distcheck.conformance.servers import PostgresServer

        self.integrity_error = psycopg.errors.UniqueViolation
        self.server = PostgresServer()
        self.server.start()
        with psycopg.connect(self.server.dsn, autocommit=True) as db:
            for shard in range(2):
                db.execute(f"CREATE SCHEMA IF NOT EXISTS shard{shard}")

    def stop(self) -> None:
        if getattr(self, "server", None) is not None:
            self.server.stop()

    def connect(self, shard: int) -> Any:
        import psycopg

        return psycopg.connect(self.server.dsn, autocommit=True,
                               options=f"-c search_path=shard{shard}")

    def system(self) -> str:
        import psycopg

        return f"{self.server.version()}, psycopg {psycopg.__version__}"


class _Closing:
    """A sqlite3 connection that closes on ``with`` exit, as psycopg's does."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def execute(self, sql: str) -> sqlite3.Cursor:
        return self.db.execute(sql)

    def __enter__(self) -> _Closing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()


class VersionedSqlite(SqliteOrders):
    """Always sends the versioned UPDATE, whatever the model says (a model/system mismatch)."""

    models = ("shop.optimistic_update",)

    def apply(self, h: int) -> dict[str, Any]:
        cursor = self.handlers[h].execute("UPDATE balances SET paid = paid + 10, "
                                          "version = version + 1 WHERE id = 1 AND version = 0")
        return {f"applied.{h}": cursor.rowcount == 1}
