"""The pytest plugin: one test item per (model, property) of a project's distcheck models.

pytest loads this module in every session through the ``pytest11`` entry point,
so it imports nothing of distcheck's engines until a session asks for models:
either ``[tool.distcheck] models = [...]`` in the project's pyproject.toml, or
``--distcheck-models SPEC`` on the command line.  Then the session collects, beside
the project's own tests, one item per (model, property) with the node id
``<model file>::<model id>::<property>`` (so ``-k model_id::property`` works).
An item passes when the verdict is the expected one; each model is explored once,
when its first item runs, and its results are shared by its items.
"""

from __future__ import annotations

import argparse
import inspect
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from distcheck.cli.commands import ENGINE_BOUNDS, _count, _integer, _param, _seconds
from distcheck.contract.errors import BadInput

if TYPE_CHECKING:
    from distcheck.contract.catalog import ProjectConfig
    from distcheck.contract.compiled import CompiledModel
    from distcheck.contract.verdict import Result
    from distcheck.engines.checker import Options

INCONCLUSIVE_CHOICES = ("fail", "skip")
TRACE_CACHE_DIR = "distcheck-traces"  # under pytest's cache folder, which pytest keeps out of git


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("distcheck", "distcheck models as tests")
    group.addoption("--distcheck-models", action="append", default=[], metavar="SPEC",
                    help="check these models (a file, a directory, a module, a bundled id or "
                         "prefix) instead of [tool.distcheck] models; repeatable")
    group.addoption("--distcheck-engine", choices=tuple(ENGINE_BOUNDS), default=None,
                    help="safety engine for every model (default: the model's setting, else bfs)")
    group.addoption("--distcheck-max-states", type=_count, default=None, metavar="N",
                    help="store at most N distinct states over the session's checks")
    group.addoption("--distcheck-max-depth", type=_count, default=None, metavar="N",
                    help="stop each search at depth N")
    group.addoption("--distcheck-max-seconds", type=_seconds, default=None, metavar="S",
                    help="stop the session's checks after S seconds (every model and phase)")
    group.addoption("--distcheck-param", type=_param, action="append", default=[],
                    metavar="NAME=VALUE",
                    help="set a parameter on every model that declares it; repeatable")
    group.addoption("--distcheck-seed", type=_integer, default=0, metavar="S",
                    help="seed of the sampling engines (default 0)")
    group.addoption("--distcheck-runs", type=_count, default=None, metavar="N",
                    help="random walks (simulate) or examples (hypothesis) per model")
    group.addoption("--distcheck-steps", type=_count, default=None, metavar="K",
                    help="steps per walk (simulate) or per example (hypothesis)")
    group.addoption("--distcheck-inconclusive", choices=INCONCLUSIVE_CHOICES, default="fail",
                    help="what an inconclusive verdict does to its test: fail (default) or "
                         "skip; it never passes")
    group.addoption("--distcheck-traces", default=None, metavar="DIR",
                    help="where the traces of failing items are saved (default: "
                         f".pytest_cache/d/{TRACE_CACHE_DIR})")


def pytest_configure(config: pytest.Config) -> None:
    specs: list[str] = config.getoption("distcheck_models") or []
    project: ProjectConfig | None = None
    problem: str | None = None
    try:
        from distcheck.contract import catalog

        project = catalog.project_config(_config_start(config))
    except BadInput as exc:  # reported by the collector, where pytest shows errors
        problem = str(exc)
    if not specs and problem is None and (project is None or not project.models):
        return
    config.addinivalue_line("markers", "slow: long-running checks (a model with slow = True)")
    config.addinivalue_line("markers", "distcheck: a (model, property) item of the distcheck plugin")
    config.pluginmanager.register(_Plugin(config, project, specs, problem), "distcheck-models")


def _config_start(config: pytest.Config) -> Path:
    """Where to look for the project's pyproject.toml: pytest's own inifile, else its rootdir."""
    if config.inipath is not None:
        return config.inipath.parent
    return config.rootpath


class _Plugin:
    """The active half of the plugin, registered only when models are asked for."""

    def __init__(self, config: pytest.Config, project: ProjectConfig | None,
                 specs: list[str], problem: str | None) -> None:
        self.config = config
        self.project = project
        self.specs = specs
        self.problem = problem
        self.budget: Any = None  # one for the session, made with the first options
        self.budget_started = False

    def run_args(self) -> argparse.Namespace:
        """The --distcheck-* options under the names ``distcheck check`` gives them."""
        get = self.config.getoption
        return argparse.Namespace(
            param=get("distcheck_param"), engine=get("distcheck_engine"),
            max_states=get("distcheck_max_states"), max_depth=get("distcheck_max_depth"),
            max_seconds=get("distcheck_max_seconds"), seed=get("distcheck_seed"),
            runs=get("distcheck_runs"), steps=get("distcheck_steps"), deadlock=None)

    def options(self, model_id: str) -> Options:
        """How one model is run: the command line, else the project's pinned settings."""
        from distcheck.cli.commands import _options
        from distcheck.engines.budget import Budget

        run = self.run_args()
        if self.budget is None:
            self.budget = Budget(run.max_seconds, run.max_states)
        return _options(model_id, run, self.project, None, self.budget)

    def start_budget(self) -> None:
        """The session's budget counts from its first check, not from collection."""
        if not self.budget_started and self.budget is not None:
            self.budget.start()
            self.budget_started = True

    def pytest_report_header(self) -> str:
        if self.specs:
            return f"distcheck: models from --distcheck-models {' '.join(self.specs)}"
        where = (_shown(self.project.pyproject, self.config.invocation_params.dir)
                 if self.project is not None else "pyproject.toml")
        return f"distcheck: models from [tool.distcheck] in {where} (-p no:distcheck turns this off)"

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        # The models join the session's top-level collectors, so they are collected
        # even when the project's testpaths point elsewhere, and counted, selected
        # (-k, -m) and reported like any other test.
        report = yield
        if isinstance(collector, pytest.Session) and report.passed:
            report.result.append(Catalog.from_parent(collector, name="distcheck", nodeid="distcheck",
                                                     plugin=self))
        return report


class DistcheckError(Exception):
    """A problem with the models or options, shown as its one line (no traceback)."""


class Catalog(pytest.Collector):
    """The selected models: loads them (importing the user's files) when collected."""

    def __init__(self, *, plugin: _Plugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin

    def collect(self) -> list[ModelNode]:
        plugin = self.plugin
        if plugin.problem is not None:
            raise DistcheckError(plugin.problem)
        from distcheck.cli.commands import instantiate_all

        # the models, their pinned and --distcheck-param parameters and their run options
        # are chosen as ``distcheck check`` chooses them, so both judge the same runs
        run = self.plugin.run_args()
        try:
            models = instantiate_all(plugin.specs, run.param, config=plugin.project)
            options = [plugin.options(m.id) for m in models]
        except BadInput as exc:
            raise DistcheckError(_plugin_options(str(exc))) from None
        wanted = _explicit_paths(self.config) if not plugin.specs else None
        nodes = []
        for model, opts in zip(models, options, strict=True):
            file = _source_file(model.cls)
            if wanted is not None and not any(_inside(file, w) for w in wanted):
                continue
            nodes.append(ModelNode.from_parent(self, model=model, options=opts, file=file,
                                               plugin=plugin))
        return nodes

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, DistcheckError):
            return f"distcheck: {excinfo.value}"
        return str(super().repr_failure(excinfo))


def _plugin_options(message: str) -> str:
    """An error of ``distcheck check`` with its options named as this plugin names them."""
    return re.sub(r"--(engine|max-states|max-depth|max-seconds|seed|runs|steps|param)\b",
                  r"--distcheck-\1", message)


def _explicit_paths(config: pytest.Config) -> list[Path] | None:
    """The paths named on the command line, or None when pytest collects its defaults.

    ``pytest tests/test_x.py`` should run that file, not every model; models whose
    file lies under a named path (``pytest protocols/``) are still collected.
    """
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return None
    base = config.invocation_params.dir
    return [(base / arg.split("::", 1)[0]).resolve() for arg in config.args]


def _inside(file: Path | None, where: Path) -> bool:
    return file is not None and (file == where or where in file.parents)


def _source_file(cls: type) -> Path | None:
    try:
        found = inspect.getsourcefile(cls)
    except (TypeError, OSError):
        return None
    return Path(found).resolve() if found else None


class ModelNode(pytest.Collector):
    """One model: its items are its checked properties; it checks them all on first use."""

    def __init__(self, *, model: CompiledModel, options: Options, file: Path | None,
                 plugin: _Plugin, **kwargs: Any) -> None:
        parent = kwargs["parent"]
        where = _node_path(parent.config.rootpath, model.cls, file)
        super().__init__(name=model.id, path=file or parent.path, nodeid=f"{where}::{model.id}",
                         **kwargs)
        self.model = model
        self.options = options
        self.plugin = plugin
        self._outcome: dict[str, Result] | BadInput | None = None

    def collect(self) -> list[PropertyItem]:
        from distcheck.engines.checker import checked_properties

        items = []
        for p in checked_properties(self.model, self.options):
            item = PropertyItem.from_parent(self, name=f"{self.model.id}::{p.name}", prop=p.name)
            item.add_marker(pytest.mark.distcheck)
            if self.model.cls.slow:
                item.add_marker(pytest.mark.slow)
            items.append(item)
        return items

    def results(self) -> dict[str, Result]:
        """Every checked property's result, computed once for all of this model's items."""
        if self._outcome is None:
            from distcheck.engines.checker import check_model

            self.plugin.start_budget()
            budget = self.options.budget
            try:
                if budget is None:
                    checked = check_model(self.model, self.options)
                else:
                    with budget.watching():
                        checked = check_model(self.model, self.options)
                self._outcome = {r.property: r for r in checked}
            except BadInput as exc:  # a model that raises: every item shows the one line
                self._outcome = exc
        if isinstance(self._outcome, BadInput):
            raise DistcheckError(str(self._outcome))
        return self._outcome


def _shown(path: Path, base: Path) -> str:
    """A path relative to where pytest was started, when inside it (shorter to copy)."""
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def _node_path(root: Path, cls: type, file: Path | None) -> str:
    """The part of a node id before the model id: the model's file relative to rootdir.

    A model installed elsewhere (a bundled one in site-packages, an entry point)
    is named by its module instead, which stays the same on every machine.
    """
    if file is not None and root.resolve() in file.parents:
        return file.relative_to(root.resolve()).as_posix()
    return cls.__module__


class PropertyItem(pytest.Item):
    """One property of one model: passes when its verdict is the expected one."""

    parent: ModelNode

    def __init__(self, *, prop: str, **kwargs: Any) -> None:
        parent = kwargs["parent"]
        super().__init__(nodeid=f"{parent.nodeid}::{prop}", **kwargs)
        self.prop = prop

    def runtest(self) -> None:
        from distcheck.contract.verdict import INCONCLUSIVE, VIOLATED

        r = self.parent.results()[self.prop]
        if not r.as_expected:
            if r.verdict == INCONCLUSIVE and self.config.getoption("distcheck_inconclusive") == "skip":
                pytest.skip(f"{r.model} {r.property}: inconclusive: {r.reason}")
            raise DistcheckError(self._mismatch(r))
        if r.verdict == VIOLATED:
            self._check_replays(r)

    def _mismatch(self, r: Result) -> str:
        lines = [f"{r.model} {r.property}: expected {r.expected}, got {r.verdict}: {r.reason}"]
        if r.trace is not None:
            from distcheck.outputs.tables import trace_text
            from distcheck.traces import tracefile

            lines.append(trace_text(r.trace).rstrip())
            try:
                saved = tracefile.save(r.trace, self._trace_dir() / tracefile.file_name(
                    r.model, r.property))
            except BadInput as exc:
                lines.append(f"trace not saved: {exc}")
            else:
                shown = _shown(saved, self.config.invocation_params.dir)
                lines.append(f"trace saved: {shown} (replay it with: distcheck replay {shown})")
        return "\n".join(lines)

    def _trace_dir(self) -> Path:
        chosen = self.config.getoption("distcheck_traces")
        if chosen:
            return Path(self.config.invocation_params.dir, chosen)
        cache = getattr(self.config, "cache", None)
        if cache is not None:
            return cache.mkdir(TRACE_CACHE_DIR)
        return self.config.rootpath / ".distcheck" / "traces"

    def _check_replays(self, r: Result) -> None:
        """A violation counts only with a trace that replays against the model."""
        from distcheck.traces import tracefile
        from distcheck.traces.replay import replay

        if r.trace is None:
            raise DistcheckError(f"{r.model} {r.property}: violated, but no trace was recorded")
        try:
            again = replay(tracefile.from_json(r.trace.to_json()))
        except BadInput as exc:
            raise DistcheckError(f"{r.model} {r.property}: its trace does not replay: {exc}") from None
        if not again.reproduced:
            raise DistcheckError(f"{r.model} {r.property}: its trace does not replay: {again.problem}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, DistcheckError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name
