"""The CI gate's evidence: what a run was (tool, models, sources, options, coverage) and drift.

``distcheck check --json`` is a baseline; :func:`compare` sets a later run
against it.  A changed verdict is drift, and so is a count (distinct and
total states, depth, an action's coverage) that moved beyond the tolerance,
a property or model that appeared or went away within the models checked,
or an action that stopped (or started) firing.  Results cut by a bound are
not compared on counts: where a time bound stops a search is not a property
of the model.  A changed tool version or model source is shown but is not
drift by itself: only what it changed is.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distcheck.contract.errors import BadInput, printable
from distcheck.contract.files import read_capped
from distcheck.contract.verdict import RESULTS_FORMAT, Result

COUNTS = (("distinct_states", "distinct states"), ("total_states", "total states"),
          ("depth", "depth"))
#: a results document larger than this is not a baseline distcheck wrote
MAX_BASELINE = 200 * 1024 * 1024


def tool_version() -> str:
    try:
        from importlib.metadata import version

        return version("distcheck")
    except Exception:  # running from a source tree that was never installed
        return "unknown"


def source_info(cls: type) -> dict[str, Any]:
    """The model's module, its source file and the sha256 of that file's text."""
    out: dict[str, Any] = {"module": cls.__module__}
    try:
        file = inspect.getsourcefile(cls)
    except (OSError, TypeError):
        file = None
    if file:
        out["file"] = file
        try:
            out["sha256"] = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        except OSError:
            pass
    return out


def model_entries(models: list[Any], results: list[Result], options: dict[str, Any]) -> list[dict]:
    """One entry per model checked: id, parameters, source and hash, engine, seed, coverage.

    ``options`` maps a model id to the ``Options`` it was checked with.
    """
    by_model: dict[str, list[Result]] = {}
    for r in results:
        by_model.setdefault(r.model, []).append(r)
    out = []
    for m in models:
        mine = by_model.get(m.id)
        if mine is None:
            continue
        opts = options.get(m.id)
        coverage = next((r.coverage for r in mine if r.coverage is not None), None)
        bounds = {k: v for k, v in vars(opts.bounds).items() if v is not None} if opts else {}
        out.append({
            "model": m.id,
            "params": mine[0].params,
            "source": source_info(m.cls),
            "engine": opts.engine if opts else mine[0].engine,
            "seed": opts.seed if opts and opts.engine != "bfs" else None,
            "bounds": bounds,
            "coverage": coverage.to_json() if coverage is not None else None,
        })
    return out


def dead_actions(results: list[Result]) -> list[tuple[str, list[str]]]:
    """(model, never-fired actions) for each model whose complete search left some dead."""
    seen: dict[str, list[str]] = {}
    for r in results:
        if r.coverage is not None and r.model not in seen:
            seen[r.model] = [a.name for a in r.coverage.dead()]
    return [(m, names) for m, names in seen.items() if names]


# --------------------------------------------------------------------------- baselines


def load(path: str | Path, option: str) -> dict[str, Any]:
    """A results document written by ``check --json``; BadInput saying what is wrong."""
    raw = read_capped(path, f"{option} {path}", MAX_BASELINE)
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{option} {path} is not JSON ({exc}); make one with "
                       "'distcheck check --json > FILE'") from None
    if not (isinstance(doc, dict) and doc.get("format") == RESULTS_FORMAT
            and isinstance(doc.get("results"), list)
            and all(isinstance(r, dict) and isinstance(r.get("model"), str)
                    and isinstance(r.get("property"), str) for r in doc["results"])):
        raise BadInput(f"{option} {path} is not a distcheck results document; make one with "
                       "'distcheck check --json > FILE'")
    return doc


@dataclass
class Drift:
    """What moved between two runs: ``changes`` are drift, ``notes`` are shown only."""

    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    compared: int = 0

    @property
    def drifted(self) -> bool:
        return bool(self.changes)

    def text(self, old_name: str, new_name: str) -> str:
        lines = []
        if self.changes:
            lines.append(f"drift from {old_name} to {new_name}: {len(self.changes)} change"
                         f"{'s' if len(self.changes) != 1 else ''}")
            lines += [f"  {c}" for c in self.changes]
        else:
            lines.append(f"no drift from {old_name}: {self.compared} results compared")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(printable(line) for line in lines) + "\n"


def _moved(old: Any, new: Any, tolerance: float) -> bool:
    if not isinstance(old, (int, float)) or not isinstance(new, (int, float)):
        return old != new
    return abs(new - old) > tolerance * abs(old)


def compare(old: dict[str, Any], new: dict[str, Any], tolerance: float = 0.0) -> Drift:
    """The drift of results document ``new`` from ``old`` (module docstring for the rules)."""
    drift = Drift()
    olds = {(r["model"], r["property"]): r for r in old["results"]}
    news = {(r["model"], r["property"]): r for r in new["results"]}
    checked = {m for m, _ in news}
    old_models = {m for m, _ in olds}
    for model in sorted(checked - old_models):
        drift.changes.append(f"{model}: new model, not in the baseline")
    skipped = sorted(old_models - checked)
    if skipped:
        drift.notes.append(f"{len(skipped)} baseline model{'s' if len(skipped) != 1 else ''} "
                           f"not checked in this run (not compared): {', '.join(skipped[:5])}"
                           + (", ..." if len(skipped) > 5 else ""))
    for key in sorted(set(olds) | set(news)):
        model, prop = key
        if model not in checked or model not in old_models:
            continue
        a, b = olds.get(key), news.get(key)
        if a is None:
            drift.changes.append(f"{model} {prop}: new property, not in the baseline")
            continue
        if b is None:
            drift.changes.append(f"{model} {prop}: in the baseline, no longer checked")
            continue
        drift.compared += 1
        if a.get("verdict") != b.get("verdict"):
            drift.changes.append(f"{model} {prop}: verdict {a.get('verdict')} -> {b.get('verdict')}"
                                 f" (expected {b.get('expected')})")
        if a.get("cut") or b.get("cut"):
            continue
        sa, sb = a.get("stats") or {}, b.get("stats") or {}
        moved = [f"{label} {sa.get(k)} -> {sb.get(k)}" for k, label in COUNTS
                 if _moved(sa.get(k), sb.get(k), tolerance)]
        if moved:
            drift.changes.append(f"{model} {prop}: {', '.join(moved)}")
    _compare_models(old, new, tolerance, drift)
    return drift


def _compare_models(old: dict[str, Any], new: dict[str, Any], tolerance: float,
                    drift: Drift) -> None:
    """Coverage per model (when both runs covered it completely), versions and sources."""
    if old.get("distcheck") != new.get("distcheck") and "distcheck" in old:
        drift.notes.append(f"distcheck version {old.get('distcheck')} -> {new.get('distcheck')}")
    olds = {m["model"]: m for m in old.get("models") or () if isinstance(m, dict) and "model" in m}
    for entry in new.get("models") or ():
        before = olds.get(entry["model"])
        if before is None:
            continue
        model = entry["model"]
        ha = (before.get("source") or {}).get("sha256")
        hb = (entry.get("source") or {}).get("sha256")
        if ha and hb and ha != hb:
            drift.notes.append(f"{model}: source changed ({(entry.get('source') or {}).get('file')}"
                               f", sha256 {ha[:12]} -> {hb[:12]})")
        if before.get("params") != entry.get("params"):
            drift.notes.append(f"{model}: parameters {before.get('params')} -> {entry.get('params')}")
        ca, cb = before.get("coverage"), entry.get("coverage")
        if not ca or not cb:
            continue
        if not (ca.get("complete") and cb.get("complete")):
            if ca.get("complete") != cb.get("complete"):
                drift.notes.append(f"{model}: coverage not compared (one run's search stopped "
                                   "early; give --coverage to both)")
            continue
        fa = {x["action"]: x for x in ca.get("actions") or ()}
        fb = {x["action"]: x for x in cb.get("actions") or ()}
        for name in sorted(set(fa) | set(fb)):
            x, y = fa.get(name), fb.get(name)
            if x is None or y is None:
                drift.changes.append(f"{model} coverage: action {name} "
                                     + ("is new" if x is None else "is gone"))
                continue
            moved = [f"{k} {x.get(k)} -> {y.get(k)}" for k in ("fired", "new")
                     if _moved(x.get(k), y.get(k), tolerance)]
            if moved:
                never = " (now never fires)" if not y.get("fired") else ""
                drift.changes.append(f"{model} coverage: {name} {', '.join(moved)}{never}")
