"""The self-contained HTML report, rendered in a real headless browser (Chromium from Debian).

Under CI (``CI=true``) a missing Chromium fails the test rather than skipping it:
``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from distcheck.cli import main

#: a plain model with a small state graph, and two message-passing protocols (arrows)
MODELS = ("locks.db_row", "transactions.twophase.eager_commit", "transactions.tcc.not_idempotent")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", *MODELS, "--html", str(out)]) == 0
    return out


def test_report_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    # nothing is fetched: no external script, style, image or font
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", text)
    assert "<link" not in text and "@import" not in text
    for model in MODELS:
        assert f"<section id='{model}'>" in text
    assert "Broken 2PC: the TM commits as soon as one RM has said Prepared." in text  # claim text
    assert "7 of 7 actions fired" in text  # coverage
    assert "<table class='steps'>" in text  # step tables


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (apt-get install -y chromium; .ci/run does it)")
    return found


def test_report_renders_in_headless_chromium(page: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         f"--user-data-dir={tmp_path / 'profile'}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    # the browser built the drawings: sequence diagrams with arrows, and a state graph
    assert len(re.findall(r'<svg class="sequence"', dom)) >= 3
    assert len(re.findall(r'<line class="message"', dom)) >= 1
    assert '<svg class="stategraph"' in dom
    assert re.search(r'<rect [^>]*fill="#fde2e2"', dom)  # the counterexample path is highlighted
    assert '<table id="verdicts">' in dom and "sortBy" in dom
