"""Bundled adapters for the lock family on a real ``redis-server``.

:class:`RedisPyLock` drives redis-py's ``Lock`` (``SET key token NX PX ttl``
to acquire, a Lua compare-and-delete to release) for ``locks.redis_set_nx_px``
(LK-5) and the release models (``locks.release.*``: LK-6, LK-6c).
:class:`RedisSetnxExpire` sends the raw commands of the old recipe
(``SETNX``, then ``EXPIRE``) for ``locks.setnx_then_expire`` (LK-4); each of its
clients is a process of its own, so a crash is a real ``SIGKILL`` between
the two commands.  Both start their own ``redis-server`` on a Unix socket.

Clients are numbered as in the models; the key's value tells whose lock it
is (redis-py's token is a random string, mapped back to the client that
holds it).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from typing import Any

import redis
from redis.exceptions import LockNotOwnedError

from distcheck.conformance.adapter import Adapter, Observation
from distcheck.conformance.servers import RedisServer

KEY = "lock"
RESOURCE = "resource"


class _RedisAdapter(Adapter):
    """A redis-server of our own for the whole command, flushed before every run."""

    server: RedisServer | None = None

    def start(self) -> None:
        self.server = RedisServer()
        self.server.start()
        self.admin = redis.Redis(unix_socket_path=self.server.socket, decode_responses=True)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def reset(self) -> None:
        self.admin.flushall()

    def system(self) -> str:
        assert self.server is not None
        return f"{self.server.version()}, redis-py {redis.__version__}"

    def connect(self) -> redis.Redis:
        assert self.server is not None
        return redis.Redis(unix_socket_path=self.server.socket, decode_responses=True)


class RedisPyLock(_RedisAdapter):
    """redis-py's ``Lock``, one connection per client."""

    models = ("locks.redis_set_nx_px", "locks.release")

    def reset(self) -> None:
        super().reset()
        ttl = self.ttl_seconds(self.params["ttl"])
        self.locks = [redis.lock.Lock(self.connect(), KEY, timeout=ttl, thread_local=False)
                      for _ in range(self.params["clients"])]

    def acquire(self, client: int) -> Observation:
        got = self.locks[client].acquire(blocking=False)
        return {f"clients.{client}.pc": "holding" if got else "idle"}

    def write(self, client: int) -> Observation:
        self.admin.rpush(RESOURCE, client)
        return {f"clients.{client}.pc": "wrote"}

    def release(self, client: int) -> Observation:
        try:
            self.locks[client].release()
        except LockNotOwnedError:  # the compare-and-delete found another token: nothing deleted
            pass
        return {f"clients.{client}.pc": "done"}

    def observe(self) -> Observation:
        token = self.admin.get(KEY)
        owners = [c for c, lock in enumerate(self.locks) if lock.local.token is not None
                  and _text(lock.local.token) == token]
        seen: Observation = {"owner": owners[0] if owners else None if token is None else token}
        if self.model_id.startswith("locks.redis_set_nx_px"):
            seen["writers"] = [int(c) for c in self.admin.lrange(RESOURCE, 0, -1)]
        return seen

    def view(self, state: Any) -> Any:
        key = state["key"]
        extra: dict[str, Any] = {"owner": key["owner"] if isinstance(key, dict) else key}
        if "accepted" in state:  # the resource's log, by grant: turned into the writing clients
            by_grant = {cl["grant"]: int(c) for c, cl in state["clients"].items()}
            extra["writers"] = [by_grant[w["grant"]] for w in state["accepted"]]
        return {**state, **extra}


# Each raw-command client is a process of its own, so that a crash is a real kill: it reads
# one JSON command per line and answers with the JSON reply.
_CLIENT = """
import json, sys, redis
r = redis.Redis(unix_socket_path=sys.argv[1], decode_responses=True)
for line in sys.stdin:
    print(json.dumps(r.execute_command(*json.loads(line))), flush=True)
"""
_COMPARE_AND_DELETE = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                       "return redis.call('del', KEYS[1]) else return 0 end")


class RedisSetnxExpire(_RedisAdapter):
    """``SETNX`` then ``EXPIRE`` (``SET NX PX`` for ``locks.setnx_then_expire.set_nx_px``),
    each client a process of its own."""

    models = ("locks.setnx_then_expire",)
    clients: list[subprocess.Popen[str]]

    def reset(self) -> None:
        super().reset()
        self._kill_clients()
        assert self.server is not None
        self.clients = [subprocess.Popen([sys.executable, "-c", _CLIENT, self.server.socket],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                        for _ in range(self.params["clients"])]

    def stop(self) -> None:
        self._kill_clients()
        super().stop()

    def _kill_clients(self) -> None:
        for proc in getattr(self, "clients", []):
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
        self.clients = []

    def _send(self, client: int, *command: Any) -> Any:
        proc = self.clients[client]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps([str(c) for c in command]) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    def setnx(self, client: int) -> Observation:
        if self.model_id.endswith(".set_nx_px"):
            got = self._send(client, "SET", KEY, client, "NX", "PX", self.ttl_ms(self.params["ttl"]))
            return {f"clients.{client}.pc": "holding" if got else "idle"}
        got = self._send(client, "SETNX", KEY, client)
        return {f"clients.{client}.pc": "set" if got else "idle"}

    def set_expiry(self, client: int) -> Observation:
        self._send(client, "PEXPIRE", KEY, self.ttl_ms(self.params["ttl"]))
        return {f"clients.{client}.pc": "holding"}

    def release(self, client: int) -> Observation:
        self._send(client, "EVAL", _COMPARE_AND_DELETE, 1, KEY, client)
        return {f"clients.{client}.pc": "done"}

    def crash(self, client: int) -> Observation:
        proc = self.clients[client]
        proc.send_signal(signal.SIGKILL)  # our own child, by its PID
        proc.wait()
        return {f"clients.{client}.pc": "crashed"}

    def observe(self) -> Observation:
        owner = self.admin.get(KEY)
        if owner is None:
            return {"key": None}
        return {"key": {"owner": int(owner), "expiring": self.admin.pttl(KEY) >= 0}}

    def view(self, state: Any) -> Any:
        key = state["key"]
        return {**state, "key": None if key is None
                else {"owner": key["owner"], "expiring": key["expires"] is not None}}


def _text(token: Any) -> str:
    return token.decode() if isinstance(token, bytes) else str(token)
