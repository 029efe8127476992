"""Fingerprint storage, symmetry reduction and the fast ``_replace``: same verdicts, same counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, NamedTuple

import pytest

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import ModelError
from distcheck.contract.state import fast_replace
from distcheck.engines import bfs
from distcheck.engines.fingerprints import FingerprintStore, fingerprinter
from distcheck.engines.symmetry import canonicaliser
from distcheck.models.locks.lock_server import GrantWithoutLock, LockServer
from distcheck.models.transactions.tcommit import TCommit
from distcheck.models.transactions.twophase import EagerCommit, TwoPhase
from distcheck.traces.replay import replay

#: bundled models with a state space to search (some only compute figures or prove)
BUNDLED = {mid: cls for mid, cls in catalog.bundled_models().items()
           if not cls.slow and compile_model(cls()).actions}
SYMMETRIC = sorted(mid for mid, cls in BUNDLED.items() if canonicaliser(cls()) is not None)


def outcome(run: bfs.Exploration) -> tuple[Any, ...]:
    s = run.stats
    return (s.distinct_states, s.total_states, s.depth, s.complete, run.cut,
            sorted(run.violations), sorted(run.witnesses), run.deadlock is not None)


# --------------------------------------------------------------------------- fingerprints

PROBE = """
import enum, json, sys
from typing import NamedTuple
from distcheck.engines.fingerprints import fingerprinter
class Colour(enum.Enum):
    RED = 1
class Rec(NamedTuple):
    name: str
    peer: object
fp = fingerprinter()
states = [("a", None, 1), Rec("x", None), (frozenset({"p", "q", ("r", 2)}), Colour.RED),
          (True, 1.5, (), frozenset()), "plain string", 12345678901234567890]
print(json.dumps([fp(s) for s in states]))
"""


def test_fingerprints_do_not_depend_on_the_hash_seed() -> None:
    seen = set()
    for seed in ("1", "2", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                             text=True, check=True).stdout
        seen.add(out)
    assert len(seen) == 1, seen
    values = json.loads(seen.pop())
    assert len(set(values)) == len(values) and 0 not in values


def test_fingerprints_tell_apart_values_that_differ_in_type_or_place() -> None:
    fp = fingerprinter()
    assert fp(("a", "b")) != fp(("b", "a"))
    assert fp((frozenset({1, 2}),)) == fp((frozenset({2, 1}),))
    assert fp((1.0,)) != fp(("1.0",))


def test_a_state_without_canonical_form_is_one_model_error() -> None:
    class Opaque:
        pass

    with pytest.raises(Exception, match="no canonical form"):
        fingerprinter()((Opaque(),))


def test_the_store_grows_and_keeps_parent_links() -> None:
    store = FingerprintStore([0])
    for i in range(1, 20_000):
        assert i not in store
        store[i] = i - 1
        assert i in store
    assert len(store) == 20_000
    fp = store.fingerprint
    assert store.parent_of(fp(12_345)) == fp(12_344)
    assert store.parent_of(fp(0)) == 0


@pytest.mark.parametrize("mid", sorted(BUNDLED))
def test_fingerprint_storage_gives_the_same_counts_and_verdicts(mid: str) -> None:
    whole = bfs.explore(BUNDLED[mid]())
    prints = bfs.explore(BUNDLED[mid](), storage="fingerprints")
    assert outcome(prints) == outcome(whole)
    assert prints.stats.collision_probability is not None


def test_a_fingerprint_runs_trace_is_shortest_and_replays() -> None:
    whole = {r.property: r for r in bfs.check(EagerCommit(rms=4))}
    prints = {r.property: r for r in bfs.check(EagerCommit(rms=4), storage="fingerprints")}
    r = prints["consistent"]
    assert r.verdict == "violated"
    assert len(r.trace) == len(whole["consistent"].trace)
    assert replay(r.trace).reproduced


def test_the_collision_probability_is_printed(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-m", "distcheck", "check", "transactions.twophase",
                          "--storage", "fingerprints"], capture_output=True, text=True,
                         cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert "transactions.twophase: stored as 64-bit fingerprints; collision probability" \
        in out.stdout


# --------------------------------------------------------------------------- symmetry


def test_the_symmetric_models_are_the_ones_expected() -> None:
    assert {"transactions.twophase", "transactions.tcommit", "locks.lock_server"} <= \
        set(SYMMETRIC)


@pytest.mark.parametrize("mid", SYMMETRIC)
@pytest.mark.parametrize("storage", ["states", "fingerprints"])
def test_symmetry_keeps_every_verdict_and_the_shortest_trace_length(mid: str, storage: str
                                                                  ) -> None:
    full = {r.property: r for r in bfs.check(BUNDLED[mid]())}
    reduced = {r.property: r for r in bfs.check(BUNDLED[mid](), storage=storage,
                                                symmetry=True)}
    assert {p: r.verdict for p, r in reduced.items()} == {p: r.verdict for p, r in full.items()}
    for p, r in reduced.items():
        assert r.stats.depth == full[p].stats.depth
        assert r.stats.distinct_states < full[p].stats.distinct_states
        if r.trace is not None:
            assert len(r.trace) == len(full[p].trace)
            assert replay(r.trace).reproduced  # a real run of the model


@pytest.mark.parametrize("model", [TwoPhase(rms=4), EagerCommit(rms=3), TCommit(rms=5),
                                   LockServer(clients=3), GrantWithoutLock(clients=3)],
                         ids=lambda m: m.id)
def test_the_reduced_search_stores_exactly_the_orbits_of_the_reachable_states(model) -> None:
    canon = canonicaliser(model)
    full = bfs.explore(model, properties=[])
    reduced = bfs.explore(model, properties=[], symmetry=True)
    assert set(reduced.parent) == {canon(s) for s in full.parent}
    # a canonical form is one per orbit: renumbering a state does not change it
    for s in list(full.parent)[:200]:
        assert canon(canon(s)) == canon(s)


def test_twophase_with_ten_rms_is_verified_under_symmetry() -> None:
    results = bfs.check(TwoPhase(rms=10), storage="fingerprints", symmetry=True)
    assert {r.property: r.verdict for r in results} == {"consistent": "holds",
                                                        "some_commit": "holds"}


def test_symmetry_changes_nothing_for_a_model_that_does_not_declare_it() -> None:
    mid = next(m for m in sorted(BUNDLED) if not BUNDLED[m].symmetric)
    assert outcome(bfs.explore(BUNDLED[mid](), symmetry=True)) == \
        outcome(bfs.explore(BUNDLED[mid]()))


def test_a_symmetry_declaration_without_typed_fields_is_one_model_error() -> None:
    class Untyped(TCommit):
        id = "test.untyped"
        fields = None
        symmetric = ("rm",)

    with pytest.raises(Exception, match="needs typed state fields"):
        bfs.explore(Untyped(), symmetry=True)


def test_symmetry_with_a_sampling_engine_is_refused_with_one_line(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-m", "distcheck", "check", "transactions.twophase",
                          "--engine", "simulate", "--symmetry"], capture_output=True, text=True,
                         cwd=tmp_path, check=False)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "--symmetry" in out.stderr


# --------------------------------------------------------------------------- fast _replace


class Rec(NamedTuple):
    a: int
    b: str = "x"


def test_the_fast_replace_builds_the_same_tuple() -> None:
    before = Rec(1)._replace(b="y")
    fast_replace(Rec)
    after = Rec(1)._replace(b="y")
    assert after == before and type(after) is Rec and Rec(1)._replace() == Rec(1)
    with pytest.raises(TypeError):
        Rec(1)._replace(c=3)


def test_compiling_a_model_speeds_up_its_state_class() -> None:
    from distcheck.models.transactions.twophase import TP

    compile_model(TwoPhase()).initial_states()
    assert TP._replace.__qualname__ == "TP._replace"
    assert TP._replace.__code__.co_filename == "<string>"


# --------------------------------------------------------------------------- worker processes


@pytest.mark.parametrize("mid", sorted(BUNDLED))
def test_two_workers_give_the_same_counts_and_verdicts(mid: str) -> None:
    assert outcome(bfs.explore(BUNDLED[mid](), workers=2)) == outcome(bfs.explore(BUNDLED[mid]()))


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("symmetry", [False, True])
def test_a_parallel_runs_trace_is_shortest_and_replays(workers: int, symmetry: bool) -> None:
    single = {r.property: r for r in bfs.check(GrantWithoutLock(clients=3))}
    parallel = {r.property: r for r in bfs.check(GrantWithoutLock(clients=3), workers=workers,
                                                 symmetry=symmetry)}
    assert {p: r.verdict for p, r in parallel.items()} == \
        {p: r.verdict for p, r in single.items()}
    r = parallel["mutual_exclusion"]
    assert len(r.trace) == len(single["mutual_exclusion"].trace)
    assert replay(r.trace).reproduced


def test_parallel_runs_are_deterministic() -> None:
    runs = [bfs.check(EagerCommit(rms=4), workers=2) for _ in range(2)]
    assert [r.trace.to_json() if r.trace else None for r in runs[0]] == \
        [r.trace.to_json() if r.trace else None for r in runs[1]]


def test_a_state_bound_keeps_one_process() -> None:
    run = bfs.explore(TwoPhase(rms=4), bounds=bfs.Bounds(max_states=100), workers=2)
    assert run.stats.distinct_states == 100 and run.cut
    assert run.stats.collision_probability is None  # the single-process engine ran


def test_a_model_error_in_a_worker_is_one_model_error() -> None:
    from distcheck import invariant

    class Broken(TCommit):
        id = "test.broken_in_worker"

        @invariant(expect="holds")
        def consistent(self, s) -> bool:
            if "prepared" in s.rm_state:
                raise RuntimeError("boom")
            return True

    with pytest.raises(ModelError, match="consistent raised RuntimeError: boom"):
        bfs.explore(Broken(), workers=2)


def test_a_set_valued_domain_is_ordered_once_per_set() -> None:
    from distcheck.contract.compiled import _state_domain
    from distcheck.contract.state import ordered

    mixed = frozenset({None, 3, 1, "a", (2, None)})
    calls = []
    domain = _state_domain(lambda s: calls.append(s) or (set(mixed) if s else mixed))
    first = domain(0)
    assert first == ordered(mixed)
    assert domain(1) is first and domain(0) is first  # a set equal to one seen before
    assert domain.__closure__ is not None and len(calls) == 3
