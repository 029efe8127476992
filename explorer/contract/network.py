"""Models written as cooperating nodes that exchange messages, with faults and time.

A :class:`NodeModel` names its nodes, gives each an initial local state (a
NamedTuple), says which fields are ``durable`` (they survive a crash; the
others are reset to their initial values), and handles messages::

    class Ping(NodeModel):
        id = "examples.ping"
        faults = Faults(crash=1, drop=1)      # Params crashes=1, drops=1; restart admitted
        durable = ("count",)

        def setup(self):
            self.nodes = ("a", "b")

        def initial(self, node):
            return Counter(count=0, last=None)

        def initial_messages(self):
            return [send("a", "b", "ping")]

        def on_ping(self, me, n, msg, now):     # one method per message type
            return n._replace(count=n.count + 1), [msg.reply("pong")]

A handler returns ``(new local state, messages sent)`` or None when the node
cannot take the message now (it stays in flight).  Steps a node takes on its
own (a timer, a client's decision) are :func:`node_action` methods with the
same shape minus the message.  ``on_restart`` is the recovery hook.

The generic actions, named as the fault vocabulary names them, are
``deliver(msg)`` plus the faults ``crash(node)``, ``restart(node)``,
``drop(msg)``, ``duplicate(msg)``, ``partition(groups)``, ``heal()``,
``pause(node)``, ``resume(node)``, ``clock_jump(node, delta)``, ``tick()``
and ``drift(node, delta)`` (a ``tick``-kind step while ``max_drift > 0``);
each is present only if the model's ``faults`` declaration admits it and its
budget is not 0.

Network semantics: ``delivery = "unordered"`` (a bag: any in-flight message
may be delivered next) or ``"fifo"`` (per channel src->dst, only the oldest
message is deliverable).  Loss and duplication are the ``drop`` and
``duplicate`` faults; while partitioned, messages across the cut stay in
flight undelivered.  With ``inbox_lost_on_crash`` (default) a crash discards
the messages addressed to the node, as a real process loses its socket
buffers.

Time: ``now`` is the global tick (bounded by the ``horizon`` Param that
``Faults(tick=N)`` declares); each node reads its own clock ``now + skew``,
where the skew drifts within ``max_drift`` and jumps by ``jump_deltas`` under
``clock_jump``.  A paused node takes no step while ticks advance.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, NamedTuple

from distcheck.contract.compiled import register_action_filter
from distcheck.contract.errors import ModelError
from distcheck.contract.faults import BUDGET_PARAM, COMPANION, Faults
from distcheck.contract.model import Action, Domain, Model, action, fault
from distcheck.contract.state import canonical_text, put, to_json
from distcheck.contract.statecheck import register_value_type

UP, DOWN, PAUSED = "up", "down", "paused"
DELIVERY_MODES = ("unordered", "fifo")
CAUSE = {companion: kind for kind, companion in COMPANION.items()}


@register_value_type  # its identity, hash and rendering are its text, fixed when it is made
class Message:
    """An immutable message ``src -> dst``: a type (the handler's name) and optional data.

    It renders as one line, ``"p0->coord vote yes"`` (data other than a plain
    word as canonical JSON), which is also its identity and sort key, so bags
    of messages have one canonical order.
    """

    __slots__ = ("src", "dst", "type", "data", "text", "_hash")

    def __init__(self, src: str, dst: str, type: str, data: Any = None) -> None:
        self.src, self.dst, self.type, self.data = src, dst, type, data
        text = f"{src}->{dst} {type}"
        if data is not None:
            text += " " + _render(data)
        self.text = text
        self._hash = hash(text)

    @property
    def channel(self) -> tuple[str, str]:
        return (self.src, self.dst)

    def reply(self, type: str, data: Any = None) -> Message:
        """A message back to this message's sender."""
        return Message(self.dst, self.src, type, data)

    def to_json(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Message) and self.text == other.text)

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: Message) -> bool:
        return self.text < other.text

    def __repr__(self) -> str:
        return f"Message({self.text!r})"

    def __reduce__(self) -> tuple:
        return (Message, (self.src, self.dst, self.type, self.data))


def _render(data: Any) -> str:
    # A plain word needs no quotes: JSON renders nothing else as an identifier but these three.
    if isinstance(data, str) and data.isidentifier() and data not in ("true", "false", "null"):
        return data
    return canonical_text(to_json(data))


def send(src: str, dst: str, type: str, data: Any = None) -> Message:
    return Message(src, dst, type, data)


def broadcast(src: str, dsts: Iterable[str], type: str, data: Any = None) -> tuple[Message, ...]:
    """The same message from ``src`` to each of ``dsts``."""
    return tuple(Message(src, d, type, data) for d in dsts)


class World(NamedTuple):
    """The global state of a NodeModel (render it with ``model.describe``)."""

    nodes: tuple[Any, ...]  # each node's local state, in the order of model.nodes
    status: tuple[str, ...]  # up | down | paused
    net: tuple[Message, ...]  # in flight: sorted (unordered) or grouped by channel, oldest first
    now: int
    skew: tuple[int, ...]  # node clock = now + skew
    cut: tuple[int, ...]  # group of each node while partitioned, () when healed
    left: tuple[int, ...]  # remaining fault budgets, in the order of model.budget_kinds


#: a handler's result: the node's new local state and the messages it sends
Outcome = tuple[Any, Sequence[Message]] | None


def node_action(nodes: Domain, **domains: Domain) -> Callable[[Callable[..., Outcome]], Action]:
    """Declare a step a node takes on its own: ``fn(self, me, n, now, **args) -> Outcome``.

    ``nodes`` is the domain of nodes that may take it (``"participants"``);
    the step is enabled only while the node is up (not crashed, not paused)
    and ``fn`` does not return None.  In traces it reads ``fn_name(node=..)``.
    """

    def wrap(fn: Callable[..., Outcome]) -> Action:
        def run(model: NodeModel, s: World, node: str, *args: Any) -> World | None:
            return model.local_step(s, node, fn, args)

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        return Action(fn=run, domains={"node": nodes, **domains}, fault=None, name=fn.__name__)

    return wrap


class NodeModel(Model):
    """Base class of message-passing models (see the module docstring)."""

    #: "unordered" (a bag) or "fifo" (per channel)
    delivery: ClassVar[str] = "unordered"
    #: local-state fields that survive a crash; every other field is reset to its initial value
    durable: ClassVar[tuple[str, ...]] = ()
    #: a crash discards the messages in flight to the crashed node
    inbox_lost_on_crash: ClassVar[bool] = True
    #: how far (in ticks) a node's clock may drift from ``now`` on its own
    max_drift: ClassVar[int] = 0
    #: the jumps a ``clock_jump`` fault may make
    jump_deltas: ClassVar[tuple[int, ...]] = (-2, 2)
    #: fault kind -> attribute naming the nodes it may hit (default: every node)
    fault_targets: ClassVar[dict[str, str]] = {}
    faults = Faults()

    nodes: tuple[str, ...]

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if self.delivery not in DELIVERY_MODES:
            raise ModelError(f"model {self.id}: delivery must be one of {DELIVERY_MODES}")
        self.budget_kinds: tuple[str, ...] = self.faults.budgeted()
        self._budget_slot = {k: i for i, k in enumerate(self.budget_kinds)}
        self._prepare()

    # -- hooks for subclasses ---------------------------------------------------------------

    def initial(self, node: str) -> Any:
        """The local state of ``node`` at the start (and its volatile fields after a crash)."""
        raise NotImplementedError(f"model {self.id} defines no initial(node)")

    def initial_messages(self) -> Iterable[Message]:
        """Messages in flight at the start."""
        return ()

    def on_restart(self, me: str, n: Any, now: int) -> Outcome:
        """Recovery after a crash, reading the durable fields of ``n``; may send messages."""
        return n, ()

    def time_may_pass(self, s: World) -> bool:
        """Whether ``tick`` is enabled in ``s`` (besides the horizon); e.g. to bound work time."""
        return True

    # -- setup --------------------------------------------------------------------------------

    def setup(self) -> None:
        raise ModelError(f"model {self.id}: setup() must set self.nodes to a tuple of names")

    def _prepare(self) -> None:
        if not getattr(self, "nodes", None):
            raise ModelError(f"model {self.id}: setup() must set self.nodes to a tuple of names")
        self._index = {name: i for i, name in enumerate(self.nodes)}
        self._fresh = tuple(self.initial(name) for name in self.nodes)
        keep = []
        for name, local in zip(self.nodes, self._fresh, strict=True):
            if not hasattr(local, "_fields"):
                raise ModelError(
                    f"model {self.id}: initial({name!r}) must return a NamedTuple, not "
                    f"{type(local).__name__}"
                )
            keep.append(tuple(f in self.durable for f in local._fields))
        self._keep = tuple(keep)
        fields = {f for local in self._fresh for f in local._fields}
        stray = [f for f in self.durable if f not in fields]
        if stray:
            raise ModelError(f"model {self.id}: durable names {stray}, a field of no node's state")
        self._handlers: dict[str, Callable[..., Outcome]] = {}

    def init(self) -> Iterable[World]:
        count = len(self.nodes)
        left = tuple(self.faults.budget(k) or 0 for k in self.budget_kinds)
        yield World(
            nodes=self._fresh, status=(UP,) * count, net=self._enqueue((), self.initial_messages()),
            now=0, skew=(0,) * count, cut=(), left=left,
        )

    # -- reading the state (for properties and handlers) --------------------------------------

    def local(self, s: World, node: str) -> Any:
        return s.nodes[self._index[node]]

    def locals(self, s: World, nodes: Iterable[str]) -> list[Any]:
        return [s.nodes[self._index[n]] for n in nodes]

    def status_of(self, s: World, node: str) -> str:
        return s.status[self._index[node]]

    def clock(self, s: World, node: str) -> int:
        """The reading of ``node``'s own clock."""
        return s.now + s.skew[self._index[node]]

    def budget_left(self, s: World, kind: str) -> int:
        return s.left[self._budget_slot[kind]]

    def in_flight(self, s: World) -> tuple[Message, ...]:
        """Distinct messages in flight (each once, in the network's order)."""
        return tuple(dict.fromkeys(s.net))

    def deliverable(self, s: World) -> tuple[Message, ...]:
        """Messages that may be delivered next: to an up node, not across a partition."""
        out = []
        last = None
        for m in s.net:
            if self.delivery == "fifo":
                if m.channel == last:
                    continue
                last = m.channel
            elif m == last:
                continue
            else:
                last = m
            i = self._index[m.dst]
            if s.status[i] == UP and (not s.cut or s.cut[i] == s.cut[self._index[m.src]]):
                out.append(m)
        return tuple(out)

    def describe(self, s: World) -> dict[str, Any]:
        """Nodes by name, then the network and whichever fault and time state the model admits."""
        admits = type(self).faults.admits
        view: dict[str, Any] = {
            "nodes": {name: to_json(local) for name, local in zip(self.nodes, s.nodes, strict=True)}
        }
        if admits("crash") or admits("pause"):
            view["status"] = dict(zip(self.nodes, s.status, strict=True))
        if self.delivery == "fifo":
            channels: dict[str, list[Any]] = {}
            for m in s.net:
                content = m.text.split(" ", 1)[1]
                channels.setdefault(f"{m.src}->{m.dst}", []).append(content)
            view["net"] = channels
        else:
            view["net"] = {m.text: count for m, count in _counts(s.net)}
        if admits("tick"):
            view["now"] = s.now
        if admits("clock_jump") or (admits("tick") and self.max_drift > 0):
            view["clocks"] = {n: s.now + d for n, d in zip(self.nodes, s.skew, strict=True)}
        if admits("partition"):
            view["partition"] = self._groups(s.cut)
        if self.budget_kinds:
            view["faults_left"] = {BUDGET_PARAM[k]: v for k, v in
                                   zip(self.budget_kinds, s.left, strict=True)}
        return view

    # -- the machinery ------------------------------------------------------------------------

    def _enqueue(self, net: tuple[Message, ...], sends: Iterable[Message]) -> tuple[Message, ...]:
        sends = tuple(sends)
        if not sends:
            return net
        for m in sends:
            if m.dst not in self._index or m.src not in self._index:
                raise ModelError(f"model {self.id}: message {m.text!r} names an unknown node")
        if self.delivery == "fifo":  # stable: each channel keeps its sending order
            return tuple(sorted(net + sends, key=_channel_key))
        return tuple(sorted(net + sends))

    def _spend(self, s: World, kind: str) -> tuple[int, ...] | None:
        slot = self._budget_slot.get(kind)
        if slot is None:  # admitted without a budget
            return s.left
        if s.left[slot] <= 0:
            return None
        return put(s.left, slot, s.left[slot] - 1)

    def _apply(self, s: World, i: int, outcome: Outcome, net: tuple[Message, ...]) -> World:
        if not isinstance(outcome, tuple) or len(outcome) != 2 or hasattr(outcome, "_fields"):
            raise ModelError(
                f"model {self.id}: a handler must return (local state, messages sent) or None, "
                f"not {outcome!r}"[:300]
            )
        local, sends = outcome
        # the hot path of every protocol step: build the tuple directly rather than _replace
        return World(put(s.nodes, i, local), s.status, self._enqueue(net, sends), s.now, s.skew,
                     s.cut, s.left)

    def local_step(self, s: World, node: str, fn: Callable[..., Outcome], args: tuple) -> World | None:
        """Run a node's own step ``fn`` (see :func:`node_action`)."""
        i = self._index[node]
        if s.status[i] != UP:
            return None
        outcome = fn(self, node, s.nodes[i], s.now + s.skew[i], *args)
        if outcome is None:
            return None
        return self._apply(s, i, outcome, s.net)

    def _handler(self, type_: str) -> Callable[..., Outcome]:
        handler = self._handlers.get(type_)
        if handler is None:
            handler = getattr(self, "on_" + type_, None)
            if handler is None:
                raise ModelError(f"model {self.id}: no handler on_{type_} for {type_!r} messages")
            self._handlers[type_] = handler
        return handler

    def _groups(self, cut: tuple[int, ...]) -> list[list[str]]:
        if not cut:
            return []
        return [[n for n, g in zip(self.nodes, cut, strict=True) if g == group]
                for group in sorted(set(cut))]

    @property
    def partition_choices(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Every split of the nodes into two non-empty groups (the first holds nodes[0])."""
        first, rest = self.nodes[0], self.nodes[1:]
        out = []
        for size in range(len(rest)):
            for others in itertools.combinations(rest, size):
                group = (first, *others)
                out.append((group, tuple(n for n in rest if n not in others)))
        return tuple(out)

    def _targets(self, kind: str) -> tuple[str, ...]:
        name = self.fault_targets.get(kind)
        return tuple(getattr(self, name)) if name else self.nodes

    @property
    def crash_targets(self) -> tuple[str, ...]:
        return self._targets("crash")

    @property
    def pause_targets(self) -> tuple[str, ...]:
        return self._targets("pause")

    @property
    def clock_targets(self) -> tuple[str, ...]:
        return self._targets("clock_jump")

    # -- generic actions: delivery and the fault library ---------------------------------------

    @action(msg="deliverable")
    def deliver(self, s: World, msg: Message) -> World | None:
        # the domain offers only messages in the network to an up node
        i = self._index[msg.dst]
        outcome = self._handler(msg.type)(msg.dst, s.nodes[i], msg, s.now + s.skew[i])
        if outcome is None:
            return None
        k = s.net.index(msg)
        return self._apply(s, i, outcome, s.net[:k] + s.net[k + 1 :])

    @fault("crash", node="crash_targets")
    def crash(self, s: World, node: str) -> World | None:
        i = self._index[node]
        if s.status[i] == DOWN:
            return None
        left = self._spend(s, "crash")
        if left is None:
            return None
        current, fresh = s.nodes[i], self._fresh[i]
        reset = current._make(c if keep else f for c, f, keep in
                              zip(current, fresh, self._keep[i], strict=True))
        net = tuple(m for m in s.net if m.dst != node) if self.inbox_lost_on_crash else s.net
        return s._replace(nodes=put(s.nodes, i, reset), status=put(s.status, i, DOWN),
                          net=net, left=left)

    @fault("restart", node="crash_targets")
    def restart(self, s: World, node: str) -> World | None:
        i = self._index[node]
        if s.status[i] != DOWN:
            return None
        left = self._spend(s, "restart")
        if left is None:
            return None
        outcome = self.on_restart(node, s.nodes[i], s.now + s.skew[i])
        if outcome is None:
            return None
        return self._apply(s._replace(status=put(s.status, i, UP), left=left), i, outcome, s.net)

    @fault("drop", msg="in_flight")
    def drop(self, s: World, msg: Message) -> World | None:
        left = self._spend(s, "drop")  # the domain offers only messages in the network
        if left is None:
            return None
        k = s.net.index(msg)
        return s._replace(net=s.net[:k] + s.net[k + 1 :], left=left)

    @fault("duplicate", msg="in_flight")
    def duplicate(self, s: World, msg: Message) -> World | None:
        left = self._spend(s, "duplicate")
        if left is None:
            return None
        return s._replace(net=self._enqueue(s.net, (msg,)), left=left)

    @fault("partition", groups="partition_choices")
    def partition(self, s: World, groups: tuple[tuple[str, ...], ...]) -> World | None:
        if s.cut:
            return None
        left = self._spend(s, "partition")
        if left is None:
            return None
        cut = [0] * len(self.nodes)
        for g, members in enumerate(groups):
            for n in members:
                cut[self._index[n]] = g
        return s._replace(cut=tuple(cut), left=left)

    @fault("heal")
    def heal(self, s: World) -> World | None:
        if not s.cut:
            return None
        left = self._spend(s, "heal")
        if left is None:
            return None
        return s._replace(cut=(), left=left)

    @fault("pause", node="pause_targets")
    def pause(self, s: World, node: str) -> World | None:
        i = self._index[node]
        if s.status[i] != UP:
            return None
        left = self._spend(s, "pause")
        if left is None:
            return None
        return s._replace(status=put(s.status, i, PAUSED), left=left)

    @fault("resume", node="pause_targets")
    def resume(self, s: World, node: str) -> World | None:
        i = self._index[node]
        if s.status[i] != PAUSED:
            return None
        left = self._spend(s, "resume")
        if left is None:
            return None
        return s._replace(status=put(s.status, i, UP), left=left)

    @fault("clock_jump", node="clock_targets", delta="jump_deltas")
    def clock_jump(self, s: World, node: str, delta: int) -> World | None:
        i = self._index[node]
        if s.now + s.skew[i] + delta < 0:
            return None
        left = self._spend(s, "clock_jump")
        if left is None:
            return None
        return s._replace(skew=put(s.skew, i, s.skew[i] + delta), left=left)

    @fault("tick")
    def tick(self, s: World) -> World | None:
        if s.now >= self.horizon or not self.time_may_pass(s):  # type: ignore[attr-defined]
            return None
        return s._replace(now=s.now + 1)

    @fault("tick", node="nodes", delta=(-1, 1))
    def drift(self, s: World, node: str, delta: int) -> World | None:
        i = self._index[node]
        skew = s.skew[i] + delta
        if abs(skew) > self.max_drift or s.now + skew < 0:
            return None
        return s._replace(skew=put(s.skew, i, skew))


def _present(model: NodeModel, a: Action) -> bool:
    """Whether fault step ``a`` exists in ``model``: admitted, and its budget (or its cause's) not 0."""
    if a.fault is None:
        return True
    declaration: Faults = type(model).faults
    bound = model.faults
    if a.name == "drift":
        return declaration.admits("tick") and model.max_drift > 0
    cause = CAUSE.get(a.fault)  # a restart needs a crash first, and so on
    if cause is not None and bound.budget(cause) == 0:
        return False
    return declaration.admits(a.fault) and bound.budget(a.fault) != 0


register_action_filter(NodeModel, _present)


def _channel_key(m: Message) -> tuple[str, str]:
    return (m.src, m.dst)


def _counts(net: tuple[Message, ...]) -> list[tuple[Message, int]]:
    out: list[tuple[Message, int]] = []
    for m in net:
        if out and out[-1][0] == m:
            out[-1] = (m, out[-1][1] + 1)
        else:
            out.append((m, 1))
    return out
