"""Cancelling and listing jobs, and articles sent as text/plain or text/html bodies."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from rq.job import Job

from newsdesk.jobcontrol import cancel_requested
from newsdesk.keys import KeyStore
from newsdesk.queueing import SERIALIZER
from newsdesk.settings import Config
from service.app import create_app
from service.jobstore import OWNER_INDEX
from workers.prompt_stop import PromptSimpleWorker

PROBLEM = "application/problem+json"
TEXT = "The harbour ferry resumed its winter timetable on Monday, the operator said."


@pytest.fixture
def app(redis_url: str) -> Flask:
    return create_app(Config(redis_url=redis_url, auth="required"))


@pytest.fixture
def key(redis_url: str) -> str:
    return KeyStore(Redis.from_url(redis_url)).create("cms").key


@pytest.fixture
def client(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def submit(client: FlaskClient, **fields: object) -> dict:
    response = client.post("/v1/articles", json={"text": TEXT, **fields})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


def fields_failing(response) -> dict[str, dict]:
    return {e["field"]: e for e in problem(response, 422)["errors"]}


def run_worker_burst(app: Flask) -> None:
    config = app.extensions["newsdesk.config"]
    connection = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=connection, serializer=SERIALIZER)
    PromptSimpleWorker([queue], connection=connection, serializer=SERIALIZER).work(burst=True)


# --- DELETE ------------------------------------------------------------------------------


def test_a_queued_job_is_cancelled_and_never_runs(app: Flask, client: FlaskClient) -> None:
    job = submit(client, analyses=["stats"])
    other = submit(client, analyses=["stats"])
    response = client.delete(f"/v1/jobs/{job['id']}")
    assert response.status_code == 200
    canceled = response.get_json()
    assert canceled["status"] == "canceled"
    assert canceled["ended_at"] and canceled["started_at"] is None
    run_worker_burst(app)
    after = client.get(f"/v1/jobs/{job['id']}").get_json()
    assert after["status"] == "canceled" and after["started_at"] is None
    assert "result" not in after and after["timings"] == {}
    assert client.get(f"/v1/jobs/{other['id']}").get_json()["status"] == "finished"


def test_a_job_taken_by_a_worker_after_the_cancel_stops_before_its_first_step(
    app: Flask, client: FlaskClient, redis_url: str
) -> None:
    # The worker took the job just as DELETE came: RQ's cancel is too late, the flag is not.
    job = submit(client, analyses=["stats"])
    connection = Redis.from_url(redis_url)
    stored = Job.fetch(job["id"], connection=connection, serializer=SERIALIZER)
    queue = app.extensions["newsdesk.jobstore"].queue
    assert client.delete(f"/v1/jobs/{job['id']}").status_code == 200
    assert cancel_requested(connection, job["id"])
    queue.enqueue_job(stored)  # as if the worker had it in hand already
    run_worker_burst(app)
    after = client.get(f"/v1/jobs/{job['id']}").get_json()
    assert after["status"] == "canceled"
    assert "result" not in after


def test_an_ended_job_cannot_be_cancelled(app: Flask, client: FlaskClient) -> None:
    finished = submit(client, analyses=["stats"])
    run_worker_burst(app)
    body = problem(client.delete(f"/v1/jobs/{finished['id']}"), 409)
    assert body["type"] == "urn:newsdesk:problem:job-ended"
    assert "finished" in body["detail"]
    assert client.get(f"/v1/jobs/{finished['id']}").get_json()["status"] == "finished"

    twice = submit(client)
    assert client.delete(f"/v1/jobs/{twice['id']}").status_code == 200
    assert "canceled" in problem(client.delete(f"/v1/jobs/{twice['id']}"), 409)["detail"]


def test_a_running_job_is_asked_to_stop(app: Flask, client: FlaskClient, redis_url: str) -> None:
    from rq.job import JobStatus

    job = submit(client)
    connection = Redis.from_url(redis_url)
    stored = Job.fetch(job["id"], connection=connection, serializer=SERIALIZER)
    stored.set_status(JobStatus.STARTED)  # what a worker does when it takes the job
    response = client.delete(f"/v1/jobs/{job['id']}")
    assert response.status_code == 202
    assert response.get_json()["status"] == "started"
    assert cancel_requested(connection, job["id"])


def test_unknown_job_delete_is_404(client: FlaskClient) -> None:
    problem(client.delete(f"/v1/jobs/{uuid.uuid4()}"), 404)
    problem(client.delete("/v1/jobs/not-an-id"), 404)


# --- GET /v1/jobs -----------------------------------------------------------------------


def test_jobs_are_listed_newest_first_page_by_page(client: FlaskClient) -> None:
    made = [submit(client, metadata={"n": n})["id"] for n in range(5)]
    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        url = "/v1/jobs?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url).get_json()
        pages += 1
        assert len(page["jobs"]) <= 2
        seen += [job["id"] for job in page["jobs"]]
        assert all("result" not in job for job in page["jobs"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))
    assert pages == 3
    assert len(client.get("/v1/jobs").get_json()["jobs"]) == 5  # default limit 20


def test_a_full_last_page_has_no_next_cursor(client: FlaskClient) -> None:
    for _ in range(2):
        submit(client)
    assert client.get("/v1/jobs?limit=2").get_json()["next_cursor"] is None


def test_jobs_can_be_filtered_by_status(client: FlaskClient) -> None:
    kept = submit(client)
    dropped = submit(client)
    client.delete(f"/v1/jobs/{dropped['id']}")
    canceled = client.get("/v1/jobs?status=canceled").get_json()
    assert [job["id"] for job in canceled["jobs"]] == [dropped["id"]]
    queued = client.get("/v1/jobs?status=queued").get_json()
    assert [job["id"] for job in queued["jobs"]] == [kept["id"]]


def test_expired_jobs_leave_the_list_and_the_index(client: FlaskClient, redis_url: str) -> None:
    gone = submit(client)
    kept = submit(client)
    connection = Redis.from_url(redis_url)
    connection.delete(Job.key_for(gone["id"]))  # what its TTL does
    listed = client.get("/v1/jobs").get_json()
    assert [job["id"] for job in listed["jobs"]] == [kept["id"]]
    assert connection.zscore(OWNER_INDEX.format("cms"), gone["id"]) is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("status=done", "status"),
        ("cursor=bm9wZQ", "cursor"),
        ("cursor=%25%25%25", "cursor"),
        ("limt=5", "limt"),
    ],
)
def test_bad_list_queries_are_422(client: FlaskClient, query: str, field: str) -> None:
    failing = fields_failing(client.get(f"/v1/jobs?{query}"))
    assert failing[field]["location"] == "query"


# --- text bodies -------------------------------------------------------------------------


def queued_args(app: Flask, job_id: str) -> dict:
    store = app.extensions["newsdesk.jobstore"]
    return Job.fetch(job_id, connection=store.redis, serializer=SERIALIZER).args[0]


def test_a_text_plain_body_is_the_article_with_options_in_the_query(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/v1/articles?analyses=stats,cleanup&title=Ferry%20timetable&language=en"
        "&url=https://news.example.org/ferry",
        data=TEXT.encode(),
        content_type="text/plain; charset=utf-8",
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()
    assert job["analyses"] == ["cleanup", "stats"]
    assert queued_args(app, job["id"]) == {
        "text": TEXT,
        "title": "Ferry timetable",
        "url": "https://news.example.org/ferry",
        "language": "en",
        "analyses": ["cleanup", "stats"],
    }


def test_a_text_html_body_is_marked_as_html(app: Flask, client: FlaskClient) -> None:
    page = f"<html><body><article><p>{TEXT}</p></article></body></html>"
    response = client.post("/v1/articles", data=page, content_type="text/html")
    assert response.status_code == 202
    args = queued_args(app, response.get_json()["id"])
    assert args["content_type"] == "text/html" and args["text"] == page


def test_a_text_body_in_another_charset_is_decoded(app: Flask, client: FlaskClient) -> None:
    text = "Café owners in Årstad met the council on Friday."
    response = client.post(
        "/v1/articles", data=text.encode("latin-1"), content_type="text/plain; charset=latin-1"
    )
    assert queued_args(app, response.get_json()["id"])["text"] == text


def test_text_body_errors_name_the_field_and_where_it_came_from(client: FlaskClient) -> None:
    response = client.post(
        "/v1/articles?analyses=stats,sentiment&language=EN&author=me",
        data="   ",
        content_type="text/plain",
    )
    failing = fields_failing(response)
    assert set(failing) == {"analyses.1", "language", "author", "text"}
    assert {failing[f]["location"] for f in ("analyses.1", "language", "author")} == {"query"}
    assert failing["text"]["location"] == "body"
    assert failing["text"]["pointer"] == "#/text"


def test_a_text_body_that_does_not_decode_is_422(client: FlaskClient) -> None:
    response = client.post("/v1/articles", data=b"caf\xe9 \xff", content_type="text/plain")
    assert fields_failing(response)["text"]["location"] == "body"


def test_a_text_body_over_the_limit_is_413(redis_url: str, key: str) -> None:
    client = create_app(
        Config(redis_url=redis_url, auth="required", max_body_bytes=2000)
    ).test_client()
    headers = {"Authorization": f"Bearer {key}"}
    fits = client.post("/v1/articles", data="a" * 1500, content_type="text/plain", headers=headers)
    assert fits.status_code == 202
    big = client.post("/v1/articles", data="a" * 2500, content_type="text/plain", headers=headers)
    assert problem(big, 413)["type"] == "urn:newsdesk:problem:body-too-large"


@pytest.mark.parametrize("content_type", ["application/xml", "text/csv", "image/png"])
def test_other_body_types_are_415(client: FlaskClient, content_type: str) -> None:
    response = client.post("/v1/articles", data=TEXT, content_type=content_type)
    assert problem(response, 415)["type"] == "urn:newsdesk:problem:unsupported-media-type"


def test_entries_older_than_any_job_can_live_are_pruned_on_submit(
    client: FlaskClient, redis_url: str
) -> None:
    import time

    connection = Redis.from_url(redis_url)
    index = OWNER_INDEX.format("cms")
    ancient = str(uuid.uuid4())
    connection.zadd(index, {ancient: time.time() - 60 * 24 * 3600})  # 60 days: past any TTL
    recent = submit(client)
    assert connection.zscore(index, ancient) is None
    assert connection.zscore(index, recent["id"]) is not None


def test_expired_jobs_met_mid_list_do_not_hide_the_ones_after_them(
    client: FlaskClient, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import jobstore

    monkeypatch.setattr(jobstore, "_SCAN_BATCH", 2)  # several index reads in one call
    made = [submit(client)["id"] for _ in range(6)]
    connection = Redis.from_url(redis_url)
    for expired in made[2:4]:
        connection.delete(Job.key_for(expired))
    listed = client.get("/v1/jobs").get_json()
    assert [job["id"] for job in listed["jobs"]] == [made[5], made[4], made[1], made[0]]
    assert listed["next_cursor"] is None


@pytest.mark.parametrize("name", ["text", "content_type", "options", "metadata"])
def test_a_text_body_takes_no_json_only_field_from_the_query(
    client: FlaskClient, name: str
) -> None:
    response = client.post(f"/v1/articles?{name}=text/html", data=TEXT, content_type="text/plain")
    assert fields_failing(response)[name]["location"] == "query"
