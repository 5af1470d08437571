"""`newsdesk keys` and the key checks of `newsdesk api` and `serve`, as a person runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import refused_port, running_api
from redis import Redis

from newsdesk.keys import KeyStore
from newsdesk.redis_processes import redis_servers_in
from newsdesk.redis_server import RedisServer, read_url

TEXT = "The harbour ferry resumed its winter timetable on Monday, the operator said."


def newsdesk(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        env={**base, "NEWSDESK_LOG_LEVEL": "WARNING", **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def created_key(run: subprocess.CompletedProcess) -> tuple[str, str]:
    assert run.returncode == 0, run.stderr
    key = re.search(r"^key:\s+(nd_\S+)$", run.stdout, re.M)
    secret = re.search(r"^signing secret:\s+(whsec_\S+)$", run.stdout, re.M)
    assert key and secret, run.stdout
    return key[1], secret[1]


def test_keys_create_list_revoke_against_redis_url(redis_url: str) -> None:
    store = KeyStore(Redis.from_url(redis_url))
    key, secret = created_key(newsdesk("keys", "create", "cms", REDIS_URL=redis_url))
    assert store.authenticate(key) == "cms"
    assert store.signing_secret("cms") == secret

    listed = newsdesk("keys", "list", REDIS_URL=redis_url)
    assert listed.returncode == 0
    assert re.search(r"^cms\s+nd_", listed.stdout, re.M)
    assert key not in listed.stdout and secret not in listed.stdout

    again = newsdesk("keys", "create", "cms", REDIS_URL=redis_url)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "exists" in again.stderr
    assert again.stderr.startswith("newsdesk: error: ")

    assert newsdesk("keys", "revoke", "cms", REDIS_URL=redis_url).returncode == 0
    assert store.authenticate(key) is None
    gone = newsdesk("keys", "revoke", "cms", REDIS_URL=redis_url)
    assert gone.returncode == 1 and "no key named 'cms'" in gone.stderr
    assert "cms" not in newsdesk("keys", "list", REDIS_URL=redis_url).stdout


def test_keys_with_redis_down_fail_in_one_line() -> None:
    with refused_port() as port:
        run = newsdesk("keys", "list", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    assert run.returncode == 1
    assert run.stderr.startswith("newsdesk: error: cannot reach Redis")
    assert "Traceback" not in run.stderr


def test_keys_without_redis_url_use_serves_data_folder_when_serve_is_not_running(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    key, _ = created_key(newsdesk("keys", "create", "wire", NEWSDESK_DATA_DIR=str(data_dir)))
    assert redis_servers_in(data_dir.resolve()) == []  # the command's own Redis is gone
    # What serve will find there when it starts on the same folder:
    with RedisServer(data_dir) as server:
        assert KeyStore(Redis.from_url(server.url)).authenticate(key) == "wire"
    listed = newsdesk("keys", "list", NEWSDESK_DATA_DIR=str(data_dir))
    assert re.search(r"^wire\s+nd_", listed.stdout, re.M)


def test_keys_stop_a_redis_left_on_serves_data_folder_and_use_its_data(tmp_path: Path) -> None:
    data_dir = (tmp_path / "data").resolve()
    leftover = RedisServer(data_dir).start()  # as a serve killed with SIGKILL leaves it
    try:
        KeyStore(Redis.from_url(leftover.url)).create("wire")
        listed = newsdesk("keys", "list", NEWSDESK_DATA_DIR=str(data_dir))
        assert listed.returncode == 0, listed.stderr
        assert f"newsdesk: stopping a Redis left running on {data_dir}" in listed.stdout
        assert re.search(r"^wire\s+nd_", listed.stdout, re.M)
        assert leftover.process is not None and leftover.process.wait(30) == 0
        assert redis_servers_in(data_dir) == []
    finally:
        leftover.close()


def test_keys_leave_a_running_serves_redis_alone_and_say_so_in_one_line(tmp_path: Path) -> None:
    data_dir = (tmp_path / "data").resolve()
    # A stand-in for `newsdesk serve`: its command line names it, it runs a Redis on the
    # folder, and it has not written where that Redis listens.
    stand_in = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from newsdesk.redis_server import RedisServer\n"
            "with RedisServer(sys.argv[1]):\n"
            "    print('up', flush=True)\n"
            "    sys.stdin.read()\n",
            str(data_dir),
            "newsdesk",
            "serve",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stand_in.stdout is not None and stand_in.stdout.readline() == "up\n"
        [server] = redis_servers_in(data_dir)
        run = newsdesk("keys", "list", NEWSDESK_DATA_DIR=str(data_dir))
        assert run.returncode == 1
        [line] = run.stderr.splitlines()
        assert line.startswith(f"newsdesk: error: another `newsdesk serve` (pid {stand_in.pid})")
        assert redis_servers_in(data_dir) == [server]
    finally:
        stand_in.communicate("", timeout=30)


# --- api and serve refuse, or warn, without keys ------------------------------------------


def test_api_refuses_to_start_without_any_key(redis_url: str) -> None:
    run = newsdesk("api", REDIS_URL=redis_url, NEWSDESK_AUTH="required", NEWSDESK_PORT="1")
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert "no API keys" in run.stderr and "newsdesk keys create" in run.stderr


@pytest.mark.integration
def test_api_with_a_key_requires_it(redis_url: str) -> None:
    key = KeyStore(Redis.from_url(redis_url)).create("cms").key
    with running_api(redis_url, NEWSDESK_AUTH="required") as (_, base):
        assert httpx.post(f"{base}/v1/articles", json={"text": TEXT}).status_code == 401
        ok = httpx.post(
            f"{base}/v1/articles", json={"text": TEXT}, headers={"Authorization": f"Bearer {key}"}
        )
        assert ok.status_code == 202
        assert ok.headers["RateLimit-Policy"] == '"600/minute";q=600;w=60'


def test_serve_off_loopback_without_keys_refuses(tmp_path: Path) -> None:
    run = newsdesk(
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        NEWSDESK_DATA_DIR=str(tmp_path / "data"),
    )
    assert run.returncode == 1
    [line] = run.stderr.splitlines()  # as every command reports an error
    assert line.startswith("newsdesk: error: no API keys"), line
    assert redis_servers_in((tmp_path / "data").resolve()) == []


@contextmanager
def serve(data_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """`newsdesk serve` on loopback with one worker and one API process; yields its base
    URL and its stderr."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "REDIS_URL"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "serve", "--port", "0", "--workers", "1"],
        env={
            **base,
            "NEWSDESK_DATA_DIR": str(data_dir),
            "NEWSDESK_LOG_LEVEL": "WARNING",
            "NEWSDESK_API_PROCESSES": "1",
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    errors: list[str] = []
    try:
        # serve says where the API listens once it answers (it picked the port itself)
        for line in process.stdout:
            if found := re.search(r"API listening on (http://\S+)", line):
                break
        else:
            raise AssertionError(f"serve did not start: {process.stderr.read()}")
        yield found[1], errors
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        errors.append(process.stderr.read())


@pytest.mark.integration
def test_serve_runs_open_without_keys_and_keys_reach_its_redis(tmp_path: Path) -> None:
    data_dir = (tmp_path / "data").resolve()
    with serve(data_dir) as (url, errors):
        assert httpx.post(f"{url}/v1/articles", json={"text": TEXT}).status_code == 202
        servers = redis_servers_in(data_dir)
        assert len(servers) == 1
        key, _ = created_key(newsdesk("keys", "create", "cms", NEWSDESK_DATA_DIR=str(data_dir)))
        assert redis_servers_in(data_dir) == servers  # the running one, no second server
        running = read_url(data_dir)
        assert running and KeyStore(Redis.from_url(running)).authenticate(key) == "cms"
    assert "no API keys" in errors[-1] and "open" in errors[-1]

    with serve(data_dir) as (url, errors):  # restarted: now the key is required
        assert httpx.post(f"{url}/v1/articles", json={"text": TEXT}).status_code == 401
        ok = httpx.post(
            f"{url}/v1/articles", json={"text": TEXT}, headers={"Authorization": f"Bearer {key}"}
        )
        assert ok.status_code == 202
    assert "no API keys" not in errors[-1]
    assert read_url(data_dir) is None and redis_servers_in(data_dir) == []
