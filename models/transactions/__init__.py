"""Distributed transactions (seed §9–§14): 2PC and 3PC, TCC, transactional messages, the local message table, Saga and Seata AT.

What the family shows, read across the designs.  Two-phase commit is atomic
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

Every way out of blocking pays for it.  A participant that decides on its
own after a timeout (a heuristic decision) loses atomicity in three steps;
one that asks its peers keeps atomicity and still blocks.  3PC's timeouts
are sound only while a timeout means a crash: with crash-stop failures it is
atomic and non-blocking, and one network partition splits it into a side
that commits and a side that aborts.

The compensating designs give up isolation and lean on retries, so what
breaks them is a handler that is not ready for a copy or for the wrong
order.  TCC needs a status record per transaction in every branch: without
it a retried Confirm debits twice, a Cancel that overtakes its Try releases
what was never reserved, and a Try that arrives after its Cancel holds a
reservation forever.  A transactional message is delivered if and only if
the local transaction committed only because the broker checks back; a
message sent before the commit is consumed and then rolled back.  The
local message table is exactly-once only with the message row in the
business transaction and an idempotent consumer.  A Saga always ends done or
compensated under retries, but a concurrent reader sees its intermediate
state unless a semantic lock holds it off, and a compensation that is not
idempotent is applied twice.  Seata AT keeps global transactions from
writing over each other with its global lock; a writer that bypasses Seata
cannot be stopped, only detected by the rollback's after-image check.
"""
