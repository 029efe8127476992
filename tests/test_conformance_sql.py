"""A user's own models and adapter (tests/conformance_project/): IDP-4 on SQLite.

distcheck finds the violation in the user's project, saves the trace, and
``distcheck conform`` runs it with the adapter module the project holds
(found on the project's path); the design that holds agrees with SQLite,
and an adapter that runs other SQL than its model diverges.  The bundled
idempotency family's adapters, on SQLite and PostgreSQL, are tested in
test_conformance_idempotency.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import run

PROJECT = Path(__file__).with_name("conformance_project")
VIOLATED = ["shop.optimistic_update.unversioned.paid_once.json"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("shop") / "shop"
    shutil.copytree(PROJECT, root)
    yield root


@pytest.fixture(autouse=True)
def _inside(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)


def _traces(project: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = project / "traces"
    if not folder.is_dir():
        code, out, _ = run(capsys, "check", "--save-traces", str(folder))
        assert code == 0, out
    assert sorted(p.name for p in folder.iterdir()) == VIOLATED
    return folder


def test_the_violation_reproduces_with_the_projects_adapter(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _traces(project, capsys)
    code, out, _ = run(capsys, "conform", str(folder / VIOLATED[0]), "--adapter",
                       "adapters.sql:SqliteOrders")
    assert code == 0, out
    assert "reproduced (1/1 runs" in out and "SQLite 3." in out


def test_the_design_that_holds_agrees_with_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", "shop.optimistic_update", "--adapter",
                       "adapters.sql:SqliteOrders", "--runs", "5")
    assert code == 0 and "no divergence (5/5 runs" in out, out


def test_a_model_the_database_contradicts_diverges(capsys: pytest.CaptureFixture[str]) -> None:
    """The unversioned model run against the versioned UPDATE: the second copy changes no row."""
    code, out, _ = run(capsys, "conform", "shop.optimistic_update.unversioned", "--adapter",
                       "adapters.sql:VersionedSqlite", "--runs", "5")
    assert code == 1, out
    assert "diverged at step 2" in out and ": model true, real false" in out
