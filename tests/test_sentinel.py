"""Redis Sentinel: the API and workers find the master through sentinels and follow a failover.

Real processes: a master, a replica and a sentinel (all redis-server), a worker
subprocess and the Flask app, both given only the `redis+sentinel://` URL.
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
from redis import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from newsdesk.redis_connection import connect, parse_sentinel_url
from newsdesk.redis_server import RedisServer, find_binary
from newsdesk.settings import load
from service.app import REDIS_CONNECTIONS, connect_redis, create_app

SERVICE = "newsdesk-test"


def test_sentinel_urls_are_parsed() -> None:
    address = parse_sentinel_url("redis+sentinel://:s%40cret@sen1:26379,sen2:26380/main/2")
    assert address.sentinels == [("sen1", 26379), ("sen2", 26380)]
    assert (address.service, address.db, address.password) == ("main", 2, "s@cret")
    assert parse_sentinel_url("redis+sentinel://sen1/main").sentinels == [("sen1", 26379)]
    with pytest.raises(ValueError, match="service name"):
        parse_sentinel_url("redis+sentinel://sen1:26379")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "redis+sentinel://127.0.0.1:1/main"])
def test_the_api_bounds_its_connections_either_way(url: str) -> None:
    redis = connect_redis(replace(load(), redis_url=url))
    assert isinstance(redis.connection_pool, BlockingConnectionPool)
    assert redis.connection_pool.max_connections == REDIS_CONNECTIONS


class SentinelServer(RedisServer):
    """A Sentinel watching `master`, on a TCP port of its own."""

    def __init__(self, data_dir: Path, master: RedisServer) -> None:
        super().__init__(data_dir, tcp=True)
        self.master = master

    def command(self) -> list[str]:
        config = self.data_dir / "sentinel.conf"  # sentinel rewrites its own config file
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.data_dir}\nlogfile {self.log_path}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} 1000\n"
            f"sentinel failover-timeout {SERVICE} 5000\n"
        )
        return [find_binary(), str(config), "--sentinel"]


@pytest.fixture
def sentinel_url(tmp_path: Path) -> Iterator[str]:
    # Replication and Sentinel speak TCP only.
    master = RedisServer(tmp_path / "master", tcp=True).start()
    replica = RedisServer(
        tmp_path / "replica", tcp=True, extra_args=("--replicaof", "127.0.0.1", str(master.port))
    ).start()
    sentinel = SentinelServer(tmp_path / "sentinel", master).start()
    port = sentinel.port
    sentinel_client = Redis(port=port)
    deadline = time.monotonic() + 20
    while True:  # ready when it knows the replica too, so a failover has somewhere to go
        try:
            if sentinel_client.sentinel_slaves(SERVICE):
                break
        except Exception:  # not answering yet
            pass
        assert time.monotonic() < deadline, "the sentinel did not see master and replica"
        time.sleep(0.2)
    try:
        yield f"redis+sentinel://127.0.0.1:{port}/{SERVICE}/0"
    finally:
        sentinel.close()
        replica.close()
        master.close()


def run_burst_worker(url: str, queue: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(REDIS_URL=url, NEWSDESK_QUEUE=queue)
    subprocess.run(
        [sys.executable, "-m", "newsdesk", "worker", "--burst"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.integration
def test_api_and_workers_follow_a_failover(sentinel_url: str) -> None:
    queue = f"sentinel-{uuid.uuid4().hex[:8]}"
    client = create_app(replace(load(), redis_url=sentinel_url, queue_name=queue)).test_client()
    article = {"text": "The ferry sails again on Monday.", "analyses": ["stats"]}

    first = client.post("/v1/articles", json=article).get_json()
    run_burst_worker(sentinel_url, queue)
    assert client.get(f"/v1/jobs/{first['id']}").get_json()["status"] == "finished"

    redis = connect(sentinel_url)
    before = redis.connection_pool.get_master_address()
    address = parse_sentinel_url(sentinel_url)
    Redis(*address.sentinels[0]).execute_command("SENTINEL", "FAILOVER", SERVICE)
    deadline = time.monotonic() + 30
    while redis.connection_pool.get_master_address() == before:
        assert time.monotonic() < deadline, "the sentinel did not promote the replica"
        time.sleep(0.2)
    # Until the sentinel has turned the old master into a replica, clients still holding a
    # connection to it can write there, and those writes are lost: Redis replicates
    # asynchronously. Once it answers READONLY, clients move to the new master.
    while Redis(*before).info("replication")["role"] != "slave":
        assert time.monotonic() < deadline, "the old master was not turned into a replica"
        time.sleep(0.2)

    # The same app, untouched: it finds the new master, where the first job was replicated.
    deadline = time.monotonic() + 15
    # Another text, so the worker must run it (a repeat would reuse the first result).
    article = {**article, "text": "The ferry sails again on Tuesday."}
    while (response := client.post("/v1/articles", json=article)).status_code != 202:
        assert time.monotonic() < deadline, response.get_json()
        time.sleep(0.5)
    second = response.get_json()
    assert second["cached"] is False
    run_burst_worker(sentinel_url, queue)
    assert client.get(f"/v1/jobs/{second['id']}").get_json()["status"] == "finished"
    assert client.get(f"/v1/jobs/{first['id']}").get_json()["status"] == "finished"


@pytest.mark.integration
def test_a_busy_sentinel_pool_waits_then_gives_up(sentinel_url: str) -> None:
    """All connections in use: a command waits for one, not opening one more."""
    redis = connect(sentinel_url, max_connections=2, pool_timeout=0.2)
    pool = redis.connection_pool
    held = [pool.get_connection() for _ in range(2)]
    with pytest.raises(RedisConnectionError, match="No connection available"):
        redis.ping()
    pool.release(held.pop())
    assert redis.ping()
    assert held[0].port == pool.get_master_address()[1]  # the master's, found via Sentinel
