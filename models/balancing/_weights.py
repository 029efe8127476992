"""Server weights as a comma-separated parameter (``--param weights=5,3,1``)."""

from __future__ import annotations

from distcheck import BadInput


def parse_weights(text: str, servers_at_least: int = 1) -> tuple[int, ...]:
    """The weights in ``text``, or BadInput saying what a valid value looks like."""
    try:
        weights = tuple(int(x) for x in text.split(","))
    except ValueError:
        weights = ()
    if len(weights) < servers_at_least or min(weights, default=0) < 1:
        raise BadInput(f"weights={text!r}: give {servers_at_least} or more positive integers, "
                       "comma-separated, such as 5,3,1")
    return weights
