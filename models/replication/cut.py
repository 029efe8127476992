"""The partition the family's models share: one replica, and the client beside it, cut off."""

from __future__ import annotations

from typing import Any

from distcheck import Model, fault


class ReplicaCut(Model):
    """A model whose state has ``alone`` (the isolated replica, or None) and a heal budget.

    Subclasses declare ``faults = Faults(partition=..., heal=...)`` and a
    ``replicas`` parameter.  Client ``c`` sits beside replica ``c`` (modulo
    the number of replicas), so ``connected`` also says whether a client
    reaches a replica.
    """

    def connected(self, s: Any, a: int, b: int) -> bool:
        a, b = a % self.replicas, b % self.replicas  # type: ignore[attr-defined]
        return s.alone is None or (a == s.alone) == (b == s.alone)

    @fault("partition", alone="replicas")
    def partition(self, s: Any, alone: int):
        if s.alone is None:
            return self.faults.spend(s, "partition", alone=alone)

    @fault("heal")
    def heal(self, s: Any):
        if s.alone is not None:
            return self.faults.spend(s, "heal", alone=None)
