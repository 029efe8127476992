"""An optimistic lock: the update names the version it read, so a duplicate matches no row.

Claims: IDP-4 (``UPDATE ... SET count = count - 1, version = version + 1
WHERE id = 2 AND version = v``: duplicate updates apply once; without the
version predicate every copy decrements the stock).

Seed §15: the order service reads the goods row (version 1 here) and calls
the inventory service with that version; the stock is decremented and the
version becomes 2, but the answer gets lost, and the order service calls
again with version 1.  The copies reach different inventory servers, even at
the same time; each runs one ``UPDATE`` statement, which the database
executes atomically.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import action, lane, sometimes
from distcheck.models.idempotency._scene import ORDER, Scene
from distcheck.properties import effects
from distcheck.properties.effects import Effect
from distcheck.properties.idempotency import Answer


class Goods(NamedTuple):
    count: int
    version: int


class Opt(NamedTuple):
    client: str
    call: int | None
    retries_left: int
    pc: tuple[str, ...]  # idle | received
    req: tuple[int | None, ...]  # the version the copy carries
    answers: tuple[Answer, ...]
    effects: tuple[Effect, ...]
    goods: Goods  # the row t_goods(id = 2)


def settled(self: Scene, s: Opt) -> bool:
    """The client is done and no copy is still on its way through a server."""
    return s.client == "done" and all(req is None for req in s.req)


class OptimisticLock(Scene):
    """Stock decrement guarded by the version the caller read.  Claims: IDP-4.

    Takeaway: a conditional update is its own deduplication: the first copy
    moves the version on, and every later copy, concurrent or not, updates
    0 rows.  It fits updates whose caller can name the state it saw.
    """

    id = "idempotency.optimistic"
    claims = ("IDP-4",)
    effect = "decremented"

    def init(self):
        yield Opt(**self.scene(goods=Goods(count=10, version=1)))

    def payload(self, s: Opt) -> int:
        return 1  # the version the order service read before calling

    def matches(self, goods: Goods, version: int) -> bool:
        """The WHERE clause: ``id = 2 AND version = v``."""
        return goods.version == version

    @action(server="servers")
    @lane("server {server}", to="database")
    def server_update(self, s: Opt, server: int):
        """UPDATE t_goods SET count = count - 1, version = version + 1 WHERE <the clause>."""
        if s.pc[server] == "received":
            g = s.goods
            if self.matches(g, s.req[server]):
                t = self.apply(s._replace(goods=Goods(g.count - 1, g.version + 1)))
                return self.reply(t, server, "1 row")
            return self.reply(s, server, "0 rows")

    at_most_once = effects.at_most_once(lambda self, s: s.effects, claims=("IDP-4",))

    @sometimes()
    def stale_copy_updated_nothing(self, s: Opt) -> bool:
        """Sometimes a copy carrying the old version updates 0 rows (the predicate fires)."""
        return Answer(ORDER, "0 rows") in s.answers

    exactly_once = effects.exactly_once(lambda self, s: s.effects, lambda self, s: (ORDER,),
                                        settled, claims=("IDP-4",))


class NoVersionPredicate(OptimisticLock):
    """The same update without ``AND version = v``.  Claims: IDP-4 (broken form).

    Takeaway: ``count = count - 1`` is not idempotent: every copy that
    reaches the database decrements the stock again.  The version in the
    WHERE clause is what turns a retry into a no-op.
    """

    id = "idempotency.optimistic.no_version"
    expected = {"at_most_once": "violated", "exactly_once": "violated"}
    stale_copy_updated_nothing = None

    def matches(self, goods: Goods, version: int) -> bool:
        return True
