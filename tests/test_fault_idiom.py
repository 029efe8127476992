"""One fault idiom in every model: budgets declared by ``Faults(...)``, spent by ``self.faults``.

The first half checks the bundled catalogue (so a model that hand-writes a
budget again fails here); the second half the parts of ``Faults`` the lock
models needed: a budget with its own range, budgets listed where the
``faults`` line stands, and time that goes on past the horizon.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import BadInput
from distcheck.contract.faults import BUDGET_PARAM, Budget, Faults, left_field
from distcheck.contract.model import (
    Model,
    Param,
    action,
    declared_actions,
    declared_params,
    fault,
)
from distcheck.contract.network import NodeModel

ROOT = Path(__file__).resolve().parents[1]
MODELS = catalog.bundled_models()
#: the budgets kept in the state (``horizon`` bounds time and is no count of faults)
COUNTED = {kind: name for kind, name in BUDGET_PARAM.items() if kind != "tick"}


def fault_kinds(cls: type[Model]) -> set[str]:
    """The kinds of the model's ``@fault`` actions (a NodeModel's are made from its Faults)."""
    if issubclass(cls, NodeModel):
        return {a.fault for a in compile_model(cls()).actions if a.fault}
    return {a.fault for a in declared_actions(cls).values() if a.fault}


WITH_FAULTS = sorted(mid for mid, cls in MODELS.items() if fault_kinds(cls))


def test_the_catalogue_has_models_with_faults() -> None:
    assert len(WITH_FAULTS) >= 30  # the idiom checks below are not vacuous


@pytest.mark.parametrize("model_id", WITH_FAULTS)
def test_a_model_with_fault_actions_declares_exactly_those_faults(model_id: str) -> None:
    cls = MODELS[model_id]
    declared = getattr(cls, "faults", None)
    assert isinstance(declared, Faults), f"{model_id}: declare faults = Faults(...)"
    made_from_faults = issubclass(cls, NodeModel)  # at budget 0 a NodeModel drops the action
    kinds = fault_kinds(cls)
    assert kinds <= set(declared.kinds) if made_from_faults else kinds == set(declared.kinds), (
        f"{model_id}: Faults admits {sorted(declared.kinds)}, its @fault actions are "
        f"{sorted(fault_kinds(cls))}"
    )


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_every_fault_budget_is_a_faults_budget(model_id: str) -> None:
    cls = MODELS[model_id]
    hand_written = [
        name for name, p in declared_params(cls).items()
        if name in COUNTED.values() and not isinstance(p, Budget)
    ]
    assert not hand_written, f"{model_id}: budgets {hand_written} belong in faults = Faults(...)"


@pytest.mark.parametrize("model_id", WITH_FAULTS)
def test_the_initial_state_holds_the_full_budgets(model_id: str) -> None:
    model = MODELS[model_id]()
    bound = model.faults
    if isinstance(model, NodeModel):
        return  # budgets live in World.left, filled from Faults by construction
    for s in compile_model(model).initial_states():
        fields = getattr(s, "_fields", ())
        for kind in bound.budgeted():
            assert getattr(s, left_field(kind)) == bound.budget(kind)
        # a remaining budget in the state without a Budget behind it is a hand-written one
        stray = [f for f in fields if f in {n + "_left" for n in COUNTED.values()}
                 and f not in {left_field(k) for k in bound.budgeted()}]
        assert not stray, f"{model_id}: state fields {stray} have no budget in Faults"


def test_no_model_spends_a_budget_by_hand() -> None:
    budget_field = "|".join(sorted(COUNTED.values()))
    # setting a remaining budget, decrementing it, or guarding a fault with it
    by_hand = re.compile(
        rf"\b({budget_field})_left\s*(=(?!=)|-)|\bif\s+s\.({budget_field})_left\b"
    )
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "models").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert not found, "spend budgets with self.faults.spend(s, kind):\n" + "\n".join(found)


@pytest.mark.parametrize("model_id", sorted(
    mid for mid, cls in MODELS.items() if isinstance(vars(cls).get("faults"), Faults)
))
def test_a_variant_redeclares_faults_only_to_admit_other_faults(model_id: str) -> None:
    """Changing a budget's default is ``defaults = {"crashes": 0}``, not a new Faults."""
    cls = MODELS[model_id]
    inherited = getattr(cls.__mro__[1], "faults", None)
    if isinstance(inherited, Faults):
        assert cls.faults.kinds != inherited.kinds, (
            f"{model_id}: admits the same faults as its parent; write defaults = {{...}}"
        )


# --------------------------------------------------------------------------- Faults


class Clock(NamedTuple):
    now: int
    crashes_left: int
    pauses_left: int


class Ordered(Model):
    id = "test.ordered"
    first = Param(1, at_least=0)

    @action()
    def early(self, s: Clock):
        return None

    faults = Faults(tick=2, pause=0, crash=Param(1, at_most=2, doc="node crashes"))
    last = Param(2, at_least=0)

    def init(self):
        yield Clock(now=0, **self.faults.initial())

    @action()
    def late(self, s: Clock):
        return None

    @fault("tick")
    def tick(self, s: Clock):
        return self.faults.tick(s, past_horizon=s.now < 4 and s.crashes_left == 0)

    @fault("crash")
    def crash(self, s: Clock):
        return self.faults.spend(s, "crash")


def test_budgets_stand_where_the_faults_line_stands_in_the_order_given() -> None:
    assert list(declared_params(Ordered)) == ["first", "horizon", "pauses", "crashes", "last"]
    # moving the budgets into place leaves everything else in the order written
    assert [a.name for a in compile_model(Ordered()).actions] == ["early", "late", "tick", "crash"]


def test_a_budget_given_as_a_param_keeps_its_range_and_doc() -> None:
    crashes = declared_params(Ordered)["crashes"]
    assert isinstance(crashes, Budget)
    assert (crashes.default, crashes.at_least, crashes.at_most, crashes.doc) == (1, 0, 2, "node crashes")
    assert Ordered(crashes=2).crashes == 2
    with pytest.raises(BadInput, match="crashes=3 is out of range.*budget of crash faults"):
        Ordered(crashes=3)


@pytest.mark.parametrize("value", [Param(True), Param(-1), Param("1")])
def test_a_param_budget_needs_an_int_default(value: Param) -> None:
    with pytest.raises(ValueError, match="crash"):
        Faults(crash=value)


def test_time_goes_past_the_horizon_only_when_asked() -> None:
    model = Ordered()
    s = Clock(now=2, crashes_left=1, pauses_left=0)
    assert model.faults.tick(s) is None
    assert model.faults.tick(s, past_horizon=True) == s._replace(now=3)

    def ticks(state: Clock) -> list[Clock]:
        return [t for a, _, t in compile_model(model).transitions(state) if a.fault == "tick"]

    assert ticks(s) == []  # at the horizon, with nothing to wait for
    assert ticks(s._replace(crashes_left=0)) == [Clock(3, 0, 0)]  # asked to go on
    assert ticks(Clock(4, 0, 0)) == []


def test_spend_makes_the_changes_and_spends_one_fault_or_returns_none() -> None:
    model = Ordered()
    s = Clock(now=1, crashes_left=1, pauses_left=0)
    assert model.faults.spend(s, "crash", now=5) == Clock(now=5, crashes_left=0, pauses_left=0)
    assert model.faults.spend(s, "pause", now=5) is None
    assert model.faults.left(s, "crash") == 1 and model.faults.left(s, "pause") == 0
