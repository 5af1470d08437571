"""Redis goes away and comes back: clear 503s meanwhile, nothing lost, nothing to restart.

A real redis-server with AOF persistence on its own data folder, the real Flask app and
a real `newsdesk worker` process; Redis is stopped and started again on the same port
and data under them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Worker

from newsdesk.redis_server import RedisServer
from newsdesk.settings import load
from service.app import create_app

pytestmark = pytest.mark.integration

ARTICLE = {"text": "The harbour ferry sails again on Monday, the port authority said."}


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def queue_name() -> str:
    return f"outage-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def client(redis: RedisServer, queue_name: str) -> FlaskClient:
    config = replace(load(), redis_url=redis.url, queue_name=queue_name, redis_timeout=1.0)
    return create_app(config).test_client()


@pytest.fixture
def worker(redis: RedisServer, queue_name: str, tmp_path: Path) -> Iterator[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(REDIS_URL=redis.url, NEWSDESK_QUEUE=queue_name)
    with (tmp_path / "worker.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    connection = Redis.from_url(redis.url)
    deadline = time.monotonic() + 90
    while not Worker.all(connection=connection) and time.monotonic() < deadline:
        time.sleep(0.2)
    yield process
    process.terminate()
    process.wait(30)


def wait_finished(client: FlaskClient, location: str) -> dict:
    job = client.get(f"{location}?wait=30").get_json()
    assert job["status"] == "finished", job
    return job


def test_redis_down_gives_quick_503s_and_everything_works_again_when_it_is_back(
    redis: RedisServer, client: FlaskClient, worker: subprocess.Popen
) -> None:
    before = client.post("/v1/articles", json=ARTICLE)
    assert before.status_code == 202
    wait_finished(client, before.headers["Location"])

    redis.stop()
    for call in (
        lambda: client.post("/v1/articles", json=ARTICLE),
        lambda: client.get(before.headers["Location"]),
        lambda: client.get("/readyz"),
    ):
        began = time.monotonic()
        response = call()
        assert time.monotonic() - began < 15, "a dead Redis must not make the API hang"
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert int(response.headers["Retry-After"]) > 0
    assert client.get("/healthz").status_code == 200  # the process itself is fine

    redis.start()  # same port, same data folder
    assert worker.poll() is None, "the worker must ride out the outage"
    after = client.post("/v1/articles", json={**ARTICLE, "title": "After the outage"})
    assert after.status_code == 202
    assert after.get_json()["cached"] is False  # a job the worker has to run
    wait_finished(client, after.headers["Location"])  # the same worker, reconnected
    assert client.get("/readyz").status_code == 200


def test_queued_and_finished_jobs_survive_a_redis_restart(
    redis: RedisServer, client: FlaskClient, queue_name: str, tmp_path: Path
) -> None:
    finished = client.post("/v1/articles", json=ARTICLE).get_json()
    burst = [sys.executable, "-m", "newsdesk", "worker", "--burst"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(REDIS_URL=redis.url, NEWSDESK_QUEUE=queue_name)
    subprocess.run(burst, env=env, check=True, capture_output=True, timeout=120)
    result = client.get(f"/v1/jobs/{finished['id']}").get_json()["result"]
    # another text: a repeat of the finished request would be answered from its result
    queued = client.post("/v1/articles", json={**ARTICLE, "title": "Second edition"}).get_json()
    assert queued["status"] == "queued"

    redis.stop()  # SIGTERM: Redis writes its append-only file and exits
    redis.start()

    assert client.get(f"/v1/jobs/{finished['id']}").get_json()["result"] == result
    assert client.get(f"/v1/jobs/{queued['id']}").get_json()["status"] == "queued"
    subprocess.run(burst, env=env, check=True, capture_output=True, timeout=120)
    assert client.get(f"/v1/jobs/{queued['id']}").get_json()["status"] == "finished"
