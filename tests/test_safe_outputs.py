"""Outputs (issue 17, items 5 and 6): only regular files are written, symlinks are written
through, regular files are replaced atomically, and every output path is checked before
any work, against the others too; an output that fails after the run still leaves the
verdicts on stdout, with exit 2 and the reason."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from cli_helpers import one_line, run

from distcheck.contract import files
from distcheck.contract.errors import BadInput
from distcheck.engines import checker

ROOT = Path(__file__).resolve().parents[1]
EAGER = "transactions.twophase.eager_commit"
EAGER_TRACE = ROOT / "counterexamples/transactions/transactions.twophase.eager_commit.consistent.json"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default ./traces stays out of the repository


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every model the checker is asked to check (none, when outputs are refused first)."""
    ran: list[str] = []
    real = checker.check_model

    def spy(model, *args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(model.id)
        return real(model, *args, **kwargs)

    monkeypatch.setattr(checker, "check_model", spy)
    return ran


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def is_fifo(path: Path) -> bool:
    return stat.S_ISFIFO(os.lstat(path).st_mode)


# --------------------------------------------------------------------------- item 5


def test_system_device_paths_are_refused_without_touching_them() -> None:
    # the audit's '-o /dev/null' turned the device into a regular file; only checked here,
    # never written, so a regression cannot damage the machine running the tests
    for device in ("/dev/null", "/dev/zero"):
        with pytest.raises(BadInput, match="character device"):
            files.check_output_file(device, "--output")
        with pytest.raises(BadInput, match="character device"):
            files.write_atomic(device, "x", "--output")
        assert stat.S_ISCHR(os.stat(device).st_mode)


def test_a_symlink_to_a_device_is_refused_naming_the_target(tmp_path: Path) -> None:
    (tmp_path / "out.json").symlink_to("/dev/null")
    with pytest.raises(BadInput, match=r"symlink points to /dev/null"):
        files.check_output_file(tmp_path / "out.json", "--output")


@pytest.mark.parametrize("kind", ["fifo", "dir", "link-to-fifo"])
def test_minimize_output_that_is_not_a_regular_file_exits_2_unchanged(capsys, tmp_path: Path,
                                                                     kind: str) -> None:
    out = tmp_path / "out.json"
    if kind == "fifo":
        fifo(out)
    elif kind == "dir":
        out.mkdir()
    else:
        out.symlink_to(fifo(tmp_path / "pipe"))
    code, stdout, err = run(capsys, "minimize", str(EAGER_TRACE), "-o", str(out))
    assert code == 2 and stdout == ""
    assert "regular file" in one_line(err)
    if kind == "fifo":
        assert is_fifo(out)
    elif kind == "dir":
        assert out.is_dir() and not any(out.iterdir())
    else:
        assert out.is_symlink() and is_fifo(tmp_path / "pipe")


def test_in_place_on_a_symlinked_trace_writes_the_target_and_keeps_the_link(
        capsys, tmp_path: Path) -> None:
    real = tmp_path / "kept" / "trace.json"
    real.parent.mkdir()
    # on one line: the rewrite (indented) shows that the real file was written
    real.write_text(json.dumps(json.loads(EAGER_TRACE.read_text())))
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, err = run(capsys, "minimize", str(link), "--in-place")
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().count("\n") > 10
    assert json.loads(real.read_text())["property"] == "consistent"


def test_an_existing_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    out.write_text("old")
    out.chmod(0o600)
    before = os.stat(out).st_ino
    files.write_atomic(out, "new", "--output")
    assert out.read_text() == "new"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert os.stat(out).st_ino != before  # a new file renamed over the old: never half-written


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path,
                                                                   monkeypatch) -> None:
    out = tmp_path / "report.md"
    out.write_text("old")

    def full(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(BadInput, match="No space left"):
        files.write_atomic(out, "new" * 1000, "--output")
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    files.write_atomic(tmp_path / "sub" / "new.txt", "x")
    assert stat.S_IMODE(os.stat(tmp_path / "sub" / "new.txt").st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- item 6


def test_junit_and_save_traces_on_one_path_exit_2_before_the_run(capsys, tmp_path: Path,
                                                                 no_run: list[str]) -> None:
    code, out, err = run(capsys, "check", EAGER, "--junit", "X", "--save-traces", "X")
    assert code == 2 and out == "" and no_run == []
    assert "same path" in one_line(err) and "--junit" in err and "--save-traces" in err
    assert not (tmp_path / "X").exists()


def test_junit_named_like_a_trace_of_the_run_exits_2_before_the_run(capsys, tmp_path: Path,
                                                                    no_run: list[str]) -> None:
    junit = f"out/{EAGER}.consistent.json"
    code, _, err = run(capsys, "check", EAGER, "--junit", junit, "--save-traces", "out")
    assert code == 2 and no_run == []
    assert "same path" in one_line(err)


def test_a_trace_name_taken_by_a_folder_exits_2_before_the_run(capsys, tmp_path: Path,
                                                              no_run: list[str]) -> None:
    (tmp_path / "T" / f"{EAGER}.consistent.json").mkdir(parents=True)
    code, out, err = run(capsys, "check", EAGER, "--save-traces", "T")
    assert code == 2 and out == "" and no_run == []
    assert "is a directory" in one_line(err)


def test_default_traces_folder_that_cannot_be_written_exits_2_before_the_run(
        capsys, tmp_path: Path, no_run: list[str]) -> None:
    (tmp_path / "traces").write_text("a file where the folder would go")
    code, out, err = run(capsys, "check", EAGER)
    assert code == 2 and out == "" and no_run == []
    assert "traces" in one_line(err)


def test_a_read_only_folder_is_refused_before_the_run(capsys, tmp_path: Path, monkeypatch,
                                                      no_run: list[str]) -> None:
    # tests may run as root, for whom every folder is writable: os.access says read-only
    real_access = os.access
    monkeypatch.setattr(files.os, "access",
                        lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode))
    code, out, err = run(capsys, "check", EAGER)
    assert code == 2 and out == "" and no_run == []
    assert "not writable" in one_line(err) and "--save-traces" in err


def test_a_read_only_checkout_whose_models_hold_still_passes(capsys, tmp_path: Path,
                                                             monkeypatch) -> None:
    real_access = os.access
    monkeypatch.setattr(files.os, "access",
                        lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode))
    code, out, err = run(capsys, "check", "transactions.twophase")
    assert code == 0, err
    assert "all 2 verdicts as expected" in out


def test_an_output_failing_after_the_run_keeps_the_json_and_exits_2(capsys, tmp_path: Path,
                                                                    monkeypatch) -> None:
    def full(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    code, out, err = run(capsys, "check", EAGER, "--json", "--junit", "j.xml")
    assert code == 2
    results = json.loads(out)["results"]
    assert {r["property"]: r["verdict"] for r in results}["consistent"] == "violated"
    assert all(r["trace_file"] is None for r in results)
    assert "No space left" in one_line(err)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == []


def test_an_unexpected_violation_with_an_unwritable_default_folder_prints_the_table(
        capsys, tmp_path: Path, monkeypatch) -> None:
    real_access = os.access
    monkeypatch.setattr(files.os, "access",
                        lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode))
    # some_commit is expected to hold, so no trace is expected and the folder is not needed
    # up front; the checker is then made to find a violation after all
    monkeypatch.setattr(checker, "check_model", _flip_to_violated(checker.check_model))
    code, out, err = run(capsys, "check", EAGER, "--property", "some_commit")
    assert code == 2
    assert "some_commit" in out and "differ" in out
    assert "--save-traces" in one_line(err)


def _flip_to_violated(real):  # type: ignore[no-untyped-def]
    """check_model whose results all come back violated with the eager trace attached."""
    from distcheck.traces import tracefile

    trace = tracefile.load(EAGER_TRACE)

    def flipped(model, options, only=None):  # type: ignore[no-untyped-def]
        results = real(model, options, only)
        for r in results:
            r.verdict, r.trace = "violated", trace
        return results

    return flipped


def test_replay_mermaid_into_a_new_folder_is_written(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "replay", str(EAGER_TRACE), "--mermaid", "new/sub/trace.md")
    assert code == 0, err
    assert (tmp_path / "new/sub/trace.md").read_text().startswith("```mermaid\n")


def test_graph_to_an_svg_name_is_refused_before_the_graph_is_built(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "graph", "transactions.tcommit", "-o", "out.svg")
    assert code == 2 and out == ""
    assert "--output out.dot" in one_line(err)
    assert not (tmp_path / "out.svg").exists()


@pytest.fixture
def fake_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``dot`` on PATH that draws a recognisable SVG of its input's first line."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    dot = bindir / "dot"
    dot.write_text(f"#!{sys.executable}\nimport sys\n"
                   "args = sys.argv[1:]\n"
                   "assert '-o' not in args, 'graphviz must write to stdout, not a file'\n"
                   "first = open(args[-1]).readline().strip()\n"
                   "sys.stdout.write('<svg><!-- ' + first + ' --></svg>')\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return dot


def test_graph_draws_the_svg_beside_the_dot_file_without_touching_it(
        capsys, tmp_path: Path, fake_graphviz: Path) -> None:
    code, out, err = run(capsys, "graph", "transactions.tcommit", "-o", "g.dot")
    assert code == 0, err
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert (tmp_path / "g.svg").read_text().startswith("<svg><!-- digraph")
    assert "picture: g.svg" in out


def test_graph_svg_path_taken_by_a_folder_is_refused_before_the_build(
        capsys, tmp_path: Path, fake_graphviz: Path) -> None:
    (tmp_path / "g.svg").mkdir()
    code, _, err = run(capsys, "graph", "transactions.tcommit", "-o", "g.dot")
    assert code == 2
    assert "SVG" in one_line(err) and "directory" in err
    assert not (tmp_path / "g.dot").exists()


@pytest.mark.parametrize("argv", [
    ["check", EAGER, "--junit", "{fifo}"],
    ["check", EAGER, "--save-traces", "{fifo}"],
    ["prove", "ids.snowflake.overlapping", "--save-traces", "{fifo}"],
    ["replay", str(EAGER_TRACE), "--mermaid", "{fifo}"],
    ["minimize", str(EAGER_TRACE), "-o", "{fifo}"],
    ["graph", "transactions.tcommit", "-o", "{fifo}"],
    ["report", "transactions", "-o", "{fifo}"],
])
def test_every_writing_command_refuses_a_fifo_before_any_work(capsys, tmp_path: Path, argv,
                                                              no_run: list[str]) -> None:
    pipe = fifo(tmp_path / "pipe")
    code, out, err = run(capsys, *(a.replace("{fifo}", str(pipe)) for a in argv))
    assert code == 2 and out == "" and no_run == []
    assert "FIFO" in one_line(err)
    assert is_fifo(pipe)


@pytest.mark.parametrize("argv, shown", [
    (["replay", str(EAGER_TRACE), "--mermaid", "m.md"], "reproduced"),
    (["prove", "ids.snowflake.overlapping", "--save-traces", "out"], "REFUTED"),
    (["prove", "ids.snowflake.overlapping", "--json"], '"verdict": "violated"'),
])
def test_replay_and_prove_print_their_outcome_when_the_write_fails(capsys, tmp_path: Path,
                                                                 monkeypatch, argv, shown) -> None:
    def full(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert shown in out
    assert "No space left" in one_line(err)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
