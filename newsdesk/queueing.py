"""What the API and the workers must agree on about the queue, in one place.

The API refers to the job function by its dotted path so that it never imports
the analysis code (and with it spaCy); both sides use the JSON serializer so that
jobs in Redis are plain data, readable by any tool.

When a job ends, its worker also pushes one element to the job's "ended" list, in
the same transaction that stores the outcome. A long-poll (`?wait=`) blocks on
that list instead of reading the job over and over: it wakes the moment the job
ends, and costs Redis one blocked command while it waits.
"""

from __future__ import annotations

from redis import Redis
from redis.client import Pipeline
from rq.serializers import JSONSerializer

JOB_FUNCTION = "workers.jobs.analyze_article"
SERIALIZER = JSONSerializer

# Redis keys the API and the workers share (issue 6, part B).
# reuse key (SHA-256 of a canonical request) -> id of the finished job with its result
REUSE_KEY_PREFIX = "newsdesk:reuse:"
# batch id -> the batch as JSON (owner, jobs, refused articles)
BATCH_KEY_PREFIX = "newsdesk:batch:"


# Long enough for a waiter that read the job just before it ended to find the marker.
ENDED_TTL = 60


def ended_key(job_id: str) -> str:
    return f"newsdesk:ended:{job_id}"


def announce_end(pipeline: Pipeline, job_id: str) -> None:
    """Queue, on the pipeline that ends the job, the marker its long-polls wait for."""
    key = ended_key(job_id)
    pipeline.rpush(key, 1)
    pipeline.expire(key, ENDED_TTL)


def wait_for_end(redis: Redis, job_id: str, seconds: float) -> bool:
    """Block up to `seconds` for the job's end marker; True when it is there.

    The marker stays in place (it is moved onto its own list), so every waiter sees it.
    """
    key = ended_key(job_id)
    return redis.blmove(key, key, seconds, "RIGHT", "LEFT") is not None
