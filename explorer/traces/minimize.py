"""``distcheck minimize FILE``: replay a saved trace, shrink it, write the smaller one.

The shrinking itself is :mod:`distcheck.engines.shrink`; this is its use on files.
"""

from __future__ import annotations

from pathlib import Path

from distcheck.contract.verdict import Trace
from distcheck.engines.budget import Budget
from distcheck.engines.shrink import Minimized, Target, minimize_run


def minimize_trace(trace: Trace, max_seconds: float | None = None) -> Minimized | str:
    """Minimise a saved trace: the result, or one line saying why the trace is stale.

    The trace is replayed first; a trace that no longer reproduces is not
    minimised (the caller exits 1, as ``replay`` does).  After ``max_seconds``
    the shortest trace found so far is the result (``Minimized.cut`` says so).
    """
    from distcheck.traces.replay import replay

    rep = replay(trace)
    if not rep.reproduced:
        where = "initial state" if rep.failed_step == 0 else f"step {rep.failed_step}"
        return f"stale trace: {where}: {rep.problem}"
    assert rep.model is not None
    model = rep.model
    target = Target.of(model, trace.property)
    meter = Budget(max_seconds).meter("minimisation") if max_seconds is not None else None
    return minimize_run(model, target, rep.states[0], rep.steps, trace.engine, trace.seed,
                        meter=meter)


def default_output(path: Path) -> Path:
    """Where ``distcheck minimize FILE`` writes by default: ``FILE`` with ``.min`` before ``.json``."""
    stem = path.name.removesuffix(".json")
    return path.with_name(f"{stem}.min.json")
