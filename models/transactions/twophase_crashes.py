"""Two-phase commit as message-passing nodes with durable logs, crashes and recovery.

Claims: TX-1 (atomicity holds with crashes, given durable logs and recovery).

A coordinator and ``participants`` nodes exchange messages over a reliable,
unordered network; any node may crash (``crashes`` per behaviour), losing its
volatile state and the messages in flight to it, and restart, recovering from
its durable log:

* the coordinator writes its decision to its log *before* sending it; on
  recovery it re-sends a logged decision, and with none logged it aborts
  (presumed abort: no participant can have been told to commit);
* a participant logs ``prepared`` before voting yes; on recovery a prepared
  participant is in doubt and asks the coordinator, one that never voted
  aborts on its own (it cannot have been counted as a yes).

The interesting crash is the coordinator's after some votes arrived: its
tally is volatile and lost, the decision is not logged, so it aborts while
prepared participants wait.  Atomicity holds in every such interleaving.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import (
    Faults,
    Message,
    NodeModel,
    Param,
    action_property,
    broadcast,
    invariant,
    node_action,
    sometimes,
)

COORDINATOR = "coord"


class Coordinator(NamedTuple):
    decision: str | None  # durable: None | "commit" | "abort"
    started: bool  # volatile: prepare sent
    yes: frozenset[str]  # volatile: participants that voted yes


class Participant(NamedTuple):
    log: str | None  # durable: None | "prepared" | "committed" | "aborted"


class TwoPhaseCrashes(NodeModel):
    """2PC with durable logs, crash and recovery of every node.  Claims: TX-1.

    Takeaway: the coordinator's log is the commit point.  Logging the decision
    before sending it, presuming abort when no decision is logged, and making
    a prepared participant ask rather than decide keep atomicity across any
    single crash and restart.
    """

    id = "transactions.twophase.crashes"
    claims = ("TX-1",)
    participants = Param(2, at_least=1, at_most=5, doc="number of participants")
    faults = Faults(crash=1)  # restart comes with it
    durable = ("decision", "log")

    def setup(self) -> None:
        self.members = tuple(f"p{i}" for i in range(self.participants))
        self.nodes = (COORDINATOR, *self.members)

    def initial(self, node: str):
        if node == COORDINATOR:
            return Coordinator(decision=None, started=False, yes=frozenset())
        return Participant(log=None)

    # -- coordinator ----------------------------------------------------------------------

    @node_action(nodes=(COORDINATOR,))
    def begin(self, me: str, n: Coordinator, now: int):
        """Ask every participant to prepare."""
        if not n.started and n.decision is None:
            return n._replace(started=True), broadcast(me, self.members, "prepare")

    def on_vote(self, me: str, n: Coordinator, msg: Message, now: int):
        if n.decision is not None:
            return n, ()  # late vote: already decided
        if msg.data == "no":
            return self.decide(me, n, "abort")
        yes = n.yes | {msg.src}
        if len(yes) == len(self.members):
            return self.decide(me, n._replace(yes=yes), "commit")
        return n._replace(yes=yes), ()

    def decide(self, me: str, n: Coordinator, decision: str):
        """Log the decision, then send it: one step, so no crash falls between them."""
        return n._replace(decision=decision), broadcast(me, self.members, decision)

    def on_query(self, me: str, n: Coordinator, msg: Message, now: int):
        if n.decision is None:
            return None  # undecided: the query waits until there is an answer
        return n, [msg.reply(n.decision)]

    # -- participants ---------------------------------------------------------------------

    @node_action(nodes="members")
    def refuse(self, me: str, n: Participant, now: int):
        """Abort on its own before voting (the participant cannot do the work)."""
        if n.log is None:
            return n._replace(log="aborted"), ()

    def on_prepare(self, me: str, n: Participant, msg: Message, now: int):
        if n.log is None:
            return n._replace(log="prepared"), [msg.reply("vote", "yes")]
        if n.log == "aborted":
            return n, [msg.reply("vote", "no")]
        if n.log == "prepared":  # a repeated prepare: vote again
            return n, [msg.reply("vote", "yes")]
        return n, ()

    def on_commit(self, me: str, n: Participant, msg: Message, now: int):
        return n._replace(log="committed"), ()

    def on_abort(self, me: str, n: Participant, msg: Message, now: int):
        return n._replace(log="aborted"), ()

    # -- recovery -------------------------------------------------------------------------

    def on_restart(self, me: str, n, now: int):
        if me == COORDINATOR:
            if n.decision is None:  # presumed abort
                return self.decide(me, n, "abort")
            return n, broadcast(me, self.members, n.decision)
        if n.log == "prepared":  # in doubt: only the coordinator knows
            return n, [Message(me, COORDINATOR, "query")]
        if n.log is None:  # never voted, so nobody counted on it
            return n._replace(log="aborted"), ()
        return n, ()

    # -- properties -----------------------------------------------------------------------

    def outcomes(self, s) -> list[str | None]:
        return [p.log for p in self.locals(s, self.members)]

    @invariant(expect="holds")
    def atomicity(self, s) -> bool:
        """No participant has committed while another has aborted."""
        logs = self.outcomes(s)
        return not ("committed" in logs and "aborted" in logs)

    @action_property(expect="holds")
    def decisions_final(self, s, step, t) -> bool:
        """A logged decision or outcome never changes (not even across a crash)."""
        before = [self.local(s, COORDINATOR).decision, *self.outcomes(s)]
        after = [self.local(t, COORDINATOR).decision, *self.outcomes(t)]
        return all(b in (None, "prepared") or b == a for b, a in zip(before, after, strict=True))

    def everyone_committed(self, s) -> bool:
        return all(log == "committed" for log in self.outcomes(s))

    @sometimes()
    def all_commit(self, s) -> bool:
        """Sometimes every participant commits (the protocol is not vacuous)."""
        return self.everyone_committed(s)

    @sometimes()
    def commit_after_crash(self, s) -> bool:
        """Sometimes every participant commits although a node crashed (crashes are survivable)."""
        return self.budget_left(s, "crash") == 0 and self.everyone_committed(s)


class VolatileDecision(TwoPhaseCrashes):
    """2PC whose coordinator keeps its decision in memory only.  Claims: TX-1 (broken form).

    Takeaway: the durable log is what makes TX-1 hold.  The coordinator sends
    commit, one participant commits, the coordinator crashes and forgets the
    decision; recovering with no decision logged it presumes abort, and the
    other participant aborts.
    """

    id = "transactions.twophase.crashes.volatile_decision"
    durable = ("log",)
    expected = {"atomicity": "violated", "decisions_final": "violated"}
