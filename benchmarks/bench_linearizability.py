"""How long the linearizability checker takes on histories of a correct register.

Run on demand (it is not part of the tests)::

    .venv/bin/python benchmarks/bench_linearizability.py
    .venv/bin/python benchmarks/bench_linearizability.py --operations 5000 --processes 5 10

The histories come from ``tests/histories.py``: a simulated register that
applies each operation atomically between its invocation and its completion,
with some clients crashing (``info``).  More processes means more overlapping
operations, which is what makes the search expensive.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from histories import register_history  # noqa: E402

from distcheck.properties.history import operations  # noqa: E402
from distcheck.properties.linearizability import check_linearizable, check_sequential  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--processes", type=int, nargs="+", default=[5, 10, 20, 30])
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args()
    print(f"{'processes':>9} {'operations':>10} {'check':>34} {'steps':>10} {'seconds':>8}")
    for processes in args.processes:
        history = operations(register_history(args.operations, processes=processes))
        for name, check in (("linearizable", check_linearizable), ("sequential", check_sequential)):
            result = check(history, max_seconds=args.max_seconds)
            print(f"{processes:>9} {len(history):>10} {name + ': ' + result.verdict:>34} "
                  f"{result.explored:>10,} {result.seconds:>8.2f}")


if __name__ == "__main__":
    main()
