"""Proofs with Z3: a property of a symbolic model, proved for all values or refuted.

A model declares a proof with :func:`proof`.  The decorated method receives the
``z3`` module (imported here, lazily, so the command line starts fast) and
returns a :class:`Query`:

* ``counterexample``: a Z3 formula that is satisfiable exactly when the
  property fails (for bit-vectors or integers),
* ``unknowns``: the named Z3 terms a counterexample is made of, read back as
  plain integers (field values, counters, node offsets),
* ``refutes``: the same property in plain Python -- given concrete values it
  returns one line saying how they break the property, or ``None``.  Every
  counterexample the solver finds is re-checked with it (a mismatch means the
  Z3 encoding is wrong, and the verdict is ``inconclusive``, never
  ``violated``), and ``replay`` re-checks a saved counterexample with it,
* ``show``: optional derived values in the model's terms (the two colliding
  IDs), recorded as the trace's state,
* ``figures``: numbers reported with the verdict (a layout's lifetime).

The verdict is the engines' :class:`~distcheck.contract.verdict.Result` with engine
``z3``: ``holds`` when the formula is unsatisfiable (proved for all values),
``violated`` with a one-step trace ``counterexample(...)`` holding the
concrete values (the lexicographically smallest counterexample, so traces are
reproducible), ``inconclusive`` when the solver answers ``unknown`` (timeout
or incompleteness, with Z3's reason).  Per-query timing is in ``Result.extra``.
"""

from __future__ import annotations

import time
from typing import Any

from distcheck.contract.catalog import source_of
from distcheck.contract.compiled import (
    AnyModel,
    BoundProperty,
    CompiledModel,
    compile_model,
    json_value,
    property_value,
)
from distcheck.contract.declarations import PROOF, Query
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import declared_properties
from distcheck.contract.state import canonical_text, to_json
from distcheck.contract.verdict import (
    HOLDS,
    INCONCLUSIVE,
    VIOLATED,
    Result,
    Stats,
    Trace,
    TraceStep,
    first_line,
)

ENGINE = "z3"
KIND = PROOF
#: solver time limit when the caller gives none (seconds)
DEFAULT_TIMEOUT = 30.0
#: the name of the single step of a solver counterexample trace
COUNTEREXAMPLE_STEP = "counterexample"


def _z3() -> Any:
    import z3

    return z3


def _timeout_ms(seconds: float) -> int:
    if not seconds > 0:
        raise BadInput(f"solver timeout {seconds!r} must be a positive number of seconds")
    return max(1, min(int(seconds * 1000), 2**32 - 1))


def _value(z3: Any, term: Any) -> int:
    if z3.is_bv_value(term) or z3.is_int_value(term):
        return term.as_long()
    if z3.is_true(term):
        return 1
    if z3.is_false(term):
        return 0
    raise TypeError(f"cannot read {term} as an integer")


def build_query(model: AnyModel, prop: BoundProperty) -> Query:
    """Call the proof method; its result must be a :class:`Query`."""
    model = compile_model(model)
    check, z3 = prop.check, _z3()
    assert check is not None
    query = property_value(model, prop.name, lambda: check(z3))  # no state for the message
    if not isinstance(query, Query):
        raise BadInput(
            f"model {model.id}: proof {prop.name} returned {type(query).__name__}, not a Query"
        )
    return query


def prove(model: AnyModel, prop: BoundProperty, timeout: float = DEFAULT_TIMEOUT) -> Result:
    """Decide one proof property of ``model`` with Z3 within ``timeout`` seconds."""
    model = compile_model(model)
    z3 = _z3()
    started = time.perf_counter()
    query = build_query(model, prop)
    solver = z3.Solver()
    solver.set(timeout=_timeout_ms(timeout))
    try:
        solver.add(query.counterexample)
    except z3.Z3Exception as exc:
        raise ModelError(f"model {model.id}: proof {prop.name} returned a counterexample that Z3 "
                         f"does not take as a formula: {exc}"[:600]) from None
    answer = solver.check()
    seconds = time.perf_counter() - started
    params = model.param_values
    solver_info: dict[str, Any] = {"answer": str(answer), "seconds": round(seconds, 4),
                                   "timeout_seconds": timeout}
    extra: dict[str, Any] = {"solver": solver_info,
                             "figures": json_value(model, query.figures, f"the figures of {prop.name}")}
    stats = Stats(seconds=seconds, complete=answer != z3.unknown)

    def result(verdict: str, reason: str, trace: Trace | None = None) -> Result:
        return Result(model.id, params, prop.name, KIND, prop.expect, verdict, reason, stats,
                      ENGINE, trace, claims=prop.claims, extra=extra)

    if answer == z3.unsat:
        return result(HOLDS, f"proved for all values ({first_line(prop.doc) or prop.name})")
    if answer == z3.unknown:
        why = solver.reason_unknown() or "unknown"
        return result(INCONCLUSIVE, f"the solver answered unknown ({why}) after {seconds:.2f}s")
    values = _smallest(z3, query, solver.model(), timeout)
    solver_info["minimise_seconds"] = round(time.perf_counter() - started - seconds, 4)
    seconds = time.perf_counter() - started
    solver_info["seconds"] = round(seconds, 4)
    stats.seconds = seconds
    extra["counterexample"] = values
    broken = property_value(model, prop.name, query.refutes, values)
    if broken is None:
        stats.complete = False
        return result(INCONCLUSIVE,
                      f"the solver's counterexample {values} does not break {prop.name} when "
                      "evaluated in plain Python: the Z3 encoding disagrees with the model")
    message = f"{prop.name} refuted: {broken}"
    shown = (json_value(model, property_value(model, prop.name, query.show, values),
                        f"what proof {prop.name} shows for {values}")
             if query.show is not None else values)
    trace = Trace(
        model=model.id, params=to_json(params), property=prop.name, kind=KIND, engine=ENGINE,
        message=message, initial={"proof": prop.name, "params": to_json(params)},
        steps=[TraceStep(COUNTEREXAMPLE_STEP, dict(values), shown)],
        source=source_of(model.cls),
    )
    return result(VIOLATED, message, trace)


def _smallest(z3: Any, query: Query, found: Any, timeout: float) -> dict[str, int]:
    """The lexicographically smallest counterexample (unknowns in declared order).

    Which model a plain solver returns depends on its internal state (earlier
    queries in the same process included); the smallest one does not, so traces
    are reproducible -- and small values read better.  Falls back to the
    solver's own model if an unknown is unbounded below or the optimiser gives up.
    """
    def read(model: Any) -> dict[str, int]:
        return {name: _value(z3, model.eval(term, model_completion=True))
                for name, term in query.unknowns.items()}

    optimiser = z3.Optimize()
    optimiser.set(timeout=_timeout_ms(timeout))
    optimiser.add(query.counterexample)
    objectives = [optimiser.minimize(term) for term in query.unknowns.values()]
    if optimiser.check() != z3.sat:
        return read(found)
    if any("oo" in str(optimiser.lower(h)) for h in objectives):
        return read(found)
    return read(optimiser.model())


def solver_timeout(options: Any) -> float:
    """The solver limit for a ``check`` run: ``--max-seconds`` when given."""
    bounds = getattr(options, "bounds", None)
    limit = getattr(bounds, "max_seconds", None)
    return DEFAULT_TIMEOUT if limit is None else float(limit)


def run(model: CompiledModel, props: list[BoundProperty], options: Any) -> list[Result]:
    """The ``KIND_RUNNERS["proof"]`` entry: prove each property in turn.

    The solver gets no more time than the command's budget has left; an
    ``unknown`` it then answers is a cut, like a search stopped by a bound.
    """
    from distcheck.engines.checker import cut_results

    budget = getattr(options, "budget", None)
    out = []
    for p in props:
        timeout = solver_timeout(options)
        left = budget.seconds_left() if budget is not None else None
        limited = left is not None and left < timeout
        if limited:
            budget.phase = f"proof of {p.name}"
            spent = budget.exhausted()
            if spent is not None or left <= 0:  # type: ignore[operator]
                out += cut_results(model, [p], f"not started: {spent}", ENGINE)
                continue
            timeout = left  # type: ignore[assignment]
        r = prove(model, p, timeout)
        if limited and r.verdict == INCONCLUSIVE:
            r.extra["cut"] = (f"max-seconds={budget.max_seconds:g} reached during proof of "
                              f"{p.name}")
        out.append(r)
    return out


def recheck(model: CompiledModel, prop: BoundProperty, trace: Trace) -> str | None:
    """Replay's final check: do the recorded values still break the property?

    Evaluates the plain-Python encoding (``Query.refutes``) on the trace's
    values; no solver call.  Returns None when they do, else one line why not.
    """
    if len(trace.steps) != 1 or trace.steps[0].action != COUNTEREXAMPLE_STEP:
        return f"a proof trace has exactly one step named {COUNTEREXAMPLE_STEP}()"
    recorded = trace.steps[0]
    query = build_query(model, prop)
    if sorted(recorded.args) != sorted(query.unknowns):
        return (f"the recorded values name {sorted(recorded.args)} but the proof now reads "
                f"{sorted(query.unknowns)}")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in recorded.args.values()):
        return "the recorded counterexample values are not all integers"
    values = dict(recorded.args)
    if property_value(model, prop.name, query.refutes, values) is None:
        return f"the recorded values {values} no longer break {prop.name}"
    shown = (json_value(model, property_value(model, prop.name, query.show, values),
                        f"what proof {prop.name} shows for {values}")
             if query.show is not None else values)
    if canonical_text(shown) != canonical_text(recorded.state):
        return "the recorded values now evaluate to different IDs than the recorded ones"
    return None


def final_check(model: CompiledModel, prop: BoundProperty, trace: Trace, states: list[Any],
                steps: list[Any]) -> str | None:
    """``FINAL_CHECKS["proof"]`` signature adapter for :func:`recheck`."""
    return recheck(model, prop, trace)


# --------------------------------------------------------------------------- the prove command


def proof_properties(model: AnyModel) -> list[BoundProperty]:
    """The properties ``distcheck prove`` decides: proofs and reported measurements."""
    from distcheck.engines.measure import KIND as MEASURE

    return [p for p in compile_model(model).properties if p.kind in (KIND, MEASURE)]


def prove_models(models: list[AnyModel], timeout: float) -> list[Result]:
    """Run every proof (and measurement) of ``models``; BadInput if none declares one."""
    from distcheck.engines.measure import KIND as MEASURE
    from distcheck.engines.measure import measure

    results: list[Result] = []
    for model in models:
        for p in proof_properties(model):
            results.append(prove(model, p, timeout) if p.kind == KIND else measure(model, p))
    if not results:
        from distcheck.contract import catalog

        with_proofs = [mid for mid, cls in catalog.bundled_models().items()
                       if any(p.kind in (KIND, MEASURE) for p in declared_properties(cls).values())]
        raise BadInput(
            "the selected model declares no proofs or measured figures; models that do: "
            + (", ".join(with_proofs) or "none")
        )
    return results
