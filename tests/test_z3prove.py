"""Z3 proofs: proved, refuted with concrete inputs, undecided, replayed, and bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from distcheck.cli import main
from distcheck.contract.compiled import compile_model
from distcheck.contract.declarations import Query, proof
from distcheck.contract.model import Model, Param
from distcheck.contract.verdict import HOLDS, INCONCLUSIVE, VIOLATED
from distcheck.engines.z3prove import prove
from distcheck.models.ids.multimaster import MultiMaster, NodeAdded
from distcheck.models.ids.snowflake import Layout, SnowflakeLayout
from distcheck.traces import tracefile
from distcheck.traces.replay import replay


def _results(model: Model, timeout: float = 30.0) -> dict[str, Any]:
    return {p.name: prove(model, p, timeout) for p in compile_model(model).properties if p.kind == "proof"}


def test_standard_snowflake_layout_is_proved_quickly() -> None:
    results = _results(SnowflakeLayout())
    assert {n: r.verdict for n, r in results.items()} == {
        "packing_injective": HOLDS, "sign_bit_zero": HOLDS, "increasing_per_worker": HOLDS}
    assert sum(r.extra["solver"]["seconds"] for r in results.values()) < 1.0
    assert all(r.engine == "z3" and r.extra["solver"]["answer"] == "unsat"
               for r in results.values())
    figures = results["packing_injective"].extra["figures"]
    assert "69.7 years" in figures["lifetime"] and "4,096 IDs per ms" in figures["rate"]


def test_sonyflake_like_layout_is_proved() -> None:
    model = SnowflakeLayout(timestamp_bits=39, worker_bits=8, sequence_bits=16)
    assert all(r.verdict == HOLDS for r in _results(model).values())


def test_overlapping_layout_is_refuted_with_colliding_inputs() -> None:
    model = SnowflakeLayout(worker_shift=11)  # worker field one bit into the sequence
    result = _results(model)["packing_injective"]
    assert result.verdict == VIOLATED
    v = result.trace.steps[0].args
    a, b = (v["t1"], v["w1"], v["q1"]), (v["t2"], v["w2"], v["q2"])
    assert a != b and model.layout.pack(*a) == model.layout.pack(*b)
    assert result.trace.steps[0].state["id_1"] == result.trace.steps[0].state["id_2"]


def test_layout_over_63_bits_sets_the_sign_bit() -> None:
    model = SnowflakeLayout(timestamp_bits=42)
    results = _results(model)
    assert results["packing_injective"].verdict == HOLDS  # 64 bits still hold 64 bits
    sign = results["sign_bit_zero"]
    assert sign.verdict == VIOLATED
    v = sign.trace.steps[0].args
    assert Layout.signed(model.layout.pack(v["t"], v["w"], v["q"])) < 0
    assert results["increasing_per_worker"].verdict == VIOLATED


def test_layout_over_64_bits_truncates_and_collides() -> None:
    results = _results(SnowflakeLayout(timestamp_bits=43))
    assert results["packing_injective"].verdict == VIOLATED


def test_multimaster_offsets_never_collide_and_added_node_does() -> None:
    base = _results(MultiMaster(nodes=3, step=3))
    assert base["no_collision"].verdict == HOLDS
    assert base["no_collision_any_step"].verdict == HOLDS
    assert _results(MultiMaster(nodes=3, step=2))["no_collision"].verdict == VIOLATED
    added = _results(NodeAdded())["no_collision"]
    assert added.verdict == VIOLATED
    state = added.trace.steps[0].state
    assert state["id_i"] == state["id_j"]


class _Hard(Model):
    """Fermat's n=3 over unbounded integers: beyond a short solver time limit."""

    id = "test.hard"
    lie = Param(False)

    @proof(expect="holds")
    def no_cubes(self, z3: Any) -> Query:
        x, y, z = z3.Ints("x y z")
        formula = z3.And(x > 0, y > 0, z > 0, x * x * x + y * y * y == z * z * z)
        return Query(formula, {"x": x, "y": y, "z": z}, lambda v: "cubes")

    @proof(expect="holds")
    def wrong_encoding(self, z3: Any) -> Query:
        x = z3.Int("x")
        return Query(x == 1, {"x": x}, lambda v: None)  # plain Python disagrees with Z3


def test_solver_unknown_is_inconclusive_with_the_reason() -> None:
    model = _Hard()
    result = prove(model, compile_model(model).property_named("no_cubes"), timeout=0.2)
    assert result.verdict == INCONCLUSIVE
    assert "unknown" in result.reason and result.trace is None


def test_encoding_mismatch_is_inconclusive_not_violated() -> None:
    model = _Hard()
    result = prove(model, compile_model(model).property_named("wrong_encoding"))
    assert result.verdict == INCONCLUSIVE and "disagrees" in result.reason


def test_proof_trace_replays_and_a_tampered_one_does_not(tmp_path) -> None:
    model = SnowflakeLayout(worker_shift=11)
    result = _results(model)["packing_injective"]
    path = tracefile.save(result.trace, tmp_path / "t.json")
    assert replay(tracefile.load(path)).reproduced
    data = json.loads(path.read_text())
    data["steps"][0]["args"]["q2"] ^= 1
    path.write_text(json.dumps(data))
    rep = replay(tracefile.load(path))
    assert not rep.reproduced and "no longer break" in rep.problem


def test_prove_cli_exit_codes_and_json(capsys, tmp_path) -> None:
    out = ["--save-traces", str(tmp_path)]
    assert main(["prove", "ids.snowflake", *out]) == 0
    assert "PROVED" in capsys.readouterr().out
    assert main(["prove", "ids.snowflake", "-p", "timestamp_bits=42", *out]) == 1
    text = capsys.readouterr().out
    assert "REFUTED" in text and "inputs:" in text
    # a broken layout whose refutation is expected (the variant says so) is as expected: 0
    assert main(["prove", "ids.snowflake.overlapping", *out]) == 0
    assert "REFUTED" in capsys.readouterr().out
    assert main(["prove", "ids.snowflake", "--json", *out]) == 0
    doc = json.loads(capsys.readouterr().out)
    proofs = [r for r in doc["results"] if r["kind"] == "proof"]
    assert proofs and all(r["solver"]["seconds"] >= 0 and r["engine"] == "z3" for r in proofs)


@pytest.mark.parametrize("argv", [
    ["prove", "ids.snowflake", "-p", "timestamp_bits=0"],
    ["prove", "ids.snowflake", "-p", "worker_bits=-3"],
    ["prove", "ids.snowflake", "-p", "sequence_bits=x"],
    ["prove", "ids.multimaster", "-p", "step=0"],
    ["prove", "ids.snowflake", "--timeout", "0"],
    ["prove", "ids.snowflake", "--timeout", "-1"],
    ["prove", "ids.snowflake", "--timeout", "soon"],
    ["prove", "ids.snowflake", "--timeout", "inf"],
    ["prove", "ids.autoincrement"],
    ["prove", "no.such.model"],
])
def test_bad_input_exits_2_with_one_line(argv, capsys) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects the option itself
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err


def test_declaring_proofs_does_not_import_z3() -> None:
    import subprocess
    import sys

    code = ("import sys, distcheck.cli, distcheck.models.ids.snowflake, distcheck.models.ids.multimaster; "
            "sys.exit('z3' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
