"""One entry point for checking a model: each property goes to the engine for its kind.

Safety kinds (``invariant``, ``action``, ``sometimes``, ``deadlock``) go to the
engine the user picked (``bfs`` by default).  Other kinds (``liveness``,
``proof``, ...) have a runner of their own, registered in :data:`KIND_RUNNERS`
by dotted path so that start-up imports nothing heavy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from explorer.bfs import Bounds, Progress
from explorer.errors import BadInput
from explorer.model import BoundProperty, Model
from explorer.verdict import Result

SAFETY_KINDS = ("invariant", "action", "sometimes")


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


Runner = Callable[[Model, list[BoundProperty], Options], list[Result]]

#: engine name -> "module:function" checking the safety kinds
SAFETY_ENGINES: dict[str, str] = {
    "bfs": "explorer.checker:run_bfs",
    "simulate": "explorer.simulate:run",
    "hypothesis": "explorer.hypothesis_bridge:run",
}

#: property kind -> "module:function" for kinds the safety engines do not handle
KIND_RUNNERS: dict[str, str] = {}
KIND_RUNNERS["proof"] = "explorer.z3prove:run"
KIND_RUNNERS["measure"] = "explorer.measure:run"
KIND_RUNNERS["liveness"] = "explorer.liveness:run"


def run_bfs(model: Model, props: list[BoundProperty], options: Options) -> list[Result]:
    from explorer import bfs

    return bfs.check(model, props, options.bounds, options.progress, options.check_deadlock)


def _load(path: str) -> Runner:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def engines() -> list[str]:
    return list(SAFETY_ENGINES)


def check_model(model: Model, options: Options, only: list[str] | None = None) -> list[Result]:
    """Check every property of ``model`` (or those named in ``only``)."""
    if options.engine not in SAFETY_ENGINES:
        raise BadInput(
            f"unknown engine {options.engine!r}; choose one of {', '.join(SAFETY_ENGINES)}"
        )
    props = model.properties
    if only:
        names = {p.name for p in props} | ({"deadlock"} if model.check_deadlock else set())
        missing = [n for n in only if n not in names]
        if missing:
            raise BadInput(
                f"model {model.id} has no property {missing[0]!r}; its properties are: "
                f"{', '.join(sorted(names))}"
            )
        props = [p for p in props if p.name in only]
    safety = [p for p in props if p.kind in SAFETY_KINDS]
    results: list[Result] = []
    deadlock = options.check_deadlock
    if only is not None and "deadlock" not in only:
        deadlock = False
    if safety or (model.check_deadlock if deadlock is None else deadlock):
        opts = Options(**{**options.__dict__, "check_deadlock": deadlock})
        results += _load(SAFETY_ENGINES[options.engine])(model, safety, opts)
    by_kind: dict[str, list[BoundProperty]] = {}
    for p in props:
        if p.kind not in SAFETY_KINDS:
            by_kind.setdefault(p.kind, []).append(p)
    for kind, group in by_kind.items():
        if kind not in KIND_RUNNERS:
            raise BadInput(f"model {model.id}: no engine checks properties of kind {kind!r}")
        results += _load(KIND_RUNNERS[kind])(model, group, options)
    order = {p.name: i for i, p in enumerate(model.properties)}
    results.sort(key=lambda r: order.get(r.property, len(order)))
    return results
