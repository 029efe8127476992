"""The explored state graph: every reachable state and every labelled transition.

:func:`build` runs its own breadth-first search (the safety engine in
``distcheck.engines.bfs`` keeps only parent links, for speed) and records every
transition ``s --step--> t``.  The result, :class:`StateGraph`, is compact:
states get integer ids in BFS order, and the edges are kept in three flat
integer arrays (compressed sparse rows: the edges of state ``i`` are
``offsets[i]:offsets[i+1]``), each edge carrying a *label*, an index into
``labels`` (the :class:`~distcheck.contract.model.Step`: action name, arguments, fault
kind).  Parallel edges with different labels are all kept; fairness needs
them.  The liveness checker (``distcheck.engines.liveness``) works on this form.

:meth:`StateGraph.to_networkx` hands the graph over as a
``networkx.MultiDiGraph``: node = state id with attributes ``label`` (the
state's canonical JSON text), ``initial`` and ``expanded``; edge attributes
``action``, ``args`` (canonical JSON of the arguments), ``fault`` (the fault
kind, ``""`` for protocol steps) and ``label`` (``rm_prepare(rm=1)``).
:func:`export` writes it as DOT, GraphML or node-link JSON; each format reads
back into an equal networkx graph (:func:`read`).

When a bound cuts the search, the states discovered but not expanded are kept
as nodes with ``expanded=False`` and no outgoing edges: their successors are
unknown, so the liveness checker never treats them as dead ends or as part of
a cycle.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from distcheck.contract.compiled import (
    AnyModel,
    CompiledModel,
    branches,
    changed_in_place,
    checked_transitions,
    compile_model,
    explain_failure,
)
from distcheck.contract.errors import ModelError, passes_through
from distcheck.contract.model import Step
from distcheck.contract.state import canonical_text, to_json
from distcheck.contract.statecheck import render
from distcheck.contract.verdict import Stats
from distcheck.engines.bfs import Bounds
from distcheck.engines.budget import CHECK_EVERY, Budget, Meter, out_of_memory

if TYPE_CHECKING:  # networkx is imported where it is used: it takes most of a second to load
    import networkx as nx



@dataclass
class StateGraph:
    """The reachable graph of one model instance (see the module docstring)."""

    model: CompiledModel
    states: list[Any]
    index: dict[Any, int]
    initial: list[int]
    labels: list[Step]
    offsets: array
    targets: array
    edge_labels: array
    expanded: int  # states 0..expanded-1 have all their successors recorded
    depth_of: array  # BFS depth of each state (initial states: 0)
    parent: array  # BFS parent of each state (-1 for initial states)
    parent_label: array  # label of the edge from the parent (-1 for initial states)
    stats: Stats = field(default_factory=Stats)
    cut: str | None = None

    def __len__(self) -> int:
        return len(self.states)

    @property
    def edge_count(self) -> int:
        return len(self.targets)

    def out_edges(self, i: int) -> Iterator[tuple[int, int]]:
        """``(label, target)`` of every transition out of state ``i``."""
        if i >= self.expanded:
            return iter(())
        lo, hi = self.offsets[i], self.offsets[i + 1]
        return zip(self.edge_labels[lo:hi], self.targets[lo:hi], strict=True)

    def is_dead_end(self, i: int) -> bool:
        """True when ``i`` was expanded and has no successor at all."""
        return i < self.expanded and self.offsets[i] == self.offsets[i + 1]

    def path_to(self, i: int) -> tuple[list[int], list[int]]:
        """Shortest (BFS) path from an initial state: state ids and edge labels."""
        nodes, labels = [i], []
        while self.parent[nodes[-1]] >= 0:
            labels.append(self.parent_label[nodes[-1]])
            nodes.append(self.parent[nodes[-1]])
        nodes.reverse()
        labels.reverse()
        return nodes, labels

    # -- networkx -------------------------------------------------------------------------

    def to_networkx(self) -> nx.MultiDiGraph:
        """The graph as a ``networkx.MultiDiGraph`` with JSON labels (module docstring)."""
        import networkx as nx

        g = nx.MultiDiGraph(model=self.model.id, params=canonical_text(to_json(
            self.model.param_values)), complete=self.stats.complete)
        initial = set(self.initial)
        for i, s in enumerate(self.states):
            g.add_node(i, label=canonical_text(self.model.describe(s)), initial=i in initial,
                       expanded=i < self.expanded)
        label_attrs = [_edge_attrs(step) for step in self.labels]
        for i in range(self.expanded):
            for label, j in self.out_edges(i):
                g.add_edge(i, j, key=label, **label_attrs[label])
        return g


def _edge_attrs(step: Step) -> dict[str, str]:
    return {
        "action": step.action,
        "args": canonical_text(to_json(step.kwargs())),
        "fault": step.fault or "",
        "label": str(step),
    }


# --------------------------------------------------------------------------- building


def build(model: AnyModel, bounds: Bounds | None = None, budget: Budget | None = None,
          phase: str = "state graph building") -> StateGraph:
    """Explore ``model`` breadth-first and keep every transition.

    A cut (``bounds``, or the command's ``budget``) stops expanding states; the
    graph then says so in ``cut`` and ``stats.complete`` is False.  At most
    ``bounds.max_states`` states (and what the budget has left) are stored.
    """
    model = compile_model(model)
    bounds = bounds or Bounds()
    start = time.perf_counter()
    meter = budget.meter(phase, bounds) if budget is not None else Meter(None, bounds, phase)
    cap = meter.state_cap
    inits = model.initial_states()
    states: list[Any] = list(inits)
    index: dict[Any, int] = {s: i for i, s in enumerate(states)}
    depth_of = array("l", [0] * len(states))
    parent = array("l", [-1] * len(states))
    parent_label = array("l", [-1] * len(states))
    offsets, targets, edge_labels = array("q", [0]), array("q"), array("l")
    labels: list[Step] = []
    label_ids: list[dict[Any, int]] = [{} for _ in model.actions]
    total = model.initial_generated  # repeats included, as the BFS counts them
    cut: str | None = meter.over() or (meter.states_cut() if len(states) > cap else None)
    next_check = CHECK_EVERY
    # the state contract, sampled as in the bfs engine (distcheck.contract.statecheck)
    contract = model.contract
    verify = contract.verify
    due = contract.next_due(total)
    i = 0
    while i < len(states) and cut is None:
        depth = depth_of[i]
        if bounds.max_depth is not None and depth + 1 >= bounds.max_depth and _has_new(
            model, states[i], index
        ):
            cut = f"max-depth={bounds.max_depth} reached"
            break
        if i & 255 == 0 or len(targets) >= next_check:
            next_check = len(targets) + CHECK_EVERY
            cut = meter.over()
            if cut:
                break
        s = states[i]
        a = args = None
        edges_before = len(targets)
        snapshot = render(s) if verify else ""
        try:
            for a_index, a in enumerate(model.actions):
                call = a.call
                ids = label_ids[a_index]
                branching = a.branching
                for args in a.static_args if a.static_args is not None else a.arguments(s):
                    t = call(s, *args)
                    if t is None:
                        continue
                    # one edge per successor: a branching action's are labelled per branch
                    found = (branches(model.id, a, s, args, t) if branching else ((a, t),))
                    for view, u in found:
                        total += 1
                        if total >= due:
                            contract.check(u, view.step(args))
                            due = contract.next_due(total)
                        key = (args, view.branch) if branching else args
                        label = ids.get(key)
                        if label is None:
                            label = ids[key] = len(labels)
                            labels.append(view.step(args))
                        j = index.get(u)
                        if j is None:
                            if len(states) >= cap:
                                raise _Full
                            j = index[u] = len(states)
                            states.append(u)
                            depth_of.append(depth + 1)
                            parent.append(i)
                            parent_label.append(label)
                        targets.append(j)
                        edge_labels.append(label)
        except _Full:
            # the state stays unexpanded: its edges so far are dropped, so none is half-known
            del targets[edges_before:], edge_labels[edges_before:]
            cut = meter.states_cut()
            break
        except MemoryError:
            del targets[edges_before:], edge_labels[edges_before:]
            cut = out_of_memory(phase)
            break
        except ModelError:
            raise
        except BaseException as exc:  # which domain, call or state broke is found again there
            if passes_through(exc):
                raise
            raise explain_failure(model, [], s, a, args, exc) from exc
        if verify and render(s) != snapshot:
            raise changed_in_place(model, s, snapshot)
        offsets.append(len(targets))
        i += 1
    meter.close(len(states))
    graph = StateGraph(model, states, index, list(range(len(inits))), labels, offsets, targets,
                       edge_labels, i, depth_of, parent, parent_label, cut=cut)
    graph.stats = Stats(
        distinct_states=len(states),
        total_states=total,
        depth=(max(depth_of) + 1) if len(depth_of) else 0,
        seconds=time.perf_counter() - start,
        complete=cut is None,
    )
    return graph


class _Full(Exception):
    """The graph holds as many states as it may."""


def _has_new(model: CompiledModel, s: Any, index: dict[Any, int]) -> bool:
    return any(t not in index for _, _, t in checked_transitions(model, s))
