"""The BFS engine on tiny hand-made models whose figures are known by hand.

TLC's counting: distinct = states stored; total = initial states + one per
successor generated (repeats and self-loops included); depth = BFS levels,
the initial states being level 1.
"""

from __future__ import annotations

import pytest

from distcheck.contract.errors import ModelError
from distcheck.contract.model import Model, Param, action, action_property, invariant, sometimes
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED
from distcheck.engines import bfs
from distcheck.engines.bfs import Bounds, check, explore, path_to, steps_along

# --------------------------------------------------------------------------- tiny models


class Counter(Model):
    """A counter modulo k: a single cycle of k states."""

    id = "test.counter"
    claims = ("T-1",)
    k = Param(5, at_least=1)

    def init(self):
        yield 0

    @action()
    def inc(self, s):
        return (s + 1) % self.k

    @invariant()
    def below_k(self, s):
        return s < self.k


class SelfLoop(Model):
    """0 -> 1 -> 2, and every state may also stay where it is."""

    id = "test.selfloop"

    def init(self):
        yield 0

    @action()
    def stay(self, s):
        return s

    @action()
    def step(self, s):
        return s + 1 if s < 2 else None


class TwoStarts(Model):
    """Two initial states: ("a", 0) -> ("a", 1) and ("b", 0) -> ("b", 1) -> ("b", 2)."""

    id = "test.twostarts"

    def init(self):
        yield ("a", 0)
        yield ("b", 0)

    @action()
    def advance(self, s):
        name, i = s
        limit = 1 if name == "a" else 2
        return (name, i + 1) if i < limit else None


class Diamond(Model):
    """a -> b, a -> c, b -> d, c -> d: d is generated twice but stored once."""

    id = "test.diamond"
    edges = {"a": ("b", "c"), "b": ("d",), "c": ("d",), "d": ()}

    def init(self):
        yield "a"

    @action(branch=(0, 1))
    def go(self, s, branch):
        targets = self.edges[s]
        return targets[branch] if branch < len(targets) else None


class Unbounded(Model):
    """An infinite counter; ``bad`` is the first value the invariant rejects."""

    id = "test.unbounded"
    bad = Param(-1, doc="value that violates the invariant (-1: none)")

    def init(self):
        yield 0

    @action()
    def inc(self, s):
        return s + 1

    @invariant()
    def not_bad(self, s):
        return s != self.bad


class ShortAndLong(Model):
    """0..9 by +1 steps; ``jump`` goes 2 -> 6 directly.  6 is bad.

    The long path (six increments) is declared first; BFS must still return
    the three-step path inc, inc, jump.
    """

    id = "test.shortlong"

    def init(self):
        yield 0

    @action()
    def inc(self, s):
        return s + 1 if s < 9 else None

    @action()
    def jump(self, s):
        return 6 if s == 2 else None

    @invariant(expect="violated")
    def not_six(self, s):
        return s != 6


class Terminal(Model):
    """0 -> 1 -> 2 and then nothing: 2 is a deadlock."""

    id = "test.terminal"

    def init(self):
        yield 0

    @action()
    def step(self, s):
        return s + 1 if s < 2 else None

    @invariant()
    def small(self, s):
        return s <= 2


class TerminalChecked(Terminal):
    id = "test.terminal_checked"
    check_deadlock = True


class TerminalLooping(Terminal):
    """Like Terminal, but 2 has a self-loop: a successor, so not a deadlock."""

    id = "test.terminal_looping"
    check_deadlock = True

    @action()
    def idle(self, s):
        return s if s == 2 else None


# --------------------------------------------------------------------------- counts


def figures(model: Model) -> tuple[int, int, int]:
    run = explore(model, stop_when_decided=False)
    assert run.stats.complete
    return run.stats.distinct_states, run.stats.total_states, run.stats.depth


@pytest.mark.parametrize("k", [1, 2, 5, 17])
def test_counter_mod_k(k: int) -> None:
    # k states in a cycle; each has one successor; the last one leads back to 0
    assert figures(Counter(k=k)) == (k, 1 + k, k)


def test_self_loops_count_as_generated_states() -> None:
    # successors: 0 -> {0, 1}, 1 -> {1, 2}, 2 -> {2}: five, plus the initial state
    assert figures(SelfLoop()) == (3, 6, 3)


def test_two_initial_states_are_both_level_one() -> None:
    # a0, b0 (level 1); a1, b1 (level 2); b2 (level 3); three successors generated
    assert figures(TwoStarts()) == (5, 2 + 3, 3)


def test_diamond_counts_the_repeat_in_total_only() -> None:
    # a -> b, a -> c, b -> d, c -> d: four successors generated, d stored once
    assert figures(Diamond()) == (4, 1 + 4, 3)


def test_parent_links_lead_back_to_an_initial_state() -> None:
    run = explore(TwoStarts(), stop_when_decided=False)
    assert path_to(run.parent, ("b", 2)) == [("b", 0), ("b", 1), ("b", 2)]
    assert path_to(run.parent, ("a", 0)) == [("a", 0)]
    model = Diamond()
    states = path_to(explore(model).parent, "d")
    assert states == ["a", "b", "d"]  # b is found first: branch 0 is declared first
    assert [str(st) for st in steps_along(model, states)] == ["go(branch=0)", "go(branch=0)"]


def test_results_report_the_same_figures_for_every_property() -> None:
    results = check(Counter(k=4))
    assert [r.property for r in results] == ["below_k"]
    (r,) = results
    assert (r.verdict, r.stats.distinct_states, r.stats.total_states, r.stats.depth) == (
        HOLDS, 4, 5, 4)
    assert r.stats.complete


# --------------------------------------------------------------------------- bounds


def test_max_states_cut_is_inconclusive() -> None:
    (r,) = check(Unbounded(), bounds=Bounds(max_states=50))
    assert r.verdict == INCONCLUSIVE
    assert "max-states=50" in r.reason
    assert not r.stats.complete


def test_max_states_cut_inside_a_wide_level_is_inconclusive() -> None:
    class Wide(Model):
        id = "test.wide"

        def init(self):
            yield ()

        @action(bit=(0, 1))
        def grow(self, s, bit):
            return s + (bit,) if len(s) < 12 else None

        @invariant()
        def short(self, s):
            return len(s) <= 12

    (r,) = check(Wide(), bounds=Bounds(max_states=1000))
    assert r.verdict == INCONCLUSIVE
    assert r.stats.distinct_states < 2**13 - 1
    (full,) = check(Wide())
    assert (full.verdict, full.stats.distinct_states) == (HOLDS, 2**13 - 1)


def test_max_depth_cut_is_inconclusive() -> None:
    (r,) = check(Unbounded(), bounds=Bounds(max_depth=7))
    assert r.verdict == INCONCLUSIVE
    assert "max-depth=7" in r.reason
    assert r.stats.depth == 7
    assert r.stats.distinct_states == 7


def test_max_depth_that_cuts_nothing_still_holds() -> None:
    # the counter's last level (depth 5) only leads back to 0: nothing is cut
    (r,) = check(Counter(k=5), bounds=Bounds(max_depth=5))
    assert r.verdict == HOLDS
    (r,) = check(Counter(k=5), bounds=Bounds(max_depth=4))
    assert r.verdict == INCONCLUSIVE


def test_max_seconds_cut_is_inconclusive() -> None:
    # finite, so that an engine ignoring the bound fails this test instead of hanging
    (r,) = check(Counter(k=2_000_000), bounds=Bounds(max_seconds=0.2))
    assert r.verdict == INCONCLUSIVE
    assert "max-seconds=0.2" in r.reason
    assert r.stats.distinct_states < 2_000_000


def test_a_cut_search_never_reports_a_sometimes_as_vacuous() -> None:
    class Rare(Unbounded):
        id = "test.rare"

        @sometimes()
        def far(self, s):
            return s == 10**9

    results = {r.property: r for r in check(Rare(), bounds=Bounds(max_states=100))}
    assert results["far"].verdict == INCONCLUSIVE
    assert results["not_bad"].verdict == INCONCLUSIVE


@pytest.mark.parametrize(
    "bounds",
    [Bounds(max_states=1000), Bounds(max_depth=100), Bounds(max_seconds=30.0)],
    ids=["max_states", "max_depth", "max_seconds"],
)
def test_violation_found_before_the_cut_is_violated(bounds: Bounds) -> None:
    (r,) = check(Unbounded(bad=20), bounds=bounds)
    assert r.verdict == VIOLATED
    assert r.trace is not None and len(r.trace) == 20
    assert r.trace.steps[-1].state == 20


def test_violation_beyond_the_cut_is_inconclusive_not_holds() -> None:
    (r,) = check(Unbounded(bad=500), bounds=Bounds(max_states=100))
    assert r.verdict == INCONCLUSIVE


# --------------------------------------------------------------------------- traces


def test_trace_is_shortest() -> None:
    (r,) = check(ShortAndLong())
    assert r.verdict == VIOLATED
    assert r.trace is not None
    assert [st.action for st in r.trace.steps] == ["inc", "inc", "jump"]
    assert [st.state for st in r.trace.steps] == [1, 2, 6]
    assert r.trace.initial == 0


def test_violating_initial_state_gives_an_empty_trace() -> None:
    (r,) = check(Unbounded(bad=0))
    assert r.verdict == VIOLATED
    assert r.trace is not None and len(r.trace) == 0


def test_action_property_violation_ends_with_the_bad_step() -> None:
    class NoBigStep(ShortAndLong):
        id = "test.nobigstep"
        not_six = None  # only the action property here

        @action_property(expect="violated")
        def small_steps(self, s, step, t):
            return t - s <= 1

    (r,) = check(NoBigStep())
    assert (r.kind, r.verdict) == ("action", VIOLATED)
    assert r.trace is not None
    assert [st.action for st in r.trace.steps] == ["inc", "inc", "jump"]


def test_search_stops_once_every_property_is_decided() -> None:
    run = explore(Unbounded(bad=3))
    assert "not_bad" in run.violations
    assert not run.stats.complete and run.cut is None


# --------------------------------------------------------------------------- deadlock


def test_deadlock_is_off_unless_the_model_asks() -> None:
    results = check(Terminal())
    assert [r.property for r in results] == ["small"]
    assert results[0].verdict == HOLDS


def test_deadlock_found_when_forced() -> None:
    results = {r.property: r for r in check(Terminal(), check_deadlock=True)}
    r = results["deadlock"]
    assert r.verdict == VIOLATED
    assert r.trace is not None and [st.state for st in r.trace.steps] == [1, 2]


def test_deadlock_found_when_the_model_asks() -> None:
    results = {r.property: r for r in check(TerminalChecked())}
    assert results["deadlock"].verdict == VIOLATED
    assert {r.property for r in check(TerminalChecked(), check_deadlock=False)} == {"small"}


def test_self_loop_is_a_successor_not_a_deadlock() -> None:
    results = {r.property: r for r in check(TerminalLooping())}
    assert results["deadlock"].verdict == HOLDS
    assert results["deadlock"].stats.total_states == 1 + 3  # 0->1, 1->2, 2->2


def test_cycle_has_no_deadlock() -> None:
    results = {r.property: r for r in check(Counter(k=3), check_deadlock=True)}
    assert results["deadlock"].verdict == HOLDS


def test_deadlock_beyond_a_cut_is_inconclusive() -> None:
    results = {r.property: r for r in check(Unbounded(), bounds=Bounds(max_depth=5),
                                            check_deadlock=True)}
    assert results["deadlock"].verdict == INCONCLUSIVE


# --------------------------------------------------------------------------- bad models


class Raises(Model):
    id = "test.raises"

    def init(self):
        yield 0

    @action(d=(1, 2))
    def add(self, s, d):
        if s == 3 and d == 2:
            raise ZeroDivisionError("boom")
        return s + d if s < 6 else None


class Unhashable(Model):
    id = "test.unhashable"

    def init(self):
        yield (0,)

    @action()
    def grow(self, s):
        return [*s, 1] if len(s) == 2 else s + (1,)


def test_action_that_raises_names_model_action_args_and_state() -> None:
    with pytest.raises(ModelError) as err:
        check(Raises())
    msg = str(err.value)
    assert "test.raises" in msg
    assert "add(d=2)" in msg
    assert "ZeroDivisionError" in msg and "boom" in msg
    assert "in state 3" in msg
    assert "\n" not in msg


def test_unhashable_successor_is_one_clear_line() -> None:
    with pytest.raises(ModelError) as err:
        check(Unhashable())
    msg = str(err.value)
    assert "test.unhashable" in msg and "grow()" in msg and "unhashable" in msg
    assert "list [0, 1, 1]" in msg and "use a tuple" in msg
    assert "\n" not in msg


def test_unhashable_initial_state_is_one_clear_line() -> None:
    class BadInit(Counter):
        id = "test.badinit"

        def init(self):
            yield [0]

    with pytest.raises(ModelError, match="unhashable") as err:
        check(BadInit())
    assert "\n" not in str(err.value)


def test_property_that_raises_is_named() -> None:
    class BadProperty(Counter):
        id = "test.badproperty"

        @invariant()
        def below_k(self, s):
            return 1 / (3 - s) > 0 or True

    with pytest.raises(ModelError) as err:
        check(BadProperty(k=5))
    msg = str(err.value)
    assert "below_k" in msg and "ZeroDivisionError" in msg and "3" in msg


def test_domain_that_raises_is_named() -> None:
    class BadDomain(Model):
        id = "test.baddomain"

        def init(self):
            yield 0

        def choices(self, s):
            if s == 2:
                raise KeyError("no choices")
            return {1}

        @action(d="choices")
        def add(self, s, d):
            return s + d

    with pytest.raises(ModelError) as err:
        check(BadDomain())
    msg = str(err.value)
    assert "domain of action add" in msg and "KeyError" in msg and "in state 2" in msg


def test_sometimes_never_reached_is_violated_as_vacuous() -> None:
    class Vacuous(Counter):
        id = "test.vacuous"

        @sometimes()
        def reaches_ten(self, s):
            return s == 10

    results = {r.property: r for r in check(Vacuous(k=4))}
    assert results["reaches_ten"].verdict == VIOLATED
    assert "vacuous" in results["reaches_ten"].reason
    assert results["below_k"].verdict == HOLDS


def test_sometimes_reached_holds() -> None:
    class Reaches(Counter):
        id = "test.reaches"

        @sometimes()
        def reaches_three(self, s):
            return s == 3

    results = {r.property: r for r in check(Reaches(k=4))}
    assert results["reaches_three"].verdict == HOLDS


# --------------------------------------------------------------------------- engine details


def test_dynamic_domains_and_static_domains_agree() -> None:
    class StaticPairs(Model):
        id = "test.static_pairs"

        def init(self):
            yield (0, 0)

        @action(i=(0, 1), d=(1, 2))
        def bump(self, s, i, d):
            v = s[i] + d
            return (v, s[1]) if i == 0 and v <= 4 else (s[0], v) if i == 1 and v <= 4 else None

    class DynamicPairs(StaticPairs):
        id = "test.dynamic_pairs"
        bump = None

        def indices(self, s):
            return {0, 1}

        @action(i="indices", d=lambda self, s: (1, 2))
        def bump_dynamic(self, s, i, d):
            v = s[i] + d
            return (v, s[1]) if i == 0 and v <= 4 else (s[0], v) if i == 1 and v <= 4 else None

    assert figures(StaticPairs()) == figures(DynamicPairs())
    assert figures(StaticPairs())[0] == 25


def test_actions_of_three_arguments() -> None:
    class Triples(Model):
        id = "test.triples"

        def init(self):
            yield 0

        @action(a=(0, 1), b=(0, 1), c=(0, 1))
        def put_bits(self, s, a, b, c):
            return 4 * a + 2 * b + c if s == 0 else None

    # eight successors of 0, one of them 0 itself
    assert figures(Triples()) == (8, 1 + 8, 2)


def test_progress_is_reported_on_long_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    ticks = iter(range(10**6))

    class OneSecondPerReading:
        @staticmethod
        def perf_counter() -> float:
            return float(next(ticks))

    monkeypatch.setattr(bfs, "time", OneSecondPerReading)
    explore(Counter(k=2000), progress=lambda *figs: calls.append(figs), stop_when_decided=False)
    assert calls, "no progress line"
    distinct, total, depth, queue, seconds = calls[-1]
    assert 0 < distinct <= 2000 and total >= distinct and depth >= 1 and seconds > 0


class _BackEdge(Model):
    """0 -> 1 -> 0: the only bad transition leads back to a known state, at the last level."""

    id = "tests.engine.back_edge"
    check_deadlock = True

    def init(self):
        yield 0

    @action()
    def up(self, s):
        if s == 0:
            return 1

    @action()
    def down(self, s):
        if s == 1:
            return 0

    @action_property()
    def never_down(self, s, step, t) -> bool:
        return step.action != "down"


class _DeadEndAtBound(_BackEdge):
    """0 -> 1, and 1 is a dead end lying exactly on the depth bound."""

    id = "tests.engine.dead_end_at_bound"
    down = None
    never_down = None

    @invariant()
    def anything(self, s) -> bool:
        return True


def test_depth_bound_still_expands_the_last_level() -> None:
    back = {r.property: r for r in bfs.check(_BackEdge(), bounds=bfs.Bounds(max_depth=2))}
    assert back["never_down"].verdict == VIOLATED  # the back edge from level 2 is checked
    assert back["deadlock"].verdict == HOLDS
    assert back["deadlock"].stats.complete  # nothing lies beyond the bound: the space is done
    dead = {r.property: r for r in bfs.check(_DeadEndAtBound(), bounds=bfs.Bounds(max_depth=2))}
    assert dead["deadlock"].verdict == VIOLATED
    cut = {r.property: r for r in bfs.check(_DeadEndAtBound(), bounds=bfs.Bounds(max_depth=1))}
    assert cut["anything"].verdict == INCONCLUSIVE and "max-depth=1" in cut["anything"].reason
