"""The model contract: parameters, actions, faults and properties.

A protocol model is a subclass of :class:`Model`.  It declares

* ``id`` -- a dotted identifier (``"transactions.twophase"``),
* ``claims`` -- the CLAIMS.md IDs it covers,
* parameters as :class:`Param` class attributes (constructor arguments with
  fast defaults),
* ``init(self)`` yielding the initial state(s),
* actions as methods decorated with :func:`action` (or :func:`fault` for the
  fault library's vocabulary) that take the state plus the declared
  parameters and return the successor state, or ``None`` when not enabled,
* properties: :func:`invariant` (over states), :func:`action_property` (over
  transitions ``s --step--> t``), :func:`sometimes` (a sanity reachability
  check), each with the verdict the claims ledger expects.

Engines only see the compiled view of an instance: :meth:`Model.initial_states`,
:attr:`Model.properties`, and the transitions, either through
:meth:`Model.transitions` or, in the hot loops of the exhaustive engines
(``bfs``, ``graph``), directly through :attr:`Model.actions` -- each a
:class:`BoundAction` whose ``call`` is the bound method, ``static_args`` its
precomputed argument tuples (``None`` when a domain depends on the state,
then ``arguments(s)``) and ``step(args)`` the interned transition label.
Engines that call the model outside a hot loop use :func:`call_action`,
:func:`property_holds` / :func:`property_value` and
:func:`checked_transitions`, which turn a model that raises into one
:class:`~distcheck.contract.errors.ModelError` line.  Models know nothing about engines.
"""

from __future__ import annotations

import copy
import inspect
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.state import ordered, to_json

#: the name and the kind of the property "no reachable state is without a successor"
DEADLOCK = "deadlock"

EXPECTATIONS = ("holds", "violated", "reported")  # "reported": a measured figure (distcheck.engines.measure)

#: The fault vocabulary shared by every model (see DESIGN.md, "Faults").
FAULT_KINDS = (
    "crash",
    "restart",
    "drop",
    "duplicate",
    "partition",
    "heal",
    "pause",
    "resume",
    "clock_jump",
    "tick",
    "expire",
)


# --------------------------------------------------------------------------- parameters


class Param:
    """A model parameter: a constructor argument with a default and a range.

    The type is the default's type (int, bool, float or str).  ``at_least`` /
    ``at_most`` bound numbers, ``choices`` restricts to listed values.
    """

    def __init__(
        self,
        default: Any,
        *,
        at_least: float | None = None,
        at_most: float | None = None,
        choices: Iterable[Any] | None = None,
        doc: str = "",
    ) -> None:
        self.default = default
        self.type = type(default)
        self.at_least = at_least
        self.at_most = at_most
        self.choices = tuple(choices) if choices is not None else None
        self.doc = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def accepts(self) -> str:
        """Human description of the accepted values, for error messages."""
        if self.choices is not None:
            return "one of " + ", ".join(map(str, self.choices))
        kind = {int: "an integer", bool: "true or false", float: "a number", str: "a string"}.get(
            self.type, self.type.__name__
        )
        if self.at_least is not None and self.at_most is not None:
            return f"{kind} from {self.at_least} to {self.at_most}"
        if self.at_least is not None:
            return f"{kind} >= {self.at_least}"
        if self.at_most is not None:
            return f"{kind} <= {self.at_most}"
        return kind

    def parse(self, text: str) -> Any:
        """Convert command-line text to this parameter's type (BadInput if it cannot)."""
        try:
            if self.type is bool:
                lowered = text.strip().lower()
                if lowered in ("1", "true", "yes", "on"):
                    return True
                if lowered in ("0", "false", "no", "off"):
                    return False
                raise ValueError(text)
            if self.type is int:
                return int(text)
            if self.type is float:
                return float(text)
            return self.type(text)
        except ValueError:
            raise BadInput(
                f"parameter {self.name}={text!r} is not valid: {self.name} accepts {self.accepts()}"
            ) from None

    def validate(self, value: Any) -> Any:
        """Return ``value`` if it is acceptable, else raise BadInput naming the range."""
        ok_type = isinstance(value, self.type) and not (
            self.type is int and isinstance(value, bool)
        )
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok_type = float(value), True
        if not ok_type:
            raise BadInput(
                f"parameter {self.name}={value!r} is not valid: {self.name} accepts {self.accepts()}"
            )
        if self.choices is not None and value not in self.choices:
            raise BadInput(
                f"parameter {self.name}={value!r} is not valid: {self.name} accepts {self.accepts()}"
            )
        if (self.at_least is not None and value < self.at_least) or (
            self.at_most is not None and value > self.at_most
        ):
            raise BadInput(
                f"parameter {self.name}={value!r} is out of range: {self.name} accepts {self.accepts()}"
            )
        return value


# --------------------------------------------------------------------------- actions

#: A parameter domain: the name of a model attribute (an int ``n`` means
#: ``range(n)``, a collection means its members, a method is called with the
#: state), an int, a collection, or a function ``(model, state) -> iterable``.
Domain = str | int | Iterable[Any] | Callable[[Any, Any], Iterable[Any]]


@dataclass
class Action:
    """An action declaration (the decorator's product, before binding to a model)."""

    fn: Callable[..., Any]
    domains: dict[str, Domain]
    fault: str | None = None
    name: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name


def action(**domains: Domain) -> Callable[[Callable[..., Any]], Action]:
    """Declare a protocol step ``fn(self, s, **args) -> next state | None``.

    Each keyword names one of ``fn``'s arguments and the finite domain it
    ranges over, e.g. ``@action(rm="rms")`` for ``def rm_prepare(self, s, rm)``.
    """
    return lambda fn: _make_action(fn, domains, None)


def fault(kind: str, **domains: Domain) -> Callable[[Callable[..., Any]], Action]:
    """Declare a fault step of a kind from the shared vocabulary (:data:`FAULT_KINDS`).

    Faults are actions that the environment, not the protocol, takes: they are
    marked in traces, never fair, and minimised first.
    """
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; the vocabulary is {', '.join(FAULT_KINDS)}")
    return lambda fn: _make_action(fn, domains, kind)


def _make_action(fn: Callable[..., Any], domains: dict[str, Domain], kind: str | None) -> Action:
    argnames = list(inspect.signature(fn).parameters)[2:]
    if sorted(argnames) != sorted(domains):
        raise TypeError(
            f"action {fn.__name__}: arguments {argnames} after (self, s) must match the declared "
            f"domains {sorted(domains)}"
        )
    return Action(fn=fn, domains={a: domains[a] for a in argnames}, fault=kind, name=fn.__name__)


# --------------------------------------------------------------------------- properties


@dataclass
class Property:
    """A named check with the verdict the claims ledger expects.

    ``kind`` is ``invariant`` (``fn(self, s) -> bool``), ``action``
    (``fn(self, s, step, t) -> bool``), ``sometimes`` (``fn(self, s) -> bool``,
    must be true in some reachable state), or a kind added by another engine
    (``liveness``, ``proof``) that carries what it needs in ``spec``.
    """

    kind: str
    fn: Callable[..., Any] | None
    expect: str = "holds"
    doc: str = ""
    claims: tuple[str, ...] = ()
    spec: Any = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.expect not in EXPECTATIONS:
            raise ValueError(f"expect must be one of {EXPECTATIONS}, not {self.expect!r}")
        if not self.doc and self.fn is not None:
            self.doc = inspect.getdoc(self.fn) or ""

    def __set_name__(self, owner: type, name: str) -> None:
        if not self.name:
            self.name = name


def _property_decorator(kind: str, expect: str, claims: Iterable[str]) -> Callable[..., Property]:
    return lambda fn: Property(kind=kind, fn=fn, expect=expect, claims=tuple(claims), name=fn.__name__)


def invariant(expect: str = "holds", claims: Iterable[str] = ()) -> Callable[..., Property]:
    """Declare ``fn(self, s) -> bool`` that must be true in every reachable state."""
    return _property_decorator("invariant", expect, claims)


def action_property(expect: str = "holds", claims: Iterable[str] = ()) -> Callable[..., Property]:
    """Declare ``fn(self, s, step, t) -> bool`` that must be true of every transition."""
    return _property_decorator("action", expect, claims)


def sometimes(expect: str = "holds", claims: Iterable[str] = ()) -> Callable[..., Property]:
    """Declare ``fn(self, s) -> bool`` that must be true in *some* reachable state.

    A sanity check against vacuous models: "sometimes a commit happens".
    """
    return _property_decorator("sometimes", expect, claims)


# --------------------------------------------------------------------------- compiled view


@dataclass(frozen=True)
class Step:
    """One transition label: an action name and its arguments (in declaration order)."""

    action: str
    args: tuple[Any, ...] = ()
    arg_names: tuple[str, ...] = ()
    fault: str | None = None

    def kwargs(self) -> dict[str, Any]:
        return dict(zip(self.arg_names, self.args, strict=True))

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in zip(self.arg_names, self.args, strict=True))
        return f"{self.action}({inner})"


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

    def arguments(self, s: Any) -> Iterable[tuple[Any, ...]]:
        """Every argument tuple this action ranges over in state ``s``."""
        if self.static_args is not None:
            return self.static_args
        assert self.dynamic is not None
        return itertools.product(*(d(s) for d in self.dynamic))

    def step(self, args: tuple[Any, ...]) -> Step:
        st = self.steps.get(args)
        if st is None:
            st = self.steps[args] = Step(self.name, args, self.arg_names, self.fault)
        return st


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


class Model:
    """Base class of every protocol model.  See the module docstring."""

    id: ClassVar[str] = ""
    claims: ClassVar[tuple[str, ...]] = ()
    #: report a reachable state with no successor as a violation of ``deadlock``
    check_deadlock: ClassVar[bool] = False
    #: per-property expected verdicts overriding inherited declarations (for variants)
    expected: ClassVar[dict[str, str]] = {}
    #: parameter defaults a variant changes, ``{"ttl": 2}``: merged along the MRO, subclass wins
    defaults: ClassVar[dict[str, Any]] = {}
    #: action names (or fault kinds) under weak / strong fairness, for liveness
    weak_fair: ClassVar[tuple[str, ...]] = ()
    strong_fair: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: Any) -> None:
        declared = self.params()
        for name, value in params.items():
            if name not in declared:
                raise self.unknown_parameter(name)
            setattr(self, name, declared[name].validate(value))
        for name, p in declared.items():
            if name not in params:
                setattr(self, name, p.default)
        self.setup()
        self.actions: list[BoundAction] = [self._bind(a) for a in self._declared(Action).values()]
        self.properties: list[BoundProperty] = [
            self._bind_property(p) for p in self._declared(Property).values()
        ]
        self.properties.extend(self.extra_properties())

    # -- hooks for subclasses -------------------------------------------------------------

    def setup(self) -> None:
        """Derive values from parameters (called once, after they are set)."""

    def init(self) -> Iterable[Any]:
        """Yield the initial state(s)."""
        raise NotImplementedError(f"model {self.id} defines no init()")

    def extra_properties(self) -> list[BoundProperty]:
        """Properties computed from parameters (rarely needed; decorators cover most)."""
        return []

    def describe(self, s: Any) -> Any:
        """The JSON rendering of a state used in traces (override for a friendlier view)."""
        return to_json(s)

    # -- declarations ---------------------------------------------------------------------

    @classmethod
    def params(cls) -> dict[str, Param]:
        """The parameters, each with its effective default (``defaults`` applied).

        A bad ``defaults`` entry (no such parameter, a value the Param refuses)
        is a ModelError naming the class, raised when the class is used.
        """
        declared = cls._declared(Param)
        where = f"model {cls.id or '?'} ({cls.__qualname__})"
        for name, value in cls._default_overrides().items():
            param = declared.get(name)
            if param is None:
                raise ModelError(
                    f"{where}: defaults names {name!r}, which is not a parameter; "
                    f"its parameters are: {', '.join(declared) or 'none'}"
                )
            try:
                value = param.validate(value)
            except BadInput as exc:
                raise ModelError(f"{where}: defaults: {exc}; change the class's defaults") from None
            declared[name] = copy.copy(param)
            declared[name].default = value
        return declared

    @classmethod
    def _default_overrides(cls) -> dict[str, Any]:
        """``defaults`` merged along the MRO, subclass wins.

        A class below that re-declares the parameter (a new Param) or removes
        it (``= None``) drops the default given above it.
        """
        found: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for name in vars(klass):
                found.pop(name, None)
            mine = vars(klass).get("defaults", {})
            if not isinstance(mine, dict):
                raise ModelError(
                    f"model {cls.id or '?'} ({klass.__qualname__}): defaults must be a dict "
                    f"of parameter names to values, not {type(mine).__name__}"
                )
            found.update(mine)
        return found

    @classmethod
    def _declared(cls, kind: type) -> dict[str, Any]:
        """Class attributes of ``kind`` in definition order, subclasses overriding by name.

        Setting an inherited name to ``None`` in a variant removes it.
        """
        found: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, kind):
                    found[name] = value
                elif name in found and not isinstance(value, kind):
                    del found[name]
        return found

    @classmethod
    def admitted_faults(cls) -> list[str]:
        """The faults this model admits, as error messages name them.

        The kinds of its ``@fault`` actions, unless its ``faults`` declaration
        (``distcheck.contract.faults.Faults``) lists them with their budgets.
        """
        declared = getattr(cls, "faults", None)
        if hasattr(declared, "admitted"):
            return declared.admitted()
        kinds = {a.fault for a in cls._declared(Action).values() if a.fault}
        return [k for k in FAULT_KINDS if k in kinds]

    @classmethod
    def unknown_parameter(cls, name: str) -> BadInput:
        """The error for a parameter ``name`` the model does not declare."""
        known = ", ".join(cls.params()) or "none"
        message = f"model {cls.id} has no parameter {name!r}; its parameters are: {known}"
        faults = cls.admitted_faults()
        if faults:
            message += f"; it admits the faults: {', '.join(faults)}"
        return BadInput(message)

    @classmethod
    def family(cls) -> str:
        return cls.id.split(".", 1)[0]

    def param_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.params()}

    # -- the compiled view the engines use -------------------------------------------------

    def initial_states(self) -> list[Any]:
        """The initial states, deduplicated, in a deterministic order, checked hashable."""
        try:
            produced = self.init()
            states = list(ordered(produced) if isinstance(produced, (set, frozenset)) else produced)
        except BadInput:
            raise
        except Exception as exc:
            raise ModelError(f"model {self.id}: init() raised {type(exc).__name__}: {exc}") from exc
        if not states:
            raise ModelError(f"model {self.id}: init() produced no initial state")
        seen: dict[Any, None] = {}
        for s in states:
            check_hashable(self, s, "init()")
            seen.setdefault(s, None)
        #: how many initial states init() generated, repeats included (TLC counts them all)
        self.initial_generated = len(states)
        return list(seen)

    def transitions(self, s: Any) -> Iterator[tuple[BoundAction, tuple[Any, ...], Any]]:
        """Every enabled (action, args, next state) from ``s``, in declaration order."""
        for a in self.actions:
            call = a.call
            for args in a.arguments(s):
                t = call(s, *args)
                if t is not None:
                    yield a, args, t

    def has_successor(self, s: Any) -> bool:
        """Whether some action is enabled in ``s`` (a self-loop counts): not a deadlock.

        Model code that raises becomes one ModelError (not for hot loops).
        """
        return next(checked_transitions(self, s), None) is not None

    def enabled(self, a: BoundAction, s: Any) -> list[tuple[tuple[Any, ...], Any]]:
        """``a``'s enabled (arguments, next state) pairs in ``s``.

        Model code that raises becomes one ModelError (not for hot loops).
        """
        found = []
        for args in action_arguments(self, a, s):
            t = call_action(self, a, s, args)
            if t is not None:
                found.append((args, t))
        return found

    def action_named(self, name: str) -> BoundAction | None:
        for a in self.actions:
            if a.name == name:
                return a
        return None

    def property_named(self, name: str) -> BoundProperty | None:
        for p in self.properties:
            if p.name == name:
                return p
        return None

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
        ``None`` leaves it to the model's :attr:`check_deadlock`.
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

    def _bind(self, a: Action) -> BoundAction:
        call = a.fn.__get__(self)
        names = tuple(a.domains)
        resolved = [self._resolve_domain(a.name, arg, spec) for arg, spec in a.domains.items()]
        if all(not callable(r) for r in resolved):
            static = tuple(itertools.product(*resolved))
            return BoundAction(a.name, call, names, a.fault, static)
        dynamic = tuple(
            _state_domain(r) if callable(r) else (lambda s, r=r: r) for r in resolved
        )
        return BoundAction(a.name, call, names, a.fault, None, dynamic)

    def _resolve_domain(self, action_name: str, arg: str, spec: Domain) -> Any:
        value: Any = spec
        if isinstance(spec, str):
            if not hasattr(self, spec):
                raise ModelError(
                    f"model {self.id}: action {action_name}: domain {spec!r} of {arg!r} "
                    "names no parameter, attribute or method"
                )
            value = getattr(self, spec)
            if callable(value) and not isinstance(value, (int, tuple, list, range, frozenset)):
                return value  # a bound method of the state
        elif callable(spec) and not isinstance(spec, (range, tuple, list, frozenset, set)):
            return lambda s, f=spec: f(self, s)
        if isinstance(value, bool):
            raise ModelError(f"model {self.id}: action {action_name}: domain of {arg!r} is a bool")
        if isinstance(value, int):
            return tuple(range(value))
        return ordered(value)

    def _bind_property(self, p: Property) -> BoundProperty:
        expect = self.expected.get(p.name, p.expect)
        if expect not in EXPECTATIONS:
            raise ModelError(f"model {self.id}: expected[{p.name!r}] must be one of {EXPECTATIONS}")
        check = p.fn.__get__(self) if p.fn is not None else None
        return BoundProperty(p.name, p.kind, expect, check, p.doc, p.claims or self.claims, p.spec)


def call_action(model: Model, a: BoundAction, s: Any, args: tuple[Any, ...]) -> Any:
    """``a(s, *args)``; a model that raises becomes one ModelError naming action, args and state."""
    try:
        return a.call(s, *args)
    except Exception as exc:
        raise ModelError(
            f"model {model.id}: action {a.step(tuple(args))} raised {type(exc).__name__}: {exc} "
            f"in state {s!r}"[:600]
        ) from exc


def action_arguments(model: Model, a: BoundAction, s: Any) -> list[tuple[Any, ...]]:
    """``a.arguments(s)``; a domain that raises becomes one ModelError naming action and state."""
    try:
        return [tuple(args) for args in a.arguments(s)]
    except Exception as exc:
        raise ModelError(
            f"model {model.id}: the argument domain of action {a.name} raised "
            f"{type(exc).__name__}: {exc} in state {s!r}"[:600]
        ) from exc


def checked_transitions(model: Model, s: Any) -> Iterator[tuple[BoundAction, tuple[Any, ...], Any]]:
    """:meth:`Model.transitions` with each model call guarded (for replay, not for hot loops)."""
    for a in model.actions:
        for args in action_arguments(model, a, s):
            t = call_action(model, a, s, args)
            if t is not None:
                yield a, args, t


def property_holds(model: Model, name: str, check: Callable[..., Any], *args: Any) -> bool:
    """Evaluate a property check; one that raises becomes one ModelError naming it and the state."""
    return bool(property_value(model, name, check, *args))


def property_value(model: Model, name: str, check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)`` as it returns it (a figure, a query, a truth value).

    One that raises becomes one ModelError naming the property and, when
    ``args`` starts with a state, that state.
    """
    try:
        return check(*args)
    except Exception as exc:
        where = f" in state {args[0]!r}" if args else ""
        raise ModelError(
            f"model {model.id}: property {name} raised {type(exc).__name__}: {exc}{where}"[:600]
        ) from exc


def explain_failure(
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


def _state_domain(method: Callable[[Any], Iterable[Any]]) -> Callable[[Any], tuple]:
    return lambda s: ordered(method(s))


def check_hashable(model: Model, s: Any, where: str) -> None:
    """Raise ModelError with one clear line if ``s`` cannot serve as a state."""
    try:
        hash(s)
    except TypeError as exc:
        raise ModelError(
            f"model {model.id}: {where} produced an unhashable state ({exc}); use tuples, "
            f"frozensets or frozen dataclasses: {s!r}"[:400]
        ) from None
