"""A variant changes a parameter's default in one line: ``defaults = {"ttl": 2}``."""

from __future__ import annotations

import json

import pytest
from cli_helpers import one_line, run

from distcheck.contract import catalog
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import ModelError
from distcheck.contract.faults import Budget, Faults
from distcheck.contract.model import (
    Model,
    Param,
    action,
    declared_params,
    fault,
    invariant,
)


class Lease(Model):
    """A lease counting down; only here to carry parameters."""

    id = "test.lease"
    clients = Param(2, at_least=1, at_most=4, doc="number of clients")
    ttl = Param(3, at_least=1, doc="ticks a lease lasts")
    faults = Faults(crash=1, restart=False)

    def init(self):
        yield (self.ttl, 0, *self.faults.initial().values())

    @action()
    def count_down(self, s):
        if s[0] > 0:
            return (s[0] - 1, *s[1:])

    @fault("crash")
    def crash(self, s):
        if s[2]:
            return (s[0], s[1] + 1, s[2] - 1)

    @invariant()
    def non_negative(self, s) -> bool:
        return s[0] >= 0


class ShortLease(Lease):
    id = "test.lease.short"
    defaults = {"ttl": 1, "crashes": 0}


class ShorterLease(ShortLease):
    id = "test.lease.shorter"
    defaults = {"clients": 3}


class OwnTtl(ShortLease):
    id = "test.lease.own_ttl"
    ttl = Param(7, at_least=1, doc="a new declaration below the default")


class NoTtl(ShortLease):
    id = "test.lease.no_ttl"
    ttl = None  # removed: the inherited default for it goes too

    def init(self):
        yield (1, 0, *self.faults.initial().values())


def test_a_variant_changes_defaults_in_one_line_and_the_parent_keeps_its_own() -> None:
    assert ShortLease().ttl == 1 and ShortLease().crashes == 0 and ShortLease().clients == 2
    assert Lease().ttl == 3 and Lease().crashes == 1
    assert declared_params(ShortLease)["ttl"].default == 1 and declared_params(Lease)["ttl"].default == 3
    # the Param keeps its range and doc; an explicit value still wins over the default
    assert declared_params(ShortLease)["ttl"].doc == "ticks a lease lasts"
    assert isinstance(declared_params(ShortLease)["crashes"], Budget)
    assert ShortLease(ttl=5).ttl == 5
    assert list(declared_params(ShortLease)) == list(declared_params(Lease))  # same names, same order


def test_defaults_merge_along_the_mro_and_the_subclass_wins() -> None:
    m = ShorterLease()
    assert (m.clients, m.ttl, m.crashes) == (3, 1, 0)

    class Longer(ShorterLease):
        defaults = {"ttl": 2}

    assert (Longer().clients, Longer().ttl, Longer().crashes) == (3, 2, 0)


def test_a_param_declared_below_a_default_replaces_it() -> None:
    assert OwnTtl().ttl == 7 and OwnTtl().crashes == 0
    assert "ttl" not in declared_params(NoTtl) and NoTtl().crashes == 0


def test_the_effective_default_is_what_a_run_uses() -> None:
    assert compile_model(Lease()).initial_states() == [(3, 0, 1)]
    assert compile_model(ShortLease()).initial_states() == [(1, 0, 0)]
    assert compile_model(ShortLease()).param_values == {"clients": 2, "ttl": 1, "crashes": 0}


def test_a_default_for_no_parameter_is_a_model_error_naming_the_class() -> None:
    class Typo(Lease):
        id = "test.lease.typo"
        defaults = {"tll": 1}

    with pytest.raises(ModelError) as caught:
        Typo()
    message = str(caught.value)
    assert "test.lease.typo" in message and "Typo" in message and "'tll'" in message
    assert "clients, ttl, crashes" in message


@pytest.mark.parametrize(("value", "says"), [
    (0, "out of range: ttl accepts an integer >= 1"),
    ("2", "not valid: ttl accepts an integer >= 1"),
    (True, "not valid"),
])
def test_a_default_the_param_refuses_is_a_model_error_naming_the_class(value, says) -> None:
    bad = type("BadTtl", (Lease,), {"id": "test.lease.bad", "defaults": {"ttl": value}})
    with pytest.raises(ModelError) as caught:
        declared_params(bad)
    assert "test.lease.bad (BadTtl)" in str(caught.value) and says in str(caught.value)


def test_a_budget_default_is_checked_like_a_budget() -> None:
    bad = type("NegativeCrashes", (Lease,), {"id": "test.lease.neg", "defaults": {"crashes": -1}})
    with pytest.raises(ModelError, match=r"NegativeCrashes.*crashes=-1 is out of range"):
        bad()


def test_defaults_that_is_not_a_dict_is_a_model_error() -> None:
    bad = type("Listed", (Lease,), {"id": "test.lease.listed", "defaults": [("ttl", 1)]})
    with pytest.raises(ModelError, match="Listed.*defaults must be a dict"):
        declared_params(bad)


def test_a_bad_default_is_found_when_the_class_is_used_not_when_it_is_defined() -> None:
    class Late(Lease):
        id = "test.lease.late"
        defaults = {"nope": 1}

    assert Late.id == "test.lease.late"  # defining it raised nothing
    with pytest.raises(ModelError):
        declared_params(Late)


# --------------------------------------------------------------------------- command line


@pytest.fixture
def lease_models(monkeypatch):
    def install(*classes: type[Model]) -> None:
        monkeypatch.setattr(catalog, "user_models",
                            lambda config=None, extra=(): {c.id: c for c in classes})

    return install


def test_list_shows_the_effective_default(capsys, lease_models) -> None:
    lease_models(Lease, ShorterLease)
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert "ttl=3" in out and "crashes=1" in out  # the parent
    assert "ttl=1" in out and "crashes=0" in out and "clients=3" in out  # the variant


def test_check_runs_at_the_effective_default(capsys, lease_models) -> None:
    lease_models(Lease, ShortLease)
    code, out, _ = run(capsys, "check", ShortLease.id, "--json")
    assert code == 0
    params = {r["params"]["ttl"] for r in json.loads(out)["results"]}
    assert params == {1}


@pytest.mark.parametrize("command", [("check",), ("list",)])
def test_a_bad_default_is_one_line_and_exit_2_from_the_cli(capsys, lease_models, command) -> None:
    bad = type("Broken", (Lease,), {"id": "test.lease.broken", "defaults": {"ttl": 0}})
    lease_models(bad)
    argv = (*command, bad.id) if command == ("check",) else command
    code, out, err = run(capsys, *argv)
    # check names the model: nothing runs; list lists the others and reports it at the end
    assert code == 2 and (out == "") == (command == ("check",))
    line = one_line(err)
    assert "test.lease.broken (Broken)" in line and "ttl=0" in line


def test_no_bundled_variant_redeclares_a_param_only_to_change_its_default() -> None:
    """Such a variant writes ``defaults = {...}`` instead (one line, and the range stays one)."""
    offenders = []
    for mid, cls in catalog.bundled_models().items():
        for name, mine in vars(cls).items():
            if not isinstance(mine, Param) or isinstance(mine, Budget):
                continue
            for base in cls.__mro__[1:]:
                if not issubclass(base, Model):
                    continue
                inherited = declared_params(base).get(name)
                if inherited is None:
                    continue
                same = (type(mine), mine.type, mine.at_least, mine.at_most, mine.choices) == (
                    type(inherited), inherited.type, inherited.at_least, inherited.at_most,
                    inherited.choices)
                if same:
                    offenders.append(f"{mid}: {name}")
                break
    assert not offenders, f"use defaults = {{...}} instead of a new Param: {offenders}"
