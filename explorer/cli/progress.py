"""What a long ``distcheck check`` shows while it runs, and how it ends when interrupted.

In a terminal, a live ``rich`` line on stderr; elsewhere (a CI log), a
heartbeat line on stderr every few seconds, so a long job is never silent.
Both show the same figures: elapsed time, the model being checked, states,
states per second, depth, queue and memory.  stdout (the table, ``--json``)
is never touched.

SIGINT and SIGTERM stop the run cooperatively: the command's budget is
marked interrupted, every search stops at its next check with its figures,
the models not yet checked are cut, and the command still writes its table,
JSON and JUnit before exiting 130.  A search that does not stop within
:data:`FORCE_AFTER` seconds (or a second signal) is interrupted outright.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from distcheck.engines.budget import Budget, format_size, rss_bytes

#: seconds between two heartbeat lines by default
HEARTBEAT_EVERY = 10.0
#: seconds a search may take to notice an interruption before it is interrupted outright
FORCE_AFTER = 3.0


class Progress:
    """The figures of the running search, fed by the engines' progress callback."""

    def __init__(self, stream: IO[str], clock: Callable[[], float] = time.monotonic,
                 memory: Callable[[], int | None] = rss_bytes) -> None:
        self.stream = stream
        self.clock = clock
        self.memory = memory
        self.started = clock()
        self.model = ""
        self.index = 0
        self.count = 0
        self.figures: tuple[int, int, int, int, float] | None = None

    def begin(self, model_id: str, index: int, count: int) -> None:
        self.model, self.index, self.count, self.figures = model_id, index, count, None

    def __call__(self, distinct: int, total: int, depth: int, queue: int, seconds: float) -> None:
        self.figures = (distinct, total, depth, queue, seconds)

    def line(self) -> str:
        """One line with every figure known now."""
        parts = [f"{self.clock() - self.started:.0f}s"]
        if self.model:
            parts.append(f"model {self.index} of {self.count} ({self.model})")
        if self.figures is not None:
            distinct, total, depth, queue, seconds = self.figures
            rate = distinct / seconds if seconds > 0 else 0.0
            parts.append(f"{distinct:,} states ({total:,} generated), {rate:,.0f} states/s, "
                         f"depth {depth}, queue {queue:,}")
        rss = self.memory()
        if rss is not None:
            parts.append(f"memory {format_size(rss)}")
        return "distcheck: " + ", ".join(parts)


class Heartbeat(Progress):
    """A line on stderr every ``every`` seconds, from a thread of its own (CI logs)."""

    def __init__(self, stream: IO[str], every: float = HEARTBEAT_EVERY, **kw: Any) -> None:
        super().__init__(stream, **kw)
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="distcheck-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                print(self.line(), file=self.stream, flush=True)
            except (OSError, ValueError):  # stderr went away: the run goes on silently
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()


class LiveDisplay(Progress):
    """A ``rich`` live line on a terminal's stderr, removed when the run ends."""

    def __init__(self, stream: IO[str], **kw: Any) -> None:
        super().__init__(stream, **kw)
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        self._live = Live(get_renderable=lambda: Text(self.line()),
                          console=Console(file=stream), transient=True, refresh_per_second=4)

    def start(self) -> None:
        self._live.start()

    def stop(self) -> None:
        self._live.stop()


def make_progress(stream: IO[str] | None, quiet: bool, every: float) -> Heartbeat | LiveDisplay | None:
    """The display for ``stream`` (stderr): live in a terminal, a heartbeat elsewhere."""
    stream = stream or sys.stderr
    if quiet:
        return None
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return LiveDisplay(stream) if tty else Heartbeat(stream, every)


@contextmanager
def showing(progress: Heartbeat | LiveDisplay | None) -> Iterator[None]:
    if progress is None:
        yield
        return
    progress.start()
    try:
        yield
    finally:
        progress.stop()


@contextmanager
def interruptible(budget: Budget) -> Iterator[None]:
    """SIGINT and SIGTERM mark ``budget`` interrupted (module docstring) while the block runs.

    Only in the main thread (signal handlers can be set nowhere else).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    timers: list[threading.Timer] = []

    def handler(signum: int, frame: Any) -> None:
        if budget.interrupted is not None:  # asked twice, or the search did not stop in time
            raise KeyboardInterrupt
        budget.interrupt(signal.Signals(signum).name)
        force = threading.Timer(FORCE_AFTER, _thread.interrupt_main)
        force.daemon = True
        force.start()
        timers.append(force)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for force in timers:
            force.cancel()
        for sig, old in previous.items():
            signal.signal(sig, old)
