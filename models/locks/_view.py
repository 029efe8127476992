"""Rendering lock-model states for traces: one object per client, then the shared parts.

Models keep per-client data in parallel tuples (cheap to hash and update);
people read a trace more easily as "client 0: holding, token 3".  The view is
complete and deterministic, so replay can compare it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from distcheck.contract.state import to_json


def by_client(s: NamedTuple, per_client: tuple[str, ...]) -> dict[str, Any]:
    """``s`` as JSON with the ``per_client`` tuple fields regrouped under ``clients``.

    Clients are keyed by number (a JSON object, not a list) so that a trace's
    diff reads ``clients.0.pc: idle -> holding``.
    """
    count = len(getattr(s, per_client[0]))
    clients = {
        str(c): {name: to_json(getattr(s, name)[c]) for name in per_client} for c in range(count)
    }
    shared = {f: to_json(v) for f, v in zip(s._fields, s, strict=True) if f not in per_client}
    return {"clients": clients, **shared}


def clients_at(pc: tuple[str, ...], phases: tuple[str, ...]) -> list[int]:
    """The clients whose program counter is one of ``phases`` (e.g. the critical section's)."""
    return [c for c, at in enumerate(pc) if at in phases]
