"""Finding models: specs of every kind, [tool.distcheck], entry points, and their errors."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest
import userproject

from distcheck.contract import catalog
from distcheck.contract.errors import BadInput

SHOP = set(userproject.EXPECTED)

ROW_LOCK = '''\
from distcheck import Model, action, invariant


class {cls}(Model):
    """A one-bit lock."""

    id = "{mid}"

    def init(self):
        yield 0

    @action()
    def flip(self, s):
        return 1 - s

    @invariant()
    def small(self, s):
        return s <= 1
'''


def model_file(path: Path, mid: str, cls: str = "Bit") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ROW_LOCK.format(cls=cls, mid=mid))
    return path


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch):
    """Every user project imports ``protocols`` and ``models``: forget them after each test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: None) -> Path:
    root = userproject.write(tmp_path / "shop")
    monkeypatch.chdir(root)
    return root


def ids(classes) -> set[str]:
    return {c.id for c in classes}


# --------------------------------------------------------------------------- configuration


def test_config_is_found_from_a_subfolder(shop: Path) -> None:
    config = catalog.project_config(shop / "protocols")
    assert config is not None
    assert config.root == shop.resolve() and config.models == ("protocols/",)
    assert config.settings == {}


def test_the_search_stops_at_the_nearest_pyproject(shop: Path) -> None:
    inner = shop / "vendored"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert catalog.project_config(inner) is None


def test_settings_are_read_and_typed(shop: Path) -> None:
    (shop / "pyproject.toml").write_text(
        '[tool.distcheck]\nmodels = ["protocols/"]\n'
        '[tool.distcheck.settings."shop.ticket_lock"]\n'
        'params = {clients = 3}\nmax_states = 100\nmax_seconds = 2\nengine = "simulate"\n'
    )
    config = catalog.project_config()
    pinned = catalog.settings_for("shop.ticket_lock", config)
    assert pinned == catalog.ModelSettings({"clients": 3}, 100, None, 2.0, "simulate")
    assert catalog.settings_for("shop.ticket_lock.racy", config) == catalog.ModelSettings()
    assert catalog.settings_for("shop.ticket_lock", None) == catalog.ModelSettings()


@pytest.mark.parametrize("table, words", [
    ('[tool.distcheck]\nmodels = "protocols/"\n', "list of non-empty strings"),
    ('[tool.distcheck]\nmodel = ["protocols/"]\n', "did you mean 'models'"),
    ('[tool.distcheck]\nmodels = ["p/"]\n[tool.distcheck.models."a"]\nparams = {}\n',
     "[tool.distcheck.settings"),
    ('[tool.distcheck.settings."a"]\nmax_state = 3\n', "unknown key 'max_state'"),
    ('[tool.distcheck.settings."a"]\nmax_depth = -1\n', "whole number"),
    ('[tool.distcheck.settings."a"]\nmax_seconds = 0\n', "positive number"),
    ('[tool.distcheck.settings."a"]\nengine = "tlc"\n', "bfs, simulate, hypothesis"),
    ('[tool.distcheck.settings."a"]\nparams = 3\n', "params must be a table"),
    ("[tool.distcheck\n", "not valid TOML"),
])
def test_a_malformed_table_is_one_line(shop: Path, table: str, words: str) -> None:
    (shop / "pyproject.toml").write_text(table)
    with pytest.raises(BadInput) as error:
        catalog.project_config()
    assert words in str(error.value) and "pyproject.toml" in str(error.value)
    assert "\n" not in str(error.value)


def test_the_checker_engines_are_the_ones_settings_accept() -> None:
    from distcheck.engines.checker import SAFETY_ENGINES

    assert list(catalog.ENGINE_NAMES) == list(SAFETY_ENGINES)


# --------------------------------------------------------------------------- specs


def test_a_file_a_folder_and_a_module_name_the_same_models(shop: Path) -> None:
    by_file = catalog.load("protocols/ticket_lock.py", shop)
    assert ids(by_file) == SHOP
    assert by_file[0].__module__ == "protocols.ticket_lock"  # named after its path
    assert catalog.load("protocols/", shop) == by_file  # imported once, not twice
    assert catalog.load("protocols.ticket_lock", shop) == by_file
    assert catalog.load(str(shop / "protocols"), Path("/")) == by_file


def test_the_users_models_module_is_theirs(shop: Path) -> None:
    catalog.load("protocols/", shop)
    assert Path(sys.modules["models"].__file__).resolve() == (shop / "models.py").resolve()
    assert hasattr(sys.modules["properties"], "at_most_one")


def test_a_folder_skips_tests_hidden_folders_and_caches(shop: Path) -> None:
    boom = "raise RuntimeError('imported a file the walk should skip')\n"
    for rel in ("protocols/test_locks.py", "protocols/conftest.py", "protocols/.old/x.py",
                "protocols/__pycache__/y.py", "protocols/lock_test.py", "protocols/tests/z.py"):
        (shop / rel).parent.mkdir(parents=True, exist_ok=True)
        (shop / rel).write_text(boom)
    model_file(shop / "protocols" / "more" / "bit.py", "shop.bit")
    assert ids(catalog.load("protocols", shop)) == SHOP | {"shop.bit"}


def test_a_package_is_walked(shop: Path) -> None:
    model_file(shop / "pkg" / "__init__.py", "pkg.top", "Top")
    model_file(shop / "pkg" / "sub" / "deep.py", "pkg.deep")
    (shop / "pkg" / "sub" / "__init__.py").write_text("")
    assert ids(catalog.load("pkg", shop)) == {"pkg.top", "pkg.deep"}


def test_a_folder_that_is_no_module_name_still_loads(shop: Path) -> None:
    model_file(shop / "my-specs" / "2024 bit.py", "shop.odd")
    assert ids(catalog.load("my-specs/", shop)) == {"shop.odd"}


def test_bundled_ids_prefixes_and_the_bundled_package(shop: Path) -> None:
    assert ids(catalog.load("transactions.tcommit", shop)) == {"transactions.tcommit"}
    family = {m for m in catalog.bundled_models() if m.startswith("transactions.")}
    assert ids(catalog.load("transactions", shop)) == family
    assert ids(catalog.load("distcheck.models", shop)) == set(catalog.bundled_models())


def test_a_bundled_file_is_its_bundled_module(isolated: None) -> None:
    import distcheck.models.transactions.tcommit as module

    [cls] = [c for c in catalog.load(module.__file__) if c.id == "transactions.tcommit"]
    assert cls is catalog.bundled_models()["transactions.tcommit"]


def test_a_standard_library_module_is_not_searched(shop: Path) -> None:
    with pytest.raises(BadInput, match="unknown model 'queue'"):
        catalog.load("queue", shop)


# --------------------------------------------------------------------------- bad specs


def one_line_error(spec: str, root: Path) -> str:
    with pytest.raises(BadInput) as error:
        catalog.load(spec, root)
    text = str(error.value)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_missing_file_and_folder(shop: Path) -> None:
    assert one_line_error("protocols/nothere.py", shop) == "no such file: protocols/nothere.py"
    assert "no such file or folder: gone" in one_line_error("gone/", shop)


def test_files_folders_and_modules_without_models(shop: Path) -> None:
    (shop / "empty").mkdir()
    (shop / "empty" / "helpers.py").write_text("X = 1\n")
    assert "empty/ holds no models in its 1 Python files" in one_line_error("empty/", shop)
    assert "empty/helpers.py defines no models" in one_line_error("empty/helpers.py", shop)
    assert "module empty.helpers defines no models" in one_line_error("empty.helpers", shop)
    (shop / "notes.txt").write_text("x")
    assert "not a Python file" in one_line_error("./notes.txt", shop)


def test_an_import_error_names_the_users_line(shop: Path) -> None:
    (shop / "protocols" / "broken.py").write_text("import models\n\nX = models.NOPE\n")
    text = one_line_error("protocols/broken.py", shop)
    assert text.startswith("cannot import protocols/broken.py: AttributeError:")
    assert text.endswith("(protocols/broken.py:3)")
    # through the folder, the other files' models still load and the broken one is noted
    catalog.take_broken()
    assert "shop.ticket_lock" in ids(catalog.load("protocols/", shop))
    [note] = catalog.take_broken()
    assert "(protocols/broken.py:3); its models were left out" in note
    (shop / "only").mkdir()
    (shop / "only" / "broken.py").write_text("1 / 0\n")
    assert "(only/broken.py:1)" in one_line_error("only/", shop)  # nothing else: the error


def test_a_syntax_error_names_its_line(shop: Path) -> None:
    (shop / "protocols" / "typo.py").write_text("x = 1\ndef f(:\n")
    text = one_line_error("protocols.typo", shop)
    assert "SyntaxError" in text and text.endswith("(protocols/typo.py:2)")


def test_a_failing_module_deep_in_a_package(shop: Path) -> None:
    (shop / "pkg").mkdir()
    (shop / "pkg" / "__init__.py").write_text("")
    (shop / "pkg" / "bad.py").write_text("\n\nraise ValueError('no config')\n")
    text = one_line_error("pkg", shop)
    assert "ValueError: no config" in text and text.endswith("(pkg/bad.py:3)")


def test_two_user_files_with_one_id(shop: Path) -> None:
    model_file(shop / "protocols" / "a.py", "shop.dup")
    model_file(shop / "protocols" / "b.py", "shop.dup")
    text = one_line_error("protocols/", shop)
    assert text == ("two models share the id 'shop.dup': protocols/a.py:4 and protocols/b.py:4; "
                    "give one of them another id")


def test_a_copy_of_a_bundled_model_keeps_its_id(shop: Path) -> None:
    model_file(shop / "protocols" / "copy.py", "transactions.tcommit")
    with pytest.raises(BadInput) as error:
        catalog.select([])
    text = str(error.value)
    assert "two models share the id 'transactions.tcommit'" in text
    assert "models/transactions/tcommit.py:" in text and "protocols/copy.py:4" in text


def test_a_configured_entry_that_names_nothing(shop: Path) -> None:
    (shop / "pyproject.toml").write_text('[tool.distcheck]\nmodels = ["protocols/", "nothere"]\n')
    with pytest.raises(BadInput) as error:
        catalog.select([])
    assert str(error.value).startswith(
        "pyproject.toml [tool.distcheck] models entry 'nothere': unknown model 'nothere'")


def test_settings_for_a_model_that_does_not_exist(shop: Path) -> None:
    (shop / "pyproject.toml").write_text(
        '[tool.distcheck]\nmodels = ["protocols/"]\n'
        '[tool.distcheck.settings."shop.ticketlock"]\nmax_states = 3\n')
    with pytest.raises(BadInput, match="names no model; did you mean 'shop.ticket_lock'"):
        catalog.select([])


# --------------------------------------------------------------------------- select


def test_select_without_names_is_the_users_models_only(shop: Path) -> None:
    assert ids(catalog.select([])) == SHOP


def test_bundled_adds_the_catalogue(shop: Path) -> None:
    assert ids(catalog.select([], bundled=True)) == SHOP | set(catalog.bundled_models())
    with pytest.raises(BadInput, match="--bundled adds the bundled catalogue"):
        catalog.select(["shop"], bundled=True)


def test_without_configuration_select_is_the_bundled_catalogue(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert ids(catalog.select([], config=None)) == set(catalog.bundled_models())


def test_names_are_user_ids_prefixes_and_paths(shop: Path) -> None:
    assert ids(catalog.select(["shop.ticket_lock"])) == {"shop.ticket_lock"}  # an id, not a prefix
    assert ids(catalog.select(["shop"])) == SHOP
    assert ids(catalog.select(["shop.ticket_lock.racy", "transactions.tcommit"])) == {
        "shop.ticket_lock.racy", "transactions.tcommit"}
    (shop / "sub").mkdir()
    import os

    os.chdir(shop / "sub")  # a path is taken from the current directory
    assert ids(catalog.select(["../protocols/ticket_lock.py"])) == SHOP


def test_unknown_names_say_what_a_spec_may_be(shop: Path) -> None:
    with pytest.raises(BadInput) as error:
        catalog.select(["shop.nothing"])
    assert "not a model id, id prefix, Python file, folder or importable module" in str(error.value)


def test_entry_points_add_installed_models(shop: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    model_file(site / "installed_models.py", "vendor.bit")
    monkeypatch.syspath_prepend(str(site))
    point = importlib.metadata.EntryPoint("vendor", "installed_models", catalog.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group=None: [point] if group == catalog.ENTRY_POINT_GROUP else [])
    assert ids(catalog.select([])) == SHOP | {"vendor.bit"}
    broken = importlib.metadata.EntryPoint("bad", "no_such_module_here", catalog.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group=None: [broken])
    with pytest.raises(BadInput, match="entry point bad = 'no_such_module_here'"):
        catalog.user_models(None)


# --------------------------------------------------------------------------- sources


def test_source_is_relative_inside_the_project_and_bare_for_bundled(shop: Path) -> None:
    [lock, _] = catalog.load("protocols/", shop)
    assert catalog.source_of(lock, shop) == {"module": "protocols.ticket_lock",
                                              "file": "protocols/ticket_lock.py"}
    assert catalog.source_of(lock, shop / "models.py")["file"] == str(
        (shop / "protocols" / "ticket_lock.py").resolve())
    bundled = catalog.bundled_models()["transactions.tcommit"]
    assert catalog.source_of(bundled, shop) == {"module": "distcheck.models.transactions.tcommit"}


def test_get_finds_a_model_from_its_source_anywhere(shop: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    source = {"module": "protocols.ticket_lock", "file": str(shop / "protocols" / "ticket_lock.py")}
    cls = catalog.get("shop.ticket_lock.racy", source)
    assert cls.__module__ == "protocols.ticket_lock"  # imported from the project's root
    with pytest.raises(BadInput, match="it came from protocols/gone.py"):
        catalog.get("shop.gone", {"module": "protocols.gone", "file": "protocols/gone.py"})
    assert catalog.get("transactions.tcommit") is catalog.bundled_models()["transactions.tcommit"]
