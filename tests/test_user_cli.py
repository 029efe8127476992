"""The command line in a user's project: their own models, settings, traces, pages and errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import userproject
from cli_helpers import one_line, run

from distcheck.contract import catalog
from distcheck.contract.verdict import RESULTS_FORMAT, TRACE_VERSION
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

RACY = "shop.ticket_lock.racy"
RACY_TRACE = Path("traces") / f"{RACY}.mutual_exclusion.json"
OLD_TRACE = Path(__file__).parent / "data" / "trace_v1.transactions.twophase.eager_commit.consistent.json"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = userproject.write(tmp_path / "shop")
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield root
    for name in set(sys.modules) - before:  # the next project has its own protocols and models
        del sys.modules[name]


def results(out: str) -> dict[tuple[str, str], dict]:
    doc = json.loads(out)
    assert (doc["format"], doc["version"]) == (RESULTS_FORMAT, 1)
    return {(r["model"], r["property"]): r for r in doc["results"]}


def expected_rows() -> dict[tuple[str, str], str]:
    return {(m, p): v for m, props in userproject.EXPECTED.items() for p, v in props.items()}


def pin(shop: Path, table: str) -> None:
    text = (shop / "pyproject.toml").read_text()
    (shop / "pyproject.toml").write_text(text + '\n[tool.distcheck.settings."shop.ticket_lock"]\n'
                                         + table)


# --------------------------------------------------------------------------- check


def test_check_a_file_prints_the_expected_verdicts(capsys, shop: Path) -> None:
    code, out, err = run(capsys, "check", "protocols/ticket_lock.py")
    assert code == 0, err
    assert "shop.ticket_lock.racy" in out and "all 4 verdicts as expected" in out


def test_plain_check_is_the_users_models_only(capsys, shop: Path) -> None:
    code, out, err = run(capsys, "check", "--json")
    assert code == 0, err
    found = results(out)
    assert {k: r["verdict"] for k, r in found.items()} == expected_rows()


def test_bundled_adds_the_catalogue(capsys, shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    every = catalog.bundled_models()
    monkeypatch.setattr(catalog, "bundled_models",
                        lambda: {"transactions.tcommit": every["transactions.tcommit"]})
    code, out, err = run(capsys, "check", "--bundled", "--json")
    assert code == 0, err
    assert {m for m, _ in results(out)} == {*userproject.EXPECTED, "transactions.tcommit"}


def test_the_trace_records_its_source_and_replays_from_anywhere(
        capsys, shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, "check", RACY)
    assert code == 0, err
    doc = json.loads(RACY_TRACE.read_text())
    assert doc["version"] == TRACE_VERSION == 2
    assert doc["source"] == {"module": "protocols.ticket_lock", "file": "protocols/ticket_lock.py"}
    code, out, err = run(capsys, "replay", str(RACY_TRACE))
    assert (code, err) == (0, "") and "reproduced" in out
    monkeypatch.chdir(tmp_path)  # outside the project: the trace's folder leads back to it
    code, out, err = run(capsys, "replay", str(shop / RACY_TRACE))
    assert (code, err) == (0, "") and "reproduced" in out


def test_minimize_and_graph_of_a_users_model(capsys, shop: Path) -> None:
    run(capsys, "check", RACY)
    code, out, err = run(capsys, "minimize", str(RACY_TRACE), "-o", "small.json")
    assert code == 0, err
    assert json.loads(Path("small.json").read_text())["source"]["file"] == "protocols/ticket_lock.py"
    code, out, err = run(capsys, "graph", "shop.ticket_lock", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["nodes"]


def test_a_stale_source_falls_back_to_the_id(capsys, shop: Path) -> None:
    run(capsys, "check", RACY)
    doc = json.loads(RACY_TRACE.read_text())
    doc["source"]["file"] = "moved/away.py"
    RACY_TRACE.write_text(json.dumps(doc))
    code, out, err = run(capsys, "replay", str(RACY_TRACE))  # the configured models still have it
    assert (code, err) == (0, "")


def test_a_version_1_trace_still_replays(capsys, shop: Path, tmp_path: Path) -> None:
    old = json.loads(OLD_TRACE.read_text())
    assert old["version"] == 1 and "source" not in old
    trace = tracefile.load(OLD_TRACE)
    assert trace.source is None and replay(trace).reproduced
    code, out, err = run(capsys, "replay", str(OLD_TRACE))
    assert code == 0, err
    again = json.loads(tracefile.save(trace, tmp_path / "v2.json").read_text())
    assert again["version"] == 2 and again["steps"] == old["steps"]


def test_a_malformed_source_is_bad_input(capsys, shop: Path) -> None:
    doc = json.loads(OLD_TRACE.read_text()) | {"version": 2, "source": "protocols"}
    Path("bad.json").write_text(json.dumps(doc))
    code, _, err = run(capsys, "replay", "bad.json")
    assert code == 2 and "'source'" in one_line(err)


# --------------------------------------------------------------------------- settings


def test_pinned_parameters_apply_and_the_command_line_wins(capsys, shop: Path) -> None:
    pin(shop, "params = {clients = 3}\n")
    code, out, err = run(capsys, "check", "shop.ticket_lock", "--json")
    assert code == 0, err
    assert {r["params"]["clients"] for r in results(out).values()} == {3}
    code, out, _ = run(capsys, "check", "shop.ticket_lock", "--json", "--param", "clients=1")
    assert {r["params"]["clients"] for r in results(out).values()} == {1}


def test_pinned_bounds_apply_and_the_command_line_wins(capsys, shop: Path) -> None:
    pin(shop, "max_states = 5\n")
    code, out, _ = run(capsys, "check", "shop.ticket_lock", "--json")
    assert code == 3  # inconclusive because the pinned bound cut it
    assert results(out)[("shop.ticket_lock", "mutual_exclusion")]["verdict"] == "inconclusive"
    code, out, _ = run(capsys, "check", "shop.ticket_lock", "--json", "--max-states", "1000")
    assert code == 0


def test_a_pinned_engine_applies(capsys, shop: Path) -> None:
    pin(shop, 'engine = "simulate"\n')
    code, out, err = run(capsys, "check", "shop.ticket_lock", "--json", "--runs", "5")
    assert code == 0, err
    assert {r["engine"] for r in results(out).values() if r["kind"] == "invariant"} == {"simulate"}


@pytest.mark.parametrize("table, argv, words", [
    ('engine = "simulate"\nmax_depth = 3\n', [], "pins max_depth = 3, which engine simulate"),
    ('engine = "hypothesis"\n', ["--max-depth", "4"], "--engine hypothesis (pinned in"),
    ("params = {clients = 0}\n", [], "params: parameter clients=0 is out of range"),
    ("params = {client = 2}\n", [], "has no parameter 'client'"),
])
def test_bad_settings_are_one_line(capsys, shop: Path, table: str, argv: list[str],
                                   words: str) -> None:
    pin(shop, table)
    code, out, err = run(capsys, "check", "shop.ticket_lock", *argv)
    assert code == 2 and out == ""
    line = one_line(err)
    assert words in line and 'pyproject.toml [tool.distcheck.settings."shop.ticket_lock"]' in line
    assert not Path("traces").exists()


# --------------------------------------------------------------------------- list, report


def test_list_shows_yours_then_the_bundled_in_80_columns(capsys, shop: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, "list")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert out.index("your models") < out.index(RACY) < out.index("bundled models")
    assert f"{RACY}  protocols/ticket_lock.py:" in out
    assert "transactions.tcommit  (bundled)" in out


def test_list_takes_specs(capsys, shop: Path) -> None:
    code, out, _ = run(capsys, "list", "shop.ticket_lock")
    assert code == 0 and RACY not in out and "bundled" not in out
    code, out, _ = run(capsys, "list", "transactions.tcommit")
    assert code == 0 and "shop." not in out and "transactions.tcommit  (bundled)" in out


def test_report_writes_a_page_for_a_users_models(capsys, shop: Path) -> None:
    run(capsys, "check", RACY)
    code, _, err = run(capsys, "report", "protocols/", "-o", "docs/locks.md")
    assert code == 0, err
    page = Path("docs/locks.md").read_text()
    assert "from the models in `protocols/ticket_lock.py`" in page
    assert "[shop.ticket_lock.racy.mutual_exclusion.json](../traces/" in page
    assert "claims :" not in page


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("argv, words", [
    (["check", "protocols/nothere.py"], "no such file: protocols/nothere.py"),
    (["check", "shop.nothing"], "unknown model 'shop.nothing'"),
    (["graph", "protocols/"], "names 2 models"),
    (["check", "--bundled", "shop"], "--bundled adds the bundled catalogue"),
    (["prove", "shop"], "declares no proofs"),
])
def test_bad_specs_are_one_line(capsys, shop: Path, argv: list[str], words: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert words in one_line(err)


def test_a_module_that_fails_to_import_names_the_line(capsys, shop: Path) -> None:
    (shop / "protocols" / "oops.py").write_text("from models import LockState\n\n1 / 0\n")
    for argv in (["check"], ["list"], ["check", "protocols/oops.py"]):
        code, out, err = run(capsys, *argv)
        # the folder's other models still run (issue 17, item 10); the file alone runs nothing
        assert code == 2 and (out == "") == (len(argv) == 2)
        line = one_line(err)
        assert "ZeroDivisionError: division by zero (protocols/oops.py:3)" in line, line
    code, out, _ = run(capsys, "check", "--json")
    assert {r["model"] for r in json.loads(out)["results"]} >= {"shop.ticket_lock"}


def test_a_copy_of_a_bundled_model_is_one_line_naming_both(capsys, shop: Path) -> None:
    copy = (Path(catalog.bundled_models()["transactions.tcommit"].__module__
                 .replace("distcheck.models.", "").replace(".", "/") + ".py"))
    source = Path(sys.modules["distcheck.models.transactions.tcommit"].__file__).read_text()
    (shop / "protocols" / copy.name).write_text(source)
    code, _, err = run(capsys, "check")
    line = one_line(err)
    assert code == 2 and "two models share the id 'transactions.tcommit'" in line
    assert f"protocols/{copy.name}:" in line


def test_a_user_model_that_raises_keeps_the_one_line_report(capsys, shop: Path) -> None:
    (shop / "protocols" / "ticket_lock.py").write_text(
        (shop / "protocols" / "ticket_lock.py").read_text().replace(
            "return s._replace(pc=put(s.pc, c, \"inside\"))", "raise KeyError(c)"))
    code, _, err = run(capsys, "check", "shop.ticket_lock")
    line = one_line(err)
    assert code == 2 and "model shop.ticket_lock" in line and "enter(c=0)" in line
