"""Distributed ID generators (seed §6, claims ID-1 … ID-7): every scheme, broken and fixed.

What the family shows, read across the designs: uniqueness comes either from
one authority handing out numbers (a database counter, a segment reserved by
compare-and-set) or from a layout that gives every issuer a disjoint part of
the ID space (offset and step, Snowflake's worker bits).  The authority must
not forget what it handed out: a counter restarted without persistence re-issues
IDs, and a replica that lags does not show them yet.  The layout must stay
disjoint for all values, which Z3 proves here for every counter value and every
timestamp, not only for the small instances explored: add a master without
re-stepping, reuse a worker id, or let the clock run backwards, and two IDs
collide.  Refusing to issue while the clock is behind keeps IDs unique at the
price of availability.  Check a layout of your own with
``distcheck prove ids.snowflake --param timestamp_bits=39 ...``.
"""
