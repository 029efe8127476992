"""End to end, as a new user: distcheck installed from the clone into a fresh venv, used
from a project of the user's own outside the clone (issue 9, "Done when").

Slow: it builds a venv and a wheel.  ``.ci/run`` runs it after the default suite.
The install is a plain, non-editable ``pip install --no-deps`` of a copy of the
clone (building in a copy keeps ``build/`` out of the clone).  Its dependencies
are this venv's, made visible to the fresh one by a ``.pth`` file, so nothing but
the build backend (setuptools, as for the Quickstart's install) comes from an index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
import userproject

CLONE = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

#: the clone's own artefacts (venv, caches, build output, traces), left out of the copy
_NOT_COPIED_AT_TOP = {".venv", ".git", "build", "traces", ".pytest_cache", ".ruff_cache",
                      ".hypothesis"}


def _not_copied(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == CLONE
    return {n for n in names if n == "__pycache__" or n.endswith(".egg-info")
            or (top and n in _NOT_COPIED_AT_TOP)}


@dataclass
class User:
    venv: Path
    project: Path
    env: dict[str, str]

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``program args...`` from the fresh venv's bin/, run in the user's project."""
        return subprocess.run([str(self.venv / "bin" / program), *args], cwd=self.project,
                              env=self.env, capture_output=True, text=True, timeout=300)


def _dependencies_dir(into: Path) -> Path:
    """This venv's installed packages, except distcheck's own editable install, as links."""
    here = Path(sysconfig.get_paths()["purelib"])
    into.mkdir()
    for entry in here.iterdir():
        if entry.name.startswith(("distcheck", "__editable__")) or entry.suffix == ".pth":
            continue
        (into / entry.name).symlink_to(entry)
    return into


@pytest.fixture(scope="module")
def user(tmp_path_factory: pytest.TempPathFactory) -> User:
    base = tmp_path_factory.mktemp("scenario")
    assert CLONE not in base.parents, "the user's project must lie outside the clone"
    python = getattr(sys, "_base_executable", sys.executable)
    venv = base / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
    site = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (site / "_clone_dependencies.pth").write_text(f"{_dependencies_dir(base / 'deps')}\n")
    source = base / "clone"
    shutil.copytree(CLONE, source, ignore=_not_copied, symlinks=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(source)],
        env=env, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    project = userproject.write(base / "shop", app_test=True)
    return User(venv, project, env)


def test_the_install_is_a_plain_copy_under_one_namespace(user: User) -> None:
    done = user.run("python", "-c", "import distcheck; print(distcheck.__file__)")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(user.venv), "distcheck must not come from the clone"
    site = Path(done.stdout.strip()).parents[1]
    clashing = sorted(n for n in ("models", "properties", "explorer") if (site / n).exists())
    assert not clashing, f"generic top-level packages installed: {clashing}"


def test_check_the_users_file(user: User) -> None:
    done = user.run("distcheck", "check", "protocols/ticket_lock.py")
    assert done.returncode == 0, done.stdout + done.stderr
    for model, props in userproject.EXPECTED.items():
        for prop, verdict in props.items():
            assert any(model in line and prop in line and verdict in line
                       for line in done.stdout.splitlines()), f"{model} {prop} {verdict}:\n{done.stdout}"


def test_the_broken_variants_trace_replays(user: User) -> None:
    checked = user.run("distcheck", "check", "protocols/ticket_lock.py")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    traces = sorted((user.project / "traces").glob("shop.ticket_lock.racy.mutual_exclusion*.json"))
    assert len(traces) == 1, sorted(p.name for p in (user.project / "traces").iterdir())
    done = user.run("distcheck", "replay", str(traces[0].relative_to(user.project)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reproduced" in done.stdout


def test_pytest_collects_one_item_per_model_and_property(user: User) -> None:
    listed = user.run("python", "-m", "pytest", "--collect-only", "-q")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    ids = {line for line in listed.stdout.splitlines() if line.startswith("protocols/")}
    assert ids == {f"protocols/ticket_lock.py::{m}::{p}"
                   for m, props in userproject.EXPECTED.items() for p in props}
    done = user.run("python", "-m", "pytest", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    passed = sum(len(props) for props in userproject.EXPECTED.values())
    assert f"{passed + 2} passed" in done.stdout, done.stdout  # + the shop's own two tests


def test_list_still_shows_the_bundled_catalogue(user: User) -> None:
    done = user.run("distcheck", "list")
    assert done.returncode == 0, done.stderr
    assert "shop.ticket_lock" in done.stdout
    assert "transactions.twophase" in done.stdout


def test_the_users_models_module_is_not_shadowed(user: User) -> None:
    done = user.run("python", "-c", "import distcheck, models, properties; "
                    "print(models.__file__); print(properties.__file__)")
    assert done.returncode == 0, done.stderr
    assert [Path(line) for line in done.stdout.split()] == [
        user.project / "models.py", user.project / "properties" / "__init__.py"]


def test_python_dash_m_distcheck(user: User) -> None:
    done = user.run("python", "-m", "distcheck", "--help")
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout
