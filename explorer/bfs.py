"""Exhaustive breadth-first exploration: the hot loop of the product.

Every reachable state is stored once (``parent`` maps a state to the state it
was first reached from), every invariant is checked on every new state, and
traces are rebuilt from parent links by re-executing the actions, so nothing
per state but the parent pointer is kept.  Because states are discovered level
by level, the first violation found is at minimal depth: traces are shortest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from explorer.errors import ModelError
from explorer.model import BoundProperty, Model, Step, property_holds
from explorer.verdict import HOLDS, INCONCLUSIVE, VIOLATED, Result, Stats, build_trace

ENGINE = "bfs"

#: called about once a second with (distinct, total, depth, queue, seconds)
Progress = Callable[[int, int, int, int, float], None]


@dataclass
class Bounds:
    """Where to cut the search; a cut makes undecided properties ``inconclusive``."""

    max_states: int | None = None
    max_depth: int | None = None
    max_seconds: float | None = None


@dataclass
class Exploration:
    """Raw outcome of a search, before it is turned into per-property results."""

    stats: Stats
    cut: str | None
    parent: dict[Any, Any]
    violations: dict[str, tuple[Any, Any, Step | None]] = field(default_factory=dict)
    witnesses: dict[str, Any] = field(default_factory=dict)
    deadlock: Any = None


def explore(
    model: Model,
    properties: list[BoundProperty] | None = None,
    bounds: Bounds | None = None,
    progress: Progress | None = None,
    check_deadlock: bool | None = None,
    stop_when_decided: bool = True,
) -> Exploration:
    """Breadth-first search of ``model``'s reachable states.

    ``violations`` maps a property name to ``(state, pre_state, step)``: the
    violating state, and for action properties the transition into it.
    With ``stop_when_decided`` the search ends once every property is violated
    (or witnessed); the stats then say ``complete=False``.
    """
    bounds = bounds or Bounds()
    props = model.properties if properties is None else properties
    deadlock_on = model.check_deadlock if check_deadlock is None else check_deadlock
    invariants = [(p.name, p.check) for p in props if p.kind == "invariant"]
    action_props = [(p.name, p.check) for p in props if p.kind == "action"]
    wanted = [(p.name, p.check) for p in props if p.kind == "sometimes"]
    undecided = len(invariants) + len(action_props) + len(wanted) + (1 if deadlock_on else 0)
    stop_when_decided = stop_when_decided and undecided > 0

    start = time.perf_counter()
    stats = Stats()
    inits = model.initial_states()
    parent: dict[Any, Any] = dict.fromkeys(inits)
    stats.total_states = len(list(model.init()))  # generated, so duplicates count
    stats.depth = 1
    result = Exploration(stats=stats, cut=None, parent=parent)
    violations, witnesses = result.violations, result.witnesses

    invariants, wanted = _judge_initial(model, inits, invariants, wanted, violations, witnesses)
    undecided -= len(violations) + len(witnesses)

    # Hot loop.  Everything it touches is a local; properties are called
    # directly (a failure is re-diagnosed afterwards by _explain_failure, so no
    # per-call bookkeeping is needed), and judging a new state costs one test
    # when there is nothing left to judge.
    plan = [(a, a.call, a.static_args) for a in model.actions]
    fixed = all(static is not None for _, _, static in plan)
    static_calls = _calls(plan, None) if fixed else []
    judging = bool(invariants or wanted)
    frontier = inits
    total = stats.total_states
    max_states = bounds.max_states
    max_depth = bounds.max_depth
    deadline = start + bounds.max_seconds if bounds.max_seconds is not None else None
    next_report = start + 1.0
    expanded = 0
    a: Any = None
    args: Any = None
    s: Any = None

    while frontier and not (stop_when_decided and undecided <= 0):
        if max_depth is not None and stats.depth >= max_depth:
            if _has_new_successor(model, frontier, parent):
                result.cut = f"max-depth={max_depth} reached"
            break
        next_frontier: list[Any] = []
        push = next_frontier.append
        try:
            for s in frontier:
                before = total
                for a, call, args, arity, x, y in static_calls if fixed else _calls(plan, s):
                    # call(s, *args) costs twice a plain call: spell out the usual arities
                    if arity == 1:
                        t = call(s, x)
                    elif arity == 0:
                        t = call(s)
                    elif arity == 2:
                        t = call(s, x, y)
                    else:
                        t = call(s, *args)
                    if t is None:
                        continue
                    total += 1
                    if t not in parent:
                        parent[t] = s
                        push(t)
                        if judging:
                            for name, check in invariants:
                                if not check(t):
                                    violations[name] = (t, None, None)
                                    invariants = [i for i in invariants if i[0] != name]
                                    undecided -= 1
                            for name, check in wanted:
                                if check(t):
                                    witnesses[name] = t
                                    wanted = [w for w in wanted if w[0] != name]
                                    undecided -= 1
                            judging = bool(invariants or wanted)
                    if action_props:
                        step = a.step(args)
                        for name, check in action_props:
                            if not check(s, step, t):
                                violations[name] = (t, s, step)
                                action_props = [p for p in action_props if p[0] != name]
                                undecided -= 1
                if total == before and deadlock_on and result.deadlock is None:
                    result.deadlock = s
                    undecided -= 1
                expanded += 1
                if expanded & 255 == 0:
                    now = time.perf_counter()
                    if progress is not None and now >= next_report:
                        progress(len(parent), total, stats.depth, len(next_frontier), now - start)
                        next_report = now + 1.0
                    if deadline is not None and now >= deadline:
                        result.cut = f"max-seconds={bounds.max_seconds:g} reached"
                    if max_states is not None and len(parent) >= max_states:
                        result.cut = f"max-states={max_states} reached"
                    if result.cut:
                        break
        except ModelError:
            raise
        except Exception as exc:
            raise _explain_failure(model, props, s, a, args, exc) from exc
        stats.total_states = total
        if result.cut:
            break
        if max_states is not None and len(parent) > max_states:
            result.cut = f"max-states={max_states} reached"
            break
        if next_frontier:
            stats.depth += 1
        frontier = next_frontier

    stats.distinct_states = len(parent)
    stats.seconds = time.perf_counter() - start
    # not complete either when stopped early because every property was decided
    stats.complete = result.cut is None and not frontier
    return result


Checks = list[tuple[str, Callable[..., Any]]]


def _calls(plan: list[tuple[Any, Any, Any]], s: Any) -> list[tuple[Any, ...]]:
    """Every call to make in state ``s`` (``None``: the static ones), in declaration order.

    Entries are ``(action, bound method, args, len(args), args[0], args[1])``.
    """
    out = []
    for a, call, static in plan:
        for args in static if static is not None else a.arguments(s):
            args = tuple(args)
            n = len(args)
            out.append((a, call, args, n, args[0] if n else None, args[1] if n > 1 else None))
    return out


def _judge_initial(
    model: Model,
    inits: list[Any],
    invariants: Checks,
    wanted: Checks,
    violations: dict[str, Any],
    witnesses: dict[str, Any],
) -> tuple[Checks, Checks]:
    """Check the initial states; return the invariants and wishes still undecided."""
    for s in inits:
        for name, check in invariants:
            if name not in violations and not property_holds(model, name, check, s):
                violations[name] = (s, None, None)
        for name, check in wanted:
            if name not in witnesses and property_holds(model, name, check, s):
                witnesses[name] = s
    return (
        [i for i in invariants if i[0] not in violations],
        [w for w in wanted if w[0] not in witnesses],
    )


def _has_new_successor(model: Model, frontier: list[Any], parent: dict[Any, Any]) -> bool:
    return any(t not in parent for s in frontier for _, _, t in model.transitions(s))


def _explain_failure(
    model: Model, props: list[BoundProperty], s: Any, a: Any, args: Any, exc: Exception
) -> ModelError:
    """Re-run what failed in state ``s`` to say which action or property broke, and how.

    The hot loop keeps no record of what it was doing beyond its loop
    variables, so the failing call is found again here (models are
    deterministic: the same call fails the same way).
    """
    choices: dict[str, list[Any]] = {}
    for action_ in model.actions:
        try:
            choices[action_.name] = [tuple(c) for c in action_.arguments(s)]
        except Exception as again:
            return ModelError(
                f"model {model.id}: the argument domain of action {action_.name} raised "
                f"{type(again).__name__}: {again} in state {s!r}"[:600]
            )
    if a is None or args not in choices.get(a.name, ()):
        return ModelError(f"model {model.id}: exploration failed: {type(exc).__name__}: {exc}")
    step = a.step(args)
    try:
        t = a.call(s, *args)
    except Exception as again:
        return ModelError(
            f"model {model.id}: action {step} raised {type(again).__name__}: {again} "
            f"in state {s!r}"[:600]
        )
    try:
        hash(t)
    except TypeError as bad:
        return ModelError(
            f"model {model.id}: action {step} produced an unhashable state ({bad}); "
            f"use tuples, frozensets or frozen dataclasses: {t!r}"[:600]
        )
    for p in props:
        if p.kind in ("invariant", "sometimes"):
            property_holds(model, p.name, p.check, t)  # raises the property's ModelError
        elif p.kind == "action":
            property_holds(model, p.name, p.check, s, step, t)
    return ModelError(f"model {model.id}: exploration failed: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- traces


def path_to(parent: dict[Any, Any], s: Any) -> list[Any]:
    """States from an initial state to ``s`` along parent links."""
    path = [s]
    while (p := parent[path[-1]]) is not None:
        path.append(p)
    path.reverse()
    return path


def steps_along(model: Model, states: list[Any]) -> list[Step]:
    """The step taken between each pair of consecutive states (first match, deterministic)."""
    steps = []
    for s, t in zip(states, states[1:], strict=False):
        for a, args, u in model.transitions(s):
            if u == t:
                steps.append(a.step(args))
                break
        else:  # pragma: no cover - parent links always come from a transition
            raise ModelError(f"model {model.id}: no action leads from {s!r} to {t!r}")
    return steps


def check(
    model: Model,
    properties: list[BoundProperty] | None = None,
    bounds: Bounds | None = None,
    progress: Progress | None = None,
    check_deadlock: bool | None = None,
) -> list[Result]:
    """Explore ``model`` and return one Result per property (plus ``deadlock`` if checked)."""
    props = model.properties if properties is None else properties
    mine = [p for p in props if p.kind in ("invariant", "action", "sometimes")]
    deadlock_on = model.check_deadlock if check_deadlock is None else check_deadlock
    run = explore(model, mine, bounds, progress, deadlock_on)
    return results_of(model, run, mine, deadlock_on)


def results_of(
    model: Model, run: Exploration, props: list[BoundProperty], deadlock_on: bool
) -> list[Result]:
    """Turn an Exploration into per-property Results with shortest traces."""
    stats = run.stats
    out: list[Result] = []
    params = model.param_values()

    def result(p_name: str, kind: str, expect: str, verdict: str, reason: str, claims=(), trace=None):
        out.append(
            Result(model.id, params, p_name, kind, expect, verdict, reason, stats, ENGINE, trace,
                   claims=tuple(claims))
        )

    cut_reason = (
        f"search cut: {run.cut} after {stats.distinct_states} distinct states at depth {stats.depth}"
        if run.cut
        else ""
    )
    for p in props:
        if p.kind in ("invariant", "action") and p.name in run.violations:
            s, pre, step = run.violations[p.name]
            if p.kind == "invariant":
                states = path_to(run.parent, s)
                steps = steps_along(model, states)
                msg = f"invariant {p.name} is false in the last state: {_one_line(p.doc)}"
            else:
                states = path_to(run.parent, pre) + [s]
                steps = steps_along(model, states[:-1]) + [step]
                msg = f"action property {p.name} is false for step {step}: {_one_line(p.doc)}"
            trace = build_trace(model, p.name, p.kind, ENGINE, msg, states, steps)
            result(p.name, p.kind, p.expect, VIOLATED, msg, p.claims, trace)
        elif p.kind == "sometimes" and p.name in run.witnesses:
            result(p.name, p.kind, p.expect, HOLDS, "reached", p.claims)
        elif run.cut:
            result(p.name, p.kind, p.expect, INCONCLUSIVE, cut_reason, p.claims)
        elif p.kind == "sometimes":
            result(p.name, p.kind, p.expect, VIOLATED,
                   f"no reachable state satisfies {p.name}: the model may be vacuous", p.claims)
        else:
            result(p.name, p.kind, p.expect, HOLDS,
                   f"checked all {stats.distinct_states} reachable states", p.claims)
    if deadlock_on:
        if run.deadlock is not None:
            states = path_to(run.parent, run.deadlock)
            msg = "deadlock: the last state has no successor"
            trace = build_trace(model, "deadlock", "deadlock", ENGINE, msg, states,
                                steps_along(model, states))
            result("deadlock", "deadlock", model.expected.get("deadlock", HOLDS), VIOLATED, msg,
                   model.claims, trace)
        elif run.cut:
            result("deadlock", "deadlock", model.expected.get("deadlock", HOLDS), INCONCLUSIVE,
                   cut_reason, model.claims)
        else:
            result("deadlock", "deadlock", model.expected.get("deadlock", HOLDS), HOLDS,
                   "every reachable state has a successor", model.claims)
    return out


def _one_line(doc: str) -> str:
    return doc.strip().splitlines()[0] if doc.strip() else ""
