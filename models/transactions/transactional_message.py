"""Transactional messages (RocketMQ style): half message, local transaction, check-back.

Claims: TX-6 (the message is delivered to consumers if and only if the
producer's local transaction committed -- eventually, given a broker that
checks back).

A producer, a broker and a consumer exchange messages over an unordered
network that may lose one message (``drops``), seed §10:

1. The producer sends a *half message*; the broker stores it, invisible to
   consumers, and acknowledges.
2. The producer runs its local transaction: commit or roll back.
3. It tells the broker the outcome (end commit / end rollback); the broker
   then makes the message visible and delivers it, or deletes it.
4. If the outcome never arrives (lost, or the producer died between its
   commit and the message), the broker *checks back*: it asks the producer,
   which answers from its database (commit, rollback, or "unknown" while the
   local transaction is still running, and the broker asks again later).

The broker delivers a visible message until the consumer acknowledges it,
and the consumer keeps the ids it has processed, so a redelivery is
harmless here (the effect-once question is TX-7's).

* ``transactions.transactional_message``: as above.  Delivered iff
  committed, and a committed transaction's message is eventually consumed.
* ``transactions.transactional_message.no_check_back``: the broker never
  asks.  A lost "end commit" leaves the half message pending forever: the
  order committed, its message is never delivered.
* ``transactions.transactional_message.send_before_commit``: no half
  message: the producer publishes a normal message, then runs its local
  transaction, which may roll back after the consumer has acted.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import (
    Faults,
    Message,
    NodeModel,
    action,
    invariant,
    leads_to,
    node_action,
    send,
    sometimes,
)
from distcheck.properties.effects import Effect, record

PRODUCER, BROKER, CONSUMER = "producer", "broker", "consumer"
MSG_ID = "m1"


class Producer(NamedTuple):
    db: str | None  # the local transaction: None (not run) | committed | rolled_back
    step: str  # init | sent | ready (half message acknowledged: run the local transaction)


class Broker(NamedTuple):
    half: str | None  # None | pending | committed | rolled_back
    acked: bool  # the consumer acknowledged the visible message


class Consumer(NamedTuple):
    processed: frozenset[str]  # message ids already handled (dedup)
    effects: tuple[Effect, ...]


class TransactionalMessage(NodeModel):
    """Half message + local transaction + commit/rollback + broker check-back.  Claims: TX-6.

    Takeaway: the half message makes "send" and "commit" one outcome, and the
    check-back is what closes the gap when the producer's last word is lost:
    implement the check-back listener from the local database, and make it
    answer "unknown" while the local transaction is still running.
    """

    id = "transactions.transactional_message"
    claims = ("TX-6",)
    faults = Faults(drop=1)
    weak_fair = ("all_protocol",)
    #: the producer sends a half message first (False: a normal message, before the commit)
    half_message = True
    design_choices = ("half_message",)

    def setup(self) -> None:
        self.nodes = (PRODUCER, BROKER, CONSUMER)

    def initial(self, node: str):
        return {PRODUCER: Producer(None, "init"), BROKER: Broker(None, False),
                CONSUMER: Consumer(frozenset(), ())}[node]

    # -- producer -----------------------------------------------------------------------

    @node_action(nodes=(PRODUCER,))
    def send_half(self, me: str, n: Producer, now: int):
        """Send the message as a half message (or, without half messages, publish it)."""
        if n.step == "init":
            if self.half_message:
                return n._replace(step="sent"), [send(me, BROKER, "half", MSG_ID)]
            return n._replace(step="ready"), [send(me, BROKER, "publish", MSG_ID)]

    def on_half_ok(self, me: str, n: Producer, msg: Message, now: int):
        if n.step != "sent":
            return n, ()  # it gave up already
        return n._replace(step="ready"), ()

    @node_action(nodes=(PRODUCER,))
    def half_timeout(self, me: str, n: Producer, now: int):
        """The half message was not acknowledged in time: never run the local transaction."""
        if n.step == "sent":
            return n._replace(step="ready", db="rolled_back"), self.outcome(me, "rollback")

    @node_action(nodes=(PRODUCER,))
    def commit_local(self, me: str, n: Producer, now: int):
        """The local transaction commits; tell the broker."""
        if n.step == "ready" and n.db is None:
            return n._replace(db="committed"), self.outcome(me, "commit")

    @node_action(nodes=(PRODUCER,))
    def rollback_local(self, me: str, n: Producer, now: int):
        """The local transaction rolls back; tell the broker."""
        if n.step == "ready" and n.db is None:
            return n._replace(db="rolled_back"), self.outcome(me, "rollback")

    def outcome(self, me: str, what: str) -> list[Message]:
        return [send(me, BROKER, "end", what)] if self.half_message else []

    def on_check(self, me: str, n: Producer, msg: Message, now: int):
        answer = {"committed": "commit", "rolled_back": "rollback"}.get(n.db or "", "unknown")
        return n, [msg.reply("end", answer)]

    # -- broker -------------------------------------------------------------------------

    def on_half(self, me: str, n: Broker, msg: Message, now: int):
        return n._replace(half="pending"), [msg.reply("half_ok")]

    def on_publish(self, me: str, n: Broker, msg: Message, now: int):
        return n._replace(half="committed"), [send(me, CONSUMER, "message", MSG_ID)]

    def on_end(self, me: str, n: Broker, msg: Message, now: int):
        if n.half != "pending" or msg.data == "unknown":
            return n, ()
        if msg.data == "commit":
            return n._replace(half="committed"), [send(me, CONSUMER, "message", MSG_ID)]
        return n._replace(half="rolled_back"), ()

    def quiet(self, s, a: str, b: str) -> bool:
        """No message is in flight between ``a`` and ``b`` (a timer waits for the last one)."""
        return not any({m.src, m.dst} == {a, b} for m in s.net)

    @action(node=(BROKER,))
    def check_back(self, s, node: str):
        """A half message pending too long: ask the producer for its outcome."""
        if self.quiet(s, BROKER, PRODUCER):
            return self.local_step(s, node, type(self).ask_producer, ())

    def ask_producer(self, me: str, n: Broker, now: int):
        if n.half == "pending":
            return n, [send(me, PRODUCER, "check")]

    @action(node=(BROKER,))
    def redeliver(self, s, node: str):
        """A visible message not acknowledged in time: deliver it again (at least once)."""
        if self.quiet(s, BROKER, CONSUMER):
            return self.local_step(s, node, type(self).deliver_again, ())

    def deliver_again(self, me: str, n: Broker, now: int):
        if n.half == "committed" and not n.acked:
            return n, [send(me, CONSUMER, "message", MSG_ID)]

    def on_consumed(self, me: str, n: Broker, msg: Message, now: int):
        return n._replace(acked=True), ()

    # -- consumer -----------------------------------------------------------------------

    def on_message(self, me: str, n: Consumer, msg: Message, now: int):
        if msg.data in n.processed:
            return n, [msg.reply("consumed")]
        return (n._replace(processed=n.processed | {msg.data},
                           effects=record(n.effects, msg.data, "consumed")),
                [msg.reply("consumed")])

    # -- properties ---------------------------------------------------------------------

    def committed(self, s) -> bool:
        return self.local(s, PRODUCER).db == "committed"

    def consumed(self, s) -> bool:
        return bool(self.local(s, CONSUMER).effects)

    def half_pending(self, s) -> bool:
        return self.local(s, BROKER).half == "pending"

    def half_resolved_fn(self, s) -> bool:
        return self.local(s, BROKER).half in ("committed", "rolled_back")

    @sometimes()
    def consumed_after_commit(self, s) -> bool:
        """Sometimes the local transaction commits and the consumer gets the message."""
        return self.committed(s) and self.consumed(s)

    @invariant(claims=("TX-6",))
    def delivered_only_if_committed(self, s) -> bool:
        """No consumer ever gets the message of a rolled-back local transaction."""
        return not (self.consumed(s) and self.local(s, PRODUCER).db == "rolled_back")

    committed_is_delivered = leads_to(
        committed, consumed, claims=("TX-6",),
        doc="Once the local transaction has committed, the consumer eventually gets the message.")
    half_resolved = leads_to(
        half_pending, half_resolved_fn, claims=("TX-6",),
        doc="A pending half message is eventually committed or rolled back (none is left behind).")


class NoCheckBack(TransactionalMessage):
    """Transactional message whose broker never checks back.  Claims: TX-6 (broken).

    Takeaway: without the check-back, one lost "end commit" (or a producer
    that dies right after its commit) strands the half message: the
    transaction committed and its message is never delivered.
    """

    id = "transactions.transactional_message.no_check_back"
    check_back = None
    expected = {"committed_is_delivered": "violated", "half_resolved": "violated"}


class SendBeforeCommit(TransactionalMessage):
    """The producer publishes a normal message, then runs its local transaction.  Claims: TX-6 (broken).

    Takeaway: a message sent before the commit is a promise the rollback
    cannot take back: the consumer acts on an order that never existed.  And
    nothing sends it again: if the publish is lost, a committed order's
    message is never delivered either.
    """

    id = "transactions.transactional_message.send_before_commit"
    may_be_dead = {"half_timeout": "no half message is sent in this variant",
                   "check_back": "no half message is sent in this variant"}
    half_message = False
    expected = {"delivered_only_if_committed": "violated", "committed_is_delivered": "violated"}
