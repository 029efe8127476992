"""Real servers on loopback for conformance runs: started, waited for, stopped by their own PID.

Each server listens on a Unix socket in a private temporary folder (TCP off),
so nothing outside this machine, or even outside the folder's owner, can
reach it.  ``start()`` waits until the server answers, and a server that
does not answer within its timeout is stopped before the one-line error is
raised: nothing is left running.  ``stop()`` signals the process it started,
by PID, and waits for it; it is safe to call twice and after a failed start.
A missing binary is :class:`ServerMissing`, which says how to install it
(tests skip on it, or fail under ``CI=true``).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from distcheck.contract.errors import BadInput

START_TIMEOUT = 30.0


class ServerMissing(BadInput):
    """The server's binary is not installed; the message says how to install it."""


def _binary(name: str, package: str, *fallbacks: str) -> str:
    found = shutil.which(name) or next((p for pattern in fallbacks for p in sorted(glob.glob(pattern))
                                        if os.access(p, os.X_OK)), None)
    if found is None:
        raise ServerMissing(f"{name} is not installed; install it with "
                            f"'apt-get install -y {package}'")
    return found


class Server:
    """A server process of ours; subclasses say how to start it and when it is ready."""

    name = "server"
    proc: subprocess.Popen[bytes] | None = None
    #: the signal that stops the server without waiting for its clients
    stop_signal = signal.SIGTERM

    def __init__(self, timeout: float = START_TIMEOUT) -> None:
        self.timeout = timeout
        self.dir = Path(tempfile.mkdtemp(prefix=f"distcheck-{self.name}-"))
        self.log = self.dir / "server.log"

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        try:
            self._launch()
            deadline = time.monotonic() + self.timeout
            while not self.ready():
                if self.proc is not None and self.proc.poll() is not None:
                    raise BadInput(f"{self.name} exited with status {self.proc.returncode} at "
                                   f"start: {self._log_tail()}")
                if time.monotonic() > deadline:
                    raise BadInput(f"{self.name} did not start within {self.timeout:g} s "
                                   f"({self._log_tail()}); it was stopped")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise

    def _launch(self) -> None:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1][:200] if lines else "empty log"

    def _popen(self, argv: list[str], user: str | None = None) -> subprocess.Popen[bytes]:
        with open(self.log, "ab") as log:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    user=user, start_new_session=True)

    def stop(self) -> None:
        """:attr:`stop_signal` to our PID, SIGKILL after 10 s; then the folder goes."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(self.stop_signal)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer(Server):
    """``redis-server`` on a Unix socket, no persistence (``--port 0`` turns TCP off)."""

    name = "redis-server"

    def __init__(self, timeout: float = START_TIMEOUT) -> None:
        self.binary = _binary("redis-server", "redis-server")
        super().__init__(timeout)
        self.socket = str(self.dir / "redis.sock")

    def _launch(self) -> None:
        self.proc = self._popen([self.binary, "--port", "0", "--unixsocket", self.socket,
                                 "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                                 "--dir", str(self.dir)])

    def ready(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1.0)
                sock.connect(self.socket)
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True,
                             check=False).stdout
        word = next((w for w in out.split() if w.startswith("v=")), "v=?")
        return f"Redis {word[2:]}"


class PostgresServer(Server):
    """A throwaway PostgreSQL cluster on a Unix socket only, with trust authentication.

    PostgreSQL refuses to run as root, so as root the cluster belongs to, and
    the server runs as, the ``postgres`` user.
    """

    name = "postgres"
    #: fast shutdown: SIGTERM would wait for every client to disconnect
    stop_signal = signal.SIGINT

    def __init__(self, timeout: float = START_TIMEOUT) -> None:
        hint = "/usr/lib/postgresql/*/bin/"
        self.binary = _binary("postgres", "postgresql", hint + "postgres")
        self.initdb = _binary("initdb", "postgresql", hint + "initdb")
        super().__init__(timeout)
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            import pwd

            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.data = self.dir / "data"
        self.socket_dir = str(self.dir)

    def _launch(self) -> None:
        init = subprocess.run([self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust",
                               "-E", "UTF8", "--no-sync"], capture_output=True, text=True,
                              user=self.user, check=False, timeout=self.timeout)
        if init.returncode != 0:
            last = (init.stderr or init.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BadInput(f"initdb failed: {last[0][:200]}")
        self.log = self.data / "server.log"
        self.proc = self._popen([self.binary, "-D", str(self.data), "-k", self.socket_dir,
                                 "-c", "listen_addresses=", "-c", "fsync=off",
                                 "-c", "max_connections=20"], user=self.user)

    def ready(self) -> bool:
        # line 8 of postmaster.pid is the server's status; "ready" once it accepts connections
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    @property
    def dsn(self) -> str:
        return f"host={self.socket_dir} user=postgres dbname=postgres"

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True,
                             check=False).stdout
        # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)": the first dotted number
        found = re.search(r"\d+(?:\.\d+)+", out)
        return f"PostgreSQL {found.group() if found else '?'}"
