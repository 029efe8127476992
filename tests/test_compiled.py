"""Engines work on the compiled view: an author's names never change what they do."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from distcheck import Model, Param, action, always_eventually, invariant, put, sometimes
from distcheck.contract import catalog
from distcheck.contract.compiled import CompiledModel, compile_model
from distcheck.contract.model import declared_actions, declared_params, unknown_parameter
from distcheck.engines.bfs import Bounds
from distcheck.engines.checker import Options, check_model
from distcheck.traces import tracefile
from distcheck.traces.replay import replay

#: every name that lived on Model for the engines before the compiled view
FORMER_INTERNALS = (
    "initial_states", "transitions", "has_successor", "enabled", "action_named",
    "property_named", "deadlock_property", "checked_properties", "traced_property", "actions",
    "properties", "initial_generated", "params", "_declared", "admitted_faults",
    "unknown_parameter", "family", "param_values", "_bind", "_resolve_domain", "_bind_property",
    "call_action", "action_arguments", "checked_transitions", "explain_failure", "step", "call",
)


class S(NamedTuple):
    owner: int | None
    inside: tuple[bool, ...]


def lock_model(model_id: str, count: str, free: str, shadow: bool) -> type[Model]:
    """A lock whose ``barge`` breaks mutual exclusion.

    ``count`` names the parameter (the number of clients) and ``free`` the
    predicate method of its liveness property; with ``shadow`` every former
    internal name is also an author helper that fails loudly when called, or
    an instance attribute holding junk.
    """

    def init(self: Any) -> Any:
        yield S(None, (False,) * getattr(self, count))

    def acquire(self: Any, s: S, c: int) -> S | None:
        if s.owner is None:
            return S(c, put(s.inside, c, True))
        return None

    def release(self: Any, s: S, c: int) -> S | None:
        if s.owner == c:
            return S(None, put(s.inside, c, False))
        return None

    def barge(self: Any, s: S, c: int) -> S | None:
        if s.owner is not None and s.owner != c and not s.inside[c]:
            return s._replace(inside=put(s.inside, c, True))
        return None

    def leave(self: Any, s: S, c: int) -> S | None:
        if s.inside[c] and s.owner != c:
            return s._replace(inside=put(s.inside, c, False))
        return None

    def mutual_exclusion(self: Any, s: S) -> bool:
        return sum(s.inside) <= 1

    def owner_inside(self: Any, s: S) -> bool:
        return s.owner is None or s.inside[s.owner]

    def someone_in(self: Any, s: S) -> bool:
        return any(s.inside)

    body: dict[str, Any] = {
        "id": model_id,
        "weak_fair": ("all_protocol",),
        count: Param(2, at_least=1),
        "init": init,
        "acquire": action(c=count)(acquire),
        "release": action(c=count)(release),
        "barge": action(c=count)(barge),
        "leave": action(c=count)(leave),
        "mutual_exclusion": invariant(expect="violated")(mutual_exclusion),
        "owner_inside": invariant()(owner_inside),
        "someone_in": sometimes()(someone_in),
        "freed": always_eventually(free),
        free: lambda self, s: s.owner is None,
    }
    if shadow:
        for name in FORMER_INTERNALS:
            if name not in body:
                body[name] = _loud(name)

        def setup(self: Any) -> None:
            # instance attributes named like the view's data: junk an engine must not read
            self.actions = ["not", "an", "action"]
            self.properties = 42
            self.initial_generated = -1
            self.param_values = None
            self.family = "nonsense"

        body["setup"] = setup
    return type(model_id.rsplit(".", 1)[-1].title(), (Model,), body)


def _loud(name: str) -> Any:
    def helper(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"an engine called the author's helper {name}")

    helper.__name__ = name
    return helper


Plain = lock_model("test.plain_lock", "clients", "free", shadow=False)
Shadowed = lock_model("test.shadowed_lock", "transitions", "enabled", shadow=True)


def _comparable(results: list[Any]) -> list[dict[str, Any]]:
    out = []
    for r in results:
        doc = r.to_json()
        doc["stats"].pop("seconds")
        doc.pop("model")
        doc.pop("params")
        doc.get("minimized", {}).pop("seconds", None)
        if r.trace is not None:
            trace = r.trace.to_json()
            trace.pop("model")
            trace.pop("params")
            doc["trace"] = trace
        out.append(doc)
    return out


@pytest.mark.parametrize("options", [
    Options(),
    Options(engine="simulate", runs=200, steps=20, seed=3),
    Options(engine="hypothesis", runs=40, steps=15, seed=2),
    Options(bounds=Bounds(max_depth=3)),
], ids=["bfs", "simulate", "hypothesis", "bfs-cut"])
def test_helpers_named_like_former_internals_change_no_verdict(options: Options) -> None:
    plain = check_model(Plain(), options)
    shadowed = check_model(Shadowed(), options)
    exhaustive = options.engine == "bfs" and options.bounds.max_depth is None
    assert {r.property: r.verdict for r in plain} == {
        "mutual_exclusion": "violated",
        "owner_inside": "holds" if exhaustive else "inconclusive",
        "someone_in": "holds",
        "freed": "holds" if options.bounds.max_depth is None else "inconclusive",
    }
    assert _comparable(shadowed) == _comparable(plain)


def test_a_trace_of_the_shadowed_model_replays(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(catalog, "get", lambda mid, source=None: {Shadowed.id: Shadowed}[mid])
    [r] = check_model(Shadowed(), Options(), only=["mutual_exclusion"])
    assert r.trace is not None
    path = tracefile.save(r.trace, tmp_path / "t.json")
    again = replay(tracefile.load(path))
    assert again.reproduced, again.problem
    assert isinstance(again.model, CompiledModel) and again.model.model.transitions == 2


def test_the_view_is_built_once_and_holds_what_engines_need() -> None:
    model = Shadowed(transitions=3)
    view = compile_model(model)
    assert compile_model(model) is view and compile_model(view) is view
    assert view.id == "test.shadowed_lock" and view.family == "test"
    assert view.param_values == {"transitions": 3}
    assert [a.name for a in view.actions] == ["acquire", "release", "barge", "leave"]
    assert view.action_named("barge").static_args == ((0,), (1,), (2,))
    assert [p.name for p in view.checked_properties(True)] == [
        "mutual_exclusion", "owner_inside", "someone_in", "freed", "deadlock"]
    assert view.initial_states() == [S(None, (False,) * 3)] and view.initial_generated == 1
    # the author's instance keeps the author's own values under those names
    assert model.actions == ["not", "an", "action"] and model.properties == 42


def test_class_declarations_are_queried_by_functions() -> None:
    assert list(declared_params(Shadowed)) == ["transitions"]
    assert list(declared_actions(Shadowed)) == ["acquire", "release", "barge", "leave"]
    message = str(unknown_parameter(Shadowed, "clients"))
    assert message == ("model test.shadowed_lock has no parameter 'clients'; its parameters are: "
                       "transitions")
    with pytest.raises(Exception, match="no parameter 'clients'"):
        Shadowed(clients=2)

