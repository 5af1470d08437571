"""The thin layer between HTTP and RQ: put an article on the queue, read a job back.

Everything RQ-specific the API needs stays here, so routes deal in plain dicts.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from newsdesk.duplicate_index import DuplicateIndex
from newsdesk.queueing import JOB_FUNCTION, SERIALIZER
from newsdesk.settings import Config
from newsdesk.similarity import Thresholds

# RQ has more states than a client needs to care about; these are the four we promise.
_STATUS = {
    JobStatus.CREATED: "queued",
    JobStatus.QUEUED: "queued",
    JobStatus.DEFERRED: "queued",
    JobStatus.SCHEDULED: "queued",
    JobStatus.STARTED: "started",
    JobStatus.FINISHED: "finished",
    JobStatus.FAILED: "failed",
    JobStatus.STOPPED: "failed",
    JobStatus.CANCELED: "failed",
}
ENDED = frozenset({"finished", "failed"})

# A failed job whose worker vanished (on every attempt) has no error of ours in its meta.
_LOST = {
    "type": "worker_lost",
    "message": "The worker running this job stopped unexpectedly on every attempt.",
}


class JobNotFound(LookupError):
    pass


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


class JobStore:
    def __init__(self, redis: Redis, config: Config) -> None:
        self.redis = redis
        self.config = config
        self.queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)

    def submit(self, article: dict[str, Any], analyses: list[str], metadata: Any) -> dict:
        """Queue one article and return its job as the API shows it."""
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
            },
            description=f"analyze article ({len(article.get('text', ''))} chars)",
        )
        return self._view(job)

    def get(self, job_id: str, wait: float = 0) -> dict:
        """The job now, or as soon as it ends if that is within `wait` seconds."""
        job = self._fetch(job_id)
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

    def similar(self, job_id: str) -> dict:
        """Jobs similar to this one now, looked up afresh: later jobs are found too."""
        job = self._fetch(job_id)
        index = DuplicateIndex(
            self.redis,
            job.meta.get("owner", "anonymous"),
            Thresholds(self.config.duplicate_near, self.config.duplicate_same_story),
            self.config.duplicate_max_matches,
        )
        record = index.record(job.id)
        if record is None:
            return {"job_id": job.id, "indexed": False, "matches": []}
        matches = index.lookup(record.fingerprint, exclude=job.id)
        return {"job_id": job.id, "indexed": True, "matches": matches}

    def _fetch(self, job_id: str) -> Job:
        try:
            uuid.UUID(job_id)
        except ValueError:
            raise JobNotFound(job_id) from None
        try:
            return Job.fetch(job_id, connection=self.redis, serializer=SERIALIZER)
        except NoSuchJobError:
            raise JobNotFound(job_id) from None

    def _view(self, job: Job) -> dict:
        status = _STATUS.get(job.get_status(refresh=False), "queued")
        view: dict[str, Any] = {
            "id": job.id,
            "status": status,
            "created_at": _iso(job.created_at),
            "started_at": _iso(job.started_at) if status != "queued" else None,
            "ended_at": _iso(job.ended_at) if status in ENDED else None,
            "analyses": job.meta.get("analyses", []),
            "options": job.meta.get("options", {}),
            "metadata": job.meta.get("metadata"),
            "timings": job.meta.get("timings", {}),
        }
        if status == "finished":
            view["result"] = job.return_value()
        elif status == "failed":
            view["error"] = job.meta.get("error") or _LOST
        return view
