"""Sequence diagrams with real lanes: models name their participants (``@lane``), deliveries are
arrows, every bundled counterexample of a protocol whose participants talk draws at least one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from distcheck import Faults, Model, action, fault, invariant, lane
from distcheck.engines.bfs import check
from distcheck.outputs.diagrams import sequence_diagram, sequence_events
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

ROOT = Path(__file__).resolve().parent.parent
TRACES = sorted((ROOT / "counterexamples").glob("*/*.json"))

#: counterexamples in which no participant sends anything to another, and why
NO_MESSAGE = {
    "governance.registry.partition.no_false_eviction":
        "the partition silences heartbeats, which the model counts as ticks: the registry then "
        "evicts a live instance on its own",
    "ids.multimaster.node_added.no_collision":
        "a proof's counterexample: two counters' values, not a run",
    "ids.multimaster.node_added.unique":
        "each master counts on its own; the collision comes from adding a master, not a message",
    "ids.snowflake.overlapping.increasing_per_worker": "a proof's counterexample: one id's fields",
    "ids.snowflake.overlapping.packing_injective": "a proof's counterexample: two ids' fields",
    "ids.snowflake.wide.increasing_per_worker": "a proof's counterexample: one id's fields",
    "ids.snowflake.wide.sign_bit_zero": "a proof's counterexample: one id's fields",
    "ids.uuid1.no_bump.unique": "one host generates from its own clock; the clock jumps",
    "transactions.local_message_table.message_outside_transaction.shipped_exactly_once":
        "the order service crashes before it writes the message: nothing is ever sent (the bug)",
    "transactions.transactional_message.send_before_commit.committed_is_delivered":
        "the only message is lost (a fault, drawn as a note): nothing is delivered",
    "transactions.twophase.heuristic.atomicity":
        "the RMs decide without hearing from the TM: prepare, abort and a heuristic commit, all local",
}


def _arrows(path: Path) -> int:
    trace = tracefile.load(path)
    assert replay(trace).reproduced, path.name
    return sum(1 for ev in sequence_events(trace)[1] if ev.src is not None)


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_every_bundled_counterexample_draws_its_messages(path: Path) -> None:
    arrows = _arrows(path)
    if path.stem in NO_MESSAGE:
        assert arrows == 0, f"{path.stem} draws arrows now: take it off NO_MESSAGE"
    else:
        assert arrows >= 1, f"{path.stem}: no arrow; name the participants with @lane"


def test_the_exceptions_are_bundled_counterexamples() -> None:
    assert set(NO_MESSAGE) <= {p.stem for p in TRACES}
    assert len(NO_MESSAGE) * 8 < len(TRACES)


# Mermaid: the statements this renderer writes, each on one line
_STATEMENT = re.compile(
    r"^(sequenceDiagram|    title .+|    participant \w+ as [^;#\n]+|    \w+->>\w+: [^;#]+"
    r"|    Note (over|right of) \w+: [^;#]+|    rect rgb\(\d+, \d+, \d+\)|    end)$")


@pytest.mark.parametrize("path", TRACES[::7], ids=[p.stem for p in TRACES[::7]])
def test_mermaid_output_stays_valid(path: Path) -> None:
    trace = tracefile.load(path)
    replay(trace)
    chart = sequence_diagram(trace)
    declared = set(re.findall(r"^    participant (\w+) as", chart, re.M))
    for line in chart.rstrip("\n").split("\n"):
        assert _STATEMENT.match(line), line
        for used in re.findall(r"^    (\w+)->>(\w+):", line) + re.findall(
                r"^    Note (?:over|right of) (\w+):", line):
            assert set([used] if isinstance(used, str) else used) <= declared, line
    assert chart.count("    rect ") == chart.count("\n    end\n")


def test_twophase_lanes_are_the_tm_and_the_rms() -> None:
    trace = tracefile.load(ROOT / "counterexamples/transactions/transactions.twophase.eager_commit"
                                  ".consistent.json")
    replay(trace)
    lanes, events = sequence_events(trace)
    assert lanes == ["tm", "rm 0", "rm 1"]  # lane_order: the TM first
    received = [(ev.src, ev.dst, ev.label) for ev in events if ev.src is not None]
    assert ("rm 0", "tm", "tm_rcv_prepared(rm=0)") in received
    assert any(src == "tm" and dst.startswith("rm ") for src, dst, _ in received)
    chart = sequence_diagram(trace)
    assert "participant tm as tm" in chart.split("participant rm_0")[0]


# -- the hook ------------------------------------------------------------------------------


class Msg(NamedTuple):
    src: int
    dst: int


class Ping(NamedTuple):
    sent: frozenset[Msg]
    got: tuple[int, ...]
    up: bool
    crashes_left: int


class PingPong(Model):
    """Node 0 pings node 1, which answers; a store crash is a note."""

    id = "test.pingpong"
    faults = Faults(crash=1)
    lane_order = ("node", "store")

    def init(self):
        yield Ping(frozenset(), (0, 0), True, **self.faults.initial())

    @lane("node {src}")  # above @action works too
    @action(src=(0, 1))
    def send(self, s: Ping, src: int):
        if not any(m.src == src for m in s.sent):
            return s._replace(sent=s.sent | {Msg(src, 1 - src)})

    @action(msg=lambda m, s: sorted(s.sent))
    @lane("node {msg.src}", to="node {msg.dst}")
    def receive(self, s: Ping, msg: Msg):
        if s.got[msg.dst] == 0:
            return s._replace(got=tuple(1 if i == msg.dst else g for i, g in enumerate(s.got)))

    @action()
    @lane("node 0", to=lambda m, s: "store" if s.up else "nobody")
    def save(self, s: Ping):
        if s.got == (1, 1):
            return s._replace(got=(2, 2))

    @fault("crash")
    @lane("store", to="node 0")  # a fault is a note on its actor's lane, never an arrow
    def crash(self, s: Ping):
        if s.up:
            return self.faults.spend(s, "crash", up=False)

    @invariant(expect="violated")
    def never_both(self, s: Ping) -> bool:
        """Not both nodes hear from each other and save (a reachable state, to get a trace)."""
        return not (s.got == (2, 2) and not s.up)


def test_declared_lanes_draw_arrows_notes_and_the_state_decided_receiver() -> None:
    (result,) = check(PingPong())
    assert result.trace is not None
    lanes, events = sequence_events(result.trace)
    assert lanes[:2] == ["node 0", "node 1"] and "store" in lanes
    shown = {ev.label.split("(")[0]: ev for ev in events}
    assert (shown["receive"].src, shown["receive"].dst) in {("node 0", "node 1"),
                                                          ("node 1", "node 0")}
    assert shown["send"].src is None and shown["send"].lane.startswith("node ")
    assert shown["crash"].src is None and shown["crash"].lane == "store"
    assert (shown["save"].src, shown["save"].dst) == ("node 0", "store")


def test_a_loaded_trace_draws_its_lanes_once_replayed(tmp_path: Path) -> None:
    (result,) = check(PingPong())
    assert result.trace is not None
    saved = tracefile.save(result.trace, tmp_path / "t.json")
    loaded = tracefile.load(saved)
    assert loaded.reading is None  # the file holds no lanes: they come from the model
    replay(loaded)
    assert sequence_events(loaded) == sequence_events(result.trace)


def test_a_template_naming_no_argument_is_refused_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match=r"names \{rm\}, which is not an argument; its arguments "
                                        r"are: client"):
        class Bad(Model):  # noqa: F841
            @action(client=2)
            @lane("rm {rm}")
            def step(self, s, client):
                return s
