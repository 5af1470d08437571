"""JSON answers sent as built, for the hot paths: a job's own view, and its stored result.

The views are plain JSON-ready dicts made by service.jobstore, so they go out as they are
rather than through marshmallow again; orjson encodes them and carries a result's stored
JSON inside unchanged. A caller's metadata may hold an integer orjson cannot encode (beyond
64 bits): such a body goes through the standard library instead.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import orjson
from flask import Response, current_app


def json_response(body: dict[str, Any], *, result: bytes | None = None) -> Response:
    """`body` as JSON; with `result`, JSON already encoded, sent as the body's `result`."""
    if result is not None:
        body = {**body, "result": orjson.Fragment(result)}
    try:
        data = orjson.dumps(body)
    except TypeError:  # an integer beyond 64 bits
        if result is not None:
            body = {**body, "result": json.loads(result)}
        data = json.dumps(body, separators=(",", ":")).encode()
    return current_app.response_class(data + b"\n", mimetype="application/json")


def sent_as_built(
    view: Callable[..., tuple[dict[str, Any], int, dict[str, str]]],
) -> Callable[..., tuple[Response, int, dict[str, str]]]:
    """For a view returning (body, status, headers): the body goes out as built, not dumped
    through the schema of its `@blp.response` (which still documents it)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Response, int, dict[str, str]]:
        body, status, headers = view(*args, **kwargs)
        return json_response(body), status, headers

    return wrapper
