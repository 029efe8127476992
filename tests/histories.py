"""Histories recorded from simulated objects, for the consistency checkers' tests and benchmark.

A simulated client invokes an operation, the object applies it atomically at
some later moment, and the client hears the outcome later still (or never,
when it crashes: an ``info``).  So the history is linearizable by
construction, with as much overlap as there are processes.
"""

from __future__ import annotations

import random

from distcheck.properties.history import Event


def register_history(operations: int, processes: int = 5, seed: int = 0,
                     crash_rate: float = 0.02) -> list[Event]:
    """Events of a correct register (read, write of unique values, cas), ``operations`` kept.

    Failed cas operations are dropped by the checker, so they are not counted.
    """
    rnd = random.Random(seed)
    events: list[Event] = []
    value = None
    next_value = 0
    kept = 0
    # per process: (f, argument, applied?, result, failed?)
    running: dict[int, list] = {}
    process_ids = list(range(processes))
    while kept < operations or running:
        p = rnd.choice(process_ids)
        if p not in running:
            if kept >= operations:
                continue
            f = rnd.choice(("read", "read", "write", "cas"))
            if f == "write":
                arg = next_value = next_value + 1
            elif f == "cas":
                next_value += 1
                arg = (value if rnd.random() < 0.5 else next_value + 1000, next_value)
            else:
                arg = None
            running[p] = [f, arg, False, None, False]
            events.append(Event(p, "invoke", f, arg))
            continue
        op = running[p]
        f, arg, applied = op[0], op[1], op[2]
        if not applied:
            op[2] = True
            if f == "read":
                op[3] = value
            elif f == "write":
                value = op[3] = arg
            elif value == arg[0]:
                value, op[3] = arg[1], arg
            else:
                op[4] = True
            continue
        del running[p]
        if rnd.random() < crash_rate:  # the client never hears back: the outcome is unknown
            events.append(Event(p, "info", f, arg))
            process_ids[process_ids.index(p)] = max(process_ids) + 1  # a crashed client restarts anew
            kept += 1
        elif op[4]:
            events.append(Event(p, "fail", f, arg))
        else:
            events.append(Event(p, "ok", f, op[3]))
            kept += 1
    return events
