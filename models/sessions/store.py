"""Where the session lives: an app server's memory behind sticky routing, or a central store.

Claims: SS-1 (sticky sessions: an app-server crash logs its users out), SS-2
(sessions in a central store survive app-server restarts) and SS-2b (the
store restarts without persistence: every session is lost).

Users log in on an app server and then send requests; a request finds the
user's session or the user is asked to log in again (``logged_out``).

``sessions.sticky``: the session is kept in the memory of the server the
user logged in on, and the balancer keeps sending the user there.  When that
server is down it fails the user over to a live one (IP binding without
failover is ``balancing.ip_hash.crash``), whose memory has no session.

``sessions.central_store``: app servers keep nothing; every server reads the
session from a central store (Redis with append-only persistence), and the
balancer sends a request to any live server.  App servers and the store may
crash and restart.

``sessions.central_store.no_persistence``: the same store without
persistence (a cache that restarts empty).

Takeaway: moving the session out of the app servers makes them stateless and
freely restartable, but it only moves the question to the store: it needs
persistence (or replication) for the sessions to outlive it.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import Faults, Model, Param, action, fault, invariant, lane, put, sometimes


class Sess(NamedTuple):
    up: tuple[bool, ...]  # app servers
    memory: tuple[frozenset[int], ...]  # the sessions each app server holds in memory
    store_up: bool
    store: frozenset[int]  # the sessions in the central store
    user: tuple[str, ...]  # per user: anonymous | logged_in | logged_out
    bound: tuple[int | None, ...]  # per user: the server sticky routing sends them to
    crashes_left: int


def stays_logged_in(model: Model, s: Sess) -> bool:
    """a logged-in user is never asked to log in again"""
    return "logged_out" not in s.user


class StickySessions(Model):
    """Sessions in app-server memory, sticky routing, failover on crash.  Claims: SS-1."""

    id = "sessions.sticky"
    lane_order = ("user", "server", "session store")
    claims = ("SS-1",)
    users = Param(2, at_least=1, doc="users, each logging in once")
    servers = Param(2, at_least=2, doc="app servers behind the balancer")
    faults = Faults(crash=1)  # Param crashes=1: app servers (and the store) crash, then restart
    #: where sessions are kept: "memory" (of the app server) or "store" (central)
    where: ClassVar[str] = "memory"
    #: the store keeps its data across a restart (append-only file)
    persistent: ClassVar[bool] = True
    may_be_dead = {"crash_store": "there is a session store only when where = \"store\"",
                   "restart_store": "there is a session store only when where = \"store\""}

    def init(self):
        yield Sess((True,) * self.servers, (frozenset(),) * self.servers, True, frozenset(),
                   ("anonymous",) * self.users, (None,) * self.users, **self.faults.initial())

    def routes(self, s: Sess, user: int, server: int) -> bool:
        """Whether the balancer may send this user's request to ``server``."""
        if not s.up[server]:
            return False
        if self.where == "memory" and s.bound[user] is not None and s.up[s.bound[user]]:
            return server == s.bound[user]  # sticky while the bound server is up
        return True

    def has_session(self, s: Sess, user: int, server: int) -> bool:
        return user in (s.memory[server] if self.where == "memory" else s.store)

    @action(user="users", server="servers")
    @lane("user {user}", to="server {server}")
    def login(self, s: Sess, user: int, server: int):
        if s.user[user] == "anonymous" and self.routes(s, user, server):
            if self.where == "memory":
                s = s._replace(memory=put(s.memory, server, s.memory[server] | {user}))
            elif s.store_up:
                s = s._replace(store=s.store | {user})
            else:
                return None  # the store is down: the login waits
            return s._replace(user=put(s.user, user, "logged_in"), bound=put(s.bound, user, server))

    @action(user="users", server="servers")
    @lane("user {user}", to="server {server}")
    def request(self, s: Sess, user: int, server: int):
        """A logged-in user's request: the server looks the session up."""
        if s.user[user] != "logged_in" or not self.routes(s, user, server):
            return None
        if self.where == "store" and not s.store_up:
            return None  # the request waits for the store
        if self.has_session(s, user, server):
            return s._replace(bound=put(s.bound, user, server)) if s.bound[user] != server else None
        return s._replace(user=put(s.user, user, "logged_out"))

    @fault("crash", server="servers")
    @lane("server {server}")
    def crash(self, s: Sess, server: int):
        if s.up[server]:
            return self.faults.spend(s, "crash", up=put(s.up, server, False),
                                     memory=put(s.memory, server, frozenset()))

    @fault("restart", server="servers")
    @lane("server {server}")
    def restart(self, s: Sess, server: int):
        if not s.up[server]:
            return s._replace(up=put(s.up, server, True))

    @fault("crash")
    @lane("session store")
    def crash_store(self, s: Sess):
        if self.where == "store" and s.store_up:
            kept = s.store if self.persistent else frozenset()
            return self.faults.spend(s, "crash", store_up=False, store=kept)

    @fault("restart")
    @lane("session store")
    def restart_store(self, s: Sess):
        if not s.store_up:
            return s._replace(store_up=True)

    stays_logged_in = invariant(expect="violated", claims=("SS-1",))(stays_logged_in)

    @sometimes()
    def served_after_a_crash(self, s: Sess) -> bool:
        """sometimes a user is logged in after a server or the store crashed (not vacuous)"""
        return s.crashes_left < self.crashes and "logged_in" in s.user


class CentralStore(StickySessions):
    """Sessions in a central store with persistence.  Claims: SS-2."""

    id = "sessions.central_store"
    claims = ("SS-2",)
    where = "store"
    stays_logged_in = invariant(claims=("SS-2",))(stays_logged_in)


class CentralStoreNoPersistence(CentralStore):
    """A central store that restarts empty.  Claims: SS-2b."""

    id = "sessions.central_store.no_persistence"
    claims = ("SS-2b",)
    persistent = False
    stays_logged_in = invariant(expect="violated", claims=("SS-2b",))(stays_logged_in)
