"""Finding models: the bundled catalogue, the user's own files, folders and modules.

A *spec* names models in one of these ways, tried in this order:

* a path (it ends in ``.py``, contains a ``/``, or is ``.``): a Python file, or
  a folder searched recursively for model files;
* an exact model id, of a configured user model or of a bundled one;
* an importable module or package (a package is walked);
* a model id prefix (``transactions`` selects every model under it).

An exact id wins over a module of the same name because ids follow module
paths (``ids.snowflake.wide`` lives in ``models/ids/snowflake.py``) and an id
must select that model alone; a module wins over an id prefix so that a user's
package ``locks`` is theirs, not the bundled family (use a path to be explicit).

User files are imported under a module name derived from their path relative
to the project root (``protocols/ticket_lock.py`` -> ``protocols.ticket_lock``),
with the root on ``sys.path``, so a model file can import its siblings and the
project's own ``models.py``.  A class is a model when it subclasses
:class:`Model`, has an ``id`` and is defined in the module being searched.

The project is configured in ``pyproject.toml``::

    [tool.distcheck]
    models = ["protocols/", "myproj.protocols"]

    [tool.distcheck.settings."shop.ticket_lock"]
    params = {clients = 3}
    max_states = 100000
    engine = "bfs"

TOML cannot hold both ``models = [...]`` and a ``[tool.distcheck.models."id"]``
table, so per-model settings live under ``settings``.  The configuration is
read from the nearest ``pyproject.toml`` above the current directory; the
search stops there even when it has no ``[tool.distcheck]`` table, because
reaching past a project's own ``pyproject.toml`` into an enclosing folder's
would silently mix two projects.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import keyword
import os
import pkgutil
import sys
import sysconfig
import tomllib
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from distcheck.contract.errors import BadInput
from distcheck.contract.model import Model, family

#: the package the bundled catalogue is installed as
BUNDLED = "distcheck.models"
#: the entry-point group installed packages register their models under
ENTRY_POINT_GROUP = "distcheck.models"
#: safety engines a setting may name (tests keep it equal to the checker's)
ENGINE_NAMES = ("bfs", "simulate", "hypothesis")
SETTING_KEYS = ("params", "max_states", "max_depth", "max_seconds", "engine")
CONFIG_KEYS = ("models", "settings")

#: what a folder or package walk leaves out: tests and build scripts run code
#: when imported, and caches, environments and build output hold no sources
_SKIPPED_MODULES = ("conftest", "setup", "__main__")
_SKIPPED_DIRS = ("__pycache__", "node_modules", "site-packages", "build", "dist", "tests")


def _skipped(stem: str) -> bool:
    return stem in _SKIPPED_MODULES or stem.startswith("test_") or stem.endswith("_test")


# --------------------------------------------------------------------------- broken models
#
# One broken model file in a folder (or module in a package) must not stop the
# others: it is left out, noted here as one line, and the command reports the
# notes at its end (exit 2) after acting on the rest.  So is a model whose own
# code fails when it is built or checked, when a command acts on several.

_broken: list[str] = []


def _left_out(failed: list[BadInput], found: dict[str, Any]) -> None:
    """Note the modules that failed to import, or raise the first when nothing else counts."""
    if failed and not found:
        more = f" (and {len(failed) - 1} more that fail)" if len(failed) > 1 else ""
        raise BadInput(f"{failed[0]}{more}")
    for exc in failed:
        note_broken(f"{exc}; its models were left out")


def note_broken(message: str) -> None:
    """Record one line about a model file or model left out; the command reports it."""
    if message not in _broken:
        _broken.append(message)


def take_broken() -> list[str]:
    """The lines recorded by :func:`note_broken` since the last call (and forget them)."""
    found = list(_broken)
    _broken.clear()
    return found


@dataclass(frozen=True)
class ModelSettings:
    """What a project pins for one model in ``[tool.distcheck.settings."<id>"]``."""

    params: dict[str, Any] = field(default_factory=dict)
    max_states: int | None = None
    max_depth: int | None = None
    max_seconds: float | None = None
    engine: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    """The ``[tool.distcheck]`` table of a project's ``pyproject.toml``."""

    root: Path
    pyproject: Path
    models: tuple[str, ...] = ()
    settings: dict[str, ModelSettings] = field(default_factory=dict)

    def where(self, model_id: str | None = None) -> str:
        """Where a value came from, for error messages."""
        table = "[tool.distcheck]" if model_id is None else f'[tool.distcheck.settings."{model_id}"]'
        return f"{show(self.pyproject)} {table}"


# --------------------------------------------------------------------------- configuration


def project_config(start: Path | None = None) -> ProjectConfig | None:
    """The configuration of the project ``start`` (default: the current directory) is in.

    None when the nearest ``pyproject.toml`` has no ``[tool.distcheck]`` table,
    or there is none.  BadInput (one line) when the table is malformed.
    """
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return _read_config(candidate)
    return None


def project_root(config: ProjectConfig | None = None) -> Path:
    """Where relative paths and module names of user files start."""
    return config.root if config is not None else Path.cwd().resolve()


def _read_config(pyproject: Path) -> ProjectConfig | None:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {show(pyproject)}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        hint = ""
        if "[tool.distcheck.models." in text:
            hint = ('; per-model settings go under [tool.distcheck.settings."<model id>"], since '
                    "models = [...] already uses the key models")
        raise BadInput(f"{show(pyproject)} is not valid TOML: {exc}{hint}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "distcheck" not in tool:
        return None
    table = tool["distcheck"]
    where = f"{show(pyproject)} [tool.distcheck]"
    if not isinstance(table, dict):
        raise BadInput(f"{where} must be a table, e.g. models = [\"protocols/\"]")
    for key in table:
        if key not in CONFIG_KEYS:
            near = difflib.get_close_matches(key, CONFIG_KEYS, n=1, cutoff=0.7)
            if near:  # unrelated keys are left for newer versions; near-misses are typos
                raise BadInput(f"{where} has {key!r}; did you mean {near[0]!r}?")
    models = table.get("models", [])
    if isinstance(models, dict):
        raise BadInput(f"{where} models must be a list of specs (files, folders, modules, ids); "
                       'per-model settings go under [tool.distcheck.settings."<model id>"]')
    if not isinstance(models, list) or not all(isinstance(m, str) and m.strip() for m in models):
        raise BadInput(f"{where} models must be a list of non-empty strings, "
                       'e.g. models = ["protocols/", "myproj.protocols"]')
    raw_settings = table.get("settings", {})
    if not isinstance(raw_settings, dict):
        raise BadInput(f'{where} settings must hold tables: [tool.distcheck.settings."<model id>"]')
    settings = {
        mid: _model_settings(value, f'{show(pyproject)} [tool.distcheck.settings."{mid}"]')
        for mid, value in raw_settings.items()
    }
    return ProjectConfig(pyproject.parent, pyproject, tuple(m.strip() for m in models), settings)


def _model_settings(value: Any, where: str) -> ModelSettings:
    if not isinstance(value, dict):
        raise BadInput(f"{where} must be a table with keys {', '.join(SETTING_KEYS)}")
    unknown = sorted(set(value) - set(SETTING_KEYS))
    if unknown:
        raise BadInput(f"{where} has unknown key {unknown[0]!r}; the keys are {', '.join(SETTING_KEYS)}")
    params = value.get("params", {})
    if not isinstance(params, dict):
        raise BadInput(f"{where} params must be a table, e.g. params = {{clients = 3}}")
    for bound in ("max_states", "max_depth"):
        n = value.get(bound)
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 0):
            raise BadInput(f"{where} {bound} = {n!r} must be a whole number >= 0")
    seconds = value.get("max_seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)
                                or not 0 < seconds < float("inf")):
        raise BadInput(f"{where} max_seconds = {seconds!r} must be a positive number of seconds")
    engine = value.get("engine")
    if engine is not None and engine not in ENGINE_NAMES:
        raise BadInput(f"{where} engine = {engine!r} is not one of {', '.join(ENGINE_NAMES)}")
    return ModelSettings(
        params=dict(params),
        max_states=value.get("max_states"),
        max_depth=value.get("max_depth"),
        max_seconds=float(seconds) if seconds is not None else None,
        engine=engine,
    )


def settings_for(model_id: str, config: ProjectConfig | None) -> ModelSettings:
    """The settings the project pins for ``model_id`` (empty ones when it pins none)."""
    if config is None:
        return ModelSettings()
    return config.settings.get(model_id, ModelSettings())


# --------------------------------------------------------------------------- the bundled catalogue


@cache
def bundled_models() -> dict[str, type[Model]]:
    """Every model of the bundled catalogue (``distcheck.models``), sorted by id."""
    import distcheck.models as models

    found: dict[str, type[Model]] = {}
    for info in pkgutil.walk_packages(models.__path__, prefix=BUNDLED + "."):
        for cls in models_in(importlib.import_module(info.name)):
            _add(found, cls)
    return dict(sorted(found.items()))


def is_bundled(cls: type[Model]) -> bool:
    return cls.__module__ == BUNDLED or cls.__module__.startswith(BUNDLED + ".")


def _by_module(model_id: str) -> type[Model] | None:
    """The bundled model with this id if the module its id names defines it (no full scan)."""
    parts = model_id.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    for end in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(f"{BUNDLED}." + ".".join(parts[:end]))
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value.id == model_id:
                return value
    return None


# --------------------------------------------------------------------------- models of a module


def models_in(module: ModuleType) -> list[type[Model]]:
    """The models a module defines itself (not those it imports), in definition order."""
    return [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Model) and value.id
        and value.__module__ == module.__name__
    ]


def _add(found: dict[str, type[Model]], cls: type[Model]) -> None:
    other = found.get(cls.id)
    if other is not None and other is not cls:
        raise duplicate(cls.id, other, cls)
    found[cls.id] = cls


def duplicate(model_id: str, first: type[Model], second: type[Model]) -> BadInput:
    return BadInput(f"two models share the id {model_id!r}: {location(first)} and "
                    f"{location(second)}; give one of them another id")


def location(cls: type[Model]) -> str:
    """``file:line`` of a model class (the file relative to the current directory when inside)."""
    try:
        file = inspect.getsourcefile(cls)
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return f"{cls.__module__}.{cls.__qualname__}"
    return f"{show(file)}:{line}" if file else f"{cls.__module__}.{cls.__qualname__}"


def show(path: str | os.PathLike[str]) -> str:
    """A path as a user reads it: relative to the current directory when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------- loading specs


def looks_like_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or os.sep in spec or spec in (".", "..")


def load(spec: str, root: Path | None = None) -> list[type[Model]]:
    """The models ``spec`` names (see the module docstring); BadInput when it names none.

    A relative path is taken from ``root`` (default: the current directory),
    which is also where user modules are imported from.
    """
    root = (root or Path.cwd()).resolve()
    if looks_like_path(spec):
        path = Path(spec).expanduser()
        return load_path(path if path.is_absolute() else root / path, root)
    return _by_name(spec, {}, root)


def unknown_model(spec: str) -> BadInput:
    families = ", ".join(sorted({family(cls.id) for cls in bundled_models().values()}))
    return BadInput(
        f"unknown model {spec!r}: not a model id, id prefix, Python file, folder or importable "
        f"module; run 'distcheck list' to see the model ids (bundled families: {families})"
    )


def _bundled_exact(model_id: str) -> type[Model] | None:
    found = _by_module(model_id)
    if found is not None:
        return found
    return bundled_models().get(model_id)


def load_path(path: Path, root: Path) -> list[type[Model]]:
    """The models in a Python file, or in every model file under a folder."""
    if not path.exists():
        kind = "file" if path.suffix == ".py" else "file or folder"
        raise BadInput(f"no such {kind}: {show(path)}")
    if path.is_dir():
        files = list(model_files(path))
        found: dict[str, type[Model]] = {}
        failed: list[BadInput] = []
        for file in files:
            try:
                module = import_file(file, root)
            except BadInput as exc:
                failed.append(exc)
                continue
            for cls in models_in(module):
                _add(found, cls)
        _left_out(failed, found)
        if not found:
            raise BadInput(
                f"{show(path)}/ holds no models in its {len(files)} Python files (a model is a "
                "distcheck.Model subclass with an id; tests, hidden folders and test_*.py "
                "are skipped)"
            )
        return list(found.values())
    if path.suffix != ".py":
        raise BadInput(f"{show(path)} is not a Python file; give a .py file, a folder or a module")
    classes = models_in(import_file(path, root))
    if not classes:
        raise BadInput(f"{show(path)} defines no models (a model is a distcheck.Model subclass "
                       "with an id)")
    return classes


def model_files(folder: Path) -> Iterable[Path]:
    """Python files under ``folder`` that may hold models, in a stable order.

    Hidden folders, ``tests`` folders, caches, virtual environments and build
    output are not searched; test files (``test_*.py``, ``*_test.py``,
    ``conftest.py``) and build scripts are skipped because importing them runs
    code that is not a model.
    """
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in _SKIPPED_DIRS
            and not (Path(here) / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if name.endswith(".py") and not _skipped(name.removesuffix(".py")):
                yield Path(here) / name


def import_file(path: Path, root: Path) -> ModuleType:
    """Import a user's file as a module named after its path below ``root``.

    A file already imported (by pytest, or by an earlier spec) is not run twice.
    """
    path = path.resolve()
    known = _module_for_file(path)
    if known is not None:
        return known
    name, base = module_name(path, root)
    if name == BUNDLED or name.startswith(BUNDLED + "."):
        return _import(name, path, root)
    if name and all(p.isidentifier() and not keyword.iskeyword(p) for p in name.split(".")):
        _on_sys_path(base)
        module = _import(name, path, root, quiet_missing=True)
        if module is not None and _same_file(module, path):
            return module
    # a folder that is no valid module name, or a name another package already owns
    mangled = "_distcheck_user." + "".join(c if c.isalnum() else "_" for c in path.relative_to(base).as_posix())
    spec = importlib.util.spec_from_file_location(mangled, path)
    if spec is None or spec.loader is None:
        raise BadInput(f"cannot import {show(path)}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mangled] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[mangled]
        raise import_failure(show(path), exc, root) from None
    return module


def module_name(path: Path, root: Path) -> tuple[str, Path]:
    """The dotted name a file is imported as, and the folder that name starts from."""
    for folder in _bundled_dirs():
        if path.is_relative_to(folder):
            return _dotted(path.relative_to(folder), BUNDLED), folder
    base = root if path.is_relative_to(root) else path.parent
    return _dotted(path.relative_to(base), ""), base


def _dotted(relative: Path, prefix: str) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in [prefix, *parts] if p)


def _bundled_dirs() -> list[Path]:
    import distcheck.models as models

    return [Path(p).resolve() for p in models.__path__]


def _module_for_file(path: Path) -> ModuleType | None:
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and _same_file(module, path):
            return module
    return None


def _same_file(module: ModuleType, path: Path) -> bool:
    file = getattr(module, "__file__", None)
    try:
        return file is not None and Path(file).resolve() == path
    except OSError:
        return False


def _on_sys_path(folder: Path) -> None:
    # first, as Python does for a script's folder: the project's own models.py
    # must win over anything else named models
    text = str(folder)
    if text not in sys.path:
        sys.path.insert(0, text)
        importlib.invalidate_caches()


def _import(name: str, shown: Path | str, root: Path, *, quiet_missing: bool = False
            ) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if quiet_missing and exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None  # the name itself is not importable here: the caller falls back
        raise import_failure(show(shown) if isinstance(shown, Path) else shown, exc, root) from None
    except (Exception, SystemExit) as exc:
        raise import_failure(show(shown) if isinstance(shown, Path) else shown, exc, root) from None


def import_failure(what: str, exc: BaseException, root: Path) -> BadInput:
    """One line: what failed to import, the error, and where in the user's code."""
    where = _user_frame(exc, root)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, SyntaxError):
        text = exc.msg
    return BadInput(f"cannot import {what}: {type(exc).__name__}: {text}"
                    + (f" ({where})" if where else ""))


def _user_frame(exc: BaseException, root: Path) -> str | None:
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return f"{show(exc.filename)}:{exc.lineno}"
    ours = Path(__file__).resolve().parents[1]  # the installed distcheck package
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith("<"):
            continue
        file = Path(frame.filename).resolve()
        if file.is_relative_to(ours) or file.is_relative_to(stdlib):
            continue
        frames.append((file, frame.lineno))
    preferred = [f for f in frames if f[0].is_relative_to(root)] or frames
    if not preferred:
        return None
    file, line = preferred[-1]
    return f"{show(file)}:{line}"


def load_module(name: str, root: Path) -> list[type[Model]] | None:
    """The models of an importable module, walking a package; None if ``name`` is no module.

    Standard-library modules are not searched: ``queue`` or ``test`` is never
    a user's protocol.  Modules of the bundled catalogue come from
    :func:`bundled_models`, so every command sees the same catalogue.
    """
    if name == BUNDLED or name.startswith(BUNDLED + "."):
        classes = [cls for cls in bundled_models().values()
                   if cls.__module__ == name or cls.__module__.startswith(name + ".")]
        if not classes:
            raise BadInput(f"module {name} defines no models")
        return classes
    if not all(p.isidentifier() and not keyword.iskeyword(p) for p in name.split(".")):
        return None
    _on_sys_path(root)
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    except (Exception, SystemExit) as exc:  # a parent package that fails to import
        raise import_failure(f"module {name}", exc, root) from None
    if spec is None or _is_stdlib(spec):
        return None
    module = _import(name, f"module {name}", root)
    assert module is not None
    found: dict[str, type[Model]] = {}
    failed: list[BadInput] = []
    for mod in _walk(module, root, failed):
        for cls in models_in(mod):
            _add(found, cls)
    _left_out(failed, found)
    if not found:
        raise BadInput(f"module {name} defines no models (a model is a distcheck.Model subclass "
                       "with an id)")
    return list(found.values())


def _is_stdlib(spec: Any) -> bool:
    origin = spec.origin
    if origin in (None, "built-in", "frozen"):
        return origin is not None
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    path = Path(origin).resolve()
    return path.is_relative_to(stdlib) and "site-packages" not in path.parts


def _walk(module: ModuleType, root: Path, failed: list[BadInput] | None = None
          ) -> Iterable[ModuleType]:
    """``module`` and its submodules; one that fails to import goes to ``failed`` (or is
    noted) and the walk goes on."""
    yield module
    if not hasattr(module, "__path__"):
        return
    children = {info.name for info in pkgutil.iter_modules(module.__path__)}
    for folder in module.__path__:  # folders without __init__.py: iter_modules leaves them out
        for sub in Path(folder).iterdir() if Path(folder).is_dir() else ():
            if (sub.is_dir() and sub.name.isidentifier() and not sub.name.startswith(".")
                    and not (sub / "__init__.py").exists() and any(sub.rglob("*.py"))):
                children.add(sub.name)
    for child in sorted(children):
        if _skipped(child) or child in _SKIPPED_DIRS:
            continue
        full = f"{module.__name__}.{child}"
        try:
            sub = _import(full, f"module {full}", root)
        except BadInput as exc:  # one broken module: the rest of the package still counts
            if failed is None:
                note_broken(f"{exc}; its models were left out")
            else:
                failed.append(exc)
            continue
        assert sub is not None
        yield from _walk(sub, root, failed)


def _entry_point_models() -> list[type[Model]]:
    """Models installed packages register under the ``distcheck.models`` entry points."""
    from importlib.metadata import entry_points

    found: list[type[Model]] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep.dist, "name", None) or "?"
        what = f"entry point {ep.name} = {ep.value!r} (package {dist}, group {ENTRY_POINT_GROUP})"
        try:
            value = ep.load()
        except (Exception, SystemExit) as exc:
            raise import_failure(what, exc, Path.cwd().resolve()) from None
        if isinstance(value, ModuleType):
            classes = [cls for mod in _walk(value, Path.cwd().resolve()) for cls in models_in(mod)]
        elif isinstance(value, type) and issubclass(value, Model):
            classes = [value]
        elif isinstance(value, list | tuple) and all(
                isinstance(v, type) and issubclass(v, Model) for v in value):
            classes = list(value)
        else:
            raise BadInput(f"{what} is neither a module, a Model subclass nor a list of them")
        if not classes:
            raise BadInput(f"{what} names no models")
        found += classes
    return found


def user_models(config: ProjectConfig | None, extra: Sequence[str] = ()) -> dict[str, type[Model]]:
    """The user's models: ``[tool.distcheck] models``, entry points, then ``extra`` specs.

    A user model whose id is a bundled model's id is an error (one line naming
    both definitions), as are two user models with one id and a setting for
    an id that no model has.
    """
    root = project_root(config)
    found: dict[str, type[Model]] = {}
    for spec in config.models if config is not None else ():
        try:
            classes = load(spec, root)
        except BadInput as exc:
            raise BadInput(f"{config.where()} models entry {spec!r}: {exc}") from None  # type: ignore[union-attr]
        for cls in classes:
            _add(found, cls)
    for cls in _entry_point_models():
        _add(found, cls)
    for spec in extra:
        for cls in load(spec, root):
            _add(found, cls)
    bundled = bundled_models() if found or (config is not None and config.settings) else {}
    for mid, cls in found.items():
        if mid in bundled and bundled[mid] is not cls:
            raise duplicate(mid, bundled[mid], cls)
    for mid in config.settings if config is not None else ():
        if mid not in found and mid not in bundled:
            near = difflib.get_close_matches(mid, [*found, *bundled], n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise BadInput(f"{config.where(mid)} names no model{hint}")  # type: ignore[union-attr]
    return found


_UNSET: Any = object()


def select(
    names: Sequence[str],
    *,
    bundled: bool = False,
    config: ProjectConfig | None = _UNSET,
) -> list[type[Model]]:
    """The models a command acts on.

    Names given: the models they name.  No names: the user's models
    (configured and from entry points), or the bundled catalogue when there are
    none; ``bundled`` adds the bundled catalogue to the user's models (with
    names it is an error: name bundled models directly).  ``config``
    defaults to the project around the current directory.
    """
    if names and bundled:
        raise BadInput("--bundled adds the bundled catalogue when no model is named; "
                       "name bundled models (ids or prefixes) directly instead")
    if config is _UNSET:
        config = project_config()
    root = project_root(config)
    chosen: dict[str, type[Model]] = {}
    if names:
        user: dict[str, type[Model]] | None = None
        for name in names:
            if looks_like_path(name):
                path = Path(name).expanduser()
                classes = load_path(path if path.is_absolute() else Path.cwd() / path, root)
            else:
                if user is None:
                    user = user_models(config)
                classes = _by_name(name, user, root)
            for cls in classes:
                _add(chosen, cls)
    else:
        for cls in user_models(config).values():
            _add(chosen, cls)
    if bundled or not chosen:
        for cls in bundled_models().values():
            _add(chosen, cls)
    return list(chosen.values())


def _by_name(name: str, user: dict[str, type[Model]], root: Path) -> list[type[Model]]:
    """What a name that is no path names: an exact id (the user's, else bundled), an
    importable module, else an id prefix."""
    if name in user:
        return [user[name]]
    exact = _bundled_exact(name)
    if exact is not None:
        return [exact]
    found = load_module(name, root)
    if found is not None:
        return found
    every = {**bundled_models(), **user}
    under = [cls for mid, cls in every.items() if mid.startswith(name + ".")]
    if under:
        return under
    raise unknown_model(name)


# --------------------------------------------------------------------------- traces


def source_of(cls: type[Model], root: Path | None = None) -> dict[str, str]:
    """Where a model came from, as a trace records it: its module and, for a user's
    model, its file (relative to ``root`` when inside it, else absolute).

    Bundled models are found by module alone, so their traces carry no
    machine-specific path.
    """
    out = {"module": cls.__module__}
    if is_bundled(cls):
        return out
    try:
        file = inspect.getsourcefile(cls)
    except (OSError, TypeError):
        file = None
    if file:
        path = Path(file).resolve()
        if root is not None and path.is_relative_to(root.resolve()):
            out["file"] = path.relative_to(root.resolve()).as_posix()
        else:
            out["file"] = str(path)
    return out


def get(model_id: str, source: dict[str, str] | None = None) -> type[Model]:
    """The model with this id, looked up where ``source`` (from a trace) says first.

    Then the bundled module its id names, the project's user models, and the
    whole bundled catalogue.  BadInput when none has it.
    """
    if source:
        found = _from_source(model_id, source)
        if found is not None:
            return found
    found = _by_module(model_id)
    if found is not None:
        return found
    config = project_config()
    user = user_models(config)
    if model_id in user:
        return user[model_id]
    every = bundled_models()
    if model_id in every:
        return every[model_id]
    came = ""
    if source and source.get("file"):
        came = f" (it came from {source['file']}, not found from {show(project_root(config))})"
    elif source and source.get("module"):
        came = f" (it came from module {source['module']}, not importable here)"
    raise BadInput(f"unknown model {model_id!r}{came}; run this from the model's project or "
                   "'distcheck list' to see the model ids")


def _from_source(model_id: str, source: dict[str, str]) -> type[Model] | None:
    name = source.get("module") or ""
    file = source.get("file")
    module = sys.modules.get(name)
    if module is None and (name == BUNDLED or name.startswith(BUNDLED + ".")):
        try:
            module = importlib.import_module(name)
        except ImportError:
            module = None
    if module is None and file:
        path = Path(file)
        if not path.is_absolute():
            path = project_root(project_config()) / path
        if path.is_file():
            module = import_file(path, _root_of(path.resolve(), name))
    if module is None:
        return None
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Model) and value.id == model_id:
            return value
    return None


def _root_of(path: Path, module: str) -> Path:
    """The folder a module of this dotted name and file is imported from."""
    parts = module.split(".") if module else []
    stem = list(path.with_suffix("").parts)
    if stem and stem[-1] == "__init__":
        stem.pop()
    if parts and stem[-len(parts):] == parts:
        return Path(*stem[: len(stem) - len(parts)]) if len(stem) > len(parts) else path.parent
    return path.parent
