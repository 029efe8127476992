"""The local message table (transactional outbox): business row and message row in one transaction.

Claims: TX-7 (with an idempotent consumer the effect is exactly once;
without, at least once: the effect is applied twice).

An order service and a consumer (say, shipping) exchange messages over an
unordered network that may lose one message (``drops``); the order service
may crash once and restart (``crashes``), keeping its database (seed §13):

1. Placing the order writes the order row and an outbox row ("new") in one
   local transaction.
2. A relay in the order service polls the outbox and publishes every "new"
   row; it marks the row "sent" when the consumer acknowledges.  Until then
   it publishes again when its timer fires: at-least-once delivery, so the
   consumer may get copies (an acknowledgement lost, or the service crashed
   before marking the row).
3. The consumer applies the effect (ships the order).  An idempotent
   consumer records the message id in a processed table in the same local
   transaction as the effect, and only acknowledges a copy.

* ``transactions.local_message_table``: as above: every placed order is
  shipped exactly once.
* ``transactions.local_message_table.non_idempotent_consumer``: the consumer
  ships every copy it gets: a lost acknowledgement means two shipments.
* ``transactions.local_message_table.message_outside_transaction``: the
  order row and the outbox row are written by two local transactions; a
  crash between them loses the message: the order is never shipped.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Message, NodeModel, action, node_action, send, sometimes
from distcheck.properties import effects
from distcheck.properties.effects import Effect, record

ORDERS, CONSUMER = "orders", "consumer"
ORDER_ID = "o1"


class Orders(NamedTuple):
    order: bool  # durable: the order row exists
    outbox: str | None  # durable: the outbox row: None | new | sent
    writing: bool  # volatile: the request handler still has the message to write


class Consumer(NamedTuple):
    processed: frozenset[str]  # message ids handled (the dedup table)
    effects: tuple[Effect, ...]


class LocalMessageTable(NodeModel):
    """Outbox row in the business transaction, relay, idempotent consumer.  Claims: TX-7.

    Takeaway: write the message row in the same local transaction as the
    business row, and make the consumer idempotent (a processed-ids table in
    the consumer's own transaction): the relay can only promise at least
    once, the dedup table turns it into exactly once.
    """

    id = "transactions.local_message_table"
    claims = ("TX-7",)
    faults = Faults(crash=1, drop=1)
    durable = ("order", "outbox", "processed", "effects")
    fault_targets = {"crash": "service"}
    #: the consumer keeps processed message ids (False: it applies every copy)
    idempotent_consumer = True
    #: order row and outbox row in one local transaction (False: two)
    one_transaction = True
    may_be_dead = {"write_message": "the outbox row has a transaction of its own only when "
                                    "one_transaction = False"}
    design_choices = ("idempotent_consumer", "one_transaction")

    def setup(self) -> None:
        self.nodes = (ORDERS, CONSUMER)
        self.service = (ORDERS,)

    def initial(self, node: str):
        if node == ORDERS:
            return Orders(False, None, False)
        return Consumer(frozenset(), ())

    # -- order service ------------------------------------------------------------------

    @node_action(nodes=(ORDERS,))
    def place_order(self, me: str, n: Orders, now: int):
        """Write the order row (and, in one transaction, its outbox row)."""
        if not n.order:
            if self.one_transaction:
                return n._replace(order=True, outbox="new"), ()
            return n._replace(order=True, writing=True), ()

    @node_action(nodes=(ORDERS,))
    def write_message(self, me: str, n: Orders, now: int):
        """The second local transaction: the outbox row (only when it is separate)."""
        if n.writing:
            return n._replace(outbox="new", writing=False), ()

    @action(node=(ORDERS,))
    def relay_publish(self, s, node: str):
        """The relay finds a "new" outbox row and publishes it (again, once its timer fires)."""
        if not any({m.src, m.dst} == {ORDERS, CONSUMER} for m in s.net):
            return self.local_step(s, node, type(self).publish, ())

    def publish(self, me: str, n: Orders, now: int):
        if n.outbox == "new":
            return n, [send(me, CONSUMER, "order_placed", ORDER_ID)]

    def on_ack(self, me: str, n: Orders, msg: Message, now: int):
        return n._replace(outbox="sent"), ()

    # -- consumer -----------------------------------------------------------------------

    def on_order_placed(self, me: str, n: Consumer, msg: Message, now: int):
        if self.idempotent_consumer and msg.data in n.processed:
            return n, [msg.reply("ack")]
        return (n._replace(processed=n.processed | {msg.data},
                           effects=record(n.effects, msg.data, "shipped")),
                [msg.reply("ack")])

    # -- properties ---------------------------------------------------------------------

    def log(self, s) -> tuple[Effect, ...]:
        return self.local(s, CONSUMER).effects

    def placed(self, s) -> list[str]:
        return [ORDER_ID] if self.local(s, ORDERS).order else []

    def quiescent(self, s) -> bool:
        """Nothing more will happen: the service is up, idle, nothing new in the outbox or in flight."""
        n = self.local(s, ORDERS)
        return (self.status_of(s, ORDERS) == "up" and not s.net and n.outbox != "new"
                and not n.writing)

    shipped_at_most_once = effects.at_most_once(
        log, effect="shipped", claims=("TX-7",), doc="No order is shipped twice.")
    shipped_exactly_once = effects.exactly_once(
        log, placed, quiescent, effect="shipped", claims=("TX-7",),
        doc="When everything has settled, every placed order is shipped exactly once.")

    @sometimes()
    def shipped(self, s) -> bool:
        """Sometimes the order is shipped (the protocol is not vacuous)."""
        return bool(self.log(s))


class NonIdempotentConsumer(LocalMessageTable):
    """Local message table whose consumer applies every copy.  Claims: TX-7 (broken).

    Takeaway: the relay's delivery is at least once, so a consumer without
    dedup ships an order twice when one acknowledgement is lost.
    """

    id = "transactions.local_message_table.non_idempotent_consumer"
    idempotent_consumer = False
    expected = {"shipped_at_most_once": "violated", "shipped_exactly_once": "violated"}


class MessageOutsideTransaction(LocalMessageTable):
    """The outbox row is written in a second local transaction.  Claims: TX-7 (broken).

    Takeaway: a crash between the two commits leaves an order without its
    message: nothing will ever publish it.  The outbox row belongs in the
    business transaction.
    """

    id = "transactions.local_message_table.message_outside_transaction"
    one_transaction = False
    expected = {"shipped_exactly_once": "violated"}
