"""Traces as files: reading and writing them, replaying them against a model, minimising them."""
