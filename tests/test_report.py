"""Plain-text step tables (used in test failure messages): steps, changes, faults, loops."""

from __future__ import annotations

from distcheck.contract.verdict import Trace, TraceStep
from distcheck.outputs.tables import trace_text


def test_trace_text_shows_steps_changes_faults_and_the_loop() -> None:
    steps = [
        TraceStep("acquire", {"client": 0}, {"owner": 0, "now": 0, "ids": [1]}),
        TraceStep("pause", {"client": 0}, {"owner": 0, "now": 0, "ids": [1]}, fault="pause"),
        TraceStep("tick", {}, {"owner": 0, "now": 1, "ids": [1, 2]}, fault="tick"),
    ]
    trace = Trace("locks.demo", {}, "freed", "liveness", "bfs-scc", "never freed",
                  {"owner": None, "now": 0, "ids": []}, steps, loop_start=1)
    text = trace_text(trace)
    assert "acquire(client=0)" in text and "owner: null -> 0" in text
    assert "[fault: pause]" in text  # not swallowed as rich markup
    assert "ids: +2" in text  # set-like lists show what was added
    assert "loop starts here (at state 1)" in text and "back to state 1" in text
