"""Any model as a Hypothesis ``RuleBasedStateMachine``: the ``hypothesis`` engine and a pytest helper.

:func:`machine_for` builds the machine automatically from a model's compiled
view, knowing nothing about the protocol:

* one rule, ``step``, that draws an enabled action and then one of its
  enabled argument tuples in the current state (faults included), so every
  drawn step can be taken: no precondition, nothing for Hypothesis to reject,
  and its reports print each step as ``Draw n (step): press(digit=3)``;
* steps that leave the state unchanged are left out unless an action
  property is checked (nothing else can see them), and when no action can
  move the run starts a new behaviour from an initial state instead of
  idling, so every step Hypothesis spends explores;
* invariants are checked by an ``@invariant`` after every step, action
  properties on every transition, ``sometimes`` properties are recorded as
  witnessed.

When a property fails Hypothesis shrinks the step sequence.  The machine
records the shortest failing run it executed -- the shrunk one, which
Hypothesis re-executes last to report it -- and the engine writes it in the
ordinary trace format (so ``distcheck replay`` takes it) after the minimiser
(:mod:`distcheck.engines.shrink`) has gone over it too.  One Hypothesis search runs
per property, so each gets its own counterexample.

In your own pytest files, one call turns a model into a TestCase::

    from distcheck import as_testcase
    from distcheck.models.transactions.twophase import TwoPhase

    TestTwoPhase = as_testcase(TwoPhase(rms=4), max_examples=200, steps=60)

It runs as any Hypothesis test does (the active profile's settings, example
database, health checks, deadline, printed reproducer) and checks the
properties the model expects to hold; see :func:`as_testcase`.

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
from functools import cache
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from distcheck.contract.compiled import (
    AnyModel,
    BoundProperty,
    CompiledModel,
    compile_model,
    property_holds,
)
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import DEADLOCK, Step
from distcheck.contract.verdict import Result, Stats
from distcheck.engines.budget import Meter
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
    choose, choices = _move_strategy()

    class ModelMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.start: Any = inits[0] if len(inits) == 1 else None
            self.state: Any = self.start
            self.path: list[Step] = []
            self.moves_at: Any = None
            self.moves: dict[str, list[Move]] = {}
            if rec.failure is not None:
                rec.runs_since_failure += 1
            if self.state is not None:
                self._count(self.state)

        # -- bookkeeping ------------------------------------------------------------------

        def _count(self, s: Any) -> None:
            rec.seen.add(s)
            rec.total_states += 1
            rec.max_depth = max(rec.max_depth, len(self.path) + 1)

        def enabled_moves(self) -> dict[str, list[Move]]:
            """The enabled moves of the current state by action (actions with none left out)."""
            if self.moves_at is not self.state:
                self.moves_at, self.moves = self.state, {}
                for a in model.actions:
                    found = [Move(view.step(args), t) for view, args, t in model.enabled(a, self.state)
                             if not (skip_stutters and t == self.state)]
                    if found:
                        self.moves[a.name] = found
            return self.moves

        def fail(self, name: str, what: str) -> None:
            rec.record_failure(name, self.start, self.path)
            labels = " -> ".join(str(st) for st in self.path) or "(no step)"
            raise PropertyViolation(
                f"{what} after {len(self.path)} steps of model {model.id}: {labels}"
            )

        # -- the one rule -----------------------------------------------------------------

        # One rule that draws among the moves enabled in the current state: with a rule
        # per action behind a precondition, Hypothesis's swarm testing switches rules off
        # at random for a whole example, and every example that reaches a state whose
        # enabled actions are all switched off is thrown away as invalid (half of them,
        # on the README's two-phase commit).  This rule always has a move to make.
        @rule(data=st.data())
        def step(self, data: Any) -> None:
            """Take an enabled step; where none is, begin a new behaviour from an initial state."""
            if deadline is not None and time.perf_counter() >= deadline:
                reject()  # before computing the moves: one state's may take long
            moves = self.enabled_moves() if self.state is not None else {}
            if not moves:
                # restarting (rather than stuttering) spends the remaining steps usefully;
                # the old behaviour is no trace's part
                self.path = []
                self.start = self.state = (
                    inits[0] if len(inits) == 1
                    else data.draw(st.sampled_from(inits), label="initial state")
                )
                self._count(self.state)
                return
            choices[0] = moves
            move = data.draw(choose, label="step")
            before = self.state
            self.path.append(move.step)
            self.state = move.target
            self._count(move.target)
            for p in action_props:
                if not _holds(model, p, before, move.step, move.target):
                    self.fail(p.name, f"action property {p.name} is false for step {move.step}")

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

    if len(inits) > 1:
        @initialize(data=st.data())
        def choose_initial_state(self: Any, data: Any) -> None:
            self.start = self.state = data.draw(st.sampled_from(inits), label="initial state")
            self._count(self.state)

        ModelMachine.choose_initial_state = choose_initial_state  # type: ignore[attr-defined]

    ModelMachine.__name__ = ModelMachine.__qualname__ = _class_name(model)
    return ModelMachine


class Move:
    """One enabled step and the state it leads to; Hypothesis's reports print it as the step."""

    __slots__ = ("step", "target")

    def __init__(self, step: Step, target: Any) -> None:
        self.step = step
        self.target = target

    def __repr__(self) -> str:
        return str(self.step)


def _move_strategy() -> tuple[st.SearchStrategy[Move], list[dict[str, list[Move]]]]:
    """One strategy drawing a move among those put in the returned cell before each draw.

    An action first, then its arguments: each enabled action is as likely as under one
    rule per action, however many argument tuples it has.  The strategy is built once:
    building one per step (it depends on the state) costs Hypothesis more than the step.
    """
    cell: list[dict[str, list[Move]]] = [{}]

    @st.composite
    def choose(draw: Any) -> Move:
        actions = list(cell[0].values())
        among = actions[draw(_index(len(actions)))]
        return among[draw(_index(len(among)))]

    return choose(), cell


@cache
def _index(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, n - 1)


def _holds(model: CompiledModel, p: BoundProperty, *args: Any) -> bool:
    return property_holds(model, p.name, p.check, *args)  # type: ignore[arg-type]


def _class_name(model: CompiledModel) -> str:
    return "".join(part.title() for part in model.id.replace("_", ".").split(".")) + "Machine"


def hypothesis_settings(max_examples: int, steps: int) -> settings:
    """The engine's settings: deterministic and quiet; no database, no deadline, no explain phase.

    :func:`as_testcase` does not use them: a test follows the user's profile.
    """
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
    max_examples: int | None = None,
    steps: int | None = None,
    seed_value: int | None = None,
    check_deadlock: bool | None = None,
    **hypothesis_options: Any,
) -> type[unittest.TestCase]:
    """A unittest TestCase (pytest collects it) that explores ``model`` with Hypothesis.

    It behaves as a hand-written ``RuleBasedStateMachine.TestCase`` run by
    ``@given`` would: its settings are those of the active Hypothesis profile
    (``settings.load_profile``, ``--hypothesis-profile``), read when the test
    runs -- the example database (failures are replayed first on the next run),
    the deadline, health checks, ``derandomize``, ``print_blob`` and so on.
    Only what you pass changes them: ``max_examples``, ``steps`` (Hypothesis's
    ``stateful_step_count``) and any other ``hypothesis.settings`` keyword,
    e.g. ``database=None``, ``deadline=None``,
    ``suppress_health_check=list(HealthCheck)`` or ``derandomize=True``;
    ``seed_value`` fixes the seed as ``@seed`` does.  ``@seed(...)`` and the
    ``@reproduce_failure(...)`` that Hypothesis prints for a failure (with
    ``print_blob``) also work as decorators on the returned class.

    Expected verdicts: a Hypothesis test can only find violations, so by
    default it checks the invariants and action properties (and ``deadlock``
    when the model or ``check_deadlock`` asks for it) that the model expects
    to *hold*, and fails with the shrunk counterexample -- the steps as
    Hypothesis's ``state.step(...)`` reproducer and as one line -- when one of
    them breaks.  Properties expected ``violated`` (known bugs the model
    documents) are left out, as a passing test could not show them and a
    failing one would fail by design; ``distcheck check`` shows their
    counterexamples.  A property named in ``properties=[...]`` is checked
    whatever its expectation: the test then fails when Hypothesis finds the
    violation, which is how to watch it find a documented bug.  A model with
    nothing expected to hold is refused (BadInput): a test that checks nothing
    cannot fail.

    One departure from Hypothesis's defaults: the ``explain`` phase is left out
    unless ``phases=`` names it, as it re-runs a failure about a thousand times
    under a tracer (a minute and more) only to point at the line of this module
    that reports the violation.
    """
    model = compile_model(model)
    chosen = _select(model, properties, check_deadlock)
    explicit = dict(hypothesis_options)
    if max_examples is not None:
        explicit["max_examples"] = max_examples
    if steps is not None:
        explicit["stateful_step_count"] = steps
    settings(**explicit)  # a misspelt or invalid setting fails here, not when the test runs
    machine = machine_for(model, chosen)
    # Hypothesis keys its example database by the machine class's name and source, the
    # same for every configuration of one model; the digest tells them apart, so two
    # test cases do not replay (and evict) each other's failures.
    machine._hypothesis_internal_add_digest = repr(  # type: ignore[attr-defined]
        (model.id, sorted(model.param_values.items()), [p.name for p in chosen])
    ).encode()
    if seed_value is not None:
        machine = seed(seed_value)(machine)

    class ModelTestCase(unittest.TestCase):
        #: assign a ``hypothesis.settings`` to use it instead of the active profile
        #: (as for ``RuleBasedStateMachine.TestCase.settings``); the keywords given
        #: to :func:`as_testcase` still apply on top
        settings: settings | None = None

        @classmethod
        def effective_settings(cls) -> settings:
            """The settings this test runs with now: the profile (or ``settings``) and the keywords."""
            base = settings(cls.settings)
            given = dict(explicit)
            if "phases" not in given:
                # Hypothesis's explain phase re-runs a shrunk failure about a thousand
                # times under a tracer (90 s of a 100 s failing run on the two-phase
                # commit) only to point at the line that raises the violation here.
                given["phases"] = [p for p in base.phases if p is not Phase.explain]
            return settings(base, **given)

        def runTest(self) -> None:
            for marker in _DECORATOR_MARKERS:
                # @seed / @reproduce_failure on this class are meant for the machine
                given = getattr(type(self), marker, None)
                if given is not None:
                    setattr(machine, marker, given)
            run_state_machine_as_test(machine, settings=self.effective_settings())

        # for Hypothesis's pytest plugin (--hypothesis-show-statistics, ...)
        runTest.is_hypothesis_test = True  # type: ignore[attr-defined]
        runTest._hypothesis_state_machine_class = machine  # type: ignore[attr-defined]

    name = "Test" + machine.__name__.removesuffix("Machine")
    ModelTestCase.__name__ = ModelTestCase.__qualname__ = name
    ModelTestCase.__doc__ = (
        f"Hypothesis explores model {model.id} and checks: "
        + ", ".join(p.name for p in chosen) + "."
    )
    return ModelTestCase


_DECORATOR_MARKERS = ("_hypothesis_internal_use_seed", "_hypothesis_internal_use_reproduce_failure")


def _select(
    model: AnyModel, names: Iterable[str] | None, check_deadlock: bool | None
) -> list[BoundProperty]:
    model = compile_model(model)
    available = {p.name: p for p in model.checked_properties(check_deadlock)
                 if p.kind in CHECKED_KINDS}
    if names is None:
        chosen = [p for p in available.values() if p.expect == "holds"]
        if not chosen:
            violated = ", ".join(available) or "none"
            raise BadInput(
                f"model {model.id} expects no invariant or action property to hold "
                f"(checkable: {violated}), so a test would check nothing; name the ones "
                "to check with properties=[...] (the test then fails when one is violated)"
            )
        return chosen
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
        hint = ""
        if "Flaky" in type(exc).__name__:
            hint = ("; a model whose actions change their input in place does this: "
                    "DISTCHECK_VERIFY=1 finds the action")
        raise ModelError(
            f"model {model.id}: the hypothesis engine failed: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"[:500] + hint
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
    started = time.perf_counter()
    budget = options.budget
    meter = (budget.meter("hypothesis search", options.bounds) if budget is not None
             else Meter(None, options.bounds, "hypothesis search"))
    deadline = _deadline(meter)
    recorder = Recorder()
    wanted = [p for p in props if p.kind == "sometimes"]
    targets = [p for p in props if p.kind in CHECKED_KINDS]
    failures: dict[str, tuple[Any, list[Step]]] = {}
    for index, target in enumerate(targets):
        shrink_seconds = SHRINK_SECONDS
        if deadline is not None:
            shrink_seconds = max(0.0, min(shrink_seconds, deadline - time.perf_counter()))
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
    cut = meter.over()
    meter.close(len(recorder.seen))
    stats = Stats(distinct_states=len(recorder.seen), total_states=recorder.total_states,
                  depth=recorder.max_depth, seconds=time.perf_counter() - started, complete=False)
    spent = (f"{max(1, examples)} examples x up to {max(1, steps)} steps per search "
              f"({stats.distinct_states} distinct states, seed {options.seed})")
    extra: dict[str, Any] = {"examples": max(1, examples), "steps_per_example": max(1, steps),
                             "seed": options.seed}

    def found_by(path: list[Step]) -> tuple[str, dict[str, Any]]:
        return f"shrunk by Hypothesis to {len(path)} steps", {"shrunk_steps": len(path)}

    if cut:
        spent += f"; cut: {cut}"
        extra["cut"] = cut
    return sampled_results(model, props, ENGINE, stats, violations=failures,
                           witnesses=recorder.witnesses, budget=spent, extra=extra,
                           seed=options.seed, found_by=found_by, meter=_minimiser_meter(options))


def _deadline(meter: Meter) -> float | None:
    """The meter's earliest deadline on ``time.perf_counter()``, which the machines read."""
    left = [meter.own_deadline - meter.clock()] if meter.own_deadline is not None else []
    if meter.budget is not None and meter.budget.max_seconds is not None:
        left.append(meter.budget.seconds_left() or 0.0)
    return time.perf_counter() + min(left) if left else None


def _minimiser_meter(options: Any) -> Meter | None:
    budget = options.budget
    return budget.meter("minimisation", options.bounds) if budget is not None else None
