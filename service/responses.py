"""JSON answers sent as built, for the hot paths: a job's own view, and its stored result.

The views are plain JSON-ready dicts made by newsdesk.jobview, so they go out as they are
rather than through marshmallow again; orjson encodes them and carries a result's stored
JSON inside unchanged. A caller's metadata may hold an integer orjson cannot encode (beyond
64 bits): such a body goes through the standard library instead.

Every answer is strict JSON: a non-finite number, which no JSON text may hold, goes out as
null, in these answers (as orjson writes it) and in those Flask encodes
(`StrictJSONProvider`) alike. Input validation keeps such numbers out of jobs; should one
be stored anyway, every view sends the same valid answer.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any

import orjson
from flask import Response, current_app
from flask.json.provider import DefaultJSONProvider


def finite(value: Any) -> Any:
    """`value` with each non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def _stdlib_dumps(body: Any, **kwargs: Any) -> str:
    try:
        return json.dumps(body, allow_nan=False, **kwargs)
    except ValueError:  # a non-finite float
        return json.dumps(finite(body), allow_nan=False, **kwargs)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, without the NaN and Infinity JSON does not have (null instead)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return _stdlib_dumps(obj, **kwargs)


def json_response(body: dict[str, Any], *, result: bytes | None = None) -> Response:
    """`body` as JSON; with `result`, JSON already encoded, sent as the body's `result`."""
    if result is not None:
        body = {**body, "result": orjson.Fragment(result)}
    try:
        data = orjson.dumps(body)
    except TypeError:  # an integer beyond 64 bits, or a string that is not Unicode
        if result is not None:
            body = {**body, "result": json.loads(result)}
        data = _stdlib_dumps(body, separators=(",", ":")).encode()
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
