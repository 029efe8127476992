"""A pessimistic row lock: SELECT ... FOR UPDATE serializes the duplicates; a processed check stops the second.

Claims: IDP-5 (the row lock serializes duplicates, and with a check of the
order's status under the lock the payment runs once; without the check it
runs once per copy, one after the other).

Each app server runs one local transaction: ``BEGIN; SELECT status FROM
orders WHERE no = 'o1' FOR UPDATE`` (waiting while another transaction holds
the row), then pays and sets the status to paid, and ``COMMIT`` releases
the lock.  An app server may crash inside its transaction: the database
rolls it back and releases the lock, and the client times out and retries.
Seed §15 says the same of a business-level distributed lock: whoever gets the
lock must first check whether the data was already processed.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, action, fault, lane, sometimes
from distcheck.models.idempotency._scene import DOWN, Scene
from distcheck.properties import effects
from distcheck.properties.effects import Effect
from distcheck.properties.idempotency import Answer


class Pess(NamedTuple):
    client: str
    call: int | None
    retries_left: int
    pc: tuple[str, ...]  # idle | received | locked | down
    req: tuple[str | None, ...]
    answers: tuple[Answer, ...]
    effects: tuple[Effect, ...]
    status: str  # the order row's committed status: new | paid
    lock: int | None  # the server whose transaction holds the row lock
    crashes_left: int


class RowLockProcessedCheck(Scene):
    """SELECT ... FOR UPDATE, then pay only if the order is not paid yet.  Claims: IDP-5.

    Takeaway: the lock only orders the duplicates; the check under the lock
    is what makes the second one a no-op.  A crash inside the transaction
    rolls it back and frees the row, so a retry finds the order unpaid.
    """

    id = "idempotency.pessimistic"
    claims = ("IDP-5",)
    effect = "paid"
    faults = Faults(crash=1, restart=False)  # an app server dies inside its transaction
    processed_check = True

    def init(self):
        yield Pess(**self.scene(status="new", lock=None), **self.faults.initial())

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_select_for_update(self, s: Pess, server: int):
        """BEGIN; SELECT status FROM orders WHERE no = 'o1' FOR UPDATE (blocks while locked)."""
        if s.pc[server] == "received" and s.lock is None:
            return self.at(s, server, "locked", lock=server)

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_pay(self, s: Pess, server: int):
        """Pay and set status = 'paid' (unless the check finds it paid); COMMIT frees the row."""
        if s.pc[server] == "locked":
            if self.processed_check and s.status == "paid":
                return self.reply(s, server, "already paid", lock=None)
            return self.reply(self.apply(s), server, "paid", status="paid", lock=None)

    @fault("crash", server="servers")
    @lane("server {server}")
    def crash(self, s: Pess, server: int):
        """The app server dies; the database rolls its transaction back and frees the row."""
        if s.pc[server] != DOWN:
            lock = None if s.lock == server else s.lock
            return self.faults.spend(self.crashed(s, server), "crash", lock=lock)

    at_most_once = effects.at_most_once(lambda self, s: s.effects, claims=("IDP-5",))

    @sometimes()
    def duplicate_waited_for_the_lock(self, s: Pess) -> bool:
        """Sometimes a copy waits at the SELECT while another holds the row."""
        return s.lock is not None and any(
            pc == "received" for i, pc in enumerate(s.pc) if i != s.lock)


class RowLockNoCheck(RowLockProcessedCheck):
    """SELECT ... FOR UPDATE, then pay, with no check of the status.  Claims: IDP-5 (broken form).

    Takeaway: serialized is not deduplicated: the second copy waits for the
    lock, gets it, and pays again.
    """

    id = "idempotency.pessimistic.no_check"
    processed_check = False
    at_most_once = effects.at_most_once(lambda self, s: s.effects, expect="violated",
                                        claims=("IDP-5",))
