"""What the sampling engines (``simulate``, ``hypothesis``) report, from what their runs saw.

Both engines end with the same raw outcome -- for each violated property the
initial state and steps of the run that broke it, and the ``sometimes``
properties some run reached -- and turn it into results the same way: each
violation minimised (:mod:`distcheck.engines.shrink`) into its trace, and no verdict
stronger than a sample allows (never ``holds`` for what was merely not seen
broken).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from distcheck.contract.compiled import AnyModel, BoundProperty, compile_model
from distcheck.contract.model import Step
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED, Result, Stats
from distcheck.engines.budget import Meter
from distcheck.engines.shrink import Target, minimize_run

#: how a violating run was found, from its steps: a phrase for the reason and
#: extra figures for the JSON output
FoundBy = Callable[[list[Step]], tuple[str, dict[str, Any]]]


def sampled_results(
    model: AnyModel,
    props: list[BoundProperty],
    engine: str,
    stats: Stats,
    *,
    violations: dict[str, tuple[Any, list[Step]]],
    witnesses: Collection[str],
    budget: str,
    extra: dict[str, Any],
    seed: int,
    found_by: FoundBy,
    meter: Meter | None = None,
) -> list[Result]:
    """One Result per property of ``props``, in order, marked ``sampled``.

    ``violations`` maps a property name to the (initial state, steps) of the
    run that violated it, ``witnesses`` names the ``sometimes`` properties
    reached, ``budget`` says what was spent (for the reasons) and ``extra``
    goes into every result's JSON.  ``meter`` bounds the minimisations.
    """
    model = compile_model(model)
    results = []
    for p in props:
        trace = None
        more = dict(extra)
        if p.name in violations:
            start, path = violations[p.name]
            minimized = minimize_run(model, Target.for_property(p), start, path, engine, seed=seed,
                                     meter=meter)
            trace = minimized.trace
            how, figures = found_by(path)
            verdict = VIOLATED
            reason = f"{trace.message} ({how}; minimised {minimized.summary()})"
            more.update(figures)
            more["minimized"] = minimized.to_json()
            more.pop("cut", None)  # the search's cut did not keep this one from a verdict
        elif p.kind == "sometimes" and p.name in witnesses:
            verdict, reason = HOLDS, f"reached within {budget}"
        elif p.kind == "sometimes":
            verdict, reason = INCONCLUSIVE, f"not reached in {budget}; random search never refutes"
        else:
            verdict = INCONCLUSIVE
            reason = f"no violation in {budget}; random search never proves"
        results.append(Result(model.id, model.param_values, p.name, p.kind, p.expect, verdict,
                              reason, stats, engine, trace, claims=tuple(p.claims), extra=more,
                              sampled=True))
    return results
