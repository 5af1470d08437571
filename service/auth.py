"""Who is calling: every /v1 request carries `Authorization: Bearer <key>`.

The key is looked up by its SHA-256 (newsdesk.keys), so nothing here compares a
secret byte by byte: a lookup's timing can only tell about a hash, which is no
use for guessing a key. Keys made with `newsdesk keys create` while the API runs
work at once: each request asks Redis (one HGET); keys from NEWSDESK_API_KEYS are
checked in memory first. With a rate limit, the lookup and the request's count are one
round trip (service.ratelimit). The caller's key name becomes `g.owner`, which owns the
jobs it makes; with NEWSDESK_AUTH=disabled everyone is `anonymous`.

Health, metrics, the docs and the OpenAPI document stay open. Keys are never logged.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from newsdesk.keys import ANONYMOUS, KeyStore
from newsdesk.settings import Config
from service.problems import Problem

PROTECTED_PREFIX = "/v1/"
REALM = 'Bearer realm="newsdesk"'
# A key is `nd_` and 43 characters; anything far longer is not one, so not worth hashing.
MAX_KEY_CHARS = 512


def _unauthorized(detail: str, error: str | None = None) -> Problem:
    challenge = REALM + (f', error="{error}"' if error else "")
    return Problem(
        401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": challenge}
    )


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive)."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _authenticate() -> None:
    config: Config = current_app.extensions["newsdesk.config"]
    if config.auth == "disabled":
        g.owner = ANONYMOUS
        return
    if not request.path.startswith(PROTECTED_PREFIX):
        return
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    token = bearer_token(header)
    if token is None or len(token) > MAX_KEY_CHARS:
        raise _unauthorized(
            "The Authorization header must be `Bearer <key>`.", error="invalid_request"
        )
    store: KeyStore = current_app.extensions["newsdesk.keys"]
    owner = store.from_environment(token)
    limiter = current_app.extensions.get("newsdesk.limiter")
    if owner is None and limiter is not None and limiter.counted():
        owner = limiter.authenticate_and_hit(store, token)  # one round trip for both
    elif owner is None:
        owner = store.authenticate(token)
    if owner is None:
        raise _unauthorized("This API key is not valid (unknown or revoked).", "invalid_token")
    g.owner = owner


def install(app: Flask, store: KeyStore) -> None:
    """Before the rate limiter, which counts per key: register this first."""
    app.extensions["newsdesk.keys"] = store
    app.before_request(_authenticate)
