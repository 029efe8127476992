"""In-memory "real systems" for the conformance runner's tests: no server, no sleeping.

``FakeRedis`` keeps one key with an expiry on a clock that only ``tick``
moves.  ``PlainDelLock`` releases with DEL, ``CompareDelLock`` with a
compare-and-delete, like the release models of the lock family.  ``Dedup``
runs the branching model ``RacyDedup`` whose outcome the real system
chooses, to show a trace that is *not reproduced*.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from distcheck import Adapter, Model, action, branch, invariant


class FakeRedis:
    def __init__(self) -> None:
        self.now, self.value, self.expires = 0, None, 0

    def get(self) -> Any:
        if self.value is not None and self.now >= self.expires:
            self.value = None
        return self.value


class PlainDelLock(Adapter):
    models = ("locks.release",)

    def reset(self) -> None:
        self.redis = FakeRedis()

    def acquire(self, client: int) -> dict[str, Any]:
        if self.redis.get() is None:
            self.redis.value, self.redis.expires = client, self.redis.now + self.params["ttl"]
            return {f"clients.{client}.pc": "holding"}
        return {f"clients.{client}.pc": "idle"}

    def release(self, client: int) -> dict[str, Any]:
        self.redis.value = None
        return {f"clients.{client}.pc": "done"}

    def tick(self) -> None:
        self.redis.now += 1

    def observe(self) -> dict[str, Any]:
        return {"owner": self.redis.get()}

    def view(self, state: Any) -> Any:
        return {**state, "owner": None if state["key"] is None else state["key"]["owner"]}


class CompareDelLock(PlainDelLock):
    def release(self, client: int) -> dict[str, Any]:
        if self.redis.get() == client:
            self.redis.value = None
        return {f"clients.{client}.pc": "done"}


class NoRelease(PlainDelLock):
    release = None  # type: ignore[assignment]


class BadShape(PlainDelLock):
    def acquire(self, client: int) -> Any:
        return "acquired"


class Applied(NamedTuple):
    applied: int


class RacyDedup(Model):
    """Two copies of a request race past a check-then-act: the effect applies once or twice."""

    id = "tests.racy_dedup"

    def init(self):
        yield Applied(0)

    @action()
    def duplicates(self, s: Applied):
        if s.applied == 0:
            yield branch("once", Applied(1))
            yield branch("twice", Applied(2))

    @invariant(expect="violated")
    def at_most_once(self, s: Applied) -> bool:
        return s.applied <= 1


class Dedup(Adapter):
    """Loses the race on every other run: the trace reproduces in half the runs."""

    runs = 0

    def reset(self) -> None:
        type(self).runs += 1

    def duplicates(self) -> dict[str, Any]:
        return {"applied": 2 if type(self).runs % 2 == 0 else 1}
