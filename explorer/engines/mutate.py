"""Mutation testing of a model: how strong are its properties?

A checker says "as expected" about a model; this module asks whether it would
have said anything else had the protocol been written slightly wrong.  It
plants one protocol mistake at a time into the code of the model's protocol
actions (never its properties, faults or helpers), checks each *mutant* with
the same engine and bounds as the model, and counts a mutant **killed** when
some property's verdict differs from the unmutated model's.  A mutant that no
verdict notices **survived**: either the mistake is harmless (an equivalent
mutant, which the model may declare with a reason in ``equivalent_mutants``)
or the properties, or the bounds, are too weak to see it.

Mutation operators (:data:`OPERATORS`), each mirroring a protocol mistake:

* ``negate-guard``: an ``if``/``while`` condition or a conditional expression
  negated;
* ``drop-guard``: an ``if`` condition replaced by ``True`` (the check is missing);
* ``drop-condition``: one operand of an ``and``/``or`` left out;
* ``and-or``: ``and`` and ``or`` swapped;
* ``comparison``: ``<`` and ``<=`` (``>`` and ``>=``) swapped: an off-by-one;
* ``constant``: an integer constant plus or minus one;
* ``drop-assignment``: a statement that rebinds a name already bound (``s = ...``)
  or assigns an attribute or item, left out;
* ``drop-field``: one field update of ``_replace``/``replace``/``spend``/``set`` left out;
* ``drop-element``: an element added to a set, tuple or log (``x | {e}``,
  ``x + (e,)``, ``(*x, e)``) left out.

Each mutant is the model's class with one action replaced by a recompiled,
mutated copy of its function (a subclass made in memory: no file is
written).  A mutant's id, ``action:operator:k`` (the k-th site of that
operator in that action's code), is stable while the action's code is.

Runs are deterministic: mutants are made and checked in a fixed order, and a
mutant's own search is capped by states (never by time) so that a mistake
that makes the space infinite is seen the same way on every machine.  One
:class:`~distcheck.engines.budget.Budget` bounds the whole run; the mutants
it leaves unchecked are reported as ``unfinished``.

The engine returns data (:class:`ModelMutation`); printing is in
:mod:`distcheck.outputs.mutation`.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import difflib
import inspect
import textwrap
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distcheck.contract.compiled import CompiledModel
from distcheck.contract.errors import BadInput, BudgetExhausted
from distcheck.contract.model import Action, Model, declared_actions, declared_params
from distcheck.contract.verdict import INCONCLUSIVE, Result, settings_text
from distcheck.engines.budget import Budget, construct
from distcheck.engines.checker import Options, check_model

OPERATORS = ("negate-guard", "drop-guard", "drop-condition", "and-or", "comparison", "constant",
             "drop-assignment", "drop-field", "drop-element")

KILLED, SURVIVED, EQUIVALENT, UNFINISHED = "killed", "survived", "equivalent", "unfinished"

#: a mutant's search stores at most this many times the model's own states (at least
#: MUTANT_MIN_STATES): a mistake that makes the space infinite is a differing verdict
#: (inconclusive) found the same way on every machine, not a run that never ends
MUTANT_STATE_FACTOR = 5
MUTANT_MIN_STATES = 20_000

#: method names whose keyword arguments are field updates of a state
_UPDATERS = ("_replace", "replace", "spend", "set")
_SWAPPED_COMPARISONS: dict[type, type] = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
                                          ast.GtE: ast.Gt}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Mutation:
    """One planted mistake: where it is and what it changes."""

    id: str
    action: str
    operator: str
    description: str
    location: str
    diff: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class MutantOutcome:
    """What checking one mutant found."""

    mutation: Mutation
    status: str
    #: why: which verdicts changed, the error the mutant raised, the declared equivalence
    reason: str = ""
    killed_by: list[str] = field(default_factory=list)
    #: for survivors: each swept parameter setting, and whether it kills the mutant
    sweep: list[dict[str, Any]] = field(default_factory=list)
    #: a mutant the model declares equivalent but a verdict tells apart
    wrongly_declared: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out = self.mutation.to_json() | {"status": self.status, "reason": self.reason,
                                         "killed_by": list(self.killed_by)}
        if self.sweep:
            out["sweep"] = self.sweep
        if self.wrongly_declared:
            out["wrongly_declared_equivalent"] = True
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass
class ModelMutation:
    """The mutation run of one model: every mutant's outcome and the score."""

    model: str
    params: dict[str, Any]
    engine: str
    outcomes: list[MutantOutcome] = field(default_factory=list)
    #: declared equivalent mutants that no longer exist (the action's code changed)
    stale_declarations: list[str] = field(default_factory=list)
    #: actions whose code could not be read (no source file): not mutated
    unreadable: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def score(self) -> float | None:
        """Killed over killed plus survived (equivalent and unfinished mutants left out)."""
        judged = self.count(KILLED) + self.count(SURVIVED)
        return self.count(KILLED) / judged if judged else None

    @property
    def survivors(self) -> list[MutantOutcome]:
        return [o for o in self.outcomes if o.status == SURVIVED]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "params": self.params,
            "engine": self.engine,
            "score": None if self.score is None else round(self.score, 4),
            "mutants": len(self.outcomes),
            "killed": self.count(KILLED),
            "survived": self.count(SURVIVED),
            "equivalent": self.count(EQUIVALENT),
            "unfinished": self.count(UNFINISHED),
            "stale_equivalent_declarations": list(self.stale_declarations),
            "unreadable_actions": list(self.unreadable),
            "seconds": round(self.seconds, 3),
            "results": [o.to_json() for o in self.outcomes],
        }


def overall_score(runs: list[ModelMutation]) -> float | None:
    """Killed over killed plus survived, over every model's mutants."""
    killed = sum(r.count(KILLED) for r in runs)
    judged = killed + sum(r.count(SURVIVED) for r in runs)
    return killed / judged if judged else None


# --------------------------------------------------------------------------- finding mutation sites


@dataclass
class _Source:
    """An action's function as a syntax tree, with what recompiling it needs."""

    action: Action
    tree: ast.FunctionDef
    file: str
    first_line: int


def _read(action: Action) -> _Source | None:
    fn = action.fn
    try:
        lines, first = inspect.getsourcelines(fn)
        file = inspect.getsourcefile(fn) or "<unknown>"
    except (OSError, TypeError):
        return None
    try:
        module = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:  # a lambda or a def inside an expression: not a plain method
        return None
    node = module.body[0] if module.body else None
    if not isinstance(node, ast.FunctionDef) or node.name != fn.__name__:
        return None
    node.decorator_list = []
    return _Source(action, node, file, first)


@dataclass(frozen=True)
class _Site:
    """A node (by its position in ``ast.walk`` order) and the change to make there."""

    index: int
    operator: str
    variant: Any = None


def _bound_names(fn: ast.FunctionDef) -> set[str]:
    args = fn.args
    return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}


def _sites(tree: ast.FunctionDef) -> list[_Site]:
    found: list[_Site] = []
    nodes = list(ast.walk(tree))
    params = _bound_names(tree)
    assigned_before = _names_assigned_before(tree)
    for i, node in enumerate(nodes):
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            found.append(_Site(i, "negate-guard"))
            if isinstance(node, ast.If):
                found.append(_Site(i, "drop-guard"))
        if isinstance(node, ast.BoolOp):
            found += [_Site(i, "drop-condition", j) for j in range(len(node.values))]
            found.append(_Site(i, "and-or"))
        if isinstance(node, ast.Compare):
            found += [_Site(i, "comparison", j) for j, op in enumerate(node.ops)
                      if type(op) in _SWAPPED_COMPARISONS]
        if isinstance(node, ast.Constant) and type(node.value) is int:
            found += [_Site(i, "constant", +1), _Site(i, "constant", -1)]
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and _droppable(
                node, params, assigned_before.get(id(node), set())):
            found.append(_Site(i, "drop-assignment"))
        if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))
                and _callee(node) in _UPDATERS):
            found += [_Site(i, "drop-field", j) for j, kw in enumerate(node.keywords)
                      if kw.arg is not None]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitOr, ast.Add)) and \
                isinstance(node.right, (ast.Set, ast.Tuple, ast.List)) and node.right.elts:
            found.append(_Site(i, "drop-element"))
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and \
                any(isinstance(e, ast.Starred) for e in node.elts):
            found += [_Site(i, "drop-element", j) for j, e in enumerate(node.elts)
                      if not isinstance(e, ast.Starred)]
    return found


def _callee(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id  # type: ignore[union-attr]


def _names_assigned_before(tree: ast.FunctionDef) -> dict[int, set[str]]:
    """For each assignment statement: the names bound by statements before it (in source order)."""
    seen: set[str] = set()
    out: dict[int, set[str]] = {}
    stmts = sorted((n for n in ast.walk(tree) if isinstance(n, ast.stmt) and n is not tree),
                   key=lambda n: (n.lineno, n.col_offset))
    for n in stmts:
        out[id(n)] = set(seen)
        for target in _targets(n):
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    seen.add(name.id)
    return out


def _targets(n: ast.stmt) -> list[ast.expr]:
    if isinstance(n, ast.Assign):
        return list(n.targets)
    if isinstance(n, (ast.AugAssign, ast.AnnAssign, ast.For)):
        return [n.target]
    return []


def _droppable(node: ast.stmt, params: set[str], before: set[str]) -> bool:
    """A state update a protocol could forget: rebinding a bound name, or an attribute or
    item assignment.  Leaving out the first binding of a local would only make the code
    raise (a NameError says nothing about the properties)."""
    if isinstance(node, ast.AnnAssign) and node.value is None:
        return False
    for target in _targets(node):
        if isinstance(target, ast.Name) and target.id not in params | before:
            return False
        if isinstance(target, (ast.Tuple, ast.List)):
            return False
    return True


# --------------------------------------------------------------------------- making one mutant


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    out: dict[int, tuple[ast.AST, str, int | None]] = {}
    for node in ast.walk(tree):
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                for j, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        out[id(child)] = (node, name, j)
            elif isinstance(value, ast.AST):
                out[id(value)] = (node, name, None)
    return out


def _replace_node(parents: dict[int, tuple[ast.AST, str, int | None]], old: ast.AST,
                  new: ast.AST) -> None:
    parent, name, j = parents[id(old)]
    if j is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[j] = new


def _short(node: ast.AST, limit: int = 70) -> str:
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _apply(tree: ast.FunctionDef, site: _Site) -> tuple[ast.FunctionDef, str, int]:
    """A mutated copy of ``tree``, a description of the change, and the line it is on."""
    mutant = copy.deepcopy(tree)
    node = list(ast.walk(mutant))[site.index]
    parents = _parents(mutant)
    line = getattr(node, "lineno", tree.lineno)
    op = site.operator
    if op == "negate-guard":
        test = node.test  # type: ignore[attr-defined]
        node.test = (test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)  # type: ignore[attr-defined]
                     else ast.UnaryOp(ast.Not(), test))
        return mutant, f"negate the condition `{_short(test)}`", line
    if op == "drop-guard":
        test = node.test  # type: ignore[attr-defined]
        node.test = ast.Constant(True)  # type: ignore[attr-defined]
        return mutant, f"drop the check `{_short(test)}` (always true)", line
    if op == "drop-condition":
        assert isinstance(node, ast.BoolOp)
        dropped = node.values.pop(site.variant)
        if len(node.values) == 1:
            _replace_node(parents, node, node.values[0])
        word = "and" if isinstance(node.op, ast.And) else "or"
        return mutant, f"drop the `{word}` operand `{_short(dropped)}`", line
    if op == "and-or":
        assert isinstance(node, ast.BoolOp)
        before = "and" if isinstance(node.op, ast.And) else "or"
        node.op = ast.Or() if before == "and" else ast.And()
        return mutant, f"`{before}` becomes `{'or' if before == 'and' else 'and'}` in " \
                       f"`{_short(tree_node(tree, site))}`", line
    if op == "comparison":
        assert isinstance(node, ast.Compare)
        old = node.ops[site.variant]
        node.ops[site.variant] = _SWAPPED_COMPARISONS[type(old)]()
        return mutant, f"`{_short(tree_node(tree, site))}` becomes `{_short(node)}`", line
    if op == "constant":
        assert isinstance(node, ast.Constant)
        old_value = node.value
        node.value = old_value + site.variant
        return mutant, f"the constant {old_value} becomes {node.value}", line
    if op == "drop-assignment":
        _replace_node(parents, node, ast.Pass())
        return mutant, f"leave out `{_short(tree_node(tree, site))}`", line
    if op == "drop-field":
        assert isinstance(node, ast.Call)
        kw = node.keywords.pop(site.variant)
        return mutant, f"leave out the update `{kw.arg}={_short(kw.value, 50)}`", line
    if op == "drop-element":
        if isinstance(node, ast.BinOp):
            _replace_node(parents, node, node.left)
            return mutant, f"leave out the element(s) {_short(node.right)} added to " \
                           f"`{_short(node.left, 40)}`", line
        elts = node.elts  # type: ignore[attr-defined]
        dropped = elts.pop(site.variant)
        return mutant, f"leave out the element `{_short(dropped)}` added in " \
                       f"`{_short(tree_node(tree, site))}`", line
    raise AssertionError(op)  # pragma: no cover - every operator is handled above


def tree_node(tree: ast.FunctionDef, site: _Site) -> ast.AST:
    return list(ast.walk(tree))[site.index]


def _compile(source: _Source, tree: ast.FunctionDef) -> Callable[..., Any]:
    """The mutated function, with the original's globals, defaults and closure cells."""
    fn = source.action.fn
    freevars = fn.__code__.co_freevars
    factory = ast.FunctionDef(
        name="__distcheck_mutant__",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(v) for v in freevars], kwonlyargs=[],
                           kw_defaults=[], defaults=[]),
        body=[tree, ast.Return(ast.Name(tree.name, ast.Load()))],
        decorator_list=[], returns=None, type_params=[],
    )
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    ast.increment_lineno(module, source.first_line - 1)
    namespace: dict[str, Any] = {}
    exec(compile(module, source.file, "exec"), namespace)  # noqa: S102 - the model's own code
    cells = [c.cell_contents for c in fn.__closure__ or ()]
    inner = namespace["__distcheck_mutant__"](*cells)
    made = types.FunctionType(inner.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              inner.__closure__)
    made.__kwdefaults__ = fn.__kwdefaults__
    made.__qualname__ = fn.__qualname__
    made.__doc__ = fn.__doc__
    return made


def _diff(before: ast.FunctionDef, after: ast.FunctionDef) -> str:
    old = ast.unparse(before).splitlines()
    new = ast.unparse(after).splitlines()
    lines = [d for d in difflib.unified_diff(old, new, lineterm="", n=0)
             if d[:1] in "-+" and not d.startswith(("---", "+++"))]
    return "\n".join(lines)


@dataclass
class Mutant:
    """A mutation and the model class that carries it."""

    mutation: Mutation
    cls: type[Model]


def mutants(cls: type[Model], operators: tuple[str, ...] = OPERATORS,
            root: Path | None = None) -> tuple[list[Mutant], list[str]]:
    """Every mutant of ``cls``'s protocol actions, in a fixed order; and the actions whose
    code could not be read.

    Mutants that read the same as another mutant (or as the original) are left out.
    """
    made: list[Mutant] = []
    unreadable: list[str] = []
    for name, action in declared_actions(cls).items():
        if action.fault is not None:
            continue
        source = _read(action)
        if source is None:
            unreadable.append(name)
            continue
        original = ast.unparse(source.tree)
        seen = {original}
        counter: dict[str, int] = {}
        for site in _sites(source.tree):
            if site.operator not in operators:
                continue
            tree, description, line = _apply(source.tree, site)
            k = counter.get(site.operator, 0)
            counter[site.operator] = k + 1
            text = ast.unparse(tree)
            if text in seen:
                continue
            seen.add(text)
            try:
                fn = _compile(source, tree)
            except (SyntaxError, ValueError, TypeError):  # e.g. an emptied body
                continue
            where = f"{_shown(source.file, root)}:{source.first_line + line - 1}"
            mutation = Mutation(f"{name}:{site.operator}:{k}", name, site.operator, description,
                                where, _diff(source.tree, tree))
            mutant_cls = type(cls.__name__, (cls,), {
                "__module__": cls.__module__, "__qualname__": cls.__qualname__,
                "__doc__": cls.__doc__, name: dataclasses.replace(action, fn=fn),
            })
            made.append(Mutant(mutation, mutant_cls))
    return made, unreadable


def _shown(file: str, root: Path | None) -> str:
    path = Path(file)
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


# --------------------------------------------------------------------------- checking


@dataclass
class Settings:
    """How each model (and each mutant of it) is checked."""

    options: Options
    #: parameter values given on the command line, applied to every model that has them
    params: dict[str, Any] = field(default_factory=dict)
    #: parameter settings tried on survivors (as text, parsed for each model that has
    #: the parameters), besides the model's own ``mutation_sweep``
    sweep: list[dict[str, str]] = field(default_factory=list)
    operators: tuple[str, ...] = OPERATORS


def _verdicts(results: list[Result]) -> dict[str, Result]:
    return {r.property: r for r in results}


def _judge(baseline: dict[str, Result], results: list[Result],
           budget: Budget | None) -> tuple[str, str, list[str]]:
    """``killed`` (with the verdicts that changed), ``survived``, or ``unfinished``."""
    changed: list[str] = []
    reasons: list[str] = []
    unfinished = False
    for r in results:
        before = baseline.get(r.property)
        if before is None:
            continue
        if r.verdict == before.verdict:
            cause, was = _cause_verdict(r), _cause_verdict(before)
            if cause != was:  # the property now fails without its stated cause
                changed.append(r.property)
                reasons.append(f"{r.property} at {settings_text(r.because or {})}: {was} -> "
                               f"{cause}" + (f" ({r.because['trace_length']}-step trace)"
                                             if r.because and "trace_length" in r.because else ""))
            continue
        if r.verdict == INCONCLUSIVE and r.extra.get("cut") and budget is not None \
                and budget.exhausted():
            unfinished = True
            continue
        changed.append(r.property)
        how = f"{r.property}: {before.verdict} -> {r.verdict}"
        if r.verdict == INCONCLUSIVE:
            how += f" ({r.reason})"
        elif r.trace is not None:
            how += f" ({len(r.trace)}-step trace)"
        reasons.append(how)
    if changed:
        return KILLED, "; ".join(reasons), changed
    if unfinished:
        return UNFINISHED, "the run's budget ran out while checking it", []
    return SURVIVED, "every verdict is the unmutated model's", []


def _cause_verdict(r: Result) -> str | None:
    return r.because.get("verdict") if r.because else None


def _mutant_options(options: Options, baseline: list[Result]) -> Options:
    """The model's options with a state cap (deterministic) if none is given."""
    if options.bounds.max_states is not None:
        return options
    most = max((r.stats.distinct_states for r in baseline), default=0)
    cap = max(MUTANT_MIN_STATES, MUTANT_STATE_FACTOR * most)
    return dataclasses.replace(options, bounds=dataclasses.replace(options.bounds, max_states=cap))


def _check(model: CompiledModel | Model, options: Options) -> list[Result]:
    return check_model(model, dataclasses.replace(options, progress=None))


def _run_one(mutant_cls: type[Model], values: dict[str, Any], options: Options,
             baseline: dict[str, Result]) -> tuple[str, str, list[str]]:
    try:
        results = _check(mutant_cls(**values), options)
    except BudgetExhausted:
        return UNFINISHED, "the run's budget ran out while checking it", []
    except RecursionError:
        return KILLED, "the mutant recursed without end", []
    except Exception as exc:  # the mutant's code raised: the checker reports it
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return KILLED, f"the mutant raised: {text}", []
    return _judge(baseline, results, options.budget)


def mutate_model(cls: type[Model], settings: Settings, budget: Budget | None = None,
                 root: Path | None = None,
                 on_mutant: Callable[[MutantOutcome], None] | None = None) -> ModelMutation:
    """Check every mutant of ``cls`` (see the module docstring)."""
    started = time.perf_counter()
    declared = declared_params(cls)
    values = {n: v for n, v in settings.params.items() if n in declared}
    model = construct(cls, values)
    options = dataclasses.replace(settings.options, budget=budget)
    run = ModelMutation(model.id, dict(model.param_values), options.engine)
    if budget is not None and budget.exhausted():
        made, run.unreadable = mutants(cls, settings.operators, root)
        run.outcomes = [MutantOutcome(m.mutation, UNFINISHED, "not started: the run's budget "
                                      "ran out") for m in made]
        return run
    baseline_results = _check(model, options)
    baseline = _verdicts(baseline_results)
    if any(r.extra.get("cut") for r in baseline_results):
        raise BadInput(f"model {model.id} is not fully checked at these bounds (a search was "
                       "cut), so its mutants cannot be compared with it; give more "
                       "--max-seconds or --max-states, or smaller parameters")
    mutant_options = _mutant_options(options, baseline_results)
    equivalent: dict[str, str] = dict(getattr(cls, "equivalent_mutants", {}) or {})
    made, run.unreadable = mutants(cls, settings.operators, root)
    run.stale_declarations = sorted(set(equivalent) - {m.mutation.id for m in made})
    sweeps = [*_parsed(cls, settings.sweep), *(dict(s) for s in getattr(cls, "mutation_sweep", ()) or ())]
    sweep_baselines: dict[str, dict[str, Result] | str] = {}
    for m in made:
        t0 = time.perf_counter()
        if budget is not None and budget.exhausted():
            outcome = MutantOutcome(m.mutation, UNFINISHED, "not started: the run's budget ran out")
        else:
            status, reason, killed_by = _run_one(m.cls, values, mutant_options, baseline)
            outcome = MutantOutcome(m.mutation, status, reason, killed_by)
            why = equivalent.get(m.mutation.id)
            if why is not None:
                if status == KILLED:
                    outcome.wrongly_declared = True
                    outcome.reason += "; declared equivalent, but a verdict tells it apart"
                elif status == SURVIVED:
                    outcome.status, outcome.reason = EQUIVALENT, why
            if outcome.status == SURVIVED and sweeps:
                outcome.sweep = _sweep(cls, m.cls, values, sweeps, options, sweep_baselines)
        outcome.seconds = time.perf_counter() - t0
        run.outcomes.append(outcome)
        if on_mutant is not None:
            on_mutant(outcome)
    run.seconds = time.perf_counter() - started
    return run


def _sweep(cls: type[Model], mutant_cls: type[Model], values: dict[str, Any],
           sweeps: list[dict[str, Any]], options: Options,
           baselines: dict[str, dict[str, Result] | str]) -> list[dict[str, Any]]:
    """Each sweep setting: does the mutant's verdict differ from the model's there?"""
    declared = declared_params(cls)
    out: list[dict[str, Any]] = []
    for setting in sweeps:
        if not set(setting) <= set(declared):
            continue  # a setting for another model's parameters
        shown = ", ".join(f"{k}={v}" for k, v in setting.items())
        here = values | setting
        if options.budget is not None and options.budget.exhausted():
            out.append({"params": setting, "status": UNFINISHED,
                        "reason": "the run's budget ran out"})
            continue
        base = baselines.get(shown)
        if base is None:
            try:
                results = _check(construct(cls, here), options)
            except BadInput as exc:
                base = f"the model cannot be checked at {shown}: {exc}"
            else:
                base = (_verdicts(results) if not any(r.extra.get("cut") for r in results)
                        else f"the model's own check is cut at {shown}")
            baselines[shown] = base
        if isinstance(base, str):
            out.append({"params": setting, "status": UNFINISHED, "reason": base})
            continue
        mopts = _mutant_options(options, list(base.values()))
        status, reason, killed_by = _run_one(mutant_cls, here, mopts, base)
        out.append({"params": setting, "status": status, "reason": reason,
                    "killed_by": killed_by})
    return out


def _parsed(cls: type[Model], sweep: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The command line's sweep settings that name only parameters of ``cls``, typed."""
    declared = declared_params(cls)
    return [{k: declared[k].parse(v) for k, v in setting.items()} for setting in sweep
            if set(setting) <= set(declared)]


def parse_sweep(items: list[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """``NAME=V1,V2`` items as (name, [values]) pairs (text, parsed per model later)."""
    for name, text in items:
        values = [v.strip() for v in text.split(",") if v.strip()]
        if not values:
            raise BadInput(f"--sweep {name}= names no value; write --sweep {name}=3 or "
                           f"{name}=3,4")
        yield name, values
