"""Rate limits per API key (per client address when auth is disabled), counted in Redis.

flask-limiter does the counting (fixed windows, in the same Redis as the queue, through
the app's own connection pool, so a Sentinel failover moves the counters' connection
with everything else). The answers follow the IETF httpapi draft "RateLimit header
fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-10): every /v1 answer carries
`RateLimit-Policy` (each limit: quota `q`, window `w` in seconds) and `RateLimit`
(remaining `r`, seconds to reset `t`); a 429 adds `Retry-After`.

When Redis is down, counting fails with Redis's own error, which answers 503 like
every other Redis outage (service.problems): the limiter adds no error of its own.
"""

from __future__ import annotations

import logging
import math

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from limits import RateLimitItem
from redis import Redis
from redis.exceptions import RedisError

from newsdesk.settings import Config, rate_limits
from service.problems import Problem, problem_response

KEY_PREFIX = "newsdesk:ratelimit"
PROTECTED_PREFIX = "/v1/"

log = logging.getLogger("newsdesk.api")


def _caller() -> str:
    """Who is counted: the key's name, or the client address when there are no keys."""
    owner = g.get("owner")
    if owner and current_app.extensions["newsdesk.config"].auth != "disabled":
        return f"key:{owner}"
    return f"addr:{get_remote_address()}"


def policy_name(item: RateLimitItem) -> str:
    per = (
        f"{item.multiples}{item.GRANULARITY.name}" if item.multiples > 1 else item.GRANULARITY.name
    )
    return f"{item.amount}/{per}"


def _headers(redis: Redis, limits: list[RequestLimit]) -> dict[str, str]:
    """The draft's headers for the limits this request counted against.

    Every counter and its time to live in one round trip, rather than flask-limiter's two
    per limit: this runs on every /v1 answer.
    """
    with redis.pipeline(transaction=False) as pipe:
        for current in limits:
            key = current.limiter.storage.prefixed_key(current.key)
            pipe.get(key)
            pipe.pttl(key)
        found = pipe.execute()
    policies = []
    states = []
    retry_after = 0
    for index, current in enumerate(limits):
        item = current.limit
        count, pttl = int(found[2 * index] or 0), found[2 * index + 1]
        reset = math.ceil(pttl / 1000) if pttl > 0 else item.get_expiry()
        name = policy_name(item)
        policies.append(f'"{name}";q={item.amount};w={item.get_expiry()}')
        states.append(f'"{name}";r={max(0, item.amount - count)};t={reset}')
        if current.breached:
            retry_after = max(retry_after, reset, 1)
    headers = {"RateLimit-Policy": ", ".join(policies), "RateLimit": ", ".join(states)}
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return headers


def install(app: Flask, config: Config, redis: Redis) -> Limiter | None:
    """Register after service.auth: the limit is counted per key."""
    limits = rate_limits(config.rate_limit)
    if limits is None:
        return None
    limiter = Limiter(
        key_func=_caller,
        app=app,
        application_limits=[limits],
        storage_uri="redis://",
        storage_options={"connection_pool": redis.connection_pool},
        strategy="fixed-window",
        key_prefix=KEY_PREFIX,
        headers_enabled=False,  # theirs are the older X-RateLimit-*; ours are below
        swallow_errors=False,
    )
    limiter.request_filter(lambda: not request.path.startswith(PROTECTED_PREFIX))

    @app.after_request
    def rate_limit_headers(response: Response) -> Response:
        current = limiter.current_limits
        if current:
            try:
                response.headers.update(_headers(redis, current))
            except RedisError as exc:  # the answer matters more than its hints
                log.warning("rate limit headers skipped", extra={"error": type(exc).__name__})
        return response

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded) -> Response:
        return problem_response(
            Problem(
                429,
                "rate-limited",
                "Too many requests",
                f"This key may make {error.description} requests; "
                "try again after `Retry-After` seconds.",
            )
        )

    app.extensions["newsdesk.limiter"] = limiter
    return limiter
