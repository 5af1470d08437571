"""A LeasedWorker keeps renewing the lease of a job that runs for several leases.

Its lease thread lives as long as the worker and renews whichever job is in hand; a job
whose lease lapsed would be put back on the queue by another worker's maintenance while
it still runs. Real Redis, a real LeasedWorker in this process running a job that sleeps.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace

from redis import Redis
from rq import Queue
from rq.job import Job

from newsdesk.queueing import SERIALIZER
from newsdesk.settings import load
from workers.worker import make_worker

LEASE = 2  # seconds: the job below runs for two and a half leases


def test_a_long_job_keeps_its_lease_to_the_end(redis_url: str) -> None:
    config = replace(load(), redis_url=redis_url, queue_name=f"lease-{uuid.uuid4().hex[:8]}")
    config = replace(config, job_lease=LEASE)
    redis = Redis.from_url(redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    job = queue.enqueue_call("time.sleep", args=(LEASE * 2.5,), job_id=str(uuid.uuid4()))
    worker = make_worker(queue, config)

    # (a moment, the lease's expiry as read just after it) while the job is registered
    seen: list[tuple[float, float]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            moment = time.time()  # before the read: a read served late still holds
            entries = redis.zrange(queue.started_job_registry.key, 0, -1, withscores=True)
            if entries:
                seen.append((moment, entries[0][1]))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    worker.work(burst=True)  # in the main thread: RQ sets its signal handlers
    done.set()
    watcher.join(5)

    ended = Job.fetch(job.id, connection=redis, serializer=SERIALIZER)
    assert ended.get_status() == "finished"
    # Once the job has returned its lease is let go, and the transaction that ends it takes
    # it off the registry: what a busy machine shows between the two is not the job running.
    running = [(moment, expiry) for moment, expiry in seen if moment < ended.ended_at.timestamp()]
    assert running, "the job was never seen in the started registry"
    # Renewed while it ran (the first expiry is start + one lease) ...
    assert max(expiry for _, expiry in running) > min(expiry for _, expiry in running) + LEASE
    # ... and never allowed to lapse.
    assert all(expiry > moment for moment, expiry in running)
    assert redis.zcard(queue.started_job_registry.key) == 0
    assert queue.count == 0
