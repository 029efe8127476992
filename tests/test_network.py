"""The message-passing layer: delivery semantics, crashes, partitions, pauses and clocks."""

from __future__ import annotations

import pickle
from typing import Any, NamedTuple

import pytest

from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import ModelError
from distcheck.contract.faults import Faults
from distcheck.contract.network import (
    DOWN,
    PAUSED,
    UP,
    Message,
    NodeModel,
    World,
    node_action,
    send,
)
from distcheck.contract.state import canonical_text, to_json
from distcheck.engines import bfs


class Box(NamedTuple):
    got: tuple[str, ...]  # volatile: what the node has received since it last started
    saved: tuple[str, ...]  # durable: what it wrote to disk


class Pair(NodeModel):
    """Node a has sent b two notes, m1 then m2; b may save what it got."""

    id = "test.pair"
    durable = ("saved",)

    def setup(self) -> None:
        self.nodes = ("a", "b")

    def initial(self, node: str) -> Box:
        return Box(got=(), saved=())

    def initial_messages(self):
        return [send("a", "b", "note", "m1"), send("a", "b", "note", "m2")]

    def on_note(self, me: str, n: Box, msg: Message, now: int):
        return n._replace(got=n.got + (msg.data,)), ()

    @node_action(nodes=("b",))
    def save(self, me: str, n: Box, now: int):
        if n.got != n.saved:
            return n._replace(saved=n.got), ()


def variant(base: type[NodeModel] = Pair, **attrs: Any) -> NodeModel:
    """An instance of a subclass of ``base`` with the given class attributes."""
    return type("Variant", (base,), attrs)()


def do(model: NodeModel, name: str, s: World, *args: Any) -> World | None:
    """Take action ``name`` with ``args`` in ``s`` (None when it is not enabled)."""
    bound = compile_model(model).action_named(name)
    assert bound is not None, f"no action {name}"
    return bound.call(s, *args)


def reachable(model: NodeModel) -> list[World]:
    run = bfs.explore(model, properties=[], check_deadlock=False)
    assert run.stats.complete
    return list(run.parent)


def received(model: NodeModel, node: str = "b") -> set[tuple[str, ...]]:
    return {model.local(s, node).got for s in reachable(model)}


# --------------------------------------------------------------------------- delivery semantics


def test_unordered_network_reorders_but_never_loses_or_duplicates() -> None:
    got = received(Pair())
    assert ("m2", "m1") in got  # reordered
    assert ("m1", "m2") in got
    assert all(len(g) == len(set(g)) for g in got)  # never twice
    finals = [s for s in reachable(Pair()) if not s.net]
    assert finals and all(len(Pair().local(s, "b").got) == 2 for s in finals)  # nothing lost


def test_fifo_network_keeps_channel_order() -> None:
    got = received(variant(delivery="fifo"))
    assert got == {(), ("m1",), ("m1", "m2")}


def test_fifo_orders_per_channel_only() -> None:
    class Three(Pair):
        def setup(self) -> None:
            self.nodes = ("a", "b", "c")

        def initial_messages(self):
            return [send("c", "b", "note", "from-c"), send("a", "b", "note", "m1")]

    got = received(variant(Three, delivery="fifo"))
    assert ("from-c", "m1") in got and ("m1", "from-c") in got


def test_drop_fault_loses_a_message_only_when_admitted() -> None:
    lossy = variant(faults=Faults(drop=1))
    assert ("m2",) in {lossy.local(s, "b").got for s in reachable(lossy) if not s.net}
    steps = {a.name for s in reachable(lossy) for a, _, _ in compile_model(lossy).transitions(s)}
    assert "drop" in steps
    reliable = Pair()
    assert all(a.name != "drop" for s in reachable(reliable) for a, _, _ in compile_model(reliable).transitions(s))


def test_duplicate_fault_delivers_twice_only_when_admitted() -> None:
    assert ("m1", "m1", "m2") in received(variant(faults=Faults(duplicate=1)))
    assert not any(g.count("m1") > 1 for g in received(variant(faults=Faults(drop=1))))


def test_duplicate_budget_bounds_the_copies() -> None:
    got = received(variant(faults=Faults(duplicate=2)))
    assert max(g.count("m1") for g in got) == 3
    assert max(len(g) for g in got) == 4


def test_partition_blocks_delivery_across_the_cut_until_heal() -> None:
    model = variant(faults=Faults(partition=1))
    states = reachable(model)
    cut = [s for s in states if s.cut]
    assert cut
    for s in cut:
        assert all(a.name != "deliver" for a, _, _ in compile_model(model).transitions(s))
        assert model.describe(s)["partition"] == [["a"], ["b"]]
    healed = [t for s in cut for a, _, t in compile_model(model).transitions(s) if a.name == "heal"]
    assert healed and any(a.name == "deliver" for s in healed for a, _, _ in compile_model(model).transitions(s))


def test_partition_keeps_delivery_inside_a_group() -> None:
    class Trio(Pair):
        def setup(self) -> None:
            self.nodes = ("a", "b", "c")

    model = variant(Trio, faults=Faults(partition=1))
    s0 = compile_model(model).initial_states()[0]
    apart = do(model, "partition", s0, (("a",), ("b", "c")))
    together = do(model, "partition", s0, (("a", "b"), ("c",)))
    assert model.deliverable(apart) == ()
    assert len(model.deliverable(together)) == 2
    assert do(model, "heal", s0) is None and do(model, "partition", apart, (("a", "b"), ("c",))) is None


# --------------------------------------------------------------------------- crashes


class Recovering(Pair):
    """b tells a what it had saved when it restarts."""

    faults = Faults(crash=1)

    def on_restart(self, me: str, n: Box, now: int):
        if me == "b":
            return n, [send("b", "a", "note", "back:" + ",".join(n.saved))]
        return n, ()


def test_crash_loses_volatile_state_and_inbox_but_keeps_durable_state() -> None:
    model = Recovering()
    s = compile_model(model).initial_states()[0]
    s = do(model, "deliver", s, Message("a", "b", "note", "m1"))
    s = do(model, "save", s, "b")
    s = do(model, "deliver", s, Message("a", "b", "note", "m2"))
    assert model.local(s, "b") == Box(got=("m1", "m2"), saved=("m1",))
    s = s._replace(net=model._enqueue(s.net, [send("a", "b", "note", "late"), send("b", "a", "note", "x")]))
    crashed = do(model, "crash", s, "b")
    assert model.local(crashed, "b") == Box(got=(), saved=("m1",))
    assert model.status_of(crashed, "b") == DOWN
    assert [m.text for m in crashed.net] == ['b->a note x']  # messages to b are gone
    assert model.budget_left(crashed, "crash") == 0
    assert do(model, "crash", crashed, "a") is None  # budget spent
    assert all(a.name != "deliver" or args[0].dst != "b" for a, args, _ in compile_model(model).transitions(crashed))
    back = do(model, "restart", crashed, "b")
    assert model.status_of(back, "b") == UP
    assert Message("b", "a", "note", "back:m1") in back.net  # recovery read the durable log


def test_crash_can_keep_the_inbox_when_the_model_says_so() -> None:
    model = variant(Recovering, inbox_lost_on_crash=False)
    s = compile_model(model).initial_states()[0]
    assert do(model, "crash", s, "b").net == s.net


def test_crash_stop_without_restart() -> None:
    model = variant(faults=Faults(crash=1, restart=False))
    names = {a.name for a in compile_model(model).actions}
    assert "crash" in names and "restart" not in names


def test_budget_zero_means_no_fault_steps_and_budgets_bound_the_space() -> None:
    sizes = []
    for crashes in (0, 1, 2):
        model = Recovering(crashes=crashes)
        states = reachable(model)
        faulty = [a for s in states for a, _, _ in compile_model(model).transitions(s) if a.fault]
        assert (not faulty) == (crashes == 0)
        sizes.append(len(states))
    assert sizes[0] < sizes[1] < sizes[2]


# --------------------------------------------------------------------------- time, pauses, clocks


class Lease(NamedTuple):
    until: int  # the node's lease ends when its own clock reads this
    expired: bool


class Leaseholder(NodeModel):
    id = "test.leaseholder"
    faults = Faults(tick=3, pause=1)

    def setup(self) -> None:
        self.nodes = ("n", "m")

    def initial(self, node: str) -> Lease:
        return Lease(until=2, expired=False)

    @node_action(nodes="nodes")
    def notice_expiry(self, me: str, n: Lease, now: int):
        if not n.expired and now >= n.until:
            return n._replace(expired=True), ()


def test_ttl_expires_by_ticks_and_a_paused_node_takes_no_step_while_time_passes() -> None:
    model = Leaseholder()
    states = reachable(model)
    assert all(s.now >= 2 for s in states if model.local(s, "n").expired)
    stuck = [s for s in states if model.status_of(s, "n") == PAUSED and s.now == 3]
    assert stuck and any(not model.local(s, "n").expired for s in stuck)
    for s in stuck:
        moves = [(a.name, args) for a, args, _ in compile_model(model).transitions(s)]
        assert ("notice_expiry", ("n",)) not in moves
        assert ("resume", ("n",)) in moves
    paused = [s for s in states if model.status_of(s, "n") == PAUSED and s.now < 3]
    assert all(do(model, "tick", s) is not None for s in paused)
    assert max(s.now for s in states) == 3  # the horizon


def test_horizon_param_bounds_time() -> None:
    assert max(s.now for s in reachable(Leaseholder(horizon=5))) == 5
    model = Leaseholder(horizon=0)
    assert all(a.name != "tick" for a in compile_model(model).actions)


def test_clock_jump_moves_one_node_clock_and_ttls_read_it() -> None:
    model = variant(Leaseholder, faults=Faults(tick=3, clock_jump=1), jump_deltas=(2,))
    states = reachable(model)
    early = [s for s in states if s.now == 0 and model.local(s, "n").expired]
    assert early and all(model.clock(s, "n") == 2 for s in early)
    assert not any(model.local(s, "m").expired for s in early)
    assert model.describe(early[0])["clocks"] == {"n": 2, "m": 0}
    no_jump = variant(Leaseholder, faults=Faults(tick=3, clock_jump=0))
    assert all(s.now >= 2 for s in reachable(no_jump) if no_jump.local(s, "n").expired)


def test_clock_jump_back_delays_expiry() -> None:
    model = variant(Leaseholder, faults=Faults(tick=3, clock_jump=1), jump_deltas=(-1,))
    late = [s for s in reachable(model) if s.now == 2 and model.clock(s, "n") == 1]
    assert late
    assert all(do(model, "notice_expiry", s, "n") is None for s in late)


def test_drift_stays_within_its_bound() -> None:
    model = variant(Leaseholder, max_drift=1)
    states = reachable(model)
    assert {s.skew[0] for s in states} == {-1, 0, 1}
    steps = [a for a in compile_model(model).actions if a.name == "drift"]
    assert steps and steps[0].fault == "tick"
    assert all(a.name != "drift" for a in compile_model(Leaseholder()).actions)


# --------------------------------------------------------------------------- states


def test_states_are_hashable_renderable_and_deterministic() -> None:
    model = variant(faults=Faults(crash=1, drop=1, partition=1, pause=1, tick=1,
                                  clock_jump=1), jump_deltas=(1,))
    states = reachable(model)
    assert len(states) > 1000
    for s in states:
        hash(s)
        assert canonical_text(to_json(s))
        view = model.describe(s)
        assert set(view) == {"nodes", "status", "net", "now", "clocks", "partition", "faults_left"}
    again = reachable(type(model)())
    assert again == states  # same states discovered in the same order


def test_messages_compare_by_content_and_pickle() -> None:
    m = Message("a", "b", "vote", "yes")
    assert m == Message("a", "b", "vote", "yes") and hash(m) == hash(Message("a", "b", "vote", "yes"))
    assert m != Message("a", "b", "vote", "no")
    assert to_json(m) == 'a->b vote yes'
    assert to_json(Message("a", "b", "vote", "true")) == 'a->b vote "true"' != to_json(Message("a", "b", "vote", True))
    assert to_json(Message("a", "b", "put", ("k", 1))) == 'a->b put ["k",1]'
    assert m.reply("ack") == Message("b", "a", "ack")
    assert pickle.loads(pickle.dumps(m)) == m


def test_a_handler_returning_a_bare_state_is_a_model_error() -> None:
    class Sloppy(Pair):
        def on_note(self, me: str, n: Box, msg: Message, now: int):
            return n._replace(got=(msg.data,))

    with pytest.raises(ModelError, match="must return"):
        reachable(Sloppy())


def test_a_missing_handler_is_a_model_error() -> None:
    class Deaf(Pair):
        on_note = None

    with pytest.raises(ModelError, match="on_note"):
        reachable(Deaf())


def test_a_durable_name_that_is_no_field_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="durable names"):
        variant(durable=("svaed",))
