"""The README's first example is real: saved in a user's folder, it checks as it declares."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from cli_helpers import run

from distcheck.engines.bfs import check

README = Path(__file__).resolve().parents[1] / "README.md"


def _first_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README has no python example"
    return blocks[0]


def test_readme_example_model_checks_as_declared() -> None:
    namespace: dict = {}
    exec(compile(_first_example(), "README.md", "exec"), namespace)
    model = namespace["RowLock"](clients=3)
    results = check(model)
    assert [r.property for r in results] == ["mutual_exclusion", "someone_enters"]
    assert all(r.verdict == r.expected for r in results), [r.reason for r in results]


def test_readme_example_checks_from_a_users_folder(tmp_path: Path, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """As the README says: save it as protocols/row_lock.py and check that file."""
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "row_lock.py").write_text(_first_example())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the catalog puts the project root on it
    code, out, err = run(capsys, "check", "protocols/row_lock.py", "--json")
    assert code == 0, err
    verdicts = {(r["model"], r["property"]): r["verdict"] for r in json.loads(out)["results"]}
    assert verdicts == {("shop.row_lock", "mutual_exclusion"): "holds",
                        ("shop.row_lock", "someone_enters"): "holds"}


def test_readme_adapter_finds_no_divergence_on_sqlite(tmp_path: Path, capsys,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's conformance example: its SQLite adapter agrees with its row lock."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    adapter = next(b for b in blocks if "class SqliteRowLock(Adapter)" in b)
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "row_lock.py").write_text(_first_example())
    (tmp_path / "protocols" / "real.py").write_text(adapter)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    code, out, err = run(capsys, "conform", "protocols/row_lock.py", "--adapter",
                         "protocols.real:SqliteRowLock", "--runs", "10", "--steps", "8", "--json")
    assert code == 0, out + err
    assert "no divergence" in out.replace("_", " ")
