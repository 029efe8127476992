"""Distributed transactions (seed §9–§14): two-phase commit, from Lamport's specification to crashes.

What the family shows, read across the designs: two-phase commit is atomic
because the decision is made once and made durable before anyone acts on it.
TwoPhase and TCommit are ports of Lamport's TLA+ specifications, and their
state counts equal TLC's, so they calibrate the checker. Committing on the first
"prepared" breaks atomicity at once. With crashes, atomicity survives only
because the coordinator logs its decision before sending it: a coordinator that
keeps the decision in memory presumes abort after a restart while a
participant has already committed. Atomicity is not progress, though. A
coordinator that crashes after its participants prepared and never comes back
leaves them blocked forever, and only a coordinator that recovers from its log
lets every participant decide.
"""
