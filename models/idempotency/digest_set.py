"""A Redis set of payload digests: process a request only if its MD5 was not in the set.

Claims: IDP-7 (check with ``SISMEMBER``, then ``SADD``, as two commands:
concurrent duplicates both find the digest absent and both are processed;
one ``SADD`` whose reply decides: processed once; the same after a Redis
restart that does not persist the set: processed again).

Seed §15: data that must be processed once has its MD5 computed and put in
a Redis set; a request whose digest is already there is not processed.
Here the digest is added before processing (adding it after would only
widen the window).  Redis may crash and restart once; with
``appendfsync always`` every ``SADD`` is on disk before its reply, without
persistence the set comes back empty.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, action, fault, lane, sometimes
from distcheck.models.idempotency._scene import ORDER, Scene
from distcheck.properties import effects
from distcheck.properties.effects import Effect
from distcheck.properties.idempotency import Answer

DIGEST = f"md5({ORDER})"


class Dg(NamedTuple):
    client: str
    call: int | None
    retries_left: int
    pc: tuple[str, ...]  # idle | received | absent | added
    req: tuple[str | None, ...]  # the payload's digest
    answers: tuple[Answer, ...]
    effects: tuple[Effect, ...]
    redis_up: bool
    digests: frozenset[str]  # the set in Redis's memory
    crashes_left: int
    restarts_left: int


class CheckThenAdd(Scene):
    """SISMEMBER digests d, then SADD digests d: two commands.  Claims: IDP-7.

    Takeaway: a check and an add in two commands leave a window in which a
    concurrent duplicate passes the same check.  Let the add be the check.
    """

    id = "idempotency.digest_set"
    claims = ("IDP-7",)
    effect = "processed"
    faults = Faults(crash=1, restart=1)  # Redis crashes and comes back
    #: "aof_always" (every SADD fsynced before its reply) or "none"
    persistence: ClassVar[str] = "aof_always"

    def init(self):
        yield Dg(**self.scene(redis_up=True, digests=frozenset()), **self.faults.initial())

    def payload(self, s: Dg) -> str:
        return DIGEST

    @action(server="servers")
    @lane("server {server}", to="redis")
    def server_sismember(self, s: Dg, server: int):
        """SISMEMBER digests d: present, a duplicate; absent, go on."""
        if s.redis_up and s.pc[server] == "received":
            if s.req[server] in s.digests:
                return self.reply(s, server, "duplicate")
            return self.at(s, server, "absent")

    @action(server="servers")
    @lane("server {server}", to="redis")
    def server_sadd(self, s: Dg, server: int):
        """SADD digests d (its reply is not looked at)."""
        if s.redis_up and s.pc[server] == "absent":
            return self.at(s, server, "added", digests=s.digests | {s.req[server]})

    @action(server="servers")
    @lane("server {server}")
    def server_process(self, s: Dg, server: int):
        """Process the request and answer."""
        if s.pc[server] == "added":
            return self.reply(self.apply(s), server, "processed")

    @fault("crash")
    @lane("redis")
    def redis_crash(self, s: Dg):
        """Redis dies; what it had not persisted is gone."""
        if s.redis_up:
            kept = s.digests if self.persistence == "aof_always" else frozenset()
            return self.faults.spend(s, "crash", redis_up=False, digests=kept)

    @fault("restart")
    @lane("redis")
    def redis_restart(self, s: Dg):
        """Redis comes back with what it had persisted."""
        if not s.redis_up:
            return self.faults.spend(s, "restart", redis_up=True)

    at_most_once = effects.at_most_once(lambda self, s: s.effects, expect="violated",
                                        claims=("IDP-7",))

    @sometimes()
    def duplicate_skipped(self, s: Dg) -> bool:
        """Sometimes a copy is answered "duplicate" (the set does fire)."""
        return Answer(ORDER, "duplicate") in s.answers


class OneSadd(CheckThenAdd):
    """SADD digests d alone: its reply, 1 or 0, decides.  Claims: IDP-7.

    Takeaway: ``SADD`` answers 1 to exactly one caller, so exactly one copy
    is processed; with every ``SADD`` fsynced, a Redis restart keeps the set
    and the guarantee.
    """

    id = "idempotency.digest_set.sadd"
    server_sismember = None
    at_most_once = effects.at_most_once(lambda self, s: s.effects, claims=("IDP-7",))

    @action(server="servers")
    @lane("server {server}", to="redis")
    def server_sadd(self, s: Dg, server: int):
        """SADD digests d: 1, the digest is new and ours to process; 0, a duplicate."""
        if s.redis_up and s.pc[server] == "received":
            if s.req[server] in s.digests:
                return self.reply(s, server, "duplicate")
            return self.at(s, server, "added", digests=s.digests | {s.req[server]})


class OneSaddNoPersistence(OneSadd):
    """One SADD, and Redis restarts without persistence.  Claims: IDP-7.

    Takeaway: the set is the only record of what was processed; kept in
    memory only, a restart forgets it and the next duplicate is processed
    again.  Persist it (AOF with fsync on every write) or keep the record
    in the database with the business data.
    """

    id = "idempotency.digest_set.sadd.no_persistence"
    persistence = "none"
    at_most_once = effects.at_most_once(lambda self, s: s.effects, expect="violated",
                                        claims=("IDP-7",))
