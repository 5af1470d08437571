"""Stopping a job that is already running: a flag in Redis that the job checks between steps.

Workers are RQ `SimpleWorker`s (see workers.worker): the job runs in the worker's own
process, and RQ's `stop-job` command only kills a forked work-horse, which a
SimpleWorker does not have (its `kill_horse` does nothing). So a stop is cooperative:
the API sets the flag, and the job looks at it before each analysis step
(workers.pipeline) and ends `canceled` at the first one after the flag is seen. A step
in progress (one spaCy parse, say) runs to its end first.

So that the checks cost no Redis round trip of their own, the flag is read once as the job
starts (a job cancelled while it waited stops before its first step): a LeasedWorker reads
it in the transaction that starts the job. After that the worker's lease thread reads it
once a second (`POLL_SECONDS`) and the checkpoints only look at what it saw (`WATCH`). A job
run by any other worker reads Redis at each checkpoint. A cancel therefore takes effect at
the first step that begins after the next poll: within about a second plus the step in
progress.
"""

from __future__ import annotations

from redis import Redis

_KEY = "newsdesk:cancel:{}"
# How often a worker looks for a cancel of the job it is running.
POLL_SECONDS = 1.0


class JobCanceled(Exception):
    """Raised inside a job whose caller asked to cancel it."""


def cancel_key(job_id: str) -> str:
    return _KEY.format(job_id)


def request_cancel(redis: Redis, job_id: str, ttl: int) -> None:
    """Ask the job to stop; the flag outlives any run of the job (`ttl` seconds)."""
    redis.set(cancel_key(job_id), b"1", ex=max(ttl, 1))


def cancel_requested(redis: Redis, job_id: str) -> bool:
    return bool(redis.exists(cancel_key(job_id)))


class CancelWatch:
    """What this process's lease threads have seen of the cancel flags of running jobs.

    A job watched here is polled by its worker's lease thread; the job's checkpoints ask
    `requested`, which for a watched job is a set lookup, not a Redis call. A job run by
    anything else (a plain RQ worker) is not watched and reads Redis at each checkpoint.
    Set operations are atomic under the GIL, so the two threads need no lock.
    """

    def __init__(self) -> None:
        self._watched: set[str] = set()
        self._canceled: set[str] = set()

    def start(self, job_id: str, canceled: bool = False) -> None:
        """Watch the job from now on; `canceled` is its flag as the worker read it."""
        if canceled:
            self._canceled.add(job_id)
        else:
            self._canceled.discard(job_id)
        self._watched.add(job_id)

    def stop(self, job_id: str) -> None:
        self._watched.discard(job_id)
        self._canceled.discard(job_id)

    def poll(self, redis: Redis, job_id: str) -> None:
        """Read the job's flag once (called by the lease thread)."""
        if job_id in self._watched and cancel_requested(redis, job_id):
            self._canceled.add(job_id)

    def requested(self, redis: Redis, job_id: str) -> bool:
        if job_id in self._watched:
            return job_id in self._canceled
        return cancel_requested(redis, job_id)


# One per process: a worker runs one job at a time, in its own process.
WATCH = CancelWatch()
