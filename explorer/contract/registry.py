"""Finding the bundled models by their dotted ids."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from distcheck.contract.errors import BadInput
from distcheck.contract.model import Model, family


@cache
def all_models() -> dict[str, type[Model]]:
    """Every Model subclass with an id under the ``models`` package, sorted by id."""
    import distcheck.models as models

    found: dict[str, type[Model]] = {}
    for info in pkgutil.walk_packages(models.__path__, prefix="distcheck.models."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Model)
                and value.id
                and value.__module__ == module.__name__
            ):
                if value.id in found and found[value.id] is not value:
                    raise RuntimeError(f"two models share the id {value.id!r}")
                found[value.id] = value
    return dict(sorted(found.items()))


def select(names: list[str]) -> list[type[Model]]:
    """Models named by ids or id prefixes; every model when ``names`` is empty.

    A name that is a model id selects that model alone; a name that is only a
    prefix of ids (``transactions``) selects every model under it.
    """
    if not names:
        return list(all_models().values())
    fast = [_by_module(name) for name in names]
    if all(fast):
        return list({m.id: m for m in fast if m is not None}.values())
    models = all_models()
    chosen: dict[str, type[Model]] = {}
    for name in names:
        if name in models:
            chosen[name] = models[name]
            continue
        under = [m for mid, m in models.items() if mid.startswith(name + ".")]
        if not under:
            raise BadInput(
                f"unknown model {name!r}; run 'distcheck list' to see the model ids "
                f"(families: {', '.join(sorted({family(m.id) for m in models.values()}))})"
            )
        for m in under:
            chosen[m.id] = m
    return list(chosen.values())


def _by_module(model_id: str) -> type[Model] | None:
    """The model with this id if the module its id names defines it."""
    parts = model_id.split(".")
    for end in range(len(parts), 0, -1):
        try:
            module = importlib.import_module("distcheck.models." + ".".join(parts[:end]))
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value.id == model_id:
                return value
    return None


def get(model_id: str) -> type[Model]:
    """The model with this id, importing only its module when the id names it.

    Ids follow module paths (``ids.snowflake.wide`` lives in
    ``models/ids/snowflake.py``), so ``replay`` and ``prove`` need not import
    every model; anything else falls back to the full scan.
    """
    found = _by_module(model_id)
    if found is not None:
        return found
    models = all_models()
    if model_id not in models:
        raise BadInput(f"unknown model {model_id!r}; run 'distcheck list' to see the model ids")
    return models[model_id]
