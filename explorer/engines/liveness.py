"""Liveness under fairness: checked on the explored state graph with SCCs.

Declaring properties
--------------------
A model declares liveness properties as class attributes next to its
invariants; a predicate is a function ``(self, s) -> bool`` (a lambda is fine)
or the name of a model method ``(s) -> bool``::

    class Lock(Model):
        weak_fair = ("all_protocol", "tick")   # protocol steps and time; never a crash
        # or, over groups: weak_fair = (group("acquire", "release"), group("serve", keep=("c",)))
        decided = eventually(lambda self, s: s.owner is not None,
                             expect="violated", doc="Someone eventually gets the lock.")
        freed = leads_to("held", "free")       # whenever held, eventually free
        served = always_eventually("free")     # free infinitely often
        no_spin = no_livelock("free")          # no fair cycle that never frees it

        def held(self, s): return s.owner is not None
        def free(self, s): return s.owner is None

``eventually(Q)``: every behaviour reaches a Q-state.  ``leads_to(P, Q)``:
whenever P holds, Q holds then or later.  ``always_eventually(Q)``: Q holds
infinitely often.  ``no_livelock(Q)`` (Q is the model's *progress*
predicate): no fair behaviour runs forever through a cycle without Q --
behaviours that stop (deadlocks) are not livelocks; the safety engine's
``deadlock`` check reports those, so the two are reported separately.  Each
takes ``expect=``, ``doc=`` and ``claims=`` like the other property
decorators.

Behaviours and stuttering
-------------------------
A behaviour is a path from an initial state that is either infinite or ends in
a *dead end* (a state with no successor), where it stays forever.  A state
with a successor cannot stutter forever: the system as a whole always takes
some step (in TLA+ terms every model implicitly has ``WF_vars(Next)``).  So
without any declared fairness a violation needs a reachable cycle or dead end
outside Q, and dead ends outside Q are always violations (no action is enabled
there, so no fairness can forbid stopping).

Fairness
--------
``weak_fair`` / ``strong_fair`` on the model name actions (or a fault kind,
meaning every action of that kind); ``"all_protocol"`` means every action that
is not a fault.  A name is fair per *instance*: each
argument tuple of a named action is fair on its own (``rm_prepare(rm=0)`` and
``rm_prepare(rm=1)`` separately, TLA+'s ``\\A rm: WF(RMPrepare(rm))``); the
branches of a branching action are one instance.  A :func:`group` is one
obligation for all its members together: ``group("a", "b")`` is
``WF(\\E args: A \\/ B)``, and ``group("rcv", keep=("i",))`` is
``\\A i: WF(\\E j: Rcv(i, j))``, one obligation per value of the kept arguments.

* weakly fair instance A: a behaviour in which A is eventually enabled in
  every state (continuously) must take A infinitely often;
* strongly fair instance A: a behaviour in which A is enabled infinitely often
  must take A infinitely often.

How a self-loop counts.  A group follows TLA+: a step that leaves the state
unchanged is a stuttering step, not an ``<<A \\/ B>>_vars`` step, so a
self-loop neither enables a group nor takes it (``WF(Spin \\/ Finish)`` is
not met by spinning in place).  A name keeps its meaning from before groups:
a self-loop of an instance enables that instance and, on the cycle, takes it.
For weak fairness this gives TLA+'s verdicts too (a cycle through a state
may always take that state's self-loops); strong fairness can differ from
TLA+ only where an instance's sole step in some state is a self-loop.  As a
step of the system, a self-loop is always a successor: a behaviour may cycle
on it, subject to the fairness above.

Faults are never fair implicitly.  Destructive faults (crash, drop, duplicate,
partition, pause, clock_jump) cannot be declared fair at all; the environment's
recoveries and time (restart, resume, heal, tick, expire) may be named
explicitly, because "time passes" and "a crashed node restarts" are
assumptions a model states.

Checking
--------
The reachable graph (``distcheck.engines.graph``) is built once per model.  For a
property with "bad" states B (states outside Q) and start states (initial
states for ``eventually``; P-states outside Q for ``leads_to``; every state
outside Q otherwise), the region is every state reachable from a start state
without leaving B.  A violation is a dead end in the region, or a *fair* cycle
in it.  Fair cycles are found per strongly connected component C of the
region (Emerson-Lei style): if a strongly fair instance is enabled somewhere in
C but taken on no edge inside C, the states where it is enabled are removed
and the rest split into components again; a component in which some weakly
fair instance is enabled in every state and taken on no edge inside is
rejected; a component that survives has a fair cycle (a tour of all its edges
is fair).  The counterexample is a *lasso*: the shortest prefix (BFS) to the
nearest such component or dead end, then a short cycle in the component that
takes every fair instance it must (greedy BFS from obligation to obligation).
In the trace, ``loop_start`` is the index of the state where the cycle starts;
the steps after it return to that state.  A dead end gives ``loop_start`` =
the number of steps (the behaviour stutters in the last state).

When a bound cuts the graph, states not expanded are neither dead ends nor on
cycles: a violation found is real, but "no violation" is ``inconclusive``.

Results and replay
------------------
Results carry ``extra["lasso"]`` = ``"deadlock"`` (the behaviour stops) or
``"livelock"`` (it cycles), and a ``leads_to`` whose P is never reachable
holds with ``extra["vacuous"]`` and says so in its reason.  ``replay`` of a
lasso (``FINAL_CHECKS["liveness"]`` = :func:`final_check`) re-executes the
prefix and one round of the cycle, then confirms that the cycle returns to
``loop_start`` (or that a dead end still has no successor), that Q is false
where the form needs it (and P held before, for ``leads_to``), and that the
cycle is still fair under the model's current fairness declarations.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from distcheck.contract.compiled import (
    AnyModel,
    BoundProperty,
    CompiledModel,
    checked_transitions,
    compile_model,
    property_holds,
)
from distcheck.contract.declarations import (
    ALL_PROTOCOL,
    FAIRABLE_FAULTS,
    FORMS,
    LIVENESS,
    FairGroup,
    LivenessSpec,
    Predicate,
    predicate_name,
)
from distcheck.contract.errors import ModelError
from distcheck.contract.model import Step
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED, Result, Trace, build_trace
from distcheck.engines.budget import CHECK_EVERY, Meter
from distcheck.engines.graph import StateGraph, build

ENGINE = "bfs-scc"
KIND = LIVENESS
#: under a sampling engine (simulate, hypothesis) liveness is still checked on the
#: exhaustive graph -- a sample has no cycles to judge -- with at most this many states
#: unless --max-states says otherwise: the user chose sampling for a space too large
SAMPLED_MAX_STATES = 200_000
SAMPLING_ENGINES = ("simulate", "hypothesis")


def _bind(model: CompiledModel, pred: Predicate, prop: str) -> Callable[[Any], bool]:
    """The predicate as ``f(state) -> bool``; one that raises becomes one ModelError."""
    author = model.model  # predicates are the author's: ``self`` is the instance
    if isinstance(pred, str):
        method = getattr(author, pred, None)
        if not callable(method):
            raise ModelError(f"model {model.id}: liveness property {prop} names {pred!r}, "
                             "which is not a method of the model")
        return lambda s: property_holds(model, prop, method, s)
    def of_model(s: Any) -> Any:
        return pred(author, s)

    return lambda s: property_holds(model, prop, of_model, s)


# --------------------------------------------------------------------------- fairness


@dataclass(frozen=True)
class GroupRule:
    """A :func:`~distcheck.contract.declarations.group` resolved: its strength and members."""

    declared: FairGroup
    strength: int  # 1 weak, 2 strong
    actions: frozenset[str]


@dataclass(frozen=True)
class Fairness:
    """Fairness obligations: action names per instance (strong wins when named in both),
    and groups, each one obligation per value of its kept arguments."""

    weak: frozenset[str] = frozenset()
    strong: frozenset[str] = frozenset()
    groups: tuple[GroupRule, ...] = ()

    def kind_of(self, action: str) -> int:
        """Per-instance fairness of an action: 0 unfair, 1 weakly fair, 2 strongly fair."""
        return 2 if action in self.strong else 1 if action in self.weak else 0

    def __bool__(self) -> bool:
        return bool(self.weak or self.strong or self.groups)

    def obligations(self, step: Step, stutter: bool = False) -> list[tuple[Any, int]]:
        """The obligations a step serves, as (key, strength); keys name themselves via str().

        Per instance the key is the step without its branch (every branch of
        an action instance is that instance); for a group, the group and the
        values of its kept arguments.  A ``stutter`` (a self-loop) serves the
        per-instance obligations only: for a group it is no step at all.
        """
        out: list[tuple[Any, int]] = []
        kind = self.kind_of(step.action)
        if kind:
            out.append((replace(step, branch=None) if step.branch is not None else step, kind))
        if stutter:
            return out
        for rule in self.groups:
            if step.action in rule.actions:
                args = step.kwargs()
                out.append((GroupObligation(rule.declared, tuple(args[k] for k in rule.declared.keep)),
                            rule.strength))
        return out


@dataclass(frozen=True)
class GroupObligation:
    """One obligation of a group: the group and the values of its kept arguments."""

    declared: FairGroup
    kept: tuple[Any, ...]

    def __str__(self) -> str:
        if not self.kept:
            return str(self.declared)
        values = ", ".join(f"{k}={v!r}" for k, v in zip(self.declared.keep, self.kept, strict=True))
        return f"group({', '.join(self.declared.actions)}; {values})"


def fairness_of(model: AnyModel) -> Fairness:
    """Resolve the model's ``weak_fair`` / ``strong_fair`` declarations (ModelError if wrong)."""
    model = compile_model(model)
    by_name = {a.name: a for a in model.actions}

    def members(name: str, attr: str) -> set[str]:
        """The action names one declared name stands for."""
        if name == ALL_PROTOCOL:
            return {a.name for a in model.actions if a.fault is None}
        a = by_name.get(name)
        of_kind = [b.name for b in model.actions if b.fault == name]
        if a is None and of_kind and name in FAIRABLE_FAULTS:
            return set(of_kind)  # a fault kind names every action of that kind
        if a is None and of_kind:
            raise ModelError(
                f"model {model.id}: {attr} names the fault kind {name!r}; faults that do "
                f"damage are never fair (only {', '.join(FAIRABLE_FAULTS)} may be)"
            )
        if a is None:
            raise ModelError(
                f"model {model.id}: {attr} names {name!r}, which is not an action; its "
                f"actions are {', '.join(by_name) or 'none'} (or '{ALL_PROTOCOL}')"
            )
        if a.fault is not None and a.fault not in FAIRABLE_FAULTS:
            raise ModelError(
                f"model {model.id}: {attr} names the {a.fault} fault {name!r}; faults that "
                f"do damage are never fair (only {', '.join(FAIRABLE_FAULTS)} may be)"
            )
        return {name}

    def resolve(declared: Any, attr: str, strength: int) -> tuple[frozenset[str], list[GroupRule]]:
        if isinstance(declared, (str, FairGroup)):
            declared = (declared,)
        names: set[str] = set()
        rules: list[GroupRule] = []
        for item in declared:
            if isinstance(item, FairGroup):
                acts = set().union(*(members(n, f"{attr} {item}") for n in item.actions))
                for name in sorted(acts):
                    missing = [k for k in item.keep if k not in by_name[name].arg_names]
                    if missing:
                        raise ModelError(
                            f"model {model.id}: {attr} {item} keeps {missing[0]!r}, which is not "
                            f"an argument of action {name}"
                        )
                rules.append(GroupRule(item, strength, frozenset(acts)))
            else:
                names |= members(item, attr)
        return frozenset(names), rules

    strong, strong_groups = resolve(model.strong_fair, "strong_fair", 2)
    weak, weak_groups = resolve(model.weak_fair, "weak_fair", 1)
    return Fairness(weak - strong, strong, tuple(strong_groups + weak_groups))


@dataclass
class FairLabels:
    """The fairness obligations of a graph's edge labels, numbered.

    ``of_label[label]`` are the obligations an edge with that label serves
    when it changes the state, ``on_self_loop[label]`` those it serves as a
    self-loop (the per-instance ones), ``strength[o]`` is 1 (weak) or 2
    (strong) and ``keys[o]`` says what obligation ``o`` is.
    """

    of_label: list[tuple[int, ...]]
    on_self_loop: list[tuple[int, ...]]
    strength: list[int]
    keys: list[Any]

    def of_edge(self, label: int, source: int, target: int) -> tuple[int, ...]:
        return self.of_label[label] if source != target else self.on_self_loop[label]


def label_fairness(graph: StateGraph, fairness: Fairness) -> FairLabels:
    """Number the obligations the labels of ``graph`` serve under ``fairness``."""
    ids: dict[Any, int] = {}
    strength: list[int] = []
    keys: list[Any] = []
    of_label: list[tuple[int, ...]] = []
    on_self_loop: list[tuple[int, ...]] = []
    for step in graph.labels:
        for stutter, out in ((False, of_label), (True, on_self_loop)):
            mine = []
            for key, kind in fairness.obligations(step, stutter):
                o = ids.get(key)
                if o is None:
                    o = ids[key] = len(keys)
                    keys.append(key)
                    strength.append(kind)
                mine.append(o)
            out.append(tuple(mine))
    return FairLabels(of_label, on_self_loop, strength, keys)


# --------------------------------------------------------------------------- SCCs


def strongly_connected(graph: StateGraph, nodes: Iterable[int]) -> list[list[int]]:
    """Tarjan's SCCs of the subgraph induced by ``nodes`` (iterative, deterministic order).

    Only expanded states have edges.  The subgraph is renumbered 0..k-1 first,
    so the search itself runs on lists instead of dictionaries.
    """
    node_list = list(nodes)
    local = {v: i for i, v in enumerate(node_list)}
    offsets, targets, expanded = graph.offsets, graph.targets, graph.expanded
    succ = [
        [local[w] for w in targets[offsets[v]:offsets[v + 1]] if w in local] if v < expanded else []
        for v in node_list
    ]
    k = len(node_list)
    number = [-1] * k
    low = [0] * k
    on_stack = bytearray(k)
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in range(k):
        if number[root] >= 0:
            continue
        number[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        work = [(root, iter(succ[root]))]
        while work:
            v, it = work[-1]
            descended = False
            for w in it:
                if number[w] < 0:
                    number[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, iter(succ[w])))
                    descended = True
                    break
                if on_stack[w] and number[w] < low[v]:
                    low[v] = number[w]
            if descended:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == number[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    component.append(node_list[w])
                    if w == v:
                        break
                component.reverse()
                components.append(component)
    return components


@dataclass
class FairComponent:
    """A set of states in which a fair cycle exists, and the obligations taken inside it."""

    nodes: list[int]
    taken: set[int]


Enabled = Callable[[int], frozenset[int]]


def enabled_fair(graph: StateGraph, fair: FairLabels) -> Enabled:
    """``enabled(v)``: the obligations enabled in state ``v`` (cached; shared by properties).

    A self-loop enables its per-instance obligations but no group's (TLA+: a
    stuttering step is not an ``<<A \\/ B>>_vars`` step).
    """
    cache: dict[int, frozenset[int]] = {}
    # Many states enable the same set of steps: keep one copy of each set.
    shared: dict[frozenset[int], frozenset[int]] = {}
    of_edge = fair.of_edge

    def enabled(v: int) -> frozenset[int]:
        found = cache.get(v)
        if found is None:
            found = frozenset(o for lab, t in graph.out_edges(v) for o in of_edge(lab, v, t))
            found = cache[v] = shared.setdefault(found, found)
        return found

    return enabled


def fair_components(graph: StateGraph, nodes: Iterable[int], fair: FairLabels,
                    enabled: Enabled | None = None) -> list[FairComponent]:
    """Components of the subgraph on ``nodes`` that contain a fair cycle (module docstring).

    An obligation is taken inside a component by an edge inside it that
    serves it (a self-loop serves per-instance obligations only).
    """
    any_fair = bool(fair.strength)
    of_edge, strength = fair.of_edge, fair.strength
    enabled = enabled or enabled_fair(graph, fair)
    work = strongly_connected(graph, nodes)
    work.reverse()  # pop() then yields components in Tarjan's order
    found: list[FairComponent] = []
    while work:
        component = work.pop()
        if len(component) == 1:  # the common case: a state with or without self-loops
            v = component[0]
            loops = [lab for lab, t in graph.out_edges(v) if t == v]
            taken = {o for lab in loops for o in of_edge(lab, v, v)}
            # fair iff every obligation enabled here is served by one of its self-loops
            if loops and not (any_fair and enabled(v) - taken):
                found.append(FairComponent(component, taken))
            continue
        inside = set(component)
        taken = {o for v in component for lab, t in graph.out_edges(v)
                 if t in inside for o in of_edge(lab, v, t)}
        if not any_fair:
            found.append(FairComponent(component, taken))
            continue
        strong_missed = {o for v in component for o in enabled(v)
                         if strength[o] == 2 and o not in taken}
        if strong_missed:
            rest = [v for v in component if not (enabled(v) & strong_missed)]
            if rest:
                sub = strongly_connected(graph, rest)
                sub.reverse()
                work.extend(sub)
            continue
        always_enabled = frozenset.intersection(*(enabled(v) for v in component))
        if always_enabled - taken:
            continue  # a weak obligation is enabled throughout and never taken
        found.append(FairComponent(component, taken))
    return found


# --------------------------------------------------------------------------- lassos


@dataclass
class Lasso:
    """A violating behaviour: states ``nodes[0..k]``, the labels between them, and the loop.

    ``loop_start`` indexes ``nodes``; the labels after it lead back to
    ``nodes[loop_start]``.  ``loop_start == len(labels)``: the last state is a dead end.
    """

    nodes: list[int]
    labels: list[int]
    loop_start: int

    @property
    def dead_end(self) -> bool:
        return self.loop_start == len(self.labels)


def _bfs_path(graph: StateGraph, start: int, inside: set[int],
              goal: Callable[[int], bool],
              edge_goal: Callable[[int, int, int], bool] | None = None,
              at_least_one_step: bool = False) -> tuple[list[int], list[int]]:
    """Shortest path within ``inside`` from ``start`` to a node meeting ``goal``.

    With ``edge_goal(label, source, target)``, a path may also end by taking
    an edge that meets it.  Returns (nodes, labels).
    """
    parent: dict[int, tuple[int, int]] = {}
    seen = {start} if not at_least_one_step else set()
    queue = deque([start])
    if not at_least_one_step and goal(start):
        return [start], []
    while queue:
        v = queue.popleft()
        for lab, t in graph.out_edges(v):
            if t not in inside:
                continue
            if edge_goal is not None and edge_goal(lab, v, t):
                nodes, labels = _unwind(parent, v, start)
                return nodes + [t], labels + [lab]
            if t in seen:
                continue
            seen.add(t)
            parent[t] = (v, lab)
            if goal(t):
                return _unwind(parent, t, start)
            queue.append(t)
    raise AssertionError("no path inside a strongly connected component")  # pragma: no cover


def _unwind(parent: dict[int, tuple[int, int]], end: int, start: int) -> tuple[list[int], list[int]]:
    """The BFS path from ``start`` to ``end`` (a cycle when ``end`` is ``start`` with a parent)."""
    if end == start and start not in parent:
        return [start], []
    nodes, labels = [end], []
    v = end
    while True:
        u, lab = parent[v]
        nodes.append(u)
        labels.append(lab)
        if u == start:
            break
        v = u
    nodes.reverse()
    labels.reverse()
    return nodes, labels


def fair_cycle(graph: StateGraph, component: FairComponent, entry: int, fair: FairLabels,
               enabled: Enabled | None = None) -> tuple[list[int], list[int]]:
    """A short cycle from ``entry`` back to it inside ``component`` that is fair.

    Obligations: every one enabled somewhere in the component is either
    taken by a step that serves it (when it is taken inside at all) or seen
    disabled in some state of the cycle.  Greedy: walk to the nearest
    unmet obligation, repeat, then return to ``entry``.
    """
    inside = set(component.nodes)
    of_edge = fair.of_edge
    enabled = enabled or enabled_fair(graph, fair)
    relevant = set().union(*(enabled(v) for v in component.nodes))
    must_take = {o for o in relevant if o in component.taken}
    must_see_disabled = relevant - must_take
    nodes, labels = [entry], []

    def settle(path_nodes: list[int], path_labels: list[int]) -> None:
        for i, lab in enumerate(path_labels):
            must_take.difference_update(of_edge(lab, path_nodes[i], path_nodes[i + 1]))
        for v in path_nodes:
            must_see_disabled.difference_update(must_see_disabled - enabled(v))

    settle(nodes, labels)
    while must_take or must_see_disabled:
        here = nodes[-1]
        seg_nodes, seg_labels = _bfs_path(
            graph, here, inside,
            goal=lambda v: bool(must_see_disabled - enabled(v)),
            edge_goal=lambda lab, v, t: not must_take.isdisjoint(of_edge(lab, v, t)),
        )
        nodes += seg_nodes[1:]
        labels += seg_labels
        settle(seg_nodes, seg_labels)
    back_nodes, back_labels = _bfs_path(graph, nodes[-1], inside, goal=lambda v: v == entry,
                                        at_least_one_step=not labels)
    return nodes + back_nodes[1:], labels + back_labels


def find_lasso(graph: StateGraph, spec: LivenessSpec, p_holds: list[bool] | None,
               q_holds: list[bool], fair: FairLabels, enabled: Enabled | None = None
               ) -> Lasso | None:
    """The shortest violating lasso of ``spec`` on ``graph``, or None if there is none.

    ``q_holds`` / ``p_holds`` give the predicates per state id (expanded states).
    """
    n = graph.expanded
    if spec.form == "eventually":
        sources = [i for i in graph.initial if i < n and not q_holds[i]]
    elif spec.form == "leads_to":
        assert p_holds is not None
        sources = [i for i in range(n) if p_holds[i] and not q_holds[i]]
    else:
        sources = [i for i in range(n) if not q_holds[i]]
    if not sources:
        return None
    # BFS inside the bad states, each source entering at its own depth, so the
    # first target found has the shortest prefix overall.
    by_depth: dict[int, list[int]] = {}
    for i in sources:
        by_depth.setdefault(graph.depth_of[i], []).append(i)
    region_parent: dict[int, tuple[int, int]] = {}
    order: list[int] = []
    seen: set[int] = set()
    frontier: list[int] = []
    depth = min(by_depth)
    last_depth = max(by_depth)
    while frontier or depth <= last_depth:
        for i in by_depth.get(depth, ()):
            if i not in seen:
                seen.add(i)
                frontier.append(i)
        order.extend(frontier)
        next_frontier: list[int] = []
        for v in frontier:
            for lab, t in graph.out_edges(v):
                if t < n and not q_holds[t] and t not in seen:
                    seen.add(t)
                    region_parent[t] = (v, lab)
                    next_frontier.append(t)
        frontier = next_frontier
        depth += 1
    targets: dict[int, FairComponent | None] = {}
    if spec.form != "no_livelock":
        for v in order:
            if graph.is_dead_end(v):
                targets[v] = None
    enabled = enabled or enabled_fair(graph, fair)
    for component in fair_components(graph, order, fair, enabled):
        for v in component.nodes:
            targets.setdefault(v, component)
    hit = next((v for v in order if v in targets), None)
    if hit is None:
        return None
    region_nodes, region_labels = [hit], []
    while region_nodes[-1] in region_parent:
        u, lab = region_parent[region_nodes[-1]]
        region_nodes.append(u)
        region_labels.append(lab)
    region_nodes.reverse()
    region_labels.reverse()
    prefix_nodes, prefix_labels = graph.path_to(region_nodes[0])
    nodes = prefix_nodes + region_nodes[1:]
    labels = prefix_labels + region_labels
    component = targets[hit]
    loop_start = len(nodes) - 1
    if component is not None:
        cycle_nodes, cycle_labels = fair_cycle(graph, component, hit, fair, enabled)
        nodes += cycle_nodes[1:]
        labels += cycle_labels
    return Lasso(nodes, labels, loop_start)


# --------------------------------------------------------------------------- runner


class _Cut(Exception):
    """Judging a property was stopped by a bound (the message says which)."""


def _evaluate(model: CompiledModel, graph: StateGraph, prop: BoundProperty, pred: Predicate,
              meter: Meter | None = None) -> list[bool]:
    fn = _bind(model, pred, prop.name)
    states = graph.states
    out = []
    for i in range(graph.expanded):
        if meter is not None and i % CHECK_EVERY == 0 and (cut := meter.over()):
            raise _Cut(cut)
        out.append(fn(states[i]))
    return out


def describe_lasso(spec: LivenessSpec, lasso: Lasso) -> str:
    what = {
        "eventually": f"never reaches {predicate_name(spec.q)}",
        "leads_to": f"reaches {predicate_name(spec.p, 'P')} and then never "
                    f"{predicate_name(spec.q)}",
        "always_eventually": f"stops visiting {predicate_name(spec.q)}",
        "no_livelock": f"cycles forever without {predicate_name(spec.q)}",
    }[spec.form]
    if lasso.dead_end:
        how = (f"deadlock: stops after {lasso.loop_start} steps in a state with no successor")
    else:
        cycle = len(lasso.labels) - lasso.loop_start
        how = (f"livelock: after {lasso.loop_start} steps repeats a fair cycle of "
               f"{cycle} step{'s' if cycle != 1 else ''} forever")
    return f"a behaviour {what} ({how})"


@dataclass
class Judgement:
    """The verdict on one liveness property, why, and (for a violation) the lasso trace."""

    verdict: str
    reason: str
    trace: Trace | None = None
    #: holds only because its premise P is true in no reachable state
    vacuous: bool = False
    #: inconclusive because a bound cut the graph or the judging
    cut: bool = False


def check_property(model: AnyModel, graph: StateGraph, prop: BoundProperty, fair: FairLabels,
                   enabled: Enabled | None = None, meter: Meter | None = None) -> Judgement:
    """Judge one liveness property on ``graph`` (stopped by ``meter``'s bounds, if given)."""
    model = compile_model(model)
    spec = _spec_of(model, prop)
    try:
        q_holds = _evaluate(model, graph, prop, spec.q, meter)
        p_holds = _evaluate(model, graph, prop, spec.p, meter) if spec.p is not None else None
    except _Cut as exc:
        return Judgement(INCONCLUSIVE, f"search cut: {exc} after {len(graph):,} distinct states",
                         cut=True)
    lasso = find_lasso(graph, spec, p_holds, q_holds, fair, enabled)
    if lasso is not None:
        message = f"{prop.name}: {describe_lasso(spec, lasso)}"
        states = [graph.states[i] for i in lasso.nodes]
        steps: list[Step] = [graph.labels[lab] for lab in lasso.labels]
        trace = build_trace(model, prop.name, KIND, ENGINE, message, states, steps,
                            loop_start=lasso.loop_start)
        return Judgement(VIOLATED, message, trace)
    if graph.cut is not None:
        return Judgement(INCONCLUSIVE, f"search cut: {graph.cut} after {len(graph):,} distinct "
                         "states; no violation among the expanded states", cut=True)
    if p_holds is not None and not any(p_holds):
        # the sanity check of DESIGN.md: a property about a state that never occurs says nothing
        return Judgement(HOLDS, f"holds vacuously: {predicate_name(spec.p, 'P')} is true in none "
                         f"of the {len(graph):,} reachable states", vacuous=True)
    return Judgement(HOLDS, f"no fair cycle or dead end violates it among all {len(graph):,} "
                     "reachable states")


def _spec_of(model: CompiledModel, prop: BoundProperty) -> LivenessSpec:
    spec = prop.spec
    if not isinstance(spec, LivenessSpec) or spec.form not in FORMS:
        raise ModelError(f"model {model.id}: liveness property {prop.name} was not declared with "
                         "eventually / leads_to / always_eventually / no_livelock")
    return spec


def run(model: AnyModel, props: list[BoundProperty], options: Any) -> list[Result]:
    """KIND_RUNNERS entry: check every liveness property of ``model`` on one graph."""
    model = compile_model(model)
    fairness = fairness_of(model)
    budget = getattr(options, "budget", None)
    bounds = options.bounds
    note = ""
    if options.engine in SAMPLING_ENGINES:
        # say so: the user asked for sampling and gets an exhaustive search, bounded
        limit = bounds.max_states if bounds.max_states is not None else SAMPLED_MAX_STATES
        if budget is not None and budget.max_states is not None:
            limit = min(limit, budget.max_states)
        bounds = replace(bounds, max_states=limit)
        note = (f" (checked on the exhaustive state graph, bounded to {limit:,} states: "
                f"--engine {options.engine} samples safety properties only)")
    graph = build(model, bounds, budget, phase="liveness graph")
    fair = label_fairness(graph, fairness)
    enabled = enabled_fair(graph, fair)
    out = []
    for prop in props:
        started = time.perf_counter()
        meter = (budget.meter(f"liveness check of {prop.name}", options.bounds)
                 if budget is not None else None)
        judged = check_property(model, graph, prop, fair, enabled, meter)
        trace = judged.trace
        stats = replace(graph.stats, seconds=graph.stats.seconds + time.perf_counter() - started)
        shape = {}
        if trace is not None:  # deadlock and livelock are told apart in --json output too
            shape = {"lasso": "deadlock" if trace.loop_start == len(trace.steps) else "livelock"}
        if judged.vacuous:
            shape = {"vacuous": True}
        if judged.cut:
            shape = {"cut": judged.reason}
        out.append(Result(model.id, model.param_values, prop.name, KIND, prop.expect,
                          judged.verdict, judged.reason + note, stats, ENGINE, trace, claims=prop.claims,
                          extra=shape))
    return out


# --------------------------------------------------------------------------- replay


def final_check(model: AnyModel, prop: BoundProperty, trace: Trace, states: list[Any],
                steps: list[Step]) -> str | None:
    """FINAL_CHECKS["liveness"]: does the replayed lasso still violate ``prop`` fairly?"""
    model = compile_model(model)
    spec = _spec_of(model, prop)
    k = trace.loop_start
    if k is None:
        return "a liveness trace needs loop_start (where its cycle begins)"
    if not 0 <= k < len(states):
        return f"loop_start {k} is not a state of the trace"
    dead_end = k == len(steps)
    if dead_end:
        if model.has_successor(states[-1]):
            return "the last state has a successor now: the behaviour need not stop there"
        if spec.form == "no_livelock":
            return "a stop in a dead end is a deadlock, not a livelock"
    elif states[-1] != states[k]:
        return f"the cycle no longer returns to state {k}, where it started"
    q = _bind(model, spec.q, prop.name)
    cycle = states[k:]
    if spec.form == "eventually":
        bad = next((i for i, s in enumerate(states) if q(s)), None)
        if bad is not None:
            return f"{predicate_name(spec.q)} now holds in state {bad}"
    elif spec.form == "leads_to":
        assert spec.p is not None
        p = _bind(model, spec.p, prop.name)
        last_q = max((i for i, s in enumerate(states) if q(s)), default=-1)
        if last_q >= k:
            return f"{predicate_name(spec.q)} now holds in state {last_q}, inside the cycle"
        if not any(p(s) for s in states[last_q + 1:]):
            return (f"{predicate_name(spec.p, 'P')} no longer holds in any state after the last "
                    f"{predicate_name(spec.q)}-state")
    else:
        bad = next((i for i, s in enumerate(cycle, start=k) if q(s)), None)
        if bad is not None:
            return f"{predicate_name(spec.q)} now holds in state {bad}, inside the cycle"
    return _unfairness(model, cycle, steps[k:])


def _unfairness(model: CompiledModel, cycle: list[Any], cycle_steps: list[Step]) -> str | None:
    """Why the cycle is not a fair behaviour any more, or None when it is fair.

    As on the graph, only steps that change the state enable or take an obligation.
    """
    fairness = fairness_of(model)
    if not fairness:
        return None
    # the last state of a round is the first again; count each state once
    states = cycle[:-1] if cycle_steps else cycle
    # Obligation keys are frozen dataclasses: hashable whatever the arguments are
    # (a network Message is not JSON), and str() orders them deterministically.
    strength: dict[Any, int] = {}

    def served(step: Step, s: Any, t: Any) -> set[Any]:
        out = set()
        for key, kind in fairness.obligations(step, stutter=s == t):
            strength[key] = max(kind, strength.get(key, 0))
            out.add(key)
        return out

    taken = set().union(*(served(st, s, t) for st, s, t in zip(cycle_steps, cycle, cycle[1:],
                                                              strict=False)))
    enabled = [set().union(*(served(a.step(args), s, t)
                             for a, args, t in checked_transitions(model, s)))
               for s in states]
    everywhere = set.intersection(*enabled) if enabled else set()
    somewhere = set().union(*enabled) if enabled else set()
    for key in sorted(everywhere - taken, key=str):
        return f"the cycle is unfair now: weakly fair {key} is enabled throughout and never taken"
    for key in sorted(somewhere - taken, key=str):
        if strength[key] == 2:
            return f"the cycle is unfair now: strongly fair {key} is enabled in it and never taken"
    return None
