"""Distributed locks (seed §7-§8): every design, broken and fixed, side by side.

What the family shows, read across the designs: a lock service can promise
mutual exclusion only while it can tell a live holder from a dead one.  A
lock that never expires (a database row, SETNX without a TTL, SETNX then
EXPIRE) survives its holder's crash and is never free again; a lock that
expires (a TTL, a ZooKeeper session, a Redlock validity, a watchdog that
dies with its process) is a lease, and a holder paused past its lease, a
store that forgets, or a clock that jumps puts two clients in the critical
section.  Releasing safely needs an atomic compare-and-delete, reentrancy
needs an owner and a count, and a replicated store must acknowledge only
what survives a failover.  Whatever the lock service, the protected resource
stays safe only if it checks a fencing token: every fenced variant below
holds although its lock does not.
"""
