"""The counterexample minimiser: ddmin over steps, faults first, fewer argument values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from toymodels import ComboLock

from distcheck.cli import main
from distcheck.contract.catalog import get
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import BadInput
from distcheck.contract.model import Model, Param, action, fault, invariant
from distcheck.engines import bfs
from distcheck.engines.shrink import Target, execute, minimize_run
from distcheck.traces import tracefile
from distcheck.traces.minimize import minimize_trace
from distcheck.traces.replay import replay


def steps_for(model: Model, calls: list[tuple[str, tuple]]) -> list:
    return [compile_model(model).action_named(name).step(args) for name, args in calls]


def opening(model: ComboLock) -> list[tuple[str, tuple]]:
    return [("press", ((i * 3 + 1) % model.digits,)) for i in range(model.length)]


def test_padded_trace_shrinks_to_the_minimal_one() -> None:
    model = ComboLock()
    padded = []
    for call in opening(model):
        padded += [("fiddle", (2,)), ("crash", ()) if not padded else ("fiddle", (0,)),
                   ("press", (0,)), call, ("fiddle", (1,))]
    steps = steps_for(model, padded)
    start = compile_model(model).initial_states()[0]
    target = Target.of(model, "stays_locked")
    assert execute(model, target, start, steps) is not None

    result = minimize_run(model, target, start, steps, engine="test")

    assert [st.label() for st in result.trace.steps] == [
        f"press(digit={d})" for (_, (d,)) in opening(model)
    ]
    assert result.before_steps == len(padded)
    assert result.after_steps == model.length
    assert (result.before_faults, result.after_faults) == (1, 0)
    assert result.trace.engine == "test"
    assert result.trace.message.startswith("invariant stays_locked is false in the last state")


def test_faults_go_first_when_either_path_violates() -> None:
    class CrashOrWork(Model):
        id = "tests.minimize.crash_or_work"

        def init(self):
            yield (0, False)

        @fault("crash")
        def crash(self, s):
            return (s[0], True)

        @action()
        def work(self, s):
            return (s[0] + 1, s[1])

        @invariant(expect="violated")
        def safe(self, s) -> bool:
            return not s[1] and s[0] < 1

    model = CrashOrWork()
    steps = steps_for(model, [("crash", ()), ("work", ())])
    start = compile_model(model).initial_states()[0]
    # the unminimised run already violates at its first step (the crash) ...
    assert len(execute(model, Target.of(model, "safe"), start, steps).steps) == 1
    # ... but starting with the work step, dropping the fault keeps a violation
    steps = steps_for(model, [("work", ()), ("crash", ())])
    result = minimize_run(model, Target.of(model, "safe"), start, steps, engine="test")
    assert [st.action for st in result.trace.steps] == ["work"]
    assert result.after_faults == 0


def test_argument_values_are_merged_when_one_node_is_enough() -> None:
    class Nodes(Model):
        id = "tests.minimize.nodes"
        nodes = Param(3, at_least=1)

        def init(self):
            yield (0, 0, 0)

        @action(n="nodes")
        def bump(self, s, n: int):
            return tuple(v + 1 if i == n else v for i, v in enumerate(s))

        @invariant(expect="violated")
        def small(self, s) -> bool:
            return sum(s) < 2

    model = Nodes()
    steps = steps_for(model, [("bump", (2,)), ("bump", (1,))])
    start = compile_model(model).initial_states()[0]
    result = minimize_run(model, Target.of(model, "small"), start, steps, engine="test")
    assert result.after_steps == 2
    assert (result.before_values, result.after_values) == (2, 1)
    assert {st.args["n"] for st in result.trace.steps} == {2}


def test_a_trace_that_does_not_reproduce_is_rejected() -> None:
    model = ComboLock()
    start = compile_model(model).initial_states()[0]
    not_enough = steps_for(model, opening(model)[:-1])
    with pytest.raises(BadInput, match="does not reproduce"):
        minimize_run(model, Target.of(model, "stays_locked"), start, not_enough, engine="test")
    disabled = steps_for(model, [("crash", ()), ("crash", ())] + opening(model))
    assert execute(model, Target.of(model, "stays_locked"), start, disabled) is None


def test_liveness_traces_are_not_minimised() -> None:
    with pytest.raises(BadInput, match="cannot minimise"):
        Target.for_property(type("P", (), {"kind": "liveness", "name": "p"})())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- saved traces


def padded_eager_commit_trace(tmp_path: Path) -> Path:
    """The BFS trace of eager_commit with irrelevant steps woven in, as a file."""
    model = get("transactions.twophase.eager_commit")()
    shortest = bfs.check(model, [compile_model(model).property_named("consistent")])[0].trace
    calls = [("rm_prepare", (2,))] + [
        (st.action, tuple(st.args.values())) for st in shortest.steps[:2]
    ] + [("tm_rcv_prepared", (2,))] + [
        (st.action, tuple(st.args.values())) for st in shortest.steps[2:]
    ]
    s = compile_model(model).initial_states()[0]
    states, steps = [s], []
    for name, args in calls:
        a = compile_model(model).action_named(name)
        s = a.call(s, *args)
        assert s is not None, name
        states.append(s)
        steps.append(a.step(args))
    from distcheck.contract.verdict import build_trace

    trace = build_trace(model, "consistent", "invariant", "bfs", shortest.message, states, steps)
    return tracefile.save(trace, tmp_path / "padded.json")


def test_minimize_trace_keeps_the_replayable_minimum(tmp_path: Path) -> None:
    path = padded_eager_commit_trace(tmp_path)
    outcome = minimize_trace(tracefile.load(path))
    assert not isinstance(outcome, str)
    assert (outcome.before_steps, outcome.after_steps) == (7, 5)
    assert replay(outcome.trace).reproduced


def test_cli_minimize_writes_beside_the_input_and_keeps_it(tmp_path: Path, capsys) -> None:
    path = padded_eager_commit_trace(tmp_path)
    before = path.read_text()
    assert main(["minimize", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["before_steps"], report["after_steps"]) == (7, 5)
    out = tmp_path / "padded.min.json"
    assert report["output"] == str(out)
    assert path.read_text() == before
    assert main(["replay", str(out)]) == 0


def test_cli_minimize_output_and_in_place(tmp_path: Path, capsys) -> None:
    path = padded_eager_commit_trace(tmp_path)
    assert main(["minimize", str(path), "--output", str(tmp_path / "small.json")]) == 0
    assert "7 -> 5 steps" in capsys.readouterr().out
    assert len(tracefile.load(tmp_path / "small.json")) == 5
    assert main(["minimize", str(path), "--output", str(path)]) == 2
    assert "--in-place" in capsys.readouterr().err
    assert main(["minimize", str(path), "--in-place"]) == 0
    assert len(tracefile.load(path)) == 5


def test_cli_minimize_rejects_corrupt_and_stale_files(tmp_path: Path, capsys) -> None:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"format": "distcheck-trace", "steps": [')
    assert main(["minimize", str(corrupt)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truncated" in err

    stale = json.loads(padded_eager_commit_trace(tmp_path).read_text())
    stale["steps"][0]["state"]["tm_state"] = "aborted"
    stale_path = tmp_path / "stale.json"
    stale_path.write_text(json.dumps(stale))
    assert main(["minimize", str(stale_path)]) == 1
    assert "stale trace: step 1" in capsys.readouterr().err
    assert not (tmp_path / "stale.min.json").exists()
