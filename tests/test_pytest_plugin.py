"""The pytest plugin, run in-process on a user's project (tests/userproject.py).

pytester snapshots and restores ``sys.modules`` and ``sys.path`` around each
inner run, so the user's ``models``, ``properties`` and ``protocols`` modules do
not leak into this session.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import userproject
from cli_helpers import run

pytest_plugins = ["pytester"]

ITEMS = {f"protocols/ticket_lock.py::{m}::{p}"
         for m, props in userproject.EXPECTED.items() for p in props}

#: a variant whose author expects the race to be harmless: the plugin must fail it
WRONG_EXPECTATION = '''\
from protocols.ticket_lock import RacyTicketLock


class Hopeful(RacyTicketLock):
    id = "shop.ticket_lock.hopeful"
    expected = {"mutual_exclusion": "holds"}
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    return userproject.write(pytester.path)


def inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """``pytest args...`` in the user's project, in-process.

    Without Hypothesis's plugin, which would import hypothesis afresh in every run
    (pytester drops the modules a run imported); none of these runs uses it.
    """
    return pytester.runpytest("-p", "no:hypothesispytest", *args)


def collected(result: pytest.RunResult) -> set[str]:
    return {line for line in result.outlines if "::" in line}


def test_one_item_per_model_and_property_passes(pytester: pytest.Pytester, project: Path) -> None:
    assert collected(inner(pytester, "--collect-only", "-q")) == ITEMS
    result = inner(pytester, "-q")
    result.assert_outcomes(passed=len(ITEMS))


def test_k_selects_by_model_id_and_property(pytester: pytest.Pytester, project: Path) -> None:
    result = inner(pytester, "-q", "-k", "ticket_lock.racy::mutual_exclusion")
    result.assert_outcomes(passed=1, deselected=len(ITEMS) - 1)


def test_idle_without_configuration(pytester: pytest.Pytester, project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = inner(pytester, "-q")
    result.assert_outcomes(passed=1)
    # --distcheck-models turns it on, for the models it names only
    result = inner(pytester, "-q", "--distcheck-models", "protocols/ticket_lock.py",
                                "-k", "not test_plain")
    result.assert_outcomes(passed=len(ITEMS), deselected=1)


def test_named_paths_select_the_models_under_them(pytester: pytest.Pytester, project: Path) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    assert collected(inner(pytester, "--collect-only", "-q", "test_plain.py")) == {
        "test_plain.py::test_plain"}
    assert collected(inner(pytester, "--collect-only", "-q", "protocols")) == ITEMS


def test_a_wrong_expectation_fails_with_its_trace(pytester: pytest.Pytester, project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (project / "protocols" / "hopeful.py").write_text(WRONG_EXPECTATION)
    result = inner(pytester, "-q", "-k", "hopeful")
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "shop.ticket_lock.hopeful mutual_exclusion: expected holds, got violated" in text
    assert "take_ticket" in text  # the step table
    assert "Traceback" not in text
    # under CI=true pytest repeats the whole failure message in its short summary
    saved = sorted({line.split("trace saved: ", 1)[1].split(" (", 1)[0]
                    for line in result.outlines if "trace saved: " in line})
    assert len(saved) == 1, text
    assert saved[0].startswith(".pytest_cache/"), saved  # relative: where pytest was run
    trace = project / saved[0]
    assert json.loads(trace.read_text())["model"] == "shop.ticket_lock.hopeful"
    code, out, err = run(capsys, "replay", str(trace))
    assert (code, err) == (0, ""), out + err


def test_inconclusive_fails_or_skips_but_never_passes(pytester: pytest.Pytester,
                                                      project: Path) -> None:
    bounded = ("-q", "-k", "shop.ticket_lock::mutual_exclusion", "--distcheck-max-states", "3")
    result = inner(pytester, *bounded)
    result.assert_outcomes(failed=1, deselected=len(ITEMS) - 1)
    result.stdout.fnmatch_lines(["*expected holds, got inconclusive*"])
    result = inner(pytester, *bounded, "--distcheck-inconclusive=skip")
    result.assert_outcomes(skipped=1, deselected=len(ITEMS) - 1)


def test_pinned_settings_apply_and_the_command_line_wins(pytester: pytest.Pytester,
                                                         project: Path) -> None:
    with (project / "pyproject.toml").open("a") as f:
        f.write('\n[tool.distcheck.settings."shop.ticket_lock"]\nmax_states = 3\n'
                'params = {clients = 3}\n')
    result = inner(pytester, "-q", "-k", "shop.ticket_lock::mutual_exclusion")
    result.assert_outcomes(failed=1, deselected=len(ITEMS) - 1)
    result.stdout.fnmatch_lines(["*inconclusive*"])
    result = inner(pytester, "-q", "-k", "shop.ticket_lock::", "--distcheck-max-states",
                                "100000", "--distcheck-param", "rounds=2")
    result.assert_outcomes(passed=2, deselected=len(ITEMS) - 2)


def test_sampling_engine_counts_inconclusive_holds_as_expected(pytester: pytest.Pytester,
                                                               project: Path) -> None:
    result = inner(pytester, "-q", "--distcheck-engine", "simulate", "--distcheck-seed", "1",
                   "--distcheck-runs", "20", "--distcheck-steps", "12")
    result.assert_outcomes(passed=len(ITEMS))


def test_slow_models_get_the_slow_marker(pytester: pytest.Pytester, project: Path) -> None:
    file = project / "protocols" / "ticket_lock.py"
    file.write_text(file.read_text().replace(
        '    id = "shop.ticket_lock.racy"\n', '    id = "shop.ticket_lock.racy"\n    slow = True\n'))
    result = inner(pytester, "-q", "-m", "not slow")
    result.assert_outcomes(passed=2, deselected=2)


@pytest.mark.parametrize(("args", "message"), [
    (("--distcheck-models", "nosuch.py"), "no such file: nosuch.py"),
    (("--distcheck-param", "bogus=1"), "no selected model has a parameter 'bogus'"),
    (("--distcheck-param", "clients=many"), "parameter clients='many' is not valid"),
    (("--distcheck-engine", "hypothesis", "--distcheck-max-depth", "3"),
     "--distcheck-engine hypothesis cannot honour --distcheck-max-depth"),
])
def test_bad_input_is_one_line_not_a_traceback(pytester: pytest.Pytester, project: Path,
                                               args: tuple[str, ...], message: str) -> None:
    result = inner(pytester, "-q", *args)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    errors = [line for line in result.outlines if line.startswith("distcheck: ")]
    assert errors and message in errors[0], result.stdout.str()
    assert "Traceback" not in result.stdout.str()


def test_a_malformed_table_is_reported(pytester: pytest.Pytester, project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.distcheck]\nmodels = "protocols/"\n')
    result = inner(pytester, "-q")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["distcheck: *models must be a list*"])


def test_each_model_is_explored_once(pytester: pytest.Pytester, project: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from distcheck.engines import checker

    explored: list[str] = []
    real = checker.check_model

    def counting(model, options, only=None):  # type: ignore[no-untyped-def]
        explored.append(model.id)
        return real(model, options, only)

    monkeypatch.setattr(checker, "check_model", counting)
    inner(pytester, "-q").assert_outcomes(passed=len(ITEMS))
    assert sorted(explored) == sorted(userproject.EXPECTED)


def test_loading_the_plugin_imports_no_engine() -> None:
    # pytest imports the plugin in every session of every project that has distcheck
    # installed, configured or not
    heavy = ("hypothesis", "z3", "networkx", "rich", "distcheck.engines", "distcheck.outputs")
    code = ("import sys, distcheck.pytest_plugin; "
            f"print(sorted({{m.split('.')[0] if not m.startswith('distcheck') else m "
            f"for m in sys.modules if m.startswith({heavy!r})}}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_this_repository_collects_the_whole_bundled_catalogue() -> None:
    """Dogfood: the default run's plugin items are every bundled model, each once."""
    from distcheck.cli.commands import instantiate_all
    from distcheck.contract import catalog

    config = catalog.project_config(Path(__file__).resolve().parents[1])
    assert config is not None and config.models == ("distcheck.models",)
    ids = [m.id for m in instantiate_all([], [], config=config)]
    assert ids == list(catalog.bundled_models())
