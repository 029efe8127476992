"""Every committed counterexample in ``counterexamples/`` still replays exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from distcheck.traces import tracefile
from distcheck.traces.replay import replay

ROOT = Path(__file__).resolve().parents[1] / "counterexamples"
FILES = sorted(ROOT.rglob("*.json"))


def test_there_are_counterexamples() -> None:
    assert FILES, f"no trace files under {ROOT}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_counterexample_replays(path: Path) -> None:
    trace = tracefile.load(path)
    outcome = replay(trace)
    assert outcome.reproduced, f"{path.name}: step {outcome.failed_step}: {outcome.problem}"
    assert path.name == tracefile.file_name(trace.model, trace.property), "file name drifted"
