"""Typed state fields: the shape of a state, declared so it can be proved for any number of nodes.

A model that wants proofs for any number of nodes (``distcheck prove MODEL
--unbounded``) declares, besides its NamedTuple state, what each field holds::

    class TwoPhase(Model):
        rms = Param(3)
        rm = Sort(size="rms")                                   # the nodes, as many as rms
        fields = Fields(TP,
            rm_state=Map("rm", Enum("working", "prepared", "committed", "aborted"), init="working"),
            tm_state=Var(Enum("init", "committed", "aborted"), init="init"),
            tm_prepared=NodeSet("rm"),
            msgs=Msgs(Msg, Prepared=("rm",), Commit=(), Abort=()),
        )

Concretely nothing changes: the engines keep exploring the same tuples and
frozensets (a ``Map`` is a tuple indexed by node, a ``NodeSet`` a frozenset of
node numbers, ``Msgs`` a frozenset of messages ``Msg(tag, *nodes)``).  For a
proof, :mod:`distcheck.engines.symbolic` re-runs the same action and
invariant methods on symbolic stand-ins of these fields.

What needs every node is written with the helpers :func:`forall`,
:func:`exists` and :func:`at_most_one` over a sort (``forall(self.rm, lambda r:
r in s.tm_prepared)``): they loop over the nodes when the model is explored and
become quantifiers in a proof.  ``len``, ``sum``, loops over a field or the
sort's size parameter have no value for "any number of nodes": a proof
refuses them with an error naming the helper to use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from distcheck.contract.errors import ModelError
from distcheck.contract.model import declared


class Sort:
    """A kind of node (resource managers, clients), as many as the parameter ``size`` says.

    On a model instance it reads as ``range(size)``: ``for c in self.client``
    works when exploring; a proof replaces it by a symbolic sort of any size.
    """

    def __init__(self, size: str, doc: str = "") -> None:
        self.size = size
        self.doc = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return range(getattr(instance, self.size))


class Enum:
    """A finite set of values (strings), e.g. the states of a resource manager."""

    def __init__(self, *values: str) -> None:
        if not values or len(set(values)) != len(values):
            raise TypeError(f"Enum needs distinct values, not {values!r}")
        self.values = tuple(values)

    def __repr__(self) -> str:
        return f"Enum{self.values!r}"


class Map:
    """A value per node of ``sort``: an :class:`Enum` value or a bool (a tuple indexed by node)."""

    def __init__(self, sort: str, values: Enum | type[bool], init: Any) -> None:
        if values is not bool and not isinstance(values, Enum):
            raise TypeError(f"Map values are an Enum or bool, not {values!r}")
        if values is bool and not isinstance(init, bool) or (
                isinstance(values, Enum) and init not in values.values):
            raise TypeError(f"Map init {init!r} is not one of its values {values!r}")
        self.sort, self.values, self.init = sort, values, init

    def initial(self, sizes: dict[str, int]) -> tuple:
        return (self.init,) * sizes[self.sort]


class NodeSet:
    """A set of nodes of ``sort`` (a frozenset of node numbers), initially empty."""

    def __init__(self, sort: str) -> None:
        self.sort = sort

    def initial(self, sizes: dict[str, int]) -> frozenset:
        return frozenset()


class Var:
    """One :class:`Enum` value (the transaction manager's state)."""

    def __init__(self, values: Enum, init: str) -> None:
        if init not in values.values:
            raise TypeError(f"Var init {init!r} is not one of {values!r}")
        self.values, self.init = values, init

    def initial(self, sizes: dict[str, int]) -> str:
        return self.init


class Flag:
    """A boolean (the lock server holds the lock)."""

    def __init__(self, init: bool = False) -> None:
        self.init = init

    def initial(self, sizes: dict[str, int]) -> bool:
        return self.init


class Msgs:
    """A set of tagged messages, initially empty: ``Msgs(Msg, Grant=("client",), Commit=())``.

    Each keyword is a message tag and the sorts of the nodes it carries; a
    message is ``cls(tag, *nodes)`` (a plain tuple when ``cls`` is None).
    Messages are sent by adding to the set and received by testing
    membership (and removed, if the protocol consumes them).
    """

    def __init__(self, cls: Callable[..., tuple] | None = None, **tags: tuple[str, ...]) -> None:
        if not tags:
            raise TypeError("Msgs needs at least one tag, e.g. Msgs(Grant=('client',))")
        self.cls = cls
        self.tags = {t: tuple(sorts) for t, sorts in tags.items()}

    def make(self, tag: str, nodes: Iterable[Any]) -> tuple:
        return self.cls(tag, *nodes) if self.cls is not None else (tag, *nodes)

    def parse(self, message: Any) -> tuple[str, tuple[Any, ...]]:
        """The tag and nodes of a concrete or symbolic message (trailing ``None``s ignored)."""
        if not isinstance(message, tuple) or not message or message[0] not in self.tags:
            raise ModelError(f"message {message!r} has none of the declared tags "
                             f"{', '.join(self.tags)}")
        tag = message[0]
        arity = len(self.tags[tag])
        nodes, rest = tuple(message[1:1 + arity]), message[1 + arity:]
        if len(nodes) != arity or any(v is not None for v in rest):
            raise ModelError(f"message {message!r}: {tag} carries {arity} node(s)")
        return tag, nodes

    def initial(self, sizes: dict[str, int]) -> frozenset:
        return frozenset()


FieldType = Map | NodeSet | Var | Flag | Msgs


class Fields:
    """The typed fields of a model's state class ``state`` (a NamedTuple), one per field."""

    def __init__(self, state: type, **fields: FieldType) -> None:
        names = getattr(state, "_fields", None)
        if names is None:
            raise TypeError(f"Fields needs a NamedTuple state class, not {state!r}")
        if tuple(fields) != tuple(names):
            raise TypeError(f"Fields of {state.__name__} must declare {', '.join(names)} in that "
                            f"order, not {', '.join(fields)}")
        for name, kind in fields.items():
            if not isinstance(kind, (Map, NodeSet, Var, Flag, Msgs)):
                raise TypeError(f"field {name}: {kind!r} is not a Map, NodeSet, Var, Flag or Msgs")
        self.state = state
        self.fields = fields

    def initial(self, sizes: dict[str, int]) -> Any:
        """The initial state the declaration describes, at the given sort sizes."""
        return self.state(**{n: f.initial(sizes) for n, f in self.fields.items()})

    def sorts_used(self) -> set[str]:
        used: set[str] = set()
        for f in self.fields.values():
            if isinstance(f, (Map, NodeSet)):
                used.add(f.sort)
            elif isinstance(f, Msgs):
                used.update(s for sorts in f.tags.values() for s in sorts)
        return used


# --------------------------------------------------------------------------- what a class declares


def typed_fields(cls: type) -> Fields | None:
    """The :class:`Fields` declaration of model class ``cls``, if any.

    A variant with another state class removes the inherited one with
    ``fields = None``.
    """
    found = declared(cls, Fields)
    return next(reversed(found.values())) if found else None


def declared_sorts(cls: type) -> dict[str, Sort]:
    """The :class:`Sort` declarations of model class ``cls``, by attribute name."""
    return declared(cls, Sort)


def sort_sizes(model: Any) -> dict[str, int]:
    """Each declared sort's size on a concrete model instance."""
    return {name: getattr(model, s.size) for name, s in declared_sorts(type(model)).items()}


# --------------------------------------------------------------------------- helpers over nodes


def forall(sort: Any, pred: Callable[[Any], Any]) -> Any:
    """``pred`` holds for every node of ``sort`` (``self.rm``); a quantifier in a proof."""
    symbolic = getattr(sort, "forall", None)
    if symbolic is not None:
        return symbolic(pred)
    return all(pred(n) for n in sort)


def exists(sort: Any, pred: Callable[[Any], Any]) -> Any:
    """``pred`` holds for some node of ``sort``; a quantifier in a proof."""
    symbolic = getattr(sort, "exists", None)
    if symbolic is not None:
        return symbolic(pred)
    return any(pred(n) for n in sort)


def at_most_one(sort: Any, pred: Callable[[Any], Any]) -> Any:
    """``pred`` holds for at most one node of ``sort`` (mutual exclusion); quantified in a proof."""
    symbolic = getattr(sort, "at_most_one", None)
    if symbolic is not None:
        return symbolic(pred)
    found = False
    for n in sort:
        if pred(n):
            if found:
                return False
            found = True
    return True
