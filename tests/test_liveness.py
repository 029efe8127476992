"""Liveness under fairness: textbook graphs, the property forms, lassos and their replay."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.declarations import (
    LivenessSpec,
    always_eventually,
    eventually,
    group,
    leads_to,
    no_livelock,
)
from distcheck.contract.errors import ModelError
from distcheck.contract.model import Model, Param, action, fault
from distcheck.contract.state import put
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED, Trace, TraceStep
from distcheck.engines.bfs import Bounds
from distcheck.engines.checker import Options, check_model
from distcheck.engines.graph import build
from distcheck.engines.liveness import fairness_of, final_check, find_lasso, label_fairness, run
from distcheck.models.locks.setnx_no_ttl import SetNxNoTtl, SetNxWithTtl
from distcheck.models.transactions.twophase_coordinator_crash import (
    CoordinatorCrash,
    CoordinatorRecovery,
)
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

# --------------------------------------------------------------------------- hand-made graphs


def graph_model(edges: Iterable[tuple[str, str, str]], *, weak: tuple[str, ...] = (),
                strong: tuple[str, ...] = (), faults: dict[str, str] | None = None,
                **props: Any) -> Model:
    """A model whose states are node names and whose actions follow ``edges`` (src, action, dst).

    The initial state is ``"a"``.  ``faults`` marks actions as faults of a kind.
    """
    table: dict[str, dict[str, str]] = {}
    for src, name, dst in edges:
        table.setdefault(name, {})[src] = dst
    namespace: dict[str, Any] = {
        "id": "test.graph", "weak_fair": weak, "strong_fair": strong,
        "init": lambda self: iter(["a"]),
    }
    for name, moves in table.items():
        step = _stepper(moves)
        step.__name__ = name
        kind = (faults or {}).get(name)
        namespace[name] = fault(kind)(step) if kind else action()(step)
    namespace.update(props)
    return type("GraphModel", (Model,), namespace)()


def _stepper(moves: dict[str, str]) -> Any:
    def step(self: Model, s: str) -> str | None:
        return moves.get(s)
    return step


def verdict(model: Model, name: str | None = None) -> Any:
    props = [p for p in compile_model(model).properties if p.kind == "liveness" and (name is None or p.name == name)]
    [result] = run(model, props, Options())
    return result


def at(*nodes: str) -> Any:
    return lambda self, s: s in nodes


# A cycle a <-> b where "finish" (a -> goal) is enabled at a only: enabled infinitely
# often but not continuously.
FLICKER = [("a", "go", "b"), ("b", "back", "a"), ("a", "finish", "goal"), ("goal", "stay", "goal")]


def test_without_fairness_any_cycle_outside_q_violates() -> None:
    r = verdict(graph_model(FLICKER, done=eventually(at("goal"))))
    assert r.verdict == VIOLATED
    assert r.trace.loop_start is not None and r.trace.loop_start < len(r.trace.steps)


def test_weak_fairness_accepts_a_cycle_where_the_action_is_not_continuously_enabled() -> None:
    r = verdict(graph_model(FLICKER, weak=("finish",), done=eventually(at("goal"))))
    assert r.verdict == VIOLATED
    cycle = [st.action for st in r.trace.steps[r.trace.loop_start:]]
    assert cycle == ["go", "back"]


def test_strong_fairness_rejects_that_cycle() -> None:
    r = verdict(graph_model(FLICKER, strong=("finish",), done=eventually(at("goal"))))
    assert r.verdict == HOLDS, r.reason


def test_weak_fairness_rejects_a_cycle_where_the_action_stays_enabled() -> None:
    spin = [("a", "spin", "a"), ("a", "finish", "goal"), ("goal", "stay", "goal")]
    assert verdict(graph_model(spin, done=eventually(at("goal")))).verdict == VIOLATED
    assert verdict(graph_model(spin, weak=("finish",), done=eventually(at("goal")))).verdict == HOLDS


def test_all_protocol_makes_every_non_fault_action_fair_but_not_faults() -> None:
    edges = [("a", "spin", "a"), ("a", "finish", "goal"), ("goal", "stay", "goal"),
             ("a", "crash", "down"), ("down", "linger", "down")]
    m = graph_model(edges, weak=("all_protocol",), faults={"crash": "crash"},
                    done=eventually(at("goal")))
    assert fairness_of(m).weak == {"spin", "finish", "stay", "linger"}
    r = verdict(m)
    assert r.verdict == VIOLATED  # only after the (unfair, but possible) crash
    assert [st.action for st in r.trace.steps] == ["crash", "linger"]
    assert r.trace.loop_start == 1


def test_a_dead_end_outside_q_is_a_violation_whatever_the_fairness() -> None:
    m = graph_model([("a", "go", "stuck"), ("a", "finish", "goal"), ("goal", "stay", "goal")],
                    strong=("all_protocol",), done=eventually(at("goal")))
    r = verdict(m)
    assert r.verdict == VIOLATED
    assert r.trace.loop_start == len(r.trace.steps) == 1
    assert "deadlock" in r.reason


def test_a_strongly_fair_action_forces_a_split_of_the_component() -> None:
    # Component {a, b, c}: the strongly fair "finish" is enabled at c only and never taken
    # inside; without c, the cycle a <-> b remains and is fair.
    edges = [("a", "go", "b"), ("b", "back", "a"), ("b", "detour", "c"), ("c", "return", "a"),
             ("c", "finish", "goal"), ("goal", "stay", "goal")]
    r = verdict(graph_model(edges, strong=("finish",), done=eventually(at("goal"))))
    assert r.verdict == VIOLATED
    states = [r.trace.initial] + [st.state for st in r.trace.steps]
    assert "c" not in states[r.trace.loop_start:]
    # Weakly fair "return" must then be taken too -- but it is never enabled on a <-> b.
    r = verdict(graph_model(edges, strong=("finish", "detour"), done=eventually(at("goal"))))
    assert r.verdict == HOLDS


def test_the_lasso_cycle_takes_every_weakly_fair_action_it_must() -> None:
    # A self-loop "spin" at a is the shortest cycle, but "go" stays enabled there; the
    # fair cycle has to go round through b.
    edges = [("a", "spin", "a"), ("a", "go", "b"), ("b", "back", "a")]
    r = verdict(graph_model(edges, weak=("go", "back"), done=eventually(at("goal"))))
    assert r.verdict == VIOLATED
    cycle = [st.action for st in r.trace.steps[r.trace.loop_start:]]
    assert "go" in cycle and "back" in cycle
    m = graph_model(edges, weak=("go", "back"), done=eventually(at("goal")))
    states = [r.trace.initial] + [st.state for st in r.trace.steps]
    steps = [compile_model(m).action_named(st.action).step(()) for st in r.trace.steps]
    assert final_check(m, compile_model(m).property_named("done"), r.trace, states, steps) is None
    assert r.trace.loop_start == 0  # the cycle starts in the initial state a
    only_spin = Trace(**{**r.trace.__dict__, "steps": [TraceStep("spin", {}, "a")]})
    states = [only_spin.initial] + [st.state for st in only_spin.steps]
    steps = [compile_model(m).action_named(st.action).step(()) for st in only_spin.steps]
    problem = final_check(m, compile_model(m).property_named("done"), only_spin, states, steps)
    assert problem is not None and "weakly fair go()" in problem


class Counters(Model):
    """Two flags set by one action with an argument; a spin step is always enabled."""

    id = "test.counters"
    n = Param(2, at_least=1)
    weak_fair = ("set_flag",)

    def init(self):
        yield (False,) * self.n

    @action(i="n")
    def set_flag(self, s, i):
        if not s[i]:
            return s[:i] + (True,) + s[i + 1:]

    @action()
    def spin(self, s):
        return s

    all_set = eventually(lambda self, s: all(s))
    first_leads_to_all = leads_to(lambda self, s: s[0], lambda self, s: all(s))


def test_fairness_is_per_argument_instance() -> None:
    assert verdict(Counters(n=3), "all_set").verdict == HOLDS
    assert verdict(Counters(n=3), "first_leads_to_all").verdict == HOLDS

    class OnlyFirst(Counters):
        weak_fair = ()
        strong_fair = ()

    r = verdict(OnlyFirst(n=2), "first_leads_to_all")
    assert r.verdict == VIOLATED
    states = [r.trace.initial] + [st.state for st in r.trace.steps]
    assert any(s[0] for s in states[: r.trace.loop_start + 1])  # P held before the loop
    assert not all(states[-1])


# --------------------------------------------------------------------------- property forms


def test_leads_to_only_starts_counting_at_p() -> None:
    # a -> b -> c -> c; P at c, Q at b: Q never follows P.
    edges = [("a", "go", "b"), ("b", "go2", "c"), ("c", "stay", "c")]
    m = graph_model(edges, weak=("all_protocol",), p=leads_to(at("c"), at("b")),
                    q=leads_to(at("a"), at("b")), e=eventually(at("b")))
    assert verdict(m, "p").verdict == VIOLATED
    assert verdict(m, "q").verdict == HOLDS
    never = graph_model(edges, n=leads_to(at("nowhere"), at("b")))
    r = verdict(never)
    assert r.verdict == HOLDS and "vacuously" in r.reason and r.extra == {"vacuous": True}
    assert verdict(m, "e").verdict == HOLDS


def test_always_eventually_needs_q_infinitely_often() -> None:
    edges = [("a", "go", "b"), ("b", "back", "a"), ("a", "leave", "c"), ("c", "stay", "c")]
    m = graph_model(edges, weak=("all_protocol",), b_often=always_eventually(at("b")),
                    b_once=eventually(at("b")))
    r = verdict(m, "b_often")
    assert r.verdict == VIOLATED  # a -> c, then c forever
    assert r.trace.steps[-1].state == "c"
    assert verdict(m, "b_once").verdict == VIOLATED  # a -> c directly


def test_no_livelock_ignores_dead_ends_and_finds_cycles() -> None:
    dead = graph_model([("a", "go", "stuck")], progress=no_livelock(at("never")),
                       done=eventually(at("never")))
    assert verdict(dead, "progress").verdict == HOLDS
    assert verdict(dead, "done").verdict == VIOLATED
    spin = graph_model([("a", "spin", "a")], progress=no_livelock(at("never")))
    assert verdict(spin, "progress").verdict == VIOLATED


def test_predicates_may_name_model_methods() -> None:
    class Named(Counters):
        def done(self, s) -> bool:
            return all(s)

        all_set = eventually("done")

    assert verdict(Named(), "all_set").verdict == HOLDS


def test_bad_declarations_are_one_line_model_errors() -> None:
    with pytest.raises(ModelError, match="not an action"):
        fairness_of(graph_model([("a", "go", "a")], weak=("nope",)))
    with pytest.raises(ModelError, match="never fair"):
        fairness_of(graph_model([("a", "crash", "a")], weak=("crash",), faults={"crash": "crash"}))
    fairness_of(graph_model([("a", "tick", "a")], weak=("tick",), faults={"tick": "tick"}))
    by_kind = graph_model([("a", "time_passes", "a"), ("a", "lose", "a")], weak=("tick",),
                          faults={"time_passes": "tick", "lose": "drop"})
    assert fairness_of(by_kind).weak == {"time_passes"}
    with pytest.raises(ModelError, match="never fair"):
        fairness_of(graph_model([("a", "lose", "a")], strong=("drop",), faults={"lose": "drop"}))
    with pytest.raises(ModelError, match="not a method"):
        verdict(graph_model([("a", "go", "a")], e=eventually("missing")))


def test_find_lasso_on_a_graph_directly() -> None:
    m = graph_model(FLICKER, weak=("finish",))
    g = build(m)
    q = [s == "goal" for s in g.states]
    lasso = find_lasso(g, LivenessSpec("eventually", "goal"), None, q, label_fairness(g, fairness_of(m)))
    assert lasso is not None and not lasso.dead_end
    assert lasso.nodes[lasso.loop_start] == lasso.nodes[-1]
    m2 = graph_model(FLICKER, strong=("finish",))
    assert find_lasso(g, LivenessSpec("eventually", "goal"), None, q,
                      label_fairness(g, fairness_of(m2))) is None


# --------------------------------------------------------------------------- engine plumbing


def test_check_model_reports_liveness_next_to_safety() -> None:
    results = check_model(CoordinatorCrash(), Options())
    kinds = {r.property: r.kind for r in results}
    assert kinds["consistent"] == "invariant" and kinds["all_decide"] == "liveness"
    assert all(r.as_expected for r in results), [(r.property, r.verdict) for r in results]


def test_a_cut_graph_never_says_holds() -> None:
    results = check_model(CoordinatorRecovery(), Options(bounds=Bounds(max_states=50)),
                          only=["all_decide"])
    assert [r.verdict for r in results] == [INCONCLUSIVE]
    assert "max-states=50" in results[0].reason


def test_a_violation_found_before_the_cut_is_real() -> None:
    [r] = check_model(CoordinatorCrash(), Options(bounds=Bounds(max_states=300)),
                      only=["all_decide"])
    assert r.stats.distinct_states < len(build(CoordinatorCrash()))
    assert r.verdict == VIOLATED
    assert replay(r.trace).reproduced


def test_lassos_are_deterministic() -> None:
    a = verdict(CoordinatorCrash(), "all_decide").trace.to_json()
    b = verdict(CoordinatorCrash(), "all_decide").trace.to_json()
    assert json.dumps(a) == json.dumps(b)


# --------------------------------------------------------------------------- models


def test_twophase_coordinator_crash_blocks_and_recovery_decides() -> None:
    r = verdict(CoordinatorCrash(), "all_decide")
    assert r.verdict == VIOLATED
    actions = [st.action for st in r.trace.steps]
    assert "crash" in actions[: r.trace.loop_start]
    assert set(actions[r.trace.loop_start:]) == {"rm_inquire"}
    for name in ("all_decide", "prepared_decides", "no_blocking_loop"):
        assert verdict(CoordinatorRecovery(), name).verdict == HOLDS


def test_twophase_without_crash_decides_only_under_fairness() -> None:
    assert verdict(CoordinatorCrash(crashes=0), "all_decide").verdict == HOLDS

    class Unfair(CoordinatorCrash):
        weak_fair = ()

    assert verdict(Unfair(crashes=0), "all_decide").verdict == VIOLATED


def test_recovery_needs_a_fair_restart() -> None:
    class LazyRestart(CoordinatorRecovery):
        weak_fair = ("all_protocol",)

    r = verdict(LazyRestart(), "all_decide")
    assert r.verdict == VIOLATED
    assert "restart" not in [st.action for st in r.trace.steps]


def test_setnx_without_ttl_is_stuck_and_ttl_frees_it_only_if_time_is_fair() -> None:
    r = verdict(SetNxNoTtl(), "eventually_free")
    assert r.verdict == VIOLATED
    assert [st.action for st in r.trace.steps[: r.trace.loop_start]] == ["acquire", "crash"]
    assert verdict(SetNxWithTtl(), "eventually_free").verdict == HOLDS
    assert verdict(SetNxWithTtl(clients=3, ttl=3), "eventually_free").verdict == HOLDS

    class ClockMayStop(SetNxWithTtl):
        weak_fair = ("all_protocol",)

    r = verdict(ClockMayStop(), "eventually_free")
    assert r.verdict == VIOLATED
    assert {st.action for st in r.trace.steps[r.trace.loop_start:]} == {"retry"}


# --------------------------------------------------------------------------- replay


def _trace(model: Model, name: str, tmp_path: Any) -> Trace:
    r = verdict(model, name)
    assert r.verdict == VIOLATED
    path = tracefile.save(r.trace, tmp_path / "t.json")
    return tracefile.load(path)


def test_cycle_and_dead_end_lassos_replay(tmp_path: Any) -> None:
    cycle = _trace(CoordinatorCrash(), "all_decide", tmp_path)
    assert replay(cycle).reproduced, replay(cycle).problem
    # a dead end: a model registered under its id is needed for replay, so use the catalogue's
    lock = _trace(SetNxNoTtl(), "eventually_free", tmp_path)
    assert replay(lock).reproduced


def test_stale_lassos_are_caught(tmp_path: Any) -> None:
    good = _trace(CoordinatorCrash(), "all_decide", tmp_path)
    moved = Trace(**{**good.__dict__, "loop_start": good.loop_start - 1})
    assert "no longer returns" in replay(moved).problem
    missing = Trace(**{**good.__dict__, "loop_start": None})
    assert "needs loop_start" in replay(missing).problem
    # cut the cycle short: the last state is no dead end and the loop is gone
    cut = Trace(**{**good.__dict__, "steps": good.steps[: good.loop_start],
                   "loop_start": good.loop_start})
    assert "has a successor now" in replay(cut).problem
    # only one of three prepared participants keeps asking: weakly fair
    # rm_inquire of the others is enabled throughout and never taken
    unfair = Trace(**{**good.__dict__, "steps": good.steps[: good.loop_start + 1]})
    assert "unfair" in replay(unfair).problem


def test_stale_when_the_property_no_longer_fails(tmp_path: Any, monkeypatch: Any) -> None:
    good = _trace(CoordinatorCrash(), "all_decide", tmp_path)
    crashed = eventually(lambda self, s: s.tm_state == "crashed")
    crashed.name = "all_decide"
    monkeypatch.setattr(CoordinatorCrash, "all_decide", crashed)
    assert "now holds in state" in replay(good).problem


def test_step_table_marks_the_loop_and_its_end(tmp_path: Any) -> None:
    import io

    from distcheck.outputs.tables import print_replay

    for model, name, ending in [(CoordinatorCrash(), "all_decide", "back to state 4"),
                                (SetNxNoTtl(), "eventually_free", "back to state 2")]:
        out = io.StringIO()
        print_replay(replay(_trace(model, name, tmp_path)), out)
        text = out.getvalue()
        assert "loop starts here" in text and ending in text
        assert "[fault: crash]" in text
        assert "the lasso still violates" in text
    dead = graph_model([("a", "go", "stuck")], e=eventually(at("never")))
    out = io.StringIO()
    from distcheck.outputs.tables import console, step_table

    console(out).print(step_table(verdict(dead).trace))
    assert "stops here forever" in out.getvalue()


# --------------------------------------------------------------------------- brute force


class RandomLabelled(Model):
    """A random graph on ``n`` states: action X(k) leads from s to ``table[X][s][k]`` (or nowhere)."""

    id = "test.random_labelled"
    n = Param(5, at_least=1)
    seed = Param(0)

    def setup(self) -> None:
        import random

        rng = random.Random(self.seed)
        self.table = {x: [[rng.randrange(self.n) if rng.random() < 0.3 else None
                           for _ in range(2)] for _ in range(self.n)] for x in "abc"}
        fair = {x: rng.choice(["", "weak", "strong"]) for x in "abc"}
        self.weak_fair = tuple(x for x, f in fair.items() if f == "weak")
        self.strong_fair = tuple(x for x, f in fair.items() if f == "strong")

    def init(self):
        yield 0

    @action(k=2)
    def a(self, s, k):
        return self.table["a"][s][k]

    @action(k=2)
    def b(self, s, k):
        return self.table["b"][s][k]

    @action(k=2)
    def c(self, s, k):
        return self.table["c"][s][k]


def _has_fair_cycle_by_brute_force(g: Any, fairness: Any) -> bool:
    """Is there a node set S, strongly connected by its inner edges, fair when all are taken?"""
    import itertools

    import networkx as nx

    nodes = list(range(g.expanded))
    for size in range(1, len(nodes) + 1):
        for subset in itertools.combinations(nodes, size):
            inside = set(subset)
            inner = [(u, lab, t) for u in subset for lab, t in g.out_edges(u) if t in inside]
            if not inner:
                continue
            sub = nx.DiGraph([(u, t) for u, _, t in inner])
            sub.add_nodes_from(subset)
            if not nx.is_strongly_connected(sub):
                continue
            taken = {lab for _, lab, _ in inner}
            enabled = [{lab for lab, _ in g.out_edges(u)} for u in subset]
            fair = True
            for lab, step in enumerate(g.labels):
                kind = fairness.kind_of(step.action)
                if lab in taken or kind == 0:
                    continue
                if kind == 1 and all(lab in e for e in enabled):
                    fair = False
                if kind == 2 and any(lab in e for e in enabled):
                    fair = False
            if fair:
                return True
    return False


def test_fair_components_agree_with_brute_force_on_random_graphs() -> None:
    from distcheck.engines.liveness import fair_components, fair_cycle

    checked = {True: 0, False: 0}
    for seed in range(300):
        m = RandomLabelled(n=5, seed=seed)
        g = build(m)
        fairness = fairness_of(m)
        kinds = label_fairness(g, fairness)
        found = fair_components(g, range(g.expanded), kinds)
        expected = _has_fair_cycle_by_brute_force(g, fairness)
        assert bool(found) == expected, seed
        checked[expected] += 1
        for component in found:  # the lasso cycle built in it is itself fair
            entry = component.nodes[0]
            nodes, labels = fair_cycle(g, component, entry, kinds)
            assert nodes[0] == nodes[-1] == entry and labels
            taken = {o for i, lab in enumerate(labels) for o in kinds.of_edge(lab, *nodes[i:i + 2])}
            enabled = [{o for lab, t in g.out_edges(u) for o in kinds.of_edge(lab, u, t)}
                       for u in nodes[:-1]]
            for o, kind in enumerate(kinds.strength):
                if kind == 1 and o not in taken:
                    assert not all(o in e for e in enabled), seed
                if kind == 2 and o not in taken:
                    assert not any(o in e for e in enabled), seed
    assert checked[True] > 20 and checked[False] > 20, checked


# --------------------------------------------------------------------------- fairness over groups

# a <-> b by unfair steps; "left" finishes from a only, "right" from b only: each is
# enabled infinitely often but not continuously, while "left or right" always is.
EITHER = [("a", "go", "b"), ("b", "back", "a"), ("a", "left", "goal"), ("b", "right", "goal"),
          ("goal", "stay", "goal")]


def test_a_group_is_enabled_where_any_member_is() -> None:
    per_action = graph_model(EITHER, weak=("left", "right"), done=eventually(at("goal")))
    assert verdict(per_action).verdict == VIOLATED  # WF(Left) /\ WF(Right): the a-b cycle is fair
    grouped = graph_model(EITHER, weak=(group("left", "right"),), done=eventually(at("goal")))
    assert verdict(grouped).verdict == HOLDS  # WF(Left \/ Right): it is not


def test_a_self_loop_takes_no_group_but_takes_its_own_instance() -> None:
    spin = [("a", "spin", "a"), ("a", "finish", "goal"), ("goal", "stay", "goal")]
    # WF(Spin \/ Finish): spinning in place is a stuttering step, not a step of the group
    grouped = graph_model(spin, weak=(group("spin", "finish"),), done=eventually(at("goal")))
    assert verdict(grouped).verdict == HOLDS
    # per instance a self-loop is a step of its action (as always): spinning forever is fair
    assert verdict(graph_model(spin, weak=("spin",), done=eventually(at("goal")))).verdict == VIOLATED


class Waiters(Model):
    """Two clients ask and are served; serve(i, j) needs the server in phase j, which flips.

    A client may ask again as soon as it is served, so client 0 can be served
    over and over while client 1 waits.
    """

    id = "test.waiters"

    def init(self):
        yield (0, (False, False))

    @action()
    def flip(self, s):
        return (1 - s[0], s[1])

    @action(i=2)
    def ask(self, s, i):
        if not s[1][i]:
            return (s[0], put(s[1], i, True))

    @action(i=2, j=2)
    def serve(self, s, i, j):
        if s[1][i] and s[0] == j:
            return (s[0], put(s[1], i, False))

    second_served = leads_to(lambda self, s: s[1][1], lambda self, s: not s[1][1])


def test_keep_gives_one_obligation_per_kept_value() -> None:
    def with_fairness(*weak: Any) -> str:
        model = Waiters()
        model.weak_fair = weak
        return verdict(model).verdict

    assert with_fairness("serve") == VIOLATED  # per (i, j): each phase flips away in time
    assert with_fairness(group("serve")) == VIOLATED  # serving client 0 again satisfies it
    assert with_fairness(group("serve", keep=("i",))) == HOLDS  # \A i: WF(\E j: Serve(i, j))


def test_a_lasso_under_group_fairness_replays_and_is_judged_by_groups(tmp_path: Any,
                                                                     monkeypatch: Any) -> None:
    class Loose(Waiters):
        id = "test.waiters_loose"
        weak_fair = (group("serve"),)

    class Strict(Waiters):
        id = "test.waiters_strict"
        weak_fair = (group("serve", keep=("i",)),)

    monkeypatch.setattr(catalog, "get", lambda mid, source=None: {Loose.id: Loose, Strict.id: Strict}[mid])
    r = verdict(Loose())
    assert r.verdict == VIOLATED and r.trace is not None
    loop = {st.action for st in r.trace.steps[r.trace.loop_start:]}
    assert "serve" in loop  # the group is taken in the cycle, by client 0
    trace = tracefile.load(tracefile.save(r.trace, tmp_path / "t.json"))
    assert replay(trace).reproduced
    stricter = Trace(**{**trace.__dict__, "model": Strict.id})
    assert replay(stricter).problem == (
        "the cycle is unfair now: weakly fair group(serve; i=1) is enabled throughout and "
        "never taken")


def test_bad_groups_are_one_line_model_errors() -> None:
    with pytest.raises(ModelError, match=r"weak_fair group\(nope\) names 'nope', which is not"):
        fairness_of(graph_model(EITHER, weak=(group("nope"),)))
    model = Waiters()
    model.weak_fair = (group("serve", "flip", keep=("i",)),)
    with pytest.raises(ModelError, match="keeps 'i', which is not an argument of action flip"):
        fairness_of(model)
    with pytest.raises(TypeError, match="keep= is a tuple"):
        group("serve", keep="i")
