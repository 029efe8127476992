"""A breadth-first search of two-phase commit written by hand, without the engine.

It is the yardstick for ``bench_twophase.py``: the same protocol as
``distcheck.models.transactions.twophase`` (Lamport's TwoPhase.tla), the same state
representation (the model's ``TP`` / ``Msg`` named tuples), and the same work
per state as the engine does: every action guard evaluated for every resource
manager (as TLC does, so the generated-state count is TLC's), a parent link
stored per distinct state, the invariant checked on every new state, and
distinct / total / depth counted the TLC way.  It also checks the model's
``sometimes`` property (every RM committed) on new states until it is seen,
as the engine does.  What it does not have is the
engine's generality: the loop knows the actions by name.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from distcheck.contract.state import put
from distcheck.models.transactions.twophase import ABORT, COMMIT, TP, Msg


def tm_rcv_prepared(s: TP, rm: int) -> TP | None:
    if s.tm_state == "init" and Msg("Prepared", rm) in s.msgs:
        return s._replace(tm_prepared=s.tm_prepared | {rm})
    return None


def tm_commit(s: TP, rms: int) -> TP | None:
    if s.tm_state == "init" and len(s.tm_prepared) == rms:
        return s._replace(tm_state="committed", msgs=s.msgs | {COMMIT})
    return None


def tm_abort(s: TP) -> TP | None:
    if s.tm_state == "init":
        return s._replace(tm_state="aborted", msgs=s.msgs | {ABORT})
    return None


def rm_prepare(s: TP, rm: int) -> TP | None:
    if s.rm_state[rm] == "working":
        return s._replace(
            rm_state=put(s.rm_state, rm, "prepared"), msgs=s.msgs | {Msg("Prepared", rm)}
        )
    return None


def rm_choose_to_abort(s: TP, rm: int) -> TP | None:
    if s.rm_state[rm] == "working":
        return s._replace(rm_state=put(s.rm_state, rm, "aborted"))
    return None


def rm_rcv_commit_msg(s: TP, rm: int) -> TP | None:
    if COMMIT in s.msgs:
        return s._replace(rm_state=put(s.rm_state, rm, "committed"))
    return None


def rm_rcv_abort_msg(s: TP, rm: int) -> TP | None:
    if ABORT in s.msgs:
        return s._replace(rm_state=put(s.rm_state, rm, "aborted"))
    return None


def consistent(s: TP) -> bool:
    return not ("committed" in s.rm_state and "aborted" in s.rm_state)


def all_committed(s: TP) -> bool:
    return all(r == "committed" for r in s.rm_state)


def explore(rms: int) -> dict[str, Any]:
    """Explore every reachable state; return the TLC figures and whether the invariant held."""
    start = time.perf_counter()
    ids = range(rms)

    def successors(s: TP) -> Iterator[TP]:
        # TwoPhase's Next, disjunct by disjunct, one guard per resource manager
        for rm in ids:
            if (t := tm_rcv_prepared(s, rm)) is not None:
                yield t
        if (t := tm_commit(s, rms)) is not None:
            yield t
        if (t := tm_abort(s)) is not None:
            yield t
        for rm in ids:
            if (t := rm_prepare(s, rm)) is not None:
                yield t
        for rm in ids:
            if (t := rm_choose_to_abort(s, rm)) is not None:
                yield t
        for rm in ids:
            if (t := rm_rcv_commit_msg(s, rm)) is not None:
                yield t
        for rm in ids:
            if (t := rm_rcv_abort_msg(s, rm)) is not None:
                yield t

    init = TP(("working",) * rms, "init", frozenset(), frozenset())
    parent: dict[TP, TP | None] = {init: None}
    total = 1
    depth = 1
    violation = None if consistent(init) else init
    # the model's sanity property, checked on each new state until some state satisfies it
    witness = init if all_committed(init) else None
    frontier = [init]
    while frontier:
        next_frontier: list[TP] = []
        for s in frontier:
            for t in successors(s):
                total += 1
                if t not in parent:
                    parent[t] = s
                    next_frontier.append(t)
                    if violation is None and not consistent(t):
                        violation = t
                    if witness is None and all_committed(t):
                        witness = t
        if next_frontier:
            depth += 1
        frontier = next_frontier
    return {
        "distinct_states": len(parent),
        "total_states": total,
        "depth": depth,
        "seconds": time.perf_counter() - start,
        "violated": violation is not None,
        "witnessed": witness is not None,
    }
