"""The installed layout: one ``distcheck`` namespace stitched from the design card's folders."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_installed() -> None:
    """A package added on disk but missing from pyproject would vanish from a plain install."""
    on_disk = set()
    for name, folder in CONFIG["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base).parts
            on_disk.add(".".join((name, *rel)))
    assert sorted(on_disk) == sorted(CONFIG["packages"])


def test_nothing_generic_is_installed_at_the_top_level() -> None:
    assert {p.split(".")[0] for p in CONFIG["packages"]} == {"distcheck"}


def test_python_dash_m_distcheck_runs_the_cli() -> None:
    proc = subprocess.run([sys.executable, "-m", "distcheck", "--help"], capture_output=True,
                          text=True, cwd=ROOT.parent, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "distcheck" in proc.stdout and "check" in proc.stdout
