"""Replication, CAP and BASE (seed §5, claims CAP-1 … BASE-2): what replicas promise their clients.

What the family shows, read across the designs: in a partition a replicated
register chooses. Answering on both sides keeps it available, but a write
acknowledged on one side is then invisible to a read on the other, and the
clients' history has no linearization. Reading and writing a majority (ABD)
keeps every history linearizable through any partition, at the price of the
minority side, whose requests wait until the partition heals. The BASE side
trades the other way: replicas accept writes locally and converge later.
Anti-entropy makes them agree once writes stop and partitions heal, and
without it they stay apart; but last-writer-wins decides by the writers'
clocks, so a clock that runs behind silently discards an acknowledged write
that came later. The CAP verdicts are the linearizability checker's
(`distcheck.properties.linearizability`) on the history the clients saw, and
the same checker takes histories recorded from real systems:
`distcheck linearizable HISTORY.jsonl --model register`.
"""
