"""Bundled adapter for the idempotency family's token designs on a real ``redis-server``.

:class:`RedisToken` runs ``idempotency.token`` (IDP-1: ``GET`` the token,
compare, then ``DEL`` it, three round trips), ``idempotency.token.atomic``
(IDP-1b: one ``EVAL`` of a compare-and-delete script) and
``idempotency.token.delete_after`` (IDP-2: the ``DEL`` after the business
step, the app server killed between the two).  The token service has saved
token 1 (``SET token:1 1``) before the client sends; each app server is a
connection of its own, and the business step appends the charge to the
``charges`` list, so the charges and the live tokens are read back from
Redis after every step.  A crash closes the app server's connection with
the copy it was handling.
"""

from __future__ import annotations

from typing import Any

import redis

from distcheck.conformance.adapter import Observation
from distcheck.conformance.idempotency import ORDER, IdempotencyScene
from distcheck.conformance.redis_locks import _COMPARE_AND_DELETE, _RedisAdapter
from distcheck.contract.errors import BadInput

CHARGES = "charges"


def _key(token: int) -> str:
    return f"token:{token}"


class RedisToken(IdempotencyScene, _RedisAdapter):
    """GET/compare/DEL, the atomic script, or DEL after the business (see the module docstring)."""

    models = ("idempotency.token",)
    #: the variants whose business step never fails (the others branch on a failure budget)
    driven = ("idempotency.token", "idempotency.token.atomic", "idempotency.token.delete_after")

    def start(self) -> None:
        if self.model_id not in self.driven:
            raise BadInput(f"adapter RedisToken drives {', '.join(self.driven)}, not "
                           f"{self.model_id}")
        super().start()

    def reset(self) -> None:
        IdempotencyScene.reset(self)
        _RedisAdapter.reset(self)
        for db in getattr(self, "conns", {}).values():
            db.close()
        self.conns: dict[int, redis.Redis] = {}
        self.token = 1
        self.admin.set(_key(self.token), 1)  # the token service saved it before handing it out
        self.checked: set[int] = set()

    def stop(self) -> None:
        for db in getattr(self, "conns", {}).values():
            db.close()
        super().stop()

    def conn(self, server: int) -> redis.Redis:
        """App server ``server``'s connection, opened on first use (and after a restart)."""
        if server not in self.conns:
            self.conns[server] = self.connect()
        return self.conns[server]

    def payload(self) -> Any:
        return self.token

    def server_get(self, server: int) -> Observation:
        """GET and compare: present, this copy is the first; absent, a duplicate."""
        if self.conn(server).get(_key(self.req[server])) is not None:
            return {}
        return self.reply(server, "duplicate")

    def server_del(self, server: int) -> Observation:
        self.conn(server).delete(_key(self.req[server]))
        if self.model_id.endswith(".delete_after"):
            return self.reply(server, "ok")
        return {}

    def server_check_and_delete(self, server: int) -> Observation:
        token = self.req[server]
        if self.conn(server).eval(_COMPARE_AND_DELETE, 1, _key(token), token):
            return {}
        return self.reply(server, "duplicate")

    def server_business(self, server: int) -> Observation:
        self.conn(server).rpush(CHARGES, ORDER)
        if self.model_id.endswith(".delete_after"):
            return {}  # the token is deleted, and the answer given, by server_del
        return self.reply(server, "ok")

    def crash(self, server: int) -> Observation:
        db = self.conns.pop(server, None)
        if db is not None:
            db.close()
        self.req.pop(server, None)
        return {}

    def restart(self, server: int) -> Observation:
        return {}  # a new connection is opened on the server's next command

    def observe(self) -> Observation:
        live = sorted(int(k.split(":", 1)[1]) for k in self.admin.keys(_key("*")))  # type: ignore[union-attr]
        charges = self.admin.lrange(CHARGES, 0, -1)
        return {"tokens": live, "effects": [{"key": key, "effect": "charged"} for key in charges]}
