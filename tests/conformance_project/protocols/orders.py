"""A shop's duplicate-request defences, checked by distcheck and run against SQLite and PostgreSQL.

A client's request is delivered twice (a retry after a timeout): two
handlers, ``h = 0`` and ``h = 1``, each with its own database connection,
process the same request.  IDP-4: the request carries the order's version
as the client read it, and the update applies only where the row still has
it.  IDP-6: the request inserts the order by its number, which a unique
constraint guards; sharding keeps that only while every copy of a request
is routed to the same shard.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Model, action, invariant, put

HANDLERS = 2


class Balance(NamedTuple):
    balance: int
    version: int
    applied: tuple[bool | None, ...]  # per handler: None until it ran, then whether it applied


class OptimisticUpdate(Model):
    """UPDATE orders SET paid = paid + 10, version = version + 1 WHERE id = 1 AND version = 0.

    Claims: IDP-4.  Both copies carry version 0; the first moves the row to
    version 1, so the second matches no row and the payment counts once.
    """

    id = "shop.optimistic_update"
    claims = ("IDP-4",)
    #: the WHERE clause compares the version the request carries
    versioned = True

    def init(self):
        yield Balance(0, 0, (None,) * HANDLERS)

    @action(h=HANDLERS)
    def apply(self, s: Balance, h: int):
        """The handler's UPDATE; ``applied`` is whether it changed a row."""
        if s.applied[h] is None:
            if self.versioned and s.version != 0:
                return s._replace(applied=put(s.applied, h, False))
            return s._replace(balance=s.balance + 10, version=s.version + 1,
                              applied=put(s.applied, h, True))

    @invariant(expect="holds")
    def paid_once(self, s: Balance) -> bool:
        """The duplicated payment counts once."""
        return s.balance <= 10


class UnversionedUpdate(OptimisticUpdate):
    """UPDATE orders SET paid = paid + 10 WHERE id = 1: no version in the WHERE clause.

    Both copies apply: the duplicate pays twice.
    """

    id = "shop.optimistic_update.unversioned"
    versioned = False
    expected = {"paid_once": "violated"}


class Orders(NamedTuple):
    rows: tuple[int, ...]  # rows with order number 42, per shard
    outcome: tuple[str, ...]  # per handler: pending | created | duplicate


class UniqueOrder(Model):
    """INSERT INTO orders (order_no) VALUES (42) under a unique constraint on order_no.

    Claims: IDP-6.  The second copy's INSERT violates the constraint and is
    answered as a duplicate: one row.
    """

    id = "shop.unique_order"
    claims = ("IDP-6",)
    shards = 1

    def shard_of(self, h: int) -> int:
        """Routing by the order number: every copy goes to the same shard."""
        return 0

    def init(self):
        yield Orders((0,) * self.shards, ("pending",) * HANDLERS)

    @action(h=HANDLERS)
    def insert(self, s: Orders, h: int):
        if s.outcome[h] == "pending":
            shard = self.shard_of(h)
            if s.rows[shard]:
                return s._replace(outcome=put(s.outcome, h, "duplicate"))
            return s._replace(rows=put(s.rows, shard, 1), outcome=put(s.outcome, h, "created"))

    @invariant(expect="holds")
    def one_row(self, s: Orders) -> bool:
        """At most one row for the order, over all shards."""
        return sum(s.rows) <= 1


class ShardedByRequest(UniqueOrder):
    """Two shards, each with the unique constraint, routed by request id: each copy elsewhere.

    Claims: IDP-6 (violated when routing differs per request).
    """

    id = "shop.unique_order.sharded_by_request"
    shards = 2
    expected = {"one_row": "violated"}

    def shard_of(self, h: int) -> int:
        return h  # a retry is a new request id, hashed to another shard
