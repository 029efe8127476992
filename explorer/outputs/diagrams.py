"""Traces as Mermaid sequence diagrams, for reviewers (GitHub and GitLab render them).

Lanes are the protocol's participants.  A model names them (``@lane`` on an
action: who takes the step and who receives its message, drawn as an arrow;
``lane_order`` orders them), and the trace's ``Reading`` carries what it
declared.  Otherwise they are the actors a trace names: the first argument of
a step that looks like a participant (``client=0`` -> lane ``client 0``; a node model's
``node='coord'`` -> lane ``coord``), one lane for the environment (faults,
ticks; a fault named after a role, ``redis_crash``, in that role's lane), and
one for steps without arguments.  A step whose argument is a message with a
sender and a receiver (a dict, or a node model's message text
``"p0->coord vote yes"``) is drawn as an arrow.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from distcheck.contract.state import describe_change
from distcheck.contract.verdict import Trace, TraceStep

SENDER_KEYS = ("src", "sender", "from", "frm")
RECEIVER_KEYS = ("dst", "receiver", "to")
ENVIRONMENT = "environment"
SYSTEM = "system"


def _lane_id(label: str) -> str:
    return re.sub(r"\W", "_", label)


#: how a NodeModel message renders in a trace: ``"p0->coord vote yes"``
MESSAGE_TEXT = re.compile(r"^([\w.-]+)->([\w.-]+) \w")


def _endpoints(args: dict[str, Any]) -> tuple[str, str] | None:
    for value in args.values():
        if isinstance(value, str):
            m = MESSAGE_TEXT.match(value)
            if m:
                return m.group(1), m.group(2)
        if isinstance(value, dict):
            src = next((value[k] for k in SENDER_KEYS if k in value), None)
            dst = next((value[k] for k in RECEIVER_KEYS if k in value), None)
            if src is not None and dst is not None:
                return str(src), str(dst)
    return None


def _actor(action: str, args: dict[str, Any]) -> str | None:
    """The lane of a step: ``rm_prepare(rm=0)`` -> ``rm 0``; ``tm_rcv_prepared(rm=0)`` -> ``tm``."""
    role = action.split("_", 1)[0] if "_" in action else None
    if isinstance(args.get("node"), str):  # a NodeModel step: the node is its own lane
        return args["node"]
    for name, value in args.items():
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            if role is None or role == name or role not in _ROLE_PREFIXES:
                return f"{name} {value}"
            return role
    return role if role in _ROLE_PREFIXES else None


# action-name prefixes that name a role rather than a verb
_ROLE_PREFIXES = {"tm", "rm", "tc", "coordinator", "participant", "client", "server", "store",
                  "node", "replica", "primary", "leader", "worker", "db", "redis", "zk", "resource"}


def _fault_lane(action: str) -> str:
    """A fault named after a role (``redis_crash``) happens in that role's lane, others in the environment's."""
    role = action.split("_", 1)[0] if "_" in action else None
    return role if role in _ROLE_PREFIXES else ENVIRONMENT


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    # Mermaid treats ; and # specially inside messages
    return text.replace(";", ",").replace("#", "no.")


@dataclass
class Event:
    """One step of a trace as a diagram draws it: an arrow ``src -> dst``, or a note on ``lane``."""

    index: int
    label: str
    lane: str
    changes: list[str]
    src: str | None = None
    dst: str | None = None
    #: the lasso's loop starts at this step
    loop_start: bool = False


def sequence_events(trace: Trace, max_changes: int = 4) -> tuple[list[str], list[Event]]:
    """The lanes (the model's ``lane_order`` first, then in order of appearance) and one
    event per step, for any renderer."""
    lanes: dict[str, None] = {}
    events: list[Event] = []
    declared = trace.reading.lanes if trace.reading is not None else []
    for i, (st, diffs) in enumerate(zip(trace.steps, trace.changes(), strict=True), start=1):
        changes = [describe_change(p, a, b, "→") for p, a, b in diffs]
        if len(changes) > max_changes:
            changes = changes[:max_changes] + [f"… {len(changes) - max_changes} more"]
        loop = trace.loop_start is not None and i == trace.loop_start + 1
        ends = _declared_ends(declared[i - 1] if i <= len(declared) else None, st.fault, st)
        if ends is not None and ends[1] is not None and ends[0] != ends[1]:
            lanes.update(dict.fromkeys(ends))
            events.append(Event(i, st.label(), ends[1], changes, ends[0], ends[1], loop))
        else:
            who = ends[0] if ends is not None else (
                _fault_lane(st.action) if st.fault else (_actor(st.action, st.args) or SYSTEM))
            lanes[who] = None
            events.append(Event(i, st.label(), who, changes, loop_start=loop))
    order = trace.reading.lane_order if trace.reading is not None else ()
    return sorted(lanes, key=lambda lane: _rank(lane, order)), events


def _declared_ends(declared: tuple[str, str | None] | None, fault: str | None,
                   st: TraceStep) -> tuple[str, str | None] | None:
    """Who took a step and who received it: as the model declares (``@lane``), else as its
    arguments show (a message with a sender and a receiver); a fault is never a delivery."""
    if declared is not None:
        return (declared[0], None) if fault else declared
    if fault:
        return None  # a dropped message is not delivered
    return _endpoints(st.args)


def _rank(lane: str, order: tuple[str, ...]) -> int:
    """A lane's place in the model's ``lane_order`` (``rm`` ranks ``rm 2``); others after."""
    for i, name in enumerate(order):
        if lane == name or lane.startswith(name + " "):
            return i
    return len(order)


def sequence_diagram(trace: Trace, max_changes: int = 4) -> str:
    """The trace as a Mermaid ``sequenceDiagram`` (one note or arrow per step)."""
    lanes: dict[str, str] = {}
    body: list[str] = []

    def lane(label: str) -> str:
        if label not in lanes:
            lanes[label] = _lane_id(label)
        return lanes[label]

    loop_open = False
    ordered_lanes, events = sequence_events(trace, max_changes)
    for label in ordered_lanes:
        lane(label)
    for ev in events:
        label = f"{ev.index}. {_text(ev.label)}"
        if ev.loop_start:
            body.append("    rect rgb(255, 245, 220)")
            loop_open = True
            body.append(f"    Note over {lane(SYSTEM)}: loop starts (repeats forever)")
        if ev.src is not None and ev.dst is not None:
            body.append(f"    {lane(ev.src)}->>{lane(ev.dst)}: {label}")
        else:
            body.append(f"    Note over {lane(ev.lane)}: {label}")
        if ev.changes:
            body.append(f"    Note right of {lane(ev.lane)}: "
                        f"{'<br/>'.join(_text(c) for c in ev.changes)}")
    if loop_open:
        body.append("    end")
    elif trace.loop_start is not None:
        body.append(f"    Note over {lane(SYSTEM)}: stops here forever (no step is enabled)")
    body.append(f"    Note over {lane(SYSTEM)}: {_text(trace.message)}")
    header = ["sequenceDiagram", f"    title {trace.model}: {trace.property}"]
    header += [f"    participant {lid} as {label}" for label, lid in lanes.items()]
    return "\n".join(header + body) + "\n"
