"""Engine versus a hand-written BFS on two-phase commit, rms = 5..8.

Run on demand (it is not part of the tests)::

    .venv/bin/python benchmarks/bench_twophase.py            # rms 5..8, 3 runs each
    .venv/bin/python benchmarks/bench_twophase.py --rms 5 6 7 --runs 5

Every exploration runs in a fresh process so that its peak resident memory
(``ru_maxrss``) is its own; the table shows medians over the runs, the two
sides alternating.  Times are CPU seconds of the exploration (wall seconds are
shown too): on a shared machine they are the steadier figure.  Both
sides must agree on distinct / total / depth, or the script fails.  Target
(issue 2): engine time within 1.5x of the hand-written one at rms = 7 and 8,
engine peak memory no higher.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TIME_TARGET = 1.5
#: peak RSS differs by a few hundred KiB between identical runs
MEMORY_NOISE = 0.01


def run_engine(rms: int) -> dict[str, Any]:
    from distcheck.engines import bfs
    from distcheck.models.transactions.twophase import TwoPhase

    model = TwoPhase(rms=rms)
    rss_before = _maxrss_mb()
    cpu_start, start = time.process_time(), time.perf_counter()
    results = bfs.check(model)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    stats = results[0].stats
    return {
        "distinct_states": stats.distinct_states,
        "total_states": stats.total_states,
        "depth": stats.depth,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "verdicts": {r.property: r.verdict for r in results},
        "rss_before_mb": rss_before,
    }


def run_hand(rms: int) -> dict[str, Any]:
    from benchmarks import handwritten_twophase

    rss_before = _maxrss_mb()
    cpu_start, start = time.process_time(), time.perf_counter()
    out = handwritten_twophase.explore(rms)
    out["seconds"] = time.perf_counter() - start
    out["cpu_seconds"] = time.process_time() - cpu_start
    out["rss_before_mb"] = rss_before
    return out


WORKERS = {"engine": run_engine, "hand": run_hand}


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def worker(kind: str, rms: int) -> None:
    """Child process: one exploration, its figures as one JSON line on stdout."""
    sys.path.insert(0, str(ROOT))
    out = WORKERS[kind](rms)
    out["peak_rss_mb"] = _maxrss_mb()
    print(json.dumps(out))


def measure(kind: str, rms: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(rms)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} rms={rms} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rms", type=int, nargs="+", default=[5, 6, 7, 8])
    parser.add_argument("--runs", type=int, default=3, help="runs per side and size (median)")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "RMS"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the medians as JSON too")
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return 0

    header = (f"{'rms':>3} {'side':>6} {'distinct':>10} {'total':>11} {'depth':>5} "
              f"{'cpu s':>7} {'wall s':>7} {'states/s':>9} {'peak MB':>8} {'base MB':>8}")
    print(header)
    print("-" * len(header))
    rows = []
    failed = False
    for rms in args.rms:
        runs: dict[str, list[dict[str, Any]]] = {"hand": [], "engine": []}
        for _ in range(args.runs):
            # alternate the sides so that a slow spell of the machine hits both
            for kind in runs:
                runs[kind].append(measure(kind, rms))
        per_side: dict[str, dict[str, Any]] = {}
        for kind, done in runs.items():
            counts = {(r["distinct_states"], r["total_states"], r["depth"]) for r in done}
            if len(counts) != 1:
                raise SystemExit(f"{kind} rms={rms}: runs disagree on counts: {counts}")
            first = done[0]
            violated = {r["verdicts"]["consistent"] == "violated" if kind == "engine"
                        else r["violated"] for r in done}
            cpu = median_of(done, "cpu_seconds")
            summary = {
                "rms": rms, "side": kind,
                "distinct_states": first["distinct_states"],
                "total_states": first["total_states"],
                "depth": first["depth"],
                "invariant_violated": violated,
                "cpu_seconds": cpu,
                "wall_seconds": median_of(done, "seconds"),
                "states_per_second": first["distinct_states"] / cpu,
                "peak_rss_mb": median_of(done, "peak_rss_mb"),
                "rss_before_mb": median_of(done, "rss_before_mb"),
                "all_cpu_seconds": [round(r["cpu_seconds"], 3) for r in done],
            }
            per_side[kind] = summary
            rows.append(summary)
            print(f"{rms:>3} {kind:>6} {summary['distinct_states']:>10,} "
                  f"{summary['total_states']:>11,} {summary['depth']:>5} {cpu:>7.2f} "
                  f"{summary['wall_seconds']:>7.2f} {summary['states_per_second']:>9,.0f} "
                  f"{summary['peak_rss_mb']:>8.1f} {summary['rss_before_mb']:>8.1f}", flush=True)
        hand, engine = per_side["hand"], per_side["engine"]
        keys = ("distinct_states", "total_states", "depth")
        if any(hand[k] != engine[k] for k in keys):
            print(f"    COUNTS DIFFER at rms={rms}: hand {[hand[k] for k in keys]} "
                  f"engine {[engine[k] for k in keys]}")
            failed = True
        if hand["invariant_violated"] != engine["invariant_violated"]:
            print(f"    VERDICTS DIFFER at rms={rms}")
            failed = True
        hand["invariant_violated"] = sorted(hand["invariant_violated"])
        engine["invariant_violated"] = sorted(engine["invariant_violated"])
        time_ratio = engine["cpu_seconds"] / hand["cpu_seconds"]
        mem_ratio = engine["peak_rss_mb"] / hand["peak_rss_mb"]
        verdict = ""
        if rms >= 7:
            ok = time_ratio <= TIME_TARGET and mem_ratio <= 1.0 + MEMORY_NOISE
            verdict = "  target met" if ok else "  TARGET MISSED"
        print(f"    engine/hand: cpu time {time_ratio:.2f}x  peak memory {mem_ratio:.2f}x{verdict}",
              flush=True)
    if args.json:
        print(json.dumps({"runs": args.runs, "rows": rows}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
