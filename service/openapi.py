"""The OpenAPI document, generated from the app's schemas and committed as openapi.yaml.

Output is deterministic (fixed registration order, no sorting by hash), so a test can
compare the committed file with a fresh render. Regenerate with `newsdesk openapi`.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import yaml
from apispec import APISpec

from service.bodies import MAX_JSON_DEPTH
from service.problems import PROBLEM_MEDIA_TYPE
from service.schemas import ProblemSchema

if TYPE_CHECKING:
    from flask import Flask

OPENAPI_VERSION = "3.0.3"  # the bundled Swagger UI (4.x) does not render 3.1

API_DESCRIPTION = """\
Newsdesk analyses news articles pasted from web pages: it strips boilerplate (navigation,
share buttons, captions, credits, teasers), finds named entities and computes text
statistics.

Submitting is asynchronous: `POST /v1/articles` answers `202 Accepted` with a job and its
URL in `Location`; poll `GET /v1/jobs/{job_id}` (or long-poll with `?wait=`) until the job
is `finished` (read `result`) or `failed` (read `error`).

Every `/v1` call needs an API key as `Authorization: Bearer <key>` (unless the server runs
with `NEWSDESK_AUTH=disabled`); jobs belong to the key that made them. Calls are rate
limited per key: `RateLimit-Policy` and `RateLimit` headers (IETF draft
draft-ietf-httpapi-ratelimit-headers-10) say how many are left, and a 429 says when to
come back in `Retry-After`.
`POST /v1/batches` takes up to 100 articles at once. Both POSTs accept an
`Idempotency-Key` header so a retry never makes a second job, and a `callback_url` to be
told (a signed webhook) when each job ends. An identical request whose job finished
within the result TTL is answered with a job finished at once (`cached: true`).

Every error is `application/problem+json` (RFC 9457). Every response carries an
`X-Request-ID` header (the caller's, when it sends a plain one); quote it when reporting a
problem.
"""

REQUEST_ID = "RequestId"
RETRY_AFTER = "RetryAfter"
WWW_AUTHENTICATE = "WwwAuthenticate"
RATELIMIT_POLICY = "RateLimitPolicy"
RATELIMIT = "RateLimit"
ACCEPT_ENCODING = "AcceptEncoding"
SECURITY_SCHEME = "bearerAuth"
PROTECTED_PREFIX = "/v1/"
# component name -> (header name, definition)
HEADERS: dict[str, tuple[str, dict[str, Any]]] = {
    REQUEST_ID: (
        "X-Request-ID",
        {
            "description": "Id of this request: the caller's `X-Request-ID` when it is 1 to "
            "128 plain characters (letters, digits, `.`, `_`, `:`, `-`), else a new one.",
            "schema": {"type": "string"},
        },
    ),
    RETRY_AFTER: (
        "Retry-After",
        {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
        },
    ),
    WWW_AUTHENTICATE: (
        "WWW-Authenticate",
        {
            "description": 'The scheme to authenticate with: `Bearer realm="newsdesk"`, with '
            "`error` when a key was sent but is malformed or not valid (RFC 6750).",
            "schema": {"type": "string"},
        },
    ),
    ACCEPT_ENCODING: (
        "Accept-Encoding",
        {
            "description": "The content codings a body may come in: `identity` (none), when "
            "the body came with another `Content-Encoding`.",
            "schema": {"type": "string"},
        },
    ),
    RATELIMIT_POLICY: (
        "RateLimit-Policy",
        {
            "description": "The limits on this key, one item each: its name, the quota `q` "
            'and the window `w` in seconds, e.g. `"600/minute";q=600;w=60` '
            "(draft-ietf-httpapi-ratelimit-headers-10).",
            "schema": {"type": "string"},
        },
    ),
    RATELIMIT: (
        "RateLimit",
        {
            "description": "Where this key stands on each limit: requests remaining `r` and "
            'seconds until the window resets `t`, e.g. `"600/minute";r=0;t=42`.',
            "schema": {"type": "string"},
        },
    ),
}

# Named problem responses, referenced by name from the routes' `alt_response`.
PROBLEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Unauthorized": (
        "No API key, a malformed `Authorization` header, or a key that is not valid.",
        (WWW_AUTHENTICATE,),
    ),
    "TooManyRequests": (
        "This key has used up one of its rate limits; retry after `Retry-After` seconds.",
        (RETRY_AFTER, RATELIMIT_POLICY, RATELIMIT),
    ),
    "JobEnded": ("The job has already finished, failed or been cancelled.", ()),
    "MalformedJson": (
        "The body is not valid JSON (in UTF-8), an object in it names a key twice, or it "
        f"nests objects and arrays more than {MAX_JSON_DEPTH} deep.",
        (),
    ),
    "NotFound": ("No such resource (for a job: unknown, expired or malformed id).", ()),
    "RequestTimeout": (
        "The body stopped arriving: it was not all in within `NEWSDESK_BODY_TIMEOUT` "
        "seconds (a larger body: its size divided by `NEWSDESK_BODY_MIN_RATE`). The "
        "connection is closed after this answer; send the request again, faster.",
        (),
    ),
    "BodyTooLarge": ("The body, sized or chunked, is larger than `NEWSDESK_MAX_BODY_BYTES`.", ()),
    "UnsupportedMediaType": (
        "The body is not `application/json` (nor, for an article, `text/plain` or "
        "`text/html`), its charset is not one the API reads (JSON: UTF-8 only), or it "
        "has a `Content-Encoding` other than `identity`.",
        (ACCEPT_ENCODING,),
    ),
    "ValidationError": ("Some fields are invalid; `errors` names each one.", ()),
    "InternalError": ("An unexpected error; the request id is in the logs.", ()),
    "QueueUnavailable": ("Redis, which holds the queue, is not answering.", (RETRY_AFTER,)),
    "NotReady": ("Redis is not answering or no worker is registered.", (RETRY_AFTER,)),
    "IdempotencyInProgress": (
        "A request with the same `Idempotency-Key` is still being handled; retry shortly.",
        (),
    ),
}


# Examples of the problems a client should be ready for.
PROBLEM_EXAMPLES: dict[str, dict[str, Any]] = {
    "Unauthorized": {
        "type": "urn:newsdesk:problem:unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Send an API key as `Authorization: Bearer <key>`.",
        "request_id": "5d41c0f3a9b84e1c9a0f2b7d6e3c1a88",
    },
    "TooManyRequests": {
        "type": "urn:newsdesk:problem:rate-limited",
        "title": "Too many requests",
        "status": 429,
        "detail": "This key may make 600 per 1 minute requests; try again after "
        "`Retry-After` seconds.",
        "request_id": "0c9e2f7b1d4a4f0e8b6a3c5d7e9f1a2b",
    },
    "JobEnded": {
        "type": "urn:newsdesk:problem:job-ended",
        "title": "Job has ended",
        "status": 409,
        "detail": "The job is already finished; there is nothing to cancel.",
        "request_id": "7a1b3c5d9e2f4a6b8c0d1e3f5a7b9c2d",
    },
}


def register_components(spec: APISpec) -> None:
    for name, (_, header) in HEADERS.items():
        spec.components.header(name, copy.deepcopy(header))
    for name, (description, extra_headers) in PROBLEMS.items():
        content: dict[str, Any] = {"schema": ProblemSchema}
        if name in PROBLEM_EXAMPLES:
            content["example"] = PROBLEM_EXAMPLES[name]
        spec.components.response(
            name,
            {
                "description": description,
                "headers": {HEADERS[h][0]: h for h in (REQUEST_ID, *extra_headers)},
                "content": {PROBLEM_MEDIA_TYPE: content},
            },
        )
    spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `newsdesk keys create NAME` or NEWSDESK_API_KEYS.",
        },
    )


def _secure(spec: dict[str, Any]) -> None:
    """Every /v1 operation needs a key; probes, metrics and the docs stay open."""
    for path, item in spec.get("paths", {}).items():
        if not path.startswith(PROTECTED_PREFIX):
            continue
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["security"] = [{SECURITY_SCHEME: []}]


def _text_bodies(spec: dict[str, Any]) -> None:
    """POST /v1/articles also takes the article itself as its body (see routes.articles)."""
    body = spec.get("paths", {}).get("/v1/articles", {}).get("post", {}).get("requestBody")
    if body is None:
        return
    for media_type, what in (("text/plain", "plain text"), ("text/html", "an HTML page")):
        body["content"][media_type] = {
            "schema": {
                "type": "string",
                "minLength": 1,
                "description": f"The article itself, as {what}; the other fields go in the "
                "query string (`analyses` comma-separated, `title`, `url`, `language`).",
            }
        }


_TOP_LEVEL_ORDER = ("openapi", "info", "tags", "paths", "components")


def _tidy(spec: dict[str, Any]) -> dict[str, Any]:
    """Reading order for people: top-level keys as in the standard, responses by status."""
    # flask-smorest registers this for pagination, which the API does not use
    spec.get("components", {}).get("schemas", {}).pop("PaginationMetadata", None)
    _secure(spec)
    _text_bodies(spec)
    for path in spec.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"] = dict(sorted(operation["responses"].items()))
    ordered = {key: spec.pop(key) for key in _TOP_LEVEL_ORDER if key in spec}
    return {**ordered, **spec}


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks, so descriptions read as written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _app_spec(app: Flask) -> dict[str, Any]:
    cached = app.extensions.get("newsdesk.spec")
    if cached is None:
        api = app.extensions["newsdesk.api"]
        # through JSON: plain dicts and lists only, exactly what /openapi.json serves
        cached = _tidy(json.loads(json.dumps(api.spec.to_dict())))
        app.extensions["newsdesk.spec"] = cached
    return cached


def spec_dict(app: Flask) -> dict[str, Any]:
    """The document for `app`; its settings give the limits the document states."""
    return copy.deepcopy(_app_spec(app))


def spec_yaml(app: Flask) -> str:
    return yaml.dump(
        spec_dict(app),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
