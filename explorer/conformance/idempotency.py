"""Bundled adapters for the idempotency family's SQL designs on SQLite and PostgreSQL.

:class:`SqliteIdempotency` (in-process, a database file per shard) and
:class:`PostgresIdempotency` (a throwaway server of ours, a schema per
shard) run the same SQL for

- ``idempotency.optimistic*`` (IDP-4): ``UPDATE t_goods SET count = count - 1,
  version = version + 1 WHERE id = 2 AND version = %s``, the version predicate
  left out by ``.no_version``;
- ``idempotency.unique*`` (IDP-6): ``INSERT INTO orders (order_no, id)`` under a
  unique index on the order number, a duplicate-key error answered with the
  existing row's id; shards routed by the order number, or by the request id;
- ``idempotency.dedup_table*`` (IDP-8): the dedup row inserted inside the
  payment's transaction, or committed on its own before or after it; a crash
  kills the app server's connection, and the database rolls back what it had
  not committed.

Each app server of the scene is a connection of its own (per shard), the
client is the adapter: it reads the goods row's version once and numbers
its calls ``r1``, ``r2``, ... like the models.  What is compared: what each
copy carries, every answer the app servers gave (the model's answer log)
and the store read back after each step (the goods row, the order rows over
all shards, the committed dedup row and the payments on the account).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import zlib
from pathlib import Path
from typing import Any

from distcheck.conformance.adapter import Adapter, Observation
from distcheck.contract.errors import BadInput

ORDER = "o1"
GOODS_ID = 2
#: the account the dedup-table designs debit, and the amount of one payment
BALANCE, AMOUNT = 100, 10

SCHEMA = (
    "CREATE TABLE t_goods (id INTEGER PRIMARY KEY, count INTEGER NOT NULL, version INTEGER NOT NULL)",
    f"INSERT INTO t_goods VALUES ({GOODS_ID}, 10, 1)",
    "CREATE TABLE orders (order_no TEXT NOT NULL UNIQUE, id TEXT NOT NULL)",
    "CREATE TABLE dedup (order_no TEXT PRIMARY KEY, answer TEXT)",
    "CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)",
    f"INSERT INTO account VALUES (1, {BALANCE})",
)


class IdempotencyScene(Adapter):
    """The client and the app servers' memory of the idempotency scene (models/idempotency/_scene.py).

    The client numbers its calls and hands each copy what it carries; each
    app server remembers the copy it works on; every answer goes to the
    answer log, compared with the model's.
    """

    def reset(self) -> None:
        self.calls = 0
        self.req: dict[int, Any] = {}
        self.answers: list[dict[str, Any]] = []

    def payload(self) -> Any:
        """What the next copy carries (the order service's version, a token, a request id)."""
        return f"r{self.calls}"

    def client_send(self, server: int) -> Observation:
        self.calls += 1
        self.req[server] = self.payload()
        return {f"servers.{server}.req": self.req[server]}

    def reply(self, server: int, value: str) -> Observation:
        """``server`` answers ``value`` (kept sorted, as the model's log) and forgets its copy."""
        self.answers = sorted([*self.answers, {"key": ORDER, "value": value}],
                              key=lambda a: a["value"])
        self.req.pop(server, None)
        return {"answers": self.answers}


class SqlIdempotency(IdempotencyScene):
    """The SQL of the three designs; subclasses connect to a database (see the module docstring)."""

    models = ("idempotency.optimistic", "idempotency.unique", "idempotency.dedup_table")
    integrity_error: type[Exception] = Exception

    # -- the database ---------------------------------------------------------------------

    def connect(self, shard: int) -> Any:
        """A new autocommit connection to ``shard``."""
        raise NotImplementedError

    def create(self, shard: int) -> None:
        """``shard`` with the schema, empty of everything from earlier runs."""
        raise NotImplementedError

    def kill(self, db: Any) -> None:
        """End ``db``'s session as a crash of its app server does."""
        db.close()

    @property
    def shards(self) -> int:
        return int(self.params.get("shards", 1))

    def reset(self) -> None:
        super().reset()
        self._close_all()
        for shard in range(self.shards):
            self.create(shard)
        self.admin = [self.connect(shard) for shard in range(self.shards)]
        self.version_read: int | None = None

    def stop(self) -> None:
        self._close_all()

    def _close_all(self) -> None:
        for db in [*getattr(self, "admin", []), *getattr(self, "conns", {}).values()]:
            db.close()
        self.admin, self.conns = [], {}

    def conn(self, server: int, shard: int = 0) -> Any:
        """App server ``server``'s connection to ``shard``, opened on first use."""
        if (server, shard) not in self.conns:
            self.conns[server, shard] = self.connect(shard)
        return self.conns[server, shard]

    def query(self, sql: str, *args: Any, shard: int = 0) -> list[tuple[Any, ...]]:
        """Rows of a read on ``shard`` outside every app server's transaction."""
        return list(self.admin[shard].execute(sql.replace("?", self.mark), args).fetchall())

    mark = "?"

    def run(self, server: int, sql: str, *args: Any, shard: int = 0) -> Any:
        return self.conn(server, shard).execute(sql.replace("?", self.mark), args)

    # -- the client -----------------------------------------------------------------------

    def payload(self) -> Any:
        if self.model_id.startswith("idempotency.optimistic"):
            if self.version_read is None:  # read once; a retry sends what was read then
                [(self.version_read,)] = self.query("SELECT version FROM t_goods WHERE id = ?",
                                                   GOODS_ID)
            return self.version_read
        return super().payload()

    # -- IDP-4: optimistic lock -----------------------------------------------------------

    def server_update(self, server: int) -> Observation:
        if self.model_id.startswith("idempotency.dedup_table"):
            return self._pay(server)
        where = "" if self.model_id.endswith(".no_version") else " AND version = ?"
        args = () if where == "" else (self.req[server],)
        cur = self.run(server, "UPDATE t_goods SET count = count - 1, version = version + 1 "
                       f"WHERE id = ?{where}", GOODS_ID, *args)
        return self.reply(server, "1 row" if cur.rowcount == 1 else "0 rows")

    # -- IDP-6: unique constraint ---------------------------------------------------------

    def shard_of(self, request_id: str) -> int:
        if self.model_id.endswith(".by_request_id"):
            return (int(request_id[1:]) - 1) % self.shards
        return zlib.crc32(ORDER.encode()) % self.shards  # the order number: same for every copy

    def server_insert(self, server: int) -> Observation:
        rid = self.req[server]
        shard = self.shard_of(rid)
        try:
            self.run(server, "INSERT INTO orders (order_no, id) VALUES (?, ?)", ORDER, rid,
                     shard=shard)
        except self.integrity_error:
            [(existing,)] = self.run(server, "SELECT id FROM orders WHERE order_no = ?", ORDER,
                                     shard=shard).fetchall()
            return self.reply(server, f"order {existing}")
        return self.reply(server, f"order {rid}")

    # -- IDP-8: dedup table ---------------------------------------------------------------

    @property
    def one_transaction(self) -> bool:
        return self.model_id == "idempotency.dedup_table"

    def server_insert_dedup(self, server: int) -> Observation:
        payment_first = self.model_id.endswith(".payment_first")
        if self.one_transaction:
            self.run(server, "BEGIN")
        try:
            self.run(server, "INSERT INTO dedup (order_no) VALUES (?)", ORDER)
        except self.integrity_error:
            if self.one_transaction:
                self.run(server, "ROLLBACK")
                [(answer,)] = self.run(server, "SELECT answer FROM dedup WHERE order_no = ?",
                                       ORDER).fetchall()
                return self.reply(server, answer)
            return self.reply(server, "already processed")
        if payment_first:
            return self.reply(server, f"payment {self.req[server]}")
        return {}

    def server_select_dedup(self, server: int) -> Observation:
        rows = self.run(server, "SELECT 1 FROM dedup WHERE order_no = ?", ORDER).fetchall()
        return self.reply(server, "already processed") if rows else {}

    def _pay(self, server: int) -> Observation:
        self.run(server, "UPDATE account SET balance = balance - ? WHERE id = 1", AMOUNT)
        if self.one_transaction or self.model_id.endswith(".payment_first"):
            return {}  # committed by server_commit / answered by server_insert_dedup
        return self.reply(server, f"payment {self.req[server]}")

    def server_commit(self, server: int) -> Observation:
        answer = f"payment {self.req[server]}"
        self.run(server, "UPDATE dedup SET answer = ? WHERE order_no = ?", answer, ORDER)
        self.run(server, "COMMIT")
        return self.reply(server, answer)

    def crash(self, server: int) -> Observation:
        """The app server dies: its connection is killed, its open transaction rolled back."""
        for key in [k for k in self.conns if k[0] == server]:
            self.kill(self.conns.pop(key))
        self.req.pop(server, None)
        return {}

    def restart(self, server: int) -> Observation:
        return {}  # a new connection is opened on the server's next statement

    # -- what the store shows -------------------------------------------------------------

    def observe(self) -> Observation:
        if self.model_id.startswith("idempotency.optimistic"):
            [(count, version)] = self.query("SELECT count, version FROM t_goods WHERE id = ?",
                                            GOODS_ID)
            return {"goods": {"count": count, "version": version}}
        if self.model_id.startswith("idempotency.unique"):
            ids = [i for shard in range(self.shards)
                   for (i,) in self.query("SELECT id FROM orders WHERE order_no = ?", ORDER,
                                          shard=shard)]
            return {"order_rows": sorted(ids)}
        [(balance,)] = self.query("SELECT balance FROM account WHERE id = 1")
        rows = self.query("SELECT answer FROM dedup WHERE order_no = ?", ORDER)
        paid = [{"key": ORDER, "effect": "paid"}] * ((BALANCE - balance) // AMOUNT)
        return {"effects": paid, "dedup": (rows[0][0] or "processed") if rows else None}

    def view(self, state: Any) -> Any:
        if "shards" in state:  # which shard holds a row depends on the hash; how many and whose not
            return {**state, "order_rows": sorted(r for r in state["shards"] if r is not None)}
        return state


class SqliteIdempotency(SqlIdempotency):
    """SQLite, in-process: a database file per shard in a folder of our own."""

    integrity_error = sqlite3.IntegrityError

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="distcheck-sqlite-"))

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def system(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def connect(self, shard: int) -> Any:
        # isolation_level=None: autocommit, explicit BEGIN; timeout=0: a lock held by another
        # connection is an error, never a wait the step-by-step runner could not get past
        db = sqlite3.connect(self.folder / f"shard{shard}.db", isolation_level=None, timeout=0)
        db.execute("PRAGMA synchronous = OFF")  # a scratch database: no fsync per statement
        return db

    def create(self, shard: int) -> None:
        (self.folder / f"shard{shard}.db").unlink(missing_ok=True)
        with _closing(self.connect(shard)) as db:
            db.executescript(";\n".join(("BEGIN", *SCHEMA, "COMMIT")))


class PostgresIdempotency(SqlIdempotency):
    """PostgreSQL: a throwaway server of ours on a Unix socket, a schema per shard."""

    mark = "%s"

    def start(self) -> None:
        try:
            import psycopg
        except ImportError:
            raise BadInput("PostgresIdempotency needs psycopg: pip install "
                           "'distcheck[conformance]'") from None

        from distcheck.conformance.servers import PostgresServer

        self.integrity_error = psycopg.errors.UniqueViolation
        self.server: Any = PostgresServer()
        self.server.start()

    def stop(self) -> None:
        super().stop()
        if getattr(self, "server", None) is not None:
            self.server.stop()

    def system(self) -> str:
        import psycopg

        return f"{self.server.version()}, psycopg {psycopg.__version__}"

    def connect(self, shard: int) -> Any:
        import psycopg

        return psycopg.connect(self.server.dsn, autocommit=True,
                               options=f"-c search_path=shard{shard} -c lock_timeout=2000")

    def create(self, shard: int) -> None:
        import psycopg

        with psycopg.connect(self.server.dsn, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS shard{shard} CASCADE")
            db.execute(f"CREATE SCHEMA shard{shard}")
            db.execute(f"SET search_path = shard{shard}")
            for statement in SCHEMA:
                db.execute(statement)

    def kill(self, db: Any) -> None:
        # the backend is terminated from outside, as when the app server's host goes away
        self.query("SELECT pg_terminate_backend(?)", db.info.backend_pid)
        db.close()


class _closing:
    """A sqlite3 connection closed on ``with`` exit (sqlite3's own ``with`` only commits)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()
