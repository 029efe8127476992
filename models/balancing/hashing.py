"""Stable hashes for the hashing balancers: the same key maps the same way in every run.

Python's ``hash`` of a string changes with ``PYTHONHASHSEED``, so the models
hash with MD5 (as ketama-style consistent hashing does) and keep the first
four bytes.  :class:`Ring` is consistent hashing with virtual nodes: each
server owns ``vnodes`` points on a 32-bit ring and a key goes to the first
point clockwise from its hash.
"""

from __future__ import annotations

import hashlib
from bisect import bisect
from collections.abc import Sequence


def stable_hash(key: str) -> int:
    """A 32-bit hash of ``key``, the same on every machine and run."""
    return int.from_bytes(hashlib.md5(key.encode()).digest()[:4], "big")


def client_ip(i: int) -> str:
    """The address of client ``i``: 10.0.0.1, 10.0.0.2, ... (enough for 16M clients)."""
    i += 1
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


def mod_n(key: str, servers: Sequence[str]) -> str:
    """Hash mod n: the server at position ``hash(key) mod len(servers)``."""
    return servers[stable_hash(key) % len(servers)]


class Ring:
    """Consistent hashing: ``vnodes`` points per server on the ring, a key to the next point."""

    def __init__(self, servers: Sequence[str], vnodes: int) -> None:
        points = sorted((stable_hash(f"{srv}#{v}"), srv) for srv in servers for v in range(vnodes))
        self.hashes = [h for h, _ in points]
        self.owners = [srv for _, srv in points]

    def server(self, key: str) -> str:
        return self.owners[bisect(self.hashes, stable_hash(key)) % len(self.owners)]
