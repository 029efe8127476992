"""Declaring the faults a model admits, with their budgets, in one line.

The shared convention (every fault a ``@fault(kind)`` action, budgets as
Params named by the kind's plural, the remaining budget in the state as
``<plural>_left``, time as ``now`` bounded by ``horizon``) is made short by
a class attribute::

    class SetNxPx(Model):
        faults = Faults(pause=1, crash=1, tick=3)   # Params pauses, crashes, horizon

        def init(self):
            yield State(..., now=0, **self.faults.initial())     # pauses_left=self.pauses, ...

        @fault("pause", client="clients")
        def pause(self, s, client):
            if s.pc[client] == "holding":
                return self.faults.spend(s, "pause", paused=...)   # None at budget 0

        @fault("crash", client="clients")
        def crash(self, s, client):
            # left() first where a fault's effect is costly to build: at budget 0, build nothing
            if self.faults.left(s, "crash") and s.pc[client] != "crashed":
                return self.faults.spend(s, "crash", pc=..., paused=..., watch=...)

        @fault("tick")
        def tick(self, s):
            return self.faults.tick(s)                            # None once now == horizon

A kind given an int gets a budget Param (``--param pauses=2``), a kind given
``True`` is admitted without a budget, ``False`` excludes it.  A kind given a
``Param`` gets a budget with that Param's default, upper bound and doc
(``crash=Param(1, at_most=1, doc="...")`` when a second crash has no meaning
in the model).  Admitting a fault admits its companion (crash -> restart,
pause -> resume, partition -> heal) unless the companion is given explicitly
(``restart=False`` for crash-stop).  ``tick=N`` declares the horizon: Param
``horizon`` with default N; ``self.faults.tick(s, past_horizon=True)`` lets
time run on beyond it (while a TTL runs out, so that a fault near the
horizon is not hidden by time stopping).

The budget Params are listed where the ``faults`` line stands in the class
body, in the order the keywords are given, so ``distcheck list`` and
``--json`` show the parameters in the order the author wrote them.  A variant
changes a budget's default like any other: ``defaults = {"crashes": 0}``.

Models that do not declare ``faults`` are unaffected, and models written in
the plain convention stay valid.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import FAULT_KINDS, Model, Param

#: the budget Param of each fault kind (the convention: the kind's plural; ticks count to a horizon)
BUDGET_PARAM: dict[str, str] = {
    "crash": "crashes",
    "restart": "restarts",
    "drop": "drops",
    "duplicate": "duplicates",
    "partition": "partitions",
    "heal": "heals",
    "pause": "pauses",
    "resume": "resumes",
    "clock_jump": "clock_jumps",
    "expire": "expiries",
    "tick": "horizon",
}

#: the fault that undoes another, admitted along with it unless declared otherwise
COMPANION: dict[str, str] = {"crash": "restart", "pause": "resume", "partition": "heal"}


#: the state field holding the remaining budget of each kind (spent in the search's inner loop)
LEFT_FIELD: dict[str, str] = {kind: name + "_left" for kind, name in BUDGET_PARAM.items()}


def left_field(kind: str) -> str:
    """The state field holding the remaining budget of ``kind`` (``pauses_left``)."""
    return LEFT_FIELD[kind]


class Budget(Param):
    """A fault budget: how many faults of one kind a behaviour may contain (an int >= 0)."""

    def __init__(
        self, default: int, kind: str, declaration: Faults, spec: Param | None = None
    ) -> None:
        what = "ticks before time stops" if kind == "tick" else f"{kind} faults per behaviour"
        super().__init__(
            default,
            at_least=0,
            at_most=None if spec is None else spec.at_most,
            doc=spec.doc if spec is not None and spec.doc else f"at most this many {what}",
        )
        self.kind = kind
        self.declaration = declaration

    def validate(self, value: Any) -> Any:
        try:
            return super().validate(value)
        except BadInput as exc:
            raise BadInput(
                f"{exc} (the budget of {self.kind} faults); "
                f"this model admits the faults: {', '.join(self.declaration.admitted())}"
            ) from None


class Faults:
    """The faults a model admits and their default budgets (see the module docstring)."""

    def __init__(self, **admitted: int | bool | Param) -> None:
        unknown = [k for k in admitted if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(
                f"Faults(): unknown fault kind {unknown[0]!r}; the vocabulary is "
                f"{', '.join(FAULT_KINDS)}"
            )
        chosen: dict[str, int | bool] = {}
        #: kind -> the Param a budget was given as (for its upper bound and doc)
        self.specs: dict[str, Param] = {}
        for kind, value in admitted.items():
            if isinstance(value, Param):
                self.specs[kind] = value
                value = value.default
            if not isinstance(value, (bool, int)) or (not isinstance(value, bool) and value < 0):
                raise ValueError(
                    f"Faults(): {kind}={value!r}; give a budget (an int >= 0, or a Param "
                    "with one as its default), True or False"
                )
            if kind in self.specs and isinstance(value, bool):
                raise ValueError(f"Faults(): {kind}: a Param budget needs an int default")
            chosen[kind] = value
        for kind, companion in COMPANION.items():
            if chosen.get(kind) is not False and kind in chosen and companion not in chosen:
                chosen[companion] = True
        #: admitted kinds, in the vocabulary's order
        self.kinds: tuple[str, ...] = tuple(
            k for k in FAULT_KINDS if k in chosen and chosen[k] is not False
        )
        #: kind -> default budget, for the kinds that have one
        self.budgets: dict[str, int] = {
            k: int(v) for k, v in chosen.items() if not isinstance(v, bool) and k in self.kinds
        }
        self.params: dict[str, Budget] = {}
        self.attribute = "faults"

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = name
        after = _names_after(owner, name)
        for kind, default in self.budgets.items():
            pname = BUDGET_PARAM[kind]
            mine = vars(owner).get(pname)
            if isinstance(mine, Param):  # the model declared this budget itself
                continue
            budget = Budget(default, kind, self, self.specs.get(kind))
            budget.__set_name__(owner, pname)
            setattr(owner, pname, budget)
            self.params[kind] = budget
        # A variant that admits fewer faults than its parent drops the parent's budgets.
        for kind, pname in BUDGET_PARAM.items():
            if kind not in self.budgets and isinstance(getattr(owner, pname, None), Budget):
                setattr(owner, pname, None)
        # The budgets were appended to the class; moving what followed the ``faults`` line
        # behind them puts them in its place, so parameters keep the order of the class body.
        for later in after if self.params else ():
            value = vars(owner)[later]
            delattr(owner, later)
            setattr(owner, later, value)

    def __get__(self, instance: Model | None, owner: type) -> Any:
        if instance is None:
            return self
        bound = BoundFaults(self, instance)
        # a non-data descriptor: cached in the instance, later lookups skip this call
        instance.__dict__[self.attribute] = bound
        return bound

    def admits(self, kind: str) -> bool:
        return kind in self.kinds

    def admitted(self) -> list[str]:
        """The admitted faults for messages: ``pause (budget pauses)``, ``resume``."""
        out = []
        for kind in self.kinds:
            if kind in self.budgets:
                out.append(f"{kind} (until {BUDGET_PARAM[kind]})" if kind == "tick"
                           else f"{kind} (budget {BUDGET_PARAM[kind]})")
            else:
                out.append(kind)
        return out

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{k}={self.budgets[k]}" if k in self.budgets else f"{k}=True" for k in self.kinds
        )
        return f"Faults({inner})"


class BoundFaults:
    """A model instance's view of its fault declaration: budgets and state helpers."""

    __slots__ = ("declaration", "model")

    def __init__(self, declaration: Faults, model: Model) -> None:
        self.declaration = declaration
        self.model = model

    def admits(self, kind: str) -> bool:
        return kind in self.declaration.kinds

    def budget(self, kind: str) -> int | None:
        """The instance's budget for ``kind`` (its Param value); None when it has no budget."""
        if kind not in self.declaration.budgets:
            return None
        return getattr(self.model, BUDGET_PARAM[kind])

    def budgeted(self) -> tuple[str, ...]:
        """Admitted kinds with a budget kept in the state (every budgeted kind but ``tick``)."""
        return tuple(k for k in self.declaration.kinds if k in self.declaration.budgets and k != "tick")

    def initial(self) -> dict[str, int]:
        """The state fields holding full budgets: ``{"pauses_left": <pauses>}``."""
        return {left_field(k): getattr(self.model, BUDGET_PARAM[k]) for k in self.budgeted()}

    def left(self, s: Any, kind: str) -> int:
        """The remaining budget of ``kind`` in ``s``: a cheap guard before building a costly fault."""
        return getattr(s, LEFT_FIELD[kind])

    def spend(self, s: Any, kind: str, **changes: Any) -> Any:
        """``s`` with ``changes`` made and one fault of ``kind`` spent; None at budget 0.

        The budget is checked before any state is built, so passing the
        fault's effect as ``changes`` (``spend(s, "crash", up=False)``) costs a
        search nothing in the many states where the budget is already spent.
        """
        name = LEFT_FIELD[kind]
        remaining = getattr(s, name)
        if remaining <= 0:
            return None
        changes[name] = remaining - 1
        return _replace(s, **changes)

    def tick(self, s: Any, field: str = "now", *, past_horizon: bool = False) -> Any:
        """``s`` one tick later, or None once ``now`` has reached the horizon.

        ``past_horizon=True`` lets time go on beyond the horizon, for a model
        whose clock must keep running while something waits for it (a TTL
        running out), so that a fault near the horizon is not hidden by time
        stopping.
        """
        now = getattr(s, field)
        if now >= self.model.horizon and not past_horizon:  # type: ignore[attr-defined]
            return None
        return _replace(s, **{field: now + 1})


def _names_after(owner: type, name: str) -> list[str]:
    """The attributes written after ``name`` in ``owner``'s body (dunders aside: order-free)."""
    names = list(vars(owner))
    later = names[names.index(name) + 1:]
    return [n for n in later if not (n.startswith("__") and n.endswith("__"))]


def _replace(s: Any, **changes: Any) -> Any:
    if hasattr(s, "_replace"):
        return s._replace(**changes)
    if dataclasses.is_dataclass(s):
        return dataclasses.replace(s, **changes)
    raise ModelError(f"cannot update fields {sorted(changes)} of a {type(s).__name__} state")
