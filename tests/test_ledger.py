"""The bundled models name claims of the seed's ledger (CLAIMS.md).

Only the bundled catalogue is held to the ledger: a user's own models need no
claim ids (the pytest plugin collects them without this check).  The verdicts
themselves are the plugin's items (``[tool.distcheck]`` in pyproject.toml).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model

CLAIMS_LEDGER = Path(__file__).resolve().parents[2] / "shared" / "CLAIMS.md"


def test_every_bundled_model_names_claims_from_the_ledger() -> None:
    if not CLAIMS_LEDGER.exists():
        pytest.skip(f"claims ledger not found at {CLAIMS_LEDGER}")
    known = set(re.findall(r"^\| ([A-Z]+-\d+[a-z]?) \|", CLAIMS_LEDGER.read_text(), re.M))
    assert known, "no claim IDs parsed from the ledger"
    for mid, cls in catalog.bundled_models().items():
        assert cls.claims, f"{mid} names no claim"
        named = set(cls.claims) | {c for p in compile_model(cls()).properties for c in p.claims}
        unknown = named - known
        assert not unknown, f"{mid} names claims not in CLAIMS.md: {sorted(unknown)}"
