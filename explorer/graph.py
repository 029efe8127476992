"""The explored state graph: every reachable state and every labelled transition.

:func:`build` runs its own breadth-first search (the safety engine in
``explorer/bfs.py`` keeps only parent links, for speed) and records every
transition ``s --step--> t``.  The result, :class:`StateGraph`, is compact:
states get integer ids in BFS order, and the edges are kept in three flat
integer arrays (compressed sparse rows: the edges of state ``i`` are
``offsets[i]:offsets[i+1]``), each edge carrying a *label*, an index into
``labels`` (the :class:`~explorer.model.Step`: action name, arguments, fault
kind).  Parallel edges with different labels are all kept; fairness needs
them.  The liveness checker (``explorer/liveness.py``) works on this form.

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

import json
import re
import shutil
import subprocess
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.bfs import Bounds
from explorer.errors import BadInput, ModelError, cannot
from explorer.model import Model, Step, checked_transitions, explain_failure
from explorer.state import canonical_text, to_json
from explorer.verdict import Stats

if TYPE_CHECKING:  # networkx is imported where it is used: it takes most of a second to load
    import networkx as nx

FORMATS = ("dot", "graphml", "json")

#: ``distcheck graph`` refuses to export more states than this unless told otherwise
DEFAULT_EXPORT_CAP = 5_000
#: graphs up to this many states are also rendered to SVG (when graphviz is installed)
SVG_CAP = 300


@dataclass
class StateGraph:
    """The reachable graph of one model instance (see the module docstring)."""

    model: Model
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
            self.model.param_values())), complete=self.stats.complete)
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


def build(model: Model, bounds: Bounds | None = None) -> StateGraph:
    """Explore ``model`` breadth-first and keep every transition.

    A cut (``bounds``) stops expanding states; the graph then says so in
    ``cut`` and ``stats.complete`` is False.
    """
    bounds = bounds or Bounds()
    start = time.perf_counter()
    deadline = start + bounds.max_seconds if bounds.max_seconds is not None else None
    inits = model.initial_states()
    states: list[Any] = list(inits)
    index: dict[Any, int] = {s: i for i, s in enumerate(states)}
    depth_of = array("l", [0] * len(states))
    parent = array("l", [-1] * len(states))
    parent_label = array("l", [-1] * len(states))
    offsets, targets, edge_labels = array("q", [0]), array("q"), array("l")
    labels: list[Step] = []
    label_ids: list[dict[tuple, int]] = [{} for _ in model.actions]
    total = model.initial_generated  # repeats included, as the BFS counts them
    cut: str | None = None
    i = 0
    while i < len(states):
        depth = depth_of[i]
        if bounds.max_depth is not None and depth + 1 >= bounds.max_depth and _has_new(
            model, states[i], index
        ):
            cut = f"max-depth={bounds.max_depth} reached"
            break
        if bounds.max_states is not None and len(states) > bounds.max_states:
            cut = f"max-states={bounds.max_states} reached"
            break
        if deadline is not None and i & 255 == 0 and time.perf_counter() >= deadline:
            cut = f"max-seconds={bounds.max_seconds:g} reached"
            break
        s = states[i]
        a = args = None
        try:
            for a_index, a in enumerate(model.actions):
                call = a.call
                ids = label_ids[a_index]
                for args in a.static_args if a.static_args is not None else a.arguments(s):
                    t = call(s, *args)
                    if t is None:
                        continue
                    label = ids.get(args)
                    if label is None:
                        label = ids[args] = len(labels)
                        labels.append(a.step(args))
                    j = index.get(t)
                    if j is None:
                        j = index[t] = len(states)
                        states.append(t)
                        depth_of.append(depth + 1)
                        parent.append(i)
                        parent_label.append(label)
                    targets.append(j)
                    edge_labels.append(label)
        except ModelError:
            raise
        except Exception as exc:  # which domain, call or state broke is found again there
            raise explain_failure(model, [], s, a, args, exc) from exc
        total += len(targets) - offsets[-1]
        offsets.append(len(targets))
        i += 1
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


def _has_new(model: Model, s: Any, index: dict[Any, int]) -> bool:
    return any(t not in index for _, _, t in checked_transitions(model, s))


# --------------------------------------------------------------------------- export


def export(graph: StateGraph, fmt: str) -> str:
    """The graph as text in ``fmt`` (one of :data:`FORMATS`)."""
    import networkx as nx

    g = graph.to_networkx()
    if fmt == "json":
        try:
            data = nx.node_link_data(g, edges="edges")
        except TypeError:  # networkx < 3.4 calls the keyword "link"
            data = nx.node_link_data(g, link="edges")
        return json.dumps(data, indent=1, sort_keys=True) + "\n"
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(g)) + "\n"
    if fmt == "dot":
        return to_dot(g)
    raise BadInput(f"unknown graph format {fmt!r}; choose one of {', '.join(FORMATS)}")


def read(text: str, fmt: str) -> nx.MultiDiGraph:
    """Read back what :func:`export` wrote (node ids as ints, attributes typed)."""
    import networkx as nx

    if fmt == "json":
        data = json.loads(text)
        try:
            return nx.node_link_graph(data, edges="edges", multigraph=True, directed=True)
        except TypeError:  # networkx < 3.4
            return nx.node_link_graph(data, link="edges", multigraph=True, directed=True)
    if fmt == "graphml":
        g = nx.parse_graphml(text, node_type=int, edge_key_type=int, force_multigraph=True)
        g.graph.pop("node_default", None)  # GraphML bookkeeping, not ours
        g.graph.pop("edge_default", None)
        return g
    if fmt == "dot":
        return read_dot(text)
    raise BadInput(f"unknown graph format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(g: nx.MultiDiGraph) -> str:
    """DOT text for a graph made by :meth:`StateGraph.to_networkx`.

    Written by hand (networkx needs pydot or pygraphviz for DOT); every
    attribute is kept, so :func:`read_dot` restores the same graph.  Fault
    edges are dashed red, initial states bold.
    """
    lines = [f"digraph {_dot_quote(g.graph.get('model', 'model'))} {{"]
    for key in sorted(g.graph):
        lines.append(f"  graph [{key}={_dot_quote(json.dumps(g.graph[key]))}];")
    lines.append('  node [shape=box, fontname="monospace", fontsize=9];')
    lines.append('  edge [fontname="monospace", fontsize=9];')
    for n, attrs in g.nodes(data=True):
        style = ', style=bold' if attrs.get("initial") else ""
        lines.append(
            f"  {n} [label={_dot_quote(attrs['label'])}, initial={_dot_quote(json.dumps(attrs['initial']))}, "
            f"expanded={_dot_quote(json.dumps(attrs['expanded']))}{style}];"
        )
    for u, v, k, attrs in g.edges(keys=True, data=True):
        look = ', style=dashed, color=red' if attrs.get("fault") else ""
        lines.append(
            f"  {u} -> {v} [key={k}, label={_dot_quote(attrs['label'])}, action={_dot_quote(attrs['action'])}, "
            f"args={_dot_quote(attrs['args'])}, fault={_dot_quote(attrs['fault'])}{look}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


_DOT_STRING = r'"(?:[^"\\]|\\.)*"'
_DOT_ATTR = re.compile(rf"(\w+)=({_DOT_STRING}|[\w.]+)")
_DOT_NODE = re.compile(r"^\s*(\d+) \[(.*)\];$")
_DOT_EDGE = re.compile(r"^\s*(\d+) -> (\d+) \[(.*)\];$")
_DOT_GRAPH_ATTR = re.compile(rf"^\s*graph \[(\w+)=({_DOT_STRING})\];$")
_PRESENTATION = {"style", "color", "shape", "fontname", "fontsize"}


def _dot_unquote(text: str) -> str:
    if not text.startswith('"'):
        return text
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text[1:-1])


def _dot_attrs(text: str) -> dict[str, str]:
    return {k: _dot_unquote(v) for k, v in _DOT_ATTR.findall(text) if k not in _PRESENTATION}


def read_dot(text: str) -> nx.MultiDiGraph:
    """Parse DOT written by :func:`to_dot` (only that dialect) back into networkx."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for line in text.splitlines():
        if m := _DOT_GRAPH_ATTR.match(line):
            g.graph[m.group(1)] = json.loads(_dot_unquote(m.group(2)))
        elif m := _DOT_EDGE.match(line):
            attrs = _dot_attrs(m.group(3))
            key = int(attrs.pop("key"))
            g.add_edge(int(m.group(1)), int(m.group(2)), key=key, **attrs)
        elif m := _DOT_NODE.match(line):
            attrs: dict[str, Any] = _dot_attrs(m.group(2))
            attrs["initial"] = json.loads(attrs["initial"])
            attrs["expanded"] = json.loads(attrs["expanded"])
            g.add_node(int(m.group(1)), **attrs)
    return g


# --------------------------------------------------------------------------- CLI


def graphviz_note(dot_file: str) -> str:
    """What to tell a user who has no ``dot`` program."""
    return (
        "graphviz is not installed, so no SVG was drawn; install it with "
        f"'apt-get install graphviz' (or 'brew install graphviz'), then run "
        f"'dot -Tsvg {dot_file} -o {Path(dot_file).with_suffix('.svg')}'"
    )


def render_svg(dot_file: Path) -> Path | None:
    """Render ``dot_file`` to SVG next to it with graphviz; None when ``dot`` is missing."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    svg = dot_file.with_suffix(".svg")
    done = subprocess.run([dot, "-Tsvg", str(dot_file), "-o", str(svg)], capture_output=True,
                          text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise BadInput(f"graphviz could not render {dot_file}: {done.stderr.strip()[:200]}")
    return svg


def run_cli(model: Model, fmt: str | None, output: str | None, max_states: int | None) -> int:
    """``distcheck graph``: export the reachable graph of ``model``; 0 on success."""
    import sys

    if fmt is None:
        suffix = Path(output).suffix.lower() if output else ""
        fmt = {".graphml": "graphml", ".json": "json"}.get(suffix, "dot")
    cap = DEFAULT_EXPORT_CAP if max_states is None else max_states
    graph = build(model, Bounds(max_states=cap))
    if graph.cut is not None:
        raise BadInput(
            f"model {model.id} has more than {cap:,} reachable states; raise --max-states "
            "or choose smaller --param values for a graph you can read"
        )
    text = export(graph, fmt)
    summary = f"{len(graph):,} states, {graph.edge_count:,} transitions"
    if output is None:
        sys.stdout.write(text)
        print(f"distcheck: {model.id}: {summary}", file=sys.stderr)
        return 0
    path = Path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise cannot("write", output, exc) from None
    print(f"{model.id}: {summary} written to {path} ({fmt})")
    if fmt == "dot":
        if len(graph) > SVG_CAP:
            print(f"no SVG drawn: more than {SVG_CAP} states would not be readable")
        elif (svg := render_svg(path)) is not None:
            print(f"picture: {svg}")
        else:
            print(graphviz_note(str(path)))
    return 0
