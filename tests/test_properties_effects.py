"""The effect-log properties on hand-made logs and on a small retrying client."""

from __future__ import annotations

from typing import NamedTuple

from distcheck import Faults, Model, action, fault, put
from distcheck.contract.compiled import compile_model
from distcheck.engines.checker import Options, check_model
from distcheck.properties import effects
from distcheck.properties.effects import Effect, record

LOG = (Effect("o1", "debit"), Effect("o2", "debit"), Effect("o1", "debit"), Effect("o1", "refund"))


def test_record_keeps_the_log_sorted_so_order_does_not_split_states() -> None:
    a = record(record((), "o2"), "o1")
    b = record(record((), "o1"), "o2")
    assert a == b == (Effect("o1"), Effect("o2"))


def test_counts_on_a_hand_made_log() -> None:
    assert effects.count(LOG, "o1") == 3 and effects.count(LOG, "o1", "debit") == 2
    assert effects.duplicates(LOG) == [(Effect("o1", "debit"), 2)]
    assert effects.duplicates(LOG, "refund") == []
    assert effects.missing(LOG, ["o1", "o3"], "debit") == ["o3"]


def test_the_properties_judge_hand_made_logs() -> None:
    twice = effects.at_most_once(lambda m, s: s, effect="debit").fn
    once = effects.exactly_once(lambda m, s: s, lambda m, s: ["o1", "o2"], lambda m, s: True,
                                effect="debit").fn
    clean = (Effect("o1", "debit"), Effect("o2", "debit"))
    assert twice(None, clean) and not twice(None, LOG)  # a double effect is found
    assert once(None, clean)
    assert not once(None, LOG)  # doubled
    assert not once(None, clean[:1])  # lost


class S(NamedTuple):
    waiting: tuple[bool, ...]   # each request not yet answered to its client
    effects: tuple[Effect, ...]
    duplicates_left: int


class RetryingClient(Model):
    """A client retries an unanswered request; the server applies every copy it gets."""

    id = "test.effects.retry"
    faults = Faults(duplicate=1)
    requests = 2

    def init(self):
        yield S((True,) * self.requests, (), **self.faults.initial())

    @action(r="requests")
    def serve(self, s, r):
        if s.waiting[r]:
            return s._replace(waiting=put(s.waiting, r, False), effects=record(s.effects, r))

    @fault("duplicate", r="requests")
    def retry_after_timeout(self, s, r):
        if not s.waiting[r] and effects.count(s.effects, r) == 1:
            return self.faults.spend(s, "duplicate", waiting=put(s.waiting, r, True))

    once = effects.at_most_once(lambda self, s: s.effects, expect="violated")
    promised = effects.exactly_once(lambda self, s: s.effects, lambda self, s: range(self.requests),
                                    lambda self, s: not any(s.waiting), expect="violated")
    served = effects.eventually_applied(lambda self, s: any(s.waiting),
                                        lambda self, s: s.effects,
                                        lambda self, s: range(self.requests))


def test_a_retried_request_is_found_applied_twice_by_the_engines() -> None:
    results = {r.property: r for r in check_model(compile_model(RetryingClient()), Options())}
    assert {n: r.verdict for n, r in results.items()} == {
        "once": "violated", "promised": "violated", "served": "holds"}
    assert len(results["once"].trace.steps) == 3  # serve, retry, serve again
    assert all(r.as_expected for r in results.values())


def test_without_duplicates_the_effect_is_exactly_once() -> None:
    model = compile_model(RetryingClient(duplicates=0))
    verdicts = {r.property: r.verdict for r in check_model(model, Options())}
    assert verdicts == {"once": "holds", "promised": "holds", "served": "holds"}
