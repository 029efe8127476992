"""Time to each bundled violation: the exhaustive search against the sampling engines.

Run on demand (a benchmark, never a test)::

    .venv/bin/python benchmarks/bench_violations.py                 # bfs, simulate, hypothesis
    .venv/bin/python benchmarks/bench_violations.py --engines simulate --family locks

For every bundled model (not marked slow) and every safety property it
expects ``violated``, each engine checks that one property; the table gives
the seconds it took, whether it found the violation and the trace's length
(bfs: shortest).  A sampling engine that misses prints ``missed`` and the
seconds it spent looking (its default --runs/--steps).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.engines.checker import Options, check_model

ENGINES = ("bfs", "simulate", "hypothesis")
SAFETY = ("invariant", "action", "deadlock")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--family", help="only models whose id starts with this")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    cols = "".join(f" {e:>22}" for e in args.engines)
    print(f"{'model':<48} {'property':<24}{cols}")
    missed = {e: 0 for e in args.engines}
    rows = 0
    for mid, cls in sorted(catalog.bundled_models().items()):
        if cls.slow or (args.family and not mid.startswith(args.family)):
            continue
        model = compile_model(cls())
        for p in model.checked_properties():
            if p.kind not in SAFETY or p.expect != "violated":
                continue
            cells = []
            for engine in args.engines:
                start = time.perf_counter()
                results: list[Any] = check_model(cls(), Options(engine=engine), only=[p.name])
                seconds = time.perf_counter() - start
                r = results[0]
                if r.verdict == "violated":
                    cells.append(f"{seconds:>8.3f} s {len(r.trace):>3} steps")
                else:
                    missed[engine] += 1
                    cells.append(f"{seconds:>8.3f} s missed   ")
            rows += 1
            print(f"{mid:<48} {p.name:<24}" + "".join(f" {c:>22}" for c in cells), flush=True)
    print(f"{rows} expected violations; missed: " +
          ", ".join(f"{e} {n}" for e, n in missed.items()))
    print(f"load average {os.getloadavg()[0]:.2f} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
