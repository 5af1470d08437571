"""The Flask app factory: settings in, a WSGI app out (gunicorn loads `create_app()`).

Building the app never touches Redis, so the OpenAPI document can be rendered offline.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_smorest import Api
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from werkzeug.exceptions import HTTPException

import newsdesk
from newsdesk.keys import KeyStore
from newsdesk.redis_connection import connect
from newsdesk.settings import Config, load
from service import access_log, auth, bodies, docs, metrics, problems, ratelimit
from service.jobstore import JobStore
from service.openapi import API_DESCRIPTION, OPENAPI_VERSION, register_components
from service.responses import StrictJSONProvider
from service.routes import articles, batches, health, jobs, playground
from service.schemas import ProblemSchema

HEALTH_CHECK_INTERVAL = 30  # seconds a pooled connection may idle before a PING first
# Redis connections of one API process. Its requests take turns on them (a round trip is a
# fraction of a millisecond): a thousand requests arriving at once must not open a thousand
# connections, which Redis's accept queue would refuse in part.
REDIS_CONNECTIONS = 32


class NewsdeskApi(Api):
    """flask-smorest's Api, answering its HTTP errors as problem details."""

    ERROR_SCHEMA = ProblemSchema
    # Each operation lists its own error responses; a catch-all `default` would hide gaps.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException) -> Response:
        return problems.problem_response(problems.from_http_exception(error))


def connect_redis(config: Config) -> Redis:
    """Short timeouts and one quick retry: a dead Redis must give a fast 503, not a hang.

    No command blocks in Redis: a long-poll waits for a message on a connection of its
    process's own (service.jobstore.JobEnds). At most REDIS_CONNECTIONS connections; a
    request that finds them all busy waits for one, up to the same timeout.
    """
    options: dict[str, Any] = {
        "socket_connect_timeout": config.redis_timeout,
        "socket_timeout": config.redis_timeout,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        "retry": Retry(NoBackoff(), 1),
    }
    return connect(
        config.redis_url,
        max_connections=REDIS_CONNECTIONS,
        pool_timeout=config.redis_timeout,
        **options,
    )


def create_app(config: Config | None = None) -> Flask:
    config = config or load()
    app = Flask("service")
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        API_TITLE="Newsdesk",
        API_VERSION=newsdesk.__version__,
        OPENAPI_VERSION=OPENAPI_VERSION,
        OPENAPI_URL_PREFIX=None,  # docs.py serves the document and the UI itself
        API_SPEC_OPTIONS={"info": {"description": API_DESCRIPTION}},
    )
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False
    app.extensions["newsdesk.config"] = config
    redis = connect_redis(config)
    app.extensions["newsdesk.jobstore"] = JobStore(redis, config)

    access_log.install(app)
    metrics.install(app)
    problems.install(app)
    auth.install(app, KeyStore(redis, config.env_keys))
    ratelimit.install(app, config, redis)  # after auth: it counts per key
    bodies.install(app, config.max_body_bytes)  # after both: a refused caller's body is not read

    api = NewsdeskApi(app)
    register_components(api.spec)
    api.register_blueprint(articles.blueprint(config))
    api.register_blueprint(jobs.blueprint(config))
    api.register_blueprint(batches.blueprint(config))
    api.register_blueprint(health.blueprint())
    app.extensions["newsdesk.api"] = api
    app.register_blueprint(docs.blueprint())
    app.register_blueprint(playground.blueprint())  # HTML: not in the OpenAPI document
    return app
