"""Running the CLI in-process from tests, and judging its one-line errors."""

from __future__ import annotations

import pytest

from distcheck.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``distcheck argv...`` in-process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse rejects bad syntax by exiting
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    """The single stderr line of a bad-input exit (fails on none, several, or a traceback)."""
    text = err.strip()
    assert text, "nothing on stderr"
    assert "\n" not in text, f"more than one line on stderr:\n{err}"
    assert "Traceback" not in text
    return text
