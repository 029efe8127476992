"""Errors the CLI turns into one line on stderr and exit code 2, and text made safe to show."""

from __future__ import annotations

import re


class BadInput(Exception):
    """The user asked for something that cannot be done as asked (exit 2).

    The message is one line: what is wrong and what to do instead.
    """


class ModelError(BadInput):
    """The model itself is broken: it raised inside an action, or built an unhashable state."""


def cannot(verb: str, path: object, exc: OSError) -> BadInput:
    """The one-line error for a file that could not be read or written."""
    return BadInput(f"cannot {verb} {path}: {exc.strerror or exc}")


# C0 and C1 controls, DEL, and the bidirectional overrides and isolates that can
# make a terminal show text other than what is there; tab is harmless.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
                     r"|[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` with every character that could drive a terminal written as an escape.

    Strings from trace files and from model code are untrusted: an ESC
    sequence in a property name would otherwise reach the terminal raw, a
    newline would break a one-line message, and a lone surrogate would make
    printing fail.
    """
    return _UNSAFE.sub(_escape, str(text))


class BudgetExhausted(BaseException):
    """A bound of the whole command (``--max-seconds``) ran out while code outside the
    engines' own checks was running (model construction, a long model call, a library).

    Raised by the budget's timer (:mod:`distcheck.engines.budget`).  It derives from
    BaseException so that no ``except Exception`` around model code turns it into the
    model's fault: code that guards model calls must let it through.
    """

    def __init__(self, cut: str) -> None:
        super().__init__(cut)
        self.cut = cut
#: what model code may raise that is not the model's fault: these pass through every guard
#: (Ctrl-C must interrupt; running out of memory or of the command's budget is reported as a
#: bound, not the model's fault).  Anything else a model raises -- ``SystemExit`` from a stray
#: ``sys.exit()``, a ``BaseException`` subclass of its own -- is a ModelError.
PASS_THROUGH: tuple[type[BaseException], ...] = (KeyboardInterrupt, MemoryError, BudgetExhausted)


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
