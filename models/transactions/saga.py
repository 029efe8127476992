"""Saga: forward steps T1..Tn, compensations Cn..C1, retried until acknowledged.

Claims: TX-8 (a saga eventually ends with every step done or every done
step compensated; it gives no isolation: a concurrent reader sees its
intermediate state).

A transfer of 1 from account A to account B as a two-step saga run by an
orchestrator (seed §12, §14):

* T1 debits A; T2 credits B, or fails (B's account is closed), and then the
  orchestrator compensates: C1 refunds A.  A refund request is retried when
  the orchestrator's timer fires with neither the request nor its
  acknowledgement in flight (one of them may be lost: ``drops``).
* Each local step commits at once, so while the saga runs, A is debited and
  B not yet credited.  A reader (a report, another service) reads both
  balances at some moment.

The reader's reads and the saga's writes are kept in a
:mod:`~distcheck.properties.history` (the saga is one global transaction, a
``txn`` span from T1 to its end), and the refunds in an effect log.

* ``transactions.saga``: idempotent refund (account A keeps the saga ids it
  refunded), no read protection: the reader sees the money missing (a
  dirty read), and the saga still always ends done or compensated.
* ``transactions.saga.semantic_lock``: T1 marks A "pending" until the saga
  ends, and the reader waits for pending rows: no dirty read.
* ``transactions.saga.non_idempotent_compensation``: the refund is applied
  for every request: a lost acknowledgement and a retry refund A twice.

Fairness: every step of the saga, the service and the reader is weakly
fair (retries happen); losing a message never is.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, action, branch, fault, lane, sometimes
from distcheck.properties import effects, transactions
from distcheck.properties.effects import Effect
from distcheck.properties.history import FAIL, INVOKE, OK, Event, instant, record

SAGA, READER = "saga", "reader"


class S(NamedTuple):
    a: int  # account A's balance
    b: int  # account B's balance
    pending: frozenset[str]  # rows under a semantic lock
    phase: str  # start | debited | done | compensating | compensated
    refund_requests: int  # in flight to account A
    refund_acks: int  # in flight back to the orchestrator
    refunded: frozenset[str]  # account A's record of refunded sagas
    reader: str  # idle | read
    history: tuple[Event, ...]
    effects: tuple[Effect, ...]
    drops_left: int


class Saga(Model):
    """A two-step transfer saga with a retried compensation.  Claims: TX-8.

    Takeaway: a Saga is atomic only in the end (every step done or every
    done step compensated, given retries) and not isolated: others see its
    intermediate state.  Protect readers with a semantic lock (a "pending"
    flag they respect) and make every compensation idempotent.
    """

    id = "transactions.saga"
    lane_order = ("orchestrator", "account A", "account B", "reader")
    claims = ("TX-8",)
    faults = Faults(drop=1)
    weak_fair = ("all_protocol",)
    #: T1 marks A pending until the saga ends, and readers wait for it
    semantic_lock = False
    #: account A refunds a saga once, however many requests arrive
    idempotent_compensation = True
    design_choices = ("semantic_lock", "idempotent_compensation")

    def init(self):
        yield S(1, 0, frozenset(), "start", 0, 0, frozenset(), "idle", (), (),
                **self.faults.initial())

    # -- the saga -----------------------------------------------------------------------

    @action()
    @lane("orchestrator", to="account A")
    def t1_debit(self, s: S):
        """T1: debit A (a local transaction that commits at once)."""
        if s.phase == "start":
            history = instant(record(s.history, SAGA, INVOKE, "txn"), SAGA, "write", ("A", s.a - 1))
            return s._replace(a=s.a - 1, phase="debited", history=history,
                              pending=frozenset({"A"}) if self.semantic_lock else s.pending)

    @action()
    @lane("orchestrator", to="account B")
    def t2_credit(self, s: S):
        """T2: credit B -- or B refuses, and the saga turns to compensation."""
        if s.phase == "debited":
            history = instant(s.history, SAGA, "write", ("B", s.b + 1))
            yield branch("ok", s._replace(b=s.b + 1, phase="done", pending=frozenset(),
                                          history=record(history, SAGA, OK, "txn")))
            yield branch("fails", s._replace(phase="compensating",
                                             refund_requests=s.refund_requests + 1))

    @action()
    @lane("orchestrator")
    def retry_refund(self, s: S):
        """The orchestrator's timer fires with nothing in flight: ask for the refund again."""
        if s.phase == "compensating" and not s.refund_requests and not s.refund_acks:
            return s._replace(refund_requests=1)

    @action()
    @lane("account A", to="orchestrator")
    def refund_acknowledged(self, s: S):
        if s.refund_acks:
            done = s.phase == "compensating"
            return s._replace(
                refund_acks=s.refund_acks - 1,
                phase="compensated" if done else s.phase,
                pending=frozenset() if done else s.pending,
                history=record(s.history, SAGA, FAIL, "txn") if done else s.history)

    # -- account A's service ------------------------------------------------------------

    @action()
    @lane("orchestrator", to="account A")
    def c1_refund(self, s: S):
        """C1 at account A: refund the debit (once per saga, if idempotent) and acknowledge."""
        if not s.refund_requests:
            return None
        s = s._replace(refund_requests=s.refund_requests - 1, refund_acks=s.refund_acks + 1)
        if self.idempotent_compensation and SAGA in s.refunded:
            return s
        return s._replace(a=s.a + 1, refunded=s.refunded | {SAGA},
                          history=instant(s.history, SAGA, "write", ("A", s.a + 1)),
                          effects=effects.record(s.effects, SAGA, "refund"))

    @fault("drop")
    def drop_ack(self, s: S):
        if s.refund_acks:
            return self.faults.spend(s, "drop", refund_acks=s.refund_acks - 1)

    # -- a concurrent reader ------------------------------------------------------------

    @action()
    @lane("reader")
    def read_balances(self, s: S):
        """Another service reads both balances (waiting while a row it reads is pending)."""
        if s.reader == "idle" and not s.pending:
            history = instant(s.history, READER, "read", ("A", None), ("A", s.a))
            history = instant(history, READER, "read", ("B", None), ("B", s.b))
            return s._replace(reader="read", history=history)

    # -- properties ---------------------------------------------------------------------

    def steps(self, s: S) -> list[str]:
        t1 = "compensated" if effects.count(s.effects, SAGA, "refund") else "done"
        return [t1, "done" if s.b else "never"]

    def over(self, s: S) -> bool:
        return s.phase in ("done", "compensated")

    all_or_compensated = transactions.eventually_all_or_compensated(steps, over, claims=("TX-8",))
    no_dirty_read = transactions.no_dirty_read(lambda self, s: s.history, expect="violated",
                                               claims=("TX-8",))
    refund_once = effects.at_most_once(lambda self, s: s.effects, effect="refund",
                                       claims=("TX-8",), doc="The compensation refunds A at most once.")

    @sometimes()
    def compensated_after_lost_ack(self, s: S) -> bool:
        """Sometimes the saga is compensated although an acknowledgement was lost (retries work)."""
        return s.phase == "compensated" and s.drops_left == 0


class SemanticLock(Saga):
    """Saga whose first step marks A "pending" until the saga ends.  Claims: TX-8.

    Takeaway: a semantic lock restores the isolation a Saga lacks, for the
    readers that respect it.
    """

    id = "transactions.saga.semantic_lock"
    semantic_lock = True
    expected = {"no_dirty_read": "holds"}


class NonIdempotentCompensation(Saga):
    """Saga whose refund is applied for every request it receives.  Claims: TX-8 (broken).

    Takeaway: compensations are retried like any other step: one lost
    acknowledgement and account A is refunded twice.
    """

    id = "transactions.saga.non_idempotent_compensation"
    idempotent_compensation = False
    expected = {"refund_once": "violated"}
