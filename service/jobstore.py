"""The thin layer between HTTP and RQ: put an article on the queue, read a job back.

Everything RQ-specific the API needs stays here, so routes deal in plain dicts.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.results import Result

from newsdesk import webhooks
from newsdesk.keys import ANONYMOUS
from newsdesk.queueing import BATCH_KEY_PREFIX, JOB_FUNCTION, REUSE_KEY_PREFIX, SERIALIZER
from newsdesk.results import REUSABLE_ANALYSES
from newsdesk.settings import Config

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


class BatchNotFound(LookupError):
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

    def submit(
        self,
        article: dict[str, Any],
        analyses: list[str],
        metadata: Any,
        *,
        owner: str = ANONYMOUS,
        callback_url: str | None = None,
        batch_id: str | None = None,
    ) -> dict:
        """Queue one article and return its job as the API shows it.

        An identical earlier request of the same owner whose job has finished gives a new
        job that is finished at once, with that result (see `_reuse`).
        """
        job_id = str(uuid.uuid4())
        meta: dict[str, Any] = {
            "analyses": analyses,
            "options": article.get("options", {}),
            "metadata": metadata,
            "owner": owner,
            "cached": False,
            "batch_id": batch_id,
        }
        if callback_url:
            meta["webhook"] = {"url": callback_url, "state": "pending", "attempts": []}
        reuse_key = self._reuse_key(owner, article, analyses)
        if reuse_key:
            meta["reuse_key"] = reuse_key
            reused = self._reuse(job_id, article, analyses, meta, reuse_key)
            if reused is not None:
                if callback_url:
                    self.enqueue_delivery(reused.id, owner)
                return self._view(reused)
        job = self.queue.enqueue_call(
            JOB_FUNCTION,
            args=({**article, "analyses": analyses},),
            job_id=job_id,
            timeout=self.config.job_timeout,
            # Only a worker dying mid-job uses these (see workers.worker.LeasedWorker).
            retry=Retry(max=self.config.job_attempts - 1) if self.config.job_attempts > 1 else None,
            result_ttl=self.config.result_ttl,
            failure_ttl=self.config.failure_ttl,
            meta=meta,
            description=_description(article),
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
            "cached": bool(job.meta.get("cached", False)),
            "batch_id": job.meta.get("batch_id"),
            "webhook": _webhook_view(job.meta.get("webhook")),
        }
        if status == "finished":
            view["result"] = job.return_value()
        elif status == "failed":
            view["error"] = job.meta.get("error") or _LOST
        return view

    # --- result reuse, batches and webhook deliveries (issue 6, part B) ----------------

    def _reuse_key(self, owner: str, article: dict[str, Any], analyses: list[str]) -> str:
        """SHA-256 of the canonical request, or "" when an analysis asked for is not reusable."""
        if not set(analyses) <= REUSABLE_ANALYSES:
            return ""
        return hashlib.sha256(canonical_request(owner, article, analyses)).hexdigest()

    def _reuse(
        self,
        job_id: str,
        article: dict[str, Any],
        analyses: list[str],
        meta: dict[str, Any],
        reuse_key: str,
    ) -> Job | None:
        """A new job, stored finished with the result of an identical finished job; or None.

        Workers record `reuse key -> job id` when a job finishes (workers.worker). The new job
        is written the way RQ stores a finished one (job hash, result, finished registry, TTL),
        so reading it, expiring it and counting it behave as for any other job. Nothing is
        queued and no model runs; `timings` stays empty, since nothing ran.
        """
        earlier_id = self.redis.get(REUSE_KEY_PREFIX + reuse_key)
        if earlier_id is None:
            return None
        try:
            earlier = Job.fetch(earlier_id.decode(), connection=self.redis, serializer=SERIALIZER)
        except NoSuchJobError:
            return None
        if earlier.get_status(refresh=False) != JobStatus.FINISHED:
            return None
        if earlier.meta.get("owner", ANONYMOUS) != meta["owner"]:
            return None  # the key includes the owner; this guards against a stale mapping
        result = earlier.return_value()
        if result is None:
            return None
        now = datetime.now(UTC)
        job = Job.create(
            JOB_FUNCTION,
            args=({**article, "analyses": analyses},),
            connection=self.redis,
            result_ttl=self.config.result_ttl,
            failure_ttl=self.config.failure_ttl,
            status=JobStatus.FINISHED,
            description=_description(article),
            timeout=self.config.job_timeout,
            id=job_id,
            origin=self.queue.name,
            meta={**meta, "cached": True, "cached_from": earlier.id},
            serializer=SERIALIZER,
        )
        job.enqueued_at = job.started_at = job.ended_at = now
        job._result = result
        with self.redis.pipeline() as pipe:
            job.save(pipeline=pipe)
            Result.create(
                job, Result.Type.SUCCESSFUL, self.config.result_ttl, result, pipeline=pipe
            )
            job.finished_job_registry.add(job, self.config.result_ttl, pipe)
            job.cleanup(self.config.result_ttl, pipeline=pipe)
            pipe.execute()
        return job

    def enqueue_delivery(self, job_id: str, owner: str) -> str:
        """Queue the webhook delivery of an ended job on the webhook queue; its id is the
        `webhook-id`, the same on every retry. A failed attempt raises, and RQ schedules the
        next one after the backoff (the delivery worker runs RQ's scheduler)."""
        intervals = webhooks.retry_intervals(self.config.webhook_retry_base)
        queue = Queue(
            webhooks.queue_name(self.config.queue_name),
            connection=self.redis,
            serializer=SERIALIZER,
        )
        delivery = queue.enqueue_call(
            webhooks.DELIVERY_FUNCTION,
            args=(job_id,),
            job_id=str(uuid.uuid4()),
            timeout=int(self.config.webhook_timeout) + 30,
            retry=Retry(max=len(intervals), interval=intervals),
            result_ttl=webhooks.RETRY_HORIZON_SECONDS,
            failure_ttl=webhooks.RETRY_HORIZON_SECONDS,
            meta={"job_id": job_id, "owner": owner},
            description=f"deliver webhook of job {job_id}",
        )
        return delivery.id

    def create_batch(
        self,
        owner: str,
        jobs: list[dict[str, Any]],
        errors: list[dict[str, Any]],
        callback_url: str | None,
        batch_id: str,
    ) -> dict:
        """Store a batch: who made it, its jobs (index and id) and its refused articles."""
        batch = {
            "id": batch_id,
            "owner": owner,
            "created_at": _iso(datetime.now(UTC)),
            "callback_url": callback_url,
            "jobs": [{"index": job["index"], "id": job["id"]} for job in jobs],
            "errors": errors,
        }
        self.redis.set(
            BATCH_KEY_PREFIX + batch["id"],
            json.dumps(batch, separators=(",", ":")),
            ex=self.config.result_ttl,
        )
        return batch

    def get_batch(self, batch_id: str, owner: str) -> dict:
        """The batch with each job's status now; another owner's batch is not found."""
        try:
            uuid.UUID(batch_id)
        except ValueError:
            raise BatchNotFound(batch_id) from None
        raw = self.redis.get(BATCH_KEY_PREFIX + batch_id)
        if raw is None:
            raise BatchNotFound(batch_id)
        batch = json.loads(raw)
        if batch["owner"] != owner:
            raise BatchNotFound(batch_id)
        # Only each job's status field, in one round trip: not 100 whole jobs with their texts.
        with self.redis.pipeline(transaction=False) as pipe:
            for entry in batch["jobs"]:
                pipe.hget(Job.key_for(entry["id"]), "status")
            statuses = pipe.execute()
        for entry, raw in zip(batch["jobs"], statuses, strict=True):
            entry["status"] = "expired" if raw is None else _STATUS.get(raw.decode(), "queued")
        return batch


def _description(article: dict[str, Any]) -> str:
    return f"analyze article ({len(article.get('text', ''))} chars)"


def _webhook_view(webhook: dict[str, Any] | None) -> dict[str, Any] | None:
    if not webhook:
        return None
    return {
        "url": webhook["url"],
        "state": webhook.get("state", "pending"),
        "attempts": webhook.get("attempts", []),
    }


def canonical_request(owner: str, article: dict[str, Any], analyses: list[str]) -> bytes:
    """The bytes that make two requests the same analysis: sorted keys, no whitespace."""
    fields = {key: value for key, value in article.items() if key != "analyses"}
    document = {"owner": owner, "article": fields, "analyses": sorted(analyses)}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
