"""Replaying saved traces: good ones reproduce, stale ones say where, bad files are BadInput."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from distcheck.contract.errors import BadInput
from distcheck.contract.verdict import VIOLATED
from distcheck.engines import bfs
from distcheck.models.transactions.twophase import EagerCommit
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

ACTIONS = ["rm_prepare", "tm_rcv_prepared", "tm_commit", "rm_choose_to_abort",
           "rm_rcv_commit_msg"]


@pytest.fixture(scope="module")
def eager_trace() -> dict[str, Any]:
    """The eager-commit counterexample as a JSON document, found by the engine."""
    results = {r.property: r for r in bfs.check(EagerCommit(rms=3))}
    r = results["consistent"]
    assert r.verdict == VIOLATED and r.trace is not None
    return r.trace.to_json()


def write(tmp_path: Path, doc: Any, name: str = "trace.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def replay_doc(tmp_path: Path, doc: dict[str, Any]):
    return replay(tracefile.load(write(tmp_path, doc)))


def test_good_trace_reproduces(tmp_path: Path, eager_trace: dict[str, Any]) -> None:
    assert [st["action"] for st in eager_trace["steps"]] == ACTIONS
    saved = tracefile.save(tracefile.from_json(eager_trace), tmp_path / "t.json")
    outcome = replay(tracefile.load(saved))
    assert outcome.reproduced, outcome.problem
    assert outcome.failed_step is None
    assert len(outcome.states) == 6 and len(outcome.steps) == 5
    assert [st.action for st in outcome.steps] == ACTIONS


def test_saved_trace_round_trips_byte_for_byte(tmp_path: Path, eager_trace: dict) -> None:
    first = tracefile.save(tracefile.from_json(eager_trace), tmp_path / "a.json")
    again = tracefile.save(tracefile.load(first), tmp_path / "b.json")
    assert first.read_bytes() == again.read_bytes()


def test_edited_state_is_stale_at_that_step(tmp_path: Path, eager_trace: dict) -> None:
    doc = copy.deepcopy(eager_trace)
    doc["steps"][2]["state"]["tm_state"] = "aborted"  # step 3 (tm_commit) recorded wrongly
    outcome = replay_doc(tmp_path, doc)
    assert not outcome.reproduced
    assert outcome.failed_step == 3
    assert "different state" in outcome.problem


def test_step_disabled_in_a_model_variant(tmp_path: Path, eager_trace: dict) -> None:
    # the faithful TM does not commit on one Prepared: step 3 is not enabled there
    doc = copy.deepcopy(eager_trace)
    doc["model"] = "transactions.twophase"
    outcome = replay_doc(tmp_path, doc)
    assert not outcome.reproduced
    assert outcome.failed_step == 3
    assert "tm_commit()" in outcome.problem and "not enabled" in outcome.problem


def test_renamed_action_is_stale(tmp_path: Path, eager_trace: dict) -> None:
    doc = copy.deepcopy(eager_trace)
    doc["steps"][1]["action"] = "tm_receive_prepared"
    outcome = replay_doc(tmp_path, doc)
    assert (outcome.reproduced, outcome.failed_step) == (False, 2)
    assert "no longer exists" in outcome.problem


def test_argument_outside_the_domain_is_stale(tmp_path: Path, eager_trace: dict) -> None:
    doc = copy.deepcopy(eager_trace)
    doc["steps"][3]["args"] = {"rm": 7}
    outcome = replay_doc(tmp_path, doc)
    assert (outcome.reproduced, outcome.failed_step) == (False, 4)
    assert "parameter domain" in outcome.problem


def test_foreign_initial_state_is_stale_at_step_zero(tmp_path: Path, eager_trace: dict) -> None:
    doc = copy.deepcopy(eager_trace)
    doc["initial"]["tm_state"] = "committed"
    outcome = replay_doc(tmp_path, doc)
    assert (outcome.reproduced, outcome.failed_step) == (False, 0)


def test_trace_that_no_longer_violates_is_stale(tmp_path: Path, eager_trace: dict) -> None:
    doc = copy.deepcopy(eager_trace)
    doc["steps"] = doc["steps"][:4]  # stop before the RM commits: still consistent
    outcome = replay_doc(tmp_path, doc)
    assert not outcome.reproduced
    assert outcome.failed_step == 4
    assert "now holds" in outcome.problem


def test_trace_with_other_parameters_replays_against_that_size(
    tmp_path: Path, eager_trace: dict
) -> None:
    doc = copy.deepcopy(eager_trace)
    doc["params"] = {"rms": 4}
    outcome = replay_doc(tmp_path, doc)
    assert not outcome.reproduced and outcome.failed_step == 0  # 3 RMs recorded, 4 now


# --------------------------------------------------------------------------- bad files


def _bad_files(tmp_path: Path, good: dict) -> dict[str, Path]:
    text = json.dumps(good, indent=2)
    files = {
        "missing": tmp_path / "nope.json",
        "directory": tmp_path,
    }
    (tmp_path / "corrupt.json").write_bytes(b"\x00\x01{garbage")
    files["corrupt"] = tmp_path / "corrupt.json"
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\xfa\x00")
    files["binary"] = tmp_path / "binary.json"
    (tmp_path / "truncated.json").write_text(text[: len(text) // 2])
    files["truncated"] = tmp_path / "truncated.json"
    (tmp_path / "empty.json").write_text("")
    files["empty"] = tmp_path / "empty.json"
    files["foreign"] = write(tmp_path, {"results": []}, "foreign.json")
    files["list"] = write(tmp_path, [1, 2, 3], "list.json")
    files["future"] = write(tmp_path, {**good, "version": 99}, "future.json")
    files["no_steps"] = write(tmp_path, {k: v for k, v in good.items() if k != "steps"},
                              "no_steps.json")
    files["bad_step"] = write(tmp_path, {**good, "steps": [{"args": {}}]}, "bad_step.json")
    files["unknown_model"] = write(tmp_path, {**good, "model": "nosuch.model"}, "unknown.json")
    files["unknown_param"] = write(tmp_path, {**good, "params": {"nodes": 3}}, "param.json")
    files["bad_param"] = write(tmp_path, {**good, "params": {"rms": -3}}, "bad_param.json")
    return files


BAD_KINDS = ["missing", "directory", "corrupt", "binary", "truncated", "empty", "foreign",
             "list", "future", "no_steps", "bad_step", "unknown_model", "unknown_param",
             "bad_param"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_trace_file_is_bad_input(tmp_path: Path, eager_trace: dict, kind: str) -> None:
    path = _bad_files(tmp_path, eager_trace)[kind]
    with pytest.raises(BadInput) as err:
        replay(tracefile.load(path))
    msg = str(err.value)
    assert msg and "\n" not in msg
    if kind == "truncated":
        assert "truncated" in msg
    if kind in ("unknown_model", "unknown_param", "bad_param"):
        assert "nosuch.model" in msg or "nodes" in msg or "rms" in msg
