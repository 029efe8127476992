"""The replication family: each violation has the stated cause, and goes away without it."""

from __future__ import annotations

from distcheck.contract.compiled import compile_model
from distcheck.engines.checker import Options, check_model
from distcheck.models.replication.base import LastWriterWins
from distcheck.models.replication.cap import APRegister
from distcheck.properties.history import Event, operations
from distcheck.properties.linearizability import NOT_LINEARIZABLE, check_linearizable


def verdicts(model, *names: str) -> dict[str, str]:
    return {r.property: r.verdict for r in check_model(model, Options(), list(names))}


def test_ap_register_trace_ends_in_a_stale_read_across_the_partition() -> None:
    (result,) = check_model(APRegister(), Options(), ["linearizable"])
    assert result.verdict == "violated"
    last = result.trace.steps[-1].state  # as JSON
    assert last["alone"] is not None  # the partition is in force when the read answers
    verdict = check_linearizable(operations(Event(**e) for e in last["history"]))
    assert verdict.verdict == NOT_LINEARIZABLE and "stale read" in verdict.explanation


def test_ap_register_without_a_partition_is_linearizable() -> None:
    assert verdicts(APRegister(partitions=0), "linearizable") == {"linearizable": "holds"}


def test_lww_loses_a_write_only_with_a_clock_jump() -> None:
    assert verdicts(LastWriterWins(), "no_lost_write") == {"no_lost_write": "violated"}
    assert verdicts(LastWriterWins(clock_jumps=0, replicas=3, writes=3),
                    "no_lost_write") == {"no_lost_write": "holds"}


def test_replication_models_compile() -> None:
    assert compile_model(APRegister()).properties
