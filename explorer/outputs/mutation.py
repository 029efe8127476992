"""Rendering ``distcheck mutate``: the score table, the survivors with their diffs, JSON."""

from __future__ import annotations

import json
from typing import IO, Any

from rich.table import Table
from rich.text import Text

from distcheck.contract.errors import printable
from distcheck.engines.mutate import (
    EQUIVALENT,
    KILLED,
    SURVIVED,
    UNFINISHED,
    ModelMutation,
    overall_score,
)
from distcheck.outputs.tables import console

MUTATION_FORMAT = "distcheck-mutation"
MUTATION_VERSION = 1


def _score(score: float | None) -> str:
    return "-" if score is None else f"{score:.1%}"


def mutation_document(runs: list[ModelMutation], min_score: float) -> dict[str, Any]:
    """The JSON document ``distcheck mutate --json`` prints (scores as fractions)."""
    score = overall_score(runs)
    return {
        "format": MUTATION_FORMAT,
        "version": MUTATION_VERSION,
        "score": None if score is None else round(score, 4),
        "min_score": min_score,
        "mutants": sum(len(r.outcomes) for r in runs),
        **{status: sum(r.count(status) for r in runs)
           for status in (KILLED, SURVIVED, EQUIVALENT, UNFINISHED)},
        "models": [r.to_json() for r in runs],
    }


def mutation_json(runs: list[ModelMutation], min_score: float) -> str:
    return json.dumps(mutation_document(runs, min_score), indent=2, sort_keys=False)


def score_table(runs: list[ModelMutation], min_score: float) -> Table:
    table = Table(title="distcheck mutation scores", header_style="bold")
    for col in ("model", "mutants", "killed", "survived", "equivalent", "unfinished", "score"):
        table.add_column(col, justify="left" if col == "model" else "right", no_wrap=col == "model")
    for r in runs:
        low = r.score is not None and r.score < min_score
        table.add_row(r.model, str(len(r.outcomes)), str(r.count(KILLED)), str(r.count(SURVIVED)),
                      str(r.count(EQUIVALENT)), str(r.count(UNFINISHED)),
                      Text(_score(r.score) + (" (!)" if low else ""),
                           style="bold red" if low else "green"))
    return table


def print_mutation(runs: list[ModelMutation], min_score: float, file: IO[str] | None = None) -> None:
    """The score table, then every survivor with its diff, then the overall score."""
    c = console(file)
    c.print(score_table(runs, min_score))
    for r in runs:
        notes = []
        if r.unreadable:
            notes.append(f"actions without readable source, not mutated: {', '.join(r.unreadable)}")
        if r.stale_declarations:
            notes.append("equivalent_mutants names mutants that no longer exist: "
                         + ", ".join(r.stale_declarations))
        wrong = [o.mutation.id for o in r.outcomes if o.wrongly_declared]
        if wrong:
            notes.append("declared equivalent but killed: " + ", ".join(wrong))
        shown = [o for o in r.outcomes if o.status in (SURVIVED, UNFINISHED)]
        if not shown and not notes:
            continue
        c.print(f"\n[bold]{printable(r.model)}[/bold]", markup=True, highlight=False)
        for note in notes:
            c.print(f"  note: {printable(note)}", markup=False)
        for o in shown:
            m = o.mutation
            c.print(f"  {o.status} {m.id}  {m.location}: {printable(m.description)}", markup=False)
            if o.status == SURVIVED:
                for line in m.diff.splitlines():
                    c.print(f"      {printable(line)}", markup=False)
            for swept in o.sweep:
                setting = ", ".join(f"{k}={v}" for k, v in swept["params"].items())
                c.print(f"      at {setting}: {swept['status']}"
                        + (f" ({printable(swept['reason'])})" if swept["status"] == KILLED else ""),
                        markup=False)
    score = overall_score(runs)
    c.print(f"\nmutation score {_score(score)} (killed over killed and survived; at least "
            f"{min_score:.0%} wanted)", markup=False)
