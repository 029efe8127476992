"""Proofs for any number of nodes: the Z3 reading of a typed model agrees with the Python
one, CTIs are triaged both ways, inference is re-checked, unsupported constructs are refused."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import z3

from distcheck import Enum, Fields, Map, Model, NodeSet, Param, Sort, Var, action, invariant
from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.typed import Flag, Msgs, typed_fields
from distcheck.engines.bfs import explore
from distcheck.engines.induction import prove_unbounded, sized, with_text_invariant
from distcheck.engines.symbolic import SymbolicModel, closed_world, concrete_args, node_terms
from distcheck.traces import tracefile
from distcheck.traces.replay import replay
from tests.cli_helpers import one_line, run

TYPED = sorted(mid for mid, cls in catalog.bundled_models().items()
               if typed_fields(cls) is not None)
#: sort size of the differential test, and random states added to the reachable ones
SIZE, RANDOM_STATES = 2, 40


def test_the_catalogue_has_typed_models() -> None:
    assert {"transactions.twophase", "transactions.tcommit", "locks.lock_server",
            "locks.lock_server.grant_without_lock"} <= set(TYPED)


def _random_state(fields: Fields, size: int, rng: random.Random) -> Any:
    values = {}
    for name, f in fields.fields.items():
        if isinstance(f, Map):
            choices = (False, True) if f.values is bool else f.values.values
            values[name] = tuple(rng.choice(choices) for _ in range(size))
        elif isinstance(f, NodeSet):
            values[name] = frozenset(i for i in range(size) if rng.random() < 0.5)
        elif isinstance(f, Var):
            values[name] = rng.choice(f.values.values)
        elif isinstance(f, Flag):
            values[name] = rng.random() < 0.5
        else:
            assert isinstance(f, Msgs)
            every = [f.make(tag, [0] * len(ss)) for tag, ss in f.tags.items() if not ss]
            every += [f.make(tag, [i]) for tag, ss in f.tags.items() if len(ss) == 1
                      for i in range(size)]
            values[name] = frozenset(m for m in every if rng.random() < 0.4)
    return fields.state(**values)


@pytest.mark.parametrize("model_id", TYPED)
def test_z3_transitions_and_invariants_agree_with_the_python_model(model_id: str) -> None:
    """The differential test: every action, argument and invariant, on sampled states."""
    cls = catalog.get(model_id)
    small = sized(compile_model(cls()), SymbolicModel(cls()), {})
    sym = SymbolicModel(small.model)
    sizes = dict.fromkeys(sym.sorts, SIZE)
    small = sized(small, sym, sizes)
    fields = typed_fields(cls)
    assert fields is not None
    assert small.initial_states() == [fields.initial(sizes)]  # the declared init is init()'s
    rng = random.Random(0)
    states = list(explore(small).parent)
    states += [_random_state(fields, SIZE, rng) for _ in range(RANDOM_STATES)]
    nodes = node_terms(sym.sorts, sizes, "d")
    invariants = [(p, sym.invariant(p.check.__func__, sym.pre, p.name))
                  for p in small.properties if p.kind == "invariant"]
    cases = mismatches = 0
    for s in states:
        solver = z3.Solver()
        solver.add(*closed_world(sym.sorts, nodes), *sym.codec.pin(sym.pre, s, nodes))
        python = {(a.name, args, t) for a, args, t in small.transitions(s)}
        found = set()
        for t in sym.transitions:
            for case in concrete_args(t, small.model, nodes):
                solver.push()
                solver.add(*case["bind"], t.pc)
                if solver.check() == z3.sat:
                    m = solver.model()
                    values = [(m.eval(term, model_completion=True), key)
                              for term, key in sym.codec.facts(t.post, nodes)]
                    found.add((t.action, tuple(case["kwargs"].values()),
                               sym.codec.read(values, sizes)))
                solver.pop()
        cases += len(python | found)
        mismatches += len(python ^ found)
        assert found == python, f"{model_id} from {s}: only Python {python - found}, " \
                                f"only Z3 {found - python}"
        for p, formula in invariants:
            solver.push()
            solver.add(z3.Not(formula))
            cases += 1
            assert (solver.check() == z3.unsat) == bool(p.check(s)), f"{p.name} at {s}"
            solver.pop()
    assert mismatches == 0 and cases > 100


def test_twophase_consistent_alone_is_not_inductive_and_the_cti_is_not_reached() -> None:
    model = compile_model(catalog.get("transactions.twophase")())
    [r] = prove_unbounded(model)
    assert r.verdict == "inconclusive" and "too weak" in r.reason and r.trace is None
    cti = r.extra["unbounded"]["cti"]
    assert cti["reached"] is False and cti["invariant"] == "consistent"
    # the CTI breaks consistency in one step, from a state that satisfies it
    assert "committed" in cti["post"]["rm_state"] and "aborted" in cti["post"]["rm_state"]
    assert not ("committed" in cti["pre"]["rm_state"] and "aborted" in cti["pre"]["rm_state"])
    reachable = {json.dumps(compile_model(model.cls(rms=2)).describe(s), sort_keys=True)
                 for s in explore(model.cls(rms=2)).parent}
    assert json.dumps(cti["pre"], sort_keys=True) not in reachable


def test_the_broken_lock_servers_cti_is_reached_with_a_trace_that_replays(tmp_path: Path) -> None:
    model = compile_model(catalog.get("locks.lock_server.grant_without_lock")())
    [r] = prove_unbounded(model)
    assert r.verdict == "violated" and r.as_expected
    assert r.extra["unbounded"]["cti"]["reached"] is True
    assert r.trace is not None and r.trace.steps[-1].action == "recv_grant"
    path = tracefile.save(r.trace, tmp_path / "t.json")
    assert replay(tracefile.load(path)).reproduced


@pytest.mark.parametrize("model_id", ["transactions.twophase", "locks.lock_server"])
def test_inference_proves_the_invariant_and_the_printed_python_is_inductive(model_id: str) -> None:
    model = compile_model(catalog.get(model_id)())
    [r] = prove_unbounded(model, infer=True)
    assert r.verdict == "holds" and "proved for any number of" in r.reason
    info = r.extra["unbounded"]
    assert info["rechecked"] and info["inferred_clauses"]
    # pasted into the model, the printed invariants make the proof go through without --infer
    pasted = with_text_invariant(model, info["inferred"])
    assert {r.verdict for r in prove_unbounded(pasted)} == {"holds"}
    # and they hold in every state the explorer reaches at the model's own size
    assert {r.verdict for r in compile_and_check(pasted)} == {"holds"}


def compile_and_check(model: Any) -> list[Any]:
    from distcheck.engines.bfs import check

    return [r for r in check(model) if r.kind == "invariant"]


def test_tcommit_and_the_lock_server_are_proved_as_declared_or_with_inference() -> None:
    [tc] = prove_unbounded(compile_model(catalog.get("transactions.tcommit")()))
    assert tc.verdict == "holds"
    [ls] = prove_unbounded(compile_model(catalog.get("locks.lock_server")()))
    assert ls.verdict == "inconclusive"  # mutual exclusion alone is not inductive


# --------------------------------------------------------------------------- refusals


class P(NamedTuple):
    votes: frozenset[int]
    phase: tuple[str, ...]


class Counting(Model):
    """Counts votes with len(): meaningless for any number of nodes."""

    id = "test.counting"
    n = Param(2, at_least=1)
    node = Sort(size="n")
    fields = Fields(P, votes=NodeSet("node"), phase=Map("node", Enum("a", "b"), init="a"))

    def init(self):
        yield P(frozenset(), ("a",) * self.n)

    @action(i="n")
    def vote(self, s: P, i: int):
        if len(s.votes) < self.n:
            return s._replace(votes=s.votes | {i})

    @invariant()
    def fine(self, s: P) -> bool:
        return True


class Numbered(Counting):
    """Names node 0, which has no meaning for any number of nodes."""

    id = "test.numbered"

    @action(i="n")
    def vote(self, s: P, i: int):
        if i == 0:  # "the first node" exists only for a given number of nodes
            return s._replace(votes=s.votes | {i})


def test_an_unsupported_construct_is_one_line_naming_the_helper(capsys: Any, tmp_path: Path,
                                                                monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    for cls, words in ((Counting, "len() of a set of nodes"), (Numbered, "node numbers")):
        monkeypatch.setattr(catalog, "select", lambda *a, cls=cls, **k: [cls])
        code, out, err = run(capsys, "prove", cls.id, "--unbounded")
        assert code == 2 and out == ""
        line = one_line(err)
        assert line.startswith(f"distcheck: model {cls.id}: action vote: ") and words in line, line
        assert "forall(self." in line or cls is Numbered, line


def test_prove_unbounded_exit_codes(capsys: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "prove", "transactions.twophase", "--unbounded")
    assert code == 3 and "counterexample to induction" in out
    code, out, _ = run(capsys, "prove", "transactions.twophase", "--unbounded", "--infer")
    assert code == 0 and "proved for any number of resource managers" in out
    assert "def inferred_1(self, s) -> bool:" in out
    code, out, _ = run(capsys, "prove", "locks.lock_server.grant_without_lock", "--unbounded",
                       "--json")
    [r] = json.loads(out)["results"]
    assert code == 0 and r["verdict"] == "violated" and r["trace_file"]
    code, _, err = run(capsys, "prove", "transactions.twophase", "--infer")
    assert code == 2 and "--unbounded" in one_line(err)
    code, _, err = run(capsys, "prove", "locks.db_row", "--unbounded")
    assert code == 2 and "typed" in one_line(err)
