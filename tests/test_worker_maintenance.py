"""Registry maintenance in the worker: its lock never outlives a stop mid-cleaning by long.

RQ's own lock lasts 899 s and is left held when cleaning stops half-way; while it is held
no worker puts a dead worker's job back on the queue. Real Redis, a real LeasedWorker.
"""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue
from rq.exceptions import StopRequested

from newsdesk.queueing import SERIALIZER
from workers import worker as worker_module
from workers.worker import MAINTENANCE_LOCK_SECONDS, LeasedWorker


@pytest.fixture
def leased(redis_url: str) -> LeasedWorker:
    redis = Redis.from_url(redis_url)
    queue = Queue("maintenance", connection=redis, serializer=SERIALIZER)
    return LeasedWorker([queue], connection=redis, serializer=SERIALIZER)


def test_maintenance_releases_its_lock(leased: LeasedWorker) -> None:
    leased.clean_registries()
    assert not leased.connection.exists(leased.queues[0].registry_cleaning_key)
    assert leased.last_cleaned_at is not None


def test_a_stop_in_the_middle_of_maintenance_leaves_no_lock(
    leased: LeasedWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = leased.queues[0].registry_cleaning_key
    seen: list[int] = []

    def stopped_half_way(queue: Queue, handlers: list) -> None:
        seen.append(leased.connection.ttl(key))
        raise StopRequested()  # what RQ raises on SIGTERM while the worker is idle

    monkeypatch.setattr(worker_module, "clean_registries", stopped_half_way)
    with pytest.raises(StopRequested):
        leased.clean_registries()
    assert 0 < seen[0] <= MAINTENANCE_LOCK_SECONDS  # bounded even if the process had died
    assert not leased.connection.exists(key)


def test_a_lock_held_by_another_worker_is_respected(
    leased: LeasedWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = leased.queues[0].registry_cleaning_key
    leased.connection.set(key, 1, ex=30)
    ran: list[Queue] = []
    monkeypatch.setattr(worker_module, "clean_registries", lambda q, h: ran.append(q))
    leased.clean_registries()
    assert ran == []
    assert leased.connection.exists(key)
