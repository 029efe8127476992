"""The ``distcheck`` command line (the top layer: it may import every other)."""

from distcheck.cli.commands import main

__all__ = ["main"]
