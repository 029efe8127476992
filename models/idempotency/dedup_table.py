"""A dedup table: a row per order number under a unique index, written with the business update.

Claims: IDP-8 (the dedup row inserted in the same local transaction as the
business update: exactly once; in a transaction of its own, a crash between
the two loses the payment when the dedup row comes first, as the seed
orders them, and doubles it when the payment comes first).

Seed §15: the order number is the unique key of a dedup table; the row is
inserted, then the business runs, in one transaction, so a duplicate fails
on the unique key and a failed business step rolls the dedup row back too;
the dedup table must live in the same database as the business table.  An
app server may crash at any point (and restart); the database rolls back
whatever that server had not committed.  In the one-transaction design the
dedup row also stores the answer, so a duplicate gets the first request's
answer; an insert of a key that another open transaction has inserted
waits for that transaction, as InnoDB and PostgreSQL do.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, action, fault, lane, put, sometimes
from distcheck.models.idempotency._scene import DOWN, IDLE, ORDER, Scene
from distcheck.properties import effects, idempotency
from distcheck.properties.effects import Effect
from distcheck.properties.idempotency import Answer


class Dd(NamedTuple):
    client: str
    call: int | None
    retries_left: int
    pc: tuple[str, ...]  # idle | received | checked | inserted | updated | down
    req: tuple[str | None, ...]  # the copy's request id
    answers: tuple[Answer, ...]
    effects: tuple[Effect, ...]  # committed payments
    dedup: str | None  # the committed dedup row for o1 (the stored answer), if any
    pending: int | None  # the server whose open transaction has inserted the dedup row
    crashes_left: int


def settled(self: Scene, s: Dd) -> bool:
    """The client is done and no copy is still on its way through a server."""
    return s.client == "done" and all(req is None for req in s.req)


class SameTransaction(Scene):
    """BEGIN; INSERT INTO dedup; UPDATE account; COMMIT: one local transaction.  Claims: IDP-8.

    Takeaway: put the dedup row in the business transaction.  Both commit or
    neither does, so a crash leaves either a paid order with its row (a
    retry gets the stored answer) or neither (a retry pays, once).
    """

    id = "idempotency.dedup_table"
    claims = ("IDP-8",)
    effect = "paid"
    faults = Faults(crash=1)  # an app server crash; restart comes with it

    def init(self):
        yield Dd(**self.scene(dedup=None, pending=None), **self.faults.initial())

    def payload(self, s: Dd) -> str:
        return self.request_id(s)

    def receipt(self, s: Dd, server: int) -> str:
        return f"payment {s.req[server]}"

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_insert_dedup(self, s: Dd, server: int):
        """BEGIN; INSERT INTO dedup (order_no, answer): a duplicate key gets the stored answer."""
        if s.pc[server] == "received":
            if s.dedup is not None:
                return self.reply(s, server, s.dedup)  # ROLLBACK, answer as the first did
            if s.pending is None:  # else the insert waits for the other transaction
                return self.at(s, server, "inserted", pending=server)

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_update(self, s: Dd, server: int):
        """UPDATE account SET balance = balance - amount (inside the transaction)."""
        if s.pc[server] == "inserted":
            return self.at(s, server, "updated")

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_commit(self, s: Dd, server: int):
        """COMMIT: the payment and the dedup row with its answer become durable together."""
        if s.pc[server] == "updated":
            answer = self.receipt(s, server)
            return self.reply(self.apply(s), server, answer, dedup=answer, pending=None)

    @fault("crash", server="servers")
    @lane("server {server}")
    def crash(self, s: Dd, server: int):
        """The app server dies; the database rolls back its open transaction."""
        if s.pc[server] != DOWN:
            pending = None if s.pending == server else s.pending
            return self.faults.spend(self.crashed(s, server), "crash", pending=pending)

    @fault("restart", server="servers")
    @lane("server {server}")
    def restart(self, s: Dd, server: int):
        if s.pc[server] == DOWN:
            return s._replace(pc=put(s.pc, server, IDLE))

    at_most_once = effects.at_most_once(lambda self, s: s.effects, claims=("IDP-8",))
    exactly_once = effects.exactly_once(lambda self, s: s.effects, lambda self, s: (ORDER,),
                                        settled, claims=("IDP-8",))
    same_answer = idempotency.same_answer(lambda self, s: s.answers, claims=("IDP-8",))

    @sometimes()
    def duplicate_refused(self, s: Dd) -> bool:
        """Sometimes a copy hits the duplicate key (the dedup row does fire)."""
        return len(s.answers) > len(s.effects)


class SeparateTransactions(SameTransaction):
    """INSERT INTO dedup and COMMIT, then the payment in a transaction of its own.  Claims: IDP-8.

    Takeaway: with the dedup row committed first, a crash before the
    payment leaves a row that says "done" for a payment that never
    happened: the retry is refused and the payment is lost.
    """

    id = "idempotency.dedup_table.separate_txn"
    server_commit = None
    same_answer = None  # the row is written before there is an answer to store
    expected = {"exactly_once": "violated"}

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_insert_dedup(self, s: Dd, server: int):
        """INSERT INTO dedup (order_no), committed at once: a duplicate key is refused."""
        if s.pc[server] == "received":
            if s.dedup is not None:
                return self.reply(s, server, "already processed")
            return self.at(s, server, "inserted", dedup="processed")

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_update(self, s: Dd, server: int):
        """UPDATE account ..., committed at once, and answer."""
        if s.pc[server] == "inserted":
            return self.reply(self.apply(s), server, self.receipt(s, server))


class PaymentFirst(SeparateTransactions):
    """Payment committed first, then the dedup row in its own transaction.  Claims: IDP-8.

    One app server, so no two copies run at once and the double payment
    comes from the crash alone (with ``--param servers=2`` two concurrent
    copies also both pass the SELECT).

    Takeaway: the other order of the two transactions fails the other way:
    a crash between them leaves a payment with no dedup row, and the retry
    pays again.  Two transactions are never exactly once.
    """

    id = "idempotency.dedup_table.separate_txn.payment_first"
    defaults = {"servers": 1}
    expected = {"exactly_once": "violated", "at_most_once": "violated"}
    duplicate_refused = None  # one server and a crash: no copy ever meets the row

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_select_dedup(self, s: Dd, server: int):
        """SELECT from dedup: a row means done; none, go on."""
        if s.pc[server] == "received":
            if s.dedup is not None:
                return self.reply(s, server, "already processed")
            return self.at(s, server, "checked")

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_update(self, s: Dd, server: int):
        """UPDATE account ..., committed at once."""
        if s.pc[server] == "checked":
            return self.at(self.apply(s), server, "updated")

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_insert_dedup(self, s: Dd, server: int):
        """INSERT INTO dedup (order_no), committed, and answer."""
        if s.pc[server] == "updated":
            return self.reply(s, server, self.receipt(s, server), dedup="processed")
