"""ZooKeeper-style lock: ephemeral sequential nodes, the lowest sequence number holds.

Claims: LK-2 (mutual exclusion while sessions are live; a crashed holder's
session expires, so the lock is eventually free), LK-2b (a holder paused past
the session timeout loses its node while it still believes it holds the lock),
LK-2c (watching the lock node instead of the predecessor wakes every waiter on
each release: the herd effect), LK-11 (fencing tokens taken from the node's
sequence number keep the resource safe even when LK-2b breaks the lock).

The recipe: a client creates ``/lock/n-<seq>`` (ephemeral, sequential) and
lists the children; if its node is the lowest it holds the lock, otherwise it
watches the node just before its own and waits.  Deleting a node fires the
watches on it; a woken client lists the children again.  Creating the node and
listing the children are one step here: nothing else in the recipe depends on
what happens between them.

Time: a live, unpaused client heartbeats its session every tick, so only a
paused or crashed client's silence grows; ``tick`` advances it, and once it
reaches ``session_timeout`` the server may ``expire`` the session, deleting
the client's ephemeral node.  The client itself learns nothing until it runs
again.

Grants and tokens: each time a client finds its node lowest it is granted
the lock; ``grants`` counts these, the true order of grants, and each client
keeps the number of its grant.  The token it presents to the resource is
its node's sequence number (:meth:`ZooKeeperLock.fencing_token`).  The
resource's log records, per accepted write, the token it compared and the
grant it came from; ``no_stale_write`` judges the grant numbers only.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, lane, put, sometimes
from distcheck.models.locks._view import by_client, clients_at
from distcheck.properties import locks

IN_CRITICAL_SECTION = ("holding", "wrote")


class ZkState(NamedTuple):
    pc: tuple[str, ...]  # idle | waiting | woken | holding | wrote | done | crashed
    nodes: tuple[tuple[int, int], ...]  # (sequence number, client), ascending
    next_seq: int
    node: tuple[int | None, ...]  # each client's own node (its sequence number is the token)
    grant: tuple[int | None, ...]  # the number of the grant each holder got
    grants: int  # grants so far: the true order in which clients came to hold the lock
    watch: tuple[int | None, ...]  # the node each waiting client watches
    paused: tuple[bool, ...]
    silent: tuple[int, ...]  # ticks since the client's last heartbeat
    accepted: tuple[locks.Write, ...]  # the writes the resource accepted, in order
    pauses_left: int
    crashes_left: int


class ZooKeeperLock(Model):
    """ZooKeeper lock, watching the predecessor, sessions kept alive.  Claims: LK-2.

    Takeaway: ephemeral sequential nodes give mutual exclusion while every
    session is live, and the lock cannot be lost to a crashed holder: its
    session expires and its node goes with it.  Watching only the predecessor
    wakes exactly one waiter per release (the recipe LK-2c's herd departs
    from, so ``wakeups_per_release`` holds here).
    """

    id = "locks.zookeeper"
    lane_order = ("client", "zookeeper", "storage")
    claims = ("LK-2",)
    clients = Param(3, at_least=1, at_most=6, doc="number of clients competing for the lock")
    session_timeout = Param(1, at_least=1, doc="ticks of silence before a session expires")
    # Params pauses=0 (process pauses, GC), crashes=1 (clients, crash-stop); sessions expire
    faults = Faults(pause=0, crash=1, restart=False, tick=True, expire=True)
    weak_fair = ("all_protocol", "tick", "expire")
    #: the resource checks tokens (fencing) when True
    fenced = False
    #: waiters watch their predecessor (the recipe) or the lowest node (the herd)
    watch_predecessor = True

    def init(self):
        n = self.clients
        yield ZkState(
            pc=("idle",) * n, nodes=(), next_seq=0, node=(None,) * n, grant=(None,) * n, grants=0,
            watch=(None,) * n,
            paused=(False,) * n, silent=(0,) * n, accepted=(), **self.faults.initial(),
        )

    def describe(self, s: ZkState) -> dict:
        view = by_client(s, ("pc", "node", "grant", "watch", "paused", "silent"))
        view["nodes"] = {f"/lock/n-{seq}": client for seq, client in s.nodes}
        return view

    # -- the recipe ------------------------------------------------------------------------

    def target(self, s: ZkState, seq: int) -> int | None:
        """The node a client whose node is ``seq`` must watch, None if ``seq`` is lowest."""
        lower = [n for n, _ in s.nodes if n < seq]
        if not lower:
            return None
        return lower[-1] if self.watch_predecessor else lower[0]

    def _check_children(self, s: ZkState, c: int) -> ZkState:
        seq = s.node[c]
        if all(n != seq for n, _ in s.nodes):  # our session expired: start over
            return s._replace(pc=put(s.pc, c, "idle"), node=put(s.node, c, None),
                              watch=put(s.watch, c, None))
        watched = self.target(s, seq)
        if watched is None:
            grant = s.grants + 1
            return s._replace(pc=put(s.pc, c, "holding"), watch=put(s.watch, c, None),
                              grant=put(s.grant, c, grant), grants=grant)
        return s._replace(pc=put(s.pc, c, "waiting"), watch=put(s.watch, c, watched))

    def _delete(self, s: ZkState, seq: int) -> ZkState:
        """Delete node ``seq`` and fire the watches on it."""
        pc = tuple(
            "woken" if p == "waiting" and w == seq else p for p, w in zip(s.pc, s.watch, strict=True)
        )
        watch = tuple(None if w == seq else w for w in s.watch)
        return s._replace(nodes=tuple(n for n in s.nodes if n[0] != seq), pc=pc, watch=watch)

    def runnable(self, s: ZkState, c: int, *at: str) -> bool:
        return s.pc[c] in at and not s.paused[c]

    @action(client="clients")
    @lane("client {client}", to="zookeeper")
    def acquire(self, s: ZkState, client: int):
        """Create an ephemeral sequential node, then list the children."""
        if self.runnable(s, client, "idle"):
            seq = s.next_seq
            s = s._replace(nodes=s.nodes + ((seq, client),), next_seq=seq + 1,
                           node=put(s.node, client, seq))
            return self._check_children(s, client)

    @action(client="clients")
    @lane("client {client}", to="zookeeper")
    def recheck(self, s: ZkState, client: int):
        """A watch fired: list the children again."""
        if self.runnable(s, client, "woken"):
            return self._check_children(s, client)

    @action(client="clients")
    @lane("client {client}", to="storage")
    def write(self, s: ZkState, client: int):
        """Write to the protected resource, presenting our token (checked only when fenced)."""
        if self.runnable(s, client, "holding"):
            accepted = locks.accept_write(s.accepted, s.grant[client],
                                          self.fencing_token(s.node[client]), fenced=self.fenced)
            return s._replace(pc=put(s.pc, client, "wrote"), accepted=accepted)

    def fencing_token(self, seq: int) -> int:
        """The token of a holder whose node is ``seq``: the sequence number itself."""
        return seq

    @action(client="clients")
    @lane("client {client}", to="zookeeper")
    def release(self, s: ZkState, client: int):
        """Delete our node (if the session still has it) and finish."""
        if self.runnable(s, client, "wrote"):
            s = s._replace(pc=put(s.pc, client, "done"))
            return self._delete(s, s.node[client])

    # -- faults ----------------------------------------------------------------------------

    def has_node(self, s: ZkState, c: int) -> bool:
        return any(owner == c for _, owner in s.nodes)

    @fault("pause", client="clients")
    @lane("client {client}")
    def pause(self, s: ZkState, client: int):
        if not s.paused[client] and s.pc[client] not in ("done", "crashed"):
            return self.faults.spend(s, "pause", paused=put(s.paused, client, True))

    @fault("resume", client="clients")
    @lane("client {client}")
    def resume(self, s: ZkState, client: int):
        """The process runs again; a waiter whose session expired is told so and starts over.

        A holder is told nothing in time: it is already past its check and
        goes on with its critical section.
        """
        if s.paused[client]:
            s = s._replace(paused=put(s.paused, client, False), silent=put(s.silent, client, 0))
            if s.pc[client] in ("waiting", "woken") and not self.has_node(s, client):
                s = s._replace(pc=put(s.pc, client, "idle"), node=put(s.node, client, None),
                               watch=put(s.watch, client, None))
            return s

    @fault("crash", client="clients")
    @lane("client {client}")
    def crash(self, s: ZkState, client: int):
        if self.faults.left(s, "crash") and s.pc[client] not in ("done", "crashed"):
            return self.faults.spend(s, "crash", pc=put(s.pc, client, "crashed"),
                                     paused=put(s.paused, client, False),
                                     watch=put(s.watch, client, None))

    def silenced(self, s: ZkState, c: int) -> bool:
        """The client's session is open but nobody heartbeats it."""
        return (s.paused[c] or s.pc[c] == "crashed") and self.has_node(s, c)

    @fault("tick")
    def tick(self, s: ZkState):
        # Time only matters while some open session is silent; elsewhere ticks change nothing.
        late = [c for c in range(self.clients)
                if self.silenced(s, c) and s.silent[c] < self.session_timeout]
        if late:
            silent = s.silent
            for c in late:
                silent = put(silent, c, silent[c] + 1)
            return s._replace(silent=silent)

    @fault("expire", client="clients")
    @lane("zookeeper")
    def expire(self, s: ZkState, client: int):
        """The server expires a silent session and deletes its ephemeral node."""
        if self.silenced(s, client) and s.silent[client] >= self.session_timeout:
            # the session's watches go with it
            s = s._replace(watch=put(s.watch, client, None))
            return self._delete(s, s.node[client])

    # -- adapters and properties -------------------------------------------------------------

    def holders(self, s: ZkState) -> list[int]:
        return clients_at(s.pc, IN_CRITICAL_SECTION)

    def woken(self, s: ZkState, step, t: ZkState) -> int:
        return sum(1 for a, b in zip(s.pc, t.pc, strict=True) if a == "waiting" and b == "woken")

    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="holds", claims=("LK-2",)
    )
    wakeups_per_release = locks.wakeups_per_release(
        woken=lambda self, s, step, t: self.woken(s, step, t), limit=1, expect="holds",
        claims=("LK-2c",),
    )
    wakeups = locks.wakeups_measure(
        woken=lambda self, s, step, t: self.woken(s, step, t),
        predicted=lambda self: min(1, self.clients - 1), claims=("LK-2c",),
    )

    eventually_free = locks.eventually_free(
        owner=lambda self, s: s.nodes[0][1] if s.nodes else None,
        crashed=lambda self, s, c: s.pc[c] == "crashed",
        expect="holds", claims=("LK-2",),
    )

    @sometimes()
    def lock_handed_over(self, s: ZkState) -> bool:
        """Sometimes a client gets the lock after another released it (not vacuous)."""
        return "done" in s.pc and bool(self.holders(s))


class SessionExpiry(ZooKeeperLock):
    """ZooKeeper lock, holder paused past the session timeout.  Claims: LK-2b.

    Takeaway: a ZooKeeper lock is a lease in disguise.  A GC pause longer than
    the session timeout expires the holder's session, its ephemeral node is
    deleted and the next client takes the lock while the paused holder, when it
    runs again, still believes it holds it: two clients in the critical
    section, and the stale holder's write is accepted by an unfenced resource.
    No lock service can prevent this on its own; the resource must check.
    """

    id = "locks.zookeeper.session_expiry"
    claims = ("LK-2b",)
    defaults = {"clients": 2, "pauses": 1, "crashes": 0}

    mutual_exclusion = locks.mutual_exclusion(
        holders=lambda self, s: self.holders(s), expect="violated", claims=("LK-2b",),
        because={"pauses": 0},
    )
    no_stale_write = locks.no_stale_write(expect="violated", claims=("LK-2b",),
                                          because={"pauses": 0})
    wakeups_per_release = None
    wakeups = None
    eventually_free = None  # no crashes here: see locks.zookeeper


class SessionExpiryFenced(SessionExpiry):
    """ZooKeeper lock with fencing tokens (the node's sequence number).  Claims: LK-2b, LK-11.

    Takeaway: the lock still admits two holders after a session expiry, but
    the resource remembers the highest token it accepted and rejects the
    paused holder's older token: the resource stays safe although the lock
    does not.  Mutual exclusion of the lock is violated; no stale write is
    accepted.
    """

    id = "locks.zookeeper.session_expiry.fenced"
    claims = ("LK-2b", "LK-11")
    fenced = True
    no_stale_write = locks.no_stale_write(expect="holds", claims=("LK-11",))


class WatchLockNode(ZooKeeperLock):
    """ZooKeeper lock where every waiter watches the lowest node.  Claims: LK-2c.

    Takeaway: mutual exclusion still holds, but each release wakes all n-1
    waiters, who all list the children and all but one go back to sleep: the
    herd effect, O(n) work per release.  Watching the predecessor (the recipe)
    wakes exactly one.
    """

    id = "locks.zookeeper.watch_lock_node"
    may_be_dead = {"tick": "nothing crashes here, so no session goes silent and time is idle",
                   "expire": "nothing crashes here, so no session goes silent and expires"}
    claims = ("LK-2c",)
    watch_predecessor = False
    defaults = {"crashes": 0}
    eventually_free = None  # no crashes here: see locks.zookeeper
    expected = {"wakeups_per_release": "violated"}
    causes = {"wakeups_per_release": "every waiter watches the same node, so every release "
              "wakes them all: no fault is needed"}
    wakeups = locks.wakeups_measure(
        woken=lambda self, s, step, t: self.woken(s, step, t),
        predicted=lambda self: self.clients - 1, claims=("LK-2c",),
    )
