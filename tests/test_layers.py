"""Layers point one way (DESIGN.md): contract <- engines <- traces <- conformance <- outputs <- cli.

Every import in ``explorer/<layer>/`` (function-level ones included) may name
only its own layer or a lower one, and the lower layers never print: engines
return data, outputs and the CLI show it.  Checking every direct import is
enough, since a chain of imports that each point down cannot climb.  The
bundled models and the property library may use the model API and the
engines, never the trace, output or CLI layers.

This is the job import-linter does; it is written out here because the
installed ``distcheck`` namespace is stitched from three folders
(``explorer/``, ``models/``, ``properties/``), which import-linter's graph
builder cannot follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# conformance runs traces against real systems: it builds on traces and is shown by outputs
LAYERS = ("contract", "engines", "traces", "conformance", "outputs", "cli")
#: what the bundled catalogue may import from distcheck besides itself
CATALOGUE_ALLOWED = ("contract", "engines")
PRINTING = ("print", "sys.stdout", "sys.stderr", "rich.console", "Console")


def imported_modules(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.append((node.lineno, base))
            # ``from distcheck import engines`` names a subpackage, not a facade name
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names
                      if base == "distcheck" and alias.name in LAYERS]
    return found


def layer_violations(path: Path, layer: str) -> list[str]:
    """Imports in ``path`` (a module of ``layer``) that name a higher layer or the facade."""
    rank = LAYERS.index(layer)
    problems = []
    for line, module in imported_modules(path, f"distcheck.{layer}"):
        parts = module.split(".")
        if parts[0] != "distcheck":
            continue
        if len(parts) == 1:
            problems.append(f"{path.name}:{line} imports the facade 'distcheck' (import the module)")
        elif parts[1] in LAYERS and LAYERS.index(parts[1]) > rank:
            problems.append(f"{path.name}:{line} ({layer}) imports {module} ({parts[1]} is higher)")
    return problems


def catalogue_violations(path: Path) -> list[str]:
    problems = []
    for line, module in imported_modules(path, "distcheck.models"):
        parts = module.split(".")
        if parts[0] == "distcheck" and len(parts) > 1 and parts[1] in LAYERS \
                and parts[1] not in CATALOGUE_ALLOWED:
            problems.append(f"{path}:{line} imports {module}")
    return problems


def prints(path: Path) -> list[str]:
    """Calls to print() and uses of sys.stdout/sys.stderr or rich's Console in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found.append(f"{path.name}:{node.lineno} print()")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "sys" and node.attr in ("stdout", "stderr"):
            found.append(f"{path.name}:{node.lineno} sys.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "rich.console":
            found.append(f"{path.name}:{node.lineno} rich.console")
    return found


def _modules(layer: str) -> list[Path]:
    return sorted((ROOT / "explorer" / layer).rglob("*.py"))


def test_every_module_of_explorer_is_in_a_layer() -> None:
    top = {p.name for p in (ROOT / "explorer").glob("*.py")}
    assert top <= {"__init__.py", "__main__.py", "pytest_plugin.py"}, sorted(top)
    dirs = {p.name for p in (ROOT / "explorer").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert dirs == set(LAYERS)


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    problems = [v for path in _modules(layer) for v in layer_violations(path, layer)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("layer", ["contract", "engines", "traces", "conformance"])
def test_the_lower_layers_print_nothing(layer: str) -> None:
    problems = [p for path in _modules(layer) for p in prints(path)]
    assert not problems, "\n".join(problems)


def test_the_catalogue_uses_the_model_api_only() -> None:
    files = sorted((ROOT / "models").rglob("*.py")) + sorted((ROOT / "properties").rglob("*.py"))
    problems = [v for path in files for v in catalogue_violations(path)]
    assert not problems, "\n".join(problems)


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bfs.py"
    bad.write_text("def f():\n    from distcheck.outputs.tables import console\n"
                   "from ..traces import replay\nfrom distcheck import Model\n")
    found = layer_violations(bad, "engines")
    assert len(found) == 3, found
    assert prints(tmp_path / "bfs.py") == []
    (tmp_path / "loud.py").write_text("import sys\nprint(1)\nsys.stderr.write('x')\n")
    assert len(prints(tmp_path / "loud.py")) == 2
