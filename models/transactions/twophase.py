"""Two-phase commit as in Lamport's TLA+ specification *TwoPhase*.

Variables: each resource manager's state, the transaction manager's state,
the set of RMs the TM has heard ``Prepared`` from, and the set of messages
ever sent (messages are never removed, so any message may be received any
number of times: loss, duplication and reordering are all covered).

Claims: TX-1 in its crash-free form (atomicity).  The ``eager_commit`` variant
lets the TM commit on the first ``Prepared``: a protocol error the checker
must catch.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import (
    Enum,
    Fields,
    Map,
    Model,
    Msgs,
    NodeSet,
    Param,
    Sort,
    Var,
    action,
    exists,
    forall,
    invariant,
    lane,
    put,
    sometimes,
)


class Msg(NamedTuple):
    type: str  # "Prepared" | "Commit" | "Abort"
    rm: int | None = None


COMMIT = Msg("Commit")
ABORT = Msg("Abort")


class TP(NamedTuple):
    rm_state: tuple[str, ...]  # working | prepared | committed | aborted
    tm_state: str  # init | committed | aborted
    tm_prepared: frozenset[int]
    msgs: frozenset[Msg]


class TwoPhase(Model):
    """Two-phase commit (Lamport's TwoPhase.tla).  Claims: TX-1."""

    id = "transactions.twophase"
    claims = ("TX-1",)
    rms = Param(3, at_least=1, at_most=12, doc="number of resource managers")
    rm = Sort(size="rms", doc="resource manager")
    # the RMs are interchangeable: --symmetry explores one state per renumbering of them
    symmetric = ("rm",)
    # the state's shape, for the proof for any number of RMs (distcheck prove --unbounded)
    fields = Fields(
        TP,
        rm_state=Map("rm", Enum("working", "prepared", "committed", "aborted"), init="working"),
        tm_state=Var(Enum("init", "committed", "aborted"), init="init"),
        tm_prepared=NodeSet("rm"),
        msgs=Msgs(Msg, Prepared=("rm",), Commit=(), Abort=()),
    )
    lane_order = ("tm", "rm")

    def init(self):
        yield TP(("working",) * self.rms, "init", frozenset(), frozenset())

    # -- transaction manager ------------------------------------------------------------

    @action(rm="rms")
    @lane("rm {rm}", to="tm")
    def tm_rcv_prepared(self, s: TP, rm: int):
        if s.tm_state == "init" and Msg("Prepared", rm) in s.msgs:
            return s._replace(tm_prepared=s.tm_prepared | {rm})

    @action()
    @lane("tm")
    def tm_commit(self, s: TP):
        if s.tm_state == "init" and self.may_commit(s):
            return s._replace(tm_state="committed", msgs=s.msgs | {COMMIT})

    @action()
    @lane("tm")
    def tm_abort(self, s: TP):
        if s.tm_state == "init":
            return s._replace(tm_state="aborted", msgs=s.msgs | {ABORT})

    def may_commit(self, s: TP) -> bool:
        """The TM commits only once every RM has said Prepared."""
        return forall(self.rm, lambda r: r in s.tm_prepared)

    # -- resource managers --------------------------------------------------------------

    @action(rm="rms")
    @lane("rm {rm}")
    def rm_prepare(self, s: TP, rm: int):
        if s.rm_state[rm] == "working":
            return s._replace(
                rm_state=put(s.rm_state, rm, "prepared"), msgs=s.msgs | {Msg("Prepared", rm)}
            )

    @action(rm="rms")
    @lane("rm {rm}")
    def rm_choose_to_abort(self, s: TP, rm: int):
        if s.rm_state[rm] == "working":
            return s._replace(rm_state=put(s.rm_state, rm, "aborted"))

    @action(rm="rms")
    @lane("tm", to="rm {rm}")
    def rm_rcv_commit_msg(self, s: TP, rm: int):
        if COMMIT in s.msgs:
            return s._replace(rm_state=put(s.rm_state, rm, "committed"))

    @action(rm="rms")
    @lane("tm", to="rm {rm}")
    def rm_rcv_abort_msg(self, s: TP, rm: int):
        if ABORT in s.msgs:
            return s._replace(rm_state=put(s.rm_state, rm, "aborted"))

    # -- properties ---------------------------------------------------------------------

    @invariant(expect="holds")
    def consistent(self, s: TP) -> bool:
        """No RM has committed while another has aborted (atomicity)."""
        return not ("committed" in s.rm_state and "aborted" in s.rm_state)

    @sometimes()
    def some_commit(self, s: TP) -> bool:
        """Sometimes every RM commits (the protocol is not vacuous)."""
        return all(r == "committed" for r in s.rm_state)


class EagerCommit(TwoPhase):
    """Broken 2PC: the TM commits as soon as one RM has said Prepared.

    Another RM may meanwhile choose to abort: atomicity is violated.
    """

    id = "transactions.twophase.eager_commit"
    expected = {"consistent": "violated"}

    def may_commit(self, s: TP) -> bool:
        return exists(self.rm, lambda r: r in s.tm_prepared)
