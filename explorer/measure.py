"""Measured claims: figures computed from a model's parameters and reported.

Some claims are not true/false statements but numbers ("the collision
probability of k random UUIDs").  A model declares one with :func:`measure`;
the method returns a :class:`Measurement` with the figures and, if the
computation was cross-checked against a bound it must respect, the problem
found (``None`` when consistent).  The verdict is ``reported`` (the figures
are in ``Result.extra["figures"]`` and in the reason) or ``violated`` when
the cross-check failed.  Nothing is explored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from explorer.errors import BadInput
from explorer.model import BoundProperty, Model, Property, property_value
from explorer.state import to_json
from explorer.verdict import VIOLATED, Result, Stats

KIND = "measure"
ENGINE = "compute"
REPORTED = "reported"


@dataclass
class Measurement:
    """Figures (name -> value, rendered as given) and a one-line summary."""

    figures: dict[str, Any]
    summary: str
    problem: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def measure(model: Model, prop: BoundProperty) -> Result:
    """Compute one measured property of ``model``."""
    assert prop.check is not None
    started = time.perf_counter()
    found = property_value(model, prop.name, prop.check)
    if not isinstance(found, Measurement):
        raise BadInput(
            f"model {model.id}: measure {prop.name} returned {type(found).__name__}, "
            "not a Measurement"
        )
    seconds = time.perf_counter() - started
    verdict = REPORTED if found.problem is None else VIOLATED
    reason = found.summary if found.problem is None else found.problem
    return Result(model.id, model.param_values(), prop.name, KIND, prop.expect, verdict, reason,
                  Stats(seconds=seconds, complete=True), ENGINE, claims=prop.claims,
                  extra={"figures": to_json(found.figures), **to_json(found.details)})


def measured(expect: str = REPORTED, claims: Iterable[str] = ()) -> Callable[..., Property]:
    """Declare ``fn(self) -> Measurement``: a figure computed and reported, not explored."""
    return lambda fn: Property(kind=KIND, fn=fn, expect=expect, claims=tuple(claims),
                               name=fn.__name__)


def run(model: Model, props: list[BoundProperty], options: Any) -> list[Result]:
    """The ``KIND_RUNNERS["measure"]`` entry."""
    return [measure(model, p) for p in props]
