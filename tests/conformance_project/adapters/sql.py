"""An adapter running protocols/orders.py on SQLite (in-process), as a user writes one.

Each handler of a duplicated request has a connection of its own, in
autocommit mode: every statement is its own transaction, as in a handler
that does one UPDATE.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from distcheck import Adapter


class SqliteOrders(Adapter):
    models = ("shop.optimistic_update",)

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="shop-sqlite-"))

    def stop(self) -> None:
        for db in getattr(self, "handlers", []):
            db.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def system(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.folder / "shop.db", isolation_level=None)

    def reset(self) -> None:
        db = self.connect()
        db.execute("DROP TABLE IF EXISTS balances")
        db.execute("CREATE TABLE balances (id INTEGER PRIMARY KEY, paid INTEGER, version INTEGER)")
        db.execute("INSERT INTO balances VALUES (1, 0, 0)")
        db.close()
        for old in getattr(self, "handlers", []):
            old.close()
        self.handlers = [self.connect() for _ in range(2)]

    def where(self) -> str:
        return "" if self.model_id.endswith("unversioned") else " AND version = 0"

    def apply(self, h: int) -> dict[str, Any]:
        cursor = self.handlers[h].execute(
            f"UPDATE balances SET paid = paid + 10, version = version + 1 WHERE id = 1{self.where()}")
        return {f"applied.{h}": cursor.rowcount == 1}

    def observe(self) -> dict[str, Any]:
        db = self.connect()
        paid, version = db.execute("SELECT paid, version FROM balances").fetchone()
        db.close()
        return {"balance": paid, "version": version}


class VersionedSqlite(SqliteOrders):
    """Always sends the versioned UPDATE, whatever the model says (a model/system mismatch)."""

    def where(self) -> str:
        return " AND version = 0"
