"""Service governance (seed §16, claims GOV-1 … GOV-5): discovery, breakers, limits, config, fallback.

What the family shows, read across the mechanisms: each one trades a
guarantee for a bounded window of being wrong, and the window can be
computed.  A registry with heartbeats evicts a crashed instance eventually,
but consumers keep calling it for up to the lease plus their cache TTL; and
heartbeats cannot tell a dead instance from a cut-off one, so a partition
evicts a healthy instance too.  A circuit breaker keeps every promise it
makes (it opens at the threshold, lets nothing through while open, at most k
probes while half-open, and closes again once the dependency is healthy).  A
token bucket bounds any window to burst + rate·t; a fixed-window counter,
with the same nominal limit, lets twice the limit through across a window
edge.  A config centre whose pushes can overtake each other must version
them, or instances roll back to old configs.  A fallback makes "always
answer" hold while a dependency is down, by answering with something else.
"""
