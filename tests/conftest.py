"""Shared fixtures: a real redis-server on a unix socket, private to the test session."""

from __future__ import annotations

import importlib.util
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from hypothesis import settings
from redis import Redis

from newsdesk.queueing import ended_key
from newsdesk.redis_server import RedisServer

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


# Random inputs come from one seed, the same in every run unless NEWSDESK_TEST_SEED sets
# another; a failing test's report names it, so the failing input can be made again.
TEST_SEED = int(os.environ.get("NEWSDESK_TEST_SEED", "20261206"))

# Hypothesis draws its examples from a fixed seed too (each run tries the same ones) and
# prints how to reproduce a failure; HYPOTHESIS_PROFILE=explore draws new ones each run.
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_report_header() -> str:
    return f"random seed: NEWSDESK_TEST_SEED={TEST_SEED}"


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """Random numbers for one test, from the run's seed and the test's own id."""
    request.node.user_properties.append(("random seed", TEST_SEED))
    return random.Random(f"{TEST_SEED}:{request.node.nodeid}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    seeds = [value for name, value in item.user_properties if name == "random seed"]
    if report.failed and seeds:
        report.sections.append(
            ("random seed", f"replay with NEWSDESK_TEST_SEED={seeds[0]} pytest {item.nodeid}")
        )
    return report


@pytest.fixture(autouse=True)
def _open_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests about other things call the API without keys; the auth tests turn them on."""
    monkeypatch.setenv("NEWSDESK_AUTH", "disabled")


def new_listener() -> socket.socket:
    """A loopback socket on a port the kernel picked, listening before the server that
    inherits it starts: no port is ever picked, closed, and bound again by someone else."""
    return socket.create_server(("127.0.0.1", 0), backlog=128)


@contextmanager
def listening_socket() -> Iterator[socket.socket]:
    with new_listener() as listener:
        yield listener


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for as long as it is held: bound by this
    process, never listening, so no other process can start listening there."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def listen_on(listener: socket.socket) -> dict[str, str]:
    """The settings that make `newsdesk api` serve on an inherited `listener`."""
    return {
        "NEWSDESK_PORT": str(listener.getsockname()[1]),
        "NEWSDESK_LISTEN_FD": str(listener.fileno()),
    }


def base_url(listener: socket.socket) -> str:
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


def start_newsdesk(
    command: list[str],
    env: dict[str, str],
    log: Path,
    listener: socket.socket | None = None,
) -> subprocess.Popen:
    """`newsdesk COMMAND` as its own process, its output in `log` (for failure messages);
    `listener`: the socket an API serves on (see `listen_on`)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newsdesk", *command],
            env={**env, **listen_on(listener)} if listener else env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),) if listener else (),
        )


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def dead_redis_url() -> Iterator[str]:
    """A Redis URL where connections are refused."""
    with refused_port() as port:
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A clean database for each test."""
    client = Redis.from_url(redis_server.url)
    client.flushall()
    yield redis_server.url
    client.close()


@contextmanager
def running_api(redis_url: str, **settings: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real `newsdesk api` (gunicorn) on a socket of its own; yields the process and its
    base URL once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "PROMETHEUS"))}
    env.update(
        REDIS_URL=redis_url,
        NEWSDESK_LOG_LEVEL="WARNING",
        NEWSDESK_AUTH="disabled",
        NEWSDESK_API_PROCESSES="1",  # each costs a start; one gevent process serves them all
    )
    env.update(settings)
    with listening_socket() as listener:
        api = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "api"],
            env={**env, **listen_on(listener)},
            pass_fds=(listener.fileno(),),
        )
        base = base_url(listener)
        try:
            wait_until_answers(base, api)
            yield api, base
        finally:
            if api.poll() is None:
                api.terminate()
                try:
                    api.wait(30)
                except subprocess.TimeoutExpired:
                    api.kill()
                    api.wait()


def wait_until_answers(
    base: str, *processes: subprocess.Popen, path: str = "/healthz", timeout: float = 60
) -> None:
    """Until `base` answers `path` with 200. Its socket listens before the server is up, so
    each try waits for the answer itself; a process that died ends the wait at once."""
    deadline = time.monotonic() + timeout
    while True:
        for process in processes:
            assert process.poll() is None, f"{process.args} exited with {process.returncode}"
        try:
            if httpx.get(f"{base}{path}", timeout=2).status_code == 200:
                return
            time.sleep(0.1)  # it answers, not yet ready: ask again shortly
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{base}{path} did not answer 200 in {timeout}s"


def wait_until_a_long_poll_waits(redis_url: str, timeout: float = 30, polls: int = 1) -> None:
    """Until long-polls in flight wait on `polls` jobs' ends: each job a poll waits on has a
    subscriber on its channel (newsdesk.queueing.announce_end)."""
    redis = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while len(redis.pubsub_channels(ended_key("*"))) < polls:
            assert time.monotonic() < deadline, "no long-poll began waiting"
            time.sleep(0.02)
    finally:
        redis.close()
