"""The test suite runs in verification mode: every state is held to the state contract.

``DISTCHECK_VERIFY=1`` (see ``distcheck.contract.statecheck``) makes the engines
check the structure of every successor, not a sample, and compare each state's
rendering before and after it is expanded, so a model here that breaks the
contract fails its test rather than passing by luck.  Subprocesses the tests
start inherit it.
"""

from __future__ import annotations

import os

from distcheck.contract.statecheck import VERIFY_ENV

os.environ.setdefault(VERIFY_ENV, "1")
