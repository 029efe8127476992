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
from typing import Any

from distcheck.contract.compiled import (
    AnyModel,
    BoundProperty,
    CompiledModel,
    compile_model,
    json_value,
    property_value,
)
from distcheck.contract.declarations import MEASURE, REPORTED, Measurement
from distcheck.contract.errors import BadInput
from distcheck.contract.verdict import VIOLATED, Result, Stats

KIND = MEASURE
ENGINE = "compute"


def measure(model: AnyModel, prop: BoundProperty) -> Result:
    """Compute one measured property of ``model``."""
    model = compile_model(model)
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
    return Result(model.id, model.param_values, prop.name, KIND, prop.expect, verdict, reason,
                  Stats(seconds=seconds, complete=True), ENGINE, claims=prop.claims,
                  extra={"figures": json_value(model, found.figures, f"the figures of {prop.name}"),
                         **json_value(model, found.details, f"the details of {prop.name}")})


def run(model: CompiledModel, props: list[BoundProperty], options: Any) -> list[Result]:
    """The ``KIND_RUNNERS["measure"]`` entry."""
    return [measure(model, p) for p in props]
