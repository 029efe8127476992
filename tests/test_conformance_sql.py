"""IDP-4 (optimistic lock) and IDP-6 (unique constraint, sharded) on SQLite and PostgreSQL.

The models and adapters are a user's project (tests/conformance_project/):
distcheck finds the violations, saves the traces, and ``distcheck conform``
reproduces them on each database; the designs that hold agree with the
databases over random runs.  PostgreSQL is a throwaway cluster on a Unix
socket, run as the ``postgres`` user when the tests run as root.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import run
from realservers import need

from distcheck.conformance.servers import PostgresServer

PROJECT = Path(__file__).with_name("conformance_project")
VIOLATED = ["shop.optimistic_update.unversioned.paid_once.json",
            "shop.unique_order.sharded_by_request.one_row.json"]
DATABASES = ["SqliteOrders", "PostgresOrders"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("shop") / "shop"
    shutil.copytree(PROJECT, root)
    yield root


@pytest.fixture(autouse=True)
def _inside(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)


def _database(name: str) -> None:
    if name == "PostgresOrders":
        need(PostgresServer)


def _traces(project: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = project / "traces"
    if not folder.is_dir():
        code, out, _ = run(capsys, "check", "--save-traces", str(folder))
        assert code == 0, out
    assert sorted(p.name for p in folder.iterdir()) == VIOLATED
    return folder


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("trace", VIOLATED)
def test_the_violation_reproduces_on_the_database(database: str, trace: str, project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _database(database)
    folder = _traces(project, capsys)
    code, out, _ = run(capsys, "conform", str(folder / trace), "--adapter", f"adapters.sql:{database}")
    assert code == 0, out
    assert "reproduced (1/1 runs" in out
    assert ("SQLite 3." if database == "SqliteOrders" else "PostgreSQL ") in out


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("model", ["shop.optimistic_update", "shop.unique_order"])
def test_the_designs_that_hold_agree_with_the_database(database: str, model: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    _database(database)
    code, out, _ = run(capsys, "conform", model, "--adapter", f"adapters.sql:{database}",
                       "--runs", "5")
    assert code == 0 and "no divergence (5/5 runs" in out, out


def test_a_model_the_database_contradicts_diverges(capsys: pytest.CaptureFixture[str]) -> None:
    """The unversioned model run against the versioned UPDATE: the second copy changes no row."""
    code, out, _ = run(capsys, "conform", "shop.optimistic_update.unversioned", "--adapter",
                       "adapters.sql:VersionedSqlite", "--runs", "5")
    assert code == 1, out
    assert "diverged at step 2" in out and ": model true, real false" in out
