"""Any model as a Hypothesis ``RuleBasedStateMachine``: the ``hypothesis`` engine and a pytest helper.

:func:`machine_for` builds the machine automatically from a model's compiled
view, knowing nothing about the protocol:

* one rule per action, faults included, named as the action; its arguments
  are drawn (``st.data()`` + ``sampled_from``) from the argument tuples that
  are enabled in the current state, and a precondition keeps the rule out
  while there is none;
* steps that leave the state unchanged are left out unless an action
  property is checked (nothing else can see them), and when no action can
  move the run starts a new behaviour from an initial state instead of
  idling, so every step Hypothesis spends explores;
* invariants are checked by an ``@invariant`` after every step, action
  properties on every transition, ``sometimes`` properties are recorded as
  witnessed.

When a property fails Hypothesis shrinks the rule sequence.  The machine
records the shortest failing run it executed -- the shrunk one, which
Hypothesis re-executes last to report it -- and the engine writes it in the
ordinary trace format (so ``distcheck replay`` takes it) after the minimiser
(:mod:`distcheck.engines.shrink`) has gone over it too.  One Hypothesis search runs
per property, so each gets its own counterexample.

In your own pytest files, one call turns a model into a TestCase::

    from distcheck.engines.hypothesis_bridge import as_testcase
    from distcheck.models.transactions.twophase import TwoPhase

    TestTwoPhase = as_testcase(TwoPhase(rms=4), max_examples=200, steps=60)

The test fails with the shrunk counterexample in its message when any
invariant or action property of the model fails (choose them with
``properties=[...]``), whatever the model expects of it: a test is a check,
not a verdict table.  Its shrinking is Hypothesis's own, unbounded.

Engine runs are deterministic: a fixed seed (``--seed``, default 0), no
example database, no deadline, quiet output, and Hypothesis's shrinking
bounded by counts (:data:`SHRINKS`, :data:`SHRINK_RUNS`; a safety net by time,
:data:`SHRINK_SECONDS`, would make a very slow machine's output differ).
``--runs`` is Hypothesis's ``max_examples``, ``--steps`` its
``stateful_step_count``; ``--max-seconds`` rejects every example once spent.
A random search never proves: no violation is ``inconclusive``, never
``holds``.
"""

from __future__ import annotations

import time
import unittest
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from distcheck.contract.compiled import (
    AnyModel,
    BoundAction,
    BoundProperty,
    CompiledModel,
    compile_model,
    property_holds,
)
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import DEADLOCK, Step
from distcheck.contract.verdict import Result, Stats
from distcheck.engines.sampling import sampled_results

ENGINE = "hypothesis"
DEFAULT_EXAMPLES = 100
DEFAULT_STEPS = 30
#: Hypothesis's shrinking of one failure is bounded by counts, so runs stay
#: deterministic: SHRINKS successful shrinks, SHRINK_RUNS machine runs after the
#: first failure (later candidates are rejected); SHRINK_SECONDS is a safety net.
#: The minimiser then finishes the job in milliseconds.  Hypothesis's own limits
#: (500 shrinks, 300 s) cost tens of seconds per failure for a step or two.
SHRINKS = 10
SHRINK_RUNS = 200
SHRINK_SECONDS = 10.0
#: the kinds a search targets (``sometimes`` properties are only witnessed along the way)
CHECKED_KINDS = ("invariant", "action", DEADLOCK)


class PropertyViolation(AssertionError):
    """Raised inside the machine when a checked property fails (Hypothesis then shrinks)."""


@dataclass
class Recorder:
    """What the machines of one run share: coverage figures, witnesses, the last failure."""

    seen: set[Any] = field(default_factory=set)
    total_states: int = 0
    max_depth: int = 1
    witnesses: set[str] = field(default_factory=set)
    #: (property name, initial state, steps) of the shortest failing run so far: the
    #: one Hypothesis shrank to, which it re-executes last, or a shorter one it tried
    failure: tuple[str, Any, list[Step]] | None = None

    #: machine runs since the first failure of the current search (shrinking's cost)
    runs_since_failure: int = 0

    def record_failure(self, name: str, start: Any, path: list[Step]) -> None:
        if self.failure is None or len(path) < len(self.failure[2]):
            self.failure = (name, start, list(path))

    def shrinking_spent(self) -> bool:
        return self.failure is not None and self.runs_since_failure > SHRINK_RUNS


def machine_for(
    model: AnyModel,
    properties: Iterable[BoundProperty] | None = None,
    *,
    recorder: Recorder | None = None,
    deadline: float | None = None,
    until_witnessed: bool = False,
    limit_shrinking: bool = False,
) -> type[RuleBasedStateMachine]:
    """A RuleBasedStateMachine class exploring ``model`` and checking ``properties``.

    ``properties`` defaults to the model's invariants and action properties;
    ``sometimes`` properties among them are only recorded as witnessed in
    ``recorder``; one of kind ``deadlock`` fails a run that reaches a state
    without successor.  After ``deadline`` (a ``time.perf_counter()`` value) every
    example is rejected at its next check, so Hypothesis soon gives up; so it is
    once every ``sometimes`` property is witnessed, with ``until_witnessed``, and
    after :data:`SHRINK_RUNS` runs past the first failure, with ``limit_shrinking``.
    """
    model = compile_model(model)
    props = list(model.properties if properties is None else properties)
    invariants = [p for p in props if p.kind == "invariant"]
    action_props = [p for p in props if p.kind == "action"]
    wanted = [p for p in props if p.kind == "sometimes"]
    deadlock = next((p for p in props if p.kind == DEADLOCK), None)
    rec = recorder if recorder is not None else Recorder()
    inits = model.initial_states()
    # A step that leaves the state unchanged cannot break an invariant or reach a new
    # state; only an action property can see it.  Skipping such steps keeps runs moving.
    skip_stutters = not action_props

    class ModelMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.start: Any = inits[0] if len(inits) == 1 else None
            self.state: Any = self.start
            self.path: list[Step] = []
            self.options_at: Any = None
            self.options: dict[str, list[tuple[BoundAction, tuple, Any]]] = {}
            if rec.failure is not None:
                rec.runs_since_failure += 1
            if self.state is not None:
                self._count(self.state)

        # -- bookkeeping ------------------------------------------------------------------

        def _count(self, s: Any) -> None:
            rec.seen.add(s)
            rec.total_states += 1
            rec.max_depth = max(rec.max_depth, len(self.path) + 1)

        def enabled(self, a: BoundAction) -> list[tuple[BoundAction, tuple, Any]]:
            """``a``'s enabled (action or branch, arguments, next state) in the current state."""
            if self.options_at is not self.state:
                self.options_at, self.options = self.state, {}
            found = self.options.get(a.name)
            if found is None:
                found = model.enabled(a, self.state)
                if skip_stutters:
                    found = [option for option in found if option[2] != self.state]
                found = self.options[a.name] = found
            return found

        def may_step(self, a: BoundAction) -> bool:
            if self.state is None:
                return False
            return bool(self.enabled(a))

        def stuck(self) -> bool:
            if self.state is None:
                return False
            return not any(self.may_step(a) for a in model.actions)

        def fail(self, name: str, what: str) -> None:
            rec.record_failure(name, self.start, self.path)
            labels = " -> ".join(str(st) for st in self.path) or "(no step)"
            raise PropertyViolation(
                f"{what} after {len(self.path)} steps of model {model.id}: {labels}"
            )

        def take(self, a: BoundAction, args: tuple, t: Any) -> None:
            step = a.step(args)
            before = self.state
            self.path.append(step)
            self.state = t
            self._count(t)
            for p in action_props:
                if not _holds(model, p, before, step, t):
                    self.fail(p.name, f"action property {p.name} is false for step {step}")

        # -- the properties, after every step ----------------------------------------------

        @invariant()
        def properties_hold(self) -> None:
            s = self.state
            if s is None:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                reject()  # the time budget is spent: end this example, and the next ones
            if limit_shrinking and rec.shrinking_spent():
                reject()  # enough shrinking: Hypothesis keeps no later candidate
            for p in wanted:
                if p.name not in rec.witnesses and _holds(model, p, s):
                    rec.witnesses.add(p.name)
            if until_witnessed and all(p.name in rec.witnesses for p in wanted):
                reject()
            for p in invariants:
                if not _holds(model, p, s):
                    self.fail(p.name, f"invariant {p.name} is false")
            if deadlock is not None and not model.has_successor(s):
                self.fail(deadlock.name, "deadlock: no action is enabled")

        # A run must always have a rule to take, or Hypothesis reports the machine as
        # broken; restarting (rather than stuttering) spends the remaining steps usefully.
        @precondition(lambda self: self.stuck())
        @rule(data=st.data())
        def start_new_behaviour(self, data: Any) -> None:
            """No action is enabled: begin a new behaviour (the old one is no trace's part)."""
            self.path = []
            self.start = self.state = (
                inits[0] if len(inits) == 1
                else data.draw(st.sampled_from(inits), label="initial state")
            )
            self._count(self.state)

    if len(inits) > 1:
        @initialize(data=st.data())
        def choose_initial_state(self: Any, data: Any) -> None:
            self.start = self.state = data.draw(st.sampled_from(inits), label="initial state")
            self._count(self.state)

        ModelMachine.choose_initial_state = choose_initial_state  # type: ignore[attr-defined]

    taken_names = set(dir(ModelMachine))
    for a in model.actions:
        name = a.name if a.name not in taken_names else f"do_{a.name}"
        setattr(ModelMachine, name, _rule_for(a, name))
    ModelMachine.__name__ = ModelMachine.__qualname__ = _class_name(model)
    return ModelMachine


def _rule_for(a: BoundAction, name: str) -> Any:
    def take_action(self: Any, data: Any) -> None:
        options = self.enabled(a)
        # drawn as the arguments (with the branch label for a branching action), which
        # is what a printed reproducer shows
        choices = [(args, view.branch) if a.branching else args for view, args, _ in options]
        chosen = data.draw(st.sampled_from(choices), label=name)
        view, args, t = options[choices.index(chosen)]
        self.take(view, args, t)

    take_action.__name__ = take_action.__qualname__ = name
    take_action.__doc__ = f"{'fault' if a.fault else 'action'} {a.name}"
    return precondition(lambda self: self.may_step(a))(rule(data=st.data())(take_action))


def _holds(model: CompiledModel, p: BoundProperty, *args: Any) -> bool:
    return property_holds(model, p.name, p.check, *args)  # type: ignore[arg-type]


def _class_name(model: CompiledModel) -> str:
    return "".join(part.title() for part in model.id.replace("_", ".").split(".")) + "Machine"


def hypothesis_settings(max_examples: int, steps: int) -> settings:
    """Deterministic, quiet settings: no database, no deadline, no explain phase."""
    return settings(
        max_examples=max(1, max_examples),
        stateful_step_count=max(1, steps),
        database=None,
        deadline=None,
        derandomize=False,  # the explicit @seed decides
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )


def as_testcase(
    model: AnyModel,
    properties: Iterable[str] | None = None,
    *,
    max_examples: int = DEFAULT_EXAMPLES,
    steps: int = DEFAULT_STEPS,
    seed_value: int = 0,
    check_deadlock: bool | None = None,
) -> type[unittest.TestCase]:
    """A unittest TestCase (pytest collects it) that explores ``model`` with Hypothesis.

    It checks the named properties (default: every invariant and action
    property, and ``deadlock`` when the model or ``check_deadlock`` asks for
    it) and fails with the shrunk counterexample as its message.
    """
    chosen = _select(model, properties, check_deadlock)
    machine = seed(seed_value)(machine_for(model, chosen))
    case = machine.TestCase
    case.settings = hypothesis_settings(max_examples, steps)
    case.__name__ = case.__qualname__ = "Test" + machine.__name__.removesuffix("Machine")
    return case


def _select(
    model: AnyModel, names: Iterable[str] | None, check_deadlock: bool | None
) -> list[BoundProperty]:
    model = compile_model(model)
    available = {p.name: p for p in model.checked_properties(check_deadlock)
                 if p.kind in CHECKED_KINDS}
    if names is None:
        return list(available.values())
    chosen = []
    for name in names:
        if name not in available:
            raise BadInput(
                f"model {model.id} has no invariant or action property {name!r}; it has: "
                + ", ".join(available)
            )
        chosen.append(available[name])
    return chosen


# --------------------------------------------------------------------------- the engine


def search(
    model: AnyModel,
    target: BoundProperty | None,
    wanted: list[BoundProperty],
    recorder: Recorder,
    *,
    seed_value: int,
    max_examples: int,
    steps: int,
    deadline: float | None = None,
    shrink_seconds: float = SHRINK_SECONDS,
    until_witnessed: bool = False,
) -> tuple[str, Any, list[Step]] | None:
    """Run Hypothesis against one target property (None: only witness ``wanted``).

    The result is the shrunk failure, or None.

    Hypothesis's shrinking is bounded by :data:`SHRINKS` and ``shrink_seconds``.
    """
    checked = ([target] if target is not None else []) + wanted
    machine = seed(seed_value)(
        machine_for(model, checked, recorder=recorder, deadline=deadline,
                    until_witnessed=until_witnessed, limit_shrinking=True)
    )
    recorder.failure = None
    recorder.runs_since_failure = 0
    try:
        with _shrinking_limited_to(shrink_seconds, SHRINKS):
            run_state_machine_as_test(machine, settings=hypothesis_settings(max_examples, steps))
    except PropertyViolation:
        assert recorder.failure is not None
        return recorder.failure
    except BadInput:
        raise
    except Exception as exc:
        spent = deadline is not None and time.perf_counter() >= deadline
        witnessed = until_witnessed and all(p.name in recorder.witnesses for p in wanted)
        if spent or witnessed or recorder.shrinking_spent():
            # examples were rejected on purpose (Hypothesis then complains of
            # unsatisfiable or flaky examples): keep whatever failure was found, or none
            return recorder.failure
        raise ModelError(
            f"model {model.id}: the hypothesis engine failed: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"[:600]
        ) from exc
    # Hypothesis passes when the shrunk example it replays last was rejected by a
    # budget above; the failure seen before is still a real counterexample.
    return recorder.failure


@contextmanager
def _shrinking_limited_to(seconds: float, shrinks: int) -> Iterator[None]:
    # Hypothesis has no public setting for this; its engine reads these module constants
    # while shrinking.  If a future version drops them, shrinking is merely longer.
    from hypothesis.internal.conjecture import engine

    limits = {"MAX_SHRINKS": shrinks, "MAX_SHRINKING_SECONDS": seconds}
    before = {name: getattr(engine, name) for name in limits if hasattr(engine, name)}
    for name in before:
        setattr(engine, name, limits[name])
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(engine, name, value)


def _search_seed(seed_value: int, index: int) -> int:
    # One seed per search: with the same seed, every search would replay the same examples.
    return seed_value * 1009 + index


def run(model: AnyModel, props: list[BoundProperty], options: Any) -> list[Result]:
    """The ``hypothesis`` safety engine (registered in ``distcheck.engines.checker.SAFETY_ENGINES``).

    One Hypothesis search per invariant, action property and deadlock check,
    so each gets its own shrunk counterexample; ``sometimes`` properties are
    witnessed along the way.
    """
    model = compile_model(model)
    examples = options.runs if options.runs is not None else DEFAULT_EXAMPLES
    steps = options.steps if options.steps is not None else DEFAULT_STEPS
    max_seconds = options.bounds.max_seconds
    started = time.perf_counter()
    deadline = started + max_seconds if max_seconds is not None else None
    recorder = Recorder()
    wanted = [p for p in props if p.kind == "sometimes"]
    targets = [p for p in props if p.kind in CHECKED_KINDS]
    failures: dict[str, tuple[Any, list[Step]]] = {}
    for index, target in enumerate(targets):
        shrink_seconds = SHRINK_SECONDS
        if deadline is not None:
            shrink_seconds = max(0.5, min(shrink_seconds, deadline - time.perf_counter()))
        found = search(model, target, wanted, recorder, seed_value=_search_seed(options.seed, index),
                       max_examples=examples, steps=steps, deadline=deadline,
                       shrink_seconds=shrink_seconds)
        if found is not None:
            name, start, path = found
            failures[name] = (start, path)
    unwitnessed = [p for p in wanted if p.name not in recorder.witnesses]
    if unwitnessed and not (deadline is not None and time.perf_counter() >= deadline):
        # the searches above end at their first failure; look for the rest on purpose
        search(model, None, unwitnessed, recorder,
               seed_value=_search_seed(options.seed, len(targets)),
               max_examples=examples, steps=steps, deadline=deadline, until_witnessed=True)
    timed_out = deadline is not None and time.perf_counter() >= deadline
    stats = Stats(distinct_states=len(recorder.seen), total_states=recorder.total_states,
                  depth=recorder.max_depth, seconds=time.perf_counter() - started, complete=False)
    budget = (f"{max(1, examples)} examples x up to {max(1, steps)} steps per search "
              f"({stats.distinct_states} distinct states, seed {options.seed})")
    if timed_out:
        budget += f"; cut: max-seconds={max_seconds:g} reached"
    extra = {"examples": max(1, examples), "steps_per_example": max(1, steps),
             "seed": options.seed}

    def found_by(path: list[Step]) -> tuple[str, dict[str, Any]]:
        return f"shrunk by Hypothesis to {len(path)} steps", {"shrunk_steps": len(path)}

    return sampled_results(model, props, ENGINE, stats, violations=failures,
                           witnesses=recorder.witnesses, budget=budget, extra=extra,
                           seed=options.seed, found_by=found_by)
