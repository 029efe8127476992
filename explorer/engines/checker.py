"""One entry point for checking a model: each property goes to the engine for its kind.

Safety kinds (``invariant``, ``action``, ``sometimes``, ``deadlock``) go to the
engine the user picked (``bfs`` by default).  Other kinds (``liveness``,
``proof``, ...) have a runner of their own, registered in :data:`KIND_RUNNERS`
by dotted path so that start-up imports nothing heavy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from distcheck.contract.compiled import AnyModel, BoundProperty, CompiledModel, compile_model
from distcheck.contract.errors import BadInput, BudgetExhausted
from distcheck.contract.model import DEADLOCK
from distcheck.contract.verdict import INCONCLUSIVE, Result, Stats
from distcheck.engines.bfs import SAFETY_KINDS, Bounds, Progress
from distcheck.engines.budget import Budget, out_of_memory


@dataclass
class Options:
    """Everything a run may be told on the command line."""

    engine: str = "bfs"
    bounds: Bounds = field(default_factory=Bounds)
    seed: int = 0
    runs: int | None = None
    steps: int | None = None
    check_deadlock: bool | None = None
    progress: Progress | None = None
    #: the command's budget, shared by every model checked with these options
    budget: Budget | None = None
    #: explore to the end even once every property is decided: complete action coverage
    coverage: bool = False
    #: bfs: "states" or "fingerprints" (engines.fingerprints); symmetry reduction
    storage: str = "states"
    symmetry: bool = False
    workers: int = 1
    #: also check each expected violation's stated cause (the property holds without it)
    causes: bool = True


Runner = Callable[[CompiledModel, list[BoundProperty], Options], list[Result]]

#: engine name -> "module:function" checking the safety kinds
SAFETY_ENGINES: dict[str, str] = {
    "bfs": "distcheck.engines.checker:run_bfs",
    "simulate": "distcheck.engines.simulate:run",
    "hypothesis": "distcheck.engines.hypothesis_bridge:run",
}

#: property kind -> "module:function" for kinds the safety engines do not handle
KIND_RUNNERS: dict[str, str] = {}
KIND_RUNNERS["proof"] = "distcheck.engines.z3prove:run"
KIND_RUNNERS["measure"] = "distcheck.engines.measure:run"
KIND_RUNNERS["liveness"] = "distcheck.engines.liveness:run"


def run_bfs(model: CompiledModel, props: list[BoundProperty], options: Options) -> list[Result]:
    from distcheck.engines import bfs

    return bfs.check(model, props, options.bounds, options.progress, budget=options.budget,
                     full=options.coverage, storage=options.storage,
                     symmetry=options.symmetry, workers=options.workers)


def _load(path: str) -> Runner:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def checked_properties(model: AnyModel, options: Options) -> list[BoundProperty]:
    """What a run with ``options`` checks on ``model``: its properties, and ``deadlock`` when on.

    The one place that decides whether deadlock is checked: ``--deadlock`` /
    ``--no-deadlock`` when given, else the model's ``check_deadlock``.
    """
    return compile_model(model).checked_properties(options.check_deadlock)


def no_such_property(name: str, model_id: str | None, known: Sequence[str] = ()) -> BadInput:
    """The error for ``--property name`` that model ``model_id`` (None: any selected) lacks.

    ``known`` is what the model does check.  ``deadlock`` is only missing when
    not asked for, so its error says how to ask.
    """
    if name == DEADLOCK:
        who = f"model {model_id} checks" if model_id else "the selected models check"
        return BadInput(f"{who} deadlock only when asked: pass --deadlock")
    if model_id is None:
        return BadInput(f"no selected model has a property {name!r}; "
                        "'distcheck list' shows each model's")
    return BadInput(f"model {model_id} has no property {name!r}; its properties are: "
                    f"{', '.join(sorted(known))}")


def check_model(model: AnyModel, options: Options, only: list[str] | None = None) -> list[Result]:
    """Check every property of ``model`` (or those named in ``only``)."""
    model = compile_model(model)
    if options.engine not in SAFETY_ENGINES:
        raise BadInput(
            f"unknown engine {options.engine!r}; choose one of {', '.join(SAFETY_ENGINES)}"
        )
    props = checked_properties(model, options)
    if only:
        names = [p.name for p in props]
        missing = [n for n in only if n not in names]
        if missing:
            raise no_such_property(missing[0], model.id, names)
        props = [p for p in props if p.name in only]
    groups: list[tuple[Runner, list[BoundProperty]]] = []
    safety = [p for p in props if p.kind in SAFETY_KINDS]
    if safety:
        groups.append((_load(SAFETY_ENGINES[options.engine]), safety))
    by_kind: dict[str, list[BoundProperty]] = {}
    for p in props:
        if p.kind not in SAFETY_KINDS:
            by_kind.setdefault(p.kind, []).append(p)
    for kind, group in by_kind.items():
        if kind not in KIND_RUNNERS:
            raise BadInput(f"model {model.id}: no engine checks properties of kind {kind!r}")
        groups.append((_load(KIND_RUNNERS[kind]), group))
    budget = options.budget
    if budget is not None:
        budget.begin_model(model.id)
    results: list[Result] = []
    for runner, group in groups:
        spent = budget.exhausted() if budget is not None else None
        if spent is not None:
            results += cut_results(model, group, f"not started: {spent}", options.engine)
            continue
        try:
            results += runner(model, group, options)
        except BudgetExhausted as exc:  # the budget's timer stopped a phase without checks
            results += cut_results(model, group, f"search cut: {exc.cut}", options.engine)
        except MemoryError:  # outside the searches' own guard (model construction, init)
            phase = budget.phase if budget is not None else f"checking {model.id}"
            results += cut_results(model, group, f"search cut: {out_of_memory(phase)}",
                                   options.engine)
    order = {p.name: i for i, p in enumerate(model.properties)}
    results.sort(key=lambda r: order.get(r.property, len(order)))
    if options.causes:
        check_causes(model, props, results, options)
    return results


def check_causes(model: CompiledModel, props: list[BoundProperty], results: list[Result],
                 options: Options) -> None:
    """Record on each result the check of its stated cause (``because``).

    A property expected to be violated because of some settings (``{"pauses": 0}``) must
    hold with those settings: it is checked there with the same engine and bounds, and a
    verdict other than ``holds`` makes the result differ.  Properties whose settings the
    run already uses are left as they are.
    """
    from distcheck.engines.budget import construct

    by_name = {p.name: p for p in props}
    for r in results:
        p = by_name.get(r.property)
        if p is None or p.because is None:
            continue
        if isinstance(p.because, str):
            r.because = {"text": p.because}
            continue
        if all(model.param_values.get(n) == v for n, v in p.because.items()):
            continue
        try:
            other = construct(model.cls, {**model.param_values, **p.because},
                              f" (the cause stated for {p.name})")
        except BadInput as exc:
            r.because = {"params": dict(p.because), "verdict": INCONCLUSIVE, "reason": str(exc)}
            continue
        inner = replace(options, causes=False)
        (found,) = check_model(other, inner, [p.name])
        r.because = {"params": dict(p.because), "verdict": found.verdict,
                     "reason": found.reason}
        if found.trace is not None:
            r.because["trace_length"] = len(found.trace)
        if found.extra.get("cut"):
            r.because["cut"] = found.extra["cut"]


def cut_results(model: CompiledModel, props: list[BoundProperty], reason: str,
                engine: str) -> list[Result]:
    """``inconclusive`` for each of ``props``: a bound of the command cut their check (``reason``)."""
    return [Result(model.id, model.param_values, p.name, p.kind, p.expect, INCONCLUSIVE, reason,
                   Stats(), engine, claims=tuple(p.claims), extra={"cut": reason})
            for p in props]

