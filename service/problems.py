"""Every error leaves as RFC 9457 problem details, never as HTML or a framework's own shape.

Clients switch on `type`; `errors` names each failing field so a form can show it in place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask, Response, current_app, g, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
# An identifier to switch on, not a link: the kinds are listed in docs/api.md, "Errors".
PROBLEM_BASE = "urn:newsdesk:problem:"
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("newsdesk.api")


class Problem(Exception):
    """An error we answer on purpose; raise it anywhere while handling a request."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem.kind if problem.kind != "about:blank" else "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    if problem.errors is not None:
        body["errors"] = problem.errors
    response = current_app.response_class(
        json.dumps(body), status=problem.status, mimetype=PROBLEM_MEDIA_TYPE
    )
    response.headers.update(problem.headers)
    return response


def _pointer(path: list[str]) -> str:
    # RFC 6901: "~" and "/" inside a key are escaped.
    return "#" + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)


def _walk(messages: Any, path: list[str]) -> Iterator[tuple[list[str], str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            # marshmallow files errors about the object itself under "_schema"
            yield from _walk(value, path if key == "_schema" else [*path, str(key)])
    elif isinstance(messages, list | tuple):
        for message in messages:
            yield from _walk(message, path)
    else:
        yield path, str(messages)


def field_errors(messages: Mapping[str, Any]) -> list[dict[str, str]]:
    """Flatten webargs' `{location: {field: [message]}}` into one entry per failing field."""
    errors = []
    for location, by_field in messages.items():
        where = "query" if location == "query" else "body"
        for path, detail in _walk(by_field, []):
            entry = {"field": ".".join(path), "location": where, "detail": detail}
            if where == "body":
                entry["pointer"] = _pointer(path)
            errors.append(entry)
    return errors


def validation_problem(
    errors: list[dict[str, Any]], detail: str = "Some fields are invalid; see `errors`."
) -> Problem:
    """The one 422 for invalid input, whichever check found it: `errors` names each field."""
    return Problem(422, "validation-error", "Invalid request", detail, errors=errors)


def from_http_exception(error: HTTPException) -> Problem:
    """Our problem for werkzeug's and webargs' exceptions (routing, parsing, limits)."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    if code == 422:
        return validation_problem(field_errors(messages))
    if code == 400 and "json" in messages:
        return Problem(
            400, "malformed-json", "Malformed JSON", "The request body is not valid JSON."
        )
    if code == 404:
        return Problem(404, "not-found", "Not found", "Nothing is at this URL.")
    if code == 405:
        allow = ", ".join(sorted(getattr(error, "valid_methods", None) or ()))
        return Problem(
            405,
            "method-not-allowed",
            "Method not allowed",
            f"{request.method} is not allowed here; use {allow}.",
            headers={"Allow": allow},
        )
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return Problem(
            413,
            "body-too-large",
            "Request body too large",
            f"The request body is larger than {limit} bytes.",
        )
    if code == 500:
        return internal_error()
    return Problem(code, "about:blank", error.name, error.description or error.name)


def internal_error() -> Problem:
    return Problem(
        500,
        "internal-error",
        "Internal server error",
        "Something went wrong on our side; quote the request id when reporting it.",
    )


def redis_unavailable() -> Problem:
    return Problem(
        503,
        "queue-unavailable",
        "Queue unavailable",
        "The job queue (Redis) is not answering; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _on_problem(problem: Problem) -> Response:
    return problem_response(problem)


def _on_redis_down(error: Exception) -> Response:
    log.warning(
        "redis unavailable",
        extra={"request_id": g.get("request_id"), "error": type(error).__name__},
    )
    return problem_response(redis_unavailable())


def _on_unexpected(error: Exception) -> Response:
    log.error(
        "unhandled exception",
        exc_info=error,
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
        },
    )
    return problem_response(internal_error())


def install(app: Flask) -> None:
    """HTTP exceptions are handled by the Api (see service.app); these cover the rest."""
    app.register_error_handler(Problem, _on_problem)
    app.register_error_handler(RedisConnectionError, _on_redis_down)
    app.register_error_handler(RedisTimeoutError, _on_redis_down)
    app.register_error_handler(Exception, _on_unexpected)
