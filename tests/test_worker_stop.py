"""A worker's stop is not held up by RQ's command-listening thread.

RQ starts that thread sleeping 60 s at a time and, when the worker stops, waits for it
with no limit; after the worker has unsubscribed the thread can sleep out the minute.
Real Redis, the real worker classes.
"""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue

from newsdesk.queueing import SERIALIZER
from workers.worker import PUBSUB_WAKE_SECONDS, LeasedWorker, PromptSimpleWorker


@pytest.mark.integration
@pytest.mark.parametrize("worker_class", [LeasedWorker, PromptSimpleWorker])
def test_the_command_thread_ends_soon_after_unsubscribing(
    redis_url: str, worker_class: type
) -> None:
    redis = Redis.from_url(redis_url)
    queue = Queue("stopping", connection=redis, serializer=SERIALIZER)
    worker = worker_class([queue], connection=redis, serializer=SERIALIZER)
    worker.subscribe()
    thread = worker.pubsub_thread
    assert thread.is_alive()
    assert thread.sleep_time == PUBSUB_WAKE_SECONDS
    worker.unsubscribe()  # RQ's own: unsubscribe, then stop and join the thread
    thread.join(10 * PUBSUB_WAKE_SECONDS)
    assert not thread.is_alive()
