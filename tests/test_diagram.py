"""Sequence diagrams of traces: lanes per actor, faults on the environment lane, loops boxed."""

from __future__ import annotations

from distcheck.contract.verdict import Trace, TraceStep
from distcheck.outputs.diagrams import sequence_diagram


def _trace(loop_start: int | None = None) -> Trace:
    steps = [
        TraceStep("acquire", {"client": 0}, {"owner": 0, "now": 0}),
        TraceStep("pause", {"client": 0}, {"owner": 0, "now": 0}, fault="pause"),
        TraceStep("deliver", {"msg": {"src": "c0", "dst": "redis", "op": "SET"}},
                  {"owner": 1, "now": 0}),
        TraceStep("tick", {}, {"owner": 1, "now": 1}, fault="tick"),
    ]
    return Trace("locks.demo", {}, "mutual_exclusion", "invariant", "bfs", "two holders",
                 {"owner": None, "now": 0}, steps, loop_start=loop_start)


def test_lanes_arrows_and_fault_lane() -> None:
    chart = sequence_diagram(_trace())
    assert chart.startswith("sequenceDiagram\n")
    lines = chart.splitlines()
    assert "    participant client_0 as client 0" in lines
    assert "    participant environment as environment" in lines
    assert any(line.startswith("    c0->>redis: 3. deliver(") for line in lines)
    assert "    Note over environment: 2. pause(client=0)" in lines
    assert any("owner: 0 → 1" in line for line in lines)
    assert "rect" not in chart


def test_a_fault_named_after_a_role_is_drawn_in_that_roles_lane() -> None:
    trace = _trace()
    trace.steps.append(TraceStep("redis_crash", {}, {"owner": None, "now": 1}, fault="crash"))
    lines = sequence_diagram(trace).splitlines()
    assert "    Note over redis: 5. redis_crash()" in lines
    assert "    Note over environment: 4. tick()" in lines  # an unnamed fault stays there


def test_loop_is_boxed() -> None:
    chart = sequence_diagram(_trace(loop_start=2))
    lines = chart.splitlines()
    assert lines.index("    rect rgb(255, 245, 220)") < next(
        i for i, line in enumerate(lines) if "3. deliver" in line
    )
    assert "    end" in lines


def test_dead_end_lasso_has_no_unbalanced_block() -> None:
    trace = _trace(loop_start=4)  # the behaviour stops in its last state
    chart = sequence_diagram(trace)
    assert "rect" not in chart and "    end" not in chart.splitlines()
    assert "stops here forever" in chart
