"""Every bundled model's verdicts at its default parameters equal CLAIMS.md's expectations.

One test per (model, property), collected from the registry, so ``pytest`` is
also the invariant run.  Each model is explored once and shared by its tests.
Violations must come with a trace that replays against the model.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from distcheck.contract import registry
from distcheck.contract.compiled import compile_model
from distcheck.contract.verdict import Result
from distcheck.engines.checker import Options, check_model
from distcheck.outputs.tables import trace_text
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

CLAIMS_LEDGER = Path(__file__).resolve().parents[2] / "shared" / "CLAIMS.md"


@cache
def results_for(model_id: str) -> dict[str, Result]:
    model = registry.get(model_id)()
    return {r.property: r for r in check_model(model, Options())}


def _cases() -> list:
    cases = []
    for mid, cls in registry.all_models().items():
        model = compile_model(cls())
        names = [p.name for p in compile_model(model).properties]
        if model.check_deadlock:
            names.append("deadlock")
        marks = [pytest.mark.slow] if getattr(cls, "slow", False) else []
        cases += [pytest.param(mid, name, id=f"{mid}::{name}", marks=marks) for name in names]
    return cases


@pytest.mark.parametrize(("model_id", "prop"), _cases())
def test_verdict_as_expected(model_id: str, prop: str) -> None:
    r = results_for(model_id)[prop]
    if r.verdict != r.expected:
        shown = f"\n{trace_text(r.trace)}" if r.trace is not None else ""
        pytest.fail(f"{model_id} {prop}: expected {r.expected}, got {r.verdict}: {r.reason}{shown}")
    if r.verdict == "violated":
        assert r.trace is not None, f"{model_id} {prop}: a violation must carry a trace"
        again = replay(tracefile.from_json(r.trace.to_json()))
        assert again.reproduced, again.problem


def test_every_model_names_claims_from_the_ledger() -> None:
    if not CLAIMS_LEDGER.exists():
        pytest.skip(f"claims ledger not found at {CLAIMS_LEDGER}")
    known = set(re.findall(r"^\| ([A-Z]+-\d+[a-z]?) \|", CLAIMS_LEDGER.read_text(), re.M))
    assert known, "no claim IDs parsed from the ledger"
    for mid, cls in registry.all_models().items():
        assert cls.claims, f"{mid} names no claim"
        named = set(cls.claims) | {c for p in compile_model(cls()).properties for c in p.claims}
        unknown = named - known
        assert not unknown, f"{mid} names claims not in CLAIMS.md: {sorted(unknown)}"
