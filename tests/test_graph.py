"""The explored state graph: counts, labels, export round-trips, SCCs and the CLI."""

from __future__ import annotations

import json
import random
from typing import Any

import networkx as nx
import pytest

from distcheck.cli import main
from distcheck.contract.model import Model, Param, action, fault
from distcheck.contract.state import canonical_text
from distcheck.engines import bfs, graph
from distcheck.engines.bfs import Bounds
from distcheck.engines.liveness import strongly_connected
from distcheck.models.locks.setnx_no_ttl import SetNxNoTtl
from distcheck.models.transactions.twophase import TwoPhase
from distcheck.models.transactions.twophase_coordinator_crash import CoordinatorCrash
from distcheck.outputs import graphs


class Parallel(Model):
    """Two different steps from 0 to 1 (parallel edges), a fault back, a dead end at 2."""

    id = "test.parallel"

    def init(self):
        yield 0

    @action()
    def left(self, s):
        return 1 if s == 0 else None

    @action()
    def right(self, s):
        return 1 if s == 0 else None

    @fault("crash")
    def crash(self, s):
        return 0 if s == 1 else None

    @action()
    def finish(self, s):
        return 2 if s == 1 else None


class Random(Model):
    """A random graph on ``n`` states (seeded): successor k of state s is ``table[s][k]``."""

    id = "test.random"
    n = Param(30, at_least=1)
    seed = Param(0)

    def setup(self) -> None:
        rng = random.Random(self.seed)
        self.table = [[rng.randrange(self.n) for _ in range(rng.randrange(3))] for _ in range(self.n)]
        self.degree = 2

    def init(self):
        yield 0

    @action(k="degree")
    def move(self, s, k):
        row = self.table[s]
        return row[k] if k < len(row) else None

    @action(k="n")
    def jump(self, s, k):  # makes every state reachable from 0, without closing cycles
        return k if s == 0 and k > 0 and k % 3 == 0 else None


@pytest.mark.parametrize("model", [TwoPhase(rms=3), CoordinatorCrash(), SetNxNoTtl(clients=3)],
                         ids=lambda m: m.id)
def test_counts_match_the_bfs_engine(model: Model) -> None:
    g = graph.build(model)
    run = bfs.explore(model, [], stop_when_decided=False)
    assert len(g) == run.stats.distinct_states
    assert g.stats.total_states == run.stats.total_states
    assert g.stats.depth == run.stats.depth
    assert g.stats.complete and g.cut is None
    assert g.edge_count == g.stats.total_states - len(g.initial)


def test_nodes_and_edges_carry_json_labels() -> None:
    m = Parallel()
    g = graph.build(m).to_networkx()
    assert sorted(g.nodes) == [0, 1, 2]
    assert g.nodes[0]["initial"] and not g.nodes[1]["initial"]
    assert json.loads(g.nodes[1]["label"]) == 1
    between = sorted(d["action"] for _, _, d in g.edges(0, data=True))
    assert between == ["left", "right"]  # parallel edges kept, one per label
    [back] = [d for _, v, d in g.edges(1, data=True) if v == 0]
    assert back["fault"] == "crash" and back["label"] == "crash()" and back["args"] == "{}"
    assert g.out_degree(2) == 0


@pytest.mark.parametrize("fmt", graphs.FORMATS)
@pytest.mark.parametrize("model", [Parallel(), CoordinatorCrash(rms=2), SetNxNoTtl()],
                         ids=lambda m: m.id)
def test_exports_round_trip_through_networkx(fmt: str, model: Model) -> None:
    g = graph.build(model)
    original = g.to_networkx()
    text = graphs.export(g, fmt)
    back = graphs.read(text, fmt)
    assert back.is_multigraph() and back.is_directed()
    assert nx.utils.graphs_equal(original, back)
    assert sorted(back.edges(keys=True, data=True)) == sorted(original.edges(keys=True, data=True))
    assert graphs.export(graph.build(model), fmt) == text  # deterministic


def test_tarjan_agrees_with_networkx_on_random_graphs() -> None:
    for seed in range(25):
        g = graph.build(Random(n=40, seed=seed))
        mine = {frozenset(c) for c in strongly_connected(g, range(len(g)))}
        theirs = {frozenset(c) for c in nx.strongly_connected_components(g.to_networkx())}
        assert mine == theirs, seed


def test_a_cut_keeps_unexpanded_states_without_edges() -> None:
    g = graph.build(TwoPhase(rms=3), Bounds(max_states=40))
    assert g.cut == "max-states=40 reached during state graph building"
    assert not g.stats.complete and len(g) == 40  # never more states than the bound
    assert g.expanded < len(g)
    nxg = g.to_networkx()
    unexpanded = [n for n, d in nxg.nodes(data=True) if not d["expanded"]]
    assert unexpanded and all(nxg.out_degree(n) == 0 for n in unexpanded)
    assert not any(g.is_dead_end(n) for n in unexpanded)


def test_paths_are_shortest() -> None:
    g = graph.build(TwoPhase(rms=2))
    for i in range(len(g)):
        nodes, labels = g.path_to(i)
        assert len(labels) == g.depth_of[i] == len(nodes) - 1
        for (u, v), lab in zip(zip(nodes, nodes[1:], strict=False), labels, strict=True):
            assert (lab, v) in list(g.out_edges(u))


# --------------------------------------------------------------------------- CLI


def test_cli_exports_json_to_stdout(capsys: Any) -> None:
    assert main(["graph", "locks.setnx_no_ttl", "--format", "json"]) == 0
    out = capsys.readouterr()
    g = nx.node_link_graph(json.loads(out.out), edges="edges")
    assert g.number_of_nodes() == len(graph.build(SetNxNoTtl()))
    assert "locks.setnx_no_ttl" in out.err


def test_cli_refuses_a_graph_past_the_cap(capsys: Any) -> None:
    assert main(["graph", "transactions.twophase", "-p", "rms=4", "--max-states", "100"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "more than 100 reachable states" in err


def test_cli_writes_dot_and_says_how_to_get_a_picture(tmp_path: Any, capsys: Any,
                                                      monkeypatch: Any) -> None:
    monkeypatch.setattr(graphs.shutil, "which", lambda name: None)
    target = tmp_path / "lock.dot"
    assert main(["graph", "locks.setnx_no_ttl", "--output", str(target)]) == 0
    out = capsys.readouterr().out
    assert "apt-get install graphviz" in out
    back = graphs.read_dot(target.read_text())
    labels = {canonical_text(json.loads(d["label"])) for _, d in back.nodes(data=True)}
    assert len(labels) == len(graph.build(SetNxNoTtl()))


def test_cli_renders_svg_when_graphviz_is_installed(tmp_path: Any, capsys: Any) -> None:
    if graphs.shutil.which("dot") is None:
        pytest.skip("graphviz (dot) is not installed here")
    target = tmp_path / "lock.dot"
    assert main(["graph", "locks.setnx_no_ttl", "--output", str(target)]) == 0
    assert (tmp_path / "lock.svg").read_text().lstrip().startswith("<?xml")
    assert "picture:" in capsys.readouterr().out


@pytest.mark.parametrize("depth", [1, 2, 4, 30])
def test_a_depth_cut_matches_the_bfs_engine(depth: int) -> None:
    g = graph.build(TwoPhase(rms=2), Bounds(max_depth=depth))
    run = bfs.explore(TwoPhase(rms=2), [], Bounds(max_depth=depth), stop_when_decided=False)
    assert len(g) == run.stats.distinct_states
    assert (g.cut is None) == (run.cut is None) == g.stats.complete


class Unhashable(Model):
    id = "test.unhashable"

    def init(self):
        yield 0

    @action()
    def grow(self, s):
        return [s] if s == 0 else None


def test_an_unhashable_state_is_a_one_line_model_error() -> None:
    from distcheck.contract.errors import ModelError

    with pytest.raises(ModelError, match=r"grow\(\) made a state that holds a list \[0\] .*unhashable: use a tuple"):
        graph.build(Unhashable())


def test_cli_takes_the_format_from_the_file_suffix(tmp_path: Any) -> None:
    target = tmp_path / "lock.graphml"
    assert main(["graph", "locks.setnx_no_ttl", "-o", str(target)]) == 0
    back = graphs.read(target.read_text(), "graphml")
    assert back.number_of_nodes() == len(graph.build(SetNxNoTtl()))
