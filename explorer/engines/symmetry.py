"""Symmetry reduction: one representative state per orbit of interchangeable nodes.

A model declares which sorts of nodes are interchangeable, by name of a
:class:`~distcheck.contract.typed.Sort` of its typed state
(:class:`~distcheck.contract.typed.Fields`)::

    rm = Sort(size="rms")
    fields = Fields(TP, rm_state=Map("rm", ...), tm_prepared=NodeSet("rm"), msgs=Msgs(...))
    symmetric = ("rm",)

The search then stores and expands ``canonical(t)`` instead of each
successor ``t``: the state whose nodes of each symmetric sort are renumbered
in the order of their *signature* (what the state says about that node: its
entry in every ``Map`` of the sort, its membership in every ``NodeSet``, the
messages that carry it).  Because a typed state says nothing about a node
beyond its signature, two states that differ by a renumbering have the same
sorted signatures and so the same canonical form: exactly one state per orbit
is explored.

It is sound when the model treats the nodes alike -- what the author
promises by declaring ``symmetric``: no action, domain, initial state or
property singles out a node by its number (``rm == 0``, ``min(...)``, an
order between nodes).  Then a renumbered successor is a successor of the
renumbered state and every property has the same value on all states of an
orbit, so each verdict is the one of the full search, with shortest traces
(the depth of an orbit is the depth of its nearest state).  The tests check
it where it can be checked: on small sizes, the canonical forms of all
reachable states are exactly the states the reduced search stores, and the
verdicts agree.  Traces stay concrete: they are rebuilt by re-executing the
model from a real initial state, following at each step a successor whose
canonical form is the next stored one.

A variant that removes the typed fields (``fields = None``) also removes an
inherited ``symmetric``.  Only the safety search (``bfs``) reduces; liveness is checked on the full
state graph (a reduced graph has lassos that are no lasso of the model).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distcheck.contract.errors import ModelError
from distcheck.contract.typed import Map, Msgs, NodeSet, declared_sorts, typed_fields


def canonicaliser(model: Any) -> Callable[[Any], Any] | None:
    """The canonical-form function of ``model`` (an author's instance), or None without ``symmetric``.

    A declaration the reduction cannot honour is a ModelError naming what to change.
    """
    wanted = tuple(getattr(model, "symmetric", ()) or ())
    if not wanted:
        return None
    mid = getattr(model, "id", type(model).__name__)
    fields = typed_fields(type(model))
    if fields is None and "symmetric" not in vars(type(model)):
        return None  # a variant that drops the typed fields drops the symmetry declared on them
    if fields is None:
        raise ModelError(f"model {mid}: symmetric = {wanted!r} needs typed state fields "
                         "(fields = Fields(State, ...)) saying where each node appears")
    sorts = declared_sorts(type(model))
    for name in wanted:
        if name not in sorts:
            raise ModelError(f"model {mid}: symmetric names {name!r}, which is no Sort of the "
                             f"model (its sorts: {', '.join(sorts) or 'none'})")
    kinds = list(fields.fields.values())
    for i, kind in enumerate(kinds):
        if isinstance(kind, Msgs):
            for tag, carried in kind.tags.items():
                if sum(1 for s in carried if s in wanted) > 1:
                    raise ModelError(
                        f"model {mid}: message {tag} of field {list(fields.fields)[i]} carries two "
                        "symmetric nodes; symmetry reduction supports at most one per message")
    size = {name: getattr(model, sorts[name].size) for name in wanted}
    plans = [_SortPlan(name, size[name], kinds) for name in wanted]
    make = fields.state

    def canonical(s: Any) -> Any:
        parts = list(s)
        changed = False
        for plan in plans:
            changed = plan.apply(parts) or changed
        return make(*parts) if changed else s

    return canonical


class _SortPlan:
    """Where the nodes of one symmetric sort appear in the state, and how to renumber them."""

    def __init__(self, sort: str, n: int, kinds: list[Any]) -> None:
        self.n = n
        self.maps = [i for i, k in enumerate(kinds) if isinstance(k, Map) and k.sort == sort]
        self.sets = [i for i, k in enumerate(kinds) if isinstance(k, NodeSet) and k.sort == sort]
        # field -> tag -> positions in the message tuple that hold a node of this sort
        self.msgs: list[tuple[int, dict[Any, int]]] = []
        for i, k in enumerate(kinds):
            if isinstance(k, Msgs):
                at = {tag: 1 + carried.index(sort) for tag, carried in k.tags.items()
                      if sort in carried}
                if at:
                    self.msgs.append((i, at))

    def apply(self, parts: list[Any]) -> bool:
        """Renumber this sort's nodes in ``parts`` in signature order; whether anything moved."""
        n = self.n
        rows: list[list[Any]] = [[] for _ in range(n)]
        for f in self.maps:
            for i, v in enumerate(parts[f]):
                rows[i].append(v)
        for f in self.sets:
            members = parts[f]
            for i in range(n):
                rows[i].append(i in members)
        carried: list[list[str]] = [[] for _ in range(n)]
        for f, at in self.msgs:
            for m in parts[f]:
                p = at.get(m[0])
                if p is not None:
                    # the message without the node: what it says about that node
                    carried[m[p]].append(repr((f, p, m[:p] + m[p + 1:])))
        if self.msgs:
            for i in range(n):
                rows[i].append(sorted(carried[i]))
        keys = [tuple(r) for r in rows]
        order = sorted(range(n), key=keys.__getitem__)
        if all(k == i for i, k in enumerate(order)):
            return False
        new_of = [0] * n
        for new, old in enumerate(order):
            new_of[old] = new
        for f in self.maps:
            old_map = parts[f]
            parts[f] = tuple(old_map[old] for old in order)
        for f in self.sets:
            parts[f] = frozenset(new_of[i] for i in parts[f])
        for f, at in self.msgs:
            renamed = []
            for m in parts[f]:
                p = at.get(m[0])
                if p is not None:
                    m = type(m)(*m[:p], new_of[m[p]], *m[p + 1:]) if hasattr(m, "_fields") \
                        else (*m[:p], new_of[m[p]], *m[p + 1:])
                renamed.append(m)
            parts[f] = frozenset(renamed)
        return True


def concretise(transitions: Callable[[Any], Any], inits: list[Any], key: Callable[[Any], Any],
               stored: list[Any]) -> list[Any]:
    """A real path of the model through the orbits of ``stored`` (representatives, in order).

    ``key`` maps a state to what was stored for it (its canonical form).
    """
    first = [i for i in inits if key(i) == stored[0]]
    if not first:
        raise ModelError("symmetry: no initial state has the stored canonical form; is the "
                         "model really symmetric in the declared sorts?")
    path = [first[0]]
    for want in stored[1:]:
        for _, _, u in transitions(path[-1]):
            if key(u) == want:
                path.append(u)
                break
        else:
            raise ModelError("symmetry: a renumbered state has no renumbered successor; the "
                             "model is not symmetric in the declared sorts (remove symmetric)")
    return path
