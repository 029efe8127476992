"""Idempotent APIs (seed §15, claims IDP-1 … IDP-8): every recipe, broken and fixed, side by side.

What the family shows, read across the designs: every model plays one
scene -- a client places one order through several app servers and sends it
again after a timeout, so copies run concurrently and servers or stores
crash between steps -- and counts the business effects in a log of its
own, never by asking the mechanism.  A recipe delivers "at most once" when
one atomic step both detects the duplicate and claims the request: a
check-and-delete script, ``SADD``'s reply, a conditional ``UPDATE``, a
unique index, a row lock *with* a check under it.  Split that step in two
(GET then DEL, SISMEMBER then SADD) and two duplicates slip through the
gap; lose the record (a Redis set without persistence, a shard that never
sees the retry) and the next duplicate is new again.  "Exactly once" needs
more: the record and the effect must commit together.  A token deleted after
the business step, or a dedup row in a transaction of its own, turns one
crash into a double payment or a lost one; a token deleted before a failing
business step turns every retry away.  Only the dedup row in the business
transaction, which also stores the answer for the duplicates, keeps the
payment exactly once and the answer the same.
"""
