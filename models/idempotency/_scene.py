"""The scene every idempotency model plays: one order, a client that retries, app servers.

A client places one order (key :data:`ORDER`: the order number or
idempotency key its request carries) through a load balancer in front of
``servers`` app servers.  The client sends the request (``client_send``) to
an idle server and waits for the answer; when none comes in time it gives up
on that call and sends the request again, to whichever server is idle, at
most ``retries`` times.  The abandoned copy is not recalled: its server goes
on and may still run the business step, which is how duplicates come to run
concurrently on different app servers.  An answer reaches the client only
for the call it still waits on; answers to abandoned calls are lost with
their connection, but every answer a server gives is kept in the model's
answer log, and every business effect in its effect log
(:mod:`distcheck.properties.effects`), apart from the mechanism under test.

State fields every model's state starts with (its store follows):
``client`` (ready | waiting | done), ``call`` (the server the client waits
on), ``retries_left``, ``pc`` and ``req`` per server (its phase and what the
copy it handles carries), ``answers`` and ``effects``.  Traces render one
lane per participant: ``client``, ``server <i>``, then the store.
"""

from __future__ import annotations

from typing import Any

from distcheck import Faults, Model, Param, action, lane, put, sometimes
from distcheck.contract.state import to_json
from distcheck.properties.effects import Effect, record
from distcheck.properties.idempotency import record_answer

#: the order the client places: its number is also the idempotency key
ORDER = "o1"
IDLE = "idle"
DOWN = "down"

CLIENT_FIELDS = ("client", "call", "retries_left")
SERVER_FIELDS = ("pc", "req")


class Scene(Model):
    """One client retrying one order through ``servers`` app servers (see the module docstring)."""

    servers = Param(2, at_least=1, at_most=4, doc="app servers behind the load balancer")
    retries = Param(1, at_least=0, at_most=3, doc="times the client sends again after a timeout")
    faults = Faults()
    #: the business effect each model counts (a debit, a row, a stock decrement)
    effect = "applied"
    lane_order = ("client", "server")  # then the store

    def scene(self, **store: Any) -> dict[str, Any]:
        """The initial client and servers, as state fields (the model adds its store and budgets)."""
        return dict(client="ready", call=None, retries_left=self.retries,
                    pc=(IDLE,) * self.servers, req=(None,) * self.servers,
                    answers=(), effects=(), **store)

    def describe(self, s: Any) -> dict[str, Any]:
        client = {("at" if f == "client" else f): to_json(getattr(s, f)) for f in CLIENT_FIELDS}
        servers = {str(i): {f: to_json(getattr(s, f)[i]) for f in SERVER_FIELDS}
                   for i in range(self.servers)}
        rest = {f: to_json(v) for f, v in zip(s._fields, s, strict=True)
                if f not in CLIENT_FIELDS + SERVER_FIELDS and self.in_play(f)}
        return {"client": client, "servers": servers, **rest}

    def in_play(self, field: str) -> bool:
        """Whether a state field means something here: a budget (``crashes_left``) the model has."""
        return not field.endswith("_left") or getattr(self, field[: -len("_left")], None) is not None

    # -- the client -------------------------------------------------------------------------

    def payload(self, s: Any) -> Any:
        """What a copy of the request carries (a token, a version, a request id)."""
        return ORDER

    def request_id(self, s: Any) -> str:
        """The id of the call the client is about to make: each call, a retry too, gets its own."""
        made = self.retries - s.retries_left + (0 if s.client == "ready" else 1)
        return f"r{made + 1}"

    @action(server="servers")
    @lane("client", to="server {server}")
    def client_send(self, s: Any, server: int):
        """Send the order to an idle app server; after a timeout, send it again (a new call)."""
        if s.pc[server] != IDLE:
            return None
        if s.client == "ready":
            retries_left = s.retries_left
        elif s.client == "waiting" and s.retries_left > 0:
            retries_left = s.retries_left - 1  # the call timed out: it is abandoned, not cancelled
        else:
            return None
        return s._replace(client="waiting", call=server, retries_left=retries_left,
                          pc=put(s.pc, server, "received"), req=put(s.req, server, self.payload(s)))

    def on_answer(self, s: Any, value: Any) -> Any:
        """How the client takes the answer to the call it waits on: by default it is done."""
        return s._replace(client="done", call=None)

    # -- the servers ------------------------------------------------------------------------

    def at(self, s: Any, server: int, phase: str, **changes: Any) -> Any:
        """``s`` with ``server`` in ``phase``."""
        return s._replace(pc=put(s.pc, server, phase), **changes)

    def apply(self, s: Any) -> Any:
        """``s`` with the business effect recorded (the step that runs the business)."""
        return s._replace(effects=record(s.effects, ORDER, self.effect))

    def reply(self, s: Any, server: int, value: Any, **changes: Any) -> Any:
        """``server`` answers ``value`` and is idle again; the client hears it if it still waits."""
        t = s._replace(pc=put(s.pc, server, IDLE), req=put(s.req, server, None),
                       answers=record_answer(s.answers, ORDER, value), **changes)
        if s.client == "waiting" and s.call == server:
            return self.on_answer(t, value)
        return t

    def crashed(self, s: Any, server: int) -> Any:
        """``server`` dies with the copy it was handling (its call times out at the client)."""
        return s._replace(pc=put(s.pc, server, DOWN), req=put(s.req, server, None))

    # -- effects ----------------------------------------------------------------------------

    def effects(self, s: Any) -> tuple[Effect, ...]:
        return s.effects

    @sometimes()
    def business_ran(self, s: Any) -> bool:
        """Sometimes the business step runs (the model is not vacuous)."""
        return bool(s.effects)
