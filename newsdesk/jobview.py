"""A job as clients see it: its five statuses, its view, and reading it from Redis.

The API answers with this view and the webhook worker sends it, so both build it here.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from redis import Redis
from rq.job import Job, JobStatus

from newsdesk import rqstore
from newsdesk.keys import ANONYMOUS

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

# A failed job whose worker vanished (on every attempt) has no error of ours in its meta.
_LOST = {
    "type": "worker_lost",
    "message": "The worker running this job stopped unexpectedly on every attempt.",
}


class JobNotFound(LookupError):
    pass


def status_of(rq_status: str) -> str:
    """The client's status for one of RQ's."""
    return _STATUS.get(rq_status, "queued")


def check_id(job_id: str) -> None:
    """JobNotFound for anything that is not a job id, before Redis is asked."""
    try:
        uuid.UUID(job_id)
    except ValueError:
        raise JobNotFound(job_id) from None


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def describe(
    job_id: str,
    rq_status: str,
    created_at: datetime | None,
    started_at: datetime | None,
    ended_at: datetime | None,
    meta: dict[str, Any],
    *,
    with_result: bool,
) -> dict[str, Any]:
    """A job as clients see it; `result` is None here, to be filled in by the caller."""
    status = status_of(rq_status)
    if meta.get("canceled") and status in ENDED:
        status = "canceled"  # a running job that stopped at a cancel ends `failed` in RQ
    view: dict[str, Any] = {
        "id": job_id,
        "status": status,
        "created_at": iso(created_at),
        "started_at": iso(started_at) if status != "queued" else None,
        "ended_at": (iso(ended_at) or meta.get("canceled_at")) if status in ENDED else None,
        "analyses": meta.get("analyses", []),
        "options": meta.get("options", {}),
        "metadata": meta.get("metadata"),
        "timings": meta.get("timings", {}),
        "cached": bool(meta.get("cached", False)),
        "batch_id": meta.get("batch_id"),
        "webhook": _webhook_view(meta.get("webhook")),
    }
    if status == "finished" and with_result:
        view["result"] = None
    elif status == "failed":
        view["error"] = meta.get("error") or _LOST
    return view


def describe_job(job: Job, *, with_result: bool = True) -> dict[str, Any]:
    """The view of a job RQ has read (its result, if any, read from Redis)."""
    view = describe(
        job.id,
        job.get_status(refresh=False),
        job.created_at,
        job.started_at,
        job.ended_at,
        job.meta,
        with_result=with_result,
    )
    if "result" in view:
        view["result"] = job.return_value()
    return view


def _webhook_view(webhook: dict[str, Any] | None) -> dict[str, Any] | None:
    if not webhook:
        return None
    return {
        "url": webhook["url"],
        "state": webhook.get("state", "pending"),
        "attempts": webhook.get("attempts", []),
    }


def read(redis: Redis, job_id: str, owner: str | None = None) -> tuple[dict, bytes | None]:
    """The job's view and its result as the JSON it is stored as (None when it has none),
    in one round trip; the view holds `result: None` for a finished job.

    Only the job fields the view needs are read: RQ's Job.fetch would also read and
    decompress the article, and parsing the result only to encode it again would cost the
    API more than the rest of a request. With `owner`, another owner's job is not found,
    exactly like an unknown one.
    """
    check_id(job_id)
    stored = rqstore.read_job(redis, job_id)
    if stored is None:
        raise JobNotFound(job_id)
    if owner is not None and stored.meta.get("owner", ANONYMOUS) != owner:
        raise JobNotFound(job_id)
    view = describe(
        job_id,
        stored.status,
        stored.created_at,
        stored.started_at,
        stored.ended_at,
        stored.meta,
        with_result=True,
    )
    return view, stored.result if "result" in view else None


def get(redis: Redis, job_id: str, owner: str | None = None) -> dict:
    """The job's view with its result parsed."""
    view, result = read(redis, job_id, owner)
    if "result" in view:
        view["result"] = json.loads(result) if result is not None else None
    return view
