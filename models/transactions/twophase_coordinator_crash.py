"""Two-phase commit when the coordinator crashes: blocking, and recovery from a log.

Claims: TX-2 ("2PC blocks if the coordinator crashes after the participants
have prepared": every participant eventually decides -- violated).

Lamport's TwoPhase (``models/transactions/twophase.py``) plus a transaction
manager (TM) that may crash once (``crashes``).  A crash loses the TM's
volatile state (which Prepared messages it has heard); its durable log (the
decision, written before the decision is sent) survives.  A prepared
participant may not decide on its own, so while it hears nothing it keeps
asking the TM (``rm_inquire``: the question is re-sent, the state does not
change; a real participant polls with a timeout).

* ``transactions.twophase.coordinator_crash``: the TM never comes back.  A
  participant that prepared before the crash, or after it, waits forever: the
  lasso ends with prepared participants inquiring in a fair cycle, a
  livelock, not a deadlock.
* ``transactions.twophase.coordinator_recovery``: the TM restarts (``restart``
  is declared weakly fair: the environment eventually restarts it) and reads
  its log: a logged decision is sent again, no logged decision means nothing
  was committed, so it aborts (presumed abort).  Every participant decides,
  and atomicity still holds.

Fairness: every protocol step is weakly fair per participant (message
receipt, preparing or choosing to abort, the TM's steps); the crash never is.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from distcheck import Faults, action, eventually, fault, lane, leads_to, no_livelock, sometimes
from distcheck.models.transactions.twophase import ABORT, COMMIT, Msg, TwoPhase

DECIDED = ("committed", "aborted")


class TPC(NamedTuple):
    rm_state: tuple[str, ...]  # working | prepared | committed | aborted
    tm_state: str  # init | committed | aborted | crashed
    tm_prepared: frozenset[int]  # volatile: lost in a crash
    tm_log: str | None  # durable: the decision, written before it is sent
    msgs: frozenset[Msg]
    crashes_left: int


def all_decided(self: TwoPhase, s: TPC) -> bool:
    return all(r in DECIDED for r in s.rm_state)


class CoordinatorCrash(TwoPhase):
    """2PC whose coordinator may crash and never recover.  Claims: TX-2."""

    id = "transactions.twophase.coordinator_crash"
    claims = ("TX-2",)
    faults = Faults(crash=1, restart=False)
    weak_fair = ("all_protocol",)
    fields = None  # a state with a TM log and a crash budget: no typed fields (yet)

    def init(self):
        yield TPC(("working",) * self.rms, "init", frozenset(), None, frozenset(),
                  **self.faults.initial())

    @action()
    @lane("tm")
    def tm_commit(self, s: TPC):
        if s.tm_state == "init" and self.may_commit(s):
            return s._replace(tm_state="committed", tm_log="commit", msgs=s.msgs | {COMMIT})

    @action()
    @lane("tm")
    def tm_abort(self, s: TPC):
        if s.tm_state == "init":
            return s._replace(tm_state="aborted", tm_log="abort", msgs=s.msgs | {ABORT})

    @action(rm="rms")
    @lane("rm {rm}", to="tm")
    def rm_inquire(self, s: TPC, rm: int):
        """A prepared participant that has heard no decision asks again (state unchanged)."""
        if s.rm_state[rm] == "prepared" and COMMIT not in s.msgs and ABORT not in s.msgs:
            return s

    @fault("crash")
    @lane("tm")
    def crash(self, s: TPC):
        if s.tm_state != "crashed":
            return self.faults.spend(s, "crash", tm_state="crashed", tm_prepared=frozenset())

    # -- properties ----------------------------------------------------------------------
    # The inherited safety ones are TX-1's (atomicity survives the crash), not this model's
    # liveness claim TX-2, whose verdict (violated) they do not share.
    consistent = dataclasses.replace(TwoPhase.consistent, claims=("TX-1",))
    some_commit = dataclasses.replace(TwoPhase.some_commit, claims=("TX-1",))

    all_decide = eventually(all_decided, expect="violated", claims=("TX-2",),
                            doc="Every participant eventually commits or aborts.")
    prepared_decides = leads_to(
        lambda self, s: "prepared" in s.rm_state, all_decided, expect="violated",
        claims=("TX-2",),
        doc="Once a participant has prepared, every participant eventually decides.")
    no_blocking_loop = no_livelock(
        all_decided, expect="violated", claims=("TX-2",),
        doc="No fair cycle in which some participant stays undecided (livelock).")

    @sometimes()
    def blocked_after_crash(self, s: TPC) -> bool:
        """Sometimes the TM has crashed while a participant is prepared (the crash matters)."""
        return s.tm_state == "crashed" and "prepared" in s.rm_state


class CoordinatorRecovery(CoordinatorCrash):
    """2PC whose crashed coordinator restarts and recovers its decision from its log."""

    id = "transactions.twophase.coordinator_recovery"
    claims = ("TX-2",)
    faults = Faults(crash=1)  # restart admitted, without a budget
    weak_fair = ("all_protocol", "restart")
    expected = {"all_decide": "holds", "prepared_decides": "holds", "no_blocking_loop": "holds",
                "blocked_after_crash": "holds"}

    @fault("restart")
    @lane("tm")
    def restart(self, s: TPC):
        """Recover from the log: resend a logged decision, else abort (presumed abort)."""
        if s.tm_state != "crashed":
            return None
        if s.tm_log == "commit":
            return s._replace(tm_state="committed", msgs=s.msgs | {COMMIT})
        return s._replace(tm_state="aborted", tm_log="abort", msgs=s.msgs | {ABORT})
