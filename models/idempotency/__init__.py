"""Idempotent APIs (seed §15, claims IDP-1 … IDP-8): tokens, locks, unique keys, digest sets, dedup tables."""
