"""Re-executing a saved trace against the current model.

Replay starts from the recorded initial state, applies each recorded step
(action name and arguments) and compares the state it reaches with the
recorded one.  It stops at the first step that no longer applies or leads
elsewhere, and finally confirms that the property still fails where the trace
says it does.  Kinds of property added by other engines register a final check
in :data:`FINAL_CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from distcheck.contract import catalog
from distcheck.contract.compiled import (
    BoundAction,
    BoundProperty,
    CompiledModel,
    action_arguments,
    call_action,
    property_holds,
)
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import DEADLOCK, Step, declared_params
from distcheck.contract.state import canonical_text, to_json
from distcheck.contract.verdict import Trace, reading
from distcheck.engines.budget import construct

#: kind -> check(model, prop, trace, states, steps) returning None when the
#: trace still shows the violation, else one line saying why it does not.
FinalCheck = Callable[[CompiledModel, BoundProperty, Trace, list[Any], list[Step]], str | None]
FINAL_CHECKS: dict[str, FinalCheck] = {}


def _proof_check(model: CompiledModel, prop: BoundProperty, trace: Trace, states: list[Any],
                 steps: list[Step]) -> str | None:
    from distcheck.engines.z3prove import final_check  # lazily: z3 is slow to import

    return final_check(model, prop, trace, states, steps)


FINAL_CHECKS["proof"] = _proof_check


def _liveness_check(model: CompiledModel, prop: BoundProperty, trace: Trace, states: list[Any],
                    steps: list[Step]) -> str | None:
    from distcheck.engines.liveness import final_check  # lazily: replay needs no engine loaded

    return final_check(model, prop, trace, states, steps)


FINAL_CHECKS["liveness"] = _liveness_check
#: the kind of a trace that records where a real system diverged from the model
#: (``distcheck conform``): its steps are the model's, and what made it a counterexample
#: happened on the real system, so replay checks the steps and nothing after them
CONFORMANCE = "conformance"
#: kinds whose traces hold a solver's concrete values, not an execution of the
#: model's actions: replay skips the step loop and FINAL_CHECKS re-checks them
VALUE_TRACE_KINDS: set[str] = {"proof"}


@dataclass
class Replay:
    """What happened when a trace was re-executed."""

    trace: Trace
    model: CompiledModel | None = None
    states: list[Any] = field(default_factory=list)  # raw states reached, s0..sk
    steps: list[Step] = field(default_factory=list)
    failed_step: int | None = None  # 0 = initial state, i = the i-th step
    problem: str | None = None  # why the trace is stale, if it is

    @property
    def reproduced(self) -> bool:
        return self.problem is None


def instantiate(trace: Trace) -> CompiledModel:
    """The model a trace names, with the trace's parameters (BadInput if impossible).

    The model is looked up where the trace says it came from first, so a
    user's trace replays from the user's project without naming the file.
    """
    cls = catalog.get(trace.model, trace.source)
    known = declared_params(cls)
    unknown = [k for k in trace.params if k not in known]
    if unknown:
        raise BadInput(
            f"trace parameters {unknown} are not parameters of model {trace.model} "
            f"(it has: {', '.join(known) or 'none'}); the trace is stale, regenerate it"
        )
    try:
        # Param.validate accepts JSON's int for a float parameter
        model = construct(cls, trace.params, " (the trace's parameters)")
    except ModelError:
        raise
    except BadInput as exc:
        raise BadInput(f"trace parameters do not fit model {trace.model}: {exc}") from None
    # a trace is short: every state it reaches is held to the whole state contract, and
    # an action that changes its input in place is named (distcheck.contract.statecheck)
    model.contract.verify = True
    return model


def replay(trace: Trace) -> Replay:
    """Re-execute ``trace``; the result says whether it still reproduces and where it breaks.

    The steps it re-executed also give the trace its reading (``verdict.Reading``: lanes, shape).
    """
    out = _replay(trace, instantiate(trace))
    if out.states and out.model is not None:
        trace.reading = reading(out.model, trace, out.states, out.steps)
    return out


def _replay(trace: Trace, model: CompiledModel) -> Replay:
    out = Replay(trace, model)
    if trace.kind in VALUE_TRACE_KINDS:
        prop = model.property_named(trace.property)
        if prop is None or prop.kind != trace.kind:
            out.problem = f"model {model.id} has no {trace.kind} {trace.property!r} any more"
        else:
            out.problem = FINAL_CHECKS[trace.kind](model, prop, trace, [], [])
        out.failed_step = None if out.problem is None else len(trace.steps)
        return out
    want = canonical_text(trace.initial)
    start = next(
        (s for s in model.initial_states() if canonical_text(model.describe(s)) == want), None
    )
    if start is None:
        out.failed_step, out.problem = 0, "the recorded initial state is not an initial state of the model"
        return out
    out.states.append(start)
    s = start
    for i, recorded in enumerate(trace.steps, start=1):
        a = model.action_named(recorded.action)
        if a is None:
            out.failed_step, out.problem = i, f"action {recorded.action!r} no longer exists"
            return out
        if recorded.branch is not None and not a.branching:
            out.failed_step = i
            out.problem = f"{recorded.label()}: action {a.name} no longer branches"
            return out
        if recorded.branch is None and a.branching:
            out.failed_step = i
            out.problem = f"{recorded.label()}: action {a.name} branches now; the step names no branch"
            return out
        if recorded.branch is not None:
            a = a.with_branch(recorded.branch)
        args = _find_args(model, a, s, recorded.args)
        if args is None:
            out.failed_step = i
            out.problem = f"{recorded.label()} is not in the action's parameter domain any more"
            return out
        step = a.step(args)
        t = call_action(model, a, s, args)
        if t is None:
            out.failed_step, out.problem = i, f"{step} is not enabled in the state before it"
            return out
        if canonical_text(model.describe(t)) != canonical_text(recorded.state):
            out.failed_step = i
            out.problem = f"{step} now leads to a different state than the recorded one"
            out.states.append(t)
            out.steps.append(step)
            return out
        out.states.append(t)
        out.steps.append(step)
        s = t
    if trace.kind == CONFORMANCE:
        return out
    prop = model.traced_property(trace.property)
    if prop is None:
        out.problem = f"model {model.id} has no property {trace.property!r} any more"
        return out
    out.problem = _final_check(model, prop, trace, out.states, out.steps)
    if out.problem is not None:
        out.failed_step = len(trace.steps)
    return out


def _find_args(model: CompiledModel, a: BoundAction, s: Any, recorded: dict[str, Any]) -> tuple | None:
    if sorted(recorded) != sorted(a.arg_names):
        return None
    want = canonical_text(recorded)
    for args in action_arguments(model, a, s):
        if canonical_text(to_json(dict(zip(a.arg_names, args, strict=True)))) == want:
            return tuple(args)
    return None


def _final_check(
    model: CompiledModel, prop: BoundProperty, trace: Trace, states: list[Any], steps: list[Step]
) -> str | None:
    last = states[-1]
    if prop.kind in FINAL_CHECKS:
        return FINAL_CHECKS[prop.kind](model, prop, trace, states, steps)
    if prop.kind == "invariant":
        assert prop.check is not None
        holds = property_holds(model, prop.name, prop.check, last)
        return None if not holds else f"invariant {prop.name} now holds in the last state"
    if prop.kind == DEADLOCK:
        return "the last state has a successor now: no deadlock" if model.has_successor(last) else None
    if prop.kind == "action":
        if not steps:
            return "an action-property trace needs at least one step"
        assert prop.check is not None
        ok = property_holds(model, prop.name, prop.check, states[-2], steps[-1], last)
        return None if not ok else f"action property {prop.name} now holds for the last step"
    return f"cannot replay a property of kind {prop.kind!r}"
