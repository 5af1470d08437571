"""Stopping a job that is already running: a flag in Redis that the job checks between steps.

Workers are RQ `SimpleWorker`s (see workers.worker): the job runs in the worker's own
process, and RQ's `stop-job` command only kills a forked work-horse, which a
SimpleWorker does not have (its `kill_horse` does nothing). So a stop is cooperative:
the API sets the flag, and the job looks at it before each analysis step
(workers.pipeline) and ends `canceled` at the first one after the flag appears. A step
in progress (one spaCy parse, say) runs to its end first.
"""

from __future__ import annotations

from redis import Redis

_KEY = "newsdesk:cancel:{}"


class JobCanceled(Exception):
    """Raised inside a job whose caller asked to cancel it."""


def cancel_key(job_id: str) -> str:
    return _KEY.format(job_id)


def request_cancel(redis: Redis, job_id: str, ttl: int) -> None:
    """Ask the job to stop; the flag outlives any run of the job (`ttl` seconds)."""
    redis.set(cancel_key(job_id), b"1", ex=max(ttl, 1))


def cancel_requested(redis: Redis, job_id: str) -> bool:
    return bool(redis.exists(cancel_key(job_id)))
