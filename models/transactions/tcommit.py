"""Lamport's *TCommit*: the specification two-phase commit implements.

Resource managers only; no TM and no messages.  An RM may prepare; it commits
only once every RM is prepared or committed; it aborts only while no RM has
committed.  Claims: TX-1 (the consistency that 2PC refines).
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import (
    Enum,
    Fields,
    Map,
    Model,
    Param,
    Sort,
    action,
    forall,
    invariant,
    lane,
    put,
    sometimes,
)


class TC(NamedTuple):
    rm_state: tuple[str, ...]  # working | prepared | committed | aborted


class TCommit(Model):
    """Transaction commit (Lamport's TCommit.tla).  Claims: TX-1."""

    id = "transactions.tcommit"
    claims = ("TX-1",)
    rms = Param(3, at_least=1, at_most=16, doc="number of resource managers")
    rm = Sort(size="rms", doc="resource manager")
    # the RMs are interchangeable: --symmetry explores one state per renumbering of them
    symmetric = ("rm",)
    fields = Fields(
        TC, rm_state=Map("rm", Enum("working", "prepared", "committed", "aborted"), init="working")
    )

    def init(self):
        yield TC(("working",) * self.rms)

    @action(rm="rms")
    @lane("rm {rm}")
    def prepare(self, s: TC, rm: int):
        if s.rm_state[rm] == "working":
            return TC(put(s.rm_state, rm, "prepared"))

    @action(rm="rms")
    @lane("rm {rm}")
    def decide_commit(self, s: TC, rm: int):
        """Commit once every RM is prepared or committed."""
        if s.rm_state[rm] == "prepared" and forall(
            self.rm, lambda r: s.rm_state[r] in ("prepared", "committed")
        ):
            return TC(put(s.rm_state, rm, "committed"))

    @action(rm="rms")
    @lane("rm {rm}")
    def decide_abort(self, s: TC, rm: int):
        """Abort while no RM has committed."""
        if s.rm_state[rm] in ("working", "prepared") and "committed" not in s.rm_state:
            return TC(put(s.rm_state, rm, "aborted"))

    @invariant(expect="holds")
    def consistent(self, s: TC) -> bool:
        """No RM has committed while another has aborted."""
        return not ("committed" in s.rm_state and "aborted" in s.rm_state)

    @sometimes()
    def some_commit(self, s: TC) -> bool:
        """Sometimes every RM commits."""
        return all(r == "committed" for r in s.rm_state)
