"""``distcheck mutate``: planted protocol mistakes, the score, survivors, sweeps and the budget."""

from __future__ import annotations

import hashlib
import json
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import one_line, run

from distcheck.engines.budget import Budget
from distcheck.engines.checker import Options
from distcheck.engines.mutate import (
    EQUIVALENT,
    KILLED,
    SURVIVED,
    UNFINISHED,
    Settings,
    mutants,
    mutate_model,
)

#: a user's model, outside the bundled catalogue: a row lock whose ``entries`` counter no
#: property reads (so planting a mistake in it survives), and whose ``audit`` log is read
ROW_LOCK = '''
from typing import NamedTuple

from distcheck import Model, Param, action, invariant, put, sometimes


class S(NamedTuple):
    row: int | None
    inside: tuple[bool, ...]
    entries: int
    audit: tuple[int, ...]


class RowLock(Model):
    """A database row as the lock: INSERT to lock, DELETE to unlock."""

    id = "shop.row_lock"
    clients = Param(2, at_least=1, at_most=3)
    equivalent_mutants = {"insert_row:constant:3": "entries is statistics only"}

    def init(self):
        yield S(None, (False,) * self.clients, 0, ())

    @action(c="clients")
    def insert_row(self, s, c):
        if s.row is None and len(s.audit) < 2:
            return s._replace(row=c, inside=put(s.inside, c, True), entries=s.entries + 1,
                              audit=s.audit + (c,))

    @action(c="clients")
    def delete_row(self, s, c):
        if s.inside[c]:
            return s._replace(row=None, inside=put(s.inside, c, False))

    @invariant()
    def mutual_exclusion(self, s) -> bool:
        """At most one client is in its critical section."""
        return sum(s.inside) <= 1

    @invariant()
    def audited(self, s) -> bool:
        """Whoever holds the row was the last one audited."""
        return s.row is None or s.audit[-1:] == (s.row,)

    @sometimes()
    def handed_over(self, s) -> bool:
        """Sometimes a second client gets the row."""
        return len(s.audit) == 2 and s.row is not None
'''


@pytest.fixture
def model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "protocols" / "row_lock.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(ROW_LOCK))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def _load(path: Path) -> type:
    from distcheck.contract import catalog

    (cls,) = catalog.select([str(path)])
    return cls


def _by_id(doc: dict) -> dict[str, dict]:
    (model,) = doc["models"]
    return {r["id"]: r for r in model["results"]}


def test_user_model_has_killed_and_surviving_mutants(model_file: Path, capsys) -> None:
    before = hashlib.sha256(model_file.read_bytes()).hexdigest()
    code, out, err = run(capsys, "mutate", str(model_file), "--json", "--min-score", "0.5")
    assert code == 0, err
    doc = json.loads(out)
    results = _by_id(doc)
    # dropping the unique key's check lets two clients in: mutual exclusion catches it
    assert results["insert_row:drop-condition:0"]["status"] == KILLED
    assert "mutual_exclusion: holds -> violated" in results["insert_row:drop-condition:0"]["reason"]
    # leaving the client out of the audit log is caught by the property that reads the log
    assert results["insert_row:drop-element:0"]["status"] == KILLED
    assert "audited: holds -> violated" in results["insert_row:drop-element:0"]["reason"]
    # nothing reads the counter: a wrong increment survives, shown with its diff
    survivor = results["insert_row:constant:2"]
    assert survivor["status"] == SURVIVED
    assert "+" in survivor["diff"] and "s.entries + 2" in survivor["diff"]
    assert survivor["location"] == "protocols/row_lock.py:27"
    # the declared equivalent mutant is reported apart, with the model's reason
    assert results["insert_row:constant:3"]["status"] == EQUIVALENT
    assert results["insert_row:constant:3"]["reason"] == "entries is statistics only"
    (model,) = doc["models"]
    assert model["score"] == pytest.approx(model["killed"] / (model["killed"] + model["survived"]),
                                           abs=1e-4)
    assert 0.5 <= doc["score"] < 1 and model["survived"] >= 1 and model["equivalent"] == 1
    # no file is edited: every mutant lives in memory
    assert hashlib.sha256(model_file.read_bytes()).hexdigest() == before


def test_exit_code_follows_min_score_and_table_shows_survivors(model_file: Path, capsys) -> None:
    code, out, _ = run(capsys, "mutate", str(model_file))
    assert code == 1  # the default --min-score 0.9 is not reached
    assert "shop.row_lock" in out and "survived insert_row:constant:2" in out
    assert "-            return s._replace" in out or "s.entries + 2" in out
    code, _, _ = run(capsys, "mutate", str(model_file), "--min-score", "0")
    assert code == 0


def test_runs_are_deterministic(model_file: Path, capsys) -> None:
    def strip(doc: dict) -> dict:
        for m in doc["models"]:
            m.pop("seconds")
            for r in m["results"]:
                r.pop("seconds")
        return doc

    first = strip(json.loads(run(capsys, "mutate", str(model_file), "--json")[1]))
    second = strip(json.loads(run(capsys, "mutate", str(model_file), "--json")[1]))
    assert first == second


def test_sweep_tells_which_survivors_a_larger_bound_kills(model_file: Path, capsys) -> None:
    # with one client mutual exclusion cannot fail: dropping the row check survives ...
    code, out, _ = run(capsys, "mutate", str(model_file), "--param", "clients=1",
                       "--sweep", "clients=2", "--operator", "drop-condition", "--json")
    results = _by_id(json.loads(out))
    dropped = results["insert_row:drop-condition:0"]
    assert dropped["status"] == SURVIVED
    # ... and the sweep says that two clients kill it
    (swept,) = dropped["sweep"]
    assert swept["params"] == {"clients": 2} and swept["status"] == KILLED
    assert "mutual_exclusion" in swept["killed_by"]


def test_budget_ends_the_run_with_unfinished_mutants(model_file: Path) -> None:
    cls = _load(model_file)
    now = [0.0]
    budget = Budget(max_seconds=10, clock=lambda: now[0])

    def after_each(outcome) -> None:
        now[0] += 4  # each mutant "takes" 4 s: the third one finds the budget spent

    run_ = mutate_model(cls, Settings(Options()), budget, on_mutant=after_each)
    statuses = [o.status for o in run_.outcomes]
    assert statuses[:3] != [UNFINISHED] * 3 and UNFINISHED not in statuses[:3]
    assert set(statuses[3:]) == {UNFINISHED} and len(statuses) > 3
    assert run_.score is not None  # scored over the mutants that were checked


def test_every_operator_finds_its_site(model_file: Path) -> None:
    made, unreadable = mutants(_load(model_file))
    assert not unreadable
    operators = {m.mutation.operator for m in made}
    assert operators == {"negate-guard", "drop-guard", "drop-condition", "and-or", "comparison",
                         "constant", "drop-field", "drop-element"}
    # each mutant's class is the model's with one action replaced; properties untouched
    for m in made:
        assert m.cls.id == "shop.row_lock"
        assert m.cls.mutual_exclusion is _load(model_file).mutual_exclusion


def test_bad_operator_and_sweep_are_one_line_errors(model_file: Path, capsys) -> None:
    code, _, err = run(capsys, "mutate", str(model_file), "--operator", "typo")
    assert code == 2 and "unknown mutation operator 'typo'" in one_line(err)
    code, _, err = run(capsys, "mutate", str(model_file), "--sweep", "nodes=3")
    assert code == 2 and "no parameter 'nodes'" in one_line(err)
    code, _, err = run(capsys, "mutate", str(model_file), "--sweep", "clients=lots")
    assert code == 2 and "clients" in one_line(err)


def test_a_new_bug_behind_a_known_violation_is_caught(capsys) -> None:
    """The issue's examples in the fenced SET NX PX lock: an acquire that ignores NX and a
    release by plain DEL used to pass because mutual exclusion is violated by design."""
    code, out, _ = run(capsys, "mutate", "locks.redis_set_nx_px.fencing", "--json",
                       "--operator", "drop-condition", "--operator", "negate-guard")
    results = _by_id(json.loads(out))
    ignores_nx = results["acquire:drop-condition:1"]
    assert ignores_nx["status"] == KILLED
    assert "mutual_exclusion at pauses=0: holds -> violated" in ignores_nx["reason"]
    plain_del = results["release:negate-guard:1"]
    assert plain_del["status"] == KILLED and "no_release_of_others" in plain_del["killed_by"]
