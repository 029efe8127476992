"""Exhaustive breadth-first search on several worker processes (``--workers N``).

How the work is split: every state is owned by one worker, ``fingerprint %
N`` (the seed-independent fingerprint of :mod:`distcheck.engines.fingerprints`,
so a spawned or resumed worker would agree).  The search goes level by level,
in two rounds per level:

1. *expand*: each worker computes the successors of its part of the frontier,
   keeps those it owns (stored as fingerprints with parent fingerprints, in a
   :class:`~distcheck.engines.fingerprints.FingerprintStore`), and batches the
   others per owner, deduplicated within the level;
2. *merge*: the coordinator (this process) forwards each batch to its owner
   as pickled bytes, without unpickling it; the owner keeps the states it had
   not seen.

New states are judged (invariants, ``sometimes``) by their owner; action
properties and dead ends by the worker that expands the state.  Because the
levels stay in step, a violation is found at the depth of the single-process
search and its trace is shortest; among the violations of one level the one
with the smallest fingerprint is reported, so the verdicts, counts and trace
lengths do not depend on timing.  Traces are rebuilt from the owners' parent
fingerprints by re-executing the model, as for a fingerprint search.

Processes are started with ``fork`` (they inherit the model as loaded, user
files included); where ``fork`` does not exist the search stays in one
process.  Bounds on states or depth keep the single-process engine, which
cuts at the exact state; the budget's time and memory are checked between
levels.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable
from typing import Any

from distcheck.contract.compiled import (
    BoundProperty,
    CompiledModel,
    explain_failure,
    property_holds,
)
from distcheck.contract.errors import ModelError
from distcheck.contract.model import DEADLOCK
from distcheck.engines.fingerprints import (
    FingerprintStore,
    collision_probability,
    compactor,
    fingerprinter,
)
from distcheck.engines.symmetry import canonicaliser


def available() -> bool:
    """Whether worker processes can be forked here."""
    return "fork" in multiprocessing.get_all_start_methods()


# --------------------------------------------------------------------------- worker side


class _Worker:
    """One worker's part of the search: its states, its frontier, its checks."""

    def __init__(self, model: CompiledModel, props: list[BoundProperty], index: int, n: int,
                 symmetry: bool) -> None:
        self.model, self.index, self.n = model, index, n
        self.fp = fingerprinter()
        self.canon = canonicaliser(model.model) if symmetry else None
        self.store = FingerprintStore([], self.fp)
        self.compact = compactor()
        self.frontier: list[tuple[Any, int]] = []
        self.next: list[tuple[Any, int]] = []
        self.checks = {p.name: p.check for p in props}
        self.kinds = {p.name: p.kind for p in props}
        self.props = props

    def seed(self, states: list[Any]) -> None:
        for s in states:
            f = self.fp(s)
            if self.store.add(f, 0):
                self.frontier.append((s, f))

    def _judge(self, t: Any, f: int, invariants: list, wanted: list, found: dict) -> None:
        for name, check in invariants:
            if not check(t) and (name not in found or f < found[name][0]):
                found[name] = (f, t, None, None)
        for name, check in wanted:
            if check(t) and (name not in found or f < found[name][0]):
                found[name] = (f, t, None, None)

    def expand(self, undecided: list[str], deadlock_on: bool) -> dict[str, Any]:
        model, fp, canon, n, me = self.model, self.fp, self.canon, self.n, self.index
        invariants = [(p, self.checks[p]) for p in undecided if self.kinds[p] == "invariant"]
        wanted = [(p, self.checks[p]) for p in undecided if self.kinds[p] == "sometimes"]
        action_props = [(p, self.checks[p]) for p in undecided if self.kinds[p] == "action"]
        judging = bool(invariants or wanted)
        store_add = self.store.add
        compact = self.compact
        found: dict[str, tuple[int, Any, Any, Any]] = {}
        outgoing: list[dict[int, tuple[int, Any]]] = [{} for _ in range(n)]
        # states of this level and those met in it: a repeat costs one dict lookup
        recent = dict.fromkeys(s for s, _ in self.frontier)
        nxt: list[tuple[Any, int]] = []
        push = nxt.append
        transitions = model.transitions
        total = 0
        s: Any = None
        a: Any = None
        args: Any = None
        u: Any = None
        try:
            for s, sf in self.frontier:
                before = total
                for a, args, t in transitions(s):
                    total += 1
                    u = t
                    if canon is not None:
                        t = canon(t)
                    if t not in recent:
                        recent[t] = None
                        f = fp(t)
                        owner = f % n
                        if owner == me:
                            if store_add(f, sf):
                                t = compact(t)
                                push((t, f))
                                if judging:
                                    self._judge(t, f, invariants, wanted, found)
                        elif f not in outgoing[owner]:
                            outgoing[owner][f] = (sf, compact(t))
                    if action_props:
                        step = a.step(args)
                        for name, check in action_props:
                            if not check(s, step, u):
                                f = fp(t)
                                if name not in found or f < found[name][0]:
                                    found[name] = (f, u, s, step)
                if total == before and deadlock_on and (
                        DEADLOCK not in found or sf < found[DEADLOCK][0]):
                    found[DEADLOCK] = (sf, s, None, None)
        except ModelError:
            raise
        except MemoryError:
            raise
        except Exception as exc:
            raise explain_failure(model, self.props, s, a, args, exc) from exc
        self.next = nxt
        self.frontier = []
        batches = [_pack(out) if out else b"" for out in outgoing]
        return {"total": total, "found": found, "batches": batches}

    def merge(self, batches: list[bytes], undecided: list[str]) -> dict[str, Any]:
        invariants = [(p, self.checks[p]) for p in undecided if self.kinds[p] == "invariant"]
        wanted = [(p, self.checks[p]) for p in undecided if self.kinds[p] == "sometimes"]
        judging = bool(invariants or wanted)
        found: dict[str, tuple[int, Any, Any, Any]] = {}
        store_add = self.store.add
        compact = self.compact
        push = self.next.append
        for blob in batches:
            if not blob:
                continue
            for f, pf, t in _unpack(blob):
                if store_add(f, pf):
                    t = compact(t)
                    push((t, f))
                    if judging:
                        try:
                            self._judge(t, f, invariants, wanted, found)
                        except Exception as exc:
                            for name, check in invariants + wanted:  # which one, and how
                                property_holds(self.model, name, check, t)
                            raise explain_failure(self.model, self.props, t, None, None,
                                                  exc) from exc
        self.frontier, self.next = self.next, []
        return {"found": found, "frontier": len(self.frontier), "stored": len(self.store)}


def _pack(states: dict[int, tuple[int, Any]]) -> bytes:
    """One batch of ``fingerprint -> (parent fingerprint, state)`` as bytes.

    A NamedTuple is sent as its class (once per batch) and the plain tuple of its
    values: pickling it whole goes through Python code for every state, and
    shared components (see compactor) are pickled once per batch.
    """
    by_class: dict[Any, list[tuple[int, int, Any]]] = {}
    for f, (pf, t) in states.items():
        cls = type(t)
        if isinstance(t, tuple) and hasattr(cls, "_fields"):
            by_class.setdefault(cls, []).append((f, pf, tuple(t)))
        else:
            by_class.setdefault(None, []).append((f, pf, t))
    return pickle.dumps(list(by_class.items()), protocol=5)


def _unpack(blob: bytes) -> Any:
    new = tuple.__new__
    for cls, items in pickle.loads(blob):
        if cls is None:
            yield from items
        else:
            for f, pf, parts in items:
                yield f, pf, new(cls, parts)


def _serve(conn: Any, worker_args: tuple[Any, ...]) -> None:
    """A worker process: answer the coordinator's requests until told to stop."""
    worker = _Worker(*worker_args)
    while True:
        request = conn.recv()
        op = request[0]
        try:
            if op == "stop":
                break
            if op == "seed":
                out: Any = worker.seed(request[1])
            elif op == "expand":
                out = worker.expand(request[1], request[2])
            elif op == "merge":
                out = worker.merge(request[1], request[2])
            elif op == "parent":
                out = worker.store.parent_of(request[1])
            else:  # pragma: no cover - the coordinator sends only the above
                raise ValueError(op)
            conn.send(("ok", out))
        except MemoryError:
            conn.send(("memory", None))
        except ModelError as exc:
            conn.send(("model", str(exc)))
        except Exception as exc:  # a model error explain_failure could not place
            conn.send(("model", f"model {worker.model.id}: exploration failed: "
                                f"{type(exc).__name__}: {exc}"[:600]))
    conn.close()


# --------------------------------------------------------------------------- coordinator


class WorkerFailed(Exception):
    """A worker ran out of memory (``kind`` "memory") or the model failed in it ("model")."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Pool:
    """The worker processes of one search, addressed by index."""

    def __init__(self, model: CompiledModel, props: list[BoundProperty], n: int,
                 symmetry: bool) -> None:
        ctx = multiprocessing.get_context("fork")
        self.n = n
        self.conns = []
        self.procs = []
        for i in range(n):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(theirs, (model, props, i, n, symmetry)),
                               daemon=True)
            proc.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(proc)

    def ask_all(self, requests: list[tuple[Any, ...]]) -> list[Any]:
        for conn, request in zip(self.conns, requests, strict=True):
            conn.send(request)
        answers = [conn.recv() for conn in self.conns]
        for kind, out in answers:
            if kind != "ok":
                raise WorkerFailed(kind, out or "")
        return [out for _, out in answers]

    def ask(self, i: int, request: tuple[Any, ...]) -> Any:
        self.conns[i].send(request)
        kind, out = self.conns[i].recv()
        if kind != "ok":
            raise WorkerFailed(kind, out or "")
        return out

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop",))
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()


def explore(model: CompiledModel, props: list[BoundProperty], workers: int, result: Any,
            inits: list[Any], undecided_names: list[str], deadlock_on: bool,
            stop_when_decided: bool, meter: Any, symmetry: bool,
            progress: Callable[..., None] | None, start: float) -> None:
    """Run the search of :func:`distcheck.engines.bfs.explore` on ``workers`` processes.

    ``result`` (an Exploration) comes with the initial states judged; this
    fills its stats, findings and cut, and sets ``result.parent`` to a
    FingerprintStore holding the parent links of the states its findings need.
    """
    fp = fingerprinter()
    stats = result.stats
    pool = Pool(model, props, workers, symmetry)
    found_at: dict[str, tuple[int, Any, Any, Any]] = {}
    try:
        owned: list[list[Any]] = [[] for _ in range(workers)]
        for s in inits:
            owned[fp(s) % workers].append(s)
        pool.ask_all([("seed", part) for part in owned])
        total = stats.total_states
        distinct = len(inits)
        undecided = list(undecided_names)
        frontier = len(inits)
        cut = meter.over()
        while frontier and not cut and not (stop_when_decided and not undecided
                                            and not deadlock_on):
            expanded = pool.ask_all([("expand", undecided, deadlock_on)] * workers)
            total += sum(e["total"] for e in expanded)
            level_found: dict[str, tuple[int, Any, Any, Any]] = {}
            for e in expanded:
                _keep_least(level_found, e["found"])
            batches = [[e["batches"][dest] for e in expanded] for dest in range(workers)]
            merged = pool.ask_all([("merge", batches[dest], undecided) for dest in range(workers)])
            for m in merged:
                _keep_least(level_found, m["found"])
            frontier = sum(m["frontier"] for m in merged)
            distinct = sum(m["stored"] for m in merged)
            # a dead end is found while its level is expanded; the others belong to the next
            if DEADLOCK in level_found and deadlock_on:
                found_at[DEADLOCK] = level_found.pop(DEADLOCK)
                deadlock_on = False
            for name, hit in level_found.items():
                if name in undecided:
                    found_at[name] = hit
                    undecided.remove(name)
            if frontier:
                stats.depth += 1
            stats.total_states = total
            if progress is not None:
                progress(distinct, total, stats.depth, frontier, time.perf_counter() - start)
            cut = meter.over()
        result.cut = cut
        stats.distinct_states = distinct
        stats.total_states = total
        stats.complete = cut is None and not frontier
        stats.collision_probability = collision_probability(distinct, total)
        result.parent = _links(pool, fp, found_at, model, workers)
    except WorkerFailed as exc:
        if exc.kind == "model":
            raise ModelError(str(exc)) from None
        from distcheck.engines.budget import out_of_memory

        result.cut = out_of_memory("bfs exploration")
    finally:
        pool.close()
    kinds = {p.name: p.kind for p in props}
    for name, (_, t, pre, step) in found_at.items():
        if name == DEADLOCK:
            result.deadlock = t
        elif kinds.get(name) == "sometimes":
            result.witnesses[name] = t
        else:
            result.violations[name] = (t, pre, step)


def _keep_least(into: dict[str, tuple[int, Any, Any, Any]],
                more: dict[str, tuple[int, Any, Any, Any]]) -> None:
    """Keep, per property, the finding with the smallest fingerprint (independent of timing)."""
    for name, hit in more.items():
        if name not in into or hit[0] < into[name][0]:
            into[name] = hit


def _links(pool: Pool, fp: Callable[[Any], int], found: dict[str, tuple[int, Any, Any, Any]],
           model: CompiledModel, n: int) -> FingerprintStore:
    """A store with the parent links from each finding back to an initial state."""
    links = FingerprintStore([], fp)
    for _, t, pre, _ in found.values():
        # stored states are canonical under symmetry, and so are t (but for an action
        # property's violating successor, which is real) and pre
        f = fp(pre if pre is not None else t)
        while f:
            parent = pool.ask(f % n, ("parent", f))
            if parent is None:
                raise ModelError(f"model {model.id}: a parent link is missing in the workers")
            if not links.add(f, parent):
                break
            f = parent
    return links
