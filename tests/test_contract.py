"""The committed openapi.yaml is a contract: schemathesis generates requests from it and
checks every answer against it (status documented, content type, headers, body schema, no
5xx, invalid input rejected, every JSON answer strict JSON), calling the WSGI app in-process
over a real Redis, with a valid API key (and no rate limit: schemathesis calls faster than
any client should).

JSON bodies also get values a schema cannot describe but JSON allows, put anywhere in them:
lone surrogates, NaN and Infinity, integers beyond 64 bits or too long for Python to read,
over-long strings. They must never break the server, nor come back in an answer that is not
strict JSON.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from redis import Redis
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from newsdesk.queueing import SERIALIZER
from newsdesk.redis_server import RedisServer
from newsdesk.settings import Config
from service.app import create_app
from workers.prompt_stop import PromptSimpleWorker

OPENAPI_YAML = Path(__file__).resolve().parent.parent / "openapi.yaml"
API_KEY = "contract-test-key-0123456789"
# Stands for an integer literal of 5,000 digits, which Python cannot write (nor read) as an int.
LONG_INTEGER = "\x00long integer\x00"
HOSTILE_VALUES = [
    "\ud800",
    "half a pair \udfff",
    float("nan"),
    float("inf"),
    float("-inf"),
    2**64,
    -(2**63) - 1,
    LONG_INTEGER,
    "x" * 3000,
]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@schemathesis.check
def strict_json_answer(ctx: schemathesis.CheckContext, response: Any, case: Any) -> None:
    """A JSON answer must be JSON to a strict parser: UTF-8, no NaN or Infinity, no lone
    surrogate (JavaScript's JSON.parse, say, fails on the whole page otherwise)."""
    content_type = ",".join(response.headers.get("content-type", []))
    if "json" not in content_type or not response.content:
        return
    value = json.loads(response.content.decode("utf-8"), parse_constant=_refuse_constant)
    for string in _strings(value):
        string.encode("utf-8")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    strict_json_answer,
]

# An oversized invalid body is rightly refused with 413 before it is even parsed, and a
# request whose Authorization header is left out or mangled with 401.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {"expected-statuses": [400, 401, 404, 405, 413, 415, 422]},
        }
    }
)

TEXT_BODIES = ("text/plain", "text/html")

schema = schemathesis.openapi.from_path(OPENAPI_YAML, config=CONFIG)


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON body a value can go: each member and item, and a new member of
    each object."""
    if isinstance(value, dict):
        yield (*path, "\ud800 key")
        for key, item in value.items():
            yield (*path, key)
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from _places(item, (*path, index))


def _with(body: Any, place: tuple[Any, ...], value: Any) -> Any:
    body = copy.deepcopy(body)
    container = body
    for step in place[:-1]:
        container = container[step]
    container[place[-1]] = value
    return body


@schema.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy:
    places = list(_places(body))
    if not places:
        return st.just(body)
    hostile = st.builds(
        _with, st.just(body), st.sampled_from(places), st.sampled_from(HOSTILE_VALUES)
    )
    return st.one_of(st.just(body), hostile)


def json_body(body: Any) -> bytes | None:
    """`body` as JSON text, NaN and Infinity and lone surrogates (escaped) as they are; None
    for a body that is not made of JSON values (raw bytes), which schemathesis sends itself."""
    try:
        text = json.dumps(body)
    except TypeError:
        return None
    return text.replace(json.dumps(LONG_INTEGER), "9" * 5000).encode()


@pytest.fixture(scope="module")
def app(redis_server: RedisServer) -> Iterator[Flask]:
    connection = Redis.from_url(redis_server.url)
    connection.flushall()
    app = create_app(
        Config(
            redis_url=redis_server.url,
            auth="required",
            api_keys=f"contract:{API_KEY}",
            rate_limit="off",
        )
    )
    # A registered (idle) worker, so /readyz is ready: not_a_server_error counts its 503 too.
    queue = app.extensions["newsdesk.jobstore"].queue
    worker = PromptSimpleWorker([queue], connection=connection, serializer=SERIALIZER)
    worker.register_birth()
    yield app
    worker.register_death()


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_honours_its_openapi_document(case: schemathesis.Case, app: Flask) -> None:
    checks = CHECKS
    body: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {API_KEY}"}
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        # The case left out or mangled its Authorization header on purpose: putting a valid
        # key back would turn it into a valid request that is then rightly answered.
        headers = {}
    if case.media_type in TEXT_BODIES:
        # Any text is an article, and a "wrongly typed" text body (schemathesis sends `{}`
        # as the characters `{}`) is still text: there is no invalid text body to reject.
        checks = [check for check in CHECKS if check is not negative_data_rejection]
    elif case.media_type == "application/json" and not isinstance(case.body, NotSet):
        data = json_body(case.body)
        if data is not None:
            body["data"] = data
    case.call_and_validate(app=app, checks=checks, headers=headers, **body)
