"""Tiny models shared by the engine tests (not bundled: they live outside ``models/``)."""

from __future__ import annotations

from typing import NamedTuple

from distcheck.contract.model import Model, Param, action, fault, invariant


class Combo(NamedTuple):
    progress: int
    wrong: int
    noise: int
    crashed: bool


class ComboLock(Model):
    """A lock opened by pressing ``length`` digits in order; noise and a fault on the side."""

    id = "tests.combo"
    length = Param(3, at_least=1)
    digits = Param(4, at_least=2)

    def init(self):
        yield Combo(0, 0, 0, False)

    @action(digit="digits")
    def press(self, s: Combo, digit: int):
        if s.progress < self.length and digit == (s.progress * 3 + 1) % self.digits:
            return s._replace(progress=s.progress + 1)
        return s._replace(wrong=(s.wrong + 1) % 3)

    @action(x=3)
    def fiddle(self, s: Combo, x: int):
        return s._replace(noise=(s.noise + x + 1) % 5)

    @fault("crash")
    def crash(self, s: Combo):
        if not s.crashed:
            return s._replace(crashed=True)

    @invariant(expect="violated")
    def stays_locked(self, s: Combo) -> bool:
        """The lock never opens."""
        return s.progress < self.length
