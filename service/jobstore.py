"""The thin layer between HTTP and RQ: put an article on the queue, read a job back.

Everything RQ-specific the API needs stays here, so routes deal in plain dicts.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from newsdesk import jobmetrics
from newsdesk.jobcontrol import request_cancel
from newsdesk.keys import ANONYMOUS
from newsdesk.queueing import JOB_FUNCTION, SERIALIZER
from newsdesk.settings import Config

# RQ has more states than a client needs to care about; these are the five we promise.
_STATUS = {
    JobStatus.CREATED: "queued",
    JobStatus.QUEUED: "queued",
    JobStatus.DEFERRED: "queued",
    JobStatus.SCHEDULED: "queued",
    JobStatus.STARTED: "started",
    JobStatus.FINISHED: "finished",
    JobStatus.FAILED: "failed",
    JobStatus.STOPPED: "failed",
    JobStatus.CANCELED: "canceled",
}
ENDED = frozenset({"finished", "failed", "canceled"})
# Each owner's job ids, scored by creation time: what GET /v1/jobs pages through.
OWNER_INDEX = "newsdesk:jobs:by-owner:{}"
# Index entries read per round when a status filter skips most of them, and per request.
_SCAN_BATCH = 100
_SCAN_LIMIT = 1000
_QUEUE_SLACK = 24 * 3600  # seconds a job may wait in the queue and still be listed

# A failed job whose worker vanished (on every attempt) has no error of ours in its meta.
_LOST = {
    "type": "worker_lost",
    "message": "The worker running this job stopped unexpectedly on every attempt.",
}


class JobNotFound(LookupError):
    pass


class JobEnded(RuntimeError):
    """The job has already finished, failed or been cancelled: nothing left to cancel."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class BadCursor(ValueError):
    pass


def _encode_cursor(score: float, job_id: str) -> str:
    return base64.urlsafe_b64encode(f"{score!r}|{job_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        score, job_id = raw.split("|", 1)
        uuid.UUID(job_id)
        return float(score), job_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


class JobStore:
    def __init__(self, redis: Redis, config: Config) -> None:
        self.redis = redis
        self.config = config
        self.queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)

    def submit(
        self,
        article: dict[str, Any],
        analyses: list[str],
        metadata: Any,
        *,
        owner: str = ANONYMOUS,
    ) -> dict:
        """Queue one article for `owner` (a key's name) and return its job as the API shows it."""
        job_id = str(uuid.uuid4())
        job = self.queue.enqueue_call(
            JOB_FUNCTION,
            args=({**article, "analyses": analyses},),
            job_id=job_id,
            timeout=self.config.job_timeout,
            # Only a worker dying mid-job uses these (see workers.worker.LeasedWorker).
            retry=Retry(max=self.config.job_attempts - 1) if self.config.job_attempts > 1 else None,
            result_ttl=self.config.result_ttl,
            failure_ttl=self.config.failure_ttl,
            meta={
                "analyses": analyses,
                "options": article.get("options", {}),
                "metadata": metadata,
                "owner": owner,
            },
            description=f"analyze article ({len(article.get('text', ''))} chars)",
        )
        self._index(job, owner)
        return self._view(job)

    def get(self, job_id: str, wait: float = 0, *, owner: str | None = None) -> dict:
        """The job now, or as soon as it ends if that is within `wait` seconds.

        With `owner`, another owner's job is not found, exactly like an unknown one.
        """
        job = self._fetch(job_id, owner)
        if wait <= 0 or _STATUS.get(job.get_status(refresh=False), "queued") in ENDED:
            return self._view(job)  # the common poll: one read of the job, no second one
        deadline = time.monotonic() + wait
        delay = 0.02
        while _STATUS.get(job.get_status(refresh=True), "queued") not in ENDED:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(delay, remaining))
            delay = min(delay * 1.5, 0.2)
        return self._view(self._fetch(job_id))

    def _fetch(self, job_id: str, owner: str | None = None) -> Job:
        try:
            uuid.UUID(job_id)
        except ValueError:
            raise JobNotFound(job_id) from None
        try:
            job = Job.fetch(job_id, connection=self.redis, serializer=SERIALIZER)
        except NoSuchJobError:
            raise JobNotFound(job_id) from None
        if owner is not None and job.meta.get("owner", ANONYMOUS) != owner:
            raise JobNotFound(job_id)
        return job

    # --- job control: cancel, list by owner ---

    def _index(self, job: Job, owner: str) -> None:
        """Add the job to its owner's list, and drop entries too old to be kept anyway.

        An owner that never lists its jobs must not grow its index for ever: a job is
        gone a TTL after it ends, so anything created longer ago than the longest TTL,
        a whole job run and a day in the queue is dropped (listing also drops the
        ids of expired jobs it meets).
        """
        created = job.created_at.timestamp() if job.created_at else time.time()
        horizon = max(self.config.result_ttl, self.config.failure_ttl)
        horizon += self.config.job_timeout + _QUEUE_SLACK
        key = OWNER_INDEX.format(owner)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {job.id: created})
            pipe.zremrangebyscore(key, "-inf", f"({created - horizon!r}")
            pipe.execute()

    def cancel(self, job_id: str, owner: str) -> dict:
        """Cancel a queued job (it never runs) or ask a running one to stop.

        A queued job is `canceled` at once. A running job stops before its next analysis
        step (see newsdesk.jobcontrol); until then it shows `started`.
        """
        job = self._fetch(job_id, owner)
        status = _STATUS.get(job.get_status(refresh=False), "queued")
        if status in ENDED:
            raise JobEnded(status)
        # The flag first: a worker taking the job right now sees it before the first step.
        request_cancel(self.redis, job.id, self.config.job_timeout + self.config.failure_ttl)
        if status == "queued":
            with self.redis.pipeline() as pipe:
                job.meta["canceled"] = True
                job.meta["canceled_at"] = _iso(datetime.now(UTC))
                job.save_meta()
                job.cancel(pipeline=pipe)
                pipe.expire(job.key, self.config.failure_ttl)
                pipe.execute()
            jobmetrics.record_job(self.redis, job.origin, "canceled", {})
        return self._view(self._fetch(job_id, owner))

    def list(
        self, owner: str, *, status: str | None = None, limit: int = 20, cursor: str | None = None
    ) -> tuple[list[dict], str | None]:
        """`owner`'s jobs, newest first: one page and the cursor of the next (None at the end).

        Ids of expired jobs are dropped from the index as they are met. With a status
        filter, at most `_SCAN_LIMIT` entries are read per call, so a page may hold fewer
        than `limit` jobs and still have a next cursor.
        """
        key = OWNER_INDEX.format(owner)
        after = _decode_cursor(cursor) if cursor else None
        top: float | str = after[0] if after else "+inf"
        page: list[dict] = []
        last: tuple[float, str] | None = None
        scanned = 0
        offset = 0
        while len(page) < limit and scanned < _SCAN_LIMIT:
            entries = self.redis.zrevrangebyscore(
                key, top, "-inf", start=offset, num=_SCAN_BATCH, withscores=True
            )
            if not entries:
                return page, None
            ids = [(member.decode(), score) for member, score in entries]
            if after:  # same score as the cursor: skip those at or before it
                ids = [(i, s) for i, s in ids if s < after[0] or i < after[1]]
            jobs = Job.fetch_many([i for i, _ in ids], connection=self.redis, serializer=SERIALIZER)
            gone = [i for (i, _), job in zip(ids, jobs, strict=True) if job is None]
            if gone:
                self.redis.zrem(key, *gone)
            offset += len(entries) - len(gone)  # the removed ones no longer take a place
            for (job_id, score), job in zip(ids, jobs, strict=True):
                scanned += 1
                last = (score, job_id)
                if job is None:
                    continue
                view = self._view(job, with_result=False)
                if status is None or view["status"] == status:
                    page.append(view)
                    if len(page) == limit:
                        break
                if scanned >= _SCAN_LIMIT:
                    break
            if len(entries) < _SCAN_BATCH and len(page) < limit and scanned < _SCAN_LIMIT:
                return page, None
        if last is None or not self._more_after(key, last):
            return page, None
        return page, _encode_cursor(*last)

    def _more_after(self, key: str, last: tuple[float, str]) -> bool:
        """Whether the index holds an entry older than `last`, so a next page exists."""
        score, job_id = last
        if self.redis.zcount(key, "-inf", f"({score!r}"):
            return True
        same = self.redis.zrangebyscore(key, score, score)
        return any(member.decode() < job_id for member in same)

    # --- end job control ---

    def _view(self, job: Job, *, with_result: bool = True) -> dict:
        status = _STATUS.get(job.get_status(refresh=False), "queued")
        if job.meta.get("canceled") and status in ENDED:
            status = "canceled"  # a running job that stopped at a cancel ends `failed` in RQ
        view: dict[str, Any] = {
            "id": job.id,
            "status": status,
            "created_at": _iso(job.created_at),
            "started_at": _iso(job.started_at) if status != "queued" else None,
            "ended_at": (_iso(job.ended_at) or job.meta.get("canceled_at"))
            if status in ENDED
            else None,
            "analyses": job.meta.get("analyses", []),
            "options": job.meta.get("options", {}),
            "metadata": job.meta.get("metadata"),
            "timings": job.meta.get("timings", {}),
        }
        if status == "finished" and with_result:
            view["result"] = job.return_value()
        elif status == "failed":
            view["error"] = job.meta.get("error") or _LOST
        return view
