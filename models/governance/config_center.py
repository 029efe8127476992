"""A config centre pushing new versions to instances over a network that reorders messages.

Claims: GOV-4 (with versioned pushes every instance eventually settles on
the latest version and never goes back; without versions an instance goes
back to an older config).

The operator publishes versions 1, 2, ... of a config; each publication is
pushed to every instance as a message, and messages are delivered in any
order (pushes travel over separate connections and retries, as with Apollo's
or Nacos's notifications).  Each instance applies what it receives.

``governance.config_center``: the push carries the version and an instance
applies it only if it is newer than what it has.

``governance.config_center.unversioned``: an instance applies whatever
arrives.

``never_goes_back`` looks at every delivery; ``settles_on_latest`` is
liveness under fair delivery and publishing: once everything is published
and delivered, every instance has the latest version.

Takeaway: a push channel that can reorder needs a version (or a revision
counter such as etcd's) on every message, and instances that refuse to go
back; then the last push to arrive no longer decides the config.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from distcheck import (
    Model,
    Param,
    Step,
    action,
    action_property,
    always_eventually,
    lane,
    put,
    sometimes,
)


class Cfg(NamedTuple):
    published: int  # the latest version the operator published
    in_flight: tuple[tuple[int, int], ...]  # pushes not yet delivered: (instance, version), sorted
    config: tuple[int, ...]  # the version each instance runs


class ConfigCenter(Model):
    """Config centre with versioned pushes, reordering network.  Claims: GOV-4."""

    id = "governance.config_center"
    lane_order = ("config center", "instance")
    claims = ("GOV-4",)
    instances = Param(2, at_least=1, doc="instances receiving the config")
    versions = Param(2, at_least=1, doc="versions the operator publishes")
    weak_fair = ("all_protocol",)
    #: pushes carry the version and instances refuse older ones
    versioned: ClassVar[bool] = True

    def init(self):
        yield Cfg(0, (), (0,) * self.instances)

    @action()
    @lane("config center")
    def publish(self, s: Cfg):
        if s.published < self.versions:
            v = s.published + 1
            pushes = tuple(sorted(s.in_flight + tuple((i, v) for i in range(self.instances))))
            return s._replace(published=v, in_flight=pushes)

    def pushes(self, s: Cfg) -> tuple[tuple[int, int], ...]:
        return s.in_flight

    @action(push="pushes")
    @lane("config center", to="instance {push[0]}")
    def deliver(self, s: Cfg, push: tuple[int, int]):
        """One push reaches its instance, in whatever order the network chose."""
        instance, version = push
        rest = list(s.in_flight)
        rest.remove(push)
        applies = not self.versioned or version > s.config[instance]
        return s._replace(in_flight=tuple(rest),
                          config=put(s.config, instance, version) if applies else s.config)

    @action_property(claims=("GOV-4",))
    def never_goes_back(self, s: Cfg, step: Step, t: Cfg) -> bool:
        """no instance ever moves to an older config version"""
        return all(b >= a for a, b in zip(s.config, t.config, strict=True))

    settles_on_latest = always_eventually(
        lambda m, s: all(c == s.published for c in s.config) and s.published == m.versions,
        claims=("GOV-4",), doc="every instance eventually runs the latest version, and stays on it")

    @sometimes()
    def overtaken(self, s: Cfg) -> bool:
        """sometimes a newer push is delivered while an older one is still in flight"""
        return any(v < s.config[i] for i, v in s.in_flight)


class Unversioned(ConfigCenter):
    """Config centre whose pushes carry no version.  Claims: GOV-4."""

    id = "governance.config_center.unversioned"
    versioned = False
    expected = {"never_goes_back": "violated", "settles_on_latest": "violated"}
