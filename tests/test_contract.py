"""The committed openapi.yaml is a contract: schemathesis generates requests from it and
checks every answer against it (status documented, content type, headers, body schema, no
5xx, invalid input rejected), calling the WSGI app in-process over a real Redis, with a
valid API key (and no rate limit: schemathesis calls faster than any client should).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from redis import Redis
from schemathesis.checks import not_a_server_error
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
from workers.worker import PromptSimpleWorker

OPENAPI_YAML = Path(__file__).resolve().parent.parent / "openapi.yaml"
API_KEY = "contract-test-key-0123456789"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
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
    if case.media_type in TEXT_BODIES:
        # Any text is an article, and a "wrongly typed" text body (schemathesis sends `{}`
        # as the characters `{}`) is still text: there is no invalid text body to reject.
        checks = [check for check in CHECKS if check is not negative_data_rejection]
    case.call_and_validate(app=app, checks=checks, headers={"Authorization": f"Bearer {API_KEY}"})
