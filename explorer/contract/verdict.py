"""What every engine returns: a verdict per property, its statistics, and traces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distcheck.contract.catalog import source_of
from distcheck.contract.compiled import AnyModel, CompiledModel, compile_model, json_value
from distcheck.contract.model import Model, Step, branch_suffix, declared_actions
from distcheck.contract.state import diff, shape_of, to_json

HOLDS, VIOLATED, INCONCLUSIVE = "holds", "violated", "inconclusive"

#: version 2 added ``source`` (where the model came from); version 1 files still load
TRACE_FORMAT = "distcheck-trace"
TRACE_VERSION = 2
#: the document ``check --json`` and ``prove --json`` print
RESULTS_FORMAT = "distcheck-results"
RESULTS_VERSION = 1


def settings_text(because: dict[str, Any]) -> str:
    """``pauses=0, crashes=0``: the settings of a checked cause."""
    return ", ".join(f"{k}={v}" for k, v in because["params"].items())


def first_line(text: str) -> str:
    """The first line of a docstring (its summary), or "" when there is none."""
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""


def violation_message(kind: str, name: str, doc: str, step: Step | None = None) -> str:
    """The one line a safety counterexample carries, whichever engine found it.

    ``step`` is the transition that broke an action property.
    """
    if kind == "invariant":
        return f"invariant {name} is false in the last state: {first_line(doc)}"
    if kind == "action":
        return f"action property {name} is false for step {step}: {first_line(doc)}"
    if kind == "deadlock":
        return "deadlock: the last state has no successor"
    return f"{kind} {name} is violated: {first_line(doc)}"


@dataclass
class Stats:
    """Search figures, counted the way TLC counts them.

    ``distinct_states``: states stored; ``total_states``: initial states plus one
    per successor generated (repeats and self-loops included); ``depth``: BFS
    levels, the initial states being level 1.
    """

    distinct_states: int = 0
    total_states: int = 0
    depth: int = 0
    seconds: float = 0.0
    complete: bool = False
    #: set by a search that stored fingerprints: TLC's estimate that two states collided
    collision_probability: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "distinct_states": self.distinct_states,
            "total_states": self.total_states,
            "depth": self.depth,
            "seconds": round(self.seconds, 4),
            "complete": self.complete,
        }
        if self.collision_probability is not None:
            out["collision_probability"] = self.collision_probability
        return out


@dataclass
class TraceStep:
    action: str
    args: dict[str, Any]
    state: Any
    fault: str | None = None
    #: the label of the branch a branching action took (``Step.branch``)
    branch: str | int | None = None

    def label(self) -> str:
        inner = ", ".join(f"{k}={_short(v)}" for k, v in self.args.items())
        return f"{self.action}({inner})" + branch_suffix(self.branch)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "args": self.args}
        if self.branch is not None:
            out["branch"] = self.branch
        out["state"] = self.state
        if self.fault:
            out["fault"] = self.fault
        return out


def _short(v: Any) -> str:
    return repr(v) if isinstance(v, str) else str(v).replace("'", "")


@dataclass
class Trace:
    """A counterexample (or witness) as data: replayable against the model."""

    model: str
    params: dict[str, Any]
    property: str
    kind: str
    engine: str
    message: str
    initial: Any
    steps: list[TraceStep] = field(default_factory=list)
    seed: int | None = None
    loop_start: int | None = None
    #: where the model came from (``catalog.source_of``); None in version 1 files
    source: dict[str, str] | None = None
    #: how to read it, from the model (not saved: :func:`reading` rebuilds it on replay)
    reading: Reading | None = field(default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.steps)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "model": self.model,
        }
        if self.source is not None:
            out["source"] = dict(self.source)
        return out | {
            "params": self.params,
            "property": self.property,
            "kind": self.kind,
            "engine": self.engine,
            "seed": self.seed,
            "message": self.message,
            "loop_start": self.loop_start,
            "initial": self.initial,
            "steps": [s.to_json() for s in self.steps],
        }

    def faults(self) -> int:
        return sum(1 for s in self.steps if s.fault)

    def changes(self) -> list[list[tuple[str, Any, Any]]]:
        """What each step changed, as ``state.diff`` paths (read with the model's shape)."""
        shape = self.reading.shape if self.reading is not None else None
        befores = [self.initial, *(st.state for st in self.steps)]
        return [diff(b, st.state, shape) for b, st in zip(befores, self.steps, strict=False)]


@dataclass
class Reading:
    """What the model tells a reader of its trace that the recorded JSON does not.

    ``shape``: which rendered lists were sets and which sequences (``state.shape_of``),
    None when the model renders its states itself; ``lanes``: per step, the participant
    that took it and the one it sent to (``@lane``), None where undeclared or not
    known; ``lane_order``: the model's preferred lane order.
    """

    shape: dict[str, str] | None
    lanes: list[tuple[str, str | None] | None]
    lane_order: tuple[str, ...] = ()


def reading(model: CompiledModel, trace: Trace, states: list[Any], steps: list[Step]) -> Reading:
    """The reading of ``trace`` whose raw states ``s0..sk`` and steps (a prefix, for a
    stale trace) the model went through."""
    own_view = type(model.model).describe is not Model.describe
    decls = declared_actions(model.cls)
    lanes: list[tuple[str, str | None] | None] = []
    for s, st in zip(states, steps, strict=False):
        decl = decls.get(st.action)
        try:
            lanes.append(decl.lanes.resolve(model.model, s, st.kwargs())
                         if decl is not None and decl.lanes else None)
        except (LookupError, TypeError, ValueError, AttributeError):
            # a declaration that does not fit this step (an argument it cannot format): the
            # diagram falls back to reading the step's arguments
            lanes.append(None)
    return Reading(None if own_view else shape_of(states), lanes, tuple(model.model.lane_order))


def build_trace(
    model: AnyModel,
    prop: str,
    kind: str,
    engine: str,
    message: str,
    states: list[Any],
    steps: list[Step],
    seed: int | None = None,
    loop_start: int | None = None,
) -> Trace:
    """A Trace from raw states ``s0..sn`` and the ``n`` steps between them."""
    assert len(states) == len(steps) + 1
    model = compile_model(model)
    trace = Trace(
        model=model.id,
        params=to_json(model.param_values),
        property=prop,
        kind=kind,
        engine=engine,
        message=message,
        initial=model.describe(states[0]),
        steps=[
            TraceStep(st.action, json_value(model, st.kwargs(), f"the arguments of step {st}"),
                      model.describe(s), st.fault, st.branch)
            for st, s in zip(steps, states[1:], strict=True)
        ],
        seed=seed,
        loop_start=loop_start,
        source=source_of(model.cls),
    )
    trace.reading = reading(model, trace, states, steps)
    return trace


@dataclass
class Result:
    """The verdict on one property of one model instance."""

    model: str
    params: dict[str, Any]
    property: str
    kind: str
    expected: str
    verdict: str
    reason: str
    stats: Stats
    engine: str = "bfs"
    trace: Trace | None = None
    trace_file: str | None = None
    claims: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    #: set by sampling engines (simulate, hypothesis), which can never prove ``holds``
    sampled: bool = False
    #: the action coverage of the exhaustive search that decided it (``contract.coverage``);
    #: shared by the model's results and reported once per model, not per result
    coverage: Any = None
    #: the stated cause of an expected violation and, for settings, the check with them:
    #: ``{"params": {...}, "verdict": ..., "reason": ...}``, or ``{"text": ...}``
    because: dict[str, Any] | None = None

    @property
    def cause_confirmed(self) -> bool:
        """The property holds with its cause switched off (or no cause is checked).

        A sampling engine's "no counterexample" counts, as for :attr:`accepted_inconclusive`.
        """
        if self.because is None or "verdict" not in self.because:
            return True
        found = self.because["verdict"]
        return found == HOLDS or (self.sampled and found == INCONCLUSIVE
                                  and self.kind != "sometimes"
                                  and not self.because.get("cut"))

    @property
    def as_expected(self) -> bool:
        """The verdict is the expected one, or the best a sampling engine can give.

        Rule for sampled results: an ``inconclusive`` invariant, action property
        or deadlock check (no counterexample within the budget) counts as
        expected when ``holds`` is expected -- a sample cannot do better.  The
        table says so explicitly (:attr:`shown_verdict`).  A ``sometimes``
        property not reached, or a violation expected but not found, still
        differs.
        """
        return (self.verdict == self.expected or self.accepted_inconclusive) \
            and self.cause_confirmed

    @property
    def accepted_inconclusive(self) -> bool:
        return (
            self.sampled
            and self.verdict == INCONCLUSIVE
            and self.expected == HOLDS
            and self.kind != "sometimes"
        )

    @property
    def shown_verdict(self) -> str:
        """The verdict as the table prints it, naming the sampled-inconclusive rule."""
        if self.accepted_inconclusive:
            return f"{INCONCLUSIVE} (sampled, no counterexample)"
        if self.because is not None and "verdict" in self.because:
            return f"{self.verdict}; {self.because['verdict']} at {settings_text(self.because)}"
        return self.verdict

    @property
    def shown_expected(self) -> str:
        """The expectation with its stated cause: ``violated (holds at pauses=0)``."""
        if self.because is None:
            return self.expected
        if "params" in self.because:
            return f"{self.expected} (holds at {settings_text(self.because)})"
        return f"{self.expected} ({self.because['text']})"

    def to_json(self) -> dict[str, Any]:
        out = {
            "model": self.model,
            "params": self.params,
            "property": self.property,
            "kind": self.kind,
            "claims": list(self.claims),
            "engine": self.engine,
            "expected": self.expected,
            "verdict": self.verdict,
            "as_expected": self.as_expected,
            "sampled": self.sampled,
            "reason": self.reason,
            "trace_file": self.trace_file,
            "trace_length": len(self.trace) if self.trace is not None else None,
            "stats": self.stats.to_json(),
        }
        if self.because is not None:
            out["because"] = dict(self.because)
        out.update(self.extra)
        return out
