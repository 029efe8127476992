"""Figures measured over a model's whole reachable space, as measured claims.

Some claims are bounds rather than yes/no ("calls reach a crashed instance
for at most the lease plus the cache TTL", "a fixed window lets twice the
limit through").  :func:`reachable_maximum` explores the model exhaustively
and reports the largest value a per-state figure takes; given the theory's
prediction, it reports ``violated`` when the model disagrees, so a wrong model
or a wrong formula shows up in the catalogue run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from distcheck import Measurement, Property

#: (model, state) -> the figure in that state, or None where it does not apply
Figure = Callable[[Any, Any], int | None]


def reachable_maximum(
    figure: Figure,
    *,
    label: str,
    predicted: Callable[[Any], int | None] | None = None,
    claims: Iterable[str] = (),
    name: str = "",
    doc: str = "",
) -> Property:
    """A measured claim: the most ``figure`` reaches over every reachable state.

    ``predicted(model)`` is the theory's figure; when given and different, the
    verdict is ``violated`` and the message gives both.
    """

    def compute(model: Any) -> Measurement:
        from distcheck.contract.compiled import compile_model
        from distcheck.engines import bfs

        run = bfs.explore(compile_model(model), properties=[], check_deadlock=False)
        if not run.stats.complete:
            problem = f"exploration was cut ({run.cut}); no maximum"
            return Measurement({}, problem, problem=problem)
        values = [v for s in run.parent if (v := figure(model, s)) is not None]
        most = max(values, default=None)
        figures: dict[str, Any] = {label: "never" if most is None else most,
                                   "states explored": len(run.parent)}
        problem = None
        if predicted is not None:
            expected = predicted(model)
            figures["predicted"] = "never" if expected is None else expected
            if most != expected:
                problem = f"{label} is {figures[label]}, the design predicts {figures['predicted']}"
        return Measurement(figures, f"{label}: {figures[label]}", problem)

    return Property(kind="measure", fn=compute, expect="reported",
                    doc=doc or f"the most {label} over every reachable state",
                    claims=tuple(claims), name=name)
