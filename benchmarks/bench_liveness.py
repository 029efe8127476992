"""Cost of the liveness check relative to the safety-only run on the same model.

Run on demand (it is not part of the tests)::

    .venv/bin/python benchmarks/bench_liveness.py
    .venv/bin/python benchmarks/bench_liveness.py --case transactions.twophase.coordinator_crash:rms=6

Each run is a fresh process, so its peak resident memory (``ru_maxrss``) is
its own.  "safety" checks the model's invariants and sometimes-properties
with the BFS engine (parent links only); "liveness" builds the full graph
(every transition kept) and checks every liveness property on it.  Times are
CPU seconds (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from distcheck.contract.compiled import compile_model
from distcheck.contract.model import declared_params

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    "transactions.twophase.coordinator_crash:rms=3",
    "transactions.twophase.coordinator_crash:rms=5",
    "transactions.twophase.coordinator_recovery:rms=5",
    "transactions.twophase.coordinator_crash:rms=6",
    "locks.setnx_no_ttl.with_ttl:clients=5,ttl=4",
]


def measure(case: str, kind: str) -> dict[str, Any]:
    """Check one side of ``case`` in this process and return its figures."""
    from distcheck.contract import catalog
    from distcheck.engines.checker import Options, check_model

    model_id, _, raw = case.partition(":")
    cls = catalog.get(model_id)
    params = dict(kv.split("=", 1) for kv in raw.split(",") if kv)
    model = cls(**{k: declared_params(cls)[k].parse(v) for k, v in params.items()})
    names = [p.name for p in compile_model(model).properties if (p.kind == "liveness") == (kind == "liveness")
             and p.kind in ("liveness", "invariant", "action", "sometimes")]
    cpu = time.process_time()
    results = check_model(model, Options(), only=names)
    cpu = time.process_time() - cpu
    return {
        "cpu": cpu,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "states": results[0].stats.distinct_states if results else 0,
        "verdicts": {r.property: r.verdict for r in results},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", nargs="*", default=CASES, metavar="MODEL:NAME=VALUE,...")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    print(f"{'model':52} {'states':>8} {'safety s':>9} {'MB':>6} {'liveness s':>11} {'MB':>6} "
          f"{'time x':>7} {'mem x':>6}")
    for case in args.case:
        figures = {}
        for kind in ("safety", "liveness"):
            out = subprocess.run([sys.executable, __file__, "--child", case, kind], cwd=ROOT,
                                 capture_output=True, text=True, check=True)
            figures[kind] = json.loads(out.stdout)
        s, lv = figures["safety"], figures["liveness"]
        print(f"{case:52} {lv['states']:>8,} {s['cpu']:>9.2f} {s['rss_mb']:>6.0f} "
              f"{lv['cpu']:>11.2f} {lv['rss_mb']:>6.0f} {lv['cpu'] / max(s['cpu'], 1e-9):>7.1f} "
              f"{lv['rss_mb'] / s['rss_mb']:>6.1f}")


if __name__ == "__main__":
    main()
