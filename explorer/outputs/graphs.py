"""The state graph as files: DOT, GraphML and node-link JSON, and ``distcheck graph``.

Each format reads back into an equal networkx graph (:func:`read`); small DOT
graphs are also drawn as SVG when graphviz is installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distcheck.contract.compiled import AnyModel
from distcheck.contract.errors import BadInput
from distcheck.contract.files import OutputPlan, write_atomic
from distcheck.engines.bfs import Bounds
from distcheck.engines.graph import StateGraph, build

if TYPE_CHECKING:  # networkx is imported where it is used: it takes most of a second to load
    import networkx as nx

FORMATS = ("dot", "graphml", "json")

#: ``distcheck graph`` refuses to export more states than this unless told otherwise
DEFAULT_EXPORT_CAP = 5_000
#: graphs up to this many states are also rendered to SVG (when graphviz is installed)
SVG_CAP = 300


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


def _format(output: str | None, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower() if output else ""
    return {".graphml": "graphml", ".json": "json"}.get(suffix, "dot")


def check_outputs(output: str, fmt: str | None) -> None:
    """BadInput, before any work, for an output path ``distcheck graph`` cannot write.

    A DOT file is drawn as SVG beside it (same name, ``.svg``), so ``-o x.svg``
    would be written as DOT and then overwritten by the picture: refused, and
    the SVG path is checked as an output too.
    """
    fmt = _format(output, fmt)
    plan = OutputPlan()
    plan.file(output, "--output")
    if fmt == "dot":
        if Path(output).suffix.lower() == ".svg":
            raise BadInput(f"--output {output}: distcheck graph writes DOT, GraphML or JSON, and "
                           f"draws the SVG beside a DOT file; give "
                           f"--output {Path(output).with_suffix('.dot')} (the picture is then "
                           f"{Path(output)})")
        if shutil.which("dot") is not None:
            plan.file(Path(output).with_suffix(".svg"), "the SVG picture")


def render_svg(dot_file: Path) -> Path | None:
    """Render ``dot_file`` to SVG next to it with graphviz; None when ``dot`` is missing.

    graphviz writes to a pipe, not the file, so the picture replaces the old
    one atomically and only as a regular file.
    """
    dot = shutil.which("dot")
    if dot is None:
        return None
    svg = dot_file.with_suffix(".svg")
    done = subprocess.run([dot, "-Tsvg", str(dot_file)], capture_output=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()[:200]
        raise BadInput(f"graphviz could not render {dot_file}: {message}")
    return write_atomic(svg, done.stdout, "the SVG picture")


def run_cli(model: AnyModel, fmt: str | None, output: str | None, max_states: int | None) -> int:
    """``distcheck graph``: export the reachable graph of ``model``; 0 on success."""
    import sys

    fmt = _format(output, fmt)
    if output is not None:
        check_outputs(output, fmt)
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
    path = write_atomic(output, text, "--output")
    print(f"{model.id}: {summary} written to {path} ({fmt})")
    if fmt == "dot":
        if len(graph) > SVG_CAP:
            print(f"no SVG drawn: more than {SVG_CAP} states would not be readable")
        elif (svg := render_svg(path)) is not None:
            print(f"picture: {svg}")
        else:
            print(graphviz_note(str(path)))
    return 0
