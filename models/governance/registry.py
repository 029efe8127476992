"""Service registry with heartbeats and eviction, and a consumer that caches the instance list.

Claims: GOV-1 (a crashed instance is eventually evicted, yet calls still
reach it within the lease plus the cache TTL) and GOV-1b (an instance that is
alive but partitioned from the registry is evicted: a false positive).

Instances heartbeat the registry every tick while they run and can reach it;
the registry counts the ticks it has not heard an instance (``silent``) and
evicts one silent for ``lease`` ticks (Eureka's lease, Consul's TTL check,
an etcd lease).  The consumer keeps a copy of the list and refreshes it when
it is ``cache_ttl`` ticks old, calling any instance on its copy.  Time
follows maximal progress: a due eviction or refresh happens before the next
tick.  An instance may crash (for good) or be cut off from the registry; a
cut-off instance that is healed heartbeats again and registers anew.

``governance.registry``: one instance crashes.  It is eventually evicted
(liveness, fair protocol and time), no live instance is ever evicted, but a
call reaches the dead instance, and ``stale_window`` computes for how long
after the crash: the lease plus the cache TTL, exactly, over every behaviour.

``governance.registry.partition``: no crash, but one instance is cut off
from the registry while it runs: it is evicted although it is alive.

Takeaway: discovery is eventually consistent twice over (the registry's
lease, then the consumer's cache), so callers need retries or failover to
another instance for that window; and a heartbeat timeout cannot tell dead
from unreachable, which is why Eureka's self-preservation mode stops evicting
when many heartbeats go missing at once.
"""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, Param, action, fault, invariant, lane, leads_to, put, sometimes
from distcheck.properties.figures import reachable_maximum


class Reg(NamedTuple):
    alive: tuple[bool, ...]  # the instance processes
    cut_off: tuple[bool, ...]  # partitioned from the registry: heartbeats are lost
    registered: tuple[bool, ...]  # the registry's list
    silent: tuple[int, ...]  # ticks the registry has not heard each instance (at most the lease)
    cache: tuple[bool, ...]  # the consumer's copy of the list
    cache_age: int  # ticks since the consumer's last refresh
    down_for: tuple[int | None, ...]  # ticks since each instance crashed (capped), None if alive
    stale_call: int | None  # the latest (after its crash) a call reached a crashed instance
    crashes_left: int
    partitions_left: int


class Registry(Model):
    """Registry with heartbeats and eviction, consumer-side cache, an instance crash.  Claims: GOV-1."""

    id = "governance.registry"
    lane_order = ("consumer", "registry", "instance")
    claims = ("GOV-1",)
    instances = Param(2, at_least=1, doc="instances of the provider service")
    lease = Param(1, at_least=1, doc="ticks without a heartbeat before eviction")
    cache_ttl = Param(1, at_least=1, doc="ticks the consumer keeps its copy of the list")
    # Params crashes=1 (crash-stop), partitions=0 (an instance cut off from the registry)
    faults = Faults(crash=1, restart=False, partition=0, tick=True)
    weak_fair = ("all_protocol", "tick")

    def init(self):
        n = self.instances
        yield Reg((True,) * n, (False,) * n, (True,) * n, (0,) * n, (True,) * n, 0, (None,) * n,
                  None, **self.faults.initial())

    def heard(self, s: Reg, i: int) -> bool:
        return s.alive[i] and not s.cut_off[i]

    def eviction_due(self, s: Reg, i: int) -> bool:
        return s.registered[i] and s.silent[i] >= self.lease

    @action(instance="instances")
    @lane("registry")
    def evict(self, s: Reg, instance: int):
        if self.eviction_due(s, instance):
            return s._replace(registered=put(s.registered, instance, False))

    @action()
    @lane("consumer", to="registry")
    def refresh(self, s: Reg):
        """The consumer's copy has expired: fetch the list again."""
        if s.cache_age >= self.cache_ttl:
            return s._replace(cache=s.registered, cache_age=0)

    @action(instance="instances")
    @lane("consumer", to="instance {instance}")
    def call(self, s: Reg, instance: int):
        """The consumer calls an instance on its copy of the list; a crashed one does not answer."""
        late = s.down_for[instance]
        if s.cache[instance] and late is not None and (s.stale_call is None or late > s.stale_call):
            return s._replace(stale_call=late)

    @fault("tick")
    def tick(self, s: Reg):
        due = s.cache_age >= self.cache_ttl or any(
            self.eviction_due(s, i) for i in range(self.instances))
        if due:
            return None  # maximal progress: the due eviction or refresh comes first
        cap = self.lease + self.cache_ttl + 1
        return s._replace(
            silent=tuple(0 if self.heard(s, i) or not s.registered[i] else min(t + 1, self.lease)
                         for i, t in enumerate(s.silent)),
            cache_age=s.cache_age + 1,
            down_for=tuple(None if d is None else min(d + 1, cap) for d in s.down_for))

    @fault("crash", instance="instances")
    @lane("instance {instance}")
    def crash(self, s: Reg, instance: int):
        if s.alive[instance]:
            return self.faults.spend(s, "crash", alive=put(s.alive, instance, False),
                                     down_for=put(s.down_for, instance, 0))

    @fault("partition", instance="instances")
    @lane("instance {instance}")
    def partition(self, s: Reg, instance: int):
        if s.alive[instance] and not s.cut_off[instance]:
            return self.faults.spend(s, "partition", cut_off=put(s.cut_off, instance, True))

    @fault("heal", instance="instances")
    @lane("instance {instance}")
    def heal(self, s: Reg, instance: int):
        """Heartbeats get through again; an evicted instance registers anew."""
        if s.cut_off[instance]:
            return s._replace(cut_off=put(s.cut_off, instance, False),
                              registered=put(s.registered, instance, s.alive[instance]),
                              silent=put(s.silent, instance, 0))

    evicted = leads_to(lambda m, s: s.registered[0] and not s.alive[0],
                       lambda m, s: not s.registered[0], claims=("GOV-1",),
                       doc="a crashed instance is eventually evicted (instance 0 stands for all)")

    @invariant(expect="violated", claims=("GOV-1",))
    def no_call_to_crashed(self, s: Reg) -> bool:
        """no call goes to a crashed instance"""
        return s.stale_call is None

    stale_window = reachable_maximum(
        lambda m, s: s.stale_call, label="latest call to a crashed instance, ticks after the crash",
        predicted=lambda m: m.lease + m.cache_ttl if m.crashes else None, claims=("GOV-1",))

    @invariant(claims=("GOV-1b",))
    def no_false_eviction(self, s: Reg) -> bool:
        """no instance is evicted while it is alive"""
        return all(r or not a for r, a in zip(s.registered, s.alive, strict=True))

    @sometimes()
    def consumer_forgets(self, s: Reg) -> bool:
        """sometimes the consumer's refreshed copy no longer lists an instance (not vacuous)"""
        return not all(s.cache)


class PartitionedInstance(Registry):
    """Registry, an instance alive but cut off from the registry.  Claims: GOV-1b."""

    id = "governance.registry.partition"
    may_be_dead = {"call": "a late call needs a crashed instance, and nothing crashes here"}
    claims = ("GOV-1b",)
    defaults = {"crashes": 0, "partitions": 1}
    expected = {"no_call_to_crashed": "holds", "no_false_eviction": "violated"}
    evicted = None  # nothing crashes here: see governance.registry
    stale_window = None
