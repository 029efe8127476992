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


#: what model code may raise that is not the model's fault: these pass through every guard
#: (Ctrl-C must interrupt).  Anything else a model raises -- ``SystemExit`` from a stray
#: ``sys.exit()``, a ``BaseException`` subclass of its own -- is a ModelError.
PASS_THROUGH: tuple[type[BaseException], ...] = (KeyboardInterrupt,)


def passes_through(exc: BaseException) -> bool:
    """Whether a guard around model code must re-raise ``exc`` as it is."""
    return isinstance(exc, PASS_THROUGH)


def shown(value: object, limit: int = 200) -> str:
    """``repr(value)`` for a one-line message: shortened, and safe when the model's repr raises."""
    try:
        text = repr(value)
    except BaseException as exc:  # a model's __repr__ is model code too
        if passes_through(exc):
            raise
        text = f"<{type(value).__name__} object (its repr raised {type(exc).__name__})>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
