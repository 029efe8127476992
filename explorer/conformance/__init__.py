"""Conformance: run a model's traces and random walks on the real system it describes.

A user writes an :class:`Adapter` (one method per model action and fault,
returning what the client saw in the model's terms); ``distcheck conform``
re-executes a saved counterexample on the real system, or drives random
walks through the model and the system side by side.  Bundled adapters: the
lock family in :mod:`distcheck.conformance.redis_locks`, the idempotency
family's SQL designs on SQLite and PostgreSQL in
:mod:`distcheck.conformance.idempotency` and its token designs in
:mod:`distcheck.conformance.redis_tokens` (Redis and PostgreSQL need
``pip install 'distcheck[conformance]'``); :mod:`distcheck.conformance.servers`
starts real servers on loopback for them and for tests.

This layer sits above ``traces`` (it replays traces) and below ``outputs``.
"""

from __future__ import annotations

from distcheck.conformance.adapter import Adapter, Observation, load_adapter
from distcheck.conformance.run import (
    DIVERGED,
    NO_DIVERGENCE,
    NOT_REPRODUCED,
    REPRODUCED,
    Report,
    conform_model,
    conform_trace,
)

__all__ = [
    "DIVERGED",
    "NOT_REPRODUCED",
    "NO_DIVERGENCE",
    "REPRODUCED",
    "Adapter",
    "Observation",
    "Report",
    "conform_model",
    "conform_trace",
    "load_adapter",
]
