"""`Idempotency-Key` on POST: a client may retry a submission without making a second job.

Per owner and key, Redis keeps for 24 hours the request's fingerprint (method, path and a
SHA-256 of the body as canonical JSON) and the response it got. A retry with the same body
gets that response again (same job or batch, same status code); the same key with another
body is a 422; a retry while the first request is still being handled is a 409. The
"being handled" mark is a `SET NX` with a short TTL, so a crashed API process cannot hold a
key for longer than that. Only successful answers are kept: a request refused as invalid
may be corrected and sent again under the same key. A view that writes its jobs in one
transaction keeps the answer in that same transaction (`remember`): then either the jobs
and the answer a retry gets both exist, or neither does, and no retry makes a job twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from redis.client import Pipeline

from newsdesk.keys import ANONYMOUS
from service.problems import Problem, validation_problem

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 255
KEEP_SECONDS = 24 * 3600
# Longest a request may hold its key before a retry may take over (a crashed process).
LOCK_SECONDS = 60
PREFIX = "newsdesk:idempotency:"

HEADER_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Any string of 1 to 255 characters, unique per submission (a UUID does). "
    "Kept 24 hours per API key: a retry with the same key and body gets the first answer "
    "again (the same job or batch, the same status) instead of a new job; the same key "
    "with another body gets 422; a retry while the first request is still being handled "
    "gets 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_CHARS},
}


def _header_problem(detail: str) -> Problem:
    return validation_problem([{"field": HEADER, "location": "header", "detail": detail}])


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    raw = (
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        if body is not None
        else request.get_data()
    )
    # A text/plain or text/html article carries its other fields in the query string.
    what = f"{request.method} {request.path}?".encode() + request.query_string + b"\n"
    return hashlib.sha256(what + raw).hexdigest()


def slot_key(owner: str, key: str) -> str:
    """Where the answer to `owner`'s request with `key` is kept (`+ ":lock"` while handled)."""
    return PREFIX + hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()


def _replay(stored: bytes, fingerprint: str) -> tuple[Any, int, dict[str, str]]:
    record = json.loads(stored)
    if record["fingerprint"] != fingerprint:
        raise Problem(
            422,
            "idempotency-conflict",
            "Idempotency key reused",
            f"This {HEADER} was used for a different request in the last 24 hours; "
            "use a new key for a new request.",
        )
    return record["body"], record["status"], record["headers"]


def _record(fingerprint: str, body: Any, status: int, headers: dict[str, str]) -> str:
    record = {"fingerprint": fingerprint, "status": status, "body": body, "headers": headers}
    return json.dumps(record, separators=(",", ":"))


def remember(pipeline: Pipeline, body: Any, status: int, headers: dict[str, str]) -> None:
    """Keep, on the transaction that makes the submission, the answer a retry gets; nothing
    when the request has no `Idempotency-Key`."""
    pending = g.get("idempotency")
    if pending is None:
        return
    slot, fingerprint = pending
    pipeline.set(slot, _record(fingerprint, body, status, headers), ex=KEEP_SECONDS)
    g.idempotency_kept = True


def idempotent(view: Callable[..., tuple[Any, int, dict[str, str]]]) -> Callable[..., Any]:
    """Wrap a POST view that returns (body, status, headers)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, int, dict[str, str]]:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not key or len(key) > MAX_KEY_CHARS:
            raise _header_problem(f"Must be 1 to {MAX_KEY_CHARS} characters (got {len(key)}).")
        redis = current_app.extensions["newsdesk.jobstore"].redis
        owner = g.get("owner", ANONYMOUS)
        slot = slot_key(owner, key)
        fingerprint = _fingerprint()
        stored = redis.get(slot)
        if stored is not None:
            return _replay(stored, fingerprint)
        if not redis.set(slot + ":lock", fingerprint, nx=True, ex=LOCK_SECONDS):
            stored = redis.get(slot)  # the first request may have just finished
            if stored is not None:
                return _replay(stored, fingerprint)
            raise Problem(
                409,
                "idempotency-conflict",
                "Request in progress",
                f"A request with this {HEADER} is still being handled; retry in a moment.",
            )
        g.idempotency = (slot, fingerprint)
        try:
            body, status, headers = view(*args, **kwargs)
            if 200 <= status < 300 and not g.get("idempotency_kept"):
                redis.set(slot, _record(fingerprint, body, status, headers), ex=KEEP_SECONDS)
            return body, status, headers
        finally:
            redis.delete(slot + ":lock")

    return wrapper
