"""The bundled models name claims of the seed's ledger (CLAIMS.md).

Only the bundled catalogue is held to the ledger: a user's own models need no
claim ids (the pytest plugin collects them without this check).  The verdicts
themselves are the plugin's items (``[tool.distcheck]`` in pyproject.toml).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model

CLAIMS_LEDGER = Path(__file__).resolve().parents[2] / "shared" / "CLAIMS.md"


def _ledger_ids() -> set[str]:
    if not CLAIMS_LEDGER.exists():
        if os.environ.get("CI") == "true":  # CI has shared/ beside the clone: its absence is a failure
            pytest.fail(f"claims ledger not found at {CLAIMS_LEDGER}")
        pytest.skip(f"claims ledger not found at {CLAIMS_LEDGER}")
    known = set(re.findall(r"^\| ([A-Z]+-\d+[a-z]?) \|", CLAIMS_LEDGER.read_text(), re.M))
    assert known, "no claim IDs parsed from the ledger"
    return known


def _named(cls: type) -> set[str]:
    return set(cls.claims) | {c for p in compile_model(cls()).properties for c in p.claims}


def test_every_claim_of_the_ledger_has_a_model() -> None:
    """Every checkable claim of the seed is covered by some bundled model or property."""
    named = set().union(*(_named(cls) for cls in catalog.bundled_models().values()))
    missing = sorted(_ledger_ids() - named)
    assert not missing, f"claims without a model: {missing}"


def test_every_bundled_model_names_claims_from_the_ledger() -> None:
    known = _ledger_ids()
    for mid, cls in catalog.bundled_models().items():
        assert cls.claims, f"{mid} names no claim"
        unknown = _named(cls) - known
        assert not unknown, f"{mid} names claims not in CLAIMS.md: {sorted(unknown)}"
