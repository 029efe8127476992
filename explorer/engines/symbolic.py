"""The model's own action and invariant methods, run symbolically into Z3 formulas.

For a proof for any number of nodes, every sort (:class:`~distcheck.contract.typed.Sort`)
becomes an uninterpreted Z3 sort and every typed field a Z3 function over it
(a per-node enum value, a set as a predicate, one predicate per message tag).
The unchanged Python methods then run on stand-ins for these fields:
comparing a stand-in gives a symbolic condition, and when Python needs a
plain bool (``if``, ``and``, ``not``, ``in``), the run takes one outcome and
is repeated for the other (:func:`paths`).  Each completed run is a *path*:
the conjunction of the outcomes taken, and what the method returned there.

* an action becomes one :class:`Transition` per path that returns a state
  (its post-state is made of Z3 terms over the pre-state and the action's
  node arguments),
* an invariant becomes the disjunction of its paths that return true.

:func:`~distcheck.contract.typed.forall`, ``exists`` and ``at_most_one``
become quantifiers.  What needs a concrete number of nodes (``len``, loops
over a field, the sort's size parameter, a node written as a number) raises
:class:`Unsupported`: one line naming the helper to use.

:class:`Codec` translates between the concrete states the explorer uses and Z3
models, in both directions: the differential test (tests/test_unbounded.py)
and the counterexamples to induction rely on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import z3

from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.model import Branch, declared_actions
from distcheck.contract.typed import Enum as EnumType
from distcheck.contract.typed import (
    Fields,
    Flag,
    Map,
    Msgs,
    NodeSet,
    Var,
    declared_sorts,
    typed_fields,
)

HELPERS = "forall(self.<sort>, pred), exists(...) or at_most_one(...)"
#: paths one method may take before the proof gives up on it (branching on every node of a loop)
MAX_PATHS = 512


class Unsupported(BadInput):
    """A construct of the model that has no meaning for any number of nodes."""


# --------------------------------------------------------------------------- path enumeration


class _Run:
    """One run of a method: the outcome taken at every symbolic condition it met."""

    def __init__(self, forced: tuple[bool, ...]) -> None:
        self.forced = forced
        self.taken: list[tuple[Any, bool]] = []

    def decide(self, cond: Any) -> bool:
        if not z3.is_quantifier(cond):
            cond = z3.simplify(cond)
        if z3.is_true(cond):
            return True
        if z3.is_false(cond):
            return False
        i = len(self.taken)
        choice = self.forced[i] if i < len(self.forced) else True
        self.taken.append((cond, choice))
        return choice


_RUNS: list[_Run] = []


def decide(cond: Any) -> bool:
    """The outcome of a symbolic condition in the current run (Python needs a bool here)."""
    if not _RUNS:
        raise Unsupported("a symbolic condition was tested outside a method being proved")
    return _RUNS[-1].decide(cond)


#: quantifiers already built during the outermost method being run (see SymSort._quantified)
_MEMO: list[dict[Any, Any]] = []


def paths(fn: Callable[[], Any], what: str) -> list[tuple[Any, Any]]:
    """Every (path condition, result) of ``fn()``, exploring both outcomes of each condition."""
    if _MEMO:
        return _paths(fn, what)
    _MEMO.append({})
    try:
        return _paths(fn, what)
    except Unsupported as exc:  # said once, naming the method, not the predicate inside it
        raise Unsupported(f"{what}: {exc}") from None
    finally:
        _MEMO.pop()


def _paths(fn: Callable[[], Any], what: str) -> list[tuple[Any, Any]]:
    todo: list[tuple[bool, ...]] = [()]
    out: list[tuple[Any, Any]] = []
    while todo:
        forced = todo.pop()
        run = _Run(forced)
        _RUNS.append(run)
        try:
            value = fn()
        except (Unsupported, ModelError):
            raise
        except (TypeError, AttributeError, IndexError, ValueError) as exc:
            raise Unsupported(f"cannot run symbolically ({type(exc).__name__}: {exc}); a "
                              f"proof supports typed fields with ==, in, put, _replace, set union "
                              f"and difference, and {HELPERS}") from None
        finally:
            _RUNS.pop()
        for j in range(len(forced), len(run.taken)):
            todo.append(tuple(c for _, c in run.taken[:j]) + (False,))
        out.append((conj([c if b else z3.Not(c) for c, b in run.taken]), value))
        if len(out) > MAX_PATHS:
            raise Unsupported(f"more than {MAX_PATHS} paths symbolically; replace "
                              f"loops over nodes by {HELPERS}")
    return out


def conj(xs: list[Any]) -> Any:
    """``z3.And`` without z3py's per-argument sort coercion (hot in path conditions)."""
    return _nary(z3.Z3_mk_and, xs, True)


def disj(xs: list[Any]) -> Any:
    """``z3.Or`` without z3py's per-argument sort coercion."""
    return _nary(z3.Z3_mk_or, xs, False)


def _nary(mk: Any, xs: list[Any], empty: bool) -> Any:
    if not xs:
        return z3.BoolVal(empty)
    if len(xs) == 1:
        return xs[0]
    ctx = xs[0].ctx
    arr, n = z3.z3._to_ast_array(xs)
    return z3.BoolRef(mk(ctx.ref(), n, arr), ctx)


def to_bool(value: Any, what: str) -> Any:
    if isinstance(value, SymBool):
        return value.expr
    if isinstance(value, bool):
        return z3.BoolVal(value)
    raise Unsupported(f"{what} returned {value!r}, not a bool")


def formula(fn: Callable[[], Any], what: str) -> Any:
    """The condition under which ``fn()`` returns true."""
    return z3.simplify(disj([conj([pc, to_bool(v, what)]) for pc, v in paths(fn, what)]))


# --------------------------------------------------------------------------- stand-ins


def _no_size(what: str) -> Unsupported:
    return Unsupported(f"{what} needs a concrete number of nodes, which a proof for any number "
                       f"has not; use {HELPERS}")


class SymBool:
    """A symbolic condition; Python's ``if``/``and``/``not`` take one outcome per run."""

    __slots__ = ("expr",)

    def __init__(self, expr: Any) -> None:
        self.expr = expr

    def __bool__(self) -> bool:
        return decide(self.expr)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return SymBool(self.expr == _bool_expr(other))

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return SymBool(self.expr != _bool_expr(other))

    def __and__(self, other: Any) -> SymBool:
        return SymBool(z3.And(self.expr, _bool_expr(other)))

    __rand__ = __and__

    def __or__(self, other: Any) -> SymBool:
        return SymBool(z3.Or(self.expr, _bool_expr(other)))

    __ror__ = __or__

    def __invert__(self) -> SymBool:
        return SymBool(z3.Not(self.expr))

    __hash__ = object.__hash__


def _bool_expr(v: Any) -> Any:
    if isinstance(v, SymBool):
        return v.expr
    if isinstance(v, bool):
        return z3.BoolVal(v)
    raise Unsupported(f"{v!r} is compared with a condition")


class SymNode:
    """A node of a sort, with no number: only ``==`` and ``!=`` between nodes."""

    __slots__ = ("expr", "sort")

    def __init__(self, expr: Any, sort: str) -> None:
        self.expr, self.sort = expr, sort

    def _other(self, other: Any) -> Any:
        if isinstance(other, SymNode) and other.sort == self.sort:
            return other.expr
        raise Unsupported(f"a node of sort {self.sort} is compared with {other!r}: a proof for "
                          "any number of nodes cannot name node numbers")

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return SymBool(self.expr == self._other(other))

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return SymBool(self.expr != self._other(other))

    def __index__(self) -> int:
        raise Unsupported(f"a node of sort {self.sort} is used as a number; a proof for any "
                          "number of nodes cannot name node numbers")

    __int__ = __index__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return str(self.expr)


class SymEnum:
    """An enum value: compared with its values (strings) or another value of its enum."""

    __slots__ = ("expr", "enum")

    def __init__(self, expr: Any, enum: _EnumSort) -> None:
        self.expr, self.enum = expr, enum

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return SymBool(self.expr == self.enum.lift(other))

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return SymBool(self.expr != self.enum.lift(other))

    __hash__ = object.__hash__


class _EnumSort:
    """The Z3 enumeration sort of an :class:`Enum` (shared by every proof of one process)."""

    _cache: dict[tuple[str, tuple[str, ...]], _EnumSort] = {}

    def __init__(self, name: str, values: tuple[str, ...]) -> None:
        self.sort, consts = z3.EnumSort(name, [f"{name}.{v}" for v in values])
        self.values = values
        self.by_value = dict(zip(values, consts, strict=True))
        self.by_name = {str(c): v for v, c in self.by_value.items()}

    @classmethod
    def of(cls, name: str, values: tuple[str, ...]) -> _EnumSort:
        key = (name, values)
        if key not in cls._cache:
            cls._cache[key] = cls(name, values)
        return cls._cache[key]

    def lift(self, v: Any) -> Any:
        if isinstance(v, SymEnum) and v.enum is self:
            return v.expr
        if isinstance(v, str) and v in self.by_value:
            return self.by_value[v]
        raise Unsupported(f"{v!r} is not one of the values {', '.join(self.values)}")

    def read(self, value: Any) -> str:
        return self.by_name[str(value)]


class SymMap:
    """A per-node field: ``m[node]``, ``put(m, node, value)``, ``value in m``."""

    def __init__(self, at: Callable[[Any], Any], sort: str, values: _EnumSort | None,
                 universe: SymSort) -> None:
        self.at, self.sort, self.values, self.universe = at, sort, values, universe

    def _wrap(self, expr: Any) -> Any:
        return SymBool(expr) if self.values is None else SymEnum(expr, self.values)

    def _lift(self, v: Any) -> Any:
        return _bool_expr(v) if self.values is None else self.values.lift(v)

    def __getitem__(self, node: Any) -> Any:
        return self._wrap(self.at(_node(node, self.sort)))

    def put(self, node: Any, value: Any) -> SymMap:
        i, v, old = _node(node, self.sort), self._lift(value), self.at
        return SymMap(lambda x: z3.If(x == i, v, old(x)), self.sort, self.values, self.universe)

    def __contains__(self, value: Any) -> bool:
        v = self._lift(value)
        return decide(self.universe.quantify(z3.Exists, lambda x: self.at(x) == v))

    def __iter__(self) -> Any:
        raise _no_size(f"a loop over a per-node field of sort {self.sort}")

    def __len__(self) -> int:
        raise _no_size(f"len() of a per-node field of sort {self.sort}")

    def count(self, value: Any) -> int:
        raise _no_size(f"count() of a per-node field of sort {self.sort}")


def _node(v: Any, sort: str) -> Any:
    if isinstance(v, SymNode) and v.sort == sort:
        return v.expr
    raise Unsupported(f"{v!r} is used as a node of sort {sort}: a proof for any number of "
                      "nodes cannot name node numbers")


class SymSet:
    """A set of nodes: ``node in s``, union and difference with other sets."""

    def __init__(self, member: Callable[[Any], Any], sort: str) -> None:
        self.member, self.sort = member, sort

    def __contains__(self, node: Any) -> bool:
        return decide(self.member(_node(node, self.sort)))

    def _other(self, other: Any) -> Callable[[Any], Any]:
        if isinstance(other, SymSet):
            return other.member
        if isinstance(other, (set, frozenset)):
            nodes = [_node(n, self.sort) for n in other]
            return lambda x: z3.Or([x == n for n in nodes]) if nodes else z3.BoolVal(False)
        raise Unsupported(f"{other!r} is combined with a set of nodes of sort {self.sort}")

    def __or__(self, other: Any) -> SymSet:
        a, b = self.member, self._other(other)
        return SymSet(lambda x: z3.Or(a(x), b(x)), self.sort)

    __ror__ = __or__

    def __sub__(self, other: Any) -> SymSet:
        a, b = self.member, self._other(other)
        return SymSet(lambda x: z3.And(a(x), z3.Not(b(x))), self.sort)

    def __and__(self, other: Any) -> SymSet:
        a, b = self.member, self._other(other)
        return SymSet(lambda x: z3.And(a(x), b(x)), self.sort)

    __rand__ = __and__

    def __iter__(self) -> Any:
        raise _no_size(f"a loop over a set of nodes of sort {self.sort}")

    def __len__(self) -> int:
        raise _no_size(f"len() of a set of nodes of sort {self.sort}")


class SymMsgs:
    """A set of tagged messages: one predicate per tag over the nodes it carries."""

    def __init__(self, decl: Msgs, preds: dict[str, Callable[..., Any]]) -> None:
        self.decl, self.preds = decl, preds

    def _parts(self, message: Any) -> tuple[str, list[Any]]:
        tag, nodes = self.decl.parse(message)
        return tag, [_node(n, s) for n, s in zip(nodes, self.decl.tags[tag], strict=True)]

    def __contains__(self, message: Any) -> bool:
        tag, args = self._parts(message)
        return decide(self.preds[tag](*args))

    def _combine(self, other: Any, op: Callable[[Any, Any], Any]) -> SymMsgs:
        if isinstance(other, SymMsgs):
            theirs = other.preds
        elif isinstance(other, (set, frozenset)):
            listed: dict[str, list[list[Any]]] = {t: [] for t in self.decl.tags}
            for m in other:
                tag, args = self._parts(m)
                listed[tag].append(args)
            theirs = {t: _members(vals) for t, vals in listed.items()}
        else:
            raise Unsupported(f"{other!r} is combined with a set of messages")
        return SymMsgs(self.decl, {
            t: (lambda *xs, a=self.preds[t], b=theirs[t]: op(a(*xs), b(*xs))) for t in self.preds
        })

    def __or__(self, other: Any) -> SymMsgs:
        return self._combine(other, z3.Or)

    __ror__ = __or__

    def __sub__(self, other: Any) -> SymMsgs:
        return self._combine(other, lambda a, b: z3.And(a, z3.Not(b)))

    def __iter__(self) -> Any:
        raise _no_size("a loop over a set of messages")

    def __len__(self) -> int:
        raise _no_size("len() of a set of messages")


def _members(listed: list[list[Any]]) -> Callable[..., Any]:
    def member(*xs: Any) -> Any:
        return z3.Or([z3.And([x == a for x, a in zip(xs, args, strict=True)]) for args in listed])
    return member


class SymSort:
    """A sort of any size: what ``self.rm`` is while a proof runs the model's methods."""

    def __init__(self, name: str, z3sort: Any) -> None:
        self.name, self.z3 = name, z3sort
        # names restart with every proof: the same model gives the same formulas, hence answers
        self._fresh = itertools.count()

    def var(self, hint: str = "x") -> Any:
        return z3.Const(f"{hint}!{next(self._fresh)}", self.z3)

    def quantify(self, q: Callable[..., Any], body: Callable[[Any], Any]) -> Any:
        x = self.var()
        return q([x], body(x))

    def _body(self, pred: Callable[[Any], Any], x: Any) -> Any:
        node = SymNode(x, self.name)
        return formula(lambda: pred(node), f"a predicate over {self.name}")

    def _quantified(self, kind: str, pred: Callable[[Any], Any]) -> SymBool:
        # A method's every path re-runs it from the start: the quantifiers it
        # meets again (same code, same captured values) are built once.
        cells = tuple(c.cell_contents for c in pred.__closure__ or ())
        key = (kind, self.name, pred.__code__, tuple(map(id, cells)),
               tuple(map(id, pred.__defaults__ or ())))
        memo = _MEMO[-1] if _MEMO else {}
        if key in memo:
            return SymBool(memo[key][0])
        x = self.var()
        if kind == "forall":
            expr = z3.ForAll([x], self._body(pred, x))
        elif kind == "exists":
            expr = z3.Exists([x], self._body(pred, x))
        else:
            y = self.var()
            px = self._body(pred, x)
            expr = z3.ForAll([x, y], z3.Implies(z3.And(px, z3.substitute(px, (x, y))), x == y))
        memo[key] = (expr, cells, pred.__defaults__)  # the values stay alive: their ids stay theirs
        return SymBool(expr)

    def forall(self, pred: Callable[[Any], Any]) -> SymBool:
        return self._quantified("forall", pred)

    def exists(self, pred: Callable[[Any], Any]) -> SymBool:
        return self._quantified("exists", pred)

    def at_most_one(self, pred: Callable[[Any], Any]) -> SymBool:
        return self._quantified("at_most_one", pred)

    def __iter__(self) -> Any:
        raise _no_size(f"a loop over the nodes of sort {self.name}")

    def __len__(self) -> int:
        raise _no_size(f"the number of nodes of sort {self.name}")


class _NoSize:
    """The size parameter of a sort while a proof runs: it has no value."""

    def __init__(self, param: str, sort: str) -> None:
        self.param, self.sort = param, sort

    def _refuse(self, *_: Any) -> Any:
        raise Unsupported(f"self.{self.param} (the number of nodes of sort {self.sort}) has no "
                          f"value in a proof for any number of nodes; use forall(self.{self.sort}, "
                          f"pred), exists(...) or at_most_one(...)")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse  # type: ignore[assignment]
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __index__ = __int__ = __bool__ = __hash__ = _refuse  # type: ignore[assignment]


# --------------------------------------------------------------------------- the model, symbolically


@dataclass
class Transition:
    """One path of one action: where it is enabled and what it leads to."""

    action: str
    branch: str | int | None
    #: the action's arguments: a node constant (symbolic) or a concrete value
    args: dict[str, Any]
    pc: Any
    post: Any


class Codec:
    """How each typed field of a model is a Z3 term, and how to read it back."""

    def __init__(self, model_cls: type, fields: Fields, sorts: dict[str, SymSort]) -> None:
        self.fields, self.sorts = fields, sorts
        self.enums: dict[str, _EnumSort] = {}
        for name, f in fields.fields.items():
            if isinstance(f, (Map, Var)) and isinstance(f.values, EnumType):
                self.enums[name] = _EnumSort.of(f"{model_cls.__name__}.{name}", f.values.values)
            if isinstance(f, (Map, NodeSet)) and f.sort not in sorts:
                raise ModelError(f"field {name} names sort {f.sort!r}, which {model_cls.__name__} "
                                 f"does not declare (declared: {', '.join(sorts) or 'none'})")
            if isinstance(f, Msgs):
                for tag, ss in f.tags.items():
                    for s in ss:
                        if s not in sorts:
                            raise ModelError(f"message {tag} of field {name} names sort {s!r}, "
                                             f"which {model_cls.__name__} does not declare")

    # -- building symbolic states -----------------------------------------------------------

    def _sym(self, name: str, f: Any, make: Callable[..., Any]) -> Any:
        if isinstance(f, Map):
            vs = self.enums.get(name)
            rng = vs.sort if vs is not None else z3.BoolSort()
            fn = make(name, [self.sorts[f.sort].z3], rng)
            return SymMap(fn, f.sort, vs, self.sorts[f.sort])
        if isinstance(f, NodeSet):
            return SymSet(make(name, [self.sorts[f.sort].z3], z3.BoolSort()), f.sort)
        if isinstance(f, Var):
            return SymEnum(make(name, [], self.enums[name].sort), self.enums[name])
        if isinstance(f, Flag):
            return SymBool(make(name, [], z3.BoolSort()))
        preds = {}
        for t, ss in f.tags.items():
            p = make(f"{name}.{t}", [self.sorts[s].z3 for s in ss], z3.BoolSort())
            preds[t] = p if ss else (lambda p=p: p)
        return SymMsgs(f, preds)

    def fresh(self, prefix: str) -> Any:
        """A state whose every field is an unconstrained Z3 function."""
        def make(name: str, dom: list[Any], rng: Any) -> Any:
            if not dom:
                return z3.Const(f"{prefix}{name}", rng)
            fn = z3.Function(f"{prefix}{name}", *dom, rng)
            return lambda *xs: fn(*xs)
        return self.fields.state(**{n: self._sym(n, f, make) for n, f in self.fields.fields.items()})

    def initial(self) -> Any:
        """The declared initial state, for any number of nodes."""
        def make(name: str, dom: list[Any], rng: Any) -> Any:
            f = self.fields.fields[name.split(".")[0]]
            init = getattr(f, "init", False)
            value = self.enums[name].lift(init) if name in self.enums else z3.BoolVal(bool(init))
            if isinstance(f, (NodeSet, Msgs)):
                value = z3.BoolVal(False)
            return value if not dom else (lambda *xs: value)
        return self.fields.state(**{n: self._sym(n, f, make) for n, f in self.fields.fields.items()})

    def lift(self, state: Any, what: str) -> Any:
        """A successor built by an action (stand-ins and plain values), as stand-ins only."""
        if not isinstance(state, self.fields.state):
            raise Unsupported(f"{what} returned {type(state).__name__}, not "
                              f"{self.fields.state.__name__}")
        out = {}
        for name, f in self.fields.fields.items():
            v = getattr(state, name)
            if isinstance(f, Var) and isinstance(v, str):
                v = SymEnum(self.enums[name].lift(v), self.enums[name])
            elif isinstance(f, Flag) and isinstance(v, bool):
                v = SymBool(z3.BoolVal(v))
            elif isinstance(f, NodeSet) and isinstance(v, (set, frozenset)):
                v = SymSet(lambda x: z3.BoolVal(False), f.sort) | v
            elif isinstance(f, Msgs) and isinstance(v, (set, frozenset)):
                v = SymMsgs(f, {t: (lambda *xs: z3.BoolVal(False)) for t in f.tags}) | v
            ok = {Map: SymMap, NodeSet: SymSet, Var: SymEnum, Flag: SymBool, Msgs: SymMsgs}[type(f)]
            if not isinstance(v, ok):
                raise Unsupported(f"{what} sets field {name} to {v!r}, which has no value for any "
                                  f"number of nodes; update it with put, _replace and set "
                                  "operations on the old value")
            out[name] = v
        return self.fields.state(**out)

    # -- facts: the atoms a concrete state is made of ------------------------------------------

    def facts(self, state: Any, nodes: dict[str, list[Any]]) -> list[tuple[Any, Any]]:
        """Every (Z3 term, key) of a symbolic ``state`` at the given node terms.

        A key is ``(field, index or indices or tag)``; reading the terms'
        values gives the concrete state (:meth:`read`).
        """
        out: list[tuple[Any, Any]] = []
        for name, f in self.fields.fields.items():
            v = getattr(state, name)
            if isinstance(f, Map):
                out += [(v.at(n), (name, i)) for i, n in enumerate(nodes[f.sort])]
            elif isinstance(f, NodeSet):
                out += [(v.member(n), (name, i)) for i, n in enumerate(nodes[f.sort])]
            elif isinstance(f, (Var, Flag)):
                out.append((v.expr, (name, None)))
            else:
                for tag, ss in f.tags.items():
                    for idx in itertools.product(*(range(len(nodes[s])) for s in ss)):
                        args = [nodes[s][i] for s, i in zip(ss, idx, strict=True)]
                        out.append((v.preds[tag](*args), (name, (tag, idx))))
        return out

    def value_of(self, name: str, term: Any) -> Any:
        """The Python value of a fact's evaluated term."""
        if name in self.enums:
            return self.enums[name].read(term)
        return z3.is_true(term)

    def read(self, values: list[tuple[Any, Any]], sizes: dict[str, int]) -> Any:
        """The concrete state of evaluated facts ``(value, key)``."""
        fields: dict[str, Any] = {}
        for name, f in self.fields.fields.items():
            if isinstance(f, Map):
                fields[name] = [f.init] * sizes[f.sort]
            elif isinstance(f, (NodeSet, Msgs)):
                fields[name] = set()
        for value, (name, where) in values:
            f = self.fields.fields[name]
            v = self.value_of(name, value)
            if isinstance(f, Map):
                fields[name][where] = v
            elif isinstance(f, NodeSet):
                if v:
                    fields[name].add(where)
            elif isinstance(f, Msgs):
                if v:
                    fields[name].add(f.make(where[0], where[1]))
            else:
                fields[name] = v
        return self.fields.state(**{n: tuple(v) if isinstance(v, list) else
                                    frozenset(v) if isinstance(v, set) else v
                                    for n, v in fields.items()})

    def pin(self, state: Any, concrete: Any, nodes: dict[str, list[Any]]) -> list[Any]:
        """Constraints making symbolic ``state`` equal concrete ``concrete`` at ``nodes``."""
        sizes = {s: len(ns) for s, ns in nodes.items()}
        want = dict(self.concrete_facts(concrete, sizes))
        out = []
        for term, key in self.facts(state, nodes):
            name = key[0]
            v = want[key]
            out.append(term == (self.enums[name].by_value[v] if name in self.enums else
                                z3.BoolVal(v)))
        return out

    def concrete_facts(self, s: Any, sizes: dict[str, int]) -> list[tuple[Any, Any]]:
        """(key, Python value) of every fact of a concrete state, keys as in :meth:`facts`."""
        out: list[tuple[Any, Any]] = []
        for name, f in self.fields.fields.items():
            v = getattr(s, name)
            if isinstance(f, Map):
                if len(v) != sizes[f.sort]:
                    raise ModelError(f"field {name} has {len(v)} entries for {sizes[f.sort]} "
                                     f"nodes of sort {f.sort}")
                out += [((name, i), x) for i, x in enumerate(v)]
            elif isinstance(f, NodeSet):
                out += [((name, i), i in v) for i in range(sizes[f.sort])]
            elif isinstance(f, (Var, Flag)):
                out.append(((name, None), v))
            else:
                present = {f.parse(m) for m in v}
                for tag, ss in f.tags.items():
                    for idx in itertools.product(*(range(sizes[s]) for s in ss)):
                        out.append(((name, (tag, idx)), (tag, idx) in present))
                if any(any(not 0 <= n < sizes[s] for n, s in zip(ns, f.tags[t], strict=True))
                       for t, ns in present):
                    raise ModelError(f"field {name} holds a message to a node outside the sort")
        return out

    def permute(self, s: Any, perms: dict[str, tuple[int, ...]]) -> Any:
        """Concrete state ``s`` with node ``i`` of each sort renamed ``perms[sort][i]``."""
        out = {}
        for name, f in self.fields.fields.items():
            v = getattr(s, name)
            if isinstance(f, Map):
                p = perms[f.sort]
                new = [None] * len(v)
                for i, x in enumerate(v):
                    new[p[i]] = x
                v = tuple(new)
            elif isinstance(f, NodeSet):
                v = frozenset(perms[f.sort][i] for i in v)
            elif isinstance(f, Msgs):
                msgs = set()
                for m in v:
                    tag, ns = f.parse(m)
                    msgs.add(f.make(tag, [perms[srt][n] for n, srt in
                                          zip(ns, f.tags[tag], strict=True)]))
                v = frozenset(msgs)
            out[name] = v
        return self.fields.state(**out)


class SymbolicModel:
    """A typed model's initial condition, transitions and invariants as Z3 formulas."""

    def __init__(self, model: Any) -> None:
        cls = type(model)
        fields = typed_fields(cls)
        if fields is None:
            raise BadInput(f"model {cls.id} declares no typed state fields (Fields(...) from "
                           f"distcheck); a proof for any number of nodes needs them")
        self.model, self.cls, self.fields = model, cls, fields
        decl = declared_sorts(cls)
        self.sort_params = {name: s.size for name, s in decl.items()}
        self.sorts = {name: SymSort(name, z3.DeclareSort(f"{cls.__name__}.{name}"))
                      for name in decl}
        self.codec = Codec(cls, fields, self.sorts)
        # the methods run on a copy of the instance whose sorts are symbolic and sizes unknown
        self.sym_model = _symbolic_instance(model, self.sorts, self.sort_params)
        self.pre = self.codec.fresh("")
        self.init = self.codec.initial()
        self.transitions = self._transitions()

    def _transitions(self) -> list[Transition]:
        out: list[Transition] = []
        by_param = {p: s for s, p in self.sort_params.items()}
        for a in declared_actions(self.cls).values():
            concrete: list[tuple[str, list[Any]]] = []
            symbolic: dict[str, Any] = {}
            for arg, dom in a.domains.items():
                if isinstance(dom, str) and (dom in by_param or dom in self.sorts):
                    sort = by_param.get(dom, dom)
                    symbolic[arg] = SymNode(z3.Const(f"{a.name}.{arg}", self.sorts[sort].z3), sort)
                elif isinstance(dom, (list, tuple, range)):
                    concrete.append((arg, list(dom)))
                else:
                    raise Unsupported(f"action {a.name}: argument {arg} ranges over {dom!r}; a "
                                      "proof for any number of nodes takes node sorts (a sort's "
                                      "size parameter) or explicit lists")
            names = [n for n, _ in concrete]
            for combo in itertools.product(*(vals for _, vals in concrete)):
                args = {**symbolic, **dict(zip(names, combo, strict=True))}
                ordered = {arg: args[arg] for arg in a.domains}
                what = f"action {a.name}"

                def run(a: Any = a, ordered: dict[str, Any] = ordered) -> Any:
                    got = a.fn(self.sym_model, self.pre, **ordered)
                    if a.branching:
                        return [(b.label, b.state) if isinstance(b, Branch) else (i, b)
                                for i, b in enumerate(got) if b is not None]
                    return got
                for pc, result in paths(run, what):
                    if result is None:
                        continue
                    results = result if a.branching else [(None, result)]
                    for label, post in results:
                        if post is None:
                            continue
                        out.append(Transition(a.name, label, ordered, pc,
                                              self.codec.lift(post, what)))
        return out

    def invariant(self, check: Callable[[Any, Any], Any], state: Any, what: str) -> Any:
        """The formula: ``check(model, state)`` is true."""
        return formula(lambda: check(self.sym_model, state), what)

    def node_args(self, t: Transition) -> dict[str, SymNode]:
        return {k: v for k, v in t.args.items() if isinstance(v, SymNode)}


def _symbolic_instance(model: Any, sorts: dict[str, SymSort], params: dict[str, str]) -> Any:
    import copy

    twin = copy.copy(model)
    for name, sort in sorts.items():
        twin.__dict__[name] = sort
        twin.__dict__[params[name]] = _NoSize(params[name], name)
    return twin


def node_terms(sorts: dict[str, SymSort], sizes: dict[str, int], prefix: str = "n"
               ) -> dict[str, list[Any]]:
    """Distinct named node constants per sort: ``k`` of them for a sort of size ``k``."""
    return {s: [z3.Const(f"{prefix}.{s}.{i}", sorts[s].z3) for i in range(sizes.get(s, 0))]
            for s in sorts}


def closed_world(sorts: dict[str, SymSort], nodes: dict[str, list[Any]]) -> list[Any]:
    """Constraints: the sorts have exactly these (distinct) nodes."""
    out = []
    for s, ns in nodes.items():
        if not ns:
            continue
        if len(ns) > 1:
            out.append(z3.Distinct(*ns))
        x = z3.Const(f"all.{s}", sorts[s].z3)
        out.append(z3.ForAll([x], z3.Or([x == n for n in ns])))
    return out


def concrete_args(t: Transition, model: Any, nodes: dict[str, list[Any]]) -> Iterable[dict[str, Any]]:
    """Every concrete argument assignment of a transition at the given node constants:
    (the z3 constraints binding the node arguments, the concrete kwargs)."""
    sym = {k: v for k, v in t.args.items() if isinstance(v, SymNode)}
    names = list(sym)
    for idx in itertools.product(*(range(len(nodes[sym[k].sort])) for k in names)):
        kwargs = {k: (idx[names.index(k)] if k in sym else v) for k, v in t.args.items()}
        bind = [sym[k].expr == nodes[sym[k].sort][i] for k, i in zip(names, idx, strict=True)]
        yield {"kwargs": kwargs, "bind": bind}
