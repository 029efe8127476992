"""Two-phase commit explored by hand over plain tuples: the yardstick the engine must beat.

The same protocol, the same counts and the same work per state as the engine
(every guard evaluated per resource manager as TLC does, a parent link per
distinct state, the invariant and the ``sometimes`` property checked on new
states), but the state is a plain tuple ``(rm_state, tm_state, tm_prepared,
msgs)`` with messages as plain tuples, and the loop knows the actions by name.
``handwritten_twophase`` is the same search over the model's NamedTuples.
"""

from __future__ import annotations

import time
from typing import Any

COMMIT = ("Commit", None)
ABORT = ("Abort", None)


def explore(rms: int) -> dict[str, Any]:
    """Explore every reachable state; return the TLC figures and whether the invariant held."""
    start = time.perf_counter()
    ids = range(rms)
    prepared_msg = [("Prepared", rm) for rm in ids]
    init = (("working",) * rms, "init", frozenset(), frozenset())
    parent: dict[tuple, tuple | None] = {init: None}
    total, depth = 1, 1
    violation = witness = None
    frontier = [init]
    while frontier:
        nxt: list[tuple] = []
        push = nxt.append
        for s in frontier:
            rm_state, tm_state, tm_prepared, msgs = s
            succ = []
            if tm_state == "init":
                for rm in ids:
                    if prepared_msg[rm] in msgs:
                        succ.append((rm_state, tm_state, tm_prepared | {rm}, msgs))
                if len(tm_prepared) == rms:
                    succ.append((rm_state, "committed", tm_prepared, msgs | {COMMIT}))
                succ.append((rm_state, "aborted", tm_prepared, msgs | {ABORT}))
            for rm in ids:
                if rm_state[rm] == "working":
                    succ.append((rm_state[:rm] + ("prepared",) + rm_state[rm + 1:], tm_state,
                                 tm_prepared, msgs | {prepared_msg[rm]}))
            for rm in ids:
                if rm_state[rm] == "working":
                    succ.append((rm_state[:rm] + ("aborted",) + rm_state[rm + 1:], tm_state,
                                 tm_prepared, msgs))
            if COMMIT in msgs:
                for rm in ids:
                    succ.append((rm_state[:rm] + ("committed",) + rm_state[rm + 1:], tm_state,
                                 tm_prepared, msgs))
            if ABORT in msgs:
                for rm in ids:
                    succ.append((rm_state[:rm] + ("aborted",) + rm_state[rm + 1:], tm_state,
                                 tm_prepared, msgs))
            for t in succ:
                total += 1
                if t not in parent:
                    parent[t] = s
                    push(t)
                    r = t[0]
                    if violation is None and "committed" in r and "aborted" in r:
                        violation = t
                    if witness is None and all(x == "committed" for x in r):
                        witness = t
        if nxt:
            depth += 1
        frontier = nxt
    return {"distinct_states": len(parent), "total_states": total, "depth": depth,
            "seconds": time.perf_counter() - start, "violated": violation is not None,
            "witnessed": witness is not None}
