"""Batches, Idempotency-Key, result reuse and callback URL checks, through the Flask app on a
real Redis; finished jobs come from a real in-process worker of the project's own class."""

from __future__ import annotations

import ipaddress
import itertools
import threading
from typing import Any

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from newsdesk.keys import ANONYMOUS
from newsdesk.queueing import SERIALIZER
from newsdesk.settings import Config
from newsdesk.webhooks import (
    RETRY_HORIZON_SECONDS,
    UnsafeCallback,
    check_callback_url,
    retry_intervals,
)
from service import jobstore
from service.app import create_app
from service.idempotency import slot_key
from service.schemas import BatchSchema, JobSchema
from workers.worker import LeasedWorker

PROBLEM = "application/problem+json"
BRIEF = (
    "The Kessel ferry will run every half hour from June, harbour master Ilse Varga said "
    "on Monday. Evening crossings stay hourly."
)
OTHER_BRIEF = "Calder Street's bakery reopened after a fire, owner Sami Roth said."


def owned_app(redis_url: str, **settings: Any) -> Flask:
    """The app with a stand-in for authentication: the owner comes from a test header."""
    app = create_app(Config(redis_url=redis_url, **settings))

    @app.before_request
    def _owner() -> None:
        g.owner = request.headers.get("X-Test-Owner", ANONYMOUS)

    return app


@pytest.fixture
def app(redis_url: str) -> Flask:
    return owned_app(redis_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json(force=True)


def fields_of(response) -> dict[str, dict]:
    return {error["field"]: error for error in problem(response, 422)["errors"]}


def queued_ids(app: Flask) -> list[str]:
    store = app.extensions["newsdesk.jobstore"]
    return Queue(store.config.queue_name, connection=store.redis).job_ids


def work_queue(app: Flask) -> None:
    """The project's worker class, in this process, until the queue is empty."""
    store = app.extensions["newsdesk.jobstore"]
    connection = Redis.from_url(store.config.redis_url)
    queue = Queue(store.config.queue_name, connection=connection, serializer=SERIALIZER)
    worker = LeasedWorker([queue], connection=connection, serializer=SERIALIZER)
    worker.config = store.config
    worker.work(burst=True)


# --- batches ------------------------------------------------------------------------------


def test_a_batch_queues_the_valid_articles_and_lists_the_invalid_by_index(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/v1/batches",
        json={
            "articles": [
                {"text": BRIEF, "metadata": {"n": 0}},
                {"text": "  "},
                {"text": OTHER_BRIEF, "analyses": ["stats", "sentiment"]},
                {"text": OTHER_BRIEF, "colour": "red"},
                {"text": OTHER_BRIEF, "analyses": ["stats"]},
            ]
        },
    )
    assert response.status_code == 202, response.get_json()
    batch = response.get_json()
    assert BatchSchema().validate(batch) == {}
    assert response.headers["Location"] == f"/v1/batches/{batch['id']}"
    assert [job["index"] for job in batch["jobs"]] == [0, 4]
    assert all(job["url"] == f"/v1/jobs/{job['id']}" for job in batch["jobs"])
    assert sorted(queued_ids(app)) == sorted(job["id"] for job in batch["jobs"])
    errors = {entry["index"]: entry["errors"] for entry in batch["errors"]}
    assert set(errors) == {1, 2, 3}
    assert errors[1][0]["field"] == "articles.1.text"
    assert errors[1][0]["pointer"] == "#/articles/1/text"
    assert errors[2][0]["field"] == "articles.2.analyses.1"
    assert errors[3][0]["field"] == "articles.3.colour"
    assert batch["counts"]["queued"] == 2

    job = client.get(batch["jobs"][0]["url"]).get_json()
    assert job["batch_id"] == batch["id"] and job["metadata"] == {"n": 0}
    again = client.get(response.headers["Location"]).get_json()
    assert again["jobs"] == batch["jobs"] and again["errors"] == batch["errors"]


def test_a_batch_shows_counts_by_status_as_its_jobs_end(app: Flask, client: FlaskClient) -> None:
    articles = [
        {"text": BRIEF, "analyses": ["stats"]},
        {"text": OTHER_BRIEF, "analyses": ["stats"]},
    ]
    batch = client.post("/v1/batches", json={"articles": articles}).get_json()
    work_queue(app)
    ended = client.get(f"/v1/batches/{batch['id']}").get_json()
    assert ended["counts"] == {
        "queued": 0,
        "started": 0,
        "finished": 2,
        "failed": 0,
        "canceled": 0,
        "expired": 0,
    }
    assert {job["status"] for job in ended["jobs"]} == {"finished"}
    assert "result" not in ended["jobs"][0]  # results are read at each job's URL
    assert client.get(ended["jobs"][1]["url"]).get_json()["result"]["stats"]["words"] > 0


def test_a_batch_without_a_valid_article_is_refused(app: Flask, client: FlaskClient) -> None:
    response = client.post("/v1/batches", json={"articles": [{"text": ""}, {"title": "x"}]})
    assert set(fields_of(response)) == {"articles.0.text", "articles.1.text"}
    assert queued_ids(app) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"articles": []}, "articles"),
        ({"articles": [{"text": "Short note."}] * 101}, "articles"),
        ({"articles": {"text": "x"}}, "articles"),
        ({"articles": [{"text": "ok"}, "not an object"]}, "articles.1"),
        ({}, "articles"),
        ({"articles": [{"text": "ok"}], "extra": 1}, "extra"),
        ({"articles": [{"text": "ok"}], "callback_url": "ftp://example.org/x"}, "callback_url"),
    ],
)
def test_a_malformed_batch_names_the_field(client: FlaskClient, body: dict, field: str) -> None:
    assert field in fields_of(client.post("/v1/batches", json=body))


def test_a_batch_of_a_hundred_is_accepted(client: FlaskClient) -> None:
    articles = [
        {"text": f"Brief number {n} about the ferry.", "analyses": ["stats"]} for n in range(100)
    ]
    response = client.post("/v1/batches", json={"articles": articles})
    assert response.status_code == 202
    assert len(response.get_json()["jobs"]) == 100


def test_a_batch_belongs_to_its_owner(client: FlaskClient) -> None:
    made = client.post(
        "/v1/batches", json={"articles": [{"text": BRIEF}]}, headers={"X-Test-Owner": "cms"}
    ).get_json()
    assert (
        client.get(f"/v1/batches/{made['id']}", headers={"X-Test-Owner": "cms"}).status_code == 200
    )
    for owner in ("wire", ANONYMOUS):
        body = problem(
            client.get(f"/v1/batches/{made['id']}", headers={"X-Test-Owner": owner}), 404
        )
        assert body["type"] == "urn:newsdesk:problem:batch-not-found"
    job = client.get(made["jobs"][0]["url"], headers={"X-Test-Owner": "cms"}).get_json()
    assert job["id"] == made["jobs"][0]["id"]
    problem(client.get(made["jobs"][0]["url"], headers={"X-Test-Owner": "wire"}), 404)


@pytest.mark.parametrize("batch_id", ["not-a-uuid", "5a0c6c44-3a3e-4f5b-9d7e-1d2f3a4b5c6d"])
def test_an_unknown_batch_is_404(client: FlaskClient, batch_id: str) -> None:
    problem(client.get(f"/v1/batches/{batch_id}"), 404)


def test_a_batch_with_an_unsafe_article_callback_refuses_that_article_only(
    client: FlaskClient,
) -> None:
    response = client.post(
        "/v1/batches",
        json={
            "articles": [
                {"text": BRIEF},
                {"text": OTHER_BRIEF, "callback_url": "http://10.1.2.3/hook"},
            ]
        },
    )
    assert response.status_code == 202
    batch = response.get_json()
    assert [job["index"] for job in batch["jobs"]] == [0]
    [refused] = batch["errors"]
    assert refused["index"] == 1
    assert refused["errors"][0]["field"] == "articles.1.callback_url"
    assert "private" in refused["errors"][0]["detail"]


# --- idempotency --------------------------------------------------------------------------


def post_article(client: FlaskClient, key: str | None, owner: str = ANONYMOUS, **body: Any):
    headers = {"X-Test-Owner": owner}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/v1/articles", json={"text": BRIEF, **body}, headers=headers)


def test_a_retry_with_the_same_key_gets_the_same_job(app: Flask, client: FlaskClient) -> None:
    first = post_article(client, "order-7", metadata={"a": 1})
    again = post_article(client, "order-7", metadata={"a": 1})
    assert first.status_code == again.status_code == 202
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert queued_ids(app) == [first.get_json()["id"]]


def test_the_same_body_with_other_spacing_is_the_same_request(client: FlaskClient) -> None:
    first = post_article(client, "k", metadata={"a": 1, "b": 2})
    again = client.post(
        "/v1/articles",
        data='{"metadata": {"b": 2, "a": 1},   "text": ' + f'"{BRIEF}"' + "}",
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert again.get_json()["id"] == first.get_json()["id"]


def test_the_same_key_with_another_body_is_422(app: Flask, client: FlaskClient) -> None:
    first = post_article(client, "order-8")
    body = problem(post_article(client, "order-8", title="Another"), 422)
    assert body["type"] == "urn:newsdesk:problem:idempotency-conflict"
    assert "Idempotency-Key" in body["detail"]
    # the same key on the other endpoint is another request too
    other = client.post(
        "/v1/batches", json={"articles": [{"text": BRIEF}]}, headers={"Idempotency-Key": "order-8"}
    )
    problem(other, 422)
    assert queued_ids(app) == [first.get_json()["id"]]


def test_a_retry_while_the_first_is_in_flight_is_409(app: Flask, client: FlaskClient) -> None:
    redis = app.extensions["newsdesk.jobstore"].redis
    # what a first request holds while it is being handled
    redis.set(slot_key(ANONYMOUS, "order-9") + ":lock", "x", ex=60)
    body = problem(post_article(client, "order-9"), 409)
    assert body["type"] == "urn:newsdesk:problem:idempotency-conflict"
    assert queued_ids(app) == []
    redis.delete(slot_key(ANONYMOUS, "order-9") + ":lock")
    assert post_article(client, "order-9").status_code == 202


class HeldJobStore(jobstore.JobStore):
    """The real store, but its first submission waits inside the handler until released."""

    def __init__(self, store: jobstore.JobStore) -> None:
        super().__init__(store.redis, store.config)
        self.entered = threading.Event()
        self.release = threading.Event()

    def submit(self, *args: Any, **kwargs: Any) -> dict:
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(30), "the test never released the first request"
        return super().submit(*args, **kwargs)


def test_two_concurrent_requests_with_one_key_make_one_job(app: Flask) -> None:
    store = HeldJobStore(app.extensions["newsdesk.jobstore"])
    app.extensions["newsdesk.jobstore"] = store
    answers: list[Any] = []
    first = threading.Thread(
        target=lambda: answers.append(post_article(app.test_client(), "order-10"))
    )
    first.start()
    try:
        assert store.entered.wait(30), "the first request never reached the handler"
        # The first request holds the key inside its handler: the second one meets it there.
        second = problem(post_article(app.test_client(), "order-10"), 409)
        assert second["type"] == "urn:newsdesk:problem:idempotency-conflict"
        assert queued_ids(app) == []
    finally:
        store.release.set()
        first.join(30)
    assert not first.is_alive()
    [answer] = answers
    assert answer.status_code == 202
    retry = post_article(app.test_client(), "order-10")
    assert retry.status_code == 202
    assert retry.get_json() == answer.get_json()
    assert retry.headers["Location"] == answer.headers["Location"]
    assert queued_ids(app) == [answer.get_json()["id"]]


def test_keys_are_per_owner(app: Flask, client: FlaskClient) -> None:
    cms = post_article(client, "shared", owner="cms").get_json()
    wire = post_article(client, "shared", owner="wire").get_json()
    assert cms["id"] != wire["id"]
    assert len(queued_ids(app)) == 2


def test_a_refused_request_keeps_no_answer_for_its_key(client: FlaskClient) -> None:
    problem(post_article(client, "fix-me", language="english"), 422)
    assert post_article(client, "fix-me", language="en").status_code == 202


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_a_bad_key_is_422_naming_the_header(client: FlaskClient, key: str) -> None:
    errors = fields_of(post_article(client, key))
    assert errors["Idempotency-Key"]["location"] == "header"


def test_a_key_of_255_characters_is_accepted(client: FlaskClient) -> None:
    assert post_article(client, "k" * 255).status_code == 202


def test_a_batch_retry_gets_the_same_batch(app: Flask, client: FlaskClient) -> None:
    body = {"articles": [{"text": BRIEF}, {"text": " "}]}
    first = client.post("/v1/batches", json=body, headers={"Idempotency-Key": "b-1"})
    again = client.post("/v1/batches", json=body, headers={"Idempotency-Key": "b-1"})
    assert first.status_code == again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(queued_ids(app)) == 1


# --- result reuse -------------------------------------------------------------------------


def test_an_identical_request_gets_a_finished_job_at_once(app: Flask, client: FlaskClient) -> None:
    first = post_article(client, None, analyses=["stats", "cleanup"], metadata={"v": 1})
    work_queue(app)
    original = client.get(first.headers["Location"]).get_json()
    assert original["status"] == "finished" and original["cached"] is False

    again = post_article(client, None, analyses=["cleanup", "stats"], metadata={"v": 2})
    assert again.status_code == 202
    reused = again.get_json()
    assert JobSchema().validate(reused) == {}
    assert reused["id"] != original["id"]
    assert reused["status"] == "finished" and reused["cached"] is True
    assert reused["result"] == original["result"]
    assert reused["metadata"] == {"v": 2}  # the new request's own metadata
    assert reused["timings"] == {}
    assert queued_ids(app) == [], "a cached job must not run the analyses again"
    assert client.get(again.headers["Location"]).get_json() == reused


@pytest.mark.parametrize(
    "change",
    [
        {"options": {"stats": {"reading_wpm": 120}}},
        {"analyses": ["stats"]},
        {"text": BRIEF + " Fares stay the same."},
        {"title": "Ferry timetable"},
    ],
)
def test_a_different_request_runs_again(app: Flask, client: FlaskClient, change: dict) -> None:
    post_article(client, None, analyses=["stats", "cleanup"])
    work_queue(app)
    body = {"analyses": ["stats", "cleanup"], **change}
    again = client.post("/v1/articles", json={"text": BRIEF, **body}).get_json()
    assert again["cached"] is False and again["status"] == "queued"


def test_another_owner_gets_no_reused_result(app: Flask, client: FlaskClient) -> None:
    post_article(client, None, owner="cms", analyses=["stats"])
    work_queue(app)
    assert post_article(client, None, owner="cms", analyses=["stats"]).get_json()["cached"]
    assert not post_article(client, None, owner="wire", analyses=["stats"]).get_json()["cached"]


def test_an_analysis_not_marked_reusable_always_runs(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobstore, "REUSABLE_ANALYSES", frozenset({"cleanup"}))
    post_article(client, None, analyses=["stats"])
    work_queue(app)
    assert post_article(client, None, analyses=["stats"]).get_json()["cached"] is False
    post_article(client, None, analyses=["cleanup"])
    work_queue(app)
    assert post_article(client, None, analyses=["cleanup"]).get_json()["cached"] is True


def test_no_reuse_once_the_earlier_job_is_gone(app: Flask, client: FlaskClient) -> None:
    first = post_article(client, None, analyses=["stats"]).get_json()
    work_queue(app)
    store = app.extensions["newsdesk.jobstore"]
    store.redis.delete(f"rq:job:{first['id']}")
    assert post_article(client, None, analyses=["stats"]).get_json()["cached"] is False


# --- callback URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://172.16.4.1/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fd00:ec2::254]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://240.0.0.1/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_internal_addresses_are_refused(client: FlaskClient, url: str) -> None:
    with pytest.raises(UnsafeCallback):
        check_callback_url(url)
    errors = fields_of(post_article(client, None, callback_url=url))
    assert errors["callback_url"]["pointer"] == "#/callback_url"


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/hook", "file:///etc/passwd", "http://user:pw@203.0.113.9/hook"],
)
def test_other_schemes_and_credentials_are_refused(client: FlaskClient, url: str) -> None:
    assert "callback_url" in fields_of(post_article(client, None, callback_url=url))


def test_a_public_address_is_accepted_and_shown_with_the_job(client: FlaskClient) -> None:
    target = check_callback_url("https://93.184.215.14:8443/hooks/newsdesk?x=1")
    assert ipaddress.ip_address(target.address).is_global
    assert target.connect_url("https://93.184.215.14:8443/hooks/newsdesk?x=1") == (
        "https://93.184.215.14:8443/hooks/newsdesk?x=1"
    )
    job = post_article(client, None, callback_url="http://93.184.215.14/hook").get_json()
    assert job["webhook"] == {
        "url": "http://93.184.215.14/hook",
        "state": "pending",
        "attempts": [],
    }


def test_allowed_hosts_may_be_internal(redis_url: str) -> None:
    client = owned_app(redis_url, webhook_allowed_hosts="127.0.0.1, Localhost").test_client()
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook"):
        assert post_article(client, None, callback_url=url).status_code == 202, url
    assert "callback_url" in fields_of(post_article(client, None, callback_url="http://10.0.0.1/"))


def test_retries_double_and_span_a_day() -> None:
    intervals = retry_intervals(30)
    assert intervals[:4] == [30, 60, 120, 240]
    assert sum(intervals) == RETRY_HORIZON_SECONDS
    assert all(b <= 2 * a for a, b in itertools.pairwise(intervals))
    assert retry_intervals(1)[:3] == [1, 2, 4]
