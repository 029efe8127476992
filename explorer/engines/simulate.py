"""Random simulation: seeded random walks through a model, for spaces too large to exhaust.

Each run starts from an initial state drawn at random and takes up to
``steps`` random steps: at every state the walk picks an action uniformly
among the enabled ones, then one of that action's enabled argument tuples
(so an action with many arguments is not favoured over one with few).
Runs after the first use *swarm testing*: each keeps a random half of the
actions and takes the others only when none of its own is enabled.  A walk
where, say, no one ever aborts reaches the states behind long runs of
"good" steps that a uniform walk almost never strings together; falling
back to every action keeps walks from stopping where the model does not.
Invariants are checked on every visited state, action properties on every
transition; a state without successor ends the walk (and is a violation when
deadlocks are checked).  Steps that leave the state unchanged are not taken
unless an action property is checked (nothing else can see them); a state
whose only steps are such stutters ends the walk too.

The generator is ``random.Random(seed)`` and nothing else is random: the same
model, parameters, seed, runs and steps give the same walks, the same traces
and the same output.  The first violation of each property is minimised
(:mod:`distcheck.engines.shrink`) before it is reported.

A random search never proves anything: an invariant that was never violated
is ``inconclusive`` ("no violation in N runs x K steps"), never ``holds``;
a ``sometimes`` property holds once a walk reaches it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from distcheck.contract.compiled import (
    AnyModel,
    BoundAction,
    BoundProperty,
    CompiledModel,
    compile_model,
    property_holds,
)
from distcheck.contract.model import DEADLOCK, Step
from distcheck.contract.verdict import Result, Stats
from distcheck.engines.bfs import Bounds
from distcheck.engines.budget import CHECK_EVERY, Budget, Meter, out_of_memory
from distcheck.engines.sampling import sampled_results

ENGINE = "simulate"
DEFAULT_RUNS = 3000
DEFAULT_STEPS = 100


@dataclass
class Walks:
    """Raw outcome of the random walks, before they become per-property results."""

    stats: Stats
    runs_done: int = 0
    steps_taken: int = 0
    cut: str | None = None
    #: property name -> (initial state, steps) of the walk that first violated it
    violations: dict[str, tuple[Any, list[Step]]] = field(default_factory=dict)
    witnesses: set[str] = field(default_factory=set)


def walk(
    model: AnyModel,
    props: list[BoundProperty],
    seed: int,
    runs: int,
    steps: int,
    max_seconds: float | None = None,
    max_states: int | None = None,
    budget: Budget | None = None,
) -> Walks:
    """Take ``runs`` random walks of at most ``steps`` steps each; stop once all is decided.

    A property of kind ``deadlock`` among ``props`` makes a walk's dead end a violation.
    The walks visit at most ``max_states`` distinct states (and what the command's
    ``budget`` has left); time and memory are asked every few thousand steps.
    """
    model = compile_model(model)
    rng = random.Random(seed)
    started = time.perf_counter()
    bounds = Bounds(max_states=max_states, max_seconds=max_seconds)
    meter = (budget.meter("simulation", bounds) if budget is not None
             else Meter(None, bounds, "simulation"))
    cap = meter.state_cap
    invariants = [p for p in props if p.kind == "invariant"]
    action_props = [p for p in props if p.kind == "action"]
    wanted = [p for p in props if p.kind == "sometimes"]
    deadlock = next((p for p in props if p.kind == DEADLOCK), None)
    inits = model.initial_states()
    stats = Stats(depth=1)
    out = Walks(stats=stats)
    seen: set[Any] = set()
    # A step that leaves the state unchanged cannot break an invariant or reach a new
    # state; only an action property can see it.  Skipping such steps keeps walks moving.
    skip_stutters = not action_props

    def undecided() -> bool:
        return (
            any(p.name not in out.violations for p in invariants + action_props)
            or any(p.name not in out.witnesses for p in wanted)
            or (deadlock is not None and deadlock.name not in out.violations)
        )

    def judge_state(start: Any, path: list[Step], s: Any) -> None:
        for p in invariants:
            if p.name not in out.violations and not _holds(model, p, s):
                out.violations[p.name] = (start, list(path))
        for p in wanted:
            if p.name not in out.witnesses and _holds(model, p, s):
                out.witnesses.add(p.name)

    try:
        _walk_runs(model, out, seen, inits, runs, steps, rng, meter, cap, skip_stutters,
                   undecided, judge_state, action_props, deadlock)
    except MemoryError:
        seen.clear()
        out.cut = out_of_memory("simulation")
    meter.close(len(seen))
    stats.distinct_states = len(seen)
    stats.seconds = time.perf_counter() - started
    stats.complete = False  # a sample, never the whole space
    return out


def _walk_runs(model: CompiledModel, out: Walks, seen: set[Any], inits: list[Any], runs: int,
               steps: int, rng: random.Random, meter: Meter, cap: int, skip_stutters: bool,
               undecided: Any, judge_state: Any, action_props: list[BoundProperty],
               deadlock: BoundProperty | None) -> None:
    stats = out.stats
    next_check = 0
    for run in range(runs):
        if not undecided():
            break
        out.cut = meter.over()
        if out.cut:
            break
        start = rng.choice(inits)
        if start not in seen and len(seen) >= cap:
            out.cut = meter.states_cut()
            break
        if run == 0:
            favoured, others = list(model.actions), []
        else:
            keep = [rng.random() < 0.5 for _ in model.actions]
            favoured = [a for a, k in zip(model.actions, keep, strict=True) if k]
            others = [a for a, k in zip(model.actions, keep, strict=True) if not k]
        s = start
        path: list[Step] = []
        seen.add(s)
        stats.total_states += 1
        judge_state(start, path, s)
        for _ in range(steps):
            chosen = _pick(model, s, skip_stutters, rng, favoured, others)
            if chosen is None:
                if (deadlock is not None and deadlock.name not in out.violations
                        and not model.has_successor(s)):
                    out.violations[deadlock.name] = (start, list(path))
                break
            a, args, t = chosen
            if t not in seen and len(seen) >= cap:
                out.cut = meter.states_cut()
                break
            if out.steps_taken >= next_check:
                next_check = out.steps_taken + CHECK_EVERY
                out.cut = meter.over()
                if out.cut:
                    break
            step = a.step(args)
            path.append(step)
            for p in action_props:
                if p.name not in out.violations and not _holds(model, p, s, step, t):
                    out.violations[p.name] = (start, list(path))
            seen.add(t)
            stats.total_states += 1
            out.steps_taken += 1
            judge_state(start, path, t)
            s = t
        stats.depth = max(stats.depth, len(path) + 1)
        out.runs_done = run + 1
        if out.cut:
            break


def _pick(
    model: CompiledModel,
    s: Any,
    skip_stutters: bool,
    rng: random.Random,
    favoured: list[BoundAction],
    others: list[BoundAction],
) -> tuple[BoundAction, tuple, Any] | None:
    """A random enabled (action, arguments, next state), or None when nothing can move.

    The first action with an enabled argument tuple, in a random order of the
    favoured actions and then of the others, is uniform among the enabled
    favoured ones -- without computing every successor of ``s``.
    """
    for group in (favoured, others):
        pool = list(group)
        while pool:
            # draw without replacement, lazily: most states need one or two draws
            i = rng.randrange(len(pool))
            a = pool[i]
            pool[i] = pool[-1]
            pool.pop()
            options = model.enabled(a, s)
            if skip_stutters:
                options = [option for option in options if option[2] != s]
            if options:
                return options[rng.randrange(len(options))]
    return None


def _holds(model: CompiledModel, p: BoundProperty, *args: Any) -> bool:
    return property_holds(model, p.name, p.check, *args)  # type: ignore[arg-type]


def run(model: AnyModel, props: list[BoundProperty], options: Any) -> list[Result]:
    """The ``simulate`` safety engine (registered in ``distcheck.engines.checker.SAFETY_ENGINES``)."""
    model = compile_model(model)
    runs = options.runs if options.runs is not None else DEFAULT_RUNS
    steps = options.steps if options.steps is not None else DEFAULT_STEPS
    bounds = options.bounds
    walks = walk(model, props, options.seed, runs, steps, bounds.max_seconds, bounds.max_states,
                 budget=options.budget)
    budget = (f"{walks.runs_done} runs x up to {steps} steps "
              f"({walks.steps_taken} steps, {walks.stats.distinct_states} distinct states, "
              f"seed {options.seed})")
    extra: dict[str, Any] = {"runs": walks.runs_done, "steps_per_run": steps,
                             "steps_taken": walks.steps_taken, "seed": options.seed}
    if walks.cut:
        budget += f"; cut: {walks.cut}"
        extra["cut"] = walks.cut
    return sampled_results(model, props, ENGINE, walks.stats, violations=walks.violations,
                           witnesses=walks.witnesses, budget=budget, extra=extra,
                           seed=options.seed, found_by=lambda path: ("found by random walk", {}),
                           meter=(options.budget.meter("minimisation", bounds)
                                  if options.budget is not None else None))
