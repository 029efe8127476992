"""Rendering results and traces for people: the verdict table and step tables."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from distcheck.contract.errors import printable
from distcheck.contract.state import compact, describe_change
from distcheck.contract.verdict import (
    HOLDS,
    INCONCLUSIVE,
    RESULTS_FORMAT,
    RESULTS_VERSION,
    VIOLATED,
    Result,
    Trace,
)
from distcheck.engines.z3prove import KIND as PROOF
from distcheck.traces.replay import Replay


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich exits 1 here, which CI reads as "a verdict differs"; the reader of a
        # pipe that closed early (``| head``) is not a failed check.  The caller decides.
        self.quiet = True
        raise BrokenPipeError


def console(file: IO[str] | None = None) -> Console:
    """A console that keeps tables wide when output goes to a file or a pipe."""
    out = file or sys.stdout
    tty = out.isatty()
    return _Console(file=out, width=None if tty else 200, no_color=not tty, highlight=False)


def _verdict_text(r: Result) -> Text:
    style = "green" if r.as_expected else "bold red"
    return Text(r.shown_verdict if r.as_expected else f"{r.shown_verdict} (!)", style=style)


def verdict_table(results: list[Result]) -> Table:
    """One row per (model, property): the table ``distcheck check`` prints."""
    table = Table(title="distcheck verdicts", show_lines=False, header_style="bold")
    for col, justify in [
        ("model", "left"), ("property", "left"), ("claims", "left"), ("engine", "left"),
        ("expected", "left"), ("verdict", "left"), ("distinct", "right"), ("total", "right"),
        ("depth", "right"), ("seconds", "right"), ("trace", "right"),
    ]:
        table.add_column(col, justify=justify, no_wrap=col in ("model", "property"))  # type: ignore[arg-type]
    for r in results:
        trace = ""
        if r.trace is not None:
            trace = f"{len(r.trace)} step" + ("" if len(r.trace) == 1 else "s")
        explored = r.stats.total_states > 0  # proofs and computed figures explore no states
        table.add_row(
            r.model, r.property, ",".join(r.claims), r.engine, r.shown_expected, _verdict_text(r),
            f"{r.stats.distinct_states:,}" if explored else "-",
            f"{r.stats.total_states:,}" if explored else "-",
            str(r.stats.depth) if explored else "-",
            f"{r.stats.seconds:.2f}", trace,
        )
    return table


def print_results(results: list[Result], file: IO[str] | None = None) -> None:
    c = console(file)
    c.print(verdict_table(results))
    written = sorted({str(Path(r.trace_file).parent) for r in results if r.trace_file})
    if written:
        c.print(f"traces written to {', '.join(written)}/ (replay with 'distcheck replay FILE')")
    # as TLC does: how likely a fingerprint collision hid a state (one line per model searched)
    odds = {(r.model, r.stats.collision_probability) for r in results
            if r.stats.collision_probability is not None}
    for model, p in sorted(odds, key=str):
        c.print(f"{model}: stored as 64-bit fingerprints; collision probability {p:.1e}")
    differ = [r for r in results if not r.as_expected]
    inconclusive = [r for r in results if r.verdict == "inconclusive"]
    for r in inconclusive:
        c.print(f"[yellow]inconclusive[/]: {r.model} {r.property}: {escape(r.reason)}")
    if differ:
        c.print(f"[bold red]{len(differ)} of {len(results)} verdicts differ from the expected ones[/]")
        for r in differ:
            c.print(f"  {r.model} {r.property}: expected {r.expected}, got {r.verdict}: {escape(r.reason)}")
    else:
        accepted = sum(1 for r in results if r.accepted_inconclusive)
        note = (f" ({accepted} inconclusive from a sampling engine accepted: it cannot prove holds)"
                if accepted else "")
        c.print(f"[green]all {len(results)} verdicts as expected{note}[/]")


def results_json(results: list[Result], models: list[dict[str, Any]] | None = None,
                 **run: Any) -> str:
    """The ``--json`` document: a format name and version, the tool's version, what the run
    was (``run``: e.g. ``interrupted``), one entry per model checked (source, hash,
    options, coverage) and one per result."""
    from distcheck.outputs.gate import tool_version

    doc: dict[str, Any] = {"format": RESULTS_FORMAT, "version": RESULTS_VERSION,
                           "distcheck": tool_version(), **run}
    if models is not None:
        doc["models"] = models
    doc["results"] = [r.to_json() for r in results]
    return json.dumps(doc, indent=2)


def step_table(trace: Trace, replayed: Replay | None = None) -> Table:
    """The trace as a table: each step, its arguments, and what it changed.

    With ``replayed``, only the steps that were replayed are shown: a trace
    that breaks at step 3 of a million prints three rows and a count of the
    rest.  Every string from the trace is shown escaped (:func:`printable`): a
    trace file is untrusted input.
    """
    title = printable(f"{trace.model} -- {trace.property} ({trace.engine}, {len(trace)} steps)")
    table = Table(title=Text(title), header_style="bold", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("step")
    table.add_column("changes", overflow="fold")
    table.add_row("0", "initial state", Text(printable(compact(trace.initial))))
    shown = trace.steps
    if replayed is not None and replayed.failed_step is not None:
        shown = trace.steps[:replayed.failed_step]
    for i, (st, diffs) in enumerate(zip(shown, trace.changes(), strict=False), start=1):
        changes = "\n".join(printable(describe_change(p, a, b)) for p, a, b in diffs)
        label = printable(st.label()) + (f"  [fault: {printable(st.fault)}]" if st.fault else "")
        if trace.loop_start is not None and i == trace.loop_start + 1:
            label = f"loop starts here (at state {trace.loop_start})\n" + label
        marker = str(i)
        if replayed is not None and replayed.failed_step == i:
            marker += " X"
        # Text(): a label such as "[fault: crash]" is not rich markup
        table.add_row(marker, Text(label), Text(changes or "(state unchanged)"))
    if len(shown) < len(trace.steps):
        rest = len(trace.steps) - len(shown)
        table.add_row("", f"{rest:,} more recorded step{'s' if rest != 1 else ''}",
                      "not replayed: the trace is stale before them")
    elif trace.loop_start is not None:
        if trace.loop_start == len(trace.steps):
            table.add_row("", "stops here forever", "no step is enabled (a dead end)")
        else:
            table.add_row("", f"back to state {trace.loop_start}",
                          f"steps {trace.loop_start + 1}..{len(trace.steps)} repeat forever")
    return table


def trace_text(trace: Trace, width: int = 160) -> str:
    """The step table as plain text (for test failure messages and logs)."""
    c = Console(width=width, no_color=True, highlight=False, record=True, file=io.StringIO())
    c.print(step_table(trace))
    return c.export_text()


def print_replay(rep: Replay, file: IO[str] | None = None) -> None:
    c = console(file)
    c.print(step_table(rep.trace, rep))
    prop = printable(rep.trace.property)
    c.print(Text(f"property: {prop} -- {printable(rep.trace.message)}"))
    if rep.reproduced:
        outcome = (f"{prop} fails at its end" if rep.trace.loop_start is None else
                   f"the lasso still violates {prop} under the model's fairness")
        c.print("[green]reproduced[/]: ", Text(f"the {len(rep.trace)}-step trace replays exactly "
                f"against the current model and {outcome}"), sep="")
    else:
        where = "initial state" if rep.failed_step == 0 else f"step {rep.failed_step}"
        c.print("[bold red]stale trace[/]: ", Text(f"{where}: {printable(rep.problem or '')}"),
                sep="")


def print_proofs(results: list[Result], file: Any = None) -> None:
    """Proved / refuted per property, the reported figures, and counterexample values."""
    c = console(file)
    for r in results:
        word = {HOLDS: "proved", VIOLATED: "refuted"}.get(r.verdict, r.verdict)
        if r.kind != PROOF:
            word = r.verdict
        took = r.extra.get("solver", {}).get("seconds", r.stats.seconds)
        why = f" -- {escape(r.reason)}" if r.kind == PROOF or r.verdict != "reported" else ""
        c.print(f"{r.model} {r.property}: [bold]{word}[/] in {took:.3f}s "
                f"(expected {r.expected}){why}")
        if r.trace is not None:
            step = r.trace.steps[0]
            c.print("  inputs: " + escape(", ".join(f"{k}={v}" for k, v in step.args.items())))
            if step.state != step.args:
                c.print("  gives:  " + escape(", ".join(f"{k}={v}" for k, v in step.state.items())))
            if r.trace_file:
                c.print(f"  trace:  {escape(r.trace_file)}")
    models: dict[str, list[Result]] = {}
    for r in results:
        models.setdefault(r.model, []).append(r)
    for model, mine in models.items():
        figures: dict[str, Any] = {}
        for r in mine:
            figures.update(r.extra.get("figures", {}))
        for name, value in figures.items():
            c.print(escape(f"{model} {name}: {value}"))
        proofs = [r for r in mine if r.kind == PROOF]
        refuted = [r.property for r in proofs if r.verdict == VIOLATED]
        undecided = [r.property for r in proofs if r.verdict == INCONCLUSIVE]
        if refuted:
            expected = all(r.as_expected for r in proofs)
            note = " -- as this variant expects" if expected else ""
            style = "yellow" if expected else "bold red"
            c.print(f"[{style}]{model}: REFUTED[/] ({', '.join(refuted)}){note}")
        elif undecided:
            c.print(f"[yellow]{model}: not proved[/] ({', '.join(undecided)} undecided)")
        elif proofs:
            c.print(f"[green]{model}: PROVED[/] ({len(proofs)} of {len(proofs)} proofs, "
                    "for all values)")


def print_unbounded(results: list[Result], file: Any = None) -> None:
    """Proofs for any number of nodes: the verdict, the inferred invariant, or the
    counterexample to induction as states (and its trace when it is reachable)."""
    c = console(file)
    shown: set[int] = set()
    for r in results:
        info = r.extra.get("unbounded", {})
        word = f"proved for {info['proved_for']}" if r.verdict == HOLDS and "proved_for" in info \
            else r.verdict
        c.print(f"{escape(r.model)} {escape(r.property)}: [bold]{escape(word)}[/] in "
                f"{r.stats.seconds:.2f}s (expected {r.expected}) -- {escape(printable(r.reason))}")
        key = id(r.extra)
        cti = info.get("cti")
        if cti is not None and cti.get("invariant") == r.property and key not in shown:
            shown.add(key)
            sizes = cti["nodes_text"]
            c.print(f"  counterexample to induction ({escape(sizes)}):")
            c.print(Text(printable(f"    before: {compact(cti['pre'])}")))
            if not cti["initial"]:
                c.print(Text(printable(f"    step:   {cti['step']}")))
                c.print(Text(printable(f"    after:  {compact(cti['post'])}")))
        if r.trace is not None:
            c.print(step_table(r.trace))
            if r.trace_file:
                c.print(f"  trace: {escape(r.trace_file)}")
        text = info.get("inferred")
        if text and r.verdict == HOLDS and r is next(x for x in results if x.model == r.model):
            c.print("  inferred invariant, re-checked inductive (paste it into the model class):")
            for line in text.rstrip().split("\n"):
                c.print(Text(printable(line)), highlight=False)
