"""Real servers for the conformance tests: present, or skipped with the reason (failed under CI).

A test that needs a server calls :func:`need`: when the binary is missing it
is skipped with the install hint, never counted as passing, and under
``CI=true`` (where ``.ci/run`` installs the servers) the missing server
fails the run instead.
"""

from __future__ import annotations

import os

import pytest

from distcheck.conformance.servers import PostgresServer, RedisServer, Server, ServerMissing


def need(kind: type[Server]) -> None:
    """Skip (or, under CI=true, fail) unless ``kind``'s binary and client library are installed."""
    library = {RedisServer: "redis", PostgresServer: "psycopg"}[kind]
    try:
        server = kind()
        server.stop()  # only its folder was made: nothing runs before start()
        __import__(library)
    except (ServerMissing, ImportError) as exc:
        reason = str(exc) if isinstance(exc, ServerMissing) else \
            f"{library} is not installed; pip install -e '.[conformance]'"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs {kind.name}: {reason}")
        pytest.skip(reason)
