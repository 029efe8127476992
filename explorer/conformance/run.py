"""Running a model and a real system side by side, step by step.

Both runs below keep the model states the real system's history is
consistent with (*candidates*): after each step, the successors of every
candidate under the step's action and arguments (every branch, for a
branching action) whose rendered state agrees with what the real system
showed.  No candidate left is a divergence.  A deterministic model keeps
one candidate; a real system that resolves a race differently from the
recorded trace keeps the branch it took.

:func:`conform_trace` re-executes a saved counterexample: *reproduced* when
every step agrees and the property fails on the real history, *diverged at
step k* when the real system showed something the model does not allow
there, *not reproduced* when every step agreed but the violation did not
show.  :func:`conform_model` drives seeded random walks through the model's
enabled steps, the same on both sides, and shrinks the first divergence.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from distcheck.conformance.adapter import Adapter, check_methods, check_model, checked, mismatches
from distcheck.contract.compiled import CompiledModel, action_arguments, successors
from distcheck.contract.errors import BadInput
from distcheck.contract.model import Step
from distcheck.contract.state import canonical_text, to_json
from distcheck.contract.verdict import Trace, build_trace
from distcheck.traces.replay import CONFORMANCE, _final_check, replay

REPRODUCED, DIVERGED, NOT_REPRODUCED, NO_DIVERGENCE = (
    "reproduced", "diverged", "not reproduced", "no divergence")


@dataclass
class Row:
    """One step of the side-by-side history: what the model expected, what the real system showed."""

    index: int
    label: str
    model: dict[str, Any]
    real: dict[str, Any]

    @property
    def agrees(self) -> bool:
        return canonical_text(self.model) == canonical_text(self.real)


@dataclass
class Run:
    """One run on the real system."""

    outcome: str
    history: list[Row] = field(default_factory=list)
    step: int | None = None  # the diverging step (0: the initial state)
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    """Every run of one ``distcheck conform`` target."""

    target: str  # the trace file or the model id
    model: str
    property: str
    adapter: str
    system: str
    runs: list[Run]
    saved: Trace | None = None  # model runs: the shrunk divergence
    trace_file: str | None = None  # where ``saved`` was written

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.runs if r.outcome == outcome)

    @property
    def outcome(self) -> str:
        """Reproduced once is reproduced (a race shows its frequency); else any divergence."""
        for outcome in (REPRODUCED, DIVERGED):
            if self.count(outcome):
                return outcome
        return self.runs[0].outcome if self.runs else NOT_REPRODUCED

    @property
    def shown(self) -> Run:
        """The run the report prints: the first with the overall outcome."""
        return next(r for r in self.runs if r.outcome == self.outcome)

    def frequency(self) -> str:
        return f"{self.count(self.outcome)}/{len(self.runs)}"

    def to_json(self) -> dict[str, Any]:
        run = self.shown
        return {
            "target": self.target, "model": self.model, "property": self.property,
            "adapter": self.adapter, "system": self.system, "outcome": self.outcome,
            "frequency": self.frequency(), "runs": len(self.runs), "step": run.step,
            "detail": run.detail, "trace_file": self.trace_file,
            "counts": {o: self.count(o) for o in (REPRODUCED, DIVERGED, NOT_REPRODUCED,
                                                  NO_DIVERGENCE) if self.count(o)},
            "history": [{"step": r.index, "action": r.label, "model": r.model, "real": r.real}
                        for r in run.history],
        }


class _Side:
    """The real system driven step by step, and the model candidates it is consistent with."""

    def __init__(self, model: CompiledModel, adapter: Adapter, initial: list[Any]) -> None:
        self.model, self.adapter = model, adapter
        self.name = type(adapter).__name__
        self.paths: list[tuple[list[Any], list[Step]]] = []
        self.history: list[Row] = []
        seen = checked(adapter.observe(), f"step 0 (initial state): {self.name}.observe()")
        for s in initial:
            if not mismatches(self._view(s), seen, f"{self.name}.observe() at step 0"):
                self.paths.append(([s], []))
        self.history.append(Row(0, "(initial)", self._expected(initial[0], seen), seen))
        self.first_mismatch = None if self.paths else \
            mismatches(self._view(initial[0]), seen, "step 0")

    def _view(self, s: Any) -> Any:
        return to_json(self.adapter.view(self.model.describe(s)))

    def _expected(self, s: Any, seen: dict[str, Any]) -> dict[str, Any]:
        from distcheck.conformance.adapter import lookup

        view = self._view(s)
        return {path: lookup(view, path) for path in seen}

    def step(self, index: int, name: str, kwargs: dict[str, Any],
             recorded: Any | None = None) -> list[tuple[str, Any, Any]]:
        """Take one step on both sides; the mismatches against the expected state, if it diverged.

        ``recorded`` is the model state the trace expects (else the first candidate's first
        successor), used for the history and to explain a divergence.
        """
        label = f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
        what = f"step {index} {label}: {self.name}.{name}()"
        seen = checked(getattr(self.adapter, name)(**kwargs), what)
        seen = {**seen, **checked(self.adapter.observe(), f"step {index} {label}: {self.name}.observe()")}
        action = self.model.action_named(name)
        assert action is not None
        args = tuple(kwargs[a] for a in action.arg_names)
        following = []
        for states, steps in self.paths:
            for view, t in successors(self.model, action, states[-1], args):
                if not mismatches(self._view(t), seen, what):
                    following.append(([*states, t], [*steps, view.step(args)]))
        expected = recorded
        if expected is None:
            nexts = [t for states, _ in self.paths
                     for _, t in successors(self.model, action, states[-1], args)]
            expected = nexts[0] if nexts else None
        self.history.append(Row(index, label, {} if expected is None
                                else self._expected(expected, seen), seen))
        self.paths = _distinct(following)
        if self.paths:
            return []
        return [] if expected is None else mismatches(self._view(expected), seen, what)


def _distinct(paths: list[tuple[list[Any], list[Step]]]) -> list[tuple[list[Any], list[Step]]]:
    """One path per last state: two histories that end alike continue alike."""
    out: dict[Any, tuple[list[Any], list[Step]]] = {}
    for p in paths:
        out.setdefault(p[0][-1], p)
    return list(out.values())


def _explain(name: str, index: int, label: str, diffs: list[tuple[str, Any, Any]]) -> str:
    if not diffs:
        return f"step {index} {label}: the model allows no such step here"
    shown = "; ".join(f"{path}: model {canonical_text(want)}, real {canonical_text(real)}"
                      for path, want, real in diffs[:3])
    return f"step {index} {label}: {shown}"


def _timed(work: Callable[[], Run]) -> Run:
    started = time.perf_counter()
    run = work()
    run.seconds = time.perf_counter() - started
    return run


# --------------------------------------------------------------------------- traces


def conform_trace(trace: Trace, adapter_cls: type[Adapter], target: str, repeat: int = 1) -> Report:
    """Re-execute ``trace`` on the real system ``repeat`` times (see the module docstring)."""
    rep = replay(trace)
    if not rep.reproduced:
        raise BadInput(f"{target}: the trace no longer replays on the model ({rep.problem}); "
                       "regenerate it before running it on a real system")
    model = rep.model
    assert model is not None
    check_model(adapter_cls, model.id)
    adapter = adapter_cls()
    adapter.model_id, adapter.params = model.id, dict(model.param_values)
    check_methods(adapter, list(dict.fromkeys(st.action for st in trace.steps)), target)
    prop = model.traced_property(trace.property)
    if prop is None and trace.kind != CONFORMANCE:
        raise BadInput(f"{target}: model {model.id} has no property {trace.property!r}")
    adapter.start()
    try:
        system = adapter.system()
        runs = [_timed(lambda: _trace_run(model, adapter, trace, rep.states, prop))
                for _ in range(repeat)]
    finally:
        adapter.stop()
    return Report(target, model.id, trace.property, _spec(adapter_cls), system, runs)


def _trace_run(model: CompiledModel, adapter: Adapter, trace: Trace, states: list[Any],
               prop: Any) -> Run:
    adapter.reset()
    side = _Side(model, adapter, [states[0]])
    if not side.paths:
        return Run(DIVERGED, side.history, 0, _explain(side.name, 0, "(initial)",
                                                        side.first_mismatch or []))
    for i, st in enumerate(trace.steps, start=1):
        diffs = side.step(i, st.action, dict(st.args), states[i])
        if not side.paths:
            run = Run(DIVERGED, side.history, i, _explain(side.name, i, side.history[-1].label, diffs))
            if trace.kind == CONFORMANCE and i == len(trace.steps):
                run.outcome, run.detail = REPRODUCED, f"diverges again: {run.detail}"
            return run
    if trace.kind == CONFORMANCE:
        return Run(NOT_REPRODUCED, side.history, None,
                   "every step agreed with the model: the recorded divergence did not show")
    failing = [p for p in side.paths if _final_check(model, prop, trace, *p) is None]
    if len(failing) == len(side.paths):
        return Run(REPRODUCED, side.history, None,
                   f"the real system reached the violation: {trace.message}")
    return Run(NOT_REPRODUCED, side.history, None,
               "every step agreed with the model, but the real history does not show the "
               f"violation of {trace.property}")


def _spec(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# --------------------------------------------------------------------------- model runs


def conform_model(model: CompiledModel, adapter_cls: type[Adapter], runs: int, steps: int,
                  seed: int = 0, shrink: bool = True) -> Report:
    """``runs`` seeded random walks of up to ``steps`` steps on the model and the real system.

    Every walk picks an action uniformly among the enabled ones, then one of
    its argument tuples, as the simulator does.  The first divergence is
    shrunk (steps removed while it still diverges) and kept as a trace.
    """
    check_model(adapter_cls, model.id)
    adapter = adapter_cls()
    adapter.model_id, adapter.params = model.id, dict(model.param_values)
    check_methods(adapter, [a.name for a in model.actions], f"model {model.id}")
    rng = random.Random(seed)
    adapter.start()
    try:
        system = adapter.system()
        done: list[Run] = []
        saved = None
        for _ in range(runs):
            plan: list[tuple[str, dict[str, Any]]] = []
            run = _timed(lambda plan=plan: _walk(model, adapter, rng, steps, plan))
            done.append(run)
            if run.outcome == DIVERGED:
                if shrink:
                    plan = _shrink(model, adapter, plan)
                saved = _divergence_trace(model, adapter, plan, seed)
                break
    finally:
        adapter.stop()
    return Report(model.id, model.id, CONFORMANCE, _spec(adapter_cls), system, done, saved)


def _walk(model: CompiledModel, adapter: Adapter, rng: random.Random, steps: int,
          plan: list[tuple[str, dict[str, Any]]]) -> Run:
    """One random walk; ``plan`` receives the steps taken (to shrink a divergence)."""
    adapter.reset()
    initial = model.initial_states()
    side = _Side(model, adapter, initial)
    if not side.paths:
        return Run(DIVERGED, side.history, 0, _explain(side.name, 0, "(initial)",
                                                        side.first_mismatch or []))
    for i in range(1, steps + 1):
        choices = _enabled(model, side.paths[0][0][-1])
        if not choices:
            break
        name = rng.choice(sorted(choices))
        kwargs = rng.choice(choices[name])
        plan.append((name, kwargs))
        diffs = side.step(i, name, kwargs)
        if not side.paths:
            return Run(DIVERGED, side.history, i, _explain(side.name, i, side.history[-1].label, diffs))
    return Run(NO_DIVERGENCE, side.history)


def _enabled(model: CompiledModel, s: Any) -> dict[str, list[dict[str, Any]]]:
    """Action name -> the argument dicts it is enabled with in ``s``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for a in model.actions:
        for args in action_arguments(model, a, s):
            if successors(model, a, s, args):
                out.setdefault(a.name, []).append(dict(zip(a.arg_names, args, strict=True)))
    return out


def _replay_plan(model: CompiledModel, adapter: Adapter,
                 plan: list[tuple[str, dict[str, Any]]]) -> int | None:
    """Run ``plan`` on both sides: the step it diverges at, or None (no divergence, or a plan
    the model does not allow)."""
    adapter.reset()
    side = _Side(model, adapter, model.initial_states())
    if not side.paths:
        return 0
    for i, (name, kwargs) in enumerate(plan, start=1):
        if name not in _enabled(model, side.paths[0][0][-1]) or \
                kwargs not in _enabled(model, side.paths[0][0][-1])[name]:
            return None
        side.step(i, name, kwargs)
        if not side.paths:
            return i
    return None


def _shrink(model: CompiledModel, adapter: Adapter, plan: list[tuple[str, dict[str, Any]]],
            ) -> list[tuple[str, dict[str, Any]]]:
    """Drop steps, last first, while the shorter plan still diverges (greedy, one pass)."""
    i = len(plan) - 2  # the diverging step stays last
    while i >= 0:
        shorter = plan[:i] + plan[i + 1:]
        at = _replay_plan(model, adapter, shorter)
        if at is not None:
            plan = shorter[:at]
        i -= 1
    return plan


def _divergence_trace(model: CompiledModel, adapter: Adapter,
                      plan: list[tuple[str, dict[str, Any]]], seed: int) -> Trace:
    """The model's side of ``plan`` as a trace, ending with the step the model expected where
    the real system diverged; its message says what the real system did instead."""
    adapter.reset()
    side = _Side(model, adapter, model.initial_states())
    states, taken = side.paths[0] if side.paths else ([model.initial_states()[0]], [])
    detail = "nowhere: the divergence did not show again when the trace was recorded"
    for i, (name, kwargs) in enumerate(plan, start=1):
        states, taken = side.paths[0]
        diffs = side.step(i, name, kwargs)
        if not side.paths:
            detail = _explain(side.name, i, side.history[-1].label, diffs)
            a = model.action_named(name)
            assert a is not None
            args = tuple(kwargs[n] for n in a.arg_names)
            view, t = successors(model, a, states[-1], args)[0]
            states, taken = [*states, t], [*taken, view.step(args)]
            break
    else:
        if side.paths:
            states, taken = side.paths[0]
    message = f"{type(adapter).__name__} ({adapter.system()}) diverged from the model at {detail}"
    return build_trace(model, CONFORMANCE, CONFORMANCE, "conform", message, states, taken, seed)
