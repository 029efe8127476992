"""Action coverage: how often each action fired in an exhaustive search, like TLC's ``-coverage``.

An action that never fires in a complete exploration is usually a mistake in
the model (a mistyped guard silently shrinks the state space while every
property still holds), so it fails the gate unless the model says why it may
be dead (``may_be_dead = {"name": "reason"}``).  A fault whose budget is 0
(and the companion of such a fault: no restart without a crash) is switched
off, not dead.  A search cut by a bound, or stopped once every property was
decided, saw only part of the space: its coverage is *partial* and names no
dead action (``distcheck check --coverage`` explores to the end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distcheck.contract.errors import ModelError

FIRED, DEAD, MAY_BE_DEAD, SWITCHED_OFF, UNKNOWN = "fired", "dead", "may be dead", "budget 0", "not fired yet"


@dataclass
class ActionCoverage:
    """One action: transitions it generated (``fired``) and states first reached by it (``new``)."""

    name: str
    fault: str | None
    fired: int
    new: int
    status: str
    #: why it may be dead (``may_be_dead``) or is switched off (its budget)
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.name, "fault": self.fault, "fired": self.fired,
                               "new": self.new, "status": self.status}
        if self.why:
            out["why"] = self.why
        return out


@dataclass
class Coverage:
    """The coverage of one model's exhaustive search."""

    model: str
    complete: bool
    actions: list[ActionCoverage] = field(default_factory=list)

    def dead(self) -> list[ActionCoverage]:
        """Actions that never fired in a complete search and are not declared ``may_be_dead``."""
        return [a for a in self.actions if a.status == DEAD]

    def faults(self) -> dict[str, dict[str, int]]:
        """Per fault kind: transitions and new states of its actions together."""
        out: dict[str, dict[str, int]] = {}
        for a in self.actions:
            if a.fault is not None:
                kind = out.setdefault(a.fault, {"fired": 0, "new": 0})
                kind["fired"] += a.fired
                kind["new"] += a.new
        return out

    def summary(self) -> str:
        """One phrase: ``7 of 7 actions fired``, ``partial: ...``, ``tm_abort never fired``."""
        fired = sum(1 for a in self.actions if a.fired)
        text = f"{fired} of {len(self.actions)} actions fired"
        if not self.complete:
            return f"partial (search stopped early): {text}"
        dead = self.dead()
        if dead:
            text += "; never fired: " + ", ".join(a.name for a in dead)
        excused = [a for a in self.actions if a.status in (MAY_BE_DEAD, SWITCHED_OFF)]
        if excused:
            text += "; not fired, allowed: " + ", ".join(f"{a.name} ({a.why})" for a in excused)
        return text

    def to_json(self) -> dict[str, Any]:
        return {"complete": self.complete, "actions": [a.to_json() for a in self.actions],
                "faults": self.faults(), "dead": [a.name for a in self.dead()]}


def coverage_of(model: Any, fired: dict[str, int], new: dict[str, int], complete: bool) -> Coverage:
    """The coverage of compiled ``model`` from a search's counters, each action's status judged."""
    declared = may_be_dead(model.cls)
    names = {a.name for a in model.actions}
    kinds = {a.fault for a in model.actions if a.fault}
    for name in declared:
        if name not in names and name not in kinds:
            raise ModelError(f"model {model.id}: may_be_dead names {name!r}, which is neither an "
                             f"action nor a fault kind of the model; its actions are: "
                             f"{', '.join(sorted(names))}")
    out = Coverage(model.id, complete)
    for a in model.actions:
        n_fired, n_new = fired.get(a.name, 0), new.get(a.name, 0)
        why = ""
        if n_fired:
            status = FIRED
        elif not complete:
            status = UNKNOWN
        elif a.name in declared or (a.fault is not None and a.fault in declared):
            status, why = MAY_BE_DEAD, declared.get(a.name) or declared[a.fault]  # type: ignore[index]
        elif a.fault is not None and (off := _switched_off(model.model, a.fault)):
            status, why = SWITCHED_OFF, off
        else:
            status = DEAD
        out.actions.append(ActionCoverage(a.name, a.fault, n_fired, n_new, status, why))
    return out


def may_be_dead(cls: type) -> dict[str, str]:
    """``may_be_dead`` merged along the MRO (a variant adds to its parent's, and wins)."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        mine = vars(klass).get("may_be_dead")
        if mine is None:
            continue
        if not isinstance(mine, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in mine.items()):
            raise ModelError(f"{getattr(cls, 'id', cls.__name__)}: may_be_dead must map action "
                             "names (or fault kinds) to the reason they may never fire, "
                             '{"name": "reason"}')
        out.update(mine)
    return out


def _switched_off(instance: Any, kind: str) -> str:
    """Why fault ``kind`` cannot happen in this instance ("budget crashes=0"), or ""."""
    from distcheck.contract.faults import BUDGET_PARAM, COMPANION

    def zero(k: str) -> str:
        param = BUDGET_PARAM.get(k)
        value = getattr(instance, param, None) if param else None
        return f"budget {param}=0" if value == 0 and not isinstance(value, bool) else ""

    if reason := zero(kind):
        return reason
    for cause, companion in COMPANION.items():  # no restart without a crash
        if companion == kind and (reason := zero(cause)):
            return reason
    return ""
