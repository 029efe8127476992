"""The ``distcheck`` command line: exit codes, one-line errors, the JSON document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import one_line, run

from distcheck.contract import catalog
from distcheck.contract.model import Model, action, invariant

EAGER = "transactions.twophase.eager_commit"
TRANSACTIONS = {"transactions.twophase", "transactions.tcommit", EAGER}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the default --save-traces directory is relative: keep it out of the repository
    monkeypatch.chdir(tmp_path)


def json_results(out: str) -> list[dict]:
    return json.loads(out)["results"]


# --------------------------------------------------------------------------- check


def test_check_without_models_checks_every_registered_model(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the catalogue narrowed to this family keeps the test fast; the slow test runs all
    every = catalog.bundled_models()
    monkeypatch.setattr(catalog, "bundled_models", lambda: {m: every[m] for m in TRANSACTIONS})
    code, out, err = run(capsys, "check", "--json", "--save-traces", str(tmp_path / "t"))
    assert code == 0, err
    assert {r["model"] for r in json_results(out)} == TRANSACTIONS
    assert (tmp_path / "t" / f"{EAGER}.consistent.json").exists()


@pytest.mark.slow
def test_check_every_bundled_model_exits_0(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "check", "--json", "--save-traces", str(tmp_path / "t"))
    assert code == 0, err
    assert {r["model"] for r in json_results(out)} == set(catalog.bundled_models())
    assert (tmp_path / "t" / f"{EAGER}.consistent.json").exists()


def test_check_writes_the_eager_commit_trace_by_default(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", EAGER)
    assert code == 0
    assert (tmp_path / "traces" / f"{EAGER}.consistent.json").exists()
    assert "5 steps" in out


def test_unknown_model_exits_2(capsys) -> None:
    code, out, err = run(capsys, "check", "transactions.fourphase")
    assert code == 2
    assert "transactions.fourphase" in one_line(err)
    assert out == ""


def test_prefix_selects_the_family(capsys) -> None:
    code, out, _ = run(capsys, "check", "transactions", "--json")
    assert code == 0
    selected = {r["model"] for r in json_results(out)}
    family = {mid for mid in catalog.bundled_models() if mid.startswith("transactions.")}
    assert TRANSACTIONS <= selected
    assert selected == family


def test_exact_id_selects_one_model_even_if_it_is_a_prefix(capsys) -> None:
    # "transactions.twophase" is an id and a prefix of the eager variant's id
    code, out, _ = run(capsys, "check", "transactions.twophase", "--json")
    assert code == 0
    assert {r["model"] for r in json_results(out)} == {"transactions.twophase"}


def test_unknown_param_exits_2_listing_the_parameters(capsys) -> None:
    code, _, err = run(capsys, "check", "transactions.twophase", "--param", "nodes=3")
    assert code == 2
    line = one_line(err)
    assert "nodes" in line and "rms" in line


@pytest.mark.parametrize("value", ["-3", "abc", "0", "2.5"])
def test_bad_param_value_exits_2_naming_the_parameter(capsys, value: str) -> None:
    code, _, err = run(capsys, "check", "transactions.twophase", "--param", f"rms={value}")
    assert code == 2
    line = one_line(err)
    assert "rms" in line and value in line


def test_malformed_param_exits_2(capsys) -> None:
    code, _, err = run(capsys, "check", "transactions.twophase", "--param", "rms")
    assert code == 2
    assert "NAME=VALUE" in one_line(err)


@pytest.mark.parametrize("option", ["--max-states", "--max-depth", "--max-seconds"])
@pytest.mark.parametrize("value", ["abc", "-1"])
def test_bad_bound_exits_2_in_one_line(capsys, option: str, value: str) -> None:
    code, _, err = run(capsys, "check", "transactions.twophase", option, value)
    assert code == 2
    line = one_line(err)
    assert option in line and value in line


def test_json_document_has_the_fixed_fields(capsys) -> None:
    code, out, err = run(capsys, "check", "transactions", "--json")
    assert code == 0
    assert err == ""  # no progress line in --json output (stderr is not a terminal here)
    results = json_results(out)
    assert results
    for r in results:
        assert {"model", "params", "property", "expected", "verdict", "trace_file",
                "trace_length", "stats"} <= set(r)
        assert {"distinct_states", "total_states", "depth", "seconds"} <= set(r["stats"])
        assert isinstance(r["stats"]["distinct_states"], int)
    by_key = {(r["model"], r["property"]): r for r in results}
    tp = by_key[("transactions.twophase", "consistent")]
    assert tp["params"] == {"rms": 3}
    assert (tp["expected"], tp["verdict"], tp["trace_file"], tp["trace_length"]) == (
        "holds", "holds", None, None)
    assert (tp["stats"]["distinct_states"], tp["stats"]["total_states"],
            tp["stats"]["depth"]) == (288, 1146, 11)
    eager = by_key[(EAGER, "consistent")]
    assert (eager["verdict"], eager["trace_length"]) == ("violated", 5)
    assert Path(eager["trace_file"]).exists()


def test_param_applies_to_the_model(capsys) -> None:
    code, out, _ = run(capsys, "check", "transactions.tcommit", "--param", "rms=4", "--json")
    assert code == 0
    r = json_results(out)[0]
    assert r["params"] == {"rms": 4}
    assert r["stats"]["distinct_states"] == 3**4 + 2**4 - 1


def test_verdict_differing_from_expected_exits_1(capsys) -> None:
    # with one RM the eager TM cannot break atomicity: "violated" is expected, "holds" found
    code, out, _ = run(capsys, "check", EAGER, "--param", "rms=1")
    assert code == 1
    assert "differ" in out


def test_cut_search_is_inconclusive_and_exits_3(capsys) -> None:
    code, out, _ = run(capsys, "check", "transactions.twophase", "--max-states", "10", "--json")
    assert code == 3  # only inconclusive results, each cut by a bound: not a differing verdict
    results = json_results(out)
    assert {r["verdict"] for r in results} == {"inconclusive"}
    assert all("max-states=10 reached" in r["cut"] for r in results)


def test_unknown_property_exits_2(capsys) -> None:
    code, _, err = run(capsys, "check", "transactions.twophase", "--property", "liveness42")
    assert code == 2
    assert "liveness42" in one_line(err)


def test_nothing_is_written_on_bad_input(capsys, tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    code, _, _ = run(capsys, "check", EAGER, "--save-traces", str(traces))
    assert code == 0
    saved = traces / f"{EAGER}.consistent.json"
    before = (saved.read_bytes(), saved.stat().st_mtime_ns)
    for bad in (["--param", "rms=abc"], ["--param", "nodes=2"], ["nosuch"]):
        code, _, _ = run(capsys, "check", EAGER, *bad, "--save-traces", str(traces))
        assert code == 2
    assert (saved.read_bytes(), saved.stat().st_mtime_ns) == before
    assert sorted(p.name for p in traces.iterdir()) == [saved.name]
    fresh = tmp_path / "fresh"
    code, _, _ = run(capsys, "check", EAGER, "--param", "rms=-3", "--save-traces", str(fresh))
    assert code == 2 and not fresh.exists()


class Exploding(Model):
    """A model whose action raises in a reachable state."""

    id = "testing.exploding"
    claims = ("T-1",)

    def init(self):
        yield 0

    @action(d=(1,))
    def step(self, s, d):
        if s == 2:
            raise RuntimeError("kaboom")
        return s + d

    @invariant()
    def fine(self, s):
        return True


def test_model_that_raises_exits_2_with_model_action_and_state(capsys, monkeypatch) -> None:
    models = {**catalog.bundled_models(), Exploding.id: Exploding}
    monkeypatch.setattr(catalog, "bundled_models", lambda: models)
    code, _, err = run(capsys, "check", Exploding.id)
    assert code == 2
    line = one_line(err)
    assert Exploding.id in line and "step(d=1)" in line and "kaboom" in line
    assert "in state 2" in line


def test_list_exits_0(capsys) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    for mid in TRANSACTIONS:
        assert mid in out
    assert "rms=3" in out


# --------------------------------------------------------------------------- replay


@pytest.fixture
def saved_trace(capsys, tmp_path: Path) -> Path:
    code, _, _ = run(capsys, "check", EAGER, "--save-traces", str(tmp_path / "saved"))
    assert code == 0
    return tmp_path / "saved" / f"{EAGER}.consistent.json"


def test_replay_good_trace_exits_0(capsys, saved_trace: Path) -> None:
    code, out, _ = run(capsys, "replay", str(saved_trace))
    assert code == 0
    assert "reproduced" in out
    assert "tm_commit()" in out and "rm_choose_to_abort(rm=1)" in out
    assert "working -> aborted" in out  # the table says what each step changed


def test_replay_stale_trace_exits_1_naming_the_step(capsys, saved_trace: Path) -> None:
    doc = json.loads(saved_trace.read_text())
    doc["steps"][3]["state"]["rm_state"][1] = "prepared"
    saved_trace.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "replay", str(saved_trace))
    assert code == 1
    assert "stale" in out and "step 4" in out


def test_replay_json_outcome(capsys, saved_trace: Path) -> None:
    code, out, _ = run(capsys, "replay", str(saved_trace), "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["reproduced"], doc["failed_step"], doc["trace_length"]) == (True, None, 5)


@pytest.mark.parametrize("content", [b"{not json", b"", b'{"format": "something-else"}'])
def test_replay_corrupt_file_exits_2(capsys, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    code, out, err = run(capsys, "replay", str(path))
    assert code == 2
    assert str(path) in one_line(err)
    assert out == ""
    assert path.read_bytes() == content


def test_replay_truncated_file_exits_2(capsys, saved_trace: Path) -> None:
    text = saved_trace.read_text()
    saved_trace.write_text(text[: len(text) * 2 // 3])
    code, _, err = run(capsys, "replay", str(saved_trace))
    assert code == 2
    assert "truncated" in one_line(err)


def test_replay_missing_file_exits_2(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "replay", str(tmp_path / "absent.json"))
    assert code == 2
    assert "absent.json" in one_line(err)


# --------------------------------------------------------------------------- entry points


def test_no_command_exits_2(capsys) -> None:
    code, _, err = run(capsys)
    assert code == 2
    one_line(err)
