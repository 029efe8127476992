"""The command's budget: one ``--max-seconds`` / ``--max-states`` / ``--max-memory`` for everything.

A bound the user sets is a promise about the whole command, not about one
search: the CLI (and the pytest plugin) makes one :class:`Budget` and every
phase of every model consults it -- model construction, exploration, the
liveness graph, trace building, simulation, Hypothesis and its shrinking,
minimisation.  Each search takes a :class:`Meter` from it, which joins the
command's bounds with the search's own (:class:`~distcheck.engines.bfs.Bounds`,
as pinned for one model) and is asked every few thousand work units whether a
bound is reached; the search then stops and its undecided properties are
``inconclusive`` with the bound, the phase and the figures reached.

* ``max_seconds``: wall time since the budget was made, for the whole command.
* ``max_states``: distinct states stored, for the whole command.  A model's
  searches (safety, liveness graph) store the same reachable states again, so
  a model is charged the most that any one of its searches stored, and the
  models' charges add up.
* ``max_memory``: the process's resident memory (RSS), watched while searching.

Work that runs outside the searches' own checks (a model's constructor, one
very long model call, a library) is stopped by a timer a little after the
deadline (:meth:`Budget.watching`), which raises
:class:`~distcheck.contract.errors.BudgetExhausted`.

Tests inject ``clock`` and ``memory`` instead of sleeping or allocating.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from distcheck.contract.compiled import CompiledModel, build_model
from distcheck.contract.errors import BadInput, BudgetExhausted

#: the timer fires this long after the deadline: the searches' own checks come first
TIMER_GRACE = 0.5
#: a search asks its meter after at most this many successors generated (or steps taken)
CHECK_EVERY = 2048
#: the hint every cut for lack of memory carries
MEMORY_HINT = "set --max-states, --max-seconds or --max-memory to stop earlier"

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in ``"2G"``, ``"500M"``, ``"1.5GiB"``, ``"800000000"``; ValueError saying why not."""
    found = _SIZE.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a size; write it as 2G, 500M or a number of bytes")
    size = int(float(found.group(1)) * _UNITS[found.group(2).upper()])
    if size <= 0:
        raise ValueError(f"{text!r} must be more than 0 bytes")
    return size


def format_size(size: float) -> str:
    """``2.0G``, ``512M``: sizes as ``parse_size`` reads them."""
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit]:
            return f"{size / _UNITS[unit]:.3g}{unit}"
    return f"{int(size)}B"


def rss_bytes() -> int | None:
    """The process's resident memory now (Linux), else its peak so far; None if unknown."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (OSError, ValueError):  # pragma: no cover - every Unix has it
        return None
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


class Budget:
    """The bounds of one command, shared by every model, engine and phase (module docstring)."""

    def __init__(
        self,
        max_seconds: float | None = None,
        max_states: int | None = None,
        max_memory: int | None = None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        memory: Callable[[], int | None] = rss_bytes,
    ) -> None:
        self.max_seconds = max_seconds
        self.max_states = max_states
        self.max_memory = max_memory
        self.clock = clock
        self.memory = memory
        self.started = clock()
        #: model id -> the most distinct states one of its searches stored
        self.charged: dict[str, int] = {}
        self.model = ""
        self.phase = "model construction"
        #: the first command-wide bound that ran out (time or memory); it stays spent
        self.spent: str | None = None
        #: the signal that interrupted the command (``SIGINT``, ``SIGTERM``), if any
        self.interrupted: str | None = None

    def __bool__(self) -> bool:
        return any(b is not None for b in (self.max_seconds, self.max_states, self.max_memory))

    # -- where the command is -----------------------------------------------------------

    def start(self) -> None:
        """Start the clock again now (the pytest plugin: at the first check, not at collection)."""
        self.started = self.clock()

    def begin_model(self, model_id: str) -> None:
        self.model, self.phase = model_id, "model construction"

    def elapsed(self) -> float:
        return self.clock() - self.started

    def deadline(self) -> float | None:
        return None if self.max_seconds is None else self.started + self.max_seconds

    def seconds_left(self) -> float | None:
        return None if self.max_seconds is None else self.max_seconds - self.elapsed()

    def states_left(self) -> int | None:
        """How many distinct states the current model's searches may store."""
        if self.max_states is None:
            return None
        others = sum(n for m, n in self.charged.items() if m != self.model)
        return max(0, self.max_states - others)

    def charge(self, stored: int) -> None:
        """Record that a search of the current model stored ``stored`` distinct states."""
        self.charged[self.model] = max(self.charged.get(self.model, 0), stored)

    def states_stored(self) -> int:
        return sum(self.charged.values())

    def interrupt(self, signal_name: str) -> None:
        """Stop every search at its next check, as a spent bound does (a signal arrived)."""
        self.interrupted = signal_name
        self.spent = f"interrupted by {signal_name}"

    # -- the command-wide bounds --------------------------------------------------------

    def exhausted(self) -> str | None:
        """The command-wide time or memory bound reached now, with its figure; else None."""
        if self.spent is not None:
            return self.spent
        if self.max_seconds is not None and self.elapsed() >= self.max_seconds:
            self.spent = (f"max-seconds={self.max_seconds:g} reached "
                          f"({self.elapsed():.1f} s spent by the command)")
        elif self.max_memory is not None:
            rss = self.memory()
            if rss is not None and rss >= self.max_memory:
                self.spent = (f"max-memory={format_size(self.max_memory)} reached "
                              f"(resident memory {format_size(rss)})")
        return self.spent

    def meter(self, phase: str, bounds: Any = None) -> Meter:
        """A search's view of the budget joined with its own ``bounds`` (max_states, max_seconds)."""
        self.phase = phase
        return Meter(self, bounds, phase)

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Stop whatever runs a little after the deadline (:data:`TIMER_GRACE`).

        Only in the main thread of a platform with ``setitimer``; elsewhere the
        searches' own checks are the only guard.
        """
        usable = (self.max_seconds is not None and hasattr(signal, "setitimer")
                  and threading.current_thread() is threading.main_thread())
        if not usable:
            yield
            return

        def fire(signum: int, frame: Any) -> None:
            left = self.seconds_left()
            if left is not None and left > 0:  # the clock was behind the timer: wait on
                signal.setitimer(signal.ITIMER_REAL, left + TIMER_GRACE)
                return
            cut = self.exhausted() or f"max-seconds={self.max_seconds:g} reached"
            raise BudgetExhausted(f"{cut} during {self.phase}")

        previous = signal.signal(signal.SIGALRM, fire)
        signal.setitimer(signal.ITIMER_REAL, max(0.001, (self.seconds_left() or 0) + TIMER_GRACE))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class Meter:
    """One search's bounds: the command's budget (if any) and the search's own ``bounds``.

    ``state_cap`` is how many distinct states the search may store; a search
    that would store one more stops with :meth:`states_cut`.  :meth:`over` is
    asked every :data:`CHECK_EVERY` work units at most.
    """

    def __init__(self, budget: Budget | None, bounds: Any, phase: str) -> None:
        self.budget = budget
        self.phase = phase
        clock = budget.clock if budget is not None else time.perf_counter
        self.clock = clock
        self.started = clock()
        own_states = getattr(bounds, "max_states", None)
        own_seconds = getattr(bounds, "max_seconds", None)
        self.own_deadline = self.started + own_seconds if own_seconds is not None else None
        self.own_seconds = own_seconds
        caps: list[tuple[int, str]] = []
        if own_states is not None:
            caps.append((own_states, f"max-states={own_states} reached"))
        left = budget.states_left() if budget is not None else None
        if left is not None and budget is not None:
            before = budget.max_states - left  # type: ignore[operator]
            caps.append((left, f"max-states={budget.max_states} reached" + (
                f" (whole command: {before} states stored by the models before)" if before else "")))
        self.state_cap, self.states_text = min(caps) if caps else (sys.maxsize, "")

    def over(self) -> str | None:
        """The time or memory bound reached now, if any (states are the caller's to count)."""
        if self.own_deadline is not None and self.clock() >= self.own_deadline:
            return f"max-seconds={self.own_seconds:g} reached during {self.phase}"
        if self.budget is not None:
            spent = self.budget.exhausted()
            if spent is not None:
                return f"{spent} during {self.phase}"
        return None

    def states_cut(self) -> str:
        return f"{self.states_text} during {self.phase}"

    def close(self, stored: int) -> None:
        """Charge the states the search stored to the command's budget."""
        if self.budget is not None:
            self.budget.charge(stored)


def out_of_memory(phase: str) -> str:
    """The cut of a search that ran out of memory (not the model's fault)."""
    return f"out of memory during {phase}; {MEMORY_HINT}"


def construct(cls: type, values: dict[str, Any], where: str = "") -> CompiledModel:
    """``cls(**values)``, compiled: a model built with parameters too large for this machine
    (an overflow, memory running out, runaway recursion) is one BadInput naming them.

    ``where`` says where the parameters came from (``" (from trace x.json)"``).
    """
    try:
        return build_model(cls, values)
    except (OverflowError, MemoryError, RecursionError) as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "its defaults"
        raise BadInput(
            f"model {getattr(cls, 'id', cls.__name__)} cannot be built with {shown}{where}: "
            f"{type(exc).__name__}: {str(exc)[:200] or 'out of memory'}; lower the parameters"
        ) from None
