"""Three-phase commit (CanCommit / PreCommit / DoCommit) with timeouts.

Claims: TX-4 (under a network partition, atomicity is violated) and TX-4b
(with crash-stop failures only, atomicity holds and no participant blocks).

A coordinator and ``participants`` nodes exchange messages (seed §10):

1. CanCommit: the coordinator asks; a participant votes yes (it becomes
   *uncertain*) or no (it has already refused and aborted).
2. PreCommit: with every vote yes, the coordinator sends PreCommit to each
   participant in turn; a participant becomes *precommitted* and acks.
3. DoCommit: with every ack, the coordinator commits and sends DoCommit to
   each in turn.  A no vote, or a timeout waiting for a vote or an ack,
   makes the coordinator abort and tell everyone.

Timeouts are what 3PC adds to 2PC, and they are only as good as the failure
detector behind them.  Here a node times out on another exactly when that
node is *unreachable* -- crashed, or on the other side of a partition -- and
nothing it sent can still arrive: a perfect detector in a synchronous
network, the assumption 3PC is built on.  A participant that times out on
the coordinator runs the termination protocol with the participants it can
reach, as their backup coordinator, in one synchronous round (Skeen's rule):
anyone committed -> all commit; anyone aborted -> all abort; anyone
precommitted -> all commit (nobody can have aborted, since the coordinator
precommits only when every vote was yes); all uncertain -> all abort (nobody
can have committed).

* ``transactions.threephase`` (TX-4b): crash-stop (a crashed node never
  returns; the decision it took stays on record) and no partition.  An
  unreachable node really is dead, so the rule never contradicts a live
  decision: atomicity holds, and every live participant decides.
* ``transactions.threephase.partition`` (TX-4): the same protocol, with one
  network partition and no crash.  The detector cannot tell "cut off" from
  "dead": the participant precommitted on one side commits on its timeout,
  while the coordinator, missing that participant's ack on the other side,
  aborts with the rest.  Reached with two participants and one partition.

Fairness: every protocol step is weakly fair (message delivery, the
timeouts, the termination round); crashes and the partition never are.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import (
    DOWN,
    UP,
    Faults,
    Message,
    NodeModel,
    Param,
    World,
    action,
    broadcast,
    node_action,
    send,
    sometimes,
)
from distcheck.properties import transactions

COORDINATOR = "coord"
DECIDED = ("committed", "aborted")


class Coordinator(NamedTuple):
    phase: str  # init | voting | precommitting | committing | committed | aborted
    yes: frozenset[str]  # votes yes received
    acks: frozenset[str]  # PreCommit acks received
    sent: frozenset[str]  # PreCommit (then DoCommit) sent to


class Participant(NamedTuple):
    state: str  # init | uncertain | precommitted | committed | aborted


class ThreePhase(NodeModel):
    """3PC with timeouts and a termination protocol, crash-stop failures only.  Claims: TX-4b.

    Takeaway: 3PC does not block where 2PC does -- participants that lose
    the coordinator finish the transaction among themselves -- but only
    because a timeout is taken as proof of a crash.  Use it only where that
    is true (a synchronous network, crash-stop nodes).
    """

    id = "transactions.threephase"
    claims = ("TX-4b",)
    participants = Param(2, at_least=1, at_most=6, doc="number of participants")
    faults = Faults(crash=1, restart=False, partition=0, heal=False)
    durable = ("state",)  # crash-stop: a crashed participant's decision stays on record
    weak_fair = ("all_protocol",)

    def setup(self) -> None:
        self.members = tuple(f"p{i}" for i in range(self.participants))
        self.nodes = (COORDINATOR, *self.members)

    def initial(self, node: str):
        if node == COORDINATOR:
            return Coordinator("init", frozenset(), frozenset(), frozenset())
        return Participant("init")

    # -- failure detection --------------------------------------------------------------

    def reachable(self, s: World, a: str, b: str) -> bool:
        """Whether ``b`` is up and on ``a``'s side of the partition."""
        i, j = self._index[a], self._index[b]
        return s.status[j] == UP and (not s.cut or s.cut[i] == s.cut[j])

    def times_out(self, s: World, me: str, on: str) -> bool:
        """``me`` times out waiting for ``on``: unreachable, and nothing it sent can still arrive."""
        return not self.reachable(s, me, on) and not any(
            m.src == on and m.dst == me for m in self.deliverable(s))

    # -- coordinator --------------------------------------------------------------------

    @node_action(nodes=(COORDINATOR,))
    def can_commit(self, me: str, n: Coordinator, now: int):
        """Phase 1: ask every participant whether it can commit."""
        if n.phase == "init":
            return n._replace(phase="voting"), broadcast(me, self.members, "can_commit")

    def on_vote(self, me: str, n: Coordinator, msg: Message, now: int):
        if n.phase != "voting":
            return n, ()  # late vote
        if msg.data == "no":
            return self.abort(me, n)
        yes = n.yes | {msg.src}
        return n._replace(yes=yes, phase="precommitting" if len(yes) == len(self.members)
                          else "voting"), ()

    @node_action(nodes=(COORDINATOR,), to="members")
    def pre_commit(self, me: str, n: Coordinator, now: int, to: str):
        """Phase 2: every vote was yes; send PreCommit to one participant."""
        if n.phase == "precommitting" and to not in n.sent:
            return n._replace(sent=n.sent | {to}), [send(me, to, "pre_commit")]

    def on_ack(self, me: str, n: Coordinator, msg: Message, now: int):
        if n.phase != "precommitting":
            return n, ()
        acks = n.acks | {msg.src}
        if len(acks) == len(self.members):
            return n._replace(acks=acks, phase="committing", sent=frozenset()), ()
        return n._replace(acks=acks), ()

    @node_action(nodes=(COORDINATOR,), to="members")
    def do_commit(self, me: str, n: Coordinator, now: int, to: str):
        """Phase 3: every ack is in; send DoCommit to one participant."""
        if n.phase == "committing" and to not in n.sent:
            sent = n.sent | {to}
            phase = "committed" if len(sent) == len(self.members) else "committing"
            return n._replace(sent=sent, phase=phase), [send(me, to, "do_commit")]

    @action(node=(COORDINATOR,))
    def timeout(self, s: World, node: str):
        """Waiting for a vote or an ack from an unreachable participant: abort."""
        i = self._index[node]
        n = s.nodes[i]
        if s.status[i] != UP:
            return None
        waiting = {"voting": n.yes, "precommitting": n.acks}.get(n.phase)
        if waiting is None:
            return None
        if any(p not in waiting and self.times_out(s, COORDINATOR, p) for p in self.members):
            return self._apply(s, i, self.abort(COORDINATOR, n), s.net)

    def abort(self, me: str, n: Coordinator):
        return n._replace(phase="aborted"), broadcast(me, self.members, "abort")

    # -- participants -------------------------------------------------------------------

    @node_action(nodes="members")
    def refuse(self, me: str, n: Participant, now: int):
        """Before voting, a participant may find it cannot commit and abort on its own."""
        if n.state == "init":
            return n._replace(state="aborted"), ()

    def on_can_commit(self, me: str, n: Participant, msg: Message, now: int):
        if n.state == "init":
            return n._replace(state="uncertain"), [msg.reply("vote", "yes")]
        if n.state == "aborted":
            return n, [msg.reply("vote", "no")]
        return n, ()

    def on_pre_commit(self, me: str, n: Participant, msg: Message, now: int):
        if n.state == "uncertain":
            return n._replace(state="precommitted"), [msg.reply("ack")]
        return n, ()

    def on_do_commit(self, me: str, n: Participant, msg: Message, now: int):
        return n._replace(state="committed"), ()

    def on_abort(self, me: str, n: Participant, msg: Message, now: int):
        if n.state == "committed":
            return n, ()  # cannot happen unless atomicity is already lost
        return n._replace(state="aborted"), ()

    @action(node="members")
    def terminate(self, s: World, node: str):
        """``node`` times out on the coordinator and leads the termination round with its side."""
        p = node
        if not self.reachable(s, p, p) or self.local(s, p).state in ("init", *DECIDED):
            return None
        if not self.times_out(s, p, COORDINATOR):
            return None
        side = [q for q in self.members if self.reachable(s, p, q)]
        if any(m.src == COORDINATOR and m.dst in side for m in self.deliverable(s)):
            return None  # the coordinator's last words to this side are still arriving
        states = {self.local(s, q).state for q in side}
        if "committed" in states:
            decision = "committed"
        elif "aborted" in states:
            decision = "aborted"
        elif "precommitted" in states:
            decision = "committed"
        else:
            decision = "aborted"
        nodes = s.nodes
        for q in side:
            k = self._index[q]
            if nodes[k].state not in DECIDED:
                nodes = nodes[:k] + (nodes[k]._replace(state=decision),) + nodes[k + 1:]
        return s._replace(nodes=nodes)

    # -- properties ---------------------------------------------------------------------

    def outcomes(self, s: World) -> list[str]:
        return [p.state for p in self.locals(s, self.members)]

    def live_outcomes(self, s: World) -> list[str]:
        return [self.local(s, p).state for p in self.members if self.status_of(s, p) != DOWN]

    atomicity = transactions.atomicity(outcomes, claims=("TX-4b",))
    non_blocking = transactions.eventually_decided(
        live_outcomes, claims=("TX-4b",),
        doc="Every participant that has not crashed eventually commits or aborts.")

    @sometimes()
    def all_commit(self, s: World) -> bool:
        """Sometimes every participant commits (the protocol is not vacuous)."""
        return all(o == "committed" for o in self.outcomes(s))

    @sometimes()
    def terminated_without_coordinator(self, s: World) -> bool:
        """Sometimes the coordinator has crashed and the live participants have all decided."""
        return (self.status_of(s, COORDINATOR) == DOWN and bool(self.live_outcomes(s))
                and all(o in DECIDED for o in self.live_outcomes(s)))


class Partitioned(ThreePhase):
    """3PC under one network partition, no crash.  Claims: TX-4.

    Takeaway: 3PC does not survive partitions.  A participant cut off after
    PreCommit commits on its timeout; the coordinator, missing its ack,
    aborts the others.  Where partitions happen, use a consensus-based
    commit (Paxos Commit) or accept blocking (2PC).
    """

    id = "transactions.threephase.partition"
    claims = ("TX-4",)
    defaults = {"crashes": 0, "partitions": 1}
    atomicity = transactions.atomicity(ThreePhase.outcomes, expect="violated", claims=("TX-4",))
    non_blocking = transactions.eventually_decided(
        ThreePhase.live_outcomes, claims=("TX-4",),
        doc="Every participant eventually commits or aborts: 3PC stays non-blocking, "
            "at the price of atomicity.")
    terminated_without_coordinator = None

    @sometimes()
    def split(self, s: World) -> bool:
        """Sometimes the partition separates a participant from the coordinator."""
        return bool(s.cut)
