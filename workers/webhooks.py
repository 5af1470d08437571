"""The webhook delivery job: POST an ended job to its `callback_url`, signed, and record it.

Runs on the webhook queue (`newsdesk worker --webhooks`), never on an analysis worker.
A failed attempt raises, and RQ schedules the next one after the backoff the job was queued
with (newsdesk.webhooks.retry_intervals); the delivery job's id is the `webhook-id`, the same
on every retry, so a receiver can drop a delivery it has already handled.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from rq import get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

import newsdesk
from newsdesk import jobview
from newsdesk.keys import ANONYMOUS, KeyProblem, KeyStore
from newsdesk.queueing import SERIALIZER
from newsdesk.settings import load
from newsdesk.webhooks import UnsafeCallback, allowed_hosts, check_callback_url, sign_webhook

log = logging.getLogger("newsdesk.webhooks")
USER_AGENT = f"Newsdesk-Webhooks/{newsdesk.__version__}"


class DeliveryFailed(RuntimeError):
    """This attempt did not get a 2xx answer; RQ retries it after the backoff."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _record(redis: Any, job_id: str, attempt: dict[str, Any] | None, state: str) -> None:
    """Add an attempt to the analysis job's `webhook`, unless the job has expired meanwhile
    (writing its meta then would leave a stray key without a TTL)."""
    try:
        job = Job.fetch(job_id, connection=redis, serializer=SERIALIZER)
    except NoSuchJobError:
        return
    webhook = dict(job.meta.get("webhook") or {})
    if attempt is not None:
        webhook["attempts"] = [*webhook.get("attempts", []), attempt]
    webhook["state"] = state
    job.meta["webhook"] = webhook
    if redis.exists(job.key):
        job.save_meta()


def deliver(job_id: str) -> dict[str, Any]:
    delivery = get_current_job()
    assert delivery is not None, "deliver runs as an RQ job"
    redis = delivery.connection
    config = load()
    owner = delivery.meta.get("owner", ANONYMOUS)
    last_try = not delivery.retries_left

    # The body is fixed at the first attempt, so every retry sends the same bytes.
    body = delivery.meta.get("body")
    if body is None:
        try:
            view = jobview.get(redis, job_id)
        except jobview.JobNotFound:
            log.warning("webhook dropped: job expired", extra={"job_id": job_id})
            return {"state": "gone"}
        if view["status"] not in jobview.ENDED:
            # A job failed by RQ's cleanup after its worker died is queued for delivery just
            # before its status is written: try again after the first backoff.
            raise DeliveryFailed("the job has not ended yet")
        body = json.dumps(view, separators=(",", ":"), ensure_ascii=False)
        delivery.meta["body"] = body
        delivery.meta["url"] = (view.get("webhook") or {}).get("url")
        delivery.save_meta()
    url = delivery.meta["url"]
    attempt: dict[str, Any] = {"at": _now(), "status_code": None, "error": None}

    try:  # again at every attempt: the name may resolve elsewhere now (DNS rebinding)
        target = check_callback_url(url, allowed_hosts(config.webhook_allowed_hosts))
    except UnsafeCallback as exc:
        attempt["error"] = f"refused: {exc}"
        _record(redis, job_id, attempt, "failed")
        log.warning("webhook refused", extra={"job_id": job_id, "error": str(exc)})
        return {"state": "refused"}  # no retry: the URL is the problem, not the receiver

    try:
        # Keys from NEWSDESK_API_KEYS sign with a secret derived from the key itself.
        secret = KeyStore(redis, config.env_keys).signing_secret(owner)
    except KeyProblem:  # the key was revoked since: nobody left to deliver to
        attempt["error"] = "the API key that made the job has been revoked"
        _record(redis, job_id, attempt, "failed")
        return {"state": "revoked"}

    raw = body.encode()
    timestamp = int(time.time())
    msg_id = f"msg_{delivery.id}"
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    headers = {
        "Host": host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, msg_id, timestamp, raw),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        # To the address just checked, not to a fresh lookup of the name.
        with httpx.Client(timeout=config.webhook_timeout, follow_redirects=False) as http:
            request = http.build_request(
                "POST", target.connect_url(url), content=raw, headers=headers, extensions=extensions
            )
            response = http.send(request)
        attempt["status_code"] = response.status_code
        delivered = response.is_success
    except httpx.HTTPError as exc:
        attempt["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        delivered = False

    if delivered:
        _record(redis, job_id, attempt, "delivered")
        log.info("webhook delivered", extra={"job_id": job_id, "delivery_id": delivery.id})
        return {"state": "delivered", "status_code": attempt["status_code"]}
    _record(redis, job_id, attempt, "failed" if last_try else "pending")
    log.warning(
        "webhook attempt failed",
        extra={
            "job_id": job_id,
            "delivery_id": delivery.id,
            "status_code": attempt["status_code"],
            "error": attempt["error"],
            "retries_left": delivery.retries_left,
        },
    )
    raise DeliveryFailed(attempt["error"] or f"HTTP {attempt['status_code']}")
