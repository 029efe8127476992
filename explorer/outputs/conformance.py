"""``distcheck conform``: a trace or a model against a real system, shown side by side.

The step table has one row per step: the action, what the model's state
says at each observed path, and what the real system showed; a row where
they differ is marked.  Below it, the outcome with its frequency over the
runs.  Exit codes: for a trace 0 reproduced, 1 diverged, 3 not reproduced;
for a model 0 no divergence, 1 a divergence (shrunk and saved as a trace).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rich.table import Table
from rich.text import Text

from distcheck.conformance import results
from distcheck.conformance import run as outcome
from distcheck.conformance.adapter import Adapter, load_adapter
from distcheck.conformance.run import CONFORMANCE, Report, conform_model, conform_trace
from distcheck.contract.errors import BadInput, printable
from distcheck.contract.files import OutputPlan
from distcheck.contract.state import compact
from distcheck.outputs.tables import console
from distcheck.traces import tracefile

DEFAULT_TRACE_DIR = "traces"
STYLE = {outcome.REPRODUCED: "bold green", outcome.NO_DIVERGENCE: "green",
         outcome.DIVERGED: "bold red", outcome.NOT_REPRODUCED: "yellow"}


def _cell(seen: dict[str, Any]) -> str:
    return ", ".join(f"{path}={compact(value)}" for path, value in seen.items()) or "-"


def history_table(report: Report) -> Table:
    run = report.shown
    table = Table(title=f"{report.target} on {report.system}", header_style="bold")
    for col in ("step", "action", "model expects", "real system showed", ""):
        table.add_column(col, justify="right" if col == "step" else "left")
    for row in run.history:
        table.add_row(str(row.index), Text(printable(row.label)), Text(printable(_cell(row.model))),
                      Text(printable(_cell(row.real))),
                      Text("" if row.agrees else "differs", style="bold red"))
    return table


def summary(report: Report) -> str:
    run = report.shown
    diverged = report.outcome == outcome.DIVERGED and run.step is not None
    where = f" at step {run.step}" if diverged else ""
    return (f"{report.outcome}{where} ({report.frequency()} runs, {report.adapter}): "
            f"{run.detail}" if run.detail else
            f"{report.outcome} ({report.frequency()} runs, {report.adapter})")


def print_report(report: Report, file: IO[str] | None = None) -> None:
    c = console(file)
    c.print(history_table(report))
    c.print(Text(printable(summary(report)), style=STYLE[report.outcome]))
    if report.saved is not None:
        c.print(Text(printable(f"model steps: {', '.join(st.label() for st in report.saved.steps)}")))


#: the CLI's model loader: SPEC and --param values -> model instances
Instantiate = Callable[[list[str], list[tuple[str, str]]], list[Any]]


def run_cli(args: argparse.Namespace, instantiate: Instantiate,
            parse: Callable[[list[str]], argparse.Namespace]) -> list[str]:
    """``distcheck conform``; the outcome of each run (the CLI turns them into its exit code).

    Every path and name is checked before a server starts.  ``parse`` reads
    a recorded command back for ``--refresh``.
    """
    if args.refresh is not None:
        if args.target is not None or args.adapter is not None or args.record is not None:
            raise BadInput("--refresh FILE re-runs the commands recorded in FILE: give no "
                           "TARGET, --adapter or --record with it")
        return _refresh(Path(args.refresh), instantiate, parse)
    if args.target is None or args.adapter is None:
        raise BadInput("give a trace file or a model and --adapter module:Class "
                       "(or --refresh FILE)")
    plan = OutputPlan()
    record = plan.file(args.record, "--record") if args.record else None
    if record is not None:
        results.load(record)  # a file that is not a results file is refused before the run
    model = None if _is_trace(args.target) else _one_model(args.target, args.param, instantiate)
    folder = Path(args.save_traces or DEFAULT_TRACE_DIR)
    if model is not None:
        plan.file(folder / tracefile.file_name(model.id, CONFORMANCE),
                  "--save-traces" if args.save_traces else "traces folder")
    report = _run(args, model, load_adapter(args.adapter))
    if report.saved is not None:
        report.trace_file = str(tracefile.save(
            report.saved, folder / tracefile.file_name(report.model, CONFORMANCE)))
    if record is not None:
        results.record(record, report, _command(args, model is None))
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print_report(report)
        if report.trace_file is not None:
            print(printable(f"divergence saved to {report.trace_file} (run it again with "
                            f"'distcheck conform {report.trace_file} --adapter {args.adapter}')"))
    return [report.outcome]


def _command(args: argparse.Namespace, trace: bool) -> list[str]:
    """The command line that reproduces this run, as a results file records it."""
    command = ["conform", args.target, "--adapter", args.adapter]
    if trace:
        return [*command, "--repeat", str(args.repeat)]
    return [*command, "--runs", str(args.runs), "--steps", str(args.steps), "--seed",
            str(args.seed), *(f"--param={n}={v}" for n, v in args.param)]


def _is_trace(target: str) -> bool:
    """A saved trace is a JSON file; a Python file (or anything else) names a model."""
    return target.endswith(".json") or (Path(target).is_file() and not target.endswith(".py"))


def _one_model(spec: str, params: list[tuple[str, str]], instantiate: Instantiate) -> Any:
    models = instantiate([spec], params)
    if len(models) != 1:
        raise BadInput(f"{spec!r} names {len(models)} models; 'distcheck conform' takes one "
                       f"model id ({', '.join(m.id for m in models[:3])}"
                       f"{', ...' if len(models) > 3 else ''})")
    return models[0]


def _run(args: argparse.Namespace, model: Any, adapter_cls: type[Adapter]) -> Report:
    if model is None:
        if args.param:
            raise BadInput("--param applies to a model; a trace carries its own parameters")
        return conform_trace(tracefile.load(args.target), adapter_cls, args.target, args.repeat)
    return conform_model(model, adapter_cls, args.runs, args.steps, args.seed)


def _refresh(path: Path, instantiate: Instantiate,
             parse: Callable[[list[str]], argparse.Namespace]) -> list[str]:
    """Re-run every command recorded in ``path`` and rewrite it; the outcomes."""
    entries = results.load(path)
    if not entries:
        raise BadInput(f"{path}: no recorded conformance results to refresh")
    commands = [(e["command"], parse(e["command"])) for e in entries]  # all readable first
    fresh, outcomes = [], []
    for command, args in commands:
        model = None if _is_trace(args.target) else _one_model(args.target, args.param, instantiate)
        report = _run(args, model, load_adapter(args.adapter))
        fresh.append(results.entry(report, command))
        print(printable(f"{shlex.join(['distcheck', *command])}: {summary(report)}"),
              file=sys.stderr)
        outcomes.append(report.outcome)
    results.write(path, fresh)
    return outcomes
