"""The self-contained HTML report: one file that opens offline, for design reviews.

Per model: its claims and the claim text from its docstring, parameters, and
each property's expected and found verdict, engine, bounds, whether the
search was exhaustive, state counts and action coverage.  Per counterexample:
its step table and its sequence diagram drawn as inline SVG (one lane per
participant, arrows for message deliveries), and for small models the state
graph with the counterexample's path highlighted.  The verdict table sorts
by any column and filters by verdict.  No script, style or font is loaded
from anywhere: the page works with the network off.
"""

from __future__ import annotations

import html
import json
from typing import Any

from distcheck.contract.compiled import CompiledModel
from distcheck.contract.state import compact, describe_change, to_json
from distcheck.contract.verdict import Result, Trace
from distcheck.outputs.diagrams import SYSTEM, sequence_events
from distcheck.outputs.gate import tool_version

#: models with at most this many reachable states get their state graph drawn
MAX_GRAPH_STATES = 30

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0;cursor:pointer;user-select:none}
tr.differs td{background:#fde2e2} .ok{color:#176b1e} .bad{color:#b00020;font-weight:bold}
.steps td:nth-child(3){font-family:monospace;white-space:pre-wrap}
section{border-top:2px solid #ddd;margin-top:1.5em} .doc{white-space:pre-wrap;color:#444}
svg text{font:12px monospace} .controls{margin:.5em 0}
"""

_JS = """
function sortBy(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th);
const rows=[...t.tBodies[0].rows],asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
const key=r=>{const v=r.cells[i].dataset.v??r.cells[i].textContent;const n=parseFloat(v);
return isNaN(n)?v:n};rows.sort((a,b)=>{const x=key(a),y=key(b);
return (x>y?1:x<y?-1:0)*(asc?1:-1)});rows.forEach(r=>t.tBodies[0].appendChild(r))}
function filterRows(){const v=document.getElementById('verdict').value,
q=document.getElementById('text').value.toLowerCase();
for(const r of document.querySelectorAll('#verdicts tbody tr')){
const ok=(v==='all'||r.dataset.verdict===v||(v==='differs'&&r.classList.contains('differs')))
&&r.textContent.toLowerCase().includes(q);r.style.display=ok?'':'none'}}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def report(sections: list[tuple[CompiledModel, list[Result]]], graphs: dict[str, Any] | None = None,
           title: str = "distcheck report") -> str:
    """The page for ``sections`` (each model with its results); ``graphs`` maps a model id to
    its :class:`~distcheck.engines.graph.StateGraph` when it is small enough to draw."""
    graphs = graphs or {}
    results = [r for _, rs in sections for r in rs]
    differ = sum(1 for r in results if not r.as_expected)
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           f"<title>{_e(title)}</title><style>{_CSS}</style><script>{_JS}</script></head><body>",
           f"<h1>{_e(title)}</h1>",
           f"<p>distcheck {_e(tool_version())}: {len(sections)} models, {len(results)} verdicts, "
           f"<span class='{'bad' if differ else 'ok'}'>{differ} differ from the expected ones"
           "</span>.</p>",
           "<div class='controls'>verdict <select id='verdict' onchange='filterRows()'>",
           *(f"<option value='{v}'>{v}</option>" for v in
             ("all", "differs", "holds", "violated", "inconclusive", "reported")),
           "</select> text <input id='text' oninput='filterRows()'> (click a header to sort)</div>",
           _verdict_table(sections)]
    for model, rs in sections:
        out.append(_model_section(model, rs, graphs.get(model.id)))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _verdict_table(sections: list[tuple[CompiledModel, list[Result]]]) -> str:
    heads = ["model", "property", "claims", "expected", "verdict", "engine", "exhaustive",
             "distinct", "total", "depth", "coverage", "trace"]
    rows = ["<table id='verdicts'><thead><tr>"
            + "".join(f"<th onclick='sortBy(this)'>{h}</th>" for h in heads)
            + "</tr></thead><tbody>"]
    for model, rs in sections:
        for r in rs:
            explored = r.stats.total_states > 0
            cov = r.coverage.summary() if r.coverage is not None else "-"
            link = (f"<a href='#{_anchor(r)}'>{len(r.trace)} steps</a>"
                    if r.trace is not None else "")
            cells = [f"<a href='#{_e(model.id)}'>{_e(r.model)}</a>", _e(r.property),
                     _e(", ".join(r.claims)), _e(r.expected),
                     f"<span class='{'ok' if r.as_expected else 'bad'}'>{_e(r.shown_verdict)}</span>",
                     _e(r.engine), "yes" if r.stats.complete and not r.sampled else "no",
                     *(f"<td data-v='{v}'>{v:,}" if explored else "<td data-v='-1'>-"
                       for v in (r.stats.distinct_states, r.stats.total_states, r.stats.depth)),
                     _e(cov), link]
            cls = "" if r.as_expected else " class='differs'"
            rows.append(f"<tr data-verdict='{_e(r.verdict)}'{cls}>"
                        + "".join(c if c.startswith("<td") else f"<td>{c}" for c in cells)
                        + "</tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _anchor(r: Result) -> str:
    return _e(f"{r.model}.{r.property}")


def _model_section(model: CompiledModel, rs: list[Result], graph: Any) -> str:
    doc = (model.cls.__doc__ or "").strip()
    params = ", ".join(f"{k}={v!r}" for k, v in model.param_values.items()) or "none"
    out = [f"<section id='{_e(model.id)}'><h2>{_e(model.id)}</h2>",
           f"<p>claims {_e(', '.join(model.claims) or '-')}; parameters {_e(params)}</p>",
           f"<div class='doc'>{_e(doc)}</div>"]
    cov = next((r.coverage for r in rs if r.coverage is not None), None)
    if cov is not None:
        out.append(f"<p>coverage: {_e(cov.summary())}</p><table><tr><th>action</th><th>fault"
                   "</th><th>fired</th><th>new states</th><th>status</th></tr>"
                   + "".join(f"<tr><td>{_e(a.name)}</td><td>{_e(a.fault or '')}</td>"
                             f"<td>{a.fired:,}</td><td>{a.new:,}</td><td>{_e(a.status)}"
                             f"{(': ' + _e(a.why)) if a.why else ''}</td></tr>"
                             for a in cov.actions) + "</table>")
    for r in rs:
        if r.trace is None:
            continue
        out.append(f"<h3 id='{_anchor(r)}'>{_e(r.property)}: {_e(r.verdict)} "
                   f"(expected {_e(r.expected)})</h3><p>{_e(r.reason)}</p>")
        out.append(step_table_html(r.trace))
        out.append(sequence_svg(r.trace))
        if graph is not None:
            out.append(graph_svg(graph, r.trace))
    out.append("</section>")
    return "\n".join(out)


def step_table_html(trace: Trace) -> str:
    rows = ["<table class='steps'><tr><th>#</th><th>step</th><th>changes</th></tr>",
            f"<tr><td>0</td><td>initial state</td><td>{_e(compact(trace.initial))}</td></tr>"]
    for i, (st, diffs) in enumerate(zip(trace.steps, trace.changes(), strict=True), start=1):
        changes = "\n".join(describe_change(p, a, b) for p, a, b in diffs)
        label = st.label() + (f"  [fault: {st.fault}]" if st.fault else "")
        if trace.loop_start is not None and i == trace.loop_start + 1:
            label = f"loop starts here (at state {trace.loop_start})\n{label}"
        rows.append(f"<tr><td>{i}</td><td>{_e(label)}</td>"
                    f"<td>{_e(changes or '(state unchanged)')}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


# --------------------------------------------------------------------------- SVG drawings

_LANE_W, _ROW_H, _TOP = 150, 22, 40


def sequence_svg(trace: Trace) -> str:
    """The trace's sequence diagram as SVG: a lane per participant, arrows for deliveries."""
    lanes, events = sequence_events(trace)
    if SYSTEM not in lanes:
        lanes.append(SYSTEM)
    x = {lane: 80 + i * _LANE_W for i, lane in enumerate(lanes)}
    rows = sum(1 + len(ev.changes) for ev in events) + 2
    width = 80 + len(lanes) * _LANE_W + 220
    height = _TOP + rows * _ROW_H + 20
    out = [f"<svg class='sequence' xmlns='http://www.w3.org/2000/svg' width='{width}' "
           f"height='{height}' viewBox='0 0 {width} {height}'>",
           "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='8' "
           "markerHeight='8' orient='auto'><path d='M0,0L10,5L0,10z' fill='#1f4e9c'/></marker>"
           "</defs>"]
    for lane, lx in x.items():
        out.append(f"<line x1='{lx}' y1='{_TOP}' x2='{lx}' y2='{height - 10}' stroke='#bbb' "
                   "stroke-dasharray='4 3'/>")
        out.append(f"<rect x='{lx - 60}' y='8' width='120' height='24' rx='4' fill='#eef3fb' "
                   f"stroke='#1f4e9c'/><text x='{lx}' y='25' text-anchor='middle'>{_e(lane)}</text>")
    y = _TOP + _ROW_H
    for ev in events:
        if ev.loop_start:
            out.append(f"<rect x='10' y='{y - 16}' width='{width - 20}' height='{height - y}' "
                       "fill='#fff5dc' fill-opacity='0.5' stroke='#d9a400'/>"
                       f"<text x='14' y='{y - 4}' fill='#8a6d00'>loop: repeats forever</text>")
            y += _ROW_H
        label = f"{ev.index}. {ev.label}"
        if ev.src is not None and ev.dst is not None and ev.src != ev.dst:
            x1, x2 = x[ev.src], x[ev.dst]
            out.append(f"<line class='message' x1='{x1}' y1='{y}' x2='{x2}' y2='{y}' "
                       "stroke='#1f4e9c' stroke-width='1.5' marker-end='url(#arrow)'/>")
            out.append(f"<text x='{min(x1, x2) + 4}' y='{y - 4}'>{_e(label)}</text>")
            note_x = x[ev.dst]
        else:
            note_x = x[ev.lane]
            out.append(f"<circle cx='{note_x}' cy='{y - 4}' r='4' fill='#555'/>"
                       f"<text x='{note_x + 8}' y='{y}'>{_e(label)}</text>")
        for change in ev.changes:
            y += _ROW_H
            out.append(f"<text x='{note_x + 16}' y='{y}' fill='#666'>{_e(change)}</text>")
        y += _ROW_H
    out.append(f"<text x='10' y='{y}' fill='#b00020'>{_e(trace.message)}</text></svg>")
    return "\n".join(out)


def _state_lines(state: Any) -> list[str]:
    if isinstance(state, dict):
        return [f"{k}: {compact(v)}" for k, v in state.items()]
    return [compact(state)]


def graph_svg(graph: Any, trace: Trace | None = None) -> str:
    """A small state graph by BFS level, each state a box of ``field: value`` lines; the
    counterexample's states and steps in red."""
    model = graph.model
    described = [to_json(model.describe(s)) for s in graph.states]
    path: list[int] = []
    if trace is not None:
        where = {json.dumps(d, sort_keys=True): i for i, d in enumerate(described)}
        for state in [trace.initial, *(st.state for st in trace.steps)]:
            i = where.get(json.dumps(state, sort_keys=True))
            if i is None:
                path = []
                break
            path.append(i)
    on_path = set(zip(path, path[1:], strict=False))
    levels: dict[int, list[int]] = {}
    for i in range(len(graph)):
        levels.setdefault(graph.depth_of[i], []).append(i)
    lines = [_state_lines(d) for d in described]
    box_w = max(max((len(t) for t in ls), default=4) for ls in lines) * 7 + 12
    box_h = max(len(ls) for ls in lines) * 14 + 8
    gap_x, gap_y = 24, 50
    pos: dict[int, tuple[int, int]] = {}
    widest = max(len(v) for v in levels.values())
    for depth, members in sorted(levels.items()):
        offset = (widest - len(members)) * (box_w + gap_x) // 2
        for j, i in enumerate(members):
            pos[i] = (10 + offset + j * (box_w + gap_x), 10 + depth * (box_h + gap_y))
    width = 20 + widest * (box_w + gap_x)
    height = 20 + len(levels) * (box_h + gap_y)
    out = [f"<svg class='stategraph' xmlns='http://www.w3.org/2000/svg' width='{width}' "
           f"height='{height}' viewBox='0 0 {width} {height}'>"]
    for i in range(graph.expanded):
        for label, j in graph.out_edges(i):
            if i == j:
                continue
            (x1, y1), (x2, y2) = pos[i], pos[j]
            red = (i, j) in on_path
            out.append(f"<line x1='{x1 + box_w // 2}' y1='{y1 + box_h}' x2='{x2 + box_w // 2}' "
                       f"y2='{y2}' stroke='{'#d00' if red else '#aaa'}' "
                       f"stroke-width='{3 if red else 1}'><title>{_e(graph.labels[label])}</title>"
                       "</line>")
    for i, (px, py) in pos.items():
        red = i in path
        out.append(f"<rect x='{px}' y='{py}' width='{box_w}' height='{box_h}' rx='4' "
                   f"fill='{'#fde2e2' if red else '#fff'}' stroke='{'#d00' if red else '#888'}' "
                   f"stroke-width='{2 if red else 1}'/>")
        for k, text in enumerate(lines[i]):
            out.append(f"<text x='{px + 6}' y='{py + 16 + 14 * k}'>{_e(text)}</text>")
    out.append("</svg>")
    return "\n".join(out)
