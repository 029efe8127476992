"""Property kinds beyond invariants, as an author declares them.

Liveness (:func:`eventually`, :func:`leads_to`, :func:`always_eventually`,
:func:`no_livelock`), proofs by Z3 (:func:`proof` returning a :class:`Query`)
and computed figures (:func:`measured` returning a :class:`Measurement`).
Each makes a :class:`~distcheck.contract.model.Property` whose ``kind`` names
the engine that checks it (``distcheck.engines.liveness``, ``.z3prove``,
``.measure``); nothing here imports an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from distcheck.contract.model import Property

LIVENESS = "liveness"
PROOF = "proof"
MEASURE = "measure"
REPORTED = "reported"

FORMS = ("eventually", "leads_to", "always_eventually", "no_livelock")

#: fault kinds a model may declare fair explicitly (time and recovery, never damage)
FAIRABLE_FAULTS = ("restart", "resume", "heal", "tick", "expire")
ALL_PROTOCOL = "all_protocol"

Predicate = Callable[[Any, Any], Any] | str


@dataclass(frozen=True)
class FairGroup:
    """Fairness over a group of actions taken together (see :func:`group`)."""

    actions: tuple[str, ...]
    keep: tuple[str, ...] = ()

    def __str__(self) -> str:
        kept = f"; keep={', '.join(self.keep)}" if self.keep else ""
        return f"group({', '.join(self.actions)}{kept})"


def group(*actions: str, keep: Iterable[str] = ()) -> FairGroup:
    """One fairness obligation for several actions, or for every instance of one.

    In ``weak_fair`` / ``strong_fair``: ``group("rm_prepare", "rm_choose_to_abort")``
    is TLA+'s ``WF_vars(\\E rm: RMPrepare(rm) \\/ RMChooseToAbort(rm))``: the
    group is enabled where any instance of any member is, and taken by any of
    them.  ``keep`` names arguments that stay apart: ``group("rcv", keep=("i",))``
    is ``\\A i: WF_vars(\\E j: Rcv(i, j))``, one obligation per value of ``i``.
    Members are action names, fault kinds that may be fair, or ``"all_protocol"``;
    every member must have the kept arguments.
    """
    if not actions or not all(isinstance(a, str) for a in actions):
        raise TypeError("group(): name one or more actions")
    if isinstance(keep, str) or not all(isinstance(k, str) for k in keep):
        raise TypeError("group(): keep= is a tuple of argument names")
    return FairGroup(tuple(actions), tuple(keep))


@dataclass(frozen=True)
class LivenessSpec:
    """What a liveness Property carries in ``spec``: the form and its predicates."""

    form: str
    q: Predicate
    p: Predicate | None = None

    def describe(self) -> str:
        q = predicate_name(self.q)
        if self.form == "leads_to":
            return f"{predicate_name(self.p, 'P')} leads to {q}"
        return f"{self.form.replace('_', ' ')} {q}"


def predicate_name(pred: Predicate | None, role: str = "Q") -> str:
    """How messages name a predicate: its method or function name, else its role (P or Q)."""
    if isinstance(pred, str):
        return pred
    name = getattr(pred, "__name__", "<lambda>")
    return role if name == "<lambda>" else name


def _declare(form: str, q: Predicate, p: Predicate | None, expect: str, doc: str,
             claims: Iterable[str]) -> Property:
    for pred in (q, p):
        if pred is not None and not (isinstance(pred, str) or callable(pred)):
            raise TypeError(f"{form}: a predicate is a function (self, s) -> bool or a method name")
    spec = LivenessSpec(form, q, p)
    return Property(kind=LIVENESS, fn=None, expect=expect, doc=doc or spec.describe(),
                    claims=tuple(claims), spec=spec)


def eventually(q: Predicate, *, expect: str = "holds", doc: str = "",
               claims: Iterable[str] = ()) -> Property:
    """Every fair behaviour reaches a state where ``q`` holds."""
    return _declare("eventually", q, None, expect, doc, claims)


def leads_to(p: Predicate, q: Predicate, *, expect: str = "holds", doc: str = "",
             claims: Iterable[str] = ()) -> Property:
    """Whenever ``p`` holds, ``q`` holds then or in a later state (``p ~> q``)."""
    return _declare("leads_to", q, p, expect, doc, claims)


def always_eventually(q: Predicate, *, expect: str = "holds", doc: str = "",
                      claims: Iterable[str] = ()) -> Property:
    """``q`` holds infinitely often on every fair behaviour (``[]<>q``)."""
    return _declare("always_eventually", q, None, expect, doc, claims)


def no_livelock(progress: Predicate, *, expect: str = "holds", doc: str = "",
                claims: Iterable[str] = ()) -> Property:
    """No fair infinite behaviour ends in a cycle where ``progress`` never holds.

    Dead ends do not count (they are deadlocks: ``check_deadlock``).
    """
    return _declare("no_livelock", progress, None, expect, doc, claims)


# --------------------------------------------------------------------------- proofs


@dataclass
class Query:
    """What a proof method returns: the negated property, and how to read a counterexample."""

    counterexample: Any
    unknowns: dict[str, Any]
    refutes: Callable[[dict[str, int]], str | None]
    show: Callable[[dict[str, int]], dict[str, Any]] | None = None
    figures: dict[str, Any] = field(default_factory=dict)


def proof(expect: str = "holds", claims: Iterable[str] = ()) -> Callable[..., Property]:
    """Declare ``fn(self, z3) -> Query``: a property proved by Z3 for all values.

    ``expect="holds"`` says the solver must find the counterexample formula
    unsatisfiable; ``expect="violated"`` says the design is wrong and a
    concrete counterexample is expected.
    """
    return lambda fn: Property(kind=PROOF, fn=fn, expect=expect, claims=tuple(claims),
                               name=fn.__name__)


# --------------------------------------------------------------------------- measured figures


@dataclass
class Measurement:
    """Figures (name -> value, rendered as given) and a one-line summary."""

    figures: dict[str, Any]
    summary: str
    problem: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def measured(expect: str = REPORTED, claims: Iterable[str] = ()) -> Callable[..., Property]:
    """Declare ``fn(self) -> Measurement``: a figure computed and reported, not explored."""
    return lambda fn: Property(kind=MEASURE, fn=fn, expect=expect, claims=tuple(claims),
                               name=fn.__name__)
