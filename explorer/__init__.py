"""distcheck: model checking and property testing for distributed-systems protocols.

Everything a model author or a test writer needs is importable from here::

    from distcheck import Model, Param, action, fault, invariant, sometimes, Faults

The subpackages are internal and grouped by layer, each importing only the
ones below it: ``contract`` (the model API) <- ``engines`` <- ``traces`` <-
``conformance`` <- ``outputs`` <- ``cli``.  Bundled models live in ``distcheck.models`` and the
reusable property library in ``distcheck.properties``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from distcheck.contract.declarations import (
    Measurement,
    Query,
    always_eventually,
    eventually,
    group,
    leads_to,
    measured,
    no_livelock,
    proof,
)
from distcheck.contract.errors import BadInput, ModelError
from distcheck.contract.faults import Faults
from distcheck.contract.model import (
    FAULT_KINDS,
    Cause,
    Model,
    Param,
    Property,
    Step,
    action,
    action_property,
    branch,
    fault,
    invariant,
    lane,
    sometimes,
)
from distcheck.contract.network import (
    DOWN,
    PAUSED,
    UP,
    Message,
    NodeModel,
    World,
    broadcast,
    node_action,
    send,
)
from distcheck.contract.state import put
from distcheck.contract.statecheck import register_value_type
from distcheck.contract.typed import (
    Enum,
    Fields,
    Flag,
    Map,
    Msgs,
    NodeSet,
    Sort,
    Var,
    at_most_one,
    exists,
    forall,
)

if TYPE_CHECKING:
    from distcheck.conformance.adapter import Adapter
    from distcheck.engines.hypothesis_bridge import as_testcase

__version__ = "0.2.0"

__all__ = [
    "DOWN",
    "Enum",
    "Fields",
    "Flag",
    "Map",
    "Msgs",
    "NodeSet",
    "Sort",
    "Var",
    "Adapter",
    "FAULT_KINDS",
    "PAUSED",
    "UP",
    "BadInput",
    "Cause",
    "Faults",
    "Measurement",
    "Message",
    "Model",
    "ModelError",
    "NodeModel",
    "Param",
    "Property",
    "Query",
    "Step",
    "World",
    "action",
    "action_property",
    "always_eventually",
    "at_most_one",
    "as_testcase",
    "branch",
    "broadcast",
    "eventually",
    "exists",
    "fault",
    "forall",
    "group",
    "invariant",
    "lane",
    "leads_to",
    "measured",
    "no_livelock",
    "node_action",
    "proof",
    "put",
    "register_value_type",
    "send",
    "sometimes",
]

#: names whose modules are imported on first use (Hypothesis takes a while to load)
_LAZY = {"as_testcase": "distcheck.engines.hypothesis_bridge",
         "Adapter": "distcheck.conformance.adapter"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'distcheck' has no attribute {name!r}")
