"""Two-phase commit when a prepared participant stops waiting: heuristic decisions.

Claims: TX-3 (participants that decide on their own after a timeout break
atomicity), and its fix, which keeps atomicity and blocks (TX-2).

Both designs are TX-2's model (``twophase_coordinator_crash.py``: Lamport's
TwoPhase with a transaction manager that may crash and never come back;
messages are a set, so they may be lost, duplicated and reordered) with one
step added for a prepared participant that has heard no decision.  A timeout
in an asynchronous network says nothing about the coordinator: it fires when
the decision is slow, lost, or never sent, so the step is enabled whenever
no decision is in the message set.

* ``transactions.twophase.heuristic``: the participant times out and takes a
  *heuristic decision*, commit or abort, on its own (XA's heuristic
  outcomes).  Nothing blocks any more, and atomicity is gone: one
  participant commits heuristically while another aborts.
* ``transactions.twophase.cooperative``: the participant waits and asks:
  the coordinator (``rm_inquire``) and its peers (cooperative termination),
  and adopts a decision only from a peer that has one.  Atomicity holds;
  when every participant is prepared and the coordinator is gone, nobody
  knows the decision and all of them block (TX-2's lasso).

Fairness: as TX-2's model, every protocol step is weakly fair per
participant (the heuristic timeout included); the crash never is.
"""

from __future__ import annotations

import dataclasses

from distcheck import action, branch, lane, put
from distcheck.models.transactions.twophase import ABORT, COMMIT
from distcheck.models.transactions.twophase_coordinator_crash import TPC, CoordinatorCrash
from distcheck.properties import transactions

DECIDED = ("committed", "aborted")


def no_decision_heard(s: TPC) -> bool:
    return COMMIT not in s.msgs and ABORT not in s.msgs


class Heuristic(CoordinatorCrash):
    """2PC whose prepared participants decide on their own after a timeout.  Claims: TX-3.

    Takeaway: a heuristic decision trades atomicity for progress.  A prepared
    participant that times out and commits cannot know that another has just
    refused (or that the coordinator decided abort): never let a prepared
    participant decide alone; if an operator must, treat the outcome as a
    heuristic hazard to reconcile by hand.
    """

    id = "transactions.twophase.heuristic"
    claims = ("TX-3",)
    expected = {"all_decide": "holds", "prepared_decides": "holds",
                "no_blocking_loop": "holds"}

    @action(rm="rms")
    @lane("rm {rm}")
    def rm_heuristic_decision(self, s: TPC, rm: int):
        """A prepared RM that heard no decision times out and commits or aborts on its own."""
        if s.rm_state[rm] == "prepared" and no_decision_heard(s):
            yield branch("commit", s._replace(rm_state=put(s.rm_state, rm, "committed")))
            yield branch("abort", s._replace(rm_state=put(s.rm_state, rm, "aborted")))

    atomicity = transactions.atomicity(lambda self, s: s.rm_state, expect="violated",
                                       claims=("TX-3",))
    # The inherited TX-1 invariant says the same as TX-3's; one verdict per claim is enough.
    consistent = None
    all_decide = dataclasses.replace(CoordinatorCrash.all_decide, claims=("TX-3",))
    prepared_decides = dataclasses.replace(CoordinatorCrash.prepared_decides, claims=("TX-3",))
    no_blocking_loop = dataclasses.replace(CoordinatorCrash.no_blocking_loop, claims=("TX-3",))


class Cooperative(CoordinatorCrash):
    """2PC whose prepared participants wait, asking the coordinator and their peers.  Claims: TX-3.

    Takeaway: cooperative termination keeps atomicity and shortens blocking
    (a peer that committed or aborted tells the others), but when every
    participant is prepared and the coordinator is gone, nobody can decide:
    2PC blocks (TX-2).  Non-blocking needs another protocol (3PC under
    synchrony, or Paxos Commit).
    """

    id = "transactions.twophase.cooperative"
    claims = ("TX-3", "TX-2")

    @action(rm="rms", peer="rms")
    @lane("rm {peer}", to="rm {rm}")
    def rm_ask_peer(self, s: TPC, rm: int, peer: int):
        """A prepared RM that heard no decision adopts the decision of a peer that has one."""
        if (s.rm_state[rm] == "prepared" and no_decision_heard(s)
                and s.rm_state[peer] in DECIDED):
            return s._replace(rm_state=put(s.rm_state, rm, s.rm_state[peer]))

    atomicity = transactions.atomicity(lambda self, s: s.rm_state, claims=("TX-3",))
    consistent = None
