"""The model contract: what an author writes -- parameters, actions, faults and properties.

A protocol model is a subclass of :class:`Model`.  It declares

* ``id`` -- a dotted identifier (``"transactions.twophase"``),
* ``claims`` -- the CLAIMS.md IDs it covers (may be empty),
* parameters as :class:`Param` class attributes (constructor arguments with
  fast defaults),
* ``init(self)`` yielding the initial state(s),
* actions as methods decorated with :func:`action` (or :func:`fault` for the
  fault library's vocabulary) that take the state plus the declared
  parameters and return the successor state, or ``None`` when not enabled,
* properties: :func:`invariant` (over states), :func:`action_property` (over
  transitions ``s --step--> t``), :func:`sometimes` (a sanity reachability
  check), each with the verdict the claims ledger expects.

Variants subclass a model.  An inherited action or property is removed by
setting its name to ``None`` and redefined only with its decorator again: a
plain method (or any other value) under that name is a TypeError naming the
class and the action, raised when the class is defined, so a declaration
never vanishes silently.  A decorated action stays callable as a method --
``self.rm_prepare(s, rm=1)``, ``Parent.rm_prepare(self, s, 1)``,
``super().rm_prepare(s, rm)`` -- and returns what the function returns.

The class holds only what an author writes.  Engines never call methods of
it by name: they work on a compiled view (:mod:`distcheck.contract.compiled`)
built once from an instance, so a helper method named ``enabled`` or
``transitions`` is just a helper.  Questions about the class itself (its
declared parameters, actions, properties, admitted faults) are functions
here that take the class: :func:`declared_params`, :func:`declared_actions`,
:func:`declared_properties`, :func:`admitted_faults`, :func:`unknown_parameter`.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import MethodType
from typing import Any, ClassVar, NamedTuple

from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.state import to_json

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
    """An action declaration (the decorator's product, before binding to a model).

    It stays callable as the method it decorates: ``self.rm_prepare(s, rm=1)``
    and ``Parent.rm_prepare(self, s, 1)`` run the function and return what it
    returns: the successor or None, or for a branching action its generator
    of successors (``yield from self.other(s)`` re-yields its branches).
    """

    fn: Callable[..., Any]
    domains: dict[str, Domain]
    fault: str | None = None
    name: str = ""
    #: a generator function: each value it yields is a successor of its own (a branch)
    branching: bool = False
    #: who takes the step and who receives its message, as :func:`lane` declares them
    lanes: Lanes | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return MethodType(self.fn, instance)

    def __call__(self, model: Any, s: Any, *args: Any, **kwargs: Any) -> Any:
        return self.fn(model, s, *args, **kwargs)


def action(**domains: Domain) -> Callable[[Callable[..., Any]], Action]:
    """Declare a protocol step ``fn(self, s, **args) -> next state | None``.

    Each keyword names one of ``fn``'s arguments and the finite domain it
    ranges over, e.g. ``@action(rm="rms")`` for ``def rm_prepare(self, s, rm)``.
    A generator ``fn`` is a branching action: it yields every successor it
    allows, each optionally labelled with :func:`branch`.
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
    return Action(fn=fn, domains={a: domains[a] for a in argnames}, fault=kind, name=fn.__name__,
                  branching=inspect.isgeneratorfunction(fn), lanes=getattr(fn, _LANES, None))


# --------------------------------------------------------------------------- participants

#: where :func:`lane` leaves its declaration on a function not yet made an action
_LANES = "__distcheck_lanes__"


#: a participant: a template over the step's arguments, or ``fn(model, s, **args) -> str``
Participant = str | Callable[..., str]


class Lanes(NamedTuple):
    """Who takes a step (``actor``) and who receives what it sends (``to``, None for a local
    step): templates over the step's arguments (``"rm {rm}"``, ``"replica {msg.dst}"``), or
    functions ``fn(model, s, **args)`` of the state before the step and its arguments."""

    actor: Participant
    to: Participant | None = None

    def resolve(self, model: Any, s: Any, args: dict[str, Any]) -> tuple[str, str | None]:
        """The participants of one step taken in state ``s``."""
        return _participant(self.actor, model, s, args), (
            None if self.to is None else _participant(self.to, model, s, args))


def _participant(who: Participant, model: Any, s: Any, args: dict[str, Any]) -> str:
    return who.format(**args) if isinstance(who, str) else str(who(model, s, **args))


def lane(actor: Participant, to: Participant | None = None) -> Callable[[Any], Any]:
    """Name the participants of an action, for sequence diagrams: ``@lane("tm", to="rm {rm}")``.

    ``actor`` is the participant that takes the step; ``to`` the one that
    receives its message or call, drawn as an arrow ``actor -> to`` (a
    delivery ``tm -> rm 1``, a request ``client -> store``).  Without ``to``
    the step is a local step, a note on the actor's lane; a fault is always a
    note.  Each is a template over the action's arguments (``"{msg.rm}"``
    reads a field of a message argument), or, when the state decides (the
    server a load balancer picks), a function ``fn(model, s, **args)`` of
    the state before the step.  Place it above or below ``@action``.
    """
    decl = Lanes(actor, to)

    def mark(target: Any) -> Any:
        if isinstance(target, Action):
            _check_lanes(decl, target.name, list(target.domains))
            target.lanes = decl
        else:
            _check_lanes(decl, target.__name__, list(inspect.signature(target).parameters)[2:])
            setattr(target, _LANES, decl)
        return target

    return mark


def _check_lanes(decl: Lanes, name: str, argnames: list[str]) -> None:
    import string

    for template in (t for t in decl if t is not None and not callable(t)):
        if not isinstance(template, str) or not template:
            raise TypeError(f"action {name}: @lane takes participant names (str) or functions, "
                            f"not {template!r}")
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            raise TypeError(f"action {name}: @lane template {template!r}: {exc}") from None
        for f in fields:
            root = f.split("[", 1)[0].split(".", 1)[0]
            if root not in argnames:
                raise TypeError(f"action {name}: @lane template {template!r} names {{{root}}}, "
                                f"which is not an argument; its arguments are: "
                                f"{', '.join(argnames) or 'none'}")


class Branch(NamedTuple):
    """One successor of a branching action, with the label traces show for it."""

    label: str | int
    state: Any


def branch(label: str | int, state: Any) -> Branch | None:
    """``yield branch("commit", t)`` in an action: the successor ``t``, labelled ``commit``.

    A branching action (a generator) yields each successor it allows, as
    PlusCal's ``either``/``or`` or TLA+'s ``\\/`` and ``\\E`` do: each one is a
    transition of its own, counted, explored and recorded separately.  A
    label names the branch in traces (``"branch": "commit"``); an unlabelled
    ``yield t`` is labelled by its position among the values yielded.  A
    ``None`` state (a disabled branch) is passed over, so
    ``yield branch("commit", t if ok else None)`` keeps the other positions.
    """
    if isinstance(label, bool) or not isinstance(label, (str, int)):
        raise TypeError(f"a branch label is a string or an int, not {label!r}")
    return None if state is None else Branch(label, state)


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
    #: why a property expected to be violated is violated (:data:`Cause`)
    because: Cause = None

    def __post_init__(self) -> None:
        if self.expect not in EXPECTATIONS:
            import difflib

            who = f"property {self.name}: " if self.name else f"a {self.kind} property: "
            near = difflib.get_close_matches(str(self.expect), EXPECTATIONS, n=1)
            raise ValueError(f"{who}expect must be one of {', '.join(EXPECTATIONS)}, not "
                             f"{self.expect!r}" + (f"; did you mean {near[0]!r}?" if near else ""))
        check_cause(self.because, self.expect, self.name or getattr(self.fn, "__name__", "?"))
        if not self.doc and self.fn is not None:
            self.doc = inspect.getdoc(self.fn) or ""

    def __set_name__(self, owner: type, name: str) -> None:
        if not self.name:
            self.name = name


#: Why a property expected to be violated is violated.  A dict of parameter settings
#: without which the violation cannot happen (``{"pauses": 0}``: "only when a process
#: pauses"): the checker also checks the property with those settings and expects it to
#: hold there, so a new bug cannot hide behind the known flaw.  A string states that no
#: setting removes the cause (the design is broken in every run) and says why.  None: no
#: cause is stated.
Cause = dict[str, Any] | str | None


def check_cause(because: Cause, expect: str, name: str) -> None:
    """ValueError unless ``because`` is a valid cause for a property expected ``expect``."""
    if because is None:
        return
    if expect != "violated":
        raise ValueError(f"property {name}: because= states why a violation happens; it needs "
                         f"expect='violated', not {expect!r}")
    if isinstance(because, str):
        if not because.strip():
            raise ValueError(f"property {name}: because='' says nothing; give the settings "
                             "without which it holds, or a sentence saying why none exist")
        return
    if not isinstance(because, dict) or not because or not all(isinstance(k, str) for k in because):
        raise ValueError(f"property {name}: because= is a dict of parameter settings "
                         f"({{'pauses': 0}}) or a sentence, not {because!r}")


def _property_decorator(kind: str, expect: str, claims: Iterable[str],
                        because: Cause = None) -> Callable[..., Property]:
    return lambda fn: Property(kind=kind, fn=fn, expect=expect, claims=tuple(claims),
                               name=fn.__name__, because=because)


def invariant(expect: str = "holds", claims: Iterable[str] = (),
              because: Cause = None) -> Callable[..., Property]:
    """Declare ``fn(self, s) -> bool`` that must be true in every reachable state.

    ``because`` states why a property expected to be violated is (:data:`Cause`).
    """
    return _property_decorator("invariant", expect, claims, because)


def action_property(expect: str = "holds", claims: Iterable[str] = (),
                    because: Cause = None) -> Callable[..., Property]:
    """Declare ``fn(self, s, step, t) -> bool`` that must be true of every transition."""
    return _property_decorator("action", expect, claims, because)


def sometimes(expect: str = "holds", claims: Iterable[str] = ()) -> Callable[..., Property]:
    """Declare ``fn(self, s) -> bool`` that must be true in *some* reachable state.

    A sanity check against vacuous models: "sometimes a commit happens".
    """
    return _property_decorator("sometimes", expect, claims)


# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Step:
    """One transition label: an action name and its arguments (in declaration order)."""

    action: str
    args: tuple[Any, ...] = ()
    arg_names: tuple[str, ...] = ()
    fault: str | None = None
    #: which successor of a branching action (its label), None for a plain action
    branch: str | int | None = None

    def kwargs(self) -> dict[str, Any]:
        return dict(zip(self.arg_names, self.args, strict=True))

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in zip(self.arg_names, self.args, strict=True))
        return f"{self.action}({inner})" + branch_suffix(self.branch)


def branch_suffix(label: str | int | None) -> str:
    """How a step's label shows its branch: ``tm_decide()[commit]``, nothing for a plain step."""
    return "" if label is None else f"[{label}]"


# --------------------------------------------------------------------------- the author's class


class Model:
    """Base class of every protocol model.

    An author writes: ``id``, ``claims``, parameters (:class:`Param`),
    ``faults`` (:class:`~distcheck.contract.faults.Faults`), ``expected``, ``causes``,
    ``check_deadlock``, ``weak_fair`` / ``strong_fair``, ``slow``, ``may_be_dead``, ``symmetric``,
    ``lane_order``, ``equivalent_mutants`` and ``mutation_sweep`` (read by
    ``distcheck mutate``), and the methods ``init``, ``setup``, ``describe``,
    ``extra_properties``, plus the decorated actions and properties.  Nothing else on this class is read by
    an engine, so any other name is free for the author's helpers.

    Variants subclass a model.  Setting an inherited action or property to
    ``None`` removes it; redefining it needs the decorator again (a plain
    method of that name is an error, so a declaration never vanishes
    silently); ``expected = {"name": "violated"}`` changes an expectation.
    """

    id: ClassVar[str] = ""
    claims: ClassVar[tuple[str, ...]] = ()
    #: report a reachable state with no successor as a violation of ``deadlock``
    check_deadlock: ClassVar[bool] = False
    #: per-property expected verdicts overriding inherited declarations (for variants)
    expected: ClassVar[dict[str, str]] = {}
    #: per-property causes of expected violations (:data:`Cause`), overriding the
    #: declarations' ``because`` (for variants, and for properties from ``properties/``)
    causes: ClassVar[dict[str, Cause]] = {}
    #: parameter defaults a variant changes, ``{"ttl": 2}``: merged along the MRO, subclass wins
    defaults: ClassVar[dict[str, Any]] = {}
    #: action names (or fault kinds) under weak / strong fairness, for liveness
    weak_fair: ClassVar[tuple[Any, ...]] = ()
    strong_fair: ClassVar[tuple[Any, ...]] = ()
    #: checking it at its defaults takes long: the test suite runs it only with ``-m slow``
    slow: ClassVar[bool] = False
    #: the lanes of its sequence diagrams, in order (a name stands for itself and for
    #: ``name N``: ``("tm", "rm")`` puts the TM first, then every RM); others follow
    lane_order: ClassVar[tuple[str, ...]] = ()
    #: action names (or fault kinds) that may never fire, each with the reason why: action
    #: coverage does not fail the gate for them (``{"tm_abort": "this variant never aborts"}``)
    may_be_dead: ClassVar[dict[str, str]] = {}
    #: sorts of interchangeable nodes (names of Sort attributes): ``symmetric = ("rm",)``
    #: lets ``--symmetry`` explore one state per renumbering (distcheck.engines.symmetry)
    symmetric: ClassVar[tuple[str, ...]] = ()
    #: ``distcheck mutate``: mutants (by id, ``"release:drop-field:1"``) that behave like the
    #: model, each with the reason; reported apart and left out of the score
    equivalent_mutants: ClassVar[dict[str, str]] = {}
    #: ``distcheck mutate``: larger parameter settings (``({"clients": 3},)``) to re-check
    #: survivors with
    mutation_sweep: ClassVar[tuple[dict[str, Any], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _refuse_silent_overrides(cls)

    def __init__(self, **params: Any) -> None:
        declared = declared_params(type(self))
        for name, value in params.items():
            if name not in declared:
                raise unknown_parameter(type(self), name)
            setattr(self, name, declared[name].validate(value))
        for name, p in declared.items():
            if name not in params:
                setattr(self, name, p.default)
        self.setup()

    # -- hooks for subclasses -------------------------------------------------------------

    def setup(self) -> None:
        """Derive values from parameters (called once, after they are set)."""

    def init(self) -> Iterable[Any]:
        """Yield the initial state(s)."""
        raise NotImplementedError(f"model {self.id} defines no init()")

    def extra_properties(self) -> list[Property]:
        """Properties computed from parameters, each with its ``name`` set.

        Rarely needed; the decorators cover most.
        """
        return []

    def describe(self, s: Any) -> Any:
        """The JSON rendering of a state used in traces (override for a friendlier view)."""
        return to_json(s)


# --------------------------------------------------------------------------- declarations of a class


def declared(cls: type, kind: type) -> dict[str, Any]:
    """Class attributes of ``kind`` in definition order, subclasses overriding by name.

    Setting an inherited name to ``None`` (or, for a parameter, to a plain
    value) in a variant removes it.
    """
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, kind):
                found[name] = value
            elif name in found:
                del found[name]
    return found


def _refuse_silent_overrides(cls: type) -> None:
    """TypeError when ``cls`` redefines an inherited action or property without its decorator.

    A plain method named like an inherited action would otherwise drop the
    action without a word (the engines see declarations only).
    """
    for kind, what, how in ((Action, "action", "@action(...) or @fault(...)"),
                            (Property, "property", "its property decorator")):
        inherited: dict[str, Any] = {}
        for klass in reversed(cls.__mro__[1:]):
            for name, value in vars(klass).items():
                if isinstance(value, kind):
                    inherited[name] = klass
                elif name in inherited:
                    del inherited[name]
        for name, value in vars(cls).items():
            if name in inherited and value is not None and not isinstance(value, kind):
                raise TypeError(
                    f"{cls.__qualname__}.{name} replaces the {what} {name} of "
                    f"{inherited[name].__qualname__} with a plain {type(value).__name__}: "
                    f"decorate it with {how} to redefine the {what}, set {name} = None to "
                    "remove it, or give the helper another name"
                )


def declared_params(cls: type) -> dict[str, Param]:
    """The parameters of model class ``cls``, in declaration order, with effective defaults.

    ``defaults`` entries apply.  A bad entry (no such parameter, a value the
    Param refuses) is a ModelError naming the class, raised when the class is
    used.
    """
    params = declared(cls, Param)
    where = f"model {cls.id or '?'} ({cls.__qualname__})"
    for name, value in _default_overrides(cls).items():
        param = params.get(name)
        if param is None:
            raise ModelError(
                f"{where}: defaults names {name!r}, which is not a parameter; "
                f"its parameters are: {', '.join(params) or 'none'}"
            )
        try:
            value = param.validate(value)
        except BadInput as exc:
            raise ModelError(f"{where}: defaults: {exc}; change the class's defaults") from None
        params[name] = copy.copy(param)
        params[name].default = value
    return params


def _default_overrides(cls: type) -> dict[str, Any]:
    """``defaults`` merged along the MRO, subclass wins.

    A class below that re-declares the parameter (a new Param) or removes it
    (``= None``) drops the default given above it.
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


def declared_actions(cls: type) -> dict[str, Action]:
    """The actions (faults included) of model class ``cls``, by name, in declaration order."""
    return declared(cls, Action)


def declared_properties(cls: type) -> dict[str, Property]:
    """The decorated properties of model class ``cls``, by name, in declaration order."""
    return declared(cls, Property)


def admitted_faults(cls: type) -> list[str]:
    """The faults model class ``cls`` admits, as error messages name them.

    The kinds of its ``@fault`` actions, unless its ``faults`` declaration
    (``distcheck.contract.faults.Faults``) lists them with their budgets.
    """
    faults = vars_lookup(cls, "faults")
    if hasattr(faults, "admitted"):
        return faults.admitted()
    kinds = {a.fault for a in declared_actions(cls).values() if a.fault}
    return [k for k in FAULT_KINDS if k in kinds]


def vars_lookup(cls: type, name: str) -> Any:
    """``name`` as the class defines it, without calling a descriptor's ``__get__``."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None


def unknown_parameter(cls: type, name: str) -> BadInput:
    """The error for a parameter ``name`` that model class ``cls`` does not declare.

    A name listed in the class's ``design_choices`` is a decision its
    variants make, not a parameter: the message lists those variants.
    """
    if name in getattr(cls, "design_choices", ()):
        variants = ", ".join(f"{v.id} ({name}={getattr(v, name)!r})"
                             for v in _design_family(cls) if v.id)
        return BadInput(f"{name} is a design choice of model {cls.id}, not a parameter; "
                        f"check the variant that makes the choice you want: {variants}")
    known = ", ".join(declared_params(cls)) or "none"
    message = f"model {cls.id} has no parameter {name!r}; its parameters are: {known}"
    faults = admitted_faults(cls)
    if faults:
        message += f"; it admits the faults: {', '.join(faults)}"
    return BadInput(message)


def _design_family(cls: type) -> list[type]:
    """The class that first set ``design_choices`` to a non-empty value, and its subclasses."""
    root = next(k for k in reversed(cls.__mro__) if vars(k).get("design_choices"))
    found, todo = {root}, [root]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda k: k.id)


def family(model_id: str) -> str:
    """The family of a model id: its first dotted part (``locks`` of ``locks.redlock``)."""
    return model_id.split(".", 1)[0]
