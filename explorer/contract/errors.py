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
