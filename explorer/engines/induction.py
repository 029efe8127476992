"""Proofs for any number of nodes: induction with Z3, counterexamples to induction, inference.

``prove_unbounded(model)`` takes a model with typed state fields
(:mod:`distcheck.contract.typed`) and its invariants, made symbolic by
:mod:`distcheck.engines.symbolic`, and checks

* initiation: the declared initial state satisfies every invariant, and
* consecution: from any state satisfying them all, for any number of nodes,
  every transition leads to a state satisfying them all.

Both hold: ``holds``, "proved for any number of <nodes>".  Otherwise the
solver's counterexample to induction (CTI) is made concrete: the fewest
nodes first, then the fewest facts that differ from the initial state.  The
action is re-run concretely on it (the Python model must agree), and the
explorer searches the model at that size: if it reaches the CTI's pre-state
(up to renaming the nodes), or finds the invariant violated there, it is a
real bug, ``violated`` with a trace; if not, the invariant is too weak to be
inductive, and the verdict is ``inconclusive`` with the CTI.

With ``infer=True``, candidate clauses are enumerated from templates over the
typed fields (``forall x, y: l1 or l2 or l3`` over per-node and global atoms),
kept if true in every state the explorer reaches at the model's own size,
then Houdini drops every candidate some transition breaks until the rest is
inductive.  The clauses needed to carry the invariants (found from the
solver's unsat cores) are printed as a Python invariant that can be pasted
into the model, and that text itself is re-checked inductive.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import z3

from distcheck.contract.compiled import BoundProperty, CompiledModel, compile_model
from distcheck.contract.errors import BadInput
from distcheck.contract.model import Step, declared_params, invariant
from distcheck.contract.typed import Flag, Map, Msgs, NodeSet, Var, declared_sorts
from distcheck.contract.verdict import (
    HOLDS,
    INCONCLUSIVE,
    VIOLATED,
    Result,
    Stats,
    build_trace,
)
from distcheck.engines.bfs import Bounds, explore, path_to, steps_along
from distcheck.engines.symbolic import (
    SymbolicModel,
    Transition,
    Unsupported,
    closed_world,
    node_terms,
)

ENGINE = "induction"
#: the largest number of nodes (per sort) a counterexample to induction is looked for with
MAX_CTI_NODES = 6
#: states the explorer may visit when triaging a CTI
TRIAGE_STATES = 500_000
#: variables of the inference templates, and their largest clause
TEMPLATE_VARS = ("x", "y")
MAX_LITERALS = 3


class SolverGaveUp(Exception):
    """Z3 answered unknown (time limit or incompleteness)."""


def _check(solver: Any, *assumptions: Any) -> bool:
    answer = solver.check(*assumptions)
    if answer == z3.unknown:
        raise SolverGaveUp(solver.reason_unknown())
    return answer == z3.sat


def _solver(timeout: float) -> Any:
    s = z3.Solver()
    s.set("timeout", max(1, int(timeout * 1000)))
    return s


def plural(sort: Any) -> str:
    word = sort.doc or sort.name
    return word if word.endswith("s") else word + "s"


# --------------------------------------------------------------------------- goals


@dataclass
class Goal:
    """A formula over a state to keep true: a model invariant or an inferred clause."""

    name: str
    at: Callable[[Any], Any]
    #: concrete reading, for candidates (None for model invariants: their method is the reading)
    holds_in: Callable[[Any], bool] | None = None
    text: str = ""
    cache: dict[int, Any] = field(default_factory=dict)

    def formula(self, state: Any) -> Any:
        key = id(state)
        if key not in self.cache:
            self.cache[key] = self.at(state)
        return self.cache[key]


def model_goals(sym: SymbolicModel, props: list[BoundProperty]) -> list[Goal]:
    return [Goal(p.name, lambda st, p=p: sym.invariant(p.check.__func__, st,
                                                       f"invariant {p.name}"))
            for p in props]


# --------------------------------------------------------------------------- induction


@dataclass
class Cti:
    """A counterexample to induction: a state satisfying the goals, a step, a state that does not."""

    goal: str
    sizes: dict[str, int]
    pre: Any
    step: Step
    post: Any
    initial: bool = False


def find_cti(sym: SymbolicModel, goals: list[Goal], timeout: float) -> Cti | None:
    """The first counterexample to induction of ``goals`` together, minimised, or None."""
    for g in goals:
        s = _solver(timeout)
        s.add(z3.Not(g.formula(sym.init)))
        if _check(s):
            return _minimise(sym, s, sym.init, None, g.name, timeout)
    s = _solver(timeout)
    s.add(*[g.formula(sym.pre) for g in goals])
    for t in sym.transitions:
        for g in goals:
            s.push()
            s.add(t.pc, z3.Not(g.formula(t.post)))
            if _check(s):
                cti = _minimise(sym, s, sym.pre, t, g.name, timeout)
                s.pop()
                return cti
            s.pop()
    return None


def _minimise(sym: SymbolicModel, s: Any, pre: Any, t: Transition | None, goal: str,
              timeout: float) -> Cti:
    """Make the solver's counterexample concrete: fewest nodes, then fewest facts."""
    for k in range(1, MAX_CTI_NODES + 1):
        sizes = dict.fromkeys(sym.sorts, k)
        nodes = node_terms(sym.sorts, sizes)
        s.push()
        s.add(*closed_world(sym.sorts, nodes))
        if _check(s):
            break
        s.pop()
    else:
        raise SolverGaveUp(f"no counterexample to induction with at most {MAX_CTI_NODES} nodes "
                           "per sort, though one exists for some larger number")
    # a node argument is one of the nodes: try the lowest numbers first
    if t is not None:
        for node in sym.node_args(t).values():
            for n in nodes[node.sort]:
                s.push()
                s.add(node.expr == n)
                if _check(s):
                    break
                s.pop()
    init = {key: term for term, key in sym.codec.facts(sym.init, nodes)}
    for term, key in sym.codec.facts(pre, nodes):
        plain = z3.simplify(term == init[key])
        s.push()
        s.add(plain)
        if not _check(s):
            s.pop()
    m = s.model()
    pre_c = _read(sym, m, pre, nodes, sizes)
    if t is None:
        return Cti(goal, sizes, pre_c, Step("init"), pre_c, initial=True)
    post_c = _read(sym, m, t.post, nodes, sizes)
    args = {}
    for name, v in t.args.items():
        node = sym.node_args(t).get(name)
        if node is None:
            args[name] = v
        else:
            args[name] = next(i for i, n in enumerate(nodes[node.sort])
                              if z3.is_true(m.eval(node.expr == n, model_completion=True)))
    step = Step(t.action, tuple(args.values()), tuple(args), branch=t.branch)
    return Cti(goal, sizes, pre_c, step, post_c)


def _read(sym: SymbolicModel, m: Any, state: Any, nodes: dict[str, list[Any]],
          sizes: dict[str, int]) -> Any:
    values = [(m.eval(term, model_completion=True), key)
              for term, key in sym.codec.facts(state, nodes)]
    return sym.codec.read(values, sizes)


# --------------------------------------------------------------------------- triage


@dataclass
class Triage:
    verdict: str
    reason: str
    trace: Any = None
    confirmed: bool = True
    stats: Stats = field(default_factory=Stats)
    #: the explorer reached the CTI's pre-state itself (not only another violation)
    reached: bool = False


def sized(model: CompiledModel, sym: SymbolicModel, sizes: dict[str, int]) -> CompiledModel:
    """The same model at other sort sizes."""
    params = dict(model.param_values)
    for sort, k in sizes.items():
        params[sym.sort_params[sort]] = k
    return compile_model(model.cls(**params))


def triage(model: CompiledModel, sym: SymbolicModel, cti: Cti, timeout: float) -> Triage:
    """Re-run the CTI's step concretely, then ask the explorer whether its pre-state is reachable."""
    small = sized(model, sym, cti.sizes)
    goal = small.property_named(cti.goal)
    assert goal is not None
    if cti.initial:
        confirmed = not goal.check(cti.pre)
    else:
        action = small.action_named(cti.step.action)
        confirmed = action is not None and not goal.check(cti.post) and any(
            a.name == cti.step.action and args == cti.step.args and t == cti.post
            for a, args, t in small.transitions(cti.pre))
    if not confirmed:
        return Triage(INCONCLUSIVE, "the Z3 reading of the model disagrees with the Python "
                      "model on this counterexample to induction (a bug in distcheck's symbolic "
                      "execution)", confirmed=False)
    perms = {s: list(itertools.permutations(range(k))) for s, k in cti.sizes.items()}
    targets = {sym.codec.permute(cti.pre, dict(zip(perms, combo, strict=True)))
               for combo in itertools.product(*perms.values())}
    probe = BoundProperty("counterexample to induction", "invariant", HOLDS,
                          lambda s: s not in targets, "", ())
    run = explore(small, [probe, goal], Bounds(TRIAGE_STATES, None, timeout))
    where = _sizes_text(sym, cti.sizes)
    if probe.name in run.violations:
        reached = run.violations[probe.name][0]
        states = path_to(run.parent, reached)
        steps = steps_along(small, states)
        step = cti.step if reached == cti.pre else _renamed_step(small, reached, cti)
        if not cti.initial:
            states.append(next(t for a, args, t in small.transitions(reached)
                               if a.name == step.action and args == step.args))
            steps.append(step)
        msg = (f"invariant {cti.goal} is violated: a counterexample to induction with {where} "
               f"is reachable (a real bug)")
        trace = build_trace(small, cti.goal, "invariant", ENGINE, msg, states, steps)
        return Triage(VIOLATED, msg, trace, stats=run.stats, reached=True)
    if cti.goal in run.violations:
        s, _, _ = run.violations[cti.goal]
        states = path_to(run.parent, s)
        msg = (f"invariant {cti.goal} is violated with {where}: the explorer finds it (the "
               f"counterexample to induction itself is not reachable)")
        trace = build_trace(small, cti.goal, "invariant", ENGINE, msg, states,
                            steps_along(small, states))
        return Triage(VIOLATED, msg, trace, stats=run.stats)
    if run.cut:
        return Triage(INCONCLUSIVE, f"not inductive; whether the counterexample to induction is "
                      f"reachable with {where} is undecided (search cut: {run.cut})",
                      stats=run.stats)
    return Triage(INCONCLUSIVE, f"not inductive: the counterexample to induction below is not "
                  f"reachable with {where} ({run.stats.distinct_states} reachable states), so "
                  "the invariant is too weak; add an auxiliary invariant, or try --infer",
                  stats=run.stats)


def _renamed_step(small: CompiledModel, reached: Any, cti: Cti) -> Step:
    """The CTI's step as it applies to the renamed pre-state the explorer reached."""
    goal = small.property_named(cti.goal)
    assert goal is not None
    for a, args, t in small.transitions(reached):
        if a.name == cti.step.action and not goal.check(t):
            return a.step(args)
    raise AssertionError("a renamed counterexample to induction keeps its step")


def _sizes_text(sym: SymbolicModel, sizes: dict[str, int]) -> str:
    decl = declared_sorts(sym.cls)
    return ", ".join(f"{k} {plural(decl[s]) if k != 1 else decl[s].doc or s}"
                     for s, k in sizes.items())


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Atom:
    kind: str  # map | set | msg | var | flag | eq
    field: str
    value: Any
    vars: tuple[str, ...]


def atoms(sym: SymbolicModel) -> list[Atom]:
    """Every atom of the templates over the typed fields (one sort)."""
    out: list[Atom] = []
    sort = next(iter(sym.sorts))
    for name, f in sym.fields.fields.items():
        if isinstance(f, Map):
            values = (None,) if f.values is bool else f.values.values
            out += [Atom("map", name, v, (x,)) for x in TEMPLATE_VARS for v in values]
        elif isinstance(f, NodeSet):
            out += [Atom("set", name, None, (x,)) for x in TEMPLATE_VARS]
        elif isinstance(f, Var):
            out += [Atom("var", name, v, ()) for v in f.values.values]
        elif isinstance(f, Flag):
            out.append(Atom("flag", name, None, ()))
        elif isinstance(f, Msgs):
            for tag, ss in f.tags.items():
                if any(s != sort for s in ss):
                    continue
                for vs in itertools.product(TEMPLATE_VARS, repeat=len(ss)):
                    out.append(Atom("msg", name, tag, vs))
    out.append(Atom("eq", "", None, TEMPLATE_VARS))
    return out


def atom_value(sym: SymbolicModel, a: Atom, s: Any, env: dict[str, int]) -> bool:
    if a.kind == "eq":
        return env["x"] == env["y"]
    v = getattr(s, a.field)
    if a.kind == "map":
        item = v[env[a.vars[0]]]
        return bool(item) if a.value is None else item == a.value
    if a.kind == "set":
        return env[a.vars[0]] in v
    if a.kind == "msg":
        return sym.fields.fields[a.field].make(a.value, [env[x] for x in a.vars]) in v
    if a.kind == "var":
        return v == a.value
    return bool(v)


def atom_formula(sym: SymbolicModel, a: Atom, st: Any, env: dict[str, Any]) -> Any:
    if a.kind == "eq":
        return env["x"] == env["y"]
    v = getattr(st, a.field)
    if a.kind == "map":
        item = v.at(env[a.vars[0]])
        return item if a.value is None else item == v.values.lift(a.value)
    if a.kind == "set":
        return v.member(env[a.vars[0]])
    if a.kind == "msg":
        return v.preds[a.value](*[env[x] for x in a.vars])
    if a.kind == "var":
        return v.expr == v.enum.lift(a.value)
    return v.expr


def literal_text(sym: SymbolicModel, a: Atom, positive: bool) -> str:
    if a.kind == "eq":
        return "x == y" if positive else "x != y"
    s = f"s.{a.field}"
    if a.kind == "map":
        if a.value is None:
            text = f"{s}[{a.vars[0]}]"
            return text if positive else f"not {text}"
        return f"{s}[{a.vars[0]}] {'==' if positive else '!='} {a.value!r}"
    if a.kind == "set":
        return f"{a.vars[0]} {'in' if positive else 'not in'} {s}"
    if a.kind == "msg":
        decl = sym.fields.fields[a.field]
        maker = decl.cls.__name__ if decl.cls is not None else ""
        inner = ", ".join([repr(a.value), *a.vars])
        msg = f"{maker}({inner})" if maker else f"({inner},)"
        return f"{msg} {'in' if positive else 'not in'} {s}"
    if a.kind == "var":
        return f"{s} {'==' if positive else '!='} {a.value!r}"
    return s if positive else f"not {s}"


Literal = tuple[int, bool]
Clause = tuple[Literal, ...]


def _vars_of(al: list[Atom], c: Clause) -> set[str]:
    return {x for i, _ in c for x in al[i].vars if al[i].kind != "eq"}


def _swap(al: list[Atom], index: dict[Atom, int], c: Clause, rename: dict[str, str]) -> Clause:
    out = []
    for i, pos in c:
        a = al[i]
        if a.kind == "eq":
            out.append((i, pos))
            continue
        out.append((index[Atom(a.kind, a.field, a.value, tuple(rename.get(x, x)
                                                                for x in a.vars))], pos))
    return tuple(sorted(out))


def canonical(al: list[Atom], index: dict[Atom, int], c: Clause) -> Clause | None:
    """One representative per renaming of the variables; None for a useless clause."""
    used = _vars_of(al, c)
    has_eq = any(al[i].kind == "eq" for i, _ in c)
    if has_eq and (used != {"x", "y"} or any(al[i].kind == "eq" and not p for i, p in c)):
        return None
    if used == {"y"}:
        c = _swap(al, index, c, {"y": "x"})
    c = tuple(sorted(c))
    if used == {"x", "y"}:
        c = min(c, _swap(al, index, c, {"x": "y", "y": "x"}))
    return c


def candidates(sym: SymbolicModel, states: list[Any], size: int) -> tuple[list[Atom], list[Clause]]:
    """Template clauses true in every given state (with ``size`` nodes), without subsumed ones."""
    al = atoms(sym)
    index = {a: i for i, a in enumerate(al)}
    envs = [dict(zip(TEMPLATE_VARS, e, strict=True))
            for e in itertools.product(range(size), repeat=len(TEMPLATE_VARS))]
    bits = [0] * len(al)
    pos = 0
    for s in states:
        for env in envs:
            for i, a in enumerate(al):
                if atom_value(sym, a, s, env):
                    bits[i] |= 1 << pos
            pos += 1
    full = (1 << pos) - 1
    lit_bits = {(i, True): bits[i] for i in range(len(al))}
    lit_bits.update({(i, False): full ^ bits[i] for i in range(len(al))})
    literals = sorted(lit_bits)
    kept: set[Clause] = set()
    order: list[Clause] = []
    for n in range(1, MAX_LITERALS + 1):
        for combo in itertools.combinations(literals, n):
            if len({i for i, _ in combo}) < n:
                continue
            if _tautology(al, combo):
                continue
            c = canonical(al, index, combo)
            if c is None or c in kept:
                continue
            acc = 0
            for lit in combo:
                acc |= lit_bits[lit]
            if acc != full:
                continue
            if any(canonical(al, index, sub) in kept
                   for m in range(1, n) for sub in itertools.combinations(c, m)):
                continue
            kept.add(c)
            order.append(c)
    return al, order


def _tautology(al: list[Atom], c: tuple[Literal, ...]) -> bool:
    """Two negated values of one enum term: one of them is always true."""
    seen = set()
    for i, p in c:
        a = al[i]
        if a.kind in ("map", "var") and a.value is not None and not p:
            key = (a.field, a.vars)
            if key in seen:
                return True
            seen.add(key)
    return False


def clause_goal(sym: SymbolicModel, al: list[Atom], c: Clause) -> Goal:
    sort = sym.sorts[next(iter(sym.sorts))]
    used = sorted(_vars_of(al, c))

    def at(st: Any) -> Any:
        env = {x: sort.var(x) for x in TEMPLATE_VARS}
        body = z3.Or([atom_formula(sym, al[i], st, env) if p else
                      z3.Not(atom_formula(sym, al[i], st, env)) for i, p in c])
        bound = [env[x] for x in used]
        return z3.ForAll(bound, body) if bound else body

    def holds_in(s: Any) -> bool:
        n = len(next(getattr(s, f) for f, d in sym.fields.fields.items() if isinstance(d, Map))) \
            if any(isinstance(d, Map) for d in sym.fields.fields.values()) else None
        if n is None:
            raise BadInput("inference needs a per-node field (Map) to size a state")
        for e in itertools.product(range(n), repeat=len(used)):
            env = dict(zip(used, e, strict=True))
            if not any(atom_value(sym, al[i], s, env) == p for i, p in c):
                return False
        return True

    text = " or ".join(literal_text(sym, al[i], p) for i, p in c)
    if not used and len(c) > 1:
        text = f"({text})"
    for x in reversed(used):
        text = f"forall(self.{sort.name}, lambda {x}: {text})"
    return Goal(f"clause {text}", at, holds_in, text)


# --------------------------------------------------------------------------- Houdini


@dataclass
class Inference:
    goals: list[Goal]
    candidates: int
    reachable: int
    dropped_goal: Cti | None = None


def houdini(model: CompiledModel, sym: SymbolicModel, props: list[Goal],
            timeout: float) -> Inference:
    """The largest inductive subset of the template clauses true at the model's size, with
    ``props`` kept; the clauses the proof needs, by unsat cores."""
    run = explore(model, [], Bounds(TRIAGE_STATES, None, timeout))
    size = next(iter(model.param_values[sym.sort_params[s]] for s in sym.sorts))
    states = list(run.parent)
    al, clauses = candidates(sym, states, size)
    cands = [clause_goal(sym, al, c) for c in clauses]
    alive = list(cands)
    changed = True
    while changed:
        changed = False
        s = _solver(timeout)
        s.add(*[g.formula(sym.pre) for g in props + alive])
        for t in sym.transitions:
            while True:
                s.push()
                s.add(t.pc, z3.Not(z3.And([g.formula(t.post) for g in props + alive])))
                if not _check(s):
                    s.pop()
                    break
                post = _read_universe(sym, s.model(), t.post)
                s.pop()
                if post is None or any(_false_goal(sym, model, p, post) for p in props):
                    cti = find_cti(sym, props + alive, timeout)
                    return Inference([], len(cands), len(states), cti)
                before = len(alive)
                alive = [g for g in alive if g.holds_in(post)]
                if len(alive) == before:
                    cti = find_cti(sym, props + alive, timeout)
                    return Inference([], len(cands), len(states), cti)
                changed = True
                break
            if changed:
                break
    needed = _needed(sym, props, alive, timeout)
    return Inference(needed, len(cands), len(states))


def _false_goal(sym: SymbolicModel, model: CompiledModel, p: Goal, post: Any) -> bool:
    small = sized(model, sym, {s: _size_of(sym, post) for s in sym.sorts})
    check = small.property_named(p.name)
    return check is not None and check.check is not None and not check.check(post)


def _size_of(sym: SymbolicModel, s: Any) -> int:
    for name, f in sym.fields.fields.items():
        if isinstance(f, Map):
            return len(getattr(s, name))
    raise BadInput("inference needs a per-node field (Map) to size a state")


def _read_universe(sym: SymbolicModel, m: Any, state: Any) -> Any:
    """The concrete state of a model over its own (finite) universe, or None if it has none."""
    nodes: dict[str, list[Any]] = {}
    for name, srt in sym.sorts.items():
        u = m.get_universe(srt.z3)
        if u is None:
            return None
        nodes[name] = list(u)
    return _read(sym, m, state, nodes, {n: len(v) for n, v in nodes.items()})


def _needed(sym: SymbolicModel, props: list[Goal], alive: list[Goal], timeout: float
            ) -> list[Goal]:
    """A subset of ``alive`` that, with ``props``, is still inductive: every clause the
    preservation of a needed one leans on (an unsat core), from ``props`` outwards."""
    every = props + alive
    flags = [z3.Bool(f"use!{i}") for i in range(len(every))]
    s = _solver(timeout)
    s.set("core.minimize", True)
    for f, g in zip(flags, every, strict=True):
        s.add(z3.Implies(f, g.formula(sym.pre)))
    needed = set(range(len(props)))
    todo = list(needed)
    while todo:
        q = every[todo.pop()]
        for t in sym.transitions:
            s.push()
            s.add(t.pc, z3.Not(q.formula(t.post)))
            if _check(s, *flags):
                raise SolverGaveUp("a clause Houdini kept is not preserved")
            for lit in s.unsat_core():
                i = int(str(lit).split("!")[1])
                if i not in needed:
                    needed.add(i)
                    todo.append(i)
            s.pop()
    return [every[i] for i in sorted(needed) if i >= len(props)]


def python_text(goals: list[Goal]) -> str:
    """The inferred clauses as invariants to paste into the model class, one method each
    (each is then proved on its own few paths, not on every combination of them)."""
    return "\n".join(
        "    @invariant()\n"
        f"    def inferred_{i}(self, s) -> bool:\n"
        '        """Inferred by distcheck prove --unbounded --infer."""\n'
        f"        return {g.text}\n" for i, g in enumerate(goals, 1))


def with_text_invariant(model: CompiledModel, text: str) -> CompiledModel:
    """The model with ``text`` (from :func:`python_text`) added as an invariant: the printed
    Python itself, re-checked."""
    import sys
    import textwrap

    from distcheck.contract import typed

    module = sys.modules[model.cls.__module__]
    namespace = {**vars(module), "forall": typed.forall, "exists": typed.exists,
                 "invariant": invariant}
    before = set(namespace)
    exec(textwrap.dedent(text), namespace)  # noqa: S102 - our own generated text
    added = {k: v for k, v in namespace.items() if k not in before}
    sub = type(model.cls.__name__, (model.cls,), {**added, "__module__": model.cls.__module__})
    params = {n: model.param_values[n] for n in declared_params(model.cls)}
    return compile_model(sub(**params))


# --------------------------------------------------------------------------- the proof


def prove_unbounded(model: CompiledModel, infer: bool = False, timeout: float = 30.0
                    ) -> list[Result]:
    """One Result per invariant of ``model``: proved for any number of nodes, a reachable
    counterexample to induction (violated), or not shown either way (inconclusive).

    A construct with no meaning for any number of nodes is :class:`Unsupported`
    (bad input), naming the model and the method.
    """
    try:
        return _prove(model, infer, timeout)
    except Unsupported as exc:
        raise Unsupported(f"model {model.id}: {exc}") from None


def _prove(model: CompiledModel, infer: bool, timeout: float) -> list[Result]:
    started = time.perf_counter()
    sym = SymbolicModel(model.model)
    props = [p for p in model.properties if p.kind == "invariant"]
    if not props:
        raise BadInput(f"model {model.id} has no invariant to prove")
    goals = model_goals(sym, props)
    extra: dict[str, Any] = {"unbounded": True}
    inferred: list[Goal] = []
    try:
        cti = None
        if infer:
            if len(sym.sorts) != 1:
                raise BadInput(f"model {model.id}: --infer handles models with one node sort; "
                               f"this one has {', '.join(sym.sorts) or 'none'}")
            inf = houdini(model, sym, goals, timeout)
            extra["candidates"] = inf.candidates
            extra["reachable_states"] = inf.reachable
            cti = inf.dropped_goal
            inferred = inf.goals
            if cti is None:
                text = python_text(inferred)
                extra["inferred"] = text
                extra["inferred_clauses"] = [g.text for g in inferred]
                again = with_text_invariant(model, text)
                resym = SymbolicModel(again.model)
                regoals = model_goals(resym, [p for p in again.properties
                                              if p.kind == "invariant"])
                if find_cti(resym, regoals, timeout) is not None:
                    raise SolverGaveUp("the printed inferred invariant is not inductive")
                extra["rechecked"] = True
        else:
            cti = find_cti(sym, goals, timeout)
    except SolverGaveUp as exc:
        seconds = time.perf_counter() - started
        return [_result(model, p, INCONCLUSIVE, f"the solver gave up: {exc}", seconds, extra)
                for p in props]
    decl = declared_sorts(model.cls)
    nodes = " and ".join(f"any number of {plural(decl[s])}" for s in sym.sorts)
    if cti is None:
        seconds = time.perf_counter() - started
        with_aux = f" with {len(inferred)} inferred clauses" if infer else ""
        extra["proved_for"] = nodes
        return [_result(model, p, HOLDS, f"inductive{with_aux}: proved for {nodes}", seconds,
                        extra) for p in props]
    verdict = triage(model, sym, cti, timeout)
    extra["cti"] = {
        "invariant": cti.goal,
        "nodes": cti.sizes,
        "nodes_text": _sizes_text(sym, cti.sizes),
        "initial": cti.initial,
        "pre": sized(model, sym, cti.sizes).describe(cti.pre),
        "step": str(cti.step),
        "post": sized(model, sym, cti.sizes).describe(cti.post),
        "reached": verdict.reached,
    }
    seconds = time.perf_counter() - started
    out = []
    for p in props:
        if p.name == cti.goal:
            r = _result(model, p, verdict.verdict, verdict.reason, seconds, extra)
            r.trace = verdict.trace
        else:
            r = _result(model, p, INCONCLUSIVE, f"not proved: the invariants together are not "
                        f"inductive (see {cti.goal})", seconds, extra)
        out.append(r)
    return out


def _result(model: CompiledModel, p: BoundProperty, verdict: str, reason: str, seconds: float,
            extra: dict[str, Any]) -> Result:
    return Result(model.id, model.param_values, p.name, p.kind, p.expect, verdict, reason,
                  Stats(seconds=seconds, complete=verdict != INCONCLUSIVE), ENGINE,
                  claims=tuple(p.claims), extra={"unbounded": dict(extra)})


def prove_or_infer(model: CompiledModel, timeout: float = 30.0) -> list[Result]:
    """The model's invariants proved as declared, else with inferred auxiliary invariants
    (what a family page shows)."""
    first = prove_unbounded(model, False, timeout)
    if all(r.verdict != INCONCLUSIVE for r in first) or len(SymbolicModel(model.model).sorts) != 1:
        return first
    return prove_unbounded(model, True, timeout)
