"""The committed conformance results a family page shows (``models/<family>/conformance.json``).

Running servers is no job for a page generator, so ``distcheck conform ...
--record FILE`` writes each outcome here, with the command that produced
it, and ``distcheck conform --refresh FILE`` re-runs every recorded command
and rewrites the file.  ``distcheck report`` only reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from distcheck.conformance.run import CONFORMANCE, Report
from distcheck.contract import files
from distcheck.contract.errors import BadInput

FORMAT = "distcheck-conformance"
VERSION = 1
FILE_NAME = "conformance.json"


def load(path: Path) -> list[dict[str, Any]]:
    """The entries of a results file; [] when it does not exist (BadInput if it is not one)."""
    if not path.exists():
        return []
    try:
        data = json.loads(files.read_capped(path, "conformance results", 1 << 20))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadInput(f"{path}: not a conformance results file (invalid JSON)") from None
    entries = data.get("results") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("command"), list) for e in entries):
        raise BadInput(f"{path}: not a conformance results file (no \"format\": \"{FORMAT}\" "
                       "with a list of results, each with its command)")
    return entries


def entry(report: Report, command: list[str]) -> dict[str, Any]:
    out = report.to_json()
    out.pop("history")
    out.pop("target")
    out.pop("trace_file")
    out["command"] = command
    return out


def record(path: Path, report: Report, command: list[str]) -> None:
    """Add ``report`` to the results file, replacing the entry of the same command."""
    entries = [e for e in load(path) if e["command"] != command]
    entries.append(entry(report, command))
    write(path, entries)


def write(path: Path, entries: list[dict[str, Any]]) -> None:
    entries = sorted(entries, key=lambda e: (e.get("model", ""), e.get("property") == CONFORMANCE,
                                             e.get("property", ""), e.get("adapter", "")))
    text = json.dumps({"format": FORMAT, "version": VERSION, "results": entries}, indent=2) + "\n"
    files.write_atomic(path, text, "--record")
