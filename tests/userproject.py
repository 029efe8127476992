"""A user's project as a new user writes it: models kept in their own repository.

``write(root)`` lays out, under ``root``, a pyproject.toml with
``[tool.distcheck] models = ["protocols/"]``, an ordinary ``models.py`` and
``properties/`` package of the user's own (names distcheck must not shadow), and
``protocols/ticket_lock.py`` with a correct ticket lock and a broken variant whose
ticket is read and incremented in two steps.  Shared by the catalog, plugin and
end-to-end tests.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

#: model id -> {property: expected verdict} at default parameters
EXPECTED = {
    "shop.ticket_lock": {"mutual_exclusion": "holds", "someone_enters": "holds"},
    "shop.ticket_lock.racy": {"mutual_exclusion": "violated", "someone_enters": "holds"},
}

PYPROJECT = """\
[project]
name = "shop"
version = "0.1.0"

[tool.distcheck]
models = ["protocols/"]

[tool.pytest.ini_options]
pythonpath = ["."]
"""

MODELS = '''\
"""The shop's own data models (an ordinary module that happens to be called models)."""

from typing import NamedTuple


class LockState(NamedTuple):
    next_ticket: int            # the next ticket the dispenser hands out
    serving: int                # the ticket now allowed in
    pc: tuple[str, ...]         # each client: idle, read, waiting or inside
    ticket: tuple[int, ...]     # each client's ticket
    taken: tuple[int, ...]      # how many times each client has taken a ticket
'''

PROPERTIES = '''\
"""The shop's own property helpers (a package that happens to be called properties)."""


def at_most_one(flags) -> bool:
    return sum(1 for f in flags if f) <= 1
'''

TICKET_LOCK = '''\
"""A ticket lock: take a ticket, wait until it is served, enter, leave."""

from models import LockState
from properties import at_most_one

from distcheck import Model, Param, action, invariant, put, sometimes


class TicketLock(Model):
    """Fetch-and-add hands out tickets; the holder of the served ticket enters."""

    id = "shop.ticket_lock"
    clients = Param(2, at_least=1, doc="number of clients")
    rounds = Param(1, at_least=1, doc="lock acquisitions per client")

    def init(self):
        n = self.clients
        yield LockState(0, 0, ("idle",) * n, (0,) * n, (0,) * n)

    @action(c="clients")
    def take_ticket(self, s, c):
        if s.pc[c] == "idle" and s.taken[c] < self.rounds:
            return s._replace(next_ticket=s.next_ticket + 1, pc=put(s.pc, c, "waiting"),
                              ticket=put(s.ticket, c, s.next_ticket),
                              taken=put(s.taken, c, s.taken[c] + 1))

    @action(c="clients")
    def enter(self, s, c):
        if s.pc[c] == "waiting" and s.ticket[c] == s.serving:
            return s._replace(pc=put(s.pc, c, "inside"))

    @action(c="clients")
    def leave(self, s, c):
        if s.pc[c] == "inside":
            return s._replace(serving=s.serving + 1, pc=put(s.pc, c, "idle"))

    @invariant(expect="holds")
    def mutual_exclusion(self, s):
        """At most one client is inside."""
        return at_most_one(p == "inside" for p in s.pc)

    @sometimes()
    def someone_enters(self, s):
        """Sanity: the lock is granted at all."""
        return "inside" in s.pc


class RacyTicketLock(TicketLock):
    """The ticket is read and the dispenser bumped in two steps: two clients draw one ticket."""

    id = "shop.ticket_lock.racy"
    expected = {"mutual_exclusion": "violated"}

    @action(c="clients")
    def take_ticket(self, s, c):
        if s.pc[c] == "idle" and s.taken[c] < self.rounds:
            return s._replace(pc=put(s.pc, c, "read"), ticket=put(s.ticket, c, s.next_ticket),
                              taken=put(s.taken, c, s.taken[c] + 1))

    @action(c="clients")
    def bump_dispenser(self, s, c):
        if s.pc[c] == "read":
            return s._replace(next_ticket=s.ticket[c] + 1, pc=put(s.pc, c, "waiting"))
'''

APP_TEST = '''\
"""The shop's own tests, beside the plugin's model items."""

import models

from distcheck import as_testcase
from protocols.ticket_lock import TicketLock


def test_own_models_module_is_the_shops():
    assert hasattr(models, "LockState")


TestTicketLock = as_testcase(TicketLock(), max_examples=10, steps=8)
'''


def write(root: Path, *, app_test: bool = False) -> Path:
    """Write the user project under ``root`` (created if needed) and return ``root``.

    ``app_test`` adds the shop's own pytest file, which imports the shop's
    ``models`` module next to distcheck and uses ``as_testcase``.
    """
    files = {
        "pyproject.toml": PYPROJECT,
        "models.py": MODELS,
        "properties/__init__.py": PROPERTIES,
        "protocols/ticket_lock.py": TICKET_LOCK,
    }
    if app_test:
        files["tests/test_app.py"] = APP_TEST
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    return root
