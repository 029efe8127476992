"""Exhaustive breadth-first exploration: the hot loop of the product.

Every reachable state is stored once (``parent`` maps a state to the state it
was first reached from), every invariant is checked on every new state, and
traces are rebuilt from parent links by re-executing the actions, so nothing
per state but the parent pointer is kept.  Because states are discovered level
by level, the first violation found is at minimal depth: traces are shortest.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from distcheck.contract.compiled import (
    AnyModel,
    BoundAction,
    BoundProperty,
    CompiledModel,
    branches,
    changed_in_place,
    checked_transitions,
    compile_model,
    explain_failure,
    property_holds,
    truth,
)
from distcheck.contract.coverage import coverage_of
from distcheck.contract.errors import ModelError, passes_through, shown
from distcheck.contract.model import DEADLOCK, Step
from distcheck.contract.statecheck import render
from distcheck.contract.verdict import (
    HOLDS,
    INCONCLUSIVE,
    VIOLATED,
    Result,
    Stats,
    Trace,
    build_trace,
    violation_message,
)
from distcheck.engines import workers as worker_pool
from distcheck.engines.budget import CHECK_EVERY, Budget, Meter, out_of_memory
from distcheck.engines.fingerprints import FingerprintStore, collision_probability
from distcheck.engines.symmetry import canonicaliser, concretise

ENGINE = "bfs"
#: how visited states are kept: whole (a dict, exact) or as 64-bit fingerprints
STORAGES = ("states", "fingerprints")

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
    #: state -> parent state, or a FingerprintStore (``storage="fingerprints"``)
    parent: dict[Any, Any] | FingerprintStore
    violations: dict[str, tuple[Any, Any, Step | None]] = field(default_factory=dict)
    witnesses: dict[str, Any] = field(default_factory=dict)
    deadlock: Any = None
    #: action name -> successors it generated / distinct states first reached through it
    fired: dict[str, int] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)
    #: the canonical form stored for each state under symmetry reduction, else None
    canonical: Callable[[Any], Any] | None = None


def explore(
    model: AnyModel,
    properties: list[BoundProperty] | None = None,
    bounds: Bounds | None = None,
    progress: Progress | None = None,
    check_deadlock: bool | None = None,
    stop_when_decided: bool = True,
    budget: Budget | None = None,
    storage: str = "states",
    symmetry: bool = False,
    workers: int = 1,
) -> Exploration:
    """Breadth-first search of ``model``'s reachable states.

    ``violations`` maps a property name to ``(state, pre_state, step)``: the
    violating state, and for action properties the transition into it.
    With ``stop_when_decided`` the search ends once every property is violated
    (or witnessed); the stats then say ``complete=False``.
    ``deadlock`` is the first state found without successor, looked for when
    ``properties`` hold one of kind ``deadlock`` (``check_deadlock`` overrides).
    The search stores at most ``bounds.max_states`` states and what the
    command's ``budget`` has left (:mod:`distcheck.engines.budget`).
    ``storage="fingerprints"`` keeps a 64-bit fingerprint per state instead of
    the state (:mod:`distcheck.engines.fingerprints`).  ``symmetry`` explores one
    state per orbit of the nodes the model declares ``symmetric``
    (:mod:`distcheck.engines.symmetry`; without a declaration it changes nothing).
    ``workers`` > 1 splits the search among that many processes
    (:mod:`distcheck.engines.workers`, which stores fingerprints); a bound on
    states or depth keeps it in one process.
    """
    model = compile_model(model)
    bounds = bounds or Bounds()
    props = model.checked_properties() if properties is None else properties
    # deadlock is a property like any other; the argument is an override for direct callers
    deadlock_on = any(p.kind == DEADLOCK for p in props) if check_deadlock is None else check_deadlock
    invariants = [(p.name, p.check) for p in props if p.kind == "invariant"]
    action_props = [(p.name, p.check) for p in props if p.kind == "action"]
    wanted = [(p.name, p.check) for p in props if p.kind == "sometimes"]
    undecided = len(invariants) + len(action_props) + len(wanted) + (1 if deadlock_on else 0)
    stop_when_decided = stop_when_decided and undecided > 0

    start = time.perf_counter()
    meter = budget.meter("bfs exploration", bounds) if budget is not None else Meter(
        None, bounds, "bfs exploration")
    stats = Stats()
    inits = model.initial_states()
    canon = canonicaliser(model.model) if symmetry else None
    if canon is not None:
        inits = list(dict.fromkeys(canon(s) for s in inits))
    if storage not in STORAGES:
        raise ValueError(f"storage must be one of {STORAGES}, not {storage!r}")
    # the hot loop asks only `t in parent`, `parent[t] = s` and len(parent) of either
    parent: Any = dict.fromkeys(inits) if storage == "states" else FingerprintStore(inits)
    # fingerprints: the frontier is most of the memory left; its states share their parts
    keep = parent.keep if storage == "fingerprints" else None
    stats.total_states = model.initial_generated  # generated, so duplicates count
    stats.depth = 1
    result = Exploration(stats=stats, cut=None, parent=parent, canonical=canon)
    violations, witnesses = result.violations, result.witnesses
    fired, new = result.fired, result.new
    for name in {a.name: None for a in model.actions}:
        fired[name] = new[name] = 0

    invariants, wanted = _judge_initial(model, inits, invariants, wanted, violations, witnesses)
    undecided -= len(violations) + len(witnesses)
    if (workers > 1 and worker_pool.available() and meter.state_cap == sys.maxsize
            and bounds.max_depth is None):
        names = [n for n, _ in chain(invariants, action_props, wanted)]
        worker_pool.explore(model, props, workers, result, inits, names, deadlock_on,
                            stop_when_decided and undecided > 0, meter, symmetry, progress, start)
        meter.close(stats.distinct_states)
        stats.seconds = time.perf_counter() - start
        return result

    # Hot loop.  Everything it touches is a local; properties are called
    # directly (a failure is re-diagnosed afterwards by explain_failure, so no
    # per-call bookkeeping is needed), and judging a new state costs one test
    # when there is nothing left to judge.
    plan = [(a, _entries(a, a.static_args) if a.static_args is not None else None)
            for a in model.actions]
    fixed = all(entries is not None for _, entries in plan)
    static_calls = [e for _, entries in plan for e in entries] if fixed else []
    branching = any(a.branching for a in model.actions)
    model_id = model.id
    judging = bool(invariants or wanted)
    frontier = inits
    total = stats.total_states
    cap = meter.state_cap
    max_depth = bounds.max_depth
    next_report = start + 1.0
    next_check = total + CHECK_EVERY
    expanded = 0
    # The state contract (distcheck.contract.statecheck): successors are checked when the
    # count reaches ``due`` -- one comparison each; in verification mode every successor,
    # and every expanded state is rendered before and compared after.
    contract = model.contract
    verify = contract.verify
    due = contract.next_due(total)
    snapshot = ""
    a: Any = None
    u: Any = None
    args: Any = None
    s: Any = None
    cut = meter.over() or (meter.states_cut() if len(parent) > cap else None)

    while frontier and not cut and not (stop_when_decided and undecided <= 0):
        # At the depth bound the last level is still expanded (its transitions
        # checked, its dead ends seen); a state beyond it only marks the cut.
        at_limit = max_depth is not None and stats.depth >= max_depth
        beyond = False
        next_frontier: list[Any] = []
        push = next_frontier.append
        if keep is not None:
            push = _compacting(push, keep)
            parent.next_level(frontier)
        try:
            for s in frontier:
                before = total
                if verify:
                    snapshot = render(s)
                calls: Any = static_calls if fixed else _calls(plan, s)
                if branching:
                    # a branching action's successors are appended as calls of their own,
                    # which the chain reaches once the action calls are done
                    more: list[tuple[Any, ...]] = []
                    calls = chain(calls, more)
                for a, call, args, arity, x, y in calls:
                    # call(s, *args) costs twice a plain call: spell out the usual arities
                    if arity == 1:
                        t = call(s, x)
                    elif arity == 0:
                        t = call(s)
                    elif arity == 2:
                        t = call(s, x, y)
                    elif arity < 0:
                        more += _branch_calls(model_id, a, s, args, call(s, *args))
                        continue
                    else:
                        t = call(s, *args)
                    if t is None:
                        continue
                    total += 1
                    fired[a.name] += 1
                    if total >= due:
                        contract.check(t, a.step(args))
                        due = contract.next_due(total)
                    if canon is not None:  # symmetry: one representative per orbit
                        u, t = t, canon(t)
                    if t not in parent:
                        if at_limit:
                            beyond = True
                        elif len(parent) >= cap:
                            cut = meter.states_cut()
                            break
                        else:
                            parent[t] = s
                            push(t)
                            new[a.name] += 1
                            if judging:
                                # a check returns exactly True or False; anything else is
                                # judged (and refused) by truth(), off the fast path
                                for name, check in invariants:
                                    ok = check(t)
                                    if ok is not True and not truth(model, name, ok, t):
                                        violations[name] = (t, None, None)
                                        invariants = [i for i in invariants if i[0] != name]
                                        undecided -= 1
                                for name, check in wanted:
                                    ok = check(t)
                                    if ok is not False and truth(model, name, ok, t):
                                        witnesses[name] = t
                                        wanted = [w for w in wanted if w[0] != name]
                                        undecided -= 1
                                judging = bool(invariants or wanted)
                    if action_props:
                        step = a.step(args)
                        for name, check in action_props:
                            actual = t if canon is None else u
                            ok = check(s, step, actual)
                            if ok is not True and not truth(model, name, ok, s):
                                violations[name] = (actual, s, step)
                                action_props = [p for p in action_props if p[0] != name]
                                undecided -= 1
                if verify and render(s) != snapshot:
                    raise changed_in_place(model, s, snapshot)
                if cut:
                    break
                if total == before and deadlock_on and result.deadlock is None:
                    result.deadlock = s
                    undecided -= 1
                expanded += 1
                # asked by work done, not by states expanded: one state may have
                # thousands of successors
                if expanded & 255 == 0 or total >= next_check:
                    next_check = total + CHECK_EVERY
                    now = time.perf_counter()
                    if progress is not None and now >= next_report:
                        progress(len(parent), total, stats.depth, len(next_frontier), now - start)
                        next_report = now + 1.0
                    cut = meter.over()
                    if cut:
                        break
        except ModelError:
            raise
        except MemoryError:
            next_frontier = []
            cut = out_of_memory("bfs exploration")
        except BaseException as exc:  # SystemExit from model code too; Ctrl-C passes
            if passes_through(exc):
                raise
            raise explain_failure(model, props, s, a, args, exc) from exc
        stats.total_states = total
        result.cut = cut
        if at_limit and not result.cut:
            if beyond:
                result.cut = f"max-depth={max_depth} reached"
            else:
                frontier = []  # every successor of the last level is known: complete
            break
        if next_frontier:
            stats.depth += 1  # the level a cut interrupted was reached all the same
        if result.cut:
            break
        frontier = next_frontier

    result.cut = cut if result.cut is None else result.cut
    meter.close(len(parent))
    stats.distinct_states = len(parent)
    stats.seconds = time.perf_counter() - start
    # not complete either when stopped early because every property was decided
    stats.complete = result.cut is None and not frontier
    if isinstance(parent, FingerprintStore):
        stats.collision_probability = collision_probability(len(parent), total)
    return result


Checks = list[tuple[str, Callable[..., Any]]]


def _entries(a: BoundAction, arguments: Any) -> list[tuple[Any, ...]]:
    """Calls of action ``a``: ``(action, bound method, args, len(args), args[0], args[1])``.

    A branching action's calls have arity -1: the hot loop expands them.
    """
    out = []
    call = a.call
    for args in arguments:
        args = tuple(args)
        n = len(args)
        out.append((a, call, args, -1 if a.branching else n, args[0] if n else None,
                    args[1] if n > 1 else None))
    return out


def _compacting(push: Callable[[Any], None], compact: Callable[[Any], Any]
                ) -> Callable[[Any], None]:
    return lambda t: push(compact(t))


def _given(s: Any, t: Any) -> Any:
    return t


def _branch_calls(model_id: str, a: BoundAction, s: Any, args: tuple[Any, ...], produced: Any
                  ) -> list[tuple[Any, ...]]:
    """One call entry per branch: the branch's view as action, its successor as the result."""
    return [(view, _given, args, 1, t, None) for view, t in branches(model_id, a, s, args, produced)]


def _calls(plan: list[tuple[BoundAction, Any]], s: Any) -> list[tuple[Any, ...]]:
    """Every call to make in state ``s``: static entries as computed once, the rest now."""
    out: list[tuple[Any, ...]] = []
    for a, entries in plan:
        out.extend(entries if entries is not None else _entries(a, a.arguments(s)))
    return out


def _judge_initial(
    model: CompiledModel,
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


# --------------------------------------------------------------------------- traces


def path_to(parent: dict[Any, Any] | FingerprintStore, s: Any,
            model: AnyModel | None = None) -> list[Any]:
    """States from an initial state to ``s`` along parent links.

    A FingerprintStore keeps no states: the path is rebuilt by re-executing ``model``.
    A path longer than the number of stored states went round a cycle of parent
    links: stored states were changed in place (their hashes moved).  That is a
    ModelError, not an endless loop.
    """
    if isinstance(parent, FingerprintStore):
        if model is None:
            raise ValueError("a fingerprint store needs the model to rebuild a path")
        compiled = compile_model(model)
        return parent.path_to(compiled.transitions, compiled.initial_states(), s)
    path = [s]
    limit = len(parent)
    while True:
        try:
            p = parent[path[-1]]
        except KeyError:
            p = path  # a stored state that no longer finds itself: its hash moved
        if p is None:
            break
        if p is path or len(path) >= limit:
            raise ModelError(
                "the parent links of the explored states are broken (a cycle, or a state "
                f"that is no longer found): the model changed states after they were stored "
                f"(at {shown(path[-1], 80)}); actions must return new states built from tuples, "
                "NamedTuples, frozensets or frozen dataclasses"
            )
        path.append(p)
    path.reverse()
    return path


def _real_path(model: CompiledModel, run: Exploration, s: Any) -> list[Any]:
    """States of the model from an initial state to (a renumbering of) stored state ``s``."""
    key = run.canonical
    if key is None:
        return path_to(run.parent, s, model)
    if isinstance(run.parent, FingerprintStore):
        return run.parent.path_to(model.transitions, model.initial_states(), s, key)
    return concretise(model.transitions, model.initial_states(), key, path_to(run.parent, s))


def _violating_step(model: CompiledModel, p: BoundProperty, s: Any) -> tuple[Step, Any]:
    """A step from real state ``s`` that breaks action property ``p`` (symmetry: it exists)."""
    for a, args, t in model.transitions(s):
        step = a.step(args)
        if not property_holds(model, p.name, p.check, s, step, t):
            return step, t
    raise ModelError(f"model {model.id}: symmetry: no renumbered step breaks {p.name}; the model "
                     "is not symmetric in the declared sorts (remove symmetric)")


class TraceCut(Exception):
    """Building a trace was stopped by a bound (the message says which)."""


def steps_along(model: AnyModel, states: list[Any], meter: Meter | None = None) -> list[Step]:
    """The step taken between each pair of consecutive states (first match, deterministic).

    With a ``meter``, raises TraceCut once a bound is reached.
    """
    model = compile_model(model)
    steps = []
    for s, t in zip(states, states[1:], strict=False):
        cut = meter.over() if meter is not None else None
        if cut:
            raise TraceCut(cut)
        for a, args, u in checked_transitions(model, s):
            if u == t:
                steps.append(a.step(args))
                break
        else:  # pragma: no cover - parent links always come from a transition
            raise ModelError(f"model {model.id}: no action leads from {s!r} to {t!r}")
    return steps


#: the property kinds a safety engine decides (this one and those in checker.SAFETY_ENGINES)
SAFETY_KINDS = ("invariant", "action", "sometimes", DEADLOCK)


def check(
    model: AnyModel,
    properties: list[BoundProperty] | None = None,
    bounds: Bounds | None = None,
    progress: Progress | None = None,
    check_deadlock: bool | None = None,
    budget: Budget | None = None,
    full: bool = False,
    storage: str = "states",
    symmetry: bool = False,
    workers: int = 1,
) -> list[Result]:
    """Explore ``model`` and return one Result per safety property.

    With ``full`` the search goes on after every property is decided, so that
    its action coverage is complete.

    A property of kind ``deadlock`` (:meth:`CompiledModel.deadlock_property`) is
    checked like any other.  ``properties`` default to the model's, with
    ``deadlock`` when the model checks it; ``check_deadlock`` adds (True) or
    leaves out (False) the deadlock property either way.
    """
    model = compile_model(model)
    props = model.checked_properties(check_deadlock) if properties is None else list(properties)
    if properties is not None and check_deadlock is not None:
        props = [p for p in props if p.kind != DEADLOCK]
        props += [model.deadlock_property()] if check_deadlock else []
    mine = [p for p in props if p.kind in SAFETY_KINDS]
    run = explore(model, mine, bounds, progress, any(p.kind == DEADLOCK for p in mine),
                  stop_when_decided=not full, budget=budget, storage=storage,
                  symmetry=symmetry, workers=workers)
    meter = budget.meter("bfs trace building", bounds) if budget is not None else None
    return results_of(model, run, mine, meter)


def results_of(model: CompiledModel, run: Exploration, props: list[BoundProperty],
               meter: Meter | None = None) -> list[Result]:
    """Turn an Exploration into per-property Results with shortest traces.

    A trace whose building a bound stops (``meter``) leaves its property ``inconclusive``.
    """
    stats = run.stats
    out: list[Result] = []
    params = model.param_values
    coverage = coverage_of(model, run.fired, run.new, stats.complete)

    def result(p: BoundProperty, verdict: str, reason: str, trace: Trace | None = None,
               cut: bool = False) -> None:
        out.append(
            Result(model.id, params, p.name, p.kind, p.expect, verdict, reason, stats, ENGINE,
                   trace, claims=tuple(p.claims), extra={"cut": reason} if cut else {},
                   coverage=coverage)
        )

    # TLC's figure: the chance that a fingerprint collision hid a state
    odds = ("" if stats.collision_probability is None else
            f" (as fingerprints: collision probability {stats.collision_probability:.1e})")
    cut_reason = (
        f"search cut: {run.cut} after {stats.distinct_states} distinct states at depth {stats.depth}"
        if run.cut
        else ""
    )
    for p in props:
        found = run.violations.get(p.name) if p.kind in ("invariant", "action") else None
        if p.kind == DEADLOCK and run.deadlock is not None:
            found = (run.deadlock, None, None)
        if found is not None:
            s, pre, step = found
            try:
                if p.kind == "action":
                    states = _real_path(model, run, pre)
                    if run.canonical is not None:  # the violating step, from the real state
                        step, s = _violating_step(model, p, states[-1])
                    states = states + [s]
                else:
                    states = _real_path(model, run, s)
            except ModelError as exc:
                raise ModelError(f"model {model.id}: {exc}") from None
            try:
                steps = (steps_along(model, states[:-1], meter) + [step] if p.kind == "action"
                         else steps_along(model, states, meter))
            except TraceCut as exc:
                result(p, INCONCLUSIVE, f"a violation was found at depth {len(states)}, but "
                       f"building its trace was cut: {exc}", cut=True)
                continue
            msg = violation_message(p.kind, p.name, p.doc, step)
            result(p, VIOLATED, msg, build_trace(model, p.name, p.kind, ENGINE, msg, states, steps))
        elif p.kind == "sometimes" and p.name in run.witnesses:
            result(p, HOLDS, "reached")
        elif run.cut:
            result(p, INCONCLUSIVE, cut_reason, cut=True)
        elif p.kind == "sometimes":
            result(p, VIOLATED, f"no reachable state satisfies {p.name}: the model may be vacuous")
        elif p.kind == DEADLOCK:
            result(p, HOLDS, "every reachable state has a successor")
        else:
            result(p, HOLDS, f"checked all {stats.distinct_states} reachable states{odds}")
    return out
