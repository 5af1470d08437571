"""What a worker logs for a job: its id and timings as fields, never the article.

A real LeasedWorker and Redis, logging through the project's JSON handler.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from redis import Redis
from rq import Queue

from newsdesk import logs
from newsdesk.queueing import JOB_FUNCTION, SERIALIZER
from newsdesk.settings import load
from workers.worker import make_worker

SECRET = "The harbour board met in private about the Quillon Street sale"


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """The lines logged so far through the JSON handler a worker process sets up, which
    writes here to a buffer instead of stderr."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.configure("INFO")
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def run_jobs(redis_url: str, articles: list[dict]) -> list[str]:
    config = replace(load(), redis_url=redis_url, queue_name=f"logs-{uuid.uuid4().hex[:8]}")
    queue = Queue(config.queue_name, connection=Redis.from_url(redis_url), serializer=SERIALIZER)
    ids = [
        queue.enqueue_call(JOB_FUNCTION, args=(article,), job_id=str(uuid.uuid4()), meta={}).id
        for article in articles
    ]
    make_worker(queue, config).work(burst=True)
    return ids


def test_a_failed_job_is_logged_without_its_article(
    redis_url: str, log_lines: Callable[[], list[dict]]
) -> None:
    # A title that is not a string makes the pipeline raise: RQ logs the failure, and
    # would attach the job's arguments (the article) to that record.
    (job_id,) = run_jobs(redis_url, [{"text": SECRET, "title": 42, "analyses": ["cleanup"]}])
    lines = log_lines()
    assert SECRET not in json.dumps(lines)
    errors = [line for line in lines if line["level"] == "error"]
    assert errors and all(line["job_id"] == job_id for line in errors)
    assert any(line["event"] == "job failed" and line["job_id"] == job_id for line in lines)


def test_a_job_is_logged_once_as_it_starts_and_once_as_it_ends(
    redis_url: str, log_lines: Callable[[], list[dict]]
) -> None:
    (job_id,) = run_jobs(redis_url, [{"text": SECRET, "analyses": ["stats"]}])
    lines = log_lines()
    assert SECRET not in json.dumps(lines)
    about_the_job = [line for line in lines if job_id in json.dumps(line)]
    assert [line["event"] for line in about_the_job] == ["job started", "job finished"]
    assert about_the_job[1]["timings"]["total"] > 0
