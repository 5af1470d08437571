"""The HTTP API against a real Redis (and, for finished jobs, a real in-process RQ worker)."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import pytest
from conftest import wait_until_a_long_poll_waits
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from newsdesk.queueing import JOB_FUNCTION, SERIALIZER
from newsdesk.results import DEFAULT_ANALYSES, ResultSchema
from newsdesk.settings import Config
from service.app import create_app
from service.schemas import MAX_METADATA_BYTES
from workers.prompt_stop import PromptSimpleWorker
from workers.worker import WORKER_CLASS

PROBLEM = "application/problem+json"
ARTICLE_TEXT = (
    "Menu | Search | Subscribe\n"
    "Night buses return to the river district\n"
    "By Tomas Velde\n"
    "The city council agreed on Tuesday to restore three night bus lines to the river "
    "district from next spring. Councillor Mira Osei said late-shift workers had waited "
    "two years for the change.\n"
    "Share this story"
)

needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("workers.pipeline") is None,
    reason="workers.pipeline (the analyses) is not written yet",
)


def long_article_paragraphs(count: int) -> list[str]:
    """Distinct invented paragraphs: repeats would be dropped as duplicates by cleanup."""
    return [
        f"Route {i} will run every {i % 7 + 2} minutes from the depot on Calder Street, "
        f"council engineer Priya Namdar told residents at meeting number {i}. "
        f"The change costs {i * 13} thousand euros and starts in week {i % 52 + 1}."
        for i in range(count)
    ]


def make_app(redis_url: str, **settings: Any) -> Flask:
    return create_app(Config(redis_url=redis_url, **settings))


@pytest.fixture
def app(redis_url: str) -> Flask:
    return make_app(redis_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"].startswith(("urn:newsdesk:problem:", "about:blank"))
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def failing_fields(response) -> dict[str, dict]:
    body = assert_problem(response, 422)
    assert body["type"] == "urn:newsdesk:problem:validation-error"
    return {error["field"]: error for error in body["errors"]}


def submit(client: FlaskClient, **fields: Any):
    return client.post("/v1/articles", json={"text": ARTICLE_TEXT, **fields})


def run_worker_burst(app: Flask) -> None:
    """Newsdesk's RQ worker, in this process, until the queue is empty."""
    store = app.extensions["newsdesk.jobstore"]
    connection = Redis.from_url(store.config.redis_url)
    queue = Queue(store.config.queue_name, connection=connection, serializer=SERIALIZER)
    WORKER_CLASS([queue], connection=connection, serializer=SERIALIZER).work(burst=True)


# --- submitting -------------------------------------------------------------------------


def test_submit_answers_202_with_location_and_the_queued_job(client: FlaskClient) -> None:
    response = submit(
        client,
        title="Night buses return",
        url="https://news.example.org/buses",
        language="en",
        analyses=["stats", "cleanup"],
        metadata={"desk": "city", "ids": [1, 2], "nested": {"ok": True}},
    )
    assert response.status_code == 202
    job = response.get_json()
    assert response.headers["Location"] == f"/v1/jobs/{job['id']}"
    uuid.UUID(job["id"])
    assert job["status"] == "queued"
    assert job["analyses"] == ["cleanup", "stats"]  # canonical order, not the asked order
    assert job["metadata"] == {"desk": "city", "ids": [1, 2], "nested": {"ok": True}}
    assert job["started_at"] is None and job["ended_at"] is None
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", job["created_at"])
    assert "result" not in job and "error" not in job


def test_submit_defaults_to_every_analysis_and_queues_the_article(
    app: Flask, client: FlaskClient, redis_url: str
) -> None:
    job = submit(client, title="Night buses").get_json()
    assert job["analyses"] == list(DEFAULT_ANALYSES)
    assert job["metadata"] is None
    queue = Queue(
        app.extensions["newsdesk.config"].queue_name, connection=Redis.from_url(redis_url)
    )
    assert queue.job_ids == [job["id"]]
    queued = queue.fetch_job(job["id"])
    queued.serializer = SERIALIZER
    assert queued.func_name == JOB_FUNCTION
    assert queued.args[0] == {
        "text": ARTICLE_TEXT,
        "title": "Night buses",
        "analyses": job["analyses"],
    }


def test_options_reach_the_worker_and_are_shown_with_the_job(
    app: Flask, client: FlaskClient, redis_url: str
) -> None:
    job = submit(client, options={"stats": {"reading_wpm": 180}}).get_json()
    assert job["options"] == {"stats": {"reading_wpm": 180}}
    queued = Queue(
        app.extensions["newsdesk.config"].queue_name,
        connection=Redis.from_url(redis_url),
        serializer=SERIALIZER,
    ).fetch_job(job["id"])
    assert queued.args[0]["options"] == {"stats": {"reading_wpm": 180}}


def test_job_without_options_shows_an_empty_object(client: FlaskClient) -> None:
    assert submit(client).get_json()["options"] == {}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"stats": {"reading_wpm": 10}}, "options.stats.reading_wpm"),
        ({"stats": {"reading_wpm": "fast"}}, "options.stats.reading_wpm"),
        ({"stats": {"speed": 200}}, "options.stats.speed"),
        ({"sentiment": {}}, "options.sentiment"),
        ([], "options"),
    ],
)
def test_bad_options_are_rejected(client: FlaskClient, options: Any, field: str) -> None:
    assert field in failing_fields(submit(client, options=options))


def test_get_shows_a_queued_job(client: FlaskClient) -> None:
    submitted = submit(client, metadata={"k": "v"}).get_json()
    response = client.get(f"/v1/jobs/{submitted['id']}")
    assert response.status_code == 200
    assert response.get_json() == submitted


def test_text_at_the_limit_is_accepted_one_more_is_not(redis_url: str) -> None:
    client = make_app(redis_url, max_text_chars=50).test_client()
    assert client.post("/v1/articles", json={"text": "a" * 50}).status_code == 202
    fields = failing_fields(client.post("/v1/articles", json={"text": "a" * 51}))
    assert list(fields) == ["text"]
    assert "50" in fields["text"]["detail"]


# --- validation: 422 names every failing field ------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_blank_text_is_rejected(client: FlaskClient, text: str) -> None:
    fields = failing_fields(client.post("/v1/articles", json={"text": text}))
    assert fields["text"]["pointer"] == "#/text"
    assert fields["text"]["location"] == "body"
    assert fields["text"]["detail"] == "Must not be blank."


def test_missing_text_is_rejected(client: FlaskClient) -> None:
    assert "text" in failing_fields(client.post("/v1/articles", json={"title": "x"}))


def test_unknown_field_is_rejected(client: FlaskClient) -> None:
    fields = failing_fields(submit(client, author="someone"))
    assert list(fields) == ["author"]
    assert fields["author"]["detail"] == "Unknown field."


@pytest.mark.parametrize(
    ("analyses", "field"),
    [
        ([], "analyses"),
        (["stats", "stats"], "analyses"),
        (["stats", "sentiment"], "analyses.1"),
        ("stats", "analyses"),
    ],
)
def test_bad_analyses_are_rejected(client: FlaskClient, analyses: Any, field: str) -> None:
    fields = failing_fields(submit(client, analyses=analyses))
    assert list(fields) == [field]
    assert fields[field]["pointer"] == "#/" + field.replace(".", "/")


@pytest.mark.parametrize("language", ["EN", "eng", "e", "en\n", "e1", 12])
def test_bad_language_is_rejected(client: FlaskClient, language: Any) -> None:
    assert list(failing_fields(submit(client, language=language))) == ["language"]


@pytest.mark.parametrize("url", ["not a url", "ftp://example.org/x", "/relative"])
def test_bad_url_is_rejected(client: FlaskClient, url: str) -> None:
    assert list(failing_fields(submit(client, url=url))) == ["url"]


def test_metadata_must_be_a_small_object(client: FlaskClient) -> None:
    big = {"note": "x" * MAX_METADATA_BYTES}
    fields = failing_fields(submit(client, metadata=big))
    assert list(fields) == ["metadata"]
    assert str(MAX_METADATA_BYTES) in fields["metadata"]["detail"]
    assert list(failing_fields(submit(client, metadata=["a", "list"]))) == ["metadata"]
    fits = {"note": "x" * (MAX_METADATA_BYTES - len('{"note":""}'))}
    assert submit(client, metadata=fits).status_code == 202


def test_every_failing_field_is_named_at_once(client: FlaskClient) -> None:
    response = client.post(
        "/v1/articles",
        json={"text": " ", "language": "EN", "analyses": ["stats", "x"], "extra": 1},
    )
    assert set(failing_fields(response)) == {"text", "language", "analyses.1", "extra"}


def test_body_that_is_not_an_object_is_rejected(client: FlaskClient) -> None:
    fields = failing_fields(client.post("/v1/articles", json=["text"]))
    assert fields[""]["pointer"] == "#"


# --- other client errors ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_json_nested_beyond_the_parser_is_400_not_500(client: FlaskClient, depth: int) -> None:
    body = '{"text": "a", "metadata": {"x": ' + "[" * depth + "]" * depth + "}}"
    response = client.post("/v1/articles", data=body, content_type="application/json")
    assert assert_problem(response, 400)["type"] == "urn:newsdesk:problem:malformed-json"


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/v1/articles", data='{"text": "unclosed', content_type="application/json"
    )
    body = assert_problem(response, 400)
    assert body["type"] == "urn:newsdesk:problem:malformed-json"


@pytest.mark.parametrize(
    "content_type",
    ["application/xml", "application/x-www-form-urlencoded", "multipart/form-data", None],
)
def test_body_that_is_not_json_is_415(client: FlaskClient, content_type: str | None) -> None:
    response = client.post("/v1/articles", data='{"text": "hi"}', content_type=content_type)
    assert_problem(response, 415)


def test_oversized_body_is_413(redis_url: str) -> None:
    client = make_app(redis_url, max_body_bytes=2000).test_client()
    assert client.post("/v1/articles", json={"text": "a" * 1500}).status_code == 202
    body = assert_problem(client.post("/v1/articles", json={"text": "a" * 2500}), 413)
    assert "2000" in body["detail"]


@pytest.mark.parametrize(
    "job_id", ["4b0d6f1e-3c2a-4e8b-9a55-7d1f0c2e9b31", "not-a-job-id", "0" * 300]
)
def test_unknown_or_malformed_job_is_404(client: FlaskClient, job_id: str) -> None:
    body = assert_problem(client.get(f"/v1/jobs/{job_id}"), 404)
    assert body["type"] == "urn:newsdesk:problem:job-not-found"


def test_unknown_route_is_404(client: FlaskClient) -> None:
    assert_problem(client.get("/v2/articles"), 404)
    assert_problem(client.get("/v1/jobs/"), 404)


@pytest.mark.parametrize("wait", ["-1", "31", "soon", "nan", "inf"])
def test_bad_wait_is_422(client: FlaskClient, wait: str) -> None:
    job = submit(client).get_json()
    fields = failing_fields(client.get(f"/v1/jobs/{job['id']}?wait={wait}"))
    assert fields["wait"]["location"] == "query"
    assert "pointer" not in fields["wait"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/articles", "POST"),
        ("DELETE", "/v1/articles", "POST"),
        ("PUT", "/v1/jobs/abc", "GET"),
        ("POST", "/healthz", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: FlaskClient, method: str, path: str, allowed: str
) -> None:
    response = client.open(path, method=method)
    assert_problem(response, 405)
    assert allowed in {m.strip() for m in response.headers["Allow"].split(",")}


def test_unexpected_exception_is_500_without_traceback(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(redis_url)

    def broken() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/broken", view_func=broken)
    with caplog.at_level(logging.INFO, logger="newsdesk.api"):
        response = app.test_client().get("/broken", headers={"X-Request-ID": "req-500"})
    body = assert_problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["request_id"] == "req-500"
    logged = [r for r in caplog.records if r.getMessage() == "unhandled exception"]
    assert len(logged) == 1 and logged[0].request_id == "req-500"


# --- Redis down ---------------------------------------------------------------------------


def test_redis_unreachable_is_a_quick_503_with_retry_after(dead_redis_url: str) -> None:
    client = create_app(Config(redis_url=dead_redis_url)).test_client()
    for send in (
        lambda: submit(client),
        lambda: client.get(f"/v1/jobs/{uuid.uuid4()}"),
    ):
        started = time.monotonic()
        response = send()
        assert time.monotonic() - started < 10  # no hang on a connection that cannot be made
        body = assert_problem(response, 503)
        assert body["type"] == "urn:newsdesk:problem:queue-unavailable"
        assert int(response.headers["Retry-After"]) > 0
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert_problem(ready, 503)
    assert "Redis" in ready.get_json()["detail"]


# --- probes and docs ----------------------------------------------------------------------


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_needs_a_registered_worker(app: Flask, client: FlaskClient, redis_url: str) -> None:
    body = assert_problem(client.get("/readyz"), 503)
    assert "worker" in body["detail"]
    assert client.get("/readyz").headers["Retry-After"]

    connection = Redis.from_url(redis_url)
    queue = Queue(app.extensions["newsdesk.config"].queue_name, connection=connection)
    worker = PromptSimpleWorker([queue], connection=connection, serializer=SERIALIZER)
    worker.register_birth()
    try:
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ready", "workers": 1}
    finally:
        worker.register_death()
    assert client.get("/readyz").status_code == 503

    other = Queue("some-other-queue", connection=connection)
    stranger = PromptSimpleWorker([other], connection=connection, serializer=SERIALIZER)
    stranger.register_birth()
    try:
        assert client.get("/readyz").status_code == 503
    finally:
        stranger.register_death()


def test_docs_page_loads_only_from_this_server(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
    for url in urls:
        assert url.startswith("/"), f"asset from elsewhere: {url}"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.data, url
    bundle = next(u for u in urls if u.endswith("swagger-ui-bundle.js"))
    assert b"SwaggerUIBundle" in client.get(bundle).data
    assert "validatorUrl: null" in html
    spec_url = json.loads(re.search(r"url: (\"[^\"]+\")", html).group(1))
    assert client.get(spec_url).get_json()["openapi"].startswith("3.")
    assert_problem(client.get("/docs/assets/index.html"), 404)
    assert_problem(client.get("/docs/assets/..%2f__init__.py"), 404)


def test_docs_with_a_trailing_slash_redirects_to_the_page(client: FlaskClient) -> None:
    response = client.get("/docs/")
    assert response.status_code == 308
    assert response.headers["Location"] == "/docs"
    followed = client.get("/docs/", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.get_data() == client.get("/docs").get_data()


def test_openapi_json_and_yaml_are_served(client: FlaskClient) -> None:
    as_json = client.get("/openapi.json")
    assert as_json.status_code == 200
    assert "/v1/articles" in as_json.get_json()["paths"]
    as_yaml = client.get("/openapi.yaml")
    assert as_yaml.status_code == 200
    assert as_yaml.get_data(as_text=True).startswith("openapi: 3.0.3\n")


# --- request ids and the request log --------------------------------------------------------


def test_request_id_is_echoed_or_made(client: FlaskClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id {forged}"}).headers[
        "X-Request-ID"
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["X-Request-ID"] != made


def test_one_log_line_per_request_with_job_id_and_no_text(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="newsdesk.api"):
        response = submit(client)
    job_id = response.get_json()["id"]
    lines = [r for r in caplog.records if r.name == "newsdesk.api" and r.getMessage() == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert (line.method, line.path, line.status) == ("POST", "/v1/articles", 202)
    assert line.job_id == job_id
    assert line.request_id == response.headers["X-Request-ID"]
    assert line.duration_ms >= 0
    for record in caplog.records:
        assert "Night buses" not in json.dumps(vars(record), default=str)


# --- with a real worker ---------------------------------------------------------------------


@needs_pipeline
def test_worker_finishes_the_job_and_get_shows_the_result(app: Flask, client: FlaskClient) -> None:
    job = submit(client, analyses=["cleanup", "stats"], metadata={"desk": "city"}).get_json()
    run_worker_burst(app)
    response = client.get(f"/v1/jobs/{job['id']}")
    assert response.status_code == 200
    finished = response.get_json()
    assert finished["status"] == "finished", finished
    assert finished["started_at"] and finished["ended_at"]
    assert finished["metadata"] == {"desk": "city"}
    assert ResultSchema().validate(finished["result"]) == {}
    assert set(finished["result"]) == {"cleanup", "stats", "warnings"}
    assert "error" not in finished
    # Each step that ran, timed; the whole job at least as long as its steps.
    timings = finished["timings"]
    assert {"cleanup", "language", "nlp", "stats", "total"} == set(timings)
    assert timings["total"] >= timings["cleanup"] + timings["stats"] > 0
    assert job["timings"] == {}  # nothing to time while queued


@needs_pipeline
def test_long_poll_answers_as_soon_as_the_job_ends(
    app: Flask, client: FlaskClient, redis_url: str
) -> None:
    job = submit(client, analyses=["stats"]).get_json()
    answer: dict[str, Any] = {}

    def long_poll() -> None:
        response = app.test_client().get(f"/v1/jobs/{job['id']}?wait=30")
        answer.update(body=response.get_json())

    poller = threading.Thread(target=long_poll)
    poller.start()
    wait_until_a_long_poll_waits(redis_url)
    assert "body" not in answer, "the long poll answered before the job ended"
    run_worker_burst(app)  # in the main thread: RQ's job timeout uses signals
    # Well before its 30 s wait runs out: the job's end woke it.
    poller.join(20)
    assert not poller.is_alive(), "the long poll went on after the job ended"
    assert answer["body"]["status"] == "finished"


def test_long_poll_gives_up_after_wait(client: FlaskClient) -> None:
    job = submit(client).get_json()
    started = time.monotonic()
    response = client.get(f"/v1/jobs/{job['id']}?wait=0.4")
    elapsed = time.monotonic() - started
    assert response.get_json()["status"] == "queued"
    assert 0.4 <= elapsed < 10  # waited, and gave up long before a slow machine would hang


@needs_pipeline
def test_failed_job_shows_a_short_error_and_no_traceback(redis_url: str) -> None:
    # A real failure: a one-second job time limit and an article that takes longer.
    app = make_app(redis_url, job_timeout=1)
    client = app.test_client()
    long_text = "\n\n".join(long_article_paragraphs(900))  # several seconds of work
    job = client.post("/v1/articles", json={"text": long_text}).get_json()
    # A real worker process: in this one, test tooling's own hooks may swallow the alarm.
    config = app.extensions["newsdesk.config"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(REDIS_URL=config.redis_url, NEWSDESK_QUEUE=config.queue_name)
    burst = [sys.executable, "-m", "newsdesk", "worker", "--burst"]
    subprocess.run(burst, env=env, check=True, capture_output=True, timeout=120)
    response = client.get(f"/v1/jobs/{job['id']}")
    assert response.status_code == 200
    failed = response.get_json()
    assert failed["status"] == "failed", failed.get("error")
    assert failed["started_at"] and failed["ended_at"]
    assert "result" not in failed
    assert failed["error"]["type"] == "timeout"
    assert 0 < len(failed["error"]["message"]) < 200
    assert "Traceback" not in response.get_data(as_text=True)
