"""The adapter a user writes: a model's actions and faults as calls on a real system.

An adapter is a small class.  ``start()`` brings the system under test up
once per command (a server, a database file), ``reset()`` gives every run
fresh clients and empty data, ``stop()`` takes everything down again, even
after a failure.  Each action and fault the model declares is a method of
the same name taking the action's arguments as keywords
(``acquire(client=0)``); it makes the real call and returns what the client
saw, in the model's terms: ``{"clients.0.pc": "holding"}``.  ``observe()``
adds what can be read off the system after every step (``{"key": 0}``).

An observation is a dict from *paths* into the model's rendered state (the
JSON that traces show, dotted: ``clients.0.pc``) to the value the real
system showed there.  The runner compares each path with the model's state
after the same step; ``view()`` may first reshape that state (derive a
value the real system shows directly but the model keeps differently).
Paths the observation does not name are not compared, so an adapter checks
as much of the model as the real system lets it see.

Time is real: ``tick()`` sleeps :attr:`Adapter.tick_ms` milliseconds, and a
model TTL of ``n`` ticks becomes :meth:`Adapter.ttl_ms`.  A paused client is
one that takes no step while time passes, which is what the runner does
anyway, so ``pause`` and ``resume`` do nothing by default.
"""

from __future__ import annotations

import importlib
import math
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from distcheck.contract.errors import BadInput
from distcheck.contract.state import canonical_text, to_json

#: what an action method or ``observe()`` returns: state path -> value seen
Observation = dict[str, Any]


class Adapter:
    """Base class of conformance adapters (see the module docstring).

    The runner sets :attr:`model_id` and :attr:`params` (the model's
    parameter values) before :meth:`start`.
    """

    #: model ids (or id prefixes) this adapter can drive; empty: any model
    models: ClassVar[tuple[str, ...]] = ()
    #: real milliseconds per model tick; at least 100 so a loaded machine keeps up
    tick_ms: ClassVar[int] = 100

    model_id: str = ""
    params: dict[str, Any]

    def start(self) -> None:
        """Start the system under test (once per command)."""

    def reset(self) -> None:
        """Fresh clients and empty data: called before every run."""

    def stop(self) -> None:
        """Stop everything :meth:`start` started; called even after a failure."""

    def system(self) -> str:
        """The real system and its version, for reports (``"Redis 7.0.15, redis-py 5.0"``)."""
        return type(self).__name__

    def observe(self) -> Observation:
        """What the real system shows after each step, in the model's terms."""
        return {}

    def view(self, state: Any) -> Any:
        """The model's rendered state in the terms observations use; default: as rendered."""
        return state

    # -- faults every adapter gets -----------------------------------------------------------

    def tick(self) -> Observation | None:
        """One model tick: real time passes."""
        time.sleep(self.tick_ms / 1000)
        return None

    def pause(self, **who: Any) -> Observation | None:
        """A paused client takes no step while time passes: the runner already does that."""
        return None

    def resume(self, **who: Any) -> Observation | None:
        return None

    def ttl_ms(self, ticks: int) -> int:
        """A TTL of ``ticks`` model ticks in real milliseconds, placed mid-tick.

        The key must still be there after ``ticks - 1`` ticks and gone after
        ``ticks``; half a tick short of ``ticks`` whole ones leaves half a tick
        of slack either way for a loaded machine.
        """
        return max(1, ticks * self.tick_ms - self.tick_ms // 2)

    def ttl_seconds(self, ticks: int) -> float:
        return self.ttl_ms(ticks) / 1000


def load_adapter(spec: str) -> type[Adapter]:
    """The adapter class ``module:Class`` names (BadInput, one line, if it cannot)."""
    module_name, colon, class_name = spec.partition(":")
    if not colon or not module_name or not class_name:
        raise BadInput(f"--adapter {spec!r} is not module:Class (e.g. "
                       "distcheck.conformance.redis_locks:RedisPyLock)")
    from distcheck.contract import catalog

    root = catalog.project_root(catalog.project_config())
    if str(root) not in sys.path:  # the user's adapter module lives in their project
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        hint = (" (install the client libraries: pip install 'distcheck[conformance]')"
                if exc.name in ("redis", "psycopg") else "")
        raise BadInput(f"--adapter {spec}: cannot import {module_name}: {exc}{hint}") from None
    except Exception as exc:
        raise catalog.import_failure(f"adapter module {module_name}", exc, Path(root)) from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise BadInput(f"--adapter {spec}: {module_name} has no Adapter subclass {class_name!r}")
    return cls


def check_methods(adapter: Adapter, actions: list[str], where: str) -> None:
    """BadInput naming the first action in ``actions`` the adapter has no method for."""
    for name in actions:
        if not callable(getattr(adapter, name, None)):
            raise BadInput(f"adapter {type(adapter).__name__} has no method {name}() for action "
                           f"{name!r} that {where} uses; add 'def {name}(self, ...)' returning "
                           "what the client saw")


def check_model(adapter: type[Adapter], model_id: str) -> None:
    if adapter.models and not any(model_id == m or model_id.startswith(m + ".")
                                  for m in adapter.models):
        raise BadInput(f"adapter {adapter.__name__} drives {', '.join(adapter.models)}, "
                       f"not {model_id}")


def checked(value: Any, what: str) -> Observation:
    """``value`` as an observation, or BadInput naming the step and method that returned it."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and k for k in value):
        raise BadInput(f"{what} returned {value!r:.80}; an observation is None or a dict from "
                       "state paths ('clients.0.pc') to the values seen")
    try:
        canonical_text(value)
    except (TypeError, ValueError):
        raise BadInput(f"{what} returned {value!r:.80}; observed values must be JSON "
                       "(None, bool, numbers, strings, lists, dicts)") from None
    return {path: to_json(seen) for path, seen in value.items()}  # keys sorted as the model's


_MISSING = object()


def lookup(view: Any, path: str) -> Any:
    """The value at dotted ``path`` in a rendered state; ``_MISSING`` when there is none."""
    node = view
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def mismatches(view: Any, seen: Observation, what: str) -> list[tuple[str, Any, Any]]:
    """(path, model value, real value) for every observed path that differs from ``view``."""
    out = []
    for path, real in seen.items():
        want = lookup(view, path)
        if want is _MISSING:
            raise BadInput(f"{what}: observation path {path!r} is not in the model's state "
                           "(see the state in 'distcheck replay' or adapt it in view())")
        if canonical_text(want) != canonical_text(real) and not _close(want, real):
            out.append((path, want, real))
    return out


def _close(a: Any, b: Any) -> bool:
    return (isinstance(a, float) or isinstance(b, float)) and isinstance(a, (int, float)) \
        and isinstance(b, (int, float)) and math.isclose(a, b)
