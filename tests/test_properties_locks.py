"""The lock property library on hand-made states, and its binding into models."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from distcheck.contract.compiled import compile_model
from distcheck.contract.model import Model, Param, Step, action, declared_properties
from distcheck.engines.checker import Options, check_model
from distcheck.models.locks.zookeeper import WatchLockNode, ZooKeeperLock
from distcheck.properties import locks

NOBODY = None  # the adapters below ignore the model argument


def release(client: int, name: str = "release") -> Step:
    return Step(name, (client,), ("client",))


# --------------------------------------------------------------------------- mutual exclusion


def test_two_holders_fail_mutual_exclusion() -> None:
    prop = locks.mutual_exclusion(holders=lambda self, s: s["in_cs"])
    assert prop.kind == "invariant"
    assert prop.fn(NOBODY, {"in_cs": []})
    assert prop.fn(NOBODY, {"in_cs": [1]})
    assert not prop.fn(NOBODY, {"in_cs": [0, 1]})


def test_the_same_client_listed_twice_is_one_holder() -> None:
    prop = locks.mutual_exclusion(holders=lambda self, s: s)
    assert prop.fn(NOBODY, [2, 2])


# --------------------------------------------------------------------------- release


def owner_of(s: dict) -> int | None:
    return s["owner"]


def test_release_of_another_clients_lock_fails() -> None:
    prop = locks.no_release_of_others(owner=lambda self, s: owner_of(s),
                                      release_actions=("release",))
    assert prop.kind == "action"
    held_by_1, free = {"owner": 1}, {"owner": None}
    assert not prop.fn(NOBODY, held_by_1, release(0), free)


def test_release_of_own_lock_or_of_nothing_passes() -> None:
    prop = locks.no_release_of_others(owner=lambda self, s: owner_of(s),
                                      release_actions=("release",))
    assert prop.fn(NOBODY, {"owner": 0}, release(0), {"owner": None})
    assert prop.fn(NOBODY, {"owner": None}, release(0), {"owner": None})
    # a release that leaves the other client's lock alone (atomic compare-and-delete)
    assert prop.fn(NOBODY, {"owner": 1}, release(0), {"owner": 1})


def test_expiry_is_not_a_release() -> None:
    prop = locks.no_release_of_others(owner=lambda self, s: owner_of(s),
                                      release_actions=("release",))
    assert prop.fn(NOBODY, {"owner": 1}, Step("tick"), {"owner": None})
    assert not prop.fn(NOBODY, {"owner": 1}, release(0, "release"), {"owner": None})


# --------------------------------------------------------------------------- reentrancy


def test_lock_freed_while_a_nested_hold_remains_fails_reentrancy() -> None:
    prop = locks.reentrancy(hold_counts=lambda self, s: s["depth"], owner=lambda self, s: s["owner"])
    assert prop.fn(NOBODY, {"depth": {0: 2, 1: 0}, "owner": 0})
    assert prop.fn(NOBODY, {"depth": {0: 0, 1: 0}, "owner": None})
    assert not prop.fn(NOBODY, {"depth": {0: 1, 1: 0}, "owner": None})
    assert not prop.fn(NOBODY, {"depth": {0: 1, 1: 1}, "owner": 1})


# --------------------------------------------------------------------------- fencing


class Resource(NamedTuple):
    accepted: tuple[locks.Write, ...]


def log(*writes: tuple[int, int]) -> Resource:
    return Resource(tuple(locks.Write(grant, token) for grant, token in writes))


def test_a_write_from_an_older_grant_after_a_newer_one_fails_fencing() -> None:
    prop = locks.no_stale_write()
    assert prop.kind == "action"
    assert not prop.fn(NOBODY, log((3, 3)), Step("write"), log((3, 3), (2, 2)))


def test_newer_or_same_grant_or_rejection_passes_fencing() -> None:
    prop = locks.no_stale_write()
    assert prop.fn(NOBODY, log(), Step("write"), log((1, 1)))
    assert prop.fn(NOBODY, log((2, 2)), Step("write"), log((2, 2), (2, 2)))
    assert prop.fn(NOBODY, log((2, 2)), Step("write"), log((2, 2), (5, 5)))
    assert prop.fn(NOBODY, log((3, 3)), Step("write"), log((3, 3)))  # rejected


def test_fencing_judges_grants_not_tokens() -> None:
    # Tokens that fall while grants rise are no stale write; tokens that rise while grants
    # fall are one: the property is not the resource's token check restated.
    prop = locks.no_stale_write()
    assert prop.fn(NOBODY, log((1, 9)), Step("write"), log((1, 9), (2, 4)))
    assert not prop.fn(NOBODY, log((2, 4)), Step("write"), log((2, 4), (1, 9)))


def test_the_resource_compares_tokens_only() -> None:
    newest = (locks.Write(grant=2, token=5),)
    assert locks.accept_write(newest, 1, 4, fenced=True) == newest
    assert locks.accept_write(newest, 1, 7, fenced=True) == (*newest, locks.Write(1, 7))
    assert locks.accept_write(newest, 1, 4, fenced=False) == (*newest, locks.Write(1, 4))
    assert locks.accept_write((), 1, 4, fenced=True) == (locks.Write(1, 4),)


# --------------------------------------------------------------------------- herd effect


def test_wakeups_property_counts_per_step() -> None:
    prop = locks.wakeups_per_release(woken=lambda self, s, step, t: t - s, limit=1)
    assert prop.fn(NOBODY, 0, Step("release"), 1)
    assert not prop.fn(NOBODY, 0, Step("release"), 2)


@pytest.mark.parametrize("clients", [3, 4])
def test_herd_wakes_n_minus_1_per_release(clients: int) -> None:
    assert locks.max_wakeups_per_release(WatchLockNode(clients=clients)) == clients - 1


@pytest.mark.parametrize("clients", [3, 4])
def test_watching_the_predecessor_wakes_1_per_release(clients: int) -> None:
    assert locks.max_wakeups_per_release(ZooKeeperLock(clients=clients, crashes=0)) == 1


def test_herd_property_needs_three_clients() -> None:
    def verdict(clients: int) -> str:
        model = WatchLockNode(clients=clients)
        [r] = check_model(model, Options(), only=["wakeups_per_release"])
        return r.verdict

    assert verdict(2) == "holds"  # one waiter: the herd is a herd of one
    assert verdict(3) == "violated"


def test_wakeups_measure_reports_and_cross_checks() -> None:
    [r] = check_model(WatchLockNode(clients=4), Options(), only=["wakeups"])
    assert r.verdict == "reported" and r.extra["figures"][locks.WAKEUPS_MEASURE] == 3
    wrong = locks.wakeups_measure(woken=lambda self, s, step, t: 0, predicted=lambda self: 1)
    measurement = wrong.fn(WatchLockNode(clients=3))
    assert measurement.problem and "predicts 1" in measurement.problem


# --------------------------------------------------------------------------- binding


class Toy(NamedTuple):
    in_cs: frozenset[int]


class ToyLock(Model):
    """A lock without a lock: anyone may enter (for the binding test only)."""

    clients = Param(2, at_least=1)

    def init(self):
        yield Toy(frozenset())

    @action(client="clients")
    def enter(self, s: Toy, client: int):
        if client not in s.in_cs:
            return s._replace(in_cs=s.in_cs | {client})

    exclusive = locks.mutual_exclusion(holders=lambda self, s: s.in_cs, claims=("LK-1",))


class ToyLockExpected(ToyLock):
    expected = {"exclusive": "violated"}


def test_library_properties_bind_under_their_attribute_name() -> None:
    assert "exclusive" in declared_properties(ToyLock)
    model = ToyLock()
    [prop] = compile_model(model).properties
    assert (prop.name, prop.kind, prop.expect, prop.claims) == (
        "exclusive", "invariant", "holds", ("LK-1",))
    [r] = check_model(model, Options())
    assert r.verdict == "violated" and len(r.trace) == 2
    [r] = check_model(ToyLockExpected(), Options())
    assert r.expected == "violated" and r.as_expected


def test_eventually_free_is_a_liveness_property() -> None:
    prop = locks.eventually_free(owner=lambda self, s: s, crashed=lambda self, s, c: True)
    assert prop.kind == "liveness" and prop.spec.form == "leads_to"
    assert prop.spec.p(NOBODY, 0) and not prop.spec.q(NOBODY, 0)
    assert not prop.spec.p(NOBODY, None) and prop.spec.q(NOBODY, None)


def test_an_expired_session_takes_its_watches_along() -> None:
    # Without this a waiter whose session expired still watched the holder's node, and the
    # holder's release woke two clients although each watched only its predecessor.
    model = ZooKeeperLock(clients=3, pauses=1, crashes=0)
    assert locks.max_wakeups_per_release(model) == 1
