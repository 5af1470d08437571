"""GET /metrics: request, queue, worker and job metrics in Prometheus format, with a real Redis."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest
from conftest import running_api
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from rq import Queue

from newsdesk import jobmetrics
from newsdesk.queueing import SERIALIZER
from newsdesk.settings import load
from service.app import create_app
from workers.worker import WORKER_CLASS

ARTICLE = {"text": "The harbour ferry sails again on Monday, the port authority said."}


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[(name, frozenset(labels.items()))]


@pytest.fixture
def app(redis_url: str) -> Flask:
    return create_app(replace(load(), redis_url=redis_url, queue_name="metrics"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_the_content_type_is_prometheus_text_with_one_charset(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.headers.get_all("Content-Type") == [CONTENT_TYPE_LATEST]
    assert re.fullmatch(
        r"text/plain; version=\d+(\.\d+)*; charset=utf-8", response.headers["Content-Type"]
    )


def test_requests_are_counted_by_route_not_by_path(client: FlaskClient) -> None:
    # Request counters are per process: compare two scrapes, other tests count too.
    job_route = {"method": "GET", "route": "/v1/jobs/<job_id>", "status": "404"}
    submit = {"method": "POST", "route": "/v1/articles", "status": "202"}
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    before = samples(scrape(client))
    client.post("/v1/articles", json=ARTICLE)
    client.get("/v1/jobs/00000000-0000-4000-8000-000000000000")
    client.get("/v1/jobs/00000000-0000-4000-8000-000000000001")
    client.get("/no/such/page")
    after = samples(scrape(client))

    def added(name: str, labels: dict[str, str]) -> float:
        key = (name, frozenset(labels.items()))
        return after[key] - before.get(key, 0)

    assert added("newsdesk_http_requests_total", job_route) == 2
    assert added("newsdesk_http_requests_total", submit) == 1
    assert added("newsdesk_http_requests_total", unmatched) == 1
    timed = {"method": "GET", "route": "/v1/jobs/<job_id>"}
    assert added("newsdesk_http_request_duration_seconds_count", timed) == 2


def test_queue_workers_and_jobs_come_from_redis(app: Flask, client: FlaskClient) -> None:
    client.post("/v1/articles", json=ARTICLE)
    text = scrape(client)
    assert value(text, "newsdesk_redis_up") == 1
    assert value(text, "newsdesk_queue_jobs", state="queued") == 1
    assert value(text, "newsdesk_workers") == 0
    assert value(text, "newsdesk_jobs_total", status="finished") == 0

    store = app.extensions["newsdesk.jobstore"]
    connection = Redis.from_url(store.config.redis_url)
    queue = Queue(store.config.queue_name, connection=connection, serializer=SERIALIZER)
    WORKER_CLASS([queue], connection=connection, serializer=SERIALIZER).work(burst=True)

    text = scrape(client)
    assert value(text, "newsdesk_queue_jobs", state="queued") == 0
    assert value(text, "newsdesk_jobs_total", status="finished") == 1
    assert value(text, "newsdesk_job_duration_seconds_count", analysis="total") == 1
    for step in ("cleanup", "nlp", "entities", "quotes", "stats"):
        assert value(text, "newsdesk_job_duration_seconds_count", analysis=step) == 1, step
    assert value(text, "newsdesk_job_duration_seconds_bucket", analysis="total", le="+Inf") == 1


def test_a_reused_result_counts_as_finished_and_as_reused(app: Flask, client: FlaskClient) -> None:
    first = client.post("/v1/articles", json=ARTICLE)
    store = app.extensions["newsdesk.jobstore"]
    connection = Redis.from_url(store.config.redis_url)
    queue = Queue(store.config.queue_name, connection=connection, serializer=SERIALIZER)
    WORKER_CLASS([queue], connection=connection, serializer=SERIALIZER).work(burst=True)
    assert client.get(first.headers["Location"]).get_json()["status"] == "finished"
    text = scrape(client)
    assert value(text, "newsdesk_jobs_total", status="finished") == 1
    assert value(text, "newsdesk_jobs_reused_total") == 0

    again = client.post("/v1/articles", json=ARTICLE).get_json()
    assert again["cached"] is True and again["status"] == "finished"

    text = scrape(client)
    assert value(text, "newsdesk_jobs_total", status="finished") == 2
    assert value(text, "newsdesk_jobs_reused_total") == 1
    # Nothing ran for the reused job: the durations still count the one job that did.
    assert value(text, "newsdesk_job_duration_seconds_count", analysis="total") == 1


def test_redis_down_is_a_metric_not_an_error(dead_redis_url: str) -> None:
    config = replace(load(), redis_url=dead_redis_url, redis_timeout=0.5)
    text = scrape(create_app(config).test_client())
    assert value(text, "newsdesk_redis_up") == 0


def test_durations_are_kept_as_a_cumulative_histogram(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    with redis.pipeline() as pipe:
        jobmetrics.record_job(pipe, "q", "finished", {"total": 0.3, "entities": 0.02})
        jobmetrics.record_job(pipe, "q", "failed", {"total": 4.0})
        jobmetrics.record_job(pipe, "q", "failed", {"total": 45.0})
        jobmetrics.record_job(pipe, "q", "failed", {})  # a job whose worker was lost: no timings
        pipe.execute()
    assert jobmetrics.read_jobs(redis, "q") == {"finished": 1, "failed": 3, "canceled": 0}
    durations = jobmetrics.read_durations(redis, "q")
    buckets, seconds = durations["total"]
    counts = dict(buckets)
    assert counts["0.25"] == 0 and counts["0.5"] == 1 and counts["5"] == 2
    assert counts["30"] == 2 and counts["+Inf"] == 3
    assert [bound for bound, _ in buckets][-1] == "+Inf"
    assert seconds == pytest.approx(49.3)
    assert dict(durations["entities"][0])["0.025"] == 1


@pytest.mark.integration
def test_under_gunicorn_every_api_process_is_counted(redis_url: str) -> None:
    with running_api(redis_url, NEWSDESK_API_PROCESSES="2") as (_, base):
        for _ in range(40):  # fresh connections, spread over both processes
            assert httpx.get(f"{base}/healthz").status_code == 200
        text = httpx.get(f"{base}/metrics").text
    counted = value(
        text, "newsdesk_http_requests_total", method="GET", route="/healthz", status="200"
    )
    assert counted >= 41  # every request, whichever process answered it
