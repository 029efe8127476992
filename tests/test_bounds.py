"""Bounds are promises about the whole command (issue 17, items 7 and 8).

No test here measures wall time: time is a fake clock handed to the budget,
and what a bound must stop is counted in work units (model calls, states,
steps, candidates).  The one slow test runs a real command under
``--max-seconds`` and checks the figures it reports.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from cli_helpers import one_line, run

from distcheck import Model, Param, action, invariant
from distcheck.contract.compiled import MAX_DOMAIN
from distcheck.contract.errors import BadInput
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED, Result, Stats
from distcheck.engines import bfs, graph, hypothesis_bridge, simulate
from distcheck.engines.budget import CHECK_EVERY, Budget, Meter, construct, parse_size
from distcheck.engines.checker import Options, check_model
from distcheck.engines.shrink import Target, execute, minimize_run
from distcheck.models.transactions.twophase import TwoPhase
from distcheck.models.transactions.twophase_coordinator_crash import CoordinatorCrash

CALLS: Counter[str] = Counter()


class FakeClock:
    """Time that moves ``step`` seconds each time it is read: a bound of N seconds is
    reached after about N / step reads, whatever the machine's speed."""

    def __init__(self, step: float = 1.0) -> None:
        self.now = 0.0
        self.step = step
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += self.step
        return self.now


class Endless(Model):
    """A counter that never stops: only a bound ends its search."""

    id = "test.bounds.endless"

    def init(self):
        yield 0

    @action()
    def inc(self, s):
        CALLS["inc"] += 1
        return s + 1

    @invariant()
    def fine(self, s) -> bool:
        return True


class Fan(Model):
    """One state with ``width`` successors: a whole level arrives in one expansion."""

    id = "test.bounds.fan"
    width = Param(10_000, at_least=1)

    def init(self):
        yield -1

    @action(i="width")
    def spread(self, s, i):
        CALLS["spread"] += 1
        return i if s == -1 else None

    @invariant()
    def fine(self, s) -> bool:
        return True


class Greedy(Endless):
    """Runs out of memory after 500 steps, as a search does when the machine is full."""

    id = "test.bounds.greedy"

    @action()
    def inc(self, s):
        if s >= 500:
            raise MemoryError
        return s + 1


class FarBug(Endless):
    """The invariant breaks only at n == 3000: every step of a trace is needed."""

    id = "test.bounds.far_bug"

    @invariant()
    def small(self, s) -> bool:
        return s < 3000


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    CALLS.clear()


# --------------------------------------------------------------------------- time


def test_time_stops_bfs_within_a_bounded_amount_of_work() -> None:
    clock = FakeClock()
    budget = Budget(max_seconds=10, clock=clock)
    (r,) = bfs.check(Endless(), budget=budget)
    assert r.verdict == INCONCLUSIVE and r.extra["cut"]
    assert "max-seconds=10 reached" in r.reason and "during bfs exploration" in r.reason
    # the clock is read once per 256 expansions at most: 10 reads, 10 x 256 states
    assert CALLS["inc"] <= 11 * 256
    assert r.stats.distinct_states == CALLS["inc"] + 1


def test_time_is_asked_by_work_not_by_states_when_one_state_has_many_successors() -> None:
    budget = Budget(max_seconds=2, clock=FakeClock())
    (r,) = bfs.check(Fan(width=50_000), budget=budget)
    assert r.verdict == INCONCLUSIVE
    assert "max-seconds=2" in r.reason
    assert r.stats.distinct_states <= 2 * CHECK_EVERY + 1  # not the 50,001 states of the level


def test_one_simulate_walk_of_a_hundred_million_steps_is_stopped() -> None:
    budget = Budget(max_seconds=10, clock=FakeClock())
    model = Endless()
    walks = simulate.walk(model, model_props(model), seed=0, runs=1, steps=10**8, budget=budget)
    assert walks.cut and walks.cut.startswith("max-seconds=10 reached")
    assert walks.cut.endswith("during simulation")
    assert walks.steps_taken <= 11 * CHECK_EVERY


def test_the_minimiser_stops_at_the_bound_and_keeps_a_trace_that_reproduces() -> None:
    model = FarBug()
    target = Target.of(model, "small")
    steps = execute(model, target, 0, [model_step(model)] * 3000).steps
    clock = FakeClock()
    meter = Meter(Budget(max_seconds=20, clock=clock), None, "minimisation")
    found = minimize_run(model, target, 0, steps, engine="test", meter=meter)
    assert found.cut and found.cut.startswith("max-seconds=20 reached")
    assert found.cut.endswith("during minimisation")
    assert found.candidates <= 21  # the meter is read before each candidate
    assert "stopped early" in found.summary()
    replayed = execute(model, target, 0, [st for st in steps[: found.after_steps]])
    assert replayed is not None and len(replayed.steps) == found.after_steps


def test_the_minimiser_remembers_candidates_by_digest_not_by_their_states() -> None:
    from distcheck.engines.shrink import _Search

    model = FarBug()
    target = Target.of(model, "small")
    search = _Search(model, target, 0)
    assert search.test([model_step(model)] * 3000) is not None
    assert search.test([model_step(model)] * 10) is None
    assert all(isinstance(k, bytes) and len(k) == 16 for k in search.tried)
    assert sorted(search.tried.values()) == [-1, 3000]


def model_step(model: Model):
    from distcheck.contract.compiled import compile_model

    return compile_model(model).action_named("inc").step(())


def test_hypothesis_takes_no_step_once_the_budget_is_spent() -> None:
    budget = Budget(max_seconds=1, clock=FakeClock(5.0))  # spent at the first reading
    model = Endless()
    props = [p for p in model_props(model) if p.kind == "invariant"]
    options = Options(engine="hypothesis", runs=10**6, steps=10**4, budget=budget)
    (r,) = hypothesis_bridge.run(model, props, options)
    assert r.verdict == INCONCLUSIVE and "max-seconds=1 reached" in r.reason
    assert r.stats.depth == 1 and CALLS["inc"] == 0


def model_props(model: Model):
    from distcheck.contract.compiled import compile_model

    return compile_model(model).properties


def test_a_spent_budget_starts_no_further_model() -> None:
    budget = Budget(max_seconds=1, clock=FakeClock(5.0))
    results = check_model(Endless(), Options(budget=budget))
    assert [r.verdict for r in results] == [INCONCLUSIVE]
    assert results[0].reason.startswith("not started: max-seconds=1 reached")
    assert CALLS["inc"] == 0


# --------------------------------------------------------------------------- states


def test_max_states_is_exact_even_inside_one_expansion() -> None:
    (r,) = bfs.check(Fan(), budget=Budget(max_states=1000))
    assert r.verdict == INCONCLUSIVE and "max-states=1000 reached" in r.reason
    assert r.stats.distinct_states == 1000
    g = graph.build(Fan(), budget=Budget(max_states=1000))
    assert len(g) == 1000 and g.cut and not g.stats.complete
    endless = Endless()
    walks = simulate.walk(endless, model_props(endless), seed=0, runs=1, steps=10**6,
                          budget=Budget(max_states=1000))
    assert walks.stats.distinct_states == 1000 and "max-states=1000" in (walks.cut or "")


def test_max_states_is_shared_by_the_models_of_a_command() -> None:
    budget = Budget(max_states=1000)
    check_model(Endless(), Options(budget=budget))
    assert budget.states_stored() == 1000
    (r,) = check_model(Fan(), Options(budget=budget))
    assert r.verdict == INCONCLUSIVE and "models before" in r.reason
    assert r.stats.distinct_states <= 1


def test_a_model_is_charged_once_for_its_safety_and_liveness_searches() -> None:
    states = len(graph.build(CoordinatorCrash()))
    budget = Budget(max_states=states)
    results = check_model(CoordinatorCrash(), Options(budget=budget))
    assert all(r.as_expected for r in results), [(r.property, r.reason) for r in results]
    assert budget.states_stored() == states


def test_liveness_under_a_sampling_engine_is_bounded_and_says_so() -> None:
    options = Options(engine="simulate", runs=5, steps=5)
    results = {r.property: r for r in check_model(CoordinatorCrash(), options)}
    live = results["all_decide"]
    assert live.engine == "bfs-scc" and live.verdict == VIOLATED
    assert "exhaustive state graph, bounded to 200,000 states" in live.reason
    cut = check_model(CoordinatorCrash(), Options(engine="simulate", runs=5, steps=5,
                                                  budget=Budget(max_states=20)),
                      only=["prepared_decides"])
    assert cut[0].verdict in (INCONCLUSIVE, VIOLATED)
    assert "bounded to 20 states" in cut[0].reason


# --------------------------------------------------------------------------- memory


def test_max_memory_ends_the_search_inconclusive_with_the_figures() -> None:
    budget = Budget(max_memory=parse_size("2G"), memory=lambda: parse_size("3G"))
    (r,) = bfs.check(Endless(), budget=budget)
    assert r.verdict == INCONCLUSIVE
    assert "max-memory=2G reached (resident memory 3G)" in r.reason
    assert "distinct states at depth" in r.reason


def test_running_out_of_memory_is_not_the_models_fault() -> None:
    results = check_model(Greedy(), Options())
    (r,) = results
    assert r.verdict == INCONCLUSIVE and r.extra["cut"]
    assert "out of memory during bfs exploration" in r.reason
    assert "--max-states" in r.reason and "after 501 distinct states" in r.reason


@pytest.mark.parametrize(("text", "size"), [("2G", 2 * 1024**3), ("500M", 500 * 1024**2),
                                            ("1.5GiB", int(1.5 * 1024**3)), ("4096", 4096)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["2X", "", "-1G", "0"])
def test_a_bad_size_is_one_line(capsys, bad: str) -> None:
    code, _, err = run(capsys, "check", "transactions.twophase", "--max-memory", bad)
    assert code == 2 and "--max-memory" in one_line(err)


def test_a_domain_too_large_is_refused_naming_the_parameter(capsys) -> None:
    code, _, err = run(capsys, "check", "ids.autoincrement", "-p", "clients=" + "1" + "0" * 20)
    assert code == 2
    line = one_line(err)
    assert "clients=100000000000000000000" in line and f"{MAX_DOMAIN:,}" in line
    code, _, err = run(capsys, "check", "ids.autoincrement", "-p", "clients=100000000")
    assert code == 2 and "parameter clients=100000000" in one_line(err)


def test_a_product_of_domains_too_large_is_refused() -> None:
    class Grid(Model):
        id = "test.bounds.grid"
        side = Param(2, at_least=1)

        def init(self):
            yield 0

        @action(x="side", y="side")
        def put(self, s, x, y):
            return None

    construct(Grid, {"side": 1000})
    with pytest.raises(BadInput, match=r"1,000,001 argument tuples|1001 x 1001"):
        construct(Grid, {"side": 1001})


def test_parameters_read_from_a_trace_are_guarded(capsys, tmp_path: Path) -> None:
    code, _, _ = run(capsys, "check", "transactions.twophase.eager_commit",
                     "--save-traces", str(tmp_path))
    assert code == 0
    (saved,) = tmp_path.iterdir()
    data = json.loads(saved.read_text())
    data["params"]["rms"] = 10**20
    saved.write_text(json.dumps(data))
    for command in ("replay", "minimize"):
        code, _, err = run(capsys, command, str(saved))
        assert code == 2, command
        assert "rms" in one_line(err)


def test_a_constructor_that_overflows_is_one_line() -> None:
    class Huge(Model):
        id = "test.bounds.huge"
        n = Param(1, at_least=1)

        def __init__(self, **kw):
            super().__init__(**kw)
            self.table = [0] * (10**self.n)

        def init(self):
            yield 0

    with pytest.raises(BadInput, match=r"cannot be built with n=30: (Overflow|Memory)Error"):
        construct(Huge, {"n": 30})


# --------------------------------------------------------------------------- the timer


class HangsInAction(Endless):
    id = "test.bounds.hangs"

    @action()
    def inc(self, s):
        while True:  # a model call no check of the engine can interrupt
            pass


def test_the_timer_stops_a_model_call_that_never_returns() -> None:
    budget = Budget(max_seconds=0.1)
    with budget.watching():
        results = check_model(HangsInAction(), Options(budget=budget))
    assert [r.verdict for r in results] == [INCONCLUSIVE]
    assert "max-seconds=0.1 reached" in results[0].reason
    assert "during bfs exploration" in results[0].reason


# --------------------------------------------------------------------------- exit codes


def _result(verdict: str, expected: str = HOLDS, cut: bool = False) -> Result:
    return Result("m", {}, "p", "invariant", expected, verdict, "", Stats(),
                  extra={"cut": "max-states=1 reached"} if cut else {})


@pytest.mark.parametrize(("verdicts", "code"), [
    ([_result(HOLDS)], 0),
    ([_result(HOLDS), _result(INCONCLUSIVE, cut=True)], 3),
    ([_result(INCONCLUSIVE, expected=VIOLATED, cut=True)], 3),
    ([_result(INCONCLUSIVE, cut=True), _result(VIOLATED)], 1),
    ([_result(INCONCLUSIVE)], 1),  # inconclusive for another reason than a bound
])
def test_exit_codes(verdicts: list[Result], code: int) -> None:
    from distcheck.cli.commands import check_exit_code

    assert check_exit_code(verdicts) == code


def test_a_cut_run_exits_3_and_a_differing_one_still_exits_1(capsys) -> None:
    code, _, _ = run(capsys, "check", "transactions.twophase", "--max-states", "50")
    assert code == 3
    code, _, _ = run(capsys, "check", "transactions.twophase.eager_commit", "-p", "rms=1",
                     "--max-states", "50")
    assert code == 1


@pytest.mark.slow
def test_a_real_command_under_max_seconds_reports_its_figures(capsys) -> None:
    code, out, _ = run(capsys, "check", "transactions", "-p", "rms=7", "--max-seconds", "2",
                       "--json")
    assert code == 3
    results = json.loads(out)["results"]
    cut = [r for r in results if r["verdict"] == INCONCLUSIVE]
    assert cut and all("max-seconds=2 reached" in r["cut"] for r in cut)
    searched = [r for r in cut if r["stats"]["distinct_states"]]
    assert searched and all(r["stats"]["depth"] >= 1 for r in searched)
    assert any(r["reason"].startswith("not started") for r in cut) or len(searched) == len(cut)


def test_twophase_is_complete_within_a_sufficient_state_budget() -> None:
    budget = Budget(max_states=288)
    results = check_model(TwoPhase(), Options(budget=budget))
    assert all(r.verdict != INCONCLUSIVE for r in results)


def test_minimize_takes_a_time_bound(capsys, tmp_path: Path) -> None:
    code, _, _ = run(capsys, "check", "transactions.twophase.eager_commit", "--engine", "simulate",
                     "--save-traces", str(tmp_path))
    assert code == 0
    (saved,) = tmp_path.iterdir()
    code, out, _ = run(capsys, "minimize", str(saved), "--max-seconds", "30", "--json")
    assert code == 0 and json.loads(out)["reproduced"]
    code, _, err = run(capsys, "minimize", str(saved), "--max-seconds", "0")
    assert code == 2 and "--max-seconds" in one_line(err)
