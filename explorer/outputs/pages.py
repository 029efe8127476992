"""A family's Markdown page, generated from its models and a live checker run.

``distcheck report FAMILY`` checks every model of the family at its default
parameters and renders one page: a table of every (model, property) with the
claims, the expected verdict and the verdict found, the bounds checked
(parameters, states, depth, whether the search was exhaustive), and the
counterexample's length and committed file; then one section per model with
its docstring, which is where each model states what a designer should take
away.  Nothing on the page is written by hand, so it cannot drift from the
models or from what the checker says.  Seconds are left out on purpose: the
page is the same on every machine and every run.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from distcheck.conformance import results as conformance_results
from distcheck.contract import catalog
from distcheck.contract.compiled import build_model, compile_model
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.files import write_atomic
from distcheck.contract.model import Model
from distcheck.contract.typed import typed_fields
from distcheck.contract.verdict import Result
from distcheck.engines.checker import Options, check_model
from distcheck.engines.induction import ENGINE as INDUCTION
from distcheck.engines.induction import prove_or_infer
from distcheck.outputs import mutation as mutation_results
from distcheck.traces import tracefile

#: the repository root (where ``models/`` and ``counterexamples/`` live)
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Section:
    """One model and its results."""

    model: Model
    results: list[Result]
    #: False: the page says the model has no proof for any number of nodes (no typed fields)
    covered: bool = True


def check_family(family: str, options: Options | None = None) -> list[Section]:
    """Check every model of ``family`` at its default parameters (BadInput if none)."""
    options = options or Options()
    sections = []
    classes = catalog.select([family])
    typed = any(typed_fields(cls) is not None for cls in classes)
    for cls in classes:
        try:
            model = build_model(cls).model  # the sections read the author's class and docstring
            results = check_model(model, options)
            if typed_fields(cls) is not None:
                results += prove_or_infer(compile_model(model))
        except ModelError as exc:  # its own code fails: the page still shows the others
            if len(classes) == 1:
                raise
            catalog.note_broken(f"{exc}; it was left out of the page")
            continue
        sections.append(Section(model, results, covered=typed_fields(cls) is not None or not typed))
    if not sections:
        raise BadInput(catalog.take_broken()[0])
    return sections


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _params(model: Model) -> str:
    values = compile_model(model).param_values
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "none"


def _bounds(r: Result) -> str:
    if r.kind == "measure":
        return "computed, not explored"
    if r.engine == INDUCTION:
        if r.verdict == "holds":
            return f"**proved for {r.extra['unbounded']['proved_for']}** (induction)"
        cti = r.extra["unbounded"].get("cti")
        return f"counterexample to induction with {cti['nodes_text']}" if cti else r.engine
    if r.kind == "proof":
        if r.verdict == "holds":
            return f"**proved for all values** ({r.engine})"
        return f"{r.engine}: {r.extra.get('solver', {}).get('answer', r.verdict)}"
    s = r.stats
    if s.distinct_states == 0:
        return r.engine
    if s.complete:
        how = "exhaustive"
    elif r.trace is not None:
        how = "stopped at the violation"
    elif r.kind == "sometimes" and r.verdict == "holds":
        how = "stopped once reached"
    else:
        how = "cut by a bound"
    return f"{s.distinct_states:,} states, depth {s.depth}, {how}"


def _counterexample(r: Result, traces_dir: Path, page_dir: Path) -> str:
    if r.engine == INDUCTION:  # the explorer's row of the same property links the trace
        if r.verdict != "violated":
            return ""
        reached = r.extra["unbounded"].get("cti", {}).get("reached")
        return "reachable: a real bug" if reached else "not reachable, but the explorer finds a violation"
    if r.trace is None:
        return r.reason if r.kind == "measure" else ""
    # a solver's counterexample is its concrete values, which the reason renders
    text = r.reason if r.kind == "proof" else f"{len(r.trace)} steps"
    path = traces_dir / tracefile.file_name(r.model, r.property)
    if path.exists():
        link = Path(os.path.relpath(path, page_dir)).as_posix()
        text += f" ([{path.name}]({link}))"
    else:
        text += " (not committed)"
    return text


def _verdict(r: Result) -> str:
    cause = r.shown_verdict[len(r.verdict):] if r.because and "verdict" in r.because else ""
    if r.as_expected:
        return f"**{r.verdict}**{cause}"
    return f"**{r.verdict}**{cause} (expected {r.shown_expected}: differs!)"


def _docstring(model: Model) -> tuple[str, str]:
    doc = inspect.getdoc(type(model)) or ""
    title, _, body = doc.partition("\n")
    return title.strip(), body.strip()


def render(
    family: str,
    sections: Iterable[Section],
    *,
    traces_dir: Path | None = None,
    page_dir: Path | None = None,
    models_from: str | None = None,
) -> str:
    """The Markdown page for ``family``; links are relative to ``page_dir``.

    ``models_from`` names where a user's models live (Markdown); the default
    is the bundled family's folder, whose package docstring then introduces
    the page.
    """
    sections = list(sections)
    top = family.split(".", 1)[0]  # a prefix such as locks.release lives in its family's folders
    traces_dir = traces_dir if traces_dir is not None else ROOT / "counterexamples" / top
    page_dir = page_dir if page_dir is not None else ROOT
    results = [r for sec in sections for r in sec.results]
    differ = [r for r in results if not r.as_expected]
    # only the families whose real-system runs are recorded get the column
    recorded = _recorded(ROOT / "models" / top / conformance_results.FILE_NAME) \
        if models_from is None else {}
    claims = sorted({c for r in results for c in r.claims}, key=_claim_order)

    out = [
        f"# The `{family}` family",
        "",
        f"Generated by `distcheck report {family}` from the models in "
        f"{models_from or f'`models/{top}/`'} and a",
        "live checker run at each model's default parameters; do not edit by hand.",
        "Explored properties are checked by breadth-first search within the bounds shown, so",
        "each counterexample is a shortest trace; *proof* rows are decided by Z3 for all",
        "values, *induction* rows for any number of nodes; *measure* rows are computed.",
        "Replay any counterexample with",
        "`distcheck replay FILE`.",
        "",
        *(_family_intro(family) if models_from is None else []),
        f"{len(sections)} models, {len(results)} properties"
        + (f", claims {', '.join(claims)}: " if claims else ": ")
        + ("every verdict as expected." if not differ
           else f"**{len(differ)} verdicts differ from the expected ones.**"),
        "",
        "| model | claims | property | engine | expected | verdict | parameters "
        "| bounds checked | counterexample / figure |" + (" on a real system |" if recorded else ""),
        "|---|---|---|---|---|---|---|---|---|" + ("---|" if recorded else ""),
    ]
    for sec in sections:
        for r in sec.results:
            out.append(
                "| " + " | ".join(_cell(x) for x in (
                    f"`{r.model}`", ", ".join(r.claims), r.property, r.engine, r.shown_expected,
                    _verdict(r), _params(sec.model), _bounds(r),
                    _counterexample(r, traces_dir, page_dir),
                    *([recorded.get((r.model, r.property), "")] if recorded else []),
                )) + " |"
            )
    if recorded:
        out += ["", "*On a real system*: `distcheck conform` runs of the counterexample on a "
                "real server, recorded in", f"`models/{top}/{conformance_results.FILE_NAME}` "
                f"(regenerate with `distcheck conform --refresh models/{top}/"
                f"{conformance_results.FILE_NAME}`).", *_model_runs(recorded)]
    if models_from is None:
        out += _mutation_section(top, ROOT / "models" / top / mutation_results.MUTATION_FILE)
    out += ["", "## The designs", ""]
    shown_modules: set[str] = set()
    for sec in sections:
        module = type(sec.model).__module__
        if module not in shown_modules:  # a module's docstring introduces its variants once
            shown_modules.add(module)
            doc = inspect.getdoc(importlib.import_module(module)) or ""
            heading, _, intro = doc.partition("\n")
            out += [f"### {heading.strip() or module}", ""]
            if intro.strip():
                out += [intro.strip(), ""]
        title, body = _docstring(sec.model)
        out += [f"#### `{sec.model.id}`: {title}", ""]
        if body:
            out += [body, ""]
        stories = [
            f"- {r.property} is violated in {len(r.trace)} steps: "
            + ", ".join(st.label() for st in r.trace.steps) + "."
            for r in sec.results if r.verdict == "violated" and r.trace is not None
        ]
        if stories:
            out += [*stories, ""]
        if not sec.covered:
            out += ["No proof for any number of nodes: the state declares no typed fields "
                    "(they cover per-node enums and flags, node sets and tagged message sets; "
                    "not yet clocks, TTLs, counters or FIFO queues).", ""]
    return "\n".join(out).rstrip() + "\n"


def _recorded(path: Path) -> dict[tuple[str, str], str]:
    """(model, property) -> what the committed conformance runs found, as a table cell."""
    cells: dict[tuple[str, str], str] = {}
    for e in conformance_results.load(path):
        how = e["outcome"] + (f" at step {e['step']}" if e["outcome"] == "diverged" else "")
        text = f"{how} ({e['frequency']}; {e['system']}, `{e['adapter'].split(':')[-1]}`)"
        key = (e["model"], e["property"])
        cells[key] = f"{cells[key]}; {text}" if key in cells else text
    return cells


def _model_runs(recorded: dict[tuple[str, str], str]) -> list[str]:
    """The model-based runs (no single property): one line each under the table."""
    runs = [f"- `{model}` against the real system: {text}."
            for (model, prop), text in recorded.items() if prop == "conformance"]
    return ["", "Model-based runs (random walks on the model and the real system side by side):",
            "", *runs] if runs else []


def _mutation_section(family: str, path: Path) -> list[str]:
    """How strong the family's properties are: its committed ``distcheck mutate`` results."""
    doc = mutation_results.load_results(path)
    if doc is None:
        return []
    score = doc.get("score")
    out = ["", "## How strong are these properties? (mutation testing)", "",
           f"`distcheck mutate {family}` planted {doc.get('mutants', 0)} one-line protocol "
           "mistakes in these models' actions, one at a time, and checked each mutant at the "
           "default parameters: a mutant is *killed* when some verdict changes. Read from "
           f"`models/{family}/{mutation_results.MUTATION_FILE}` (regenerate with "
           f"`distcheck mutate {family} --json > models/{family}/"
           f"{mutation_results.MUTATION_FILE}`).",
           "",
           f"Score {_percent(score)} (killed over killed and survived): {doc.get('killed', 0)} "
           f"killed, {doc.get('survived', 0)} survived, {doc.get('equivalent', 0)} declared "
           f"equivalent, {doc.get('unfinished', 0)} unfinished.",
           "",
           "| model | mutants | killed | survived | equivalent | unfinished | score |",
           "|---|---|---|---|---|---|---|"]
    for m in doc["models"]:
        out.append("| " + " | ".join(_cell(str(x)) for x in (
            f"`{m.get('model')}`", m.get("mutants"), m.get("killed"), m.get("survived"),
            m.get("equivalent"), m.get("unfinished"), _percent(m.get("score")))) + " |")
    for status, heading in (("survived", "Survivors (a mistake no verdict notices)"),
                            ("equivalent", "Declared equivalent (harmless, with the reason)"),
                            ("unfinished", "Unfinished")):
        rows = [(m["model"], r) for m in doc["models"] for r in m.get("results", [])
                if r.get("status") == status]
        if not rows:
            continue
        out += ["", f"{heading}:", ""]
        for model, r in rows:
            why = f": {r['reason']}" if r.get("reason") and status != "survived" else ""
            killed_at = [s for s in r.get("sweep", []) if s.get("status") == "killed"]
            if killed_at:
                why += " (killed at " + "; ".join(
                    ", ".join(f"{k}={v}" for k, v in s["params"].items()) for s in killed_at) + ")"
            out.append(f"- `{model}` `{r.get('id')}` ({r.get('description', '')}){why}")
    return out


def _percent(score: object) -> str:
    return f"{score:.1%}" if isinstance(score, (int, float)) else "-"


def _family_intro(family: str) -> list[str]:
    """The family package's docstring (``models/<family>/__init__.py``), if it has one."""
    try:
        package = importlib.import_module(f"distcheck.models.{family}")
    except ImportError:
        return []
    doc = inspect.getdoc(package)
    return [doc, ""] if doc else []


def _claim_order(claim: str) -> tuple[str, int, str]:
    prefix, _, rest = claim.partition("-")
    digits = "".join(ch for ch in rest if ch.isdigit())
    return prefix, int(digits) if digits else 0, rest


def write(family: str, output: Path | None, options: Options | None = None
          ) -> tuple[str, list[Result]]:
    """Check ``family``, render its page (links relative to ``output``'s folder) and write it."""
    sections = check_family(family, options)
    page_dir = output.resolve().parent if output is not None else Path.cwd()
    if all(catalog.is_bundled(type(sec.model)) for sec in sections):
        text = render(family, sections, page_dir=page_dir)
    else:  # a user's models: their files, and the traces 'distcheck check' saves by default
        root = catalog.project_root(catalog.project_config())
        files = dict.fromkeys(catalog.source_of(type(sec.model), root).get("file", type(sec.model).__module__)
                              for sec in sections)
        text = render(family, sections, page_dir=page_dir, traces_dir=root / "traces",
                      models_from=", ".join(f"`{f}`" for f in files))
    if output is not None:
        write_atomic(output, text, "--output")
    return text, [r for sec in sections for r in sec.results]
