"""Shared fixtures: a real redis-server on a free port, private to the test session."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from redis import Redis

from newsdesk.redis_server import RedisServer, free_port

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


def load_script(relative: str) -> ModuleType:
    """A script of the repo (bench/, scripts/: not packages) imported as a module."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _open_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests about other things call the API without keys; the auth tests turn them on."""
    monkeypatch.setenv("NEWSDESK_AUTH", "disabled")


def start_newsdesk(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`newsdesk COMMAND` as its own process, its output in `log` (for failure messages)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newsdesk", *command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A clean database for each test."""
    client = Redis.from_url(redis_server.url)
    client.flushall()
    yield redis_server.url
    client.close()


@contextmanager
def running_api(redis_url: str, **settings: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real `newsdesk api` (gunicorn) on a free port; yields the process and its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "PROMETHEUS"))}
    env.update(
        REDIS_URL=redis_url,
        NEWSDESK_PORT=str(port),
        NEWSDESK_LOG_LEVEL="WARNING",
        NEWSDESK_AUTH="disabled",
    )
    env.update(settings)
    api = subprocess.Popen([sys.executable, "-m", "newsdesk", "api"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.1)
        yield api, base
    finally:
        if api.poll() is None:
            api.terminate()
            try:
                api.wait(30)
            except subprocess.TimeoutExpired:
                api.kill()
                api.wait()
