"""A shop's duplicate-request defence, checked by distcheck and run against SQLite.

A user's own project (the bundled idempotency family has its own adapters
in distcheck.conformance): a client's request is delivered twice (a retry
after a timeout): two handlers, ``h = 0`` and ``h = 1``, each with its own
database connection, process the same request.  IDP-4: the request carries
the order's version as the client read it, and the update applies only
where the row still has it.
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
