"""The API as a hostile or careless client meets it, with default settings: odd JSON, odd
framing, odd encodings and addresses. No body gets a 5xx, every answer is strict JSON, a
batch is queued whole or not at all, and each limit answers with its HTTP status.

In-process through Flask's test client on a real Redis; the connection tests run a real
`newsdesk api` (gunicorn), since what a body leaves on a connection is the server's matter.
"""

from __future__ import annotations

import io
import ipaddress
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import running_api
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue

from newsdesk.redis_server import RedisServer
from newsdesk.settings import Config
from newsdesk.webhooks import UnsafeCallback, check_callback_url
from service import jobstore
from service.app import create_app
from service.bodies import MAX_JSON_DEPTH
from service.jsonvalues import MAX_INTEGER_DIGITS
from service.openapi import spec_dict
from service.schemas import MAX_METADATA_DEPTH, MAX_TITLE_CHARS, MAX_URL_CHARS

PROBLEM = "application/problem+json"
TEXT = "The ferry to Kessel runs every half hour from June, the harbour master said."
BIG_INTEGER = "9" * 5000  # beyond what Python reads as an integer by default
LIMIT = 100_000  # NEWSDESK_MAX_BODY_BYTES for the body-size tests


def refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def strict_json(body: bytes) -> Any:
    """`body` read as a strict parser reads JSON: UTF-8, no NaN or Infinity, and every
    string Unicode (a lone surrogate escape is not)."""
    value = json.loads(body.decode("utf-8"), parse_constant=refuse_constant)
    for string in strings(value):
        string.encode("utf-8")
    return value


def make_app(redis_url: str, **settings: Any) -> Flask:
    return create_app(Config(redis_url=redis_url, auth="disabled", rate_limit="off", **settings))


@pytest.fixture
def app(redis_url: str) -> Flask:
    return make_app(redis_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def post_raw(client: FlaskClient, path: str, body: str | bytes, **kwargs: Any):
    kwargs.setdefault("content_type", "application/json")
    return client.post(path, data=body, **kwargs)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return strict_json(response.get_data())


def fields_of(response) -> dict[str, dict]:
    body = problem(response, 422)
    assert body["type"] == "urn:newsdesk:problem:validation-error"
    return {error["field"]: error for error in body["errors"]}


def queued_ids(app: Flask) -> list[str]:
    store = app.extensions["newsdesk.jobstore"]
    return Queue(store.config.queue_name, connection=store.redis).job_ids


def stored_jobs(app: Flask) -> list[str]:
    redis: Redis = app.extensions["newsdesk.jobstore"].redis
    return sorted(key.decode().removeprefix("rq:job:") for key in redis.scan_iter("rq:job:*"))


# --- values JSON allows that cannot be stored or sent back: 422 naming the field ----------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"text": "two \\ud800 halves"}', "text"),
        ('{"text": "ok", "title": "\\udfff"}', "title"),
        ('{"text": "ok", "metadata": {"\\ud800": 1}}', "metadata"),
        ('{"text": "ok", "metadata": {"desk": ["\\ud800"]}}', "metadata.desk.0"),
        ('{"text": "ok", "\\ud800": 1}', ""),
        ('{"text": "ok", "metadata": {"n": ' + BIG_INTEGER + "}}", "metadata.n"),
        ('{"text": "ok", "metadata": {"n": -' + "9" * 1001 + "}}", "metadata.n"),
        (
            '{"text": "ok", "options": {"stats": {"reading_wpm": ' + BIG_INTEGER + "}}}",
            "options.stats.reading_wpm",
        ),
        ('{"text": "ok", "metadata": {"n": NaN}}', "metadata.n"),
        ('{"text": "ok", "metadata": {"m": 1e999}}', "metadata.m"),
        ('{"text": "ok", "metadata": {"m": [-Infinity]}}', "metadata.m.0"),
        (
            '{"text": "ok", "options": {"entities": {"min_salience": NaN}}}',
            "options.entities.min_salience",
        ),
    ],
)
def test_a_value_that_cannot_be_stored_is_422_naming_its_field(
    client: FlaskClient, body: str, field: str
) -> None:
    fields = fields_of(post_raw(client, "/v1/articles", body))
    assert list(fields) == [field]
    assert queued_ids(client.application) == []


def test_nan_and_infinity_in_metadata_are_refused_not_echoed(client: FlaskClient) -> None:
    body = '{"text": "x y z", "metadata": {"n": NaN, "m": 1e999}}'
    assert set(fields_of(post_raw(client, "/v1/articles", body))) == {"metadata.n", "metadata.m"}


def test_a_job_stored_with_nan_reads_the_same_strict_json_listed_and_alone(
    app: Flask, client: FlaskClient
) -> None:
    # A job stored with NaN past validation, straight through the store: every view sends null.
    store = app.extensions["newsdesk.jobstore"]
    job = store.submit({"text": TEXT}, ["stats"], {"n": float("nan"), "m": float("inf")})
    listed = strict_json(client.get("/v1/jobs").get_data())["jobs"]
    alone = strict_json(client.get(f"/v1/jobs/{job['id']}").get_data())
    assert listed[0]["metadata"] == alone["metadata"] == {"n": None, "m": None}


def test_numbers_within_range_are_kept_exactly(client: FlaskClient) -> None:
    metadata = {"big": 2**70, "long": -int("9" * MAX_INTEGER_DIGITS), "pi": 3.141592653589793}
    job = strict_json(
        post_raw(
            client, "/v1/articles", json.dumps({"text": TEXT, "metadata": metadata})
        ).get_data()
    )
    assert job["metadata"] == metadata
    listed = strict_json(client.get("/v1/jobs").get_data())["jobs"][0]
    assert listed["metadata"] == metadata


def test_metadata_is_bounded_in_depth(client: FlaskClient) -> None:
    def nested(depth: int) -> Any:
        value: Any = {}
        for _ in range(depth - 1):
            value = {"a": value}
        return value

    deep = {"text": TEXT, "metadata": nested(MAX_METADATA_DEPTH + 1)}
    assert list(fields_of(client.post("/v1/articles", json=deep))) == ["metadata"]
    fits = {"text": TEXT, "metadata": nested(MAX_METADATA_DEPTH)}
    assert client.post("/v1/articles", json=fits).status_code == 202


@pytest.mark.parametrize("depth", [MAX_METADATA_DEPTH + 1, MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH, 950])
@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/v1/articles", '{"text": "ok", "metadata": {"x": %s}}'),
        ("/v1/articles", '{"text": "ok", "options": {"stats": %s}}'),
        ("/v1/articles", '{"text": "ok", "extra": %s}'),
        ("/v1/batches", '{"articles": [{"text": "ok"}, {"text": "ok", "extra": %s}]}'),
        ("/v1/batches", '{"articles": [{"text": "ok"}, {"text": "ok", "metadata": {"x": %s}}]}'),
    ],
)
def test_deep_nesting_anywhere_is_refused_without_a_5xx(
    client: FlaskClient, path: str, template: str, depth: int
) -> None:
    body = template % ("[" * depth + "]" * depth)
    response = post_raw(client, path, body, headers={"Idempotency-Key": f"deep-{depth}"})
    assert response.status_code in (202, 400, 422), response.get_data(as_text=True)
    answer = strict_json(response.get_data())
    if depth > MAX_JSON_DEPTH - 2:  # the body itself nests deeper than MAX_JSON_DEPTH
        assert answer["type"] == "urn:newsdesk:problem:malformed-json"


@pytest.mark.parametrize(
    ("field", "limit", "make"),
    [
        ("title", MAX_TITLE_CHARS, lambda n: "t" * n),
        ("url", MAX_URL_CHARS, lambda n: "https://news.example.org/" + "p" * (n - 25)),
    ],
)
def test_title_and_url_have_a_maximum_length(
    client: FlaskClient, field: str, limit: int, make: Any
) -> None:
    assert client.post("/v1/articles", json={"text": TEXT, field: make(limit)}).status_code == 202
    too_long = client.post("/v1/articles", json={"text": TEXT, field: make(limit + 1)})
    assert list(fields_of(too_long)) == [field]
    article = spec_dict(client.application)["components"]["schemas"]["ArticleRequest"]
    assert article["properties"][field]["maxLength"] == limit


def test_a_title_too_long_in_the_query_string_is_422_there(client: FlaskClient) -> None:
    response = client.post(
        "/v1/articles",
        query_string={"title": "t" * (MAX_TITLE_CHARS + 1)},
        data=TEXT,
        content_type="text/plain",
    )
    assert fields_of(response)["title"]["location"] == "query"


# --- duplicate keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "key"),
    [
        ("/v1/articles", '{"text": "a", "text": "b"}', "text"),
        ("/v1/articles", '{"text": "a", "metadata": {"id": 1, "id": 2}}', "id"),
        ("/v1/batches", '{"articles": [{"text": "a", "title": "x", "title": "y"}]}', "title"),
    ],
)
def test_a_repeated_key_is_400_naming_it(
    client: FlaskClient, path: str, body: str, key: str
) -> None:
    answer = problem(post_raw(client, path, body), 400)
    assert answer["type"] == "urn:newsdesk:problem:malformed-json"
    assert f'"{key}"' in answer["detail"]
    assert queued_ids(client.application) == []


# --- batches: validated whole, queued whole ---------------------------------------------


def test_a_batch_with_a_lone_surrogate_refuses_that_article_and_queues_only_what_it_tells(
    app: Flask, client: FlaskClient
) -> None:
    body = '{"articles": [{"text": "one"}, {"text": "two \\ud800"}]}'
    answers = [
        post_raw(client, "/v1/batches", body, headers={"Idempotency-Key": "batch-7"})
        for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [202, 202, 202]
    batch = strict_json(answers[0].get_data())
    assert all(strict_json(answer.get_data()) == batch for answer in answers[1:])
    assert [job["index"] for job in batch["jobs"]] == [0]
    [refused] = batch["errors"]
    assert refused["index"] == 1 and refused["errors"][0]["field"] == "articles.1.text"
    told = [job["id"] for job in batch["jobs"]]
    assert queued_ids(app) == told
    assert stored_jobs(app) == told


def test_a_batch_of_nothing_but_unstorable_articles_is_422(client: FlaskClient) -> None:
    body = '{"articles": [{"text": "\\ud800"}, {"text": "ok", "metadata": {"n": NaN}}]}'
    assert set(fields_of(post_raw(client, "/v1/batches", body))) == {
        "articles.0.text",
        "articles.1.metadata.n",
    }
    assert stored_jobs(client.application) == []


class FailingJobStore(jobstore.JobStore):
    """The real store, but the second article of a request fails as Redis going away would."""

    def __init__(self, store: jobstore.JobStore) -> None:
        super().__init__(store.redis, store.config)
        self.calls = 0

    def submit(self, *args: Any, **kwargs: Any) -> dict:
        self.calls += 1
        if self.calls == 2:
            raise RedisConnectionError("Redis went away")
        return super().submit(*args, **kwargs)


def test_a_batch_that_fails_midway_leaves_nothing_and_its_retry_queues_it_once(
    app: Flask, client: FlaskClient
) -> None:
    real = app.extensions["newsdesk.jobstore"]
    app.extensions["newsdesk.jobstore"] = FailingJobStore(real)
    body = {"articles": [{"text": "one"}, {"text": "two"}, {"text": "three"}]}
    headers = {"Idempotency-Key": "batch-8"}
    problem(client.post("/v1/batches", json=body, headers=headers), 503)
    assert stored_jobs(app) == []
    assert queued_ids(app) == []
    assert list(real.redis.scan_iter("newsdesk:batch:*")) == []
    assert list(real.redis.scan_iter("newsdesk:jobs:by-owner:*")) == []

    app.extensions["newsdesk.jobstore"] = real
    first = client.post("/v1/batches", json=body, headers=headers)
    again = client.post("/v1/batches", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.get_json() == first.get_json()
    told = [job["id"] for job in first.get_json()["jobs"]]
    assert len(told) == 3
    assert sorted(queued_ids(app)) == sorted(told) == stored_jobs(app)


def test_an_article_that_fails_to_queue_keeps_no_answer_for_its_key(
    app: Flask, client: FlaskClient
) -> None:
    real = app.extensions["newsdesk.jobstore"]
    failing = FailingJobStore(real)
    failing.calls = 1  # its next submission fails
    app.extensions["newsdesk.jobstore"] = failing
    headers = {"Idempotency-Key": "article-9"}
    problem(client.post("/v1/articles", json={"text": TEXT}, headers=headers), 503)
    assert stored_jobs(app) == []
    app.extensions["newsdesk.jobstore"] = real
    first = client.post("/v1/articles", json={"text": TEXT}, headers=headers)
    again = client.post("/v1/articles", json={"text": TEXT}, headers=headers)
    assert again.get_json() == first.get_json()
    assert stored_jobs(app) == [first.get_json()["id"]]


# --- framing, coding, charset -------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_413_not_a_truncated_document(redis_url: str) -> None:
    client = make_app(redis_url, max_body_bytes=LIMIT).test_client()

    def chunked(body: bytes):
        return client.post(
            "/v1/articles",
            input_stream=io.BytesIO(body),
            content_type="application/json",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    def article(size: int) -> bytes:
        return b'{"text": "' + b"a" * (size - len(b'{"text": ""}')) + b'"}'

    assert chunked(article(LIMIT)).status_code == 202  # at the limit
    answer = problem(chunked(article(LIMIT + 1)), 413)
    assert answer["type"] == "urn:newsdesk:problem:body-too-large"
    assert str(LIMIT) in answer["detail"]


@pytest.mark.parametrize("coding", ["br", "gzip", "deflate", "identity, gzip", "x-unknown"])
def test_a_content_coded_body_is_415(client: FlaskClient, coding: str) -> None:
    response = client.post(
        "/v1/articles", json={"text": TEXT}, headers={"Content-Encoding": coding}
    )
    answer = problem(response, 415)
    assert answer["type"] == "urn:newsdesk:problem:unsupported-media-type"
    assert coding.split(",")[-1].strip() in answer["detail"]
    assert response.headers["Accept-Encoding"] == "identity"
    assert queued_ids(client.application) == []


def test_an_identity_coded_body_is_taken(client: FlaskClient) -> None:
    response = client.post(
        "/v1/articles", json={"text": TEXT}, headers={"Content-Encoding": "identity"}
    )
    assert response.status_code == 202


@pytest.mark.parametrize("charset", ["utf-7", "idna", "latin-1", "utf-16", "no-such-charset"])
def test_json_in_a_charset_other_than_utf8_is_415_naming_it(
    client: FlaskClient, charset: str
) -> None:
    response = post_raw(
        client,
        "/v1/articles",
        b'{"text": "hi"}',
        content_type=f"application/json; charset={charset}",
    )
    assert charset in problem(response, 415)["detail"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
def test_json_in_utf8_is_taken(client: FlaskClient, charset: str) -> None:
    content_type = f"application/json; charset={charset}"
    assert (
        post_raw(client, "/v1/articles", b'{"text": "hi"}', content_type=content_type).status_code
        == 202
    )


@pytest.mark.parametrize("charset", ["utf-7", "idna", "unicode_escape", "rot13", "punycode"])
def test_a_text_body_in_a_codec_that_is_not_a_charset_is_415(
    client: FlaskClient, charset: str
) -> None:
    response = post_raw(
        client, "/v1/articles", b"Ferry +AGE- news", content_type=f"text/plain; charset={charset}"
    )
    assert charset in problem(response, 415)["detail"]


@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252", "utf-16"])
def test_a_text_body_in_a_real_charset_is_taken(client: FlaskClient, charset: str) -> None:
    body = "Fähre nach Kessel".encode(charset)
    response = post_raw(client, "/v1/articles", body, content_type=f"text/plain; charset={charset}")
    assert response.status_code == 202, response.get_data(as_text=True)


# --- the connection after a refused body, on a real server ------------------------------


def chunked_request(path: str, body: bytes, chunk: int = 8192) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: newsdesk\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + chunk]), body[i : i + chunk])
        for i in range(0, len(body), chunk)
    ]
    return head + b"".join(parts) + b"0\r\n\r\n"


def sized_request(path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: newsdesk\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


def read_response(stream: io.BufferedReader) -> tuple[int, dict[str, str], bytes]:
    status_line = stream.readline()
    assert status_line, "the server closed the connection instead of answering"
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := stream.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, stream.read(int(headers.get("content-length", "0")))


@pytest.fixture(scope="module")
def small_limit_api(redis_server: RedisServer) -> Iterator[str]:
    Redis.from_url(redis_server.url).flushall()
    with running_api(
        redis_server.url, NEWSDESK_MAX_BODY_BYTES=str(LIMIT), NEWSDESK_RATE_LIMIT="off"
    ) as (_process, base):
        yield base


@pytest.mark.parametrize("framing", ["chunked", "sized"])
def test_a_body_over_the_limit_is_413_and_the_connection_carries_the_next_request(
    small_limit_api: str, framing: str
) -> None:
    # Well past what the server itself would drain of a body the app left unread.
    body = b'{"text": "' + b"a" * (LIMIT + 80_000) + b'"}'
    request = chunked_request if framing == "chunked" else sized_request
    host, port = small_limit_api.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        stream = sock.makefile("rb")
        sock.sendall(request("/v1/articles", body))
        status, headers, answer = read_response(stream)
        assert status == 413, answer
        assert json.loads(answer)["type"] == "urn:newsdesk:problem:body-too-large"
        assert headers["connection"] == "keep-alive"
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: newsdesk\r\n\r\n")
        status, _headers, answer = read_response(stream)
        assert (status, json.loads(answer)) == (200, {"status": "ok"})


def test_a_chunked_body_within_the_limit_is_taken_whole(small_limit_api: str) -> None:
    text = " ".join([TEXT] * 1000)[: LIMIT - 100]
    body = json.dumps({"text": text, "analyses": ["stats"]}).encode()
    host, port = small_limit_api.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        stream = sock.makefile("rb")
        sock.sendall(chunked_request("/v1/articles", body, chunk=1000))
        status, _headers, answer = read_response(stream)
    assert status == 202, answer
    assert json.loads(answer)["analyses"] == ["stats"]


# --- callback URLs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::5db8:d70e",  # local-use NAT64, whatever it holds
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45
        "2001:0:7f00:1:8000:63bf:a247:28f1",  # Teredo, server 127.0.0.1
        "::ffff:7f00:1",  # IPv4-mapped 127.0.0.1
        "::ffff:a00:1",  # IPv4-mapped 10.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a00:1",  # IPv4-compatible 10.0.0.1
    ],
)
def test_ipv6_forms_of_internal_ipv4_addresses_are_refused(
    client: FlaskClient, address: str
) -> None:
    url = f"http://[{address}]/hook"
    with pytest.raises(UnsafeCallback):
        check_callback_url(url)
    fields = fields_of(client.post("/v1/articles", json={"text": TEXT, "callback_url": url}))
    assert fields["callback_url"]["pointer"] == "#/callback_url"
    batch = {"articles": [{"text": TEXT}], "callback_url": url}
    assert "callback_url" in fields_of(client.post("/v1/batches", json=batch))


def test_an_ipv4_mapped_public_address_is_still_accepted() -> None:
    target = check_callback_url("http://[::ffff:5db8:d70e]/hook")
    assert ipaddress.ip_address(target.address) == ipaddress.ip_address("::ffff:93.184.215.14")


def test_a_callback_url_in_the_query_string_is_reported_there(client: FlaskClient) -> None:
    response = client.post(
        "/v1/articles",
        query_string={"callback_url": "http://127.0.0.1/hook"},
        data=TEXT,
        content_type="text/plain",
    )
    error = fields_of(response)["callback_url"]
    assert error["location"] == "query"
    assert "pointer" not in error


# --- anything at all, in every field -----------------------------------------------------

# Every code point, lone surrogates included.
ANY_CHARACTER = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
# Non-ASCII characters escaped or written as they are (a lone surrogate then makes the body
# invalid UTF-8).
JSON_STRINGS = st.builds(
    lambda text, ascii_only: json.dumps(text, ensure_ascii=ascii_only),
    st.text(ANY_CHARACTER, max_size=30),
    st.booleans(),
)
JSON_SCALARS = st.one_of(
    st.sampled_from(["null", "true", "false", "NaN", "Infinity", "-Infinity", "1e999", "-0"]),
    st.sampled_from([BIG_INTEGER, "-" + "9" * 25, str(2**63), str(-(2**63) - 1), "1.5e308"]),
    st.integers().map(str),
    st.floats().map(lambda x: json.dumps(x)),
    JSON_STRINGS,
)
# JSON texts, written out so that they can hold what Python would not write: NaN, numbers
# of any length, lone surrogates in keys and values.
JSON_TEXTS = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(JSON_STRINGS, children), max_size=4).map(
            lambda pairs: "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}"
        ),
    ),
    max_leaves=12,
)
VALID = {
    "text": json.dumps(TEXT),
    "title": '"Ferry"',
    "url": '"https://news.example.org/ferry"',
    "language": '"en"',
    "content_type": '"text/plain"',
    "analyses": '["stats"]',
    "options": '{"stats": {"reading_wpm": 200}}',
    "metadata": '{"desk": "harbour"}',
    # an IP address: a host name would be looked up in DNS
    "callback_url": '"http://93.184.215.14/hook"',
}
FIELDS = [*VALID, "extra"]


@st.composite
def articles(draw: st.DrawFn) -> str:
    """An article as JSON text: one or two fields hold anything at all, the others are
    valid or left out (`text` is always there)."""
    hostile = draw(st.sets(st.sampled_from(FIELDS), max_size=2))
    members = []
    for field in FIELDS:
        if field in hostile:
            value = draw(JSON_TEXTS)
        elif field in VALID and (field == "text" or draw(st.booleans())):
            value = VALID[field]
        else:
            continue
        members.append(f"{json.dumps(field)}:{value}")
    return "{" + ",".join(members) + "}"


@pytest.fixture(scope="module")
def shared_client(redis_server: RedisServer) -> FlaskClient:
    Redis.from_url(redis_server.url).flushall()
    return make_app(redis_server.url).test_client()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(article=articles(), other=articles(), as_batch=st.booleans())
def test_any_json_in_any_field_never_gets_a_5xx_and_every_answer_is_strict_json(
    shared_client: FlaskClient, article: str, other: str, as_batch: bool
) -> None:
    if as_batch:
        path, body = "/v1/batches", '{"articles": [' + article + "," + other + "]}"
    else:
        path, body = "/v1/articles", article
    response = post_raw(shared_client, path, body.encode("utf-8", "surrogatepass"))
    event(f"{path} {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)
    answer = strict_json(response.get_data())
    if response.status_code == 202:
        ids = [job["id"] for job in answer["jobs"]] if as_batch else [answer["id"]]
        for job_id in ids:
            assert strict_json(shared_client.get(f"/v1/jobs/{job_id}").get_data())["id"] == job_id
    listed = shared_client.get("/v1/jobs?limit=100")
    assert listed.status_code == 200
    strict_json(listed.get_data())


# --- real pages fit: the text limit is for text, HTML has its own ----------------------


def test_a_page_of_html_over_the_text_limit_is_accepted_and_plain_text_is_not(
    redis_url: str,
) -> None:
    client = create_app(
        Config(redis_url=redis_url, auth="disabled", max_text_chars=1000, max_html_chars=50_000)
    ).test_client()
    page = "<html><body>" + "<p>The ferry sails at noon.</p>" * 1000 + "</body></html>"
    assert 1000 < len(page) <= 50_000
    as_json = client.post("/v1/articles", json={"text": page, "content_type": "text/html"})
    assert as_json.status_code == 202, as_json.get_json()
    as_body = client.post("/v1/articles", data=page, content_type="text/html")
    assert as_body.status_code == 202, as_body.get_json()
    as_text = client.post("/v1/articles", json={"text": page})
    assert as_text.status_code == 422
    [error] = as_text.get_json()["errors"]
    assert error["field"] == "text" and "text/html" in str(error), error
    too_big = client.post("/v1/articles", data=page * 2, content_type="text/html")
    assert too_big.status_code == 422


def test_the_default_limits_take_a_page_of_five_megabytes(redis_url: str) -> None:
    client = create_app(Config(redis_url=redis_url, auth="disabled")).test_client()
    page = "<html><body>" + "<p>Night buses return to the river district.</p>" * 110_000
    assert len(page.encode()) > 5_000_000
    response = client.post("/v1/articles", data=page, content_type="text/html")
    assert response.status_code == 202, response.get_json()
