"""The compiled view of a model instance: what every engine works on.

:func:`compile_model` turns an author's :class:`~distcheck.contract.model.Model`
instance into a :class:`CompiledModel`, once (the view is cached on the
instance): its id and parameter values, its actions bound to the instance
with their argument domains resolved, its properties bound with their
expected verdicts, fairness declarations, and the operations engines need
(initial states, transitions, enabled steps, lookups by name).  The author's
class has none of these names, so a helper of the model can never change
what an engine does.

In the hot loops of the exhaustive engines (``bfs``, ``graph``) the actions
are used directly: each :class:`BoundAction`'s ``call`` is the bound
function, ``static_args`` its precomputed argument tuples (``None`` when a
domain depends on the state, then ``arguments(s)``) and ``step(args)`` the
interned transition label.  Engines that call the model outside a hot loop
use :func:`call_action`, :func:`property_holds` / :func:`property_value` and
:func:`checked_transitions`, which turn a model that raises into one
:class:`~distcheck.contract.errors.ModelError` line.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from distcheck.contract.errors import BadInput, ModelError, passes_through, shown
from distcheck.contract.model import (
    DEADLOCK,
    EXPECTATIONS,
    Action,
    Branch,
    Domain,
    Model,
    Property,
    Step,
    check_cause,
    declared_actions,
    declared_params,
    declared_properties,
    family,
)
from distcheck.contract.state import ordered, speed_up_records, to_json
from distcheck.contract.statecheck import StateContract

#: where an instance keeps its compiled view (a name no author writes)
_CACHE = "__distcheck_compiled__"
#: an action's argument tuples are enumerated in every state: more than this many is a
#: parameter far too large to explore (clients=100000000), refused when the model is built
MAX_DOMAIN = 1_000_000

#: (base class, keep(model, action)) pairs: an action of a model that is an
#: instance of the base is left out of the view unless keep says otherwise
#: (message-passing models drop the fault steps their declaration does not admit)
_ACTION_FILTERS: list[tuple[type, Callable[[Any, Action], bool]]] = []


def register_action_filter(base: type, keep: Callable[[Any, Action], bool]) -> None:
    """Leave out of the view of every ``base`` instance the actions ``keep`` rejects."""
    _ACTION_FILTERS.append((base, keep))


@dataclass
class BoundAction:
    """An action bound to a model instance, its domains resolved where they are static."""

    name: str
    call: Callable[..., Any]
    arg_names: tuple[str, ...]
    fault: str | None
    static_args: tuple[tuple[Any, ...], ...] | None
    dynamic: tuple[Callable[[Any], tuple], ...] | None = None
    steps: dict[tuple[Any, ...], Step] = field(default_factory=dict)
    #: ``call`` is a generator function: its successors are the branches (see :func:`branches`)
    branching: bool = False
    #: the branch this is a view of (:meth:`with_branch`); None for the action itself
    branch: str | int | None = None
    views: dict[str | int, BoundAction] = field(default_factory=dict)

    def arguments(self, s: Any) -> Iterable[tuple[Any, ...]]:
        """Every argument tuple this action ranges over in state ``s``."""
        if self.static_args is not None:
            return self.static_args
        assert self.dynamic is not None
        return itertools.product(*(d(s) for d in self.dynamic))

    def step(self, args: tuple[Any, ...]) -> Step:
        st = self.steps.get(args)
        if st is None:
            st = self.steps[args] = Step(self.name, args, self.arg_names, self.fault, self.branch)
        return st

    def with_branch(self, label: str | int) -> BoundAction:
        """This branching action seen as one of its branches: its steps carry ``label``."""
        view = self.views.get(label)
        if view is None:
            view = self.views[label] = replace(self, branch=label, steps={}, views={})
        return view


@dataclass
class BoundProperty:
    """A property bound to a model instance."""

    name: str
    kind: str
    expect: str
    check: Callable[..., Any] | None
    doc: str
    claims: tuple[str, ...]
    spec: Any = None
    #: why it is expected to be violated (``Cause``): settings checked, or a sentence
    because: Any = None


class CompiledModel:
    """The engine-facing view of one model instance (see the module docstring).

    ``model`` is the author's instance: predicates, adapters and declarations
    that take ``self`` receive it.
    """

    def __init__(self, model: Model) -> None:
        cls = type(model)
        self.model = model
        self.cls = cls
        self.id: str = model.id
        self.family = family(self.id)
        self.claims: tuple[str, ...] = tuple(model.claims)
        self.param_values: dict[str, Any] = {n: getattr(model, n) for n in declared_params(cls)}
        self.expected: dict[str, str] = dict(model.expected)
        self.check_deadlock = bool(model.check_deadlock)
        self.weak_fair: Any = model.weak_fair
        self.strong_fair: Any = model.strong_fair
        self._describe: Callable[[Any], Any] = model.describe
        #: the state contract of this instance's states (distcheck.contract.statecheck)
        self.contract = StateContract(self.id)
        filters = [keep for base, keep in _ACTION_FILTERS if isinstance(model, base)]
        self.actions: list[BoundAction] = [
            self._bind(a) for a in declared_actions(cls).values()
            if all(keep(model, a) for keep in filters)
        ]
        extra = model.extra_properties()
        for p in extra:
            if not isinstance(p, Property) or not p.name:
                raise ModelError(f"model {self.id}: extra_properties() must return Property "
                                 f"declarations with a name, not {p!r}"[:300])
        self.properties: list[BoundProperty] = [
            self._bind_property(p) for p in [*declared_properties(cls).values(), *extra]
        ]
        self._actions_by_name = {a.name: a for a in self.actions}
        self._properties_by_name = {p.name: p for p in self.properties}
        #: how many initial states init() generated, repeats included (TLC counts them all)
        self.initial_generated = 0
        #: successors made through the guarded calls (the state contract samples them)
        self.generated = 0

    def __repr__(self) -> str:
        return f"<compiled model {self.id} {self.param_values}>"

    def describe(self, s: Any) -> Any:
        """The model's JSON rendering of state ``s`` (its ``describe``), checked to be JSON.

        A ``describe`` that raises, or returns what JSON cannot hold, is one ModelError.
        """
        try:
            out = self._describe(s)
        except BaseException as exc:
            if passes_through(exc):
                raise
            raise model_raised(self, "describe()", exc, s) from exc
        problem = json_problem(out)
        if problem is not None:
            raise ModelError(f"model {self.id}: describe() returned {problem} for state {shown(s)}; "
                             "return JSON values: dicts with str keys, lists, str, int, finite "
                             "float, bool, None"[:600])
        return out

    # -- states and transitions ----------------------------------------------------------

    def initial_states(self) -> list[Any]:
        """The initial states, deduplicated, in a deterministic order, checked hashable."""
        try:
            produced = self.model.init()
            states = list(ordered(produced) if isinstance(produced, (set, frozenset)) else produced)
        except (BadInput, MemoryError):
            raise
        except BaseException as exc:
            if passes_through(exc):
                raise
            raise model_raised(self, "init()", exc) from exc
        if not states:
            raise ModelError(f"model {self.id}: init() produced no initial state")
        seen: dict[Any, None] = {}
        for s in states:
            self.contract.check(s, "init()")
            check_hashable(self, s, "init()")
            seen.setdefault(s, None)
            speed_up_records(s)  # the same tuples, built faster by every _replace
        self.initial_generated = len(states)
        return list(seen)

    def transitions(self, s: Any) -> Iterator[tuple[BoundAction, tuple[Any, ...], Any]]:
        """Every enabled (action, args, next state) from ``s``, in declaration order.

        The successors of a branching action come with the view of their
        branch as the action, so ``a.step(args)`` names the branch.
        """
        for a in self.actions:
            call = a.call
            for args in a.arguments(s):
                t = call(s, *args)
                if t is None:
                    continue
                if a.branching:
                    for view, u in branches(self.id, a, s, args, t):
                        yield view, args, u
                else:
                    yield a, args, t

    def has_successor(self, s: Any) -> bool:
        """Whether some action is enabled in ``s`` (a self-loop counts): not a deadlock.

        Model code that raises becomes one ModelError (not for hot loops).
        """
        return next(checked_transitions(self, s), None) is not None

    def enabled(self, a: BoundAction, s: Any) -> list[tuple[BoundAction, tuple[Any, ...], Any]]:
        """``a``'s enabled (action or branch, arguments, next state) triples in ``s``.

        Model code that raises becomes one ModelError (not for hot loops).
        """
        return [(view, args, t) for args in action_arguments(self, a, s)
                for view, t in successors(self, a, s, args)]

    # -- lookups --------------------------------------------------------------------------

    def action_named(self, name: str) -> BoundAction | None:
        return self._actions_by_name.get(name)

    def action_for(self, step: Step) -> BoundAction | None:
        """The action a step names, as the view of its branch when it names one.

        None when the action does not exist, or the step names a branch of
        an action that does not branch.
        """
        a = self._actions_by_name.get(step.action)
        if a is None or step.branch is None:
            return a
        return a.with_branch(step.branch) if a.branching else None

    def property_named(self, name: str) -> BoundProperty | None:
        return self._properties_by_name.get(name)

    def deadlock_property(self) -> BoundProperty:
        """The deadlock check as a property, checked when the model or the run asks for it."""
        return BoundProperty(
            name=DEADLOCK,
            kind=DEADLOCK,
            expect=self.expected.get(DEADLOCK, "holds"),
            check=None,
            doc="No reachable state is without a successor.",
            claims=self.claims,
        )

    def checked_properties(self, check_deadlock: bool | None = None) -> list[BoundProperty]:
        """The properties a run checks: all declared ones, plus ``deadlock`` when it is on.

        ``check_deadlock`` is the run's choice (``--deadlock`` / ``--no-deadlock``);
        ``None`` leaves it to the model's ``check_deadlock``.
        """
        on = self.check_deadlock if check_deadlock is None else check_deadlock
        return self.properties + ([self.deadlock_property()] if on else [])

    def traced_property(self, name: str) -> BoundProperty | None:
        """The property a trace names: a declared one, or ``deadlock``.

        A deadlock trace may come from a run with ``--deadlock`` on a model that
        does not check deadlock by default, so ``deadlock`` is always known here.
        """
        found = self.property_named(name)
        if found is None and name == DEADLOCK:
            return self.deadlock_property()
        return found

    # -- binding --------------------------------------------------------------------------

    def _bind(self, a: Action) -> BoundAction:
        call = a.fn.__get__(self.model)
        names = tuple(a.domains)
        resolved = [self._resolve_domain(a.name, arg, spec) for arg, spec in a.domains.items()]
        if all(not callable(r) for r in resolved):
            size = 1
            for r in resolved:
                size *= len(r)
            if size > MAX_DOMAIN:
                raise BadInput(
                    f"model {self.id}: action {a.name} would take {size:,} argument tuples "
                    f"({' x '.join(str(len(r)) for r in resolved)} for "
                    f"{', '.join(a.domains)}); at most {MAX_DOMAIN:,} are explored: "
                    "lower the parameters its domains depend on")
            static = tuple(itertools.product(*resolved))
            return BoundAction(a.name, call, names, a.fault, static, branching=a.branching)
        dynamic = tuple(
            _state_domain(r) if callable(r) else (lambda s, r=r: r) for r in resolved
        )
        return BoundAction(a.name, call, names, a.fault, None, dynamic, branching=a.branching)

    def _resolve_domain(self, action_name: str, arg: str, spec: Domain) -> Any:
        model = self.model
        value: Any = spec
        if isinstance(spec, str):
            if not hasattr(model, spec):
                raise ModelError(
                    f"model {self.id}: action {action_name}: domain {spec!r} of {arg!r} "
                    "names no parameter, attribute or method"
                )
            value = getattr(model, spec)
            if callable(value) and not isinstance(value, (int, tuple, list, range, frozenset)):
                return value  # a bound method of the state
        elif callable(spec) and not isinstance(spec, (range, tuple, list, frozenset, set)):
            return lambda s, f=spec: f(model, s)
        if isinstance(value, bool):
            raise ModelError(f"model {self.id}: action {action_name}: domain of {arg!r} is a bool")
        if isinstance(value, int):
            if value > MAX_DOMAIN:
                given = f"parameter {spec}={value}" if isinstance(spec, str) else f"{value} values"
                raise BadInput(
                    f"model {self.id}: action {action_name}: the domain of {arg!r} ({given}) "
                    f"is larger than the {MAX_DOMAIN:,} values an action may range over; "
                    f"give {spec if isinstance(spec, str) else 'it'} a smaller value")
            return tuple(range(value))
        return ordered(value)

    def _bind_property(self, p: Property) -> BoundProperty:
        expect = self.expected.get(p.name, p.expect)
        if expect not in EXPECTATIONS:
            raise ModelError(f"model {self.id}: expected[{p.name!r}] must be one of {EXPECTATIONS}")
        check = p.fn.__get__(self.model) if p.fn is not None else None
        return BoundProperty(p.name, p.kind, expect, check, p.doc, p.claims or self.claims, p.spec,
                             self._cause(p, expect))

    def _cause(self, p: Property, expect: str) -> Any:
        """The property's cause as this model states it; none once a variant expects it to hold."""
        causes = getattr(self.model, "causes", {}) or {}
        because = causes.get(p.name, p.because)
        if expect != "violated" or because is None:
            return None
        where = f"model {self.id}: property {p.name}"
        try:
            check_cause(because, expect, p.name)
        except ValueError as exc:
            raise ModelError(f"model {self.id}: {exc}") from None
        if isinstance(because, dict):
            params = declared_params(self.cls)
            for name, value in because.items():
                if name not in params:
                    raise ModelError(f"{where}: because names {name!r}, which is not a parameter; "
                                     f"its parameters are: {', '.join(params) or 'none'}")
                try:
                    params[name].validate(value)
                except BadInput as exc:
                    raise ModelError(f"{where}: because: {exc}") from None
            return dict(because)
        return because


#: an author's instance or its compiled view: what public engine entry points accept
AnyModel = Model | CompiledModel


def compile_model(model: AnyModel) -> CompiledModel:
    """The compiled view of ``model``, built on first use and kept with the instance."""
    if isinstance(model, CompiledModel):
        return model
    view = model.__dict__.get(_CACHE)
    if view is None:
        try:
            view = CompiledModel(model)
        except BadInput:
            raise
        except BaseException as exc:  # extra_properties(), a domain attribute: model code
            if passes_through(exc):
                raise
            raise ModelError(f"model {model.id}: compiling its declarations raised "
                             f"{type(exc).__name__}: {exc}"[:600]) from exc
        model.__dict__[_CACHE] = view
    return view


#: orderings of set-valued domains remembered per action argument (a cache: cleared when full)
DOMAIN_MEMO = 4096


def _state_domain(method: Callable[[Any], Iterable[Any]]) -> Callable[[Any], tuple]:
    # A set-valued domain is put in a deterministic order for every state it is asked in;
    # the same sets come back again and again, and sorting values of mixed types (None
    # beside ints) goes through their JSON text: each set is ordered once.
    memo: dict[frozenset, tuple] = {}

    def domain(s: Any) -> tuple:
        values = method(s)
        if not isinstance(values, (set, frozenset)):
            return ordered(values)
        key = values if isinstance(values, frozenset) else frozenset(values)
        got = memo.get(key)
        if got is None:
            if len(memo) >= DOMAIN_MEMO:
                memo.clear()
            got = memo[key] = ordered(key)
        return got

    return domain


# --------------------------------------------------------------------------- branches


def branches(model_id: str, a: BoundAction, s: Any, args: tuple[Any, ...], produced: Any
             ) -> list[tuple[BoundAction, Any]]:
    """The successors a branching action's call ``produced``, each with its branch's view.

    A value made by :func:`~distcheck.contract.model.branch` carries its
    label; any other is labelled by its position among the values yielded;
    ``None`` is a disabled branch.  Two branches with one label are a
    ModelError: a trace could not say which one it took.
    """
    out: list[tuple[BoundAction, Any]] = []
    labels: set[str | int] = set()
    for position, item in enumerate(produced):
        if item is None:
            continue
        if type(item) is Branch:
            label, t = item
        else:
            label, t = position, item
        if label in labels:
            raise ModelError(f"model {model_id}: action {a.step(args)} yielded two branches "
                             f"labelled {label!r} in state {s!r}"[:600])
        labels.add(label)
        out.append((a.with_branch(label), t))
    return out


# --------------------------------------------------------------------------- guarded calls
#
# Model code may raise anything: an exception, ``SystemExit`` from a stray
# ``sys.exit()``, a ``BaseException`` of its own.  Every guard here turns it
# into one ModelError line (exit 2), except what ``errors.PASS_THROUGH`` names
# (Ctrl-C), so no command ever ends as if it had passed.


def model_raised(model: CompiledModel, what: str, exc: BaseException, *state: Any) -> ModelError:
    """The one line for model code (``what``) that raised ``exc``, in ``state`` when given."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    where = f" in state {shown(state[0])}" if state else ""
    return ModelError(f"model {model.id}: {what} raised {type(exc).__name__}"
                      f"{': ' + text if text else ''}{where}"[:600])


def successors(model: CompiledModel, a: BoundAction, s: Any, args: tuple[Any, ...]
               ) -> list[tuple[BoundAction, Any]]:
    """Every (action or branch view, successor) of ``a(s, *args)``.

    A model that raises becomes one ModelError naming action, args and state;
    the successors are held to the state contract (sampled, or each one and
    the input left unchanged in verification mode).
    """
    contract = model.contract
    before = contract.rendered(s) if contract.verify else None
    try:
        t = a.call(s, *args)
        if t is None:
            found = []
        else:
            found = branches(model.id, a, s, args, t) if a.branching else [(a, t)]
    except ModelError:
        raise
    except BaseException as exc:
        if passes_through(exc):
            raise
        raise model_raised(model, f"action {a.step(tuple(args))}", exc, s) from exc
    if before is not None:
        contract.unchanged(before, s, a.step(tuple(args)))
    for view, u in found:
        model.generated += 1
        if contract.due(model.generated):
            contract.check(u, view.step(tuple(args)))
    return found


def changed_in_place(model: CompiledModel, s: Any, before: str) -> ModelError:
    """The error for state ``s``, rendered ``before`` it was expanded, that expanding changed.

    Its actions are called again, one by one and each checked, so that the
    one that changes its input is named when it does so again.
    """
    contract = model.contract
    verify, contract.verify = contract.verify, True
    try:
        for _ in checked_transitions(model, s):
            pass
        contract.unchanged(before, s, "expanding it")
    except ModelError as exc:
        return exc
    finally:
        contract.verify = verify
    return ModelError(f"model {model.id}: a state changed while it was expanded")


def call_action(model: CompiledModel, a: BoundAction, s: Any, args: tuple[Any, ...]) -> Any:
    """The successor ``a(s, *args)`` gives (of ``a``'s branch, for a branch view), or None.

    A model that raises becomes one ModelError naming action, args and state.
    """
    for view, t in successors(model, a, s, args):
        if view.branch == a.branch:
            return t
    return None


def action_arguments(model: CompiledModel, a: BoundAction, s: Any) -> list[tuple[Any, ...]]:
    """``a.arguments(s)``; a domain that raises becomes one ModelError naming action and state."""
    try:
        return [tuple(args) for args in a.arguments(s)]
    except BaseException as exc:
        if passes_through(exc):
            raise
        raise model_raised(model, f"the argument domain of action {a.name}", exc, s) from exc


def checked_transitions(model: CompiledModel, s: Any
                        ) -> Iterator[tuple[BoundAction, tuple[Any, ...], Any]]:
    """:meth:`CompiledModel.transitions` with each model call guarded (not for hot loops)."""
    for a in model.actions:
        for args in action_arguments(model, a, s):
            for view, t in successors(model, a, s, args):
                yield view, args, t


def property_holds(model: CompiledModel, name: str, check: Callable[..., Any], *args: Any) -> bool:
    """Evaluate a property check: True or False, else one ModelError naming it (and the state).

    A check that raises, or returns anything but a bool, is the model's mistake.
    """
    return truth(model, name, property_value(model, name, check, *args), *args)


def truth(model: CompiledModel, name: str, value: Any, *args: Any) -> bool:
    """A property's return value as a verdict.

    ``True`` and ``False`` (and NumPy's bools, which ``numpy.all`` returns) are
    verdicts; anything else -- ``None`` from a forgotten ``return``, ``"no"``,
    a number, a collection -- is a ModelError: ``bool()`` of it would make
    ``"no"`` pass and ``None`` fail without saying why.
    """
    if value is True or value is False:
        return value
    kind = type(value)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool"):
        return bool(value)
    where = f" in state {shown(args[0])}" if args else ""
    raise ModelError(
        f"model {model.id}: property {name} returned {shown(value, 60)} ({kind.__name__}), "
        f"not a bool{where}: return True or False (a missing return gives None)"[:600]
    )


def property_value(model: CompiledModel, name: str, check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)`` as it returns it (a figure, a query, a truth value).

    One that raises becomes one ModelError naming the property and, when
    ``args`` starts with a state, that state.
    """
    try:
        return check(*args)
    except BaseException as exc:
        if passes_through(exc):
            raise
        raise model_raised(model, f"property {name}", exc, *args[:1]) from exc


def explain_failure(
    model: CompiledModel, props: list[BoundProperty], s: Any, a: Any, args: Any,
    exc: BaseException
) -> ModelError:
    """Re-run what failed in state ``s`` to say which action or property broke, and how.

    The hot loop keeps no record of what it was doing beyond its loop
    variables, so the failing call is found again here (models are
    deterministic: the same call fails the same way).
    """
    choices: dict[str, list[Any]] = {}
    try:
        for action_ in model.actions:
            choices[action_.name] = action_arguments(model, action_, s)
        if a is None or args not in choices.get(a.name, ()):
            return _failed(model, exc)
        found = successors(model, a, s, args)
        for view, t in found:
            step = view.step(args)
            try:
                hash(t)
            except TypeError as bad:
                return ModelError(
                    f"model {model.id}: action {step} produced an unhashable state ({bad}); "
                    f"use tuples, frozensets or frozen dataclasses: {shown(t)}"[:600]
                )
            for p in props:
                if p.kind in ("invariant", "sometimes"):
                    property_holds(model, p.name, p.check, t)  # raises the property's ModelError
                elif p.kind == "action":
                    property_holds(model, p.name, p.check, s, step, t)
    except ModelError as again:
        return again
    except BaseException as again:  # e.g. a state whose own __eq__ or __hash__ raises
        if passes_through(again):
            raise
        return _failed(model, again)
    return _failed(model, exc)


def _failed(model: CompiledModel, exc: BaseException) -> ModelError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return ModelError(f"model {model.id}: exploration failed: {type(exc).__name__}: {text}"[:600])


def check_hashable(model: CompiledModel, s: Any, where: str) -> None:
    """Raise ModelError with one clear line if ``s`` cannot serve as a state."""
    try:
        hash(s)
    except TypeError as exc:
        raise ModelError(
            f"model {model.id}: {where} produced an unhashable state ({exc}); use tuples, "
            f"frozensets or frozen dataclasses: {shown(s)}"[:400]
        ) from None
    except BaseException as exc:
        if passes_through(exc):
            raise
        raise model_raised(model, f"hashing the state {where} produced", exc) from exc


def json_value(model: CompiledModel, value: Any, what: str) -> Any:
    """``to_json(value)`` for a trace; a value that cannot be rendered is one ModelError."""
    try:
        return to_json(value)
    except BaseException as exc:
        if passes_through(exc):
            raise
        raise ModelError(f"model {model.id}: cannot write {what} as JSON: {exc}; use str, int, "
                         "bool, None, tuples, frozensets, NamedTuples or frozen dataclasses"[:600]
                         ) from exc


def json_problem(value: Any, path: str = "") -> str | None:
    """What in ``value`` JSON cannot hold (with its path), or None when it is all JSON."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return None
    if kind is float:
        return None if value == value and value not in (float("inf"), float("-inf")) else (
            f"the float {value} at {path or 'the top'}")
    if kind in (list, tuple):
        for i, x in enumerate(value):
            problem = json_problem(x, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if kind is dict:
        for k, x in value.items():
            if not isinstance(k, str):
                return f"a {type(k).__name__} key {shown(k, 40)} at {path or 'the top'}"
            problem = json_problem(x, f"{path}.{k}" if path else k)
            if problem:
                return problem
        return None
    return f"a {kind.__name__} ({shown(value, 40)}) at {path or 'the top'}"


def build_model(cls: type[Model], values: dict[str, Any] | None = None) -> CompiledModel:
    """``cls(**values)`` compiled: an author's ``setup`` or declarations that raise are one
    ModelError, a parameter out of range the usual BadInput."""
    try:
        return compile_model(cls(**(values or {})))
    except (BadInput, OverflowError, RecursionError):
        raise  # parameters too large for the machine: distcheck.engines.budget.construct says so
    except BaseException as exc:
        if passes_through(exc):
            raise
        raise ModelError(f"model {cls.id or cls.__qualname__}: building it "
                         f"({cls.__qualname__}({_kwargs(values)})) raised {type(exc).__name__}: "
                         f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:600]
                         ) from exc


def _kwargs(values: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in (values or {}).items())
