"""Proofs for any number of nodes: inference plus proof, end to end, per typed model.

Run on demand (it is not part of the tests)::

    .venv/bin/python benchmarks/bench_unbounded.py            # 5 runs each, medians
    .venv/bin/python benchmarks/bench_unbounded.py --runs 9

Each run is ``distcheck prove MODEL --unbounded --infer`` in-process: the
symbolic execution of the model's methods, the explorer's reachable states at
the model's size, template candidates, Houdini, the unsat-core reduction, and
the re-check of the printed invariant.  Target (issue 18): at most 1 s each
for TwoPhase, TCommit and the lock server.  mypyvy is not on PyPI; the
comparison column holds the figures the issue's feasibility study measured
for mypyvy's ``updr`` on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.engines.induction import prove_unbounded

MODELS = ("transactions.twophase", "transactions.tcommit", "locks.lock_server",
          "locks.lock_server.grant_without_lock")
#: mypyvy updr, seconds, as measured by the feasibility study of issue 18
MYPYVY_UPDR = {"transactions.twophase": 34.9, "locks.lock_server": 2.7}
TARGET_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    prove_unbounded(compile_model(catalog.get(MODELS[0])()), infer=True)  # imports, Z3 warm-up
    print(f"{'model':40} {'verdict':10} {'clauses':>7} {'cands':>6} {'median s':>9} "
          f"{'min s':>7} {'updr s':>7}")
    for model_id in MODELS:
        times, results = [], []
        for _ in range(args.runs):
            model = compile_model(catalog.get(model_id)())
            start = time.perf_counter()
            results = prove_unbounded(model, infer=True)
            times.append(time.perf_counter() - start)
        r = results[0]
        info = r.extra["unbounded"]
        clauses = len(info.get("inferred_clauses", []))
        updr = MYPYVY_UPDR.get(model_id)
        print(f"{model_id:40} {r.verdict:10} {clauses:7} {info.get('candidates', 0):6} "
              f"{statistics.median(times):9.3f} {min(times):7.3f} "
              f"{(f'{updr:.1f}' if updr else '-'):>7}")
    print(f"target: inference + proof <= {TARGET_SECONDS:.1f} s for TwoPhase, TCommit and the "
          "lock server")


if __name__ == "__main__":
    main()
