"""Request ids and one JSON log line per request, so a client's report can be traced.

Only method, path, status, timing and ids are logged: never a body, never article text.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is reused only if it is short and plain, so it cannot forge log fields.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

log = logging.getLogger("newsdesk.api")


def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("started")
    fields = {
        "request_id": request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }
    owner = g.get("owner")
    if owner:
        fields["owner"] = owner  # the key's name, never the key
    job_id = g.get("job_id")
    if job_id:
        fields["job_id"] = job_id
    log.info("request", extra=fields)
    return response


def install(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
