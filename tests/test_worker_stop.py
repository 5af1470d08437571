"""A worker stops when asked, and soon.

RQ starts its command-listening thread sleeping 60 s at a time and, when the worker stops,
waits for it with no limit; after the worker has unsubscribed the thread can sleep out the
minute. And RQ lost a stop that came while a job's end was being written. Real Redis, the
real worker classes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from redis import Redis
from redis.client import Pipeline
from rq import Queue
from rq.job import Job

from newsdesk.queueing import SERIALIZER
from workers import prompt_stop
from workers.prompt_stop import PUBSUB_WAKE_SECONDS, PromptSimpleWorker
from workers.worker import LeasedWorker


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


def stock_job() -> str:
    return "done"


@pytest.mark.integration
@pytest.mark.parametrize("worker_class", [LeasedWorker, PromptSimpleWorker])
def test_a_stop_that_comes_as_a_job_ends_stops_the_worker_after_that_job(
    redis_url: str, worker_class: type
) -> None:
    """The stop comes while the transaction that ends the job is being written, when RQ
    already counts the worker idle: it must neither fail that job nor be lost."""
    redis = Redis.from_url(redis_url)
    queue = Queue("stopping", connection=redis, serializer=SERIALIZER)
    first = queue.enqueue_call(f"{__name__}.stock_job", job_id=str(uuid.uuid4()))
    second = queue.enqueue_call(f"{__name__}.stock_job", job_id=str(uuid.uuid4()))

    class StoppedAsTheJobEnds(worker_class):  # type: ignore[misc, valid-type]
        def cleanup_execution(self, job: Job, pipeline: Pipeline) -> None:
            super().cleanup_execution(job, pipeline)
            os.kill(os.getpid(), signal.SIGTERM)  # as `serve` or an orchestrator would

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        StoppedAsTheJobEnds([queue], connection=redis, serializer=SERIALIZER).work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert first.get_status() == "finished"
    assert second.get_status() == "queued", "the worker went on after it was asked to stop"


def deaf_to_sigterm(ready: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready.set()
    while True:
        time.sleep(1)


@pytest.mark.integration
def test_a_scheduler_process_that_missed_its_stop_is_killed(redis_url: str) -> None:
    """A SIGTERM that reaches the scheduler process while it is being forked is lost; the
    worker must stop all the same."""
    redis = Redis.from_url(redis_url)
    queue = Queue("stopping", connection=redis, serializer=SERIALIZER)
    worker = PromptSimpleWorker([queue], connection=redis, serializer=SERIALIZER)
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    process = context.Process(target=deaf_to_sigterm, args=(ready,), daemon=True)
    process.start()
    assert ready.wait(30)
    worker.scheduler = SimpleNamespace(_process=process)
    worker.stop_scheduler()
    assert not process.is_alive()
    assert process.exitcode == -signal.SIGKILL


@pytest.mark.integration
def test_a_stop_lost_while_the_worker_started_still_stops_it(redis_url: str) -> None:
    """A stop that came before RQ took over the signals, and was swallowed by a fork's
    callbacks, stops the worker before it takes a job."""
    redis = Redis.from_url(redis_url)
    queue = Queue("stopping", connection=redis, serializer=SERIALIZER)
    job = queue.enqueue_call(f"{__name__}.stock_job", job_id=str(uuid.uuid4()))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    prompt_stop.STOP_ASKED_EARLY.set()
    try:
        PromptSimpleWorker([queue], connection=redis, serializer=SERIALIZER).work(burst=True)
    finally:
        prompt_stop.STOP_ASKED_EARLY.clear()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert job.get_status() == "queued"
