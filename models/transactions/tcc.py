"""TCC (Try / Confirm / Cancel) with a coordinator that times out and retries.

Claims: TX-5 (Confirm and Cancel retried by the coordinator take effect
once only if the branch handlers are idempotent), TX-5b (empty rollback: a
Cancel that arrives before its Try must succeed without releasing anything),
TX-5c (hanging: a Try that arrives after its Cancel must be rejected, or its
reservation is left behind forever).

A transaction manager ``tm`` and ``branches`` branch services (say, the
accounts a transfer touches) exchange messages over an unordered network, so
a late Try may arrive after the Cancel that was sent because of it (seed
§10-§11):

* Try: each branch checks and reserves (``frozen`` += 1) and replies.
* With every Try answered, the TM sends Confirm, which turns the
  reservation into the real change (``frozen`` -= 1, the debit applied).
* A Try that does not answer in time makes the TM give up: it sends Cancel,
  which releases the reservation (``frozen`` -= 1).
* Confirm and Cancel must succeed, so the TM re-sends one that has not been
  acknowledged when its timer fires (``retries`` re-sends in all); a timer
  fires whether the first copy was lost, is slow, or was applied and only
  its acknowledgement is slow.

Each branch keeps an **effect log** apart from its handlers (``reserve``,
``confirm``, ``release``), and may keep a **status record** per transaction
(Seata's ``tcc_fence_log``: tried / confirmed / cancelled, written in the same
local transaction as the business change).  The fixed design uses it three
ways; each broken variant forgets one:

* ``transactions.tcc``: all three: a repeated Confirm or Cancel finds its
  status and only acknowledges (idempotent); a Cancel with no Try record
  writes "cancelled" and releases nothing (empty rollback); a Try that finds
  "cancelled" is rejected (no hanging).  Every property holds.
* ``transactions.tcc.not_idempotent`` (TX-5): handlers apply every copy:
  a retried Confirm debits twice.
* ``transactions.tcc.empty_rollback_unhandled`` (TX-5b): Cancel releases
  whatever Try would have reserved, even when Try never arrived.
* ``transactions.tcc.hanging_not_rejected`` (TX-5c): a Try arriving after
  its Cancel reserves anyway; nobody will ever cancel it again.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Message, NodeModel, Param, broadcast, node_action, send, sometimes
from distcheck.properties import effects, transactions
from distcheck.properties.effects import Effect, record

TM = "tm"


class Manager(NamedTuple):
    phase: str  # init | trying | confirming | cancelling | done
    tried: frozenset[str]  # branches whose Try succeeded
    acked: frozenset[str]  # branches that acknowledged Confirm / Cancel
    retries_left: int


class Branch(NamedTuple):
    frozen: int  # units reserved by Try and not yet confirmed or released
    status: str | None  # the status record: None | tried | confirmed | cancelled
    effects: tuple[Effect, ...]  # what the handlers did, for the properties


class Tcc(NodeModel):
    """TCC whose branches keep a status record per transaction.  Claims: TX-5, TX-5b, TX-5c.

    Takeaway: use a status record for TCC branches, written in the same local
    transaction as the reservation or its release: it makes Confirm and
    Cancel idempotent, lets an empty rollback succeed without releasing
    anything, and rejects a Try that comes after its Cancel.
    """

    id = "transactions.tcc"
    claims = ("TX-5", "TX-5b", "TX-5c")
    branches = Param(2, at_least=1, at_most=4, doc="number of branch services")
    retries = Param(1, at_least=0, at_most=3,
                    doc="Confirm/Cancel re-sends the TM makes when its timer fires")
    #: how the branch handlers use the status record (the variants turn one off)
    idempotent = True
    empty_rollback = True
    reject_hanging = True
    design_choices = ("idempotent", "empty_rollback", "reject_hanging")

    def setup(self) -> None:
        self.members = tuple(f"b{i}" for i in range(self.branches))
        self.nodes = (TM, *self.members)

    def initial(self, node: str):
        if node == TM:
            return Manager("init", frozenset(), frozenset(), self.retries)
        return Branch(0, None, ())

    # -- transaction manager ------------------------------------------------------------

    @node_action(nodes=(TM,))
    def begin(self, me: str, n: Manager, now: int):
        """Phase 1: send Try to every branch."""
        if n.phase == "init":
            return n._replace(phase="trying"), broadcast(me, self.members, "try")

    def on_tried(self, me: str, n: Manager, msg: Message, now: int):
        if n.phase != "trying":
            return n, ()  # a late answer: the TM has moved on
        if msg.data == "rejected":
            return self.decide(me, n, "cancelling")
        tried = n.tried | {msg.src}
        if len(tried) == len(self.members):
            return self.decide(me, n._replace(tried=tried), "confirming")
        return n._replace(tried=tried), ()

    @node_action(nodes=(TM,))
    def try_timeout(self, me: str, n: Manager, now: int):
        """A Try has not answered in time: roll the transaction back."""
        if n.phase == "trying":
            return self.decide(me, n, "cancelling")

    def decide(self, me: str, n: Manager, phase: str):
        what = "confirm" if phase == "confirming" else "cancel"
        return n._replace(phase=phase), broadcast(me, self.members, what)

    @node_action(nodes=(TM,), to="members")
    def retry(self, me: str, n: Manager, now: int, to: str):
        """The timer fires for an unacknowledged Confirm or Cancel: send it again."""
        if n.phase in ("confirming", "cancelling") and to not in n.acked and n.retries_left:
            what = "confirm" if n.phase == "confirming" else "cancel"
            return n._replace(retries_left=n.retries_left - 1), [send(me, to, what)]

    def on_ack(self, me: str, n: Manager, msg: Message, now: int):
        if n.phase not in ("confirming", "cancelling"):
            return n, ()
        acked = n.acked | {msg.src}
        return n._replace(acked=acked, phase="done" if len(acked) == len(self.members)
                          else n.phase), ()

    # -- branch handlers ----------------------------------------------------------------

    def on_try(self, me: str, n: Branch, msg: Message, now: int):
        if self.reject_hanging and n.status == "cancelled":
            return n, [msg.reply("tried", "rejected")]  # its Cancel came first: never reserve
        return (n._replace(frozen=n.frozen + 1, status="tried",
                           effects=record(n.effects, me, "reserve")),
                [msg.reply("tried", "ok")])

    def on_confirm(self, me: str, n: Branch, msg: Message, now: int):
        if self.idempotent and n.status == "confirmed":
            return n, [msg.reply("ack")]
        return (n._replace(frozen=n.frozen - 1, status="confirmed",
                           effects=record(n.effects, me, "confirm")),
                [msg.reply("ack")])

    def on_cancel(self, me: str, n: Branch, msg: Message, now: int):
        if self.idempotent and n.status == "cancelled":
            return n, [msg.reply("ack")]
        if self.empty_rollback and n.status is None:
            return n._replace(status="cancelled"), [msg.reply("ack")]  # nothing was reserved
        return (n._replace(frozen=n.frozen - 1, status="cancelled",
                           effects=record(n.effects, me, "release")),
                [msg.reply("ack")])

    # -- properties ---------------------------------------------------------------------

    def log(self, s) -> list[Effect]:
        return [e for b in self.locals(s, self.members) for e in b.effects]

    def quiescent(self, s) -> bool:
        """The TM is done and nothing is in flight: nothing more will ever happen."""
        return self.local(s, TM).phase == "done" and not s.net

    def reservations(self, s) -> list[str]:
        return [b for b in self.members if self.local(s, b).frozen > 0]

    def branch_status(self, s) -> list[str]:
        return ["done" if effects.count(b.effects, m, "confirm") else "compensated"
                for m, b in zip(self.members, self.locals(s, self.members), strict=True)]

    confirm_once = effects.at_most_once(log, effect="confirm", claims=("TX-5",),
                                        doc="Each branch's Confirm takes effect at most once.")
    cancel_once = effects.at_most_once(log, effect="release", claims=("TX-5",),
                                       doc="Each branch's Cancel releases at most once.")
    nothing_released_unreserved = transactions.undone_only_if_done(
        log, done="reserve", undone="release", claims=("TX-5b",),
        doc="Cancel never releases a reservation that Try did not make (empty rollback).")
    no_orphan = transactions.no_orphan(
        reservations, quiescent, claims=("TX-5c",),
        doc="When the transaction is over and nothing is in flight, no branch still holds a "
            "reservation (no hanging Try).")
    all_or_compensated = transactions.all_or_compensated(
        branch_status, quiescent, claims=("TX-5",),
        doc="When the transaction is over, every branch confirmed or none did.")

    @sometimes()
    def all_confirmed(self, s) -> bool:
        """Sometimes every branch confirms (the protocol is not vacuous)."""
        return self.quiescent(s) and set(self.branch_status(s)) == {"done"}

    @sometimes()
    def cancel_before_try(self, s) -> bool:
        """Sometimes a Cancel reaches a branch before its Try (the empty rollback happens)."""
        return any(b.status == "cancelled" and not effects.count(b.effects, m, "reserve")
                   and any(x.dst == m and x.type == "try" for x in s.net)
                   for m, b in zip(self.members, self.locals(s, self.members), strict=True))


class NotIdempotent(Tcc):
    """TCC whose Confirm and Cancel handlers apply every copy they get.  Claims: TX-5 (broken).

    Takeaway: the TM retries Confirm and Cancel until acknowledged, so a
    branch sees copies; a handler that does not check its status record
    applies the second copy too: the account is debited twice.
    """

    id = "transactions.tcc.not_idempotent"
    claims = ("TX-5",)
    idempotent = False
    expected = {"confirm_once": "violated", "cancel_once": "violated",
                "nothing_released_unreserved": "violated"}


class EmptyRollbackUnhandled(Tcc):
    """TCC whose Cancel releases what Try would have reserved, Try or no Try.  Claims: TX-5b (broken).

    Takeaway: a Try can time out without ever arriving; its Cancel then finds
    nothing reserved.  Without a check of the status record it releases
    anyway: funds that were never frozen are unfrozen.
    """

    id = "transactions.tcc.empty_rollback_unhandled"
    claims = ("TX-5b",)
    empty_rollback = False
    expected = {"nothing_released_unreserved": "violated"}


class HangingNotRejected(Tcc):
    """TCC whose Try reserves even after its Cancel was processed.  Claims: TX-5c (broken).

    Takeaway: a delayed Try that arrives after the Cancel reserves resources
    that no Confirm or Cancel will ever release: reject a Try whose status
    record says "cancelled".
    """

    id = "transactions.tcc.hanging_not_rejected"
    claims = ("TX-5c",)
    reject_hanging = False
    expected = {"no_orphan": "violated"}
