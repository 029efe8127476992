"""Expected violations with a stated cause: the property must hold without it."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run

from distcheck import Model, Param, action, invariant, put
from distcheck.contract.errors import ModelError
from distcheck.engines.checker import Options, check_model


class Lock(Model):
    """A lease lock whose holder may pause past the lease; ``sloppy`` grants a held lock."""

    id = "test.lease"
    pauses = Param(1, at_least=0, at_most=1)
    sloppy = Param(False)

    def init(self):
        yield ((False, False), self.pauses, None)

    @action(c=2)
    def acquire(self, s, c):
        inside, left, owner = s
        if not inside[c] and (owner is None or self.sloppy):
            return (put(inside, c, True), left, c)

    @action(c=2)
    def pause_past_lease(self, s, c):
        inside, left, owner = s
        if inside[c] and left and owner == c:
            return (inside, left - 1, None)  # the lease runs out while c still works

    @invariant(expect="violated", because={"pauses": 0})
    def mutual_exclusion(self, s) -> bool:
        return sum(s[0]) <= 1


def test_the_cause_is_checked_and_reported() -> None:
    (r,) = check_model(Lock(), Options())
    assert r.verdict == "violated" and r.as_expected
    assert r.because == {"params": {"pauses": 0}, "verdict": "holds",
                         "reason": r.because["reason"]}
    assert r.to_json()["because"]["verdict"] == "holds"
    assert r.shown_expected == "violated (holds at pauses=0)"


def test_a_violation_without_the_cause_differs() -> None:
    (r,) = check_model(Lock(sloppy=True), Options())
    assert r.verdict == "violated"  # same verdict as the design's known flaw ...
    assert not r.as_expected  # ... but it no longer needs the pause
    assert r.because["verdict"] == "violated" and r.because["trace_length"] == 2
    assert "violated at pauses=0" in r.shown_verdict


def test_checked_with_the_cause_off_already_means_no_second_check() -> None:
    (r,) = check_model(Lock(pauses=0), Options())
    assert r.because is None and r.verdict == "holds" and not r.as_expected


def test_a_cause_must_name_parameters() -> None:
    class Bad(Lock):
        causes = {"mutual_exclusion": {"pause": 0}}

    with pytest.raises(ModelError, match="because names 'pause', which is not a parameter"):
        check_model(Bad(), Options())
    with pytest.raises(ValueError, match="needs expect='violated'"):
        invariant(because={"pauses": 0})(lambda self, s: True)


def test_the_locks_family_states_its_causes(capsys) -> None:
    code, out, _ = run(capsys, "check", "locks", "--json")
    assert code == 0
    results = json.loads(out)["results"]
    violated = [r for r in results if r["expected"] == "violated"]
    # every expected violation of the family says why, and each checked cause holds
    assert all("because" in r for r in violated), [r["model"] + " " + r["property"]
                                                   for r in violated if "because" not in r]
    checked = [r for r in violated if "params" in r["because"]]
    assert len(checked) >= 15 and all(r["because"]["verdict"] == "holds" for r in checked)
    pause = next(r for r in results if (r["model"], r["property"]) ==
                 ("locks.redis_set_nx_px", "mutual_exclusion"))
    assert pause["because"]["params"] == {"pauses": 0}
