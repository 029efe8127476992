"""Session sharing (seed §4, claims SS-1 … SS-4): where a logged-in user's session lives.

What the family shows, read across the designs: a session survives exactly
what the place that holds it survives.  Kept in an app server's memory behind
sticky routing, it dies with that server, and the user failed over to another
server is logged out.  Kept in a central store, it survives any app server's
restart, but now the store must be durable: a store restarted without
persistence logs everyone out at once.  Replicated between app servers
asynchronously, it survives a crash but may come back older than what the
user just wrote (read-your-writes fails after failover); replicating
synchronously fixes it at the cost of a round trip per write.  Kept in the
cookie, it lives with the client, so the server must be able to tell its own
cookies from edited ones: unsigned, any edit is accepted; signed with an HMAC
the attacker cannot compute, none is.
"""
