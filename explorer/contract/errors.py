"""Errors the CLI turns into one line on stderr and exit code 2."""

from __future__ import annotations


class BadInput(Exception):
    """The user asked for something that cannot be done as asked (exit 2).

    The message is one line: what is wrong and what to do instead.
    """


class ModelError(BadInput):
    """The model itself is broken: it raised inside an action, or built an unhashable state."""


def cannot(verb: str, path: object, exc: OSError) -> BadInput:
    """The one-line error for a file that could not be read or written."""
    return BadInput(f"cannot {verb} {path}: {exc.strerror or exc}")
