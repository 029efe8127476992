"""The ``distcheck`` command line.

Commands that act on models take SPECs: a model id or id prefix, a Python
file, a folder of model files, or an importable module (see
:mod:`distcheck.contract.catalog`).  With none, they act on the project's
models (``[tool.distcheck] models`` in pyproject.toml, and the
``distcheck.models`` entry points), or on the bundled catalogue when the
project configures none.

Exit codes: 0 every verdict as expected (or a trace reproduced), 1 a verdict
differs (or a trace is stale), 2 bad input, with one line on stderr.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from distcheck.contract.errors import BadInput, cannot

if TYPE_CHECKING:
    from distcheck.contract.catalog import ProjectConfig
    from distcheck.contract.model import Model

EXIT_OK, EXIT_DIFFERS, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_TRACE_DIR = "traces"
BOUNDS = ("max_states", "max_depth", "max_seconds")
SPEC_HELP = ("model ids or id prefixes, Python files, folders of model files, or importable "
             "modules; default: the project's models ([tool.distcheck] in pyproject.toml), "
             "else every bundled model")
BUNDLED_HELP = "also act on the bundled catalogue when the project configures its own models"

#: safety engine -> the bound options it honours.  The names are those of
#: distcheck.engines.checker.SAFETY_ENGINES (a test keeps them equal), written out here
#: so that ``--help`` imports no engine.
ENGINE_BOUNDS: dict[str, tuple[str, ...]] = {
    "bfs": ("max_states", "max_depth", "max_seconds"),
    "simulate": ("max_states", "max_seconds"),  # a walk's length is --steps
    "hypothesis": ("max_seconds",),  # its budget is --runs examples of --steps steps
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        self.exit(EXIT_BAD_INPUT, f"distcheck: {message} (see '{self.prog} --help')\n")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; give a number >= 0")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive, finite number of seconds")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _param(text: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value.strip()


def _writable_dir(path: str, option: str, named: str | None = None) -> Path:
    """``path`` if it is a directory, or can be made one, that we may write in.

    Checked before any work is done, so that a bad output path costs nothing
    and leaves nothing half-written behind.  ``named`` is the path the user
    gave, when ``path`` is the folder of a file.
    """
    named = named or path
    target = Path(path)
    existing = target
    while not existing.exists():  # the nearest ancestor that exists
        existing = existing.parent
    if not existing.is_dir():
        raise BadInput(f"cannot write {option} {named}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write {option} {named}: {existing} is not writable")
    return target


def _writable_file(path: str, option: str) -> Path:
    """``path`` if a file may be written there (see :func:`_writable_dir`)."""
    target = Path(path)
    if target.is_dir():
        raise BadInput(f"cannot write {option} {path}: it is a directory; give a file name")
    if target.exists() and not os.access(target, os.W_OK):
        raise BadInput(f"cannot write {option} {path}: the file is not writable")
    _writable_dir(str(target.parent), option, named=path)
    return target


def _check_bounds(args: argparse.Namespace, engine: str | None = None, pinned: str = "") -> None:
    """BadInput when the engine would silently ignore a bound given on the command line.

    ``engine`` is the one a model runs with when not ``--engine``; ``pinned``
    says where it was set.
    """
    engine = args.engine or engine or "bfs"
    honoured = ENGINE_BOUNDS[engine]
    for bound in BOUNDS:
        if getattr(args, bound) is not None and bound not in honoured:
            option = "--" + bound.replace("_", "-")
            raise BadInput(
                f"--engine {engine}{pinned} cannot honour {option}; it honours "
                f"{', '.join('--' + b.replace('_', '-') for b in honoured)} and is bounded by "
                "--runs and --steps (or use --engine bfs)"
            )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="distcheck", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    lst = sub.add_parser("list", help="list your models and the bundled ones: claims, "
                         "parameters, properties")
    lst.add_argument("models", nargs="*", metavar="SPEC",
                     help="list only these (default: your models, then the bundled catalogue)")
    lst.add_argument("--bundled", action="store_true", help=BUNDLED_HELP)

    chk = sub.add_parser("check", help="check models and print the verdict table")
    chk.add_argument("models", nargs="*", metavar="SPEC", help=SPEC_HELP)
    chk.add_argument("--bundled", action="store_true", help=BUNDLED_HELP)
    chk.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    chk.add_argument("--property", action="append", default=None, metavar="NAME",
                     help="check only this property (repeatable)")
    chk.add_argument("--engine", default=None, choices=list(ENGINE_BOUNDS),
                     help="engine for safety properties (default: the model's pinned engine, "
                     "else bfs)")
    chk.add_argument("--max-states", type=_count, metavar="N",
                     help="stop after N distinct states (bfs, simulate, liveness); the verdict "
                     "is then inconclusive unless a violation was found")
    chk.add_argument("--max-depth", type=_count, metavar="N",
                     help="search no deeper than depth N, initial states being depth 1 (bfs, "
                     "liveness; simulate's walks are bounded by --steps)")
    chk.add_argument("--max-seconds", type=_seconds, metavar="S",
                     help="stop after S seconds (every engine)")
    chk.add_argument("--seed", type=_integer, default=0, help="seed for random engines")
    chk.add_argument("--runs", type=_count, metavar="N", help="random walks (simulate) or examples (hypothesis)")
    chk.add_argument("--steps", type=_count, metavar="K", help="steps per walk (simulate) or per example (hypothesis)")
    dl = chk.add_mutually_exclusive_group()
    dl.add_argument("--deadlock", dest="deadlock", action="store_true", default=None,
                    help="report states without successors (default: as the model says)")
    dl.add_argument("--no-deadlock", dest="deadlock", action="store_false")
    chk.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    chk.add_argument("--junit", metavar="FILE", help="also write the verdicts as JUnit XML")
    chk.add_argument("--save-traces", metavar="DIR",
                     help="where counterexample traces are written (default: ./traces)")

    rep = sub.add_parser("replay", help="re-execute a saved trace and print its step table")
    rep.add_argument("file", metavar="FILE")
    rep.add_argument("--json", action="store_true", help="print the outcome as JSON")
    rep.add_argument("--mermaid", metavar="FILE",
                     help="also write the trace as a Mermaid sequence diagram (.md or .mmd)")
    mini = sub.add_parser("minimize", help="shrink a saved trace to fewer steps, faults and "
                          "nodes that still violate its property")
    mini.add_argument("file", metavar="FILE")
    mini.add_argument("--output", "-o", metavar="FILE2",
                      help="where to write the result (default: FILE with .min.json)")
    mini.add_argument("--in-place", action="store_true", help="overwrite FILE")
    mini.add_argument("--json", action="store_true", help="print the figures as JSON")
    prv = sub.add_parser("prove", help="prove a model's Z3 properties for all values "
                         "(exit 0 every verdict as expected, 1 one differs)")
    prv.add_argument("models", nargs="*", metavar="SPEC", help=SPEC_HELP)
    prv.add_argument("--bundled", action="store_true", help=BUNDLED_HELP)
    prv.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    prv.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                     help="solver time limit per query in seconds (default: 30)")
    prv.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    prv.add_argument("--save-traces", metavar="DIR",
                     help="where refutations are written as one-step traces (default: ./traces)")
    gra = sub.add_parser("graph", help="export a model's reachable state graph (DOT, GraphML, "
                         "JSON); small DOT graphs are also drawn as SVG when graphviz is installed")
    gra.add_argument("model", metavar="SPEC",
                     help="one model: its id, or a file or module that defines only it")
    gra.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    gra.add_argument("--format", choices=["dot", "graphml", "json"], default=None,
                     help="default: from the --output suffix (.dot/.gv, .graphml, .json), else dot")
    gra.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    gra.add_argument("--max-states", type=_count, metavar="N",
                     help="refuse graphs larger than this (default: 5000)")
    fam = sub.add_parser("report", help="check a family's models and write its Markdown page "
                         "(exit 0 all as expected, 1 a verdict differs)")
    fam.add_argument("family", metavar="SPEC", help="a family (model id prefix, e.g. locks), "
                     "or your models: a file, folder or module")
    fam.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers: dict[str, Callable[[Any], int]] = {
        "list": cmd_list,
        "check": cmd_check,
        "replay": cmd_replay,
        "minimize": cmd_minimize,
        "prove": cmd_prove,
        "report": cmd_report,
        "graph": cmd_graph,
    }
    from distcheck.contract.catalog import take_broken

    take_broken()  # notes of an earlier in-process run are not this one's
    try:
        code = handlers[args.command](args)
    except BadInput as exc:
        _report_broken(take_broken())
        print(f"distcheck: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a file the commands did not check beforehand (they check most)
        where = f" {exc.filename}" if exc.filename else ""
        print(f"distcheck: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("distcheck: interrupted", file=sys.stderr)
        return 130
    broken = take_broken()
    _report_broken(broken)
    return EXIT_BAD_INPUT if broken else code


def _report_broken(lines: list[str]) -> None:
    """One line per model file or model the command left out (the rest ran): exit 2."""
    for line in lines:
        print(f"distcheck: {line}", file=sys.stderr)


# --------------------------------------------------------------------------- list


def cmd_list(args: argparse.Namespace) -> int:
    import shutil

    from distcheck.contract import catalog

    config = catalog.project_config()
    if args.models:
        classes = catalog.select(args.models, bundled=args.bundled, config=config)
    else:
        mine = catalog.user_models(config)
        classes = [*mine.values(),
                   *(c for mid, c in catalog.bundled_models().items() if mine.get(mid) is not c)]
    width = max(40, shutil.get_terminal_size((80, 24)).columns)
    yours = [c for c in classes if not catalog.is_bundled(c)]
    bundled = [c for c in classes if catalog.is_bundled(c)]
    blocks: list[str] = []
    # a model whose own code fails gives no block (it is reported at the end)
    mine = [b for b in (_model_block(c, width, catalog) for c in yours) if b]
    theirs = [b for b in (_model_block(c, width, catalog) for c in bundled) if b]
    if mine:
        where = f" ({catalog.show(config.pyproject)})" if config is not None else ""
        blocks.append(f"your models{where}: {len(mine)}\n")
        blocks += mine
    if theirs:
        blocks.append(f"bundled models: {len(theirs)}\n")
        blocks += theirs
    print("\n".join(blocks), end="")
    return EXIT_OK


def _model_block(cls: type[Model], width: int, catalog: Any) -> str:
    """One model as a few lines that fit ``width`` columns (a table of 8 columns does not)."""
    import textwrap

    from distcheck.contract.compiled import build_model
    from distcheck.contract.errors import ModelError
    from distcheck.contract.model import declared_params

    try:
        model = build_model(cls)
    except ModelError as exc:  # a model whose own code fails: the others are still listed
        catalog.note_broken(f"{exc}; it was left out")
        return ""
    head = cls.id + ("  (bundled)" if catalog.is_bundled(cls) else f"  {catalog.location(cls)}")
    if cls.claims:
        head += f"  claims {', '.join(cls.claims)}"
    params = ", ".join(f"{n}={p.default!r}" for n, p in declared_params(cls).items()) or "none"
    props = ", ".join(f"{p.name} ({p.expect})" for p in model.properties)
    lines = [textwrap.fill(head, width, subsequent_indent="    ")]
    for label, text in (("parameters", params), ("properties", props)):
        lines.append(textwrap.fill(f"{label}: {text}", width, initial_indent="    ",
                                   subsequent_indent="        ", break_on_hyphens=False))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- check


def instantiate_all(names: list[str], raw_params: list[tuple[str, str]], *,
                    bundled: bool = False, config: ProjectConfig | None = None) -> list[Any]:
    """Build every selected model with its pinned parameters and the --param values
    that apply to it (a --param wins over a pinned value).

    All validation happens here, before anything runs or is written: each
    model is compiled (its domains and expectations resolved) here.
    """
    from distcheck.contract import catalog
    from distcheck.contract.compiled import build_model
    from distcheck.contract.errors import ModelError
    from distcheck.contract.model import declared_params, unknown_parameter

    classes = catalog.select(names, bundled=bundled, config=config)
    for name, _ in raw_params:
        if not any(name in declared_params(cls) for cls in classes):
            if len(classes) == 1:
                raise unknown_parameter(classes[0], name)
            raise BadInput(f"no selected model has a parameter {name!r}; see 'distcheck list'")
    models = []
    for cls in classes:
        declared = declared_params(cls)
        values = _pinned_params(cls, config, {n for n, _ in raw_params})
        values.update({n: declared[n].parse(v) for n, v in raw_params if n in declared})
        try:
            models.append(build_model(cls, values))
        except ModelError as exc:  # its own code fails: the other models still run
            if len(classes) == 1:
                raise
            catalog.note_broken(f"{exc}; it was left out")
    if not models:
        raise BadInput(catalog.take_broken()[0].removesuffix("; it was left out"))
    return models


def _pinned_params(cls: type[Model], config: ProjectConfig | None, given: set[str]) -> dict[str, Any]:
    """The parameters pyproject.toml pins for ``cls``, validated; those given on the
    command line are left out (they win)."""
    from distcheck.contract import catalog
    from distcheck.contract.model import declared_params, unknown_parameter

    pinned = catalog.settings_for(cls.id, config).params
    declared = declared_params(cls)
    values: dict[str, Any] = {}
    for name, value in pinned.items():
        if name in given:
            continue
        assert config is not None  # only a project pins parameters
        try:
            if name not in declared:
                raise unknown_parameter(cls, name)
            param = declared[name]
            values[name] = param.parse(value) if isinstance(value, str) else param.validate(value)
        except BadInput as exc:
            raise BadInput(f"{config.where(cls.id)} params: {exc}") from None
    return values


def _options(model_id: str, args: argparse.Namespace, config: ProjectConfig | None,
             progress: Any) -> Any:
    """The engine, bounds and budget one model is checked with: the command line's
    values, else those pinned for the model in pyproject.toml, else the defaults."""
    from distcheck.contract import catalog
    from distcheck.engines.bfs import Bounds
    from distcheck.engines.checker import Options

    pinned = catalog.settings_for(model_id, config)
    engine = args.engine or pinned.engine or "bfs"
    where = f" (pinned in {config.where(model_id)})" if config is not None else ""
    _check_bounds(args, pinned.engine, where if args.engine is None and pinned.engine else "")
    honoured = ENGINE_BOUNDS[engine]
    bounds: dict[str, Any] = {}
    for bound in BOUNDS:
        given, kept = getattr(args, bound), getattr(pinned, bound)
        if given is not None:
            bounds[bound] = given
        elif kept is not None and bound in honoured:
            bounds[bound] = kept
        elif kept is not None and args.engine is None:
            assert config is not None
            raise BadInput(f"{config.where(model_id)} pins {bound} = {kept}, which engine "
                           f"{engine} cannot honour; it honours {', '.join(honoured)}")
        # else: --engine chose an engine that has no use for this pinned bound
    return Options(
        engine=engine,
        bounds=Bounds(bounds.get("max_states"), bounds.get("max_depth"), bounds.get("max_seconds")),
        seed=args.seed,
        runs=args.runs,
        steps=args.steps,
        check_deadlock=args.deadlock,
        progress=progress,
    )


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(distinct: int, total: int, depth: int, queue: int, seconds: float) -> None:
        rate = distinct / seconds if seconds > 0 else 0.0
        sys.stderr.write(
            f"\r  {distinct:,} distinct  {total:,} total  {rate:,.0f} states/s  "
            f"depth {depth}  queue {queue:,}  {seconds:.0f}s  "
        )
        sys.stderr.flush()

    return show


def cmd_check(args: argparse.Namespace) -> int:
    from distcheck.contract import catalog
    from distcheck.contract.errors import ModelError
    from distcheck.engines.checker import check_model, checked_properties, no_such_property
    from distcheck.outputs.tables import print_results, results_json
    from distcheck.traces import tracefile

    if args.engine is not None:
        _check_bounds(args)  # before anything is loaded
    # the output paths are checked before the (possibly long) check, not after it;
    # the default directory only when a trace is written (a read-only checkout may pass)
    save_dir = (_writable_dir(args.save_traces, "--save-traces") if args.save_traces
                else Path(DEFAULT_TRACE_DIR))
    if args.junit:
        _writable_file(args.junit, "--junit")
    config = catalog.project_config()
    models = instantiate_all(args.models, args.param, bundled=args.bundled, config=config)
    progress = _progress_printer()
    options = [_options(m.id, args, config, progress) for m in models]
    checked = [[p.name for p in checked_properties(m, o)] for m, o in zip(models, options, strict=True)]
    for name in args.property or ():
        if not any(name in names for names in checked):
            if len(models) == 1:
                raise no_such_property(name, models[0].id, checked[0])
            raise no_such_property(name, None)
    results = []
    for model, opts, names in zip(models, options, checked, strict=True):
        only = None
        if args.property:
            only = [n for n in args.property if n in names]
            if not only:
                continue
        if progress is not None:
            sys.stderr.write(f"\r\033[K  checking {model.id} ...")
        try:
            results += check_model(model, opts, only)
        except ModelError as exc:  # its own code fails: the other models' verdicts still count
            if len(models) == 1:
                raise
            catalog.note_broken(f"{exc}; its verdicts are missing")
        if progress is not None:
            sys.stderr.write("\r\033[K")
    for r in results:
        if r.trace is not None:
            path = save_dir / tracefile.file_name(r.model, r.property)
            r.trace_file = str(tracefile.save(r.trace, path, catalog.project_root(config)))
    if args.junit:
        from distcheck.outputs.junit import write_junit

        write_junit(results, args.junit)
    if args.json:
        print(results_json(results))
    else:
        print_results(results)
    return EXIT_OK if all(r.as_expected for r in results) else EXIT_DIFFERS


# --------------------------------------------------------------------------- replay


def cmd_replay(args: argparse.Namespace) -> int:
    import json

    from distcheck.outputs.tables import print_replay
    from distcheck.traces import tracefile
    from distcheck.traces.replay import replay

    trace = tracefile.load(args.file)
    target = _writable_file(args.mermaid, "--mermaid") if args.mermaid else None
    rep = replay(trace)
    if target is not None:
        from distcheck.outputs.diagrams import sequence_diagram

        chart = sequence_diagram(trace)
        try:
            target.write_text(f"```mermaid\n{chart}```\n" if target.suffix == ".md" else chart)
        except OSError as exc:
            raise cannot("write", target, exc) from None
    if args.json:
        print(json.dumps({
            "file": args.file, "model": trace.model, "property": trace.property,
            "reproduced": rep.reproduced, "failed_step": rep.failed_step, "problem": rep.problem,
            "trace_length": len(trace),
        }, indent=2))
    else:
        print_replay(rep)
    return EXIT_OK if rep.reproduced else EXIT_DIFFERS


# --------------------------------------------------------------------------- minimize


def cmd_minimize(args: argparse.Namespace) -> int:
    return _minimize(args.file, args.output, args.in_place, args.json)


def _minimize(file: str, output: str | None, in_place: bool, as_json: bool) -> int:
    """``distcheck minimize``: 0 written, 1 the trace is stale, BadInput (2) if unreadable."""
    import json

    from distcheck.outputs.tables import console, step_table
    from distcheck.traces import tracefile
    from distcheck.traces.minimize import default_output, minimize_trace

    source = Path(file)
    if in_place and output is not None:
        raise BadInput("give either --output FILE or --in-place, not both")
    target_path = source if in_place else Path(output) if output else default_output(source)
    if not in_place and target_path.resolve() == source.resolve():
        raise BadInput(f"--output {target_path} is the input file; add --in-place to overwrite it")
    if target_path.is_dir():
        raise BadInput(f"--output {target_path} is a directory; give a file name")
    trace = tracefile.load(source)
    outcome = minimize_trace(trace)
    if isinstance(outcome, str):
        if as_json:
            print(json.dumps({"file": file, "reproduced": False, "problem": outcome}, indent=2))
        print(f"distcheck: {file}: {outcome}; regenerate it with 'distcheck check'",
              file=sys.stderr)
        return 1
    written = tracefile.save(outcome.trace, target_path)
    if as_json:
        print(json.dumps({"file": file, "output": str(written), "reproduced": True,
                          **outcome.to_json()}, indent=2))
        return 0
    c = console()
    c.print(step_table(outcome.trace))
    c.print(f"minimised {file}: {outcome.summary()} in {outcome.seconds:.2f}s")
    c.print(f"written to {written} (replay with 'distcheck replay {written}')")
    return 0


# --------------------------------------------------------------------------- prove


def cmd_prove(args: argparse.Namespace) -> int:
    from distcheck.contract import catalog
    from distcheck.engines.z3prove import prove_models
    from distcheck.outputs.tables import print_proofs, results_json
    from distcheck.traces import tracefile

    save_dir = (_writable_dir(args.save_traces, "--save-traces") if args.save_traces
                else Path(DEFAULT_TRACE_DIR))
    config = catalog.project_config()
    models = instantiate_all(args.models, args.param, bundled=args.bundled, config=config)
    results = prove_models(models, args.timeout)
    for r in results:
        if r.trace is not None:
            path = save_dir / tracefile.file_name(r.model, r.property)
            r.trace_file = str(tracefile.save(r.trace, path, catalog.project_root(config)))
    if args.json:
        print(results_json(results))
    else:
        print_proofs(results)
    return EXIT_OK if all(r.as_expected for r in results) else EXIT_DIFFERS


# --------------------------------------------------------------------------- graph


def cmd_graph(args: argparse.Namespace) -> int:
    from distcheck.contract import catalog
    from distcheck.outputs.graphs import run_cli

    models = instantiate_all([args.model], args.param, config=catalog.project_config())
    if len(models) != 1:
        raise BadInput(f"{args.model!r} names {len(models)} models; 'distcheck graph' takes one "
                       f"model: give its id ({', '.join(m.id for m in models[:3])}"
                       f"{', ...' if len(models) > 3 else ''})")
    if args.output:
        _writable_file(args.output, "--output")
    return run_cli(models[0], args.format, args.output, args.max_states)


# --------------------------------------------------------------------------- report


def cmd_report(args: argparse.Namespace) -> int:
    from distcheck.outputs.pages import write

    output = _writable_file(args.output, "--output") if args.output else None
    text, results = write(args.family, output)
    if output is None:
        sys.stdout.write(text)
    else:
        print(f"wrote {output} ({len(results)} verdicts)", file=sys.stderr)
    return EXIT_OK if all(r.as_expected for r in results) else EXIT_DIFFERS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
