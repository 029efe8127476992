"""The ``distcheck`` command line.

Commands that act on models take SPECs: a model id or id prefix, a Python
file, a folder of model files, or an importable module (see
:mod:`distcheck.contract.catalog`).  With none, they act on the project's
models (``[tool.distcheck] models`` in pyproject.toml, and the
``distcheck.models`` entry points), or on the bundled catalogue when the
project configures none.

Exit codes (:data:`EXIT_CODES`, one table for every command): 0 every verdict
as expected (or a trace reproduced), 1 a verdict differs (or a trace is stale, a
real system diverged from the model, or an action never fired in a complete
search), 2 bad input, with one line on stderr, 3 only inconclusive results (a
bound --max-seconds, --max-states, --max-memory or --max-depth cut a search
before its verdict; an invariant too weak to be inductive; for ``conform``, a
violation that did not show on the real system), 4 drift from a baseline, 5 an
internal error (a bug in distcheck: one line, the traceback with --debug), 130
interrupted.  When several apply: 2 or 5 first, then 130, then 1, then 4, then 3.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from distcheck.contract.errors import BadInput, BudgetExhausted, printable
from distcheck.contract.files import OutputPlan, write_atomic

if TYPE_CHECKING:
    from distcheck.contract.catalog import ProjectConfig
    from distcheck.contract.model import Model

EXIT_OK, EXIT_DIFFERS, EXIT_BAD_INPUT = 0, 1, 2
#: only inconclusive results: a bound or time limit cut the search, an invariant is too weak,
#: or a trace's violation did not show on the real system
EXIT_INCONCLUSIVE = 3
EXIT_DRIFT = 4
EXIT_INTERNAL, EXIT_INTERRUPTED = 5, 130
#: the table ``--help`` prints and every command follows
EXIT_CODES = (
    "exit codes (every command): 0 all as expected; 1 a verdict differs from the expected one "
    "(or an action never fired in a complete search, a trace is stale, a real system diverged); "
    "2 bad input; 3 only inconclusive results (a bound or budget cut a search); 4 drift from "
    "a --baseline; 5 internal error (a bug in distcheck); 130 interrupted (the table, --json "
    "and --junit are still written). When several apply: 2 or 5, then 130, then 1, then 4, "
    "then 3"
)
#: where an internal error is reported when the installed package names no tracker
REPORT_FALLBACK = "the distcheck maintainers (the issue tracker of the repository you installed it from)"
DEFAULT_TRACE_DIR = "traces"
BOUNDS = ("max_states", "max_depth", "max_seconds")
SPEC_HELP = ("model ids or id prefixes, Python files, folders of model files, or importable "
             "modules; default: the project's models ([tool.distcheck] in pyproject.toml), "
             "else every bundled model")
DEBUG_HELP = "on an internal error, print the full traceback"
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


def _size(text: str) -> int:
    from distcheck.engines.budget import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (0 <= value and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r} must be a fraction >= 0 (0.05 is 5%%)")
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


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction from 0 to 1 (e.g. 0.9)")
    return value


def _positive(text: str) -> int:
    """A count that must be at least 1: a bound or budget of 0 would check nothing."""
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} would check nothing; give a number >= 1")
    return value


def _check_bounds(args: argparse.Namespace, engine: str | None = None, pinned: str = "") -> None:
    """BadInput when the engine would silently ignore a bound given on the command line.

    ``engine`` is the one a model runs with when not ``--engine``; ``pinned``
    says where it was set.
    """
    engine = args.engine or engine or "bfs"
    honoured = ENGINE_BOUNDS[engine]
    search = [o for o, on in (("--storage", getattr(args, "storage", None)),
                              ("--symmetry", getattr(args, "symmetry", False)),
                              ("--workers", getattr(args, "workers", None))) if on]
    if search and engine != "bfs":
        raise BadInput(f"--engine {engine}{pinned} cannot honour {search[0]}: it applies to the "
                       "exhaustive search (use --engine bfs)")
    for bound in BOUNDS:
        if getattr(args, bound) is not None and bound not in honoured:
            option = "--" + bound.replace("_", "-")
            raise BadInput(
                f"--engine {engine}{pinned} cannot honour {option}; it honours "
                f"{', '.join('--' + b.replace('_', '-') for b in honoured)} and is bounded by "
                "--runs and --steps (or use --engine bfs)"
            )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="distcheck", description="Check protocol models: exhaustively, by simulation, with Hypothesis or with Z3.",
                     epilog=EXIT_CODES)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    # every command takes --debug too; SUPPRESS keeps the top-level value when it is absent
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    lst = sub.add_parser("list", parents=[debug], help="list your models and the bundled ones: claims, "
                         "parameters, properties")
    lst.add_argument("models", nargs="*", metavar="SPEC",
                     help="list only these (default: your models, then the bundled catalogue)")
    lst.add_argument("--bundled", action="store_true", help=BUNDLED_HELP)

    chk = sub.add_parser("check", parents=[debug], help="check models and print the verdict table",
                         epilog=EXIT_CODES)
    chk.add_argument("models", nargs="*", metavar="SPEC", help=SPEC_HELP)
    chk.add_argument("--bundled", action="store_true", help=BUNDLED_HELP)
    chk.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    chk.add_argument("--property", action="append", default=None, metavar="NAME",
                     help="check only this property (repeatable)")
    chk.add_argument("--engine", default=None, choices=list(ENGINE_BOUNDS),
                     help="engine for safety properties (default: the model's pinned engine, "
                     "else bfs)")
    chk.add_argument("--max-states", type=_positive, metavar="N",
                     help="store at most N distinct states over the whole command (bfs, "
                     "simulate, liveness; a model is charged once for its searches); the "
                     "verdict is then inconclusive unless a violation was found")
    chk.add_argument("--max-depth", type=_positive, metavar="N",
                     help="search no deeper than depth N, initial states being depth 1 (bfs, "
                     "liveness; simulate's walks are bounded by --steps)")
    chk.add_argument("--max-seconds", type=_seconds, metavar="S",
                     help="stop the whole command after S seconds (every engine and phase)")
    chk.add_argument("--max-memory", type=_size, metavar="SIZE",
                     help="stop searching once the process's resident memory reaches SIZE "
                     "(e.g. 2G, 500M); the verdict is then inconclusive")
    chk.add_argument("--storage", choices=["states", "fingerprints"], default=None,
                     help="bfs: keep whole states (default) or 64-bit fingerprints (about 110 "
                     "bytes per state in all for two-phase commit, against 250); the collision probability is reported")
    chk.add_argument("--workers", type=_positive, metavar="N", default=None,
                     help="bfs: split the search among N processes (default 1); they store "
                     "fingerprints, and bounds on states or depth keep one process")
    chk.add_argument("--symmetry", action="store_true",
                     help="bfs: explore one state per renumbering of the nodes a model declares "
                     "symmetric (counts shrink, verdicts do not change)")
    chk.add_argument("--seed", type=_integer, default=None,
                     help="seed for the sampling engines (default 0)")
    chk.add_argument("--runs", type=_positive, metavar="N",
                     help="random walks (simulate) or examples (hypothesis)")
    chk.add_argument("--steps", type=_positive, metavar="K",
                     help="steps per walk (simulate) or per example (hypothesis)")
    dl = chk.add_mutually_exclusive_group()
    dl.add_argument("--deadlock", dest="deadlock", action="store_true", default=None,
                    help="report states without successors (default: as the model says)")
    dl.add_argument("--no-deadlock", dest="deadlock", action="store_false")
    chk.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    chk.add_argument("--junit", metavar="FILE", help="also write the verdicts as JUnit XML")
    chk.add_argument("--save-traces", metavar="DIR",
                     help="where counterexample traces are written (default: ./traces)")
    chk.add_argument("--coverage", action="store_true",
                     help="explore every reachable state even once each property is decided, "
                     "so that action coverage is complete (an action that never fires fails)")
    chk.add_argument("--baseline", metavar="FILE",
                     help="compare verdicts, state counts and coverage with FILE (written by "
                     "'check --json'); exit 4 on drift")
    chk.add_argument("--update-baseline", action="store_true",
                     help="with --baseline: write this run's results to FILE instead of "
                     "comparing (deliberately accepting the change)")
    chk.add_argument("--tolerance", type=_fraction, default=0.0, metavar="F",
                     help="with --baseline: a count may move by this fraction without being "
                     "drift (default 0: exact)")
    chk.add_argument("--quiet", "-q", action="store_true",
                     help="print no progress on stderr (no heartbeat, no live display)")
    chk.add_argument("--heartbeat", type=_seconds, default=None, metavar="S",
                     help="when stderr is not a terminal, print a progress line every S "
                     "seconds (default 10)")

    dif = sub.add_parser("diff", parents=[debug], epilog=EXIT_CODES,
                         help="compare two 'check --json' documents: verdicts, counts, coverage "
                         "(exit 4 on drift)")
    dif.add_argument("old", metavar="OLD.json")
    dif.add_argument("new", metavar="NEW.json")
    dif.add_argument("--tolerance", type=_fraction, default=0.0, metavar="F",
                     help="a count may move by this fraction without being drift (default 0)")

    rep = sub.add_parser("replay", parents=[debug], help="re-execute a saved trace and print its step table")
    rep.add_argument("file", metavar="FILE")
    rep.add_argument("--json", action="store_true", help="print the outcome as JSON")
    rep.add_argument("--mermaid", metavar="FILE",
                     help="also write the trace as a Mermaid sequence diagram (.md or .mmd)")
    mini = sub.add_parser("minimize", parents=[debug], help="shrink a saved trace to fewer steps, faults and "
                          "nodes that still violate its property")
    mini.add_argument("file", metavar="FILE")
    mini.add_argument("--output", "-o", metavar="FILE2",
                      help="where to write the result (default: FILE with .min.json)")
    mini.add_argument("--in-place", action="store_true", help="overwrite FILE")
    mini.add_argument("--json", action="store_true", help="print the figures as JSON")
    mini.add_argument("--max-seconds", type=_seconds, metavar="S",
                      help="stop after S seconds with the shortest trace found so far")
    prv = sub.add_parser("prove", parents=[debug], help="prove a model's Z3 properties for all values "
                         "(exit 0 every verdict as expected, 1 one differs)")
    prv.add_argument("models", nargs="*", metavar="SPEC", help=SPEC_HELP)
    prv.add_argument("--bundled", action="store_true", help=BUNDLED_HELP)
    prv.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    prv.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                     help="solver time limit per query in seconds (default: 30)")
    prv.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    prv.add_argument("--unbounded", action="store_true",
                     help="prove the invariants of models with typed fields for any number of "
                     "nodes, by induction (exit 3 when only inconclusive verdicts differ)")
    prv.add_argument("--infer", action="store_true",
                     help="with --unbounded: infer auxiliary invariants and print them as Python")
    prv.add_argument("--save-traces", metavar="DIR",
                     help="where refutations are written as one-step traces (default: ./traces)")
    gra = sub.add_parser("graph", parents=[debug], help="export a model's reachable state graph (DOT, GraphML, "
                         "JSON); small DOT graphs are also drawn as SVG when graphviz is installed")
    gra.add_argument("model", metavar="SPEC",
                     help="one model: its id, or a file or module that defines only it")
    gra.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    gra.add_argument("--format", choices=["dot", "graphml", "json"], default=None,
                     help="default: from the --output suffix (.dot/.gv, .graphml, .json), else dot")
    gra.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    gra.add_argument("--max-states", type=_positive, metavar="N",
                     help="refuse graphs larger than this (default: 5000)")
    fam = sub.add_parser("report", parents=[debug], epilog=EXIT_CODES,
                         help="check a family's models and write its Markdown page, or "
                         "(--html) a self-contained HTML report of any models")
    fam.add_argument("family", metavar="SPEC", nargs="*",
                     help="a family (model id prefix, e.g. locks), or your models: a file, folder "
                     "or module; with --html any number of SPECs (default: as 'check')")
    fam.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    fam.add_argument("--html", metavar="OUT.html",
                     help="write one self-contained HTML page (verdicts, coverage, step tables, "
                     "sequence diagrams and small state graphs as inline SVG; opens offline)")
    lin = sub.add_parser("linearizable", parents=[debug], help="check a recorded history (Jepsen-style "
                         "JSON lines) for linearizability (exit 0 linearizable, 1 not, 3 inconclusive)")
    lin.add_argument("history", metavar="HISTORY.jsonl",
                     help="one event per line: process, type (invoke/ok/fail/info), f, value")
    lin.add_argument("--model", required=True, choices=["register", "kv", "counter"],
                     help="the object's sequential specification")
    lin.add_argument("--initial", metavar="JSON",
                     help="the initial value of the register or of every key (default: null; a "
                     "counter starts at 0)")
    lin.add_argument("--max-seconds", type=_seconds, metavar="S",
                     help="give up after S seconds: inconclusive, exit 3")
    lin.add_argument("--json", action="store_true", help="print the outcome as JSON")
    mut = sub.add_parser("mutate", parents=[debug], help="plant protocol mistakes in models' "
                         "actions and report how many the checks catch (exit 0 every score "
                         "reaches --min-score, 1 one is below, 3 only unfinished mutants)")
    mut.add_argument("models", nargs="*", metavar="SPEC", help=SPEC_HELP)
    mut.add_argument("--bundled", action="store_true", help=BUNDLED_HELP)
    mut.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    mut.add_argument("--engine", default="bfs", choices=list(ENGINE_BOUNDS),
                     help="engine for safety properties (default: bfs)")
    mut.add_argument("--max-states", type=_positive, metavar="N",
                     help="store at most N distinct states in each search (default: the model "
                     "unbounded, each mutant 5 times the model's states)")
    mut.add_argument("--max-depth", type=_positive, metavar="N",
                     help="search no deeper than depth N (bfs, liveness)")
    mut.add_argument("--max-seconds", type=_seconds, metavar="S",
                     help="stop the whole run after S seconds; mutants not checked by then "
                     "are reported as unfinished")
    mut.add_argument("--min-score", type=_fraction, default=0.9, metavar="F",
                     help="the score every model must reach, a fraction (default: 0.9)")
    mut.add_argument("--sweep", action="append", type=_param, default=[],
                     metavar="NAME=V[,V...]", help="re-check each survivor with this parameter "
                     "changed, one value at a time (repeatable)")
    mut.add_argument("--operator", action="append", default=None, metavar="NAME",
                     help="use only this mutation operator (repeatable; default: all)")
    mut.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    con = sub.add_parser("conform", parents=[debug], help="run a trace or a model on the real "
                         "system an adapter drives (trace: exit 0 reproduced, 1 diverged, "
                         "3 not reproduced; model: 0 no divergence, 1 diverged)")
    con.add_argument("target", nargs="?", metavar="TRACE|MODEL",
                     help="a saved trace (.json), or one model's id, file or module")
    con.add_argument("--adapter", metavar="MODULE:CLASS",
                     help="the adapter class (e.g. distcheck.conformance.redis_locks:RedisPyLock)")
    con.add_argument("--repeat", type=_positive, default=1, metavar="N",
                     help="a trace: run it N times and report how often it reproduced")
    con.add_argument("--runs", type=_positive, default=20, metavar="N",
                     help="a model: random walks (default: 20)")
    con.add_argument("--steps", type=_positive, default=20, metavar="K",
                     help="a model: steps per walk (default: 20)")
    con.add_argument("--seed", type=_integer, default=0, help="a model: seed of the walks")
    con.add_argument("--param", "-p", action="append", type=_param, default=[],
                     metavar="NAME=VALUE", help="a model: set a parameter (repeatable)")
    con.add_argument("--json", action="store_true", help="print the outcome as JSON")
    con.add_argument("--save-traces", metavar="DIR",
                     help="where a model run's divergence is saved (default: ./traces)")
    con.add_argument("--record", metavar="FILE",
                     help="also record the outcome and this command in a results file "
                     "(e.g. models/locks/conformance.json, read by 'distcheck report')")
    con.add_argument("--refresh", metavar="FILE",
                     help="re-run every command recorded in FILE and rewrite it")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit code follows the table in this module's docstring.

    Every exception ends in one line on stderr: bad input (2), an interruption
    (130), and anything else as an internal error (5) that names where to
    report it; ``--debug`` adds the traceback.  A reader that closes the pipe
    early (``distcheck check | head -1``) is not an error.
    """
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
        "linearizable": cmd_linearizable,
        "conform": cmd_conform,
        "diff": cmd_diff,
        "mutate": cmd_mutate,
    }
    from distcheck.contract.catalog import take_broken

    take_broken()  # notes of an earlier in-process run are not this one's
    try:
        code = handlers[args.command](args)
    except BadInput as exc:
        _report_broken(take_broken())
        _error(str(exc))
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_OK
    except OSError as exc:  # a file the commands did not check beforehand (they check most)
        where = f" {exc.filename}" if exc.filename else ""
        _error(f"cannot read or write{where}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # every traceback is a bug: say so in one line
        if args.debug:
            import traceback

            traceback.print_exc()
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        _error(f"internal error ({what[:300]}); this is a bug in distcheck, please report it "
               f"to {_report_to()} with the command you ran"
               + ("" if args.debug else " and the traceback that --debug prints"))
        return EXIT_INTERNAL
    broken = take_broken()
    _report_broken(broken)
    return EXIT_BAD_INPUT if broken else code


def _report_broken(lines: list[str]) -> None:
    """One line per model file or model the command left out (the rest ran): exit 2."""
    for line in lines:
        _error(line)


def _error(message: str) -> None:
    """One line on stderr, whatever the message holds (it may quote a hostile file)."""
    try:
        print(f"distcheck: {printable(message)}", file=sys.stderr, flush=True)
    except OSError:  # stderr itself is gone: the exit code still says it
        pass


def _stdout_to_devnull() -> None:
    """After a reader closed stdout: make the interpreter's final flush a no-op too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured by a test)
        pass


def _emit(show: Callable[[], None]) -> None:
    """Print the command's output; a closed pipe ends the output, not the command."""
    try:
        show()
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()


def _report_to() -> str:
    """Where to report a bug: the package's declared issue tracker, else a description."""
    try:
        from importlib.metadata import metadata

        for entry in metadata("distcheck").get_all("Project-URL") or ():
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("issues", "bug tracker", "bugs", "tracker"):
                return url.strip()
    except Exception:  # no metadata is not worth a second error
        pass
    return REPORT_FALLBACK


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

    from distcheck.contract.errors import ModelError
    from distcheck.contract.model import declared_params
    from distcheck.engines.budget import construct

    try:
        model = construct(cls, {})
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
    from distcheck.contract.errors import ModelError
    from distcheck.contract.model import declared_params, unknown_parameter
    from distcheck.engines.budget import construct

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
            models.append(construct(cls, values))
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
             progress: Any, budget: Any = None) -> Any:
    """The engine, bounds and budget one model is checked with: the command line's
    values, else those pinned for the model in pyproject.toml, else the defaults.

    ``--max-states`` and ``--max-seconds`` are the command's ``budget`` (shared by
    every model), not the model's own bounds: a bound pinned for one model applies
    to it when the command line does not give that bound.
    """
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
            if budget is None or bound == "max_depth":  # depth is per search by nature
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
        seed=args.seed if args.seed is not None else 0,
        runs=args.runs,
        steps=args.steps,
        check_deadlock=args.deadlock,
        progress=progress,
        budget=budget,
        storage=getattr(args, "storage", None) or "states",
        symmetry=bool(getattr(args, "symmetry", False)),
        workers=getattr(args, "workers", None) or 1,
    )


SAMPLING_OPTIONS = ("runs", "steps", "seed")


def _check_sampling(args: argparse.Namespace, model_id: str, engine: str) -> None:
    """BadInput when --runs, --steps or --seed is given for a model whose engine has no use for it."""
    if engine in ("simulate", "hypothesis"):
        return
    for name in SAMPLING_OPTIONS:
        if getattr(args, name) is not None:
            raise BadInput(
                f"--{name} applies to the sampling engines (simulate, hypothesis), but {model_id} "
                f"is checked with {engine}, which explores every state; add --engine simulate "
                f"or --engine hypothesis, or drop --{name}"
            )


def _plan_traces(plan: OutputPlan, given: str | None,
                 checked: list[tuple[Model, list[str]]]) -> tuple[Path, str | None]:
    """The trace folder and every trace file the run may write into it, checked now.

    A trace name taken by a folder is found before the run, not after it.
    The default folder may be deferred when no checked property is expected
    to be violated: a read-only checkout whose models hold still passes, and a
    problem with the folder becomes an error only if a trace must be written.
    Returns the folder and the deferred problem, if any.
    """
    from distcheck.traces import tracefile

    folder = Path(given or DEFAULT_TRACE_DIR)
    option = "--save-traces" if given else "traces folder"
    try:
        plan.folder(folder, option)
        for model, names in checked:
            for name in names:
                plan.file(folder / tracefile.file_name(model.id, name), option)
    except BadInput as exc:
        problem = str(exc) if given else f"{exc}; give --save-traces DIR"
        expected = any(p.expect == "violated" for model, names in checked
                       for p in model.properties if p.name in names)
        if given or expected:
            raise BadInput(problem) from None
        return folder, problem
    return folder, None


def _save_traces(results: list[Any], folder: Path, deferred: str | None, root: Path) -> list[str]:
    """Write every result's trace into ``folder``; the problems, one line each, if any failed."""
    from distcheck.traces import tracefile

    problems: list[str] = []
    for r in results:
        if r.trace is None:
            continue
        if deferred is not None:
            return [f"{deferred} (for the trace of {r.model} {r.property})"]
        try:
            path = folder / tracefile.file_name(r.model, r.property)
            r.trace_file = str(tracefile.save(r.trace, path, root))
        except BadInput as exc:
            problems.append(str(exc))
    return problems


@contextmanager
def _no_hypothesis_folder(active: bool) -> Iterator[None]:
    """Keep the Hypothesis engine from creating ``.hypothesis/`` in the user's folder.

    The engine uses no example database, but Hypothesis still caches the
    constants it finds in source files under its storage folder (the current
    directory by default).  Unless the user chose a folder
    (HYPOTHESIS_STORAGE_DIRECTORY), it gets a temporary one, removed afterwards.
    """
    if not active or os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    import tempfile

    from hypothesis import configuration

    with tempfile.TemporaryDirectory(prefix="distcheck-hypothesis-") as scratch:
        configuration.set_hypothesis_home_dir(scratch)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(None)  # back to Hypothesis's own default


def cmd_check(args: argparse.Namespace) -> int:
    from distcheck.cli.progress import HEARTBEAT_EVERY, interruptible, make_progress, showing
    from distcheck.contract import catalog
    from distcheck.contract.errors import ModelError
    from distcheck.engines.budget import Budget
    from distcheck.engines.checker import (
        check_model,
        checked_properties,
        cut_results,
        no_such_property,
    )
    from distcheck.outputs import gate
    from distcheck.outputs.tables import print_results, results_json

    if args.engine is not None:
        _check_bounds(args)  # before anything is loaded
        _check_sampling(args, "every model", args.engine)
    if args.update_baseline and not args.baseline:
        raise BadInput("--update-baseline rewrites the file given by --baseline FILE; add it")
    baseline = None
    if args.baseline and not args.update_baseline:
        baseline = gate.load(args.baseline, "--baseline")
    config = catalog.project_config()
    budget = Budget(args.max_seconds, args.max_states, args.max_memory)
    try:
        with budget.watching():
            models = instantiate_all(args.models, args.param, bundled=args.bundled, config=config)
    except BudgetExhausted as exc:
        print(f"distcheck: {exc.cut} while building the models: nothing was checked; "
              "give more --max-seconds", file=sys.stderr)
        return EXIT_INCONCLUSIVE
    progress = make_progress(sys.stderr, args.quiet, args.heartbeat or HEARTBEAT_EVERY)
    options = [_options(m.id, args, config, progress, budget) for m in models]
    for model, opts in zip(models, options, strict=True):
        _check_sampling(args, model.id, opts.engine)
        opts.coverage = args.coverage
    checked = [[p.name for p in checked_properties(m, o)] for m, o in zip(models, options, strict=True)]
    for name in args.property or ():
        if not any(name in names for names in checked):
            if len(models) == 1:
                raise no_such_property(name, models[0].id, checked[0])
            raise no_such_property(name, None)
    runs: list[tuple[Any, Any, list[str] | None]] = []
    for model, opts, names in zip(models, options, checked, strict=True):
        only = None
        if args.property:
            only = [n for n in args.property if n in names]
            if not only:
                continue
        runs.append((model, opts, only if only is not None else names))

    # Every output is checked before the (possibly long) run, and against the others.
    plan = OutputPlan()
    if args.junit:
        plan.file(args.junit, "--junit")
    if args.update_baseline:
        plan.file(args.baseline, "--baseline")
    save_dir, deferred = _plan_traces(plan, args.save_traces,
                                      [(m, names or []) for m, _, names in runs])

    results = []
    with _no_hypothesis_folder(any(o.engine == "hypothesis" for _, o, _ in runs)), \
            budget.watching(), interruptible(budget), showing(progress):
        for index, (model, opts, only) in enumerate(runs, start=1):
            if progress is not None:
                progress.begin(model.id, index, len(runs))
            try:
                results += check_model(model, opts, only if args.property else None)
            except KeyboardInterrupt:  # a search that did not stop when asked: cut it, go on
                if budget.interrupted is None:
                    budget.interrupt("SIGINT")
                props = [p for p in checked_properties(model, opts) if p.name in (only or ())]
                results += cut_results(model, props, f"search cut: {budget.spent}", opts.engine)
            except ModelError as exc:  # its own code fails: the other models' verdicts still count
                if len(runs) == 1:
                    raise
                catalog.note_broken(f"{exc}; its verdicts are missing")

    # An output that fails now still leaves the verdicts on stdout; the exit is 2.
    problems = _save_traces(results, save_dir, deferred, catalog.project_root(config))
    if args.junit:
        from distcheck.outputs.junit import write_junit

        try:
            write_junit(results, args.junit)
        except BadInput as exc:
            problems.append(str(exc))
    entries = gate.model_entries(models, results, {m.id: o for m, o, _ in runs})
    extra = {"interrupted": budget.interrupted} if budget.interrupted else {}
    document = results_json(results, entries, **extra)
    drift = None
    if baseline is not None:
        drift = gate.compare(baseline, json.loads(document), args.tolerance)
    elif args.update_baseline:
        try:
            write_atomic(args.baseline, document + "\n", "--baseline")
        except BadInput as exc:
            problems.append(str(exc))
    dead = gate.dead_actions(results)

    def show() -> None:
        if args.json:
            print(document)
            return
        print_results(results)
        for model, names in dead:
            print(printable(f"coverage: {model}: never fired in a complete search: "
                            f"{', '.join(names)} (a mistyped guard? if intended, declare "
                            "may_be_dead = {\"name\": \"reason\"} in the model)"))
        partial = sum(1 for e in entries if e["coverage"] and not e["coverage"]["complete"])
        if partial:
            print(f"coverage: partial for {partial} model{'s' if partial != 1 else ''} (a search "
                  "stopped once its properties were decided, or was cut); --coverage explores "
                  "to the end")
        if args.update_baseline:
            print(printable(f"baseline {args.baseline} rewritten ({len(results)} results)"))

    _emit(show)
    if drift is not None:  # on stderr with --json, so stdout stays one document
        text = drift.text(args.baseline, "this run")
        _emit(lambda: (sys.stderr if args.json else sys.stdout).write(text))
    if problems:
        more = f" (and {len(problems) - 1} more output problems)" if len(problems) > 1 else ""
        raise BadInput(problems[0] + more)
    if budget.interrupted:
        _error(f"interrupted by {budget.interrupted}: results so far written, the rest "
               "inconclusive")
        return EXIT_INTERRUPTED
    return check_exit_code(results, bool(dead), drift is not None and drift.drifted)


def check_exit_code(results: list[Any], dead: bool = False, drifted: bool = False) -> int:
    """0 all as expected; 1 a verdict differs or an action never fired (``dead``); else 4 on
    drift from a baseline; else 3 when every other result is inconclusive because a bound cut
    its search (CI can tell "out of budget" from "broken design")."""
    from distcheck.contract.verdict import INCONCLUSIVE

    differing = [r for r in results if not r.as_expected]
    cut_only = all(r.verdict == INCONCLUSIVE and r.extra.get("cut") for r in differing)
    if dead or (differing and not cut_only):
        return EXIT_DIFFERS
    if drifted:
        return EXIT_DRIFT
    return EXIT_INCONCLUSIVE if differing else EXIT_OK


# --------------------------------------------------------------------------- diff


def cmd_diff(args: argparse.Namespace) -> int:
    """``distcheck diff OLD NEW``: the gate's baseline comparison, offline."""
    from distcheck.outputs import gate

    old = gate.load(args.old, "OLD")
    new = gate.load(args.new, "NEW")
    drift = gate.compare(old, new, args.tolerance)
    _emit(lambda: sys.stdout.write(drift.text(args.old, args.new)))
    return EXIT_DRIFT if drift.drifted else EXIT_OK


# --------------------------------------------------------------------------- mutate


def cmd_mutate(args: argparse.Namespace) -> int:
    from distcheck.contract import catalog
    from distcheck.contract.model import declared_params, unknown_parameter
    from distcheck.engines.bfs import Bounds
    from distcheck.engines.budget import Budget
    from distcheck.engines.checker import Options
    from distcheck.engines.mutate import OPERATORS, UNFINISHED, Settings, mutate_model, parse_sweep
    from distcheck.outputs.mutation import mutation_json, print_mutation

    operators = tuple(args.operator or OPERATORS)
    for op in operators:
        if op not in OPERATORS:
            raise BadInput(f"unknown mutation operator {op!r}; choose from {', '.join(OPERATORS)}")
    config = catalog.project_config()
    classes = catalog.select(args.models, bundled=args.bundled, config=config)
    for name, _ in [*args.param, *args.sweep]:
        if not any(name in declared_params(cls) for cls in classes):
            if len(classes) == 1:
                raise unknown_parameter(classes[0], name)
            raise BadInput(f"no selected model has a parameter {name!r}; see 'distcheck list'")
    sweep = [{name: value} for name, values in parse_sweep(args.sweep) for value in values]
    runs = []
    budget = Budget(args.max_seconds)
    progress = sys.stderr.isatty() and not args.json
    with budget.watching():
        for cls in classes:
            declared = declared_params(cls)
            values = _pinned_params(cls, config, {n for n, _ in args.param})
            values.update({n: declared[n].parse(v) for n, v in args.param if n in declared})
            for name, value in [(k, v) for s in sweep for k, v in s.items()]:
                declared[name].parse(value) if name in declared else None  # bad text: exit 2 now
            options = Options(engine=args.engine, bounds=Bounds(args.max_states, args.max_depth))
            settings = Settings(options, values, sweep, operators)
            if progress:
                sys.stderr.write(f"\r\033[K  mutating {cls.id} ...")
            runs.append(mutate_model(cls, settings, budget, catalog.project_root(config)))
            if progress:
                sys.stderr.write("\r\033[K")
    _emit(lambda: print(mutation_json(runs, args.min_score)) if args.json
          else print_mutation(runs, args.min_score))
    if any(r.score is not None and r.score < args.min_score for r in runs):
        return EXIT_DIFFERS
    if any(r.count(UNFINISHED) for r in runs):
        return EXIT_INCONCLUSIVE
    return EXIT_OK


# --------------------------------------------------------------------------- replay


def cmd_replay(args: argparse.Namespace) -> int:
    import json

    from distcheck.outputs.tables import print_replay
    from distcheck.traces import tracefile
    from distcheck.traces.replay import replay

    target = OutputPlan().file(args.mermaid, "--mermaid") if args.mermaid else None
    trace = tracefile.load(args.file)
    rep = replay(trace)
    problem = None
    if target is not None:
        from distcheck.outputs.diagrams import sequence_diagram

        chart = sequence_diagram(trace)
        try:
            write_atomic(target, f"```mermaid\n{chart}```\n" if target.suffix == ".md" else chart,
                         "--mermaid")
        except BadInput as exc:
            problem = exc
    if args.json:
        _emit(lambda: print(json.dumps({
            "file": args.file, "model": trace.model, "property": trace.property,
            "reproduced": rep.reproduced, "failed_step": rep.failed_step, "problem": rep.problem,
            "trace_length": len(trace),
        }, indent=2)))
    else:
        _emit(lambda: print_replay(rep))
    if problem is not None:
        raise problem
    return EXIT_OK if rep.reproduced else EXIT_DIFFERS


# --------------------------------------------------------------------------- minimize


def cmd_minimize(args: argparse.Namespace) -> int:
    return _minimize(args.file, args.output, args.in_place, args.json, args.max_seconds)


def _minimize(file: str, output: str | None, in_place: bool, as_json: bool,
              max_seconds: float | None = None) -> int:
    """``distcheck minimize``: 0 written, 1 the trace is stale, BadInput (2) if unreadable."""
    import json

    from distcheck.contract.files import target as real_path
    from distcheck.outputs.tables import console, step_table
    from distcheck.traces import tracefile
    from distcheck.traces.minimize import default_output, minimize_trace

    source = Path(file)
    if in_place and output is not None:
        raise BadInput("give either --output FILE or --in-place, not both")
    target_path = source if in_place else Path(output) if output else default_output(source)
    option = "--in-place" if in_place else "--output"
    if not in_place and real_path(target_path) == real_path(source):
        raise BadInput(f"--output {target_path} is the input file; add --in-place to overwrite it")
    OutputPlan().file(target_path, option)
    trace = tracefile.load(source)
    outcome = minimize_trace(trace, max_seconds)
    if isinstance(outcome, str):
        if as_json:
            _emit(lambda: print(json.dumps({"file": file, "reproduced": False, "problem": outcome},
                                           indent=2)))
        _error(f"{file}: {outcome}; regenerate it with 'distcheck check'")
        return EXIT_DIFFERS
    written = tracefile.save(outcome.trace, target_path)
    if as_json:
        _emit(lambda: print(json.dumps({"file": file, "output": str(written), "reproduced": True,
                                        **outcome.to_json()}, indent=2)))
        return EXIT_OK

    def show() -> None:
        from rich.text import Text

        c = console()
        c.print(step_table(outcome.trace))
        c.print(Text(printable(f"minimised {file}: {outcome.summary()} in {outcome.seconds:.2f}s")))
        c.print(Text(printable(f"written to {written} (replay with 'distcheck replay {written}')")))

    _emit(show)
    return EXIT_OK


# --------------------------------------------------------------------------- prove


def cmd_prove(args: argparse.Namespace) -> int:
    from distcheck.contract import catalog
    from distcheck.engines.z3prove import proof_properties
    from distcheck.outputs.tables import print_proofs, results_json

    if args.infer and not args.unbounded:
        raise BadInput("--infer proposes invariants for a proof for any number of nodes; "
                       "add --unbounded")
    config = catalog.project_config()
    models = instantiate_all(args.models, args.param, bundled=args.bundled, config=config)
    if args.unbounded:
        return _prove_unbounded(args, models, config)
    save_dir, deferred = _plan_traces(OutputPlan(), args.save_traces,
                                      [(m, [p.name for p in proof_properties(m)]) for m in models])
    results = _interruptible_proofs(models, args.timeout)
    problems = _save_traces(results, save_dir, deferred, catalog.project_root(config))
    _emit(lambda: print(results_json(results)) if args.json else print_proofs(results))
    if problems:
        raise BadInput(problems[0])
    return EXIT_OK if all(r.as_expected for r in results) else EXIT_DIFFERS


def _prove_unbounded(args: argparse.Namespace, models: list[Any], config: Any) -> int:
    from distcheck.contract import catalog
    from distcheck.contract.typed import typed_fields
    from distcheck.engines.induction import prove_unbounded
    from distcheck.outputs.tables import print_unbounded, results_json

    typed = [m for m in models if typed_fields(m.cls) is not None]
    if not typed:
        names = ", ".join(m.id for m in models[:3]) + (", ..." if len(models) > 3 else "")
        raise BadInput(f"no selected model declares typed state fields ({names}); --unbounded "
                       "proves models with Fields(...) (e.g. transactions.twophase)")
    save_dir, deferred = _plan_traces(OutputPlan(), args.save_traces, [
        (m, [p.name for p in m.properties if p.kind == "invariant"]) for m in typed])
    results = _interruptible_proofs(typed, args.timeout, lambda ms, timeout: [
        r for m in ms for r in prove_unbounded(m, args.infer, timeout)])
    problems = _save_traces(results, save_dir, deferred, catalog.project_root(config))
    _emit(lambda: print(results_json(results)) if args.json else print_unbounded(results))
    if problems:
        raise BadInput(problems[0])
    differ = [r for r in results if not r.as_expected]
    if not differ:
        return EXIT_OK
    return EXIT_INCONCLUSIVE if all(r.verdict == "inconclusive" for r in differ) else EXIT_DIFFERS


def _interruptible_proofs(models: list[Model], timeout: float,
                          prove: Callable[[list[Any], float], list[Any]] | None = None) -> list[Any]:
    """``prove_models`` in a worker thread, so that Ctrl-C interrupts the solver.

    Z3 runs its search in C and by default traps SIGINT itself, answering
    ``unknown`` and letting the command carry on to the next query.  Here Z3
    leaves SIGINT alone; the main thread waits, receives the KeyboardInterrupt,
    and cancels the solver through its context (Z3's own, thread-safe way).
    """
    import threading

    from distcheck.engines.z3prove import _z3, prove_models

    z3 = _z3()
    z3.set_param("ctrl_c", False)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["results"] = (prove or prove_models)(models, timeout)
        except BaseException as exc:  # re-raised in the main thread, where the CLI reports it
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="distcheck-prove", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        z3.main_ctx().interrupt()
        worker.join(5.0)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["results"]


# --------------------------------------------------------------------------- graph


def cmd_graph(args: argparse.Namespace) -> int:
    from distcheck.contract import catalog
    from distcheck.outputs.graphs import check_outputs, run_cli

    if args.output:
        check_outputs(args.output, args.format)  # before the model is even loaded
    models = instantiate_all([args.model], args.param, config=catalog.project_config())
    if len(models) != 1:
        raise BadInput(f"{args.model!r} names {len(models)} models; 'distcheck graph' takes one "
                       f"model: give its id ({', '.join(m.id for m in models[:3])}"
                       f"{', ...' if len(models) > 3 else ''})")
    return run_cli(models[0], args.format, args.output, args.max_states)


# --------------------------------------------------------------------------- report


def cmd_report(args: argparse.Namespace) -> int:
    from distcheck.outputs.pages import write

    if args.html:
        if args.output:
            raise BadInput("give either --html OUT.html or --output PAGE.md, not both")
        return _report_html(args)
    if len(args.family) != 1:
        raise BadInput("the Markdown page is one family's: give one SPEC (e.g. 'distcheck report "
                       "locks'), or --html OUT.html for a report of several")
    args.family = args.family[0]
    output = OutputPlan().file(args.output, "--output") if args.output else None
    text, results = write(args.family, output)
    if output is None:
        _emit(lambda: sys.stdout.write(text))
    else:
        print(f"wrote {output} ({len(results)} verdicts)", file=sys.stderr)
    return EXIT_OK if all(r.as_expected for r in results) else EXIT_DIFFERS


def _report_html(args: argparse.Namespace) -> int:
    from distcheck.contract import catalog
    from distcheck.engines import graph as state_graph
    from distcheck.engines.bfs import Bounds
    from distcheck.engines.checker import Options, check_model
    from distcheck.outputs.html import MAX_GRAPH_STATES, report

    target = OutputPlan().file(args.html, "--html")
    config = catalog.project_config()
    models = instantiate_all(args.family, [], config=config)
    sections, graphs, results = [], {}, []
    for model in models:
        mine = check_model(model, Options(coverage=True))
        sections.append((model, mine))
        results += mine
        if any(r.trace is not None and r.stats.total_states > 0 for r in mine):  # explored
            g = state_graph.build(model, Bounds(max_states=MAX_GRAPH_STATES + 1))
            if g.cut is None and len(g) <= MAX_GRAPH_STATES:
                graphs[model.id] = g
    write_atomic(target, report(sections, graphs), "--html")
    print(f"wrote {target} ({len(results)} verdicts, {len(models)} models)", file=sys.stderr)
    from distcheck.outputs.gate import dead_actions

    return check_exit_code(results, bool(dead_actions(results)))


# --------------------------------------------------------------------------- linearizable


def cmd_linearizable(args: argparse.Namespace) -> int:
    import json

    from distcheck.properties.history import HistoryError, read_jsonl
    from distcheck.properties.linearizability import (
        INCONCLUSIVE,
        LINEARIZABLE,
        SPECS,
        check_linearizable,
        validate,
    )

    spec_args: list[Any] = []
    if args.initial is not None:
        try:
            spec_args.append(json.loads(args.initial))
        except json.JSONDecodeError:
            raise BadInput(f"--initial {args.initial!r} is not a JSON value (e.g. 0, null, "
                           '"a")') from None
        if args.model == "counter" and not isinstance(spec_args[0], int):
            raise BadInput(f"--initial {args.initial!r}: a counter starts at a whole number")
    spec = SPECS[args.model](*spec_args)
    try:
        with open(args.history, encoding="utf-8") as lines:
            history = read_jsonl(lines, source=args.history)
        validate(history, spec, args.history)
    except HistoryError as exc:
        raise BadInput(f"{exc}; see 'distcheck linearizable --help' for the format") from None
    except UnicodeDecodeError:
        raise BadInput(f"{args.history} is not UTF-8 text; give a JSON-lines history") from None
    result = check_linearizable(history, spec, max_seconds=args.max_seconds)
    if args.json:
        _emit(lambda: print(json.dumps({"format": "distcheck-linearizability", "version": 1,
                                        "file": args.history, "model": args.model,
                                        **result.to_json()}, indent=2)))
    else:
        _emit(lambda: _print_linearizability(result, args.model))
    if result.verdict == LINEARIZABLE:
        return EXIT_OK
    return EXIT_INCONCLUSIVE if result.verdict == INCONCLUSIVE else EXIT_DIFFERS


def _print_linearizability(result: Any, model: str) -> None:
    print(printable(f"{result.verdict}: {result.operations:,} operations ({model}), "
                    f"{result.seconds:.2f} s, {result.explored:,} search steps"))
    if result.verdict == "inconclusive":
        print(printable(f"{result.explanation}; raise --max-seconds"))
        return
    if not result.failing:
        return
    count = len(result.failing)
    shrunk = ("time ran out while shrinking it: not minimal" if not result.minimal
              else "it fails on its own" if count == 1
              else "removing any one makes it linearizable")
    print(f"failing sub-history ({count} operation{'s' if count > 1 else ''}; {shrunk}):")
    for op in result.failing:
        span = f"lines {op.invoke}-{op.complete}" if op.complete is not None else f"line {op.invoke}-"
        print(printable(f"  {span:<14} {op.describe()}"))
    print(printable(f"why: {result.explanation}"))
# --------------------------------------------------------------------------- conform


def cmd_conform(args: argparse.Namespace) -> int:
    """0 reproduced / no divergence, 1 diverged, 3 not reproduced; the worst over --refresh."""
    from distcheck.conformance import run
    from distcheck.contract import catalog
    from distcheck.outputs.conformance import run_cli

    config = catalog.project_config()
    outcomes = run_cli(args, lambda specs, params: instantiate_all(specs, params, config=config),
                       build_parser().parse_args)
    codes = {run.REPRODUCED: EXIT_OK, run.NO_DIVERGENCE: EXIT_OK, run.DIVERGED: EXIT_DIFFERS,
             run.NOT_REPRODUCED: EXIT_INCONCLUSIVE}
    return max(codes[o] for o in outcomes)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
