"""Counterexample minimisation: delta debugging over the steps of a trace.

A candidate is a sequence of steps (action name and arguments).  It *still
reproduces* when re-executing it from the trace's initial state applies every
step -- each action exists, its arguments are in its domain in the state
before it, and it is enabled there; nothing is skipped -- and reaches a
violation of the same property (an invariant false in a state, an action
property false for a transition, a state without successor for ``deadlock``).
The candidate is cut right after the first violation, so every kept trace
ends where the property breaks, as ``replay`` expects.

The passes, each keeping only candidates that still reproduce:

1. drop fault steps one at a time (last first): a trace with fewer faults
   explains more;
2. ddmin (Zeller's delta debugging, complement removal): drop ever smaller
   chunks of steps until no single step can be dropped (1-minimal);
3. merge argument values: for each argument name, try replacing one value by
   another already used (``client=2`` becomes ``client=0`` everywhere), so
   fewer nodes are involved; then ddmin again.

Used by ``distcheck minimize FILE`` and automatically by the simulate and
Hypothesis engines.  Only safety traces (invariant, action property,
deadlock) are minimised: dropping steps from a liveness lasso breaks its loop.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from distcheck.contract.compiled import (
    AnyModel,
    BoundAction,
    BoundProperty,
    CompiledModel,
    action_arguments,
    call_action,
    compile_model,
    property_holds,
)
from distcheck.contract.errors import BadInput
from distcheck.contract.model import Step
from distcheck.contract.state import canonical_text, to_json
from distcheck.contract.verdict import Trace, build_trace, violation_message
from distcheck.engines.budget import CHECK_EVERY, Meter

MINIMISABLE_KINDS = ("invariant", "action", "deadlock")

#: stop trying candidates after this many re-executions (a safety net for huge traces)
MAX_CANDIDATES = 20_000


class _Cut(Exception):
    """A bound of the command stopped the minimisation (the message says which)."""


@dataclass(frozen=True)
class Target:
    """The property a candidate must still violate."""

    name: str
    kind: str  # invariant | action | deadlock
    check: Callable[..., Any] | None
    doc: str = ""

    @classmethod
    def of(cls, model: AnyModel, name: str) -> Target:
        """The target for property ``name`` of ``model`` (``deadlock`` included)."""
        model = compile_model(model)
        prop = model.traced_property(name)
        if prop is None:
            raise BadInput(f"model {model.id} has no property {name!r} to minimise a trace for")
        return cls.for_property(prop)

    @classmethod
    def for_property(cls, prop: BoundProperty) -> Target:
        if prop.kind not in MINIMISABLE_KINDS:
            raise BadInput(
                f"cannot minimise a trace of a {prop.kind} property ({prop.name}); "
                f"minimise handles {', '.join(MINIMISABLE_KINDS)} traces"
            )
        return cls(prop.name, prop.kind, prop.check, prop.doc)

    def message(self, last_step: Step | None) -> str:
        """The one-line explanation a trace of this violation carries (as BFS writes it)."""
        return violation_message(self.kind, self.name, self.doc, last_step)


@dataclass
class Execution:
    """A candidate that reproduces: the states it went through and the steps taken."""

    states: list[Any]
    steps: list[Step]


def execute(model: AnyModel, target: Target, initial: Any, steps: Sequence[Step],
            meter: Meter | None = None) -> Execution | None:
    """Re-execute ``steps`` from ``initial``; the prefix up to the first violation, or None.

    None when a step does not apply (unknown action, argument out of its
    domain, not enabled) or when no violation of ``target`` is reached.  A
    ``meter`` is asked every few thousand steps (one candidate may be long).
    """
    model = compile_model(model)
    states = [initial]
    taken: list[Step] = []
    if _violated_in(model, target, initial, None, None):
        return Execution(states, taken)
    s = initial
    for i, st in enumerate(steps):
        if meter is not None and i % CHECK_EVERY == CHECK_EVERY - 1 and (cut := meter.over()):
            raise _Cut(cut)
        a = model.action_for(st)
        if a is None or not _in_domain(model, a, s, st.args):
            return None
        t = call_action(model, a, s, st.args)
        if t is None:
            return None
        states.append(t)
        taken.append(st)
        if _violated_in(model, target, t, s, st):
            return Execution(states, taken)
        s = t
    return None


def _in_domain(model: CompiledModel, a: BoundAction, s: Any, args: tuple[Any, ...]) -> bool:
    if a.static_args is not None:
        return args in a.static_args
    return any(args == candidate for candidate in action_arguments(model, a, s))


def _violated_in(model: CompiledModel, target: Target, t: Any, pre: Any, step: Step | None) -> bool:
    if target.kind == "invariant":
        return not property_holds(model, target.name, target.check, t)  # type: ignore[arg-type]
    if target.kind == "action":
        return step is not None and not property_holds(
            model, target.name, target.check, pre, step, t)  # type: ignore[arg-type]
    return not model.has_successor(t)


# --------------------------------------------------------------------------- the search


@dataclass
class Minimized:
    """Outcome of a minimisation: the shorter trace and the figures before and after."""

    trace: Trace
    before_steps: int
    after_steps: int
    before_faults: int
    after_faults: int
    before_values: int
    after_values: int
    candidates: int
    seconds: float
    #: the bound that stopped the minimisation early: the trace is shorter, maybe not minimal
    cut: str | None = None

    def summary(self) -> str:
        return (
            f"{self.before_steps} -> {self.after_steps} steps, "
            f"faults {self.before_faults} -> {self.after_faults}, "
            f"argument values {self.before_values} -> {self.after_values} "
            f"({self.candidates} candidates replayed"
            + (f"; stopped early: {self.cut}" if self.cut else "") + ")"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "before_steps": self.before_steps,
            "after_steps": self.after_steps,
            "before_faults": self.before_faults,
            "after_faults": self.after_faults,
            "before_values": self.before_values,
            "after_values": self.after_values,
            "candidates": self.candidates,
            "seconds": round(self.seconds, 4),
            **({"cut": self.cut} if self.cut else {}),
        }


class _Search:
    """Remembers every candidate tried, so no sequence is re-executed twice.

    A candidate is remembered by a digest of its steps, with the length of its
    reproducing prefix (-1: it does not reproduce): keeping the candidates
    themselves, or their states, costs gigabytes on a long trace.  Once a bound
    of the ``meter`` is reached (``cut``) no further candidate is tried.
    """

    def __init__(self, model: CompiledModel, target: Target, initial: Any,
                 meter: Meter | None = None) -> None:
        self.model, self.target, self.initial = model, target, initial
        self.meter = meter
        self.tried: dict[bytes, int] = {}
        self.cut: str | None = None
        #: id(step) -> (step, its text in keys): rendering a step costs more than running it
        self._texts: dict[int, tuple[Step, bytes]] = {}

    def _text(self, st: Step) -> bytes:
        known = self._texts.get(id(st))
        if known is None:
            text = f"{st.action}\0{canonical_text(to_json(st.args))}\0{st.branch}\1"
            known = self._texts[id(st)] = (st, text.encode("utf-8", "surrogatepass"))
        return known[1]

    def test(self, steps: Sequence[Step]) -> Execution | None:
        """The reproducing prefix of ``steps`` (its ``states`` left empty), or None."""
        if self.cut is not None:
            return None
        digest = hashlib.blake2b(digest_size=16)
        for st in steps:
            digest.update(self._text(st))
        key = digest.digest()
        if key not in self.tried:
            if len(self.tried) >= MAX_CANDIDATES:
                return None
            self.cut = self.meter.over() if self.meter is not None else None
            if self.cut is not None:
                return None
            try:
                found = execute(self.model, self.target, self.initial, steps, self.meter)
            except _Cut as exc:
                self.cut = str(exc)
                return None
            self.tried[key] = -1 if found is None else len(found.steps)
        kept = self.tried[key]
        return None if kept < 0 else Execution([], list(steps[:kept]))

    def drop_faults(self, steps: list[Step]) -> list[Step]:
        i = len(steps) - 1
        while i >= 0:
            if i < len(steps) and steps[i].fault is not None:
                found = self.test(steps[:i] + steps[i + 1:])
                if found is not None:
                    steps = found.steps
            i -= 1
        return steps

    def ddmin(self, steps: list[Step]) -> list[Step]:
        chunks = 2
        while steps and self.cut is None:
            size = -(-len(steps) // chunks)
            for start in range(0, len(steps), size):
                found = self.test(steps[:start] + steps[start + size:])
                if found is not None:
                    steps = found.steps
                    chunks = max(chunks - 1, 2)
                    break
            else:
                if size == 1:
                    break
                chunks = min(len(steps), chunks * 2)
        return steps

    def merge_values(self, steps: list[Step]) -> list[Step]:
        """Replace one argument value by another already used, for fewer involved nodes."""
        changed = True
        while changed and self.cut is None:
            changed = False
            for name, values in _values_by_argument(steps).items():
                for later in reversed(values[1:]):
                    for earlier in values[: values.index(later)]:
                        candidate = [_with_argument(self.model, st, name, later, earlier)
                                     for st in steps]
                        found = self.test(candidate)
                        if found is not None and len(found.steps) <= len(steps):
                            steps, changed = found.steps, True
                            break
                    if changed:
                        break
                if changed:
                    break
        return steps


def _values_by_argument(steps: Sequence[Step]) -> dict[str, list[Any]]:
    seen: dict[str, list[Any]] = {}
    for st in steps:
        for name, value in zip(st.arg_names, st.args, strict=True):
            values = seen.setdefault(name, [])
            if value not in values:
                values.append(value)
    return seen


def distinct_values(steps: Sequence[Step]) -> int:
    """How many (argument name, value) pairs a trace involves: its nodes, messages, deltas."""
    return sum(len(v) for v in _values_by_argument(steps).values())


def _with_argument(model: CompiledModel, st: Step, name: str, old: Any, new: Any) -> Step:
    if name not in st.arg_names:
        return st
    args = tuple(new if (n == name and v == old) else v
                 for n, v in zip(st.arg_names, st.args, strict=True))
    if args == st.args:
        return st
    action = model.action_for(st)
    assert action is not None
    return action.step(args)


def minimize_steps(
    model: AnyModel, target: Target, initial: Any, steps: Sequence[Step],
    meter: Meter | None = None,
) -> tuple[Execution, int, str | None]:
    """The smallest reproducing execution found, how many candidates were replayed, and the
    bound that stopped the search early (None: it ran to the end).

    Raises BadInput when ``steps`` itself does not reproduce the violation.  A
    bound reached (``meter``) keeps the shortest candidate found so far.
    """
    model = compile_model(model)
    whole = execute(model, target, initial, list(steps))  # the original always reproduces in full
    if whole is None:
        raise BadInput(
            f"the trace does not reproduce a violation of {target.name} on model {model.id}; "
            "nothing to minimise"
        )
    search = _Search(model, target, initial, meter)
    current = search.drop_faults(whole.steps)
    current = search.ddmin(current)
    merged = search.merge_values(current)
    if merged != current:
        current = search.ddmin(merged)
    result = execute(model, target, initial, current)
    assert result is not None
    return result, len(search.tried) + 1, search.cut


def minimize_run(
    model: AnyModel,
    target: Target,
    initial: Any,
    steps: Sequence[Step],
    engine: str,
    seed: int | None = None,
    loop_start: int | None = None,
    meter: Meter | None = None,
) -> Minimized:
    """Minimise a violating run an engine found and build the trace it reports.

    A bound reached (``meter``) ends the minimisation with the shortest trace so far.
    """
    model = compile_model(model)
    started = time.perf_counter()
    best, candidates, cut = minimize_steps(model, target, initial, steps, meter)
    last = best.steps[-1] if best.steps else None
    trace = build_trace(model, target.name, target.kind, engine, target.message(last),
                        best.states, best.steps, seed=seed, loop_start=loop_start)
    return Minimized(
        trace=trace,
        before_steps=len(steps),
        after_steps=len(best.steps),
        before_faults=sum(1 for st in steps if st.fault),
        after_faults=sum(1 for st in best.steps if st.fault),
        before_values=distinct_values(steps),
        after_values=distinct_values(best.steps),
        candidates=candidates,
        seconds=time.perf_counter() - started,
        cut=cut,
    )
