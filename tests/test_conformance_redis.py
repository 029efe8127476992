"""The lock family on a real redis-server (started per command on a Unix socket, stopped after).

LK-5 reproduces with redis-py's Lock; LK-6 does not (redis-py releases with
a compare-and-delete: the real system diverges where the plain-DEL model
deletes another client's lock); LK-4 reproduces by killing a client process
between SETNX and EXPIRE.  Model-based runs: the SET NX PX model and
redis-py agree, a model whose key never expires diverges at the first expiry.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_helpers import run
from realservers import need

from distcheck import fault
from distcheck.conformance import DIVERGED, NO_DIVERGENCE, conform_model
from distcheck.conformance.redis_locks import RedisPyLock
from distcheck.conformance.servers import RedisServer
from distcheck.contract.compiled import compile_model
from distcheck.contract.errors import BadInput
from distcheck.models.locks.redis_set_nx_px import SetNxPx
from distcheck.outputs.pages import ROOT

TRACES = ROOT / "counterexamples" / "locks"
PY_LOCK = "distcheck.conformance.redis_locks:RedisPyLock"
RAW = "distcheck.conformance.redis_locks:RedisSetnxExpire"


@pytest.fixture(autouse=True)
def _redis() -> None:
    need(RedisServer)


def _redis_pids() -> set[str]:
    out = subprocess.run(["pgrep", "-f", "distcheck-redis-server"], capture_output=True,
                         text=True, check=False).stdout
    return set(out.split())


def test_lk5_reproduces_on_redis_py_with_both_histories(capsys: pytest.CaptureFixture[str]) -> None:
    before = _redis_pids()
    code, out, _ = run(capsys, "conform", str(TRACES / "locks.redis_set_nx_px.mutual_exclusion.json"),
                       "--adapter", PY_LOCK)
    assert code == 0, out
    assert "reproduced (1/1 runs" in out and "Redis " in out and "redis-py" in out
    rows = [line for line in out.splitlines() if "acquire(client=1)" in line]
    assert rows and rows[0].count("clients.1.pc=holding, owner=1") == 2  # model and real side
    assert _redis_pids() == before  # the server it started is gone


def test_lk5_stale_write_reproduces_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", str(TRACES / "locks.redis_set_nx_px.no_stale_write.json"),
                       "--adapter", PY_LOCK)
    assert code == 0 and out.count("writers=[1,0]") == 2, out


def test_lk6_does_not_reproduce_because_redis_py_compares_tokens(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform",
                       str(TRACES / "locks.release.plain_del.no_release_of_others.json"),
                       "--adapter", PY_LOCK)
    assert code == 1
    assert "diverged at step 4" in out and "release(client=0): owner: model null, real 1" in out


def test_lk4_reproduces_when_the_client_is_killed_between_setnx_and_expire(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", str(TRACES / "locks.setnx_then_expire.eventually_free.json"),
                       "--adapter", RAW)
    assert code == 0, out
    [tick] = [line for line in out.splitlines() if "tick()" in line]
    assert tick.count('key={"expiring":false,"owner":0}') == 2  # a key without TTL, on both sides
    assert "reproduced (1/1 runs" in out


def test_redis_py_matches_the_model_that_releases_by_compare_and_delete(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", "locks.release.compare_and_delete", "--adapter", PY_LOCK,
                       "--runs", "10", "--steps", "8")
    assert code == 0 and "no divergence (10/10 runs" in out, out


class NeverExpires(SetNxPx):
    """A wrong model of Redis: the key never expires (time passes, the key stays)."""

    id = "locks.redis_set_nx_px.never_expires"

    @fault("tick")
    def tick(self, s):
        return self.faults.tick(s) if s.key is not None else None


def test_a_model_whose_key_never_expires_diverges_at_the_first_expiry() -> None:
    report = conform_model(compile_model(NeverExpires()), RedisPyLock, runs=20, steps=12, seed=0)
    assert report.outcome == DIVERGED and report.saved is not None
    labels = [st.label() for st in report.saved.steps]
    assert labels[-1] == "tick()" and labels.count("tick()") == 2  # ttl=2: the second tick
    assert "owner: model" in report.saved.message and "real null" in report.saved.message


def test_set_nx_px_agrees_with_redis_py_on_a_few_runs() -> None:
    report = conform_model(compile_model(SetNxPx()), RedisPyLock, runs=12, steps=12, seed=1)
    assert report.outcome == NO_DIVERGENCE, report.shown.detail


@pytest.mark.slow
def test_set_nx_px_agrees_with_redis_py_in_200_runs() -> None:
    report = conform_model(compile_model(SetNxPx()), RedisPyLock, runs=200, steps=20, seed=0)
    assert report.outcome == NO_DIVERGENCE and len(report.runs) == 200, report.shown.detail


class DeafRedis(RedisServer):
    """A redis-server that never answers in time (as on a machine too loaded to start it)."""

    def ready(self) -> bool:
        self.seen_pid = self.proc.pid if self.proc is not None else None
        return False


def test_a_server_that_does_not_start_in_time_is_stopped() -> None:
    server = DeafRedis(timeout=0.3)
    with pytest.raises(BadInput, match=r"redis-server did not start within 0.3 s .*it was stopped"):
        server.start()
    assert server.proc is None and not Path(server.dir).exists()
    assert server.seen_pid is not None and not Path(f"/proc/{server.seen_pid}").exists()


def test_a_missing_server_binary_is_one_line_with_the_install_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = run(capsys, "conform",
                         str(TRACES / "locks.redis_set_nx_px.mutual_exclusion.json"),
                         "--adapter", PY_LOCK)
    assert code == 2 and out == ""
    assert err.strip() == ("distcheck: redis-server is not installed; install it with "
                           "'apt-get install -y redis-server'")
