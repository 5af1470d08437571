"""Keys, owners and rate limits through the Flask app, over a real Redis."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from newsdesk.keys import KeyStore
from newsdesk.settings import Config
from service.app import create_app

PROBLEM = "application/problem+json"
ENV_KEY = "envkey-0123456789abcdef"
TEXT = "The harbour ferry resumed its winter timetable on Monday, the operator said."


def make_app(redis_url: str, **settings: object) -> Flask:
    settings.setdefault("auth", "required")
    return create_app(Config(redis_url=redis_url, **settings))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keys(redis_url: str) -> dict[str, str]:
    store = KeyStore(Redis.from_url(redis_url))
    return {name: store.create(name).key for name in ("cms", "wire")}


@pytest.fixture
def client(redis_url: str) -> FlaskClient:
    return make_app(redis_url).test_client()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


# --- authentication ---------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer nd_not-a-key-at-all"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_v1_without_a_valid_key_is_401_with_a_bearer_challenge(
    client: FlaskClient, keys: dict[str, str], headers: dict[str, str]
) -> None:
    for response in (
        client.post("/v1/articles", json={"text": TEXT}, headers=headers),
        client.get(f"/v1/jobs/{uuid.uuid4()}", headers=headers),
        client.get("/v1/jobs", headers=headers),
    ):
        body = problem(response, 401)
        assert body["type"] == "urn:newsdesk:problem:unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_key_gets_in_and_the_scheme_is_case_insensitive(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    response = client.post(
        "/v1/articles", json={"text": TEXT}, headers={"Authorization": f"bearer {keys['cms']}"}
    )
    assert response.status_code == 202


def test_probes_metrics_and_docs_stay_open(client: FlaskClient, keys: dict[str, str]) -> None:
    for path in ("/healthz", "/metrics", "/openapi.json", "/openapi.yaml", "/docs"):
        assert client.get(path).status_code == 200, path


def test_a_key_created_while_the_api_runs_works_at_once_and_revoked_stops(
    client: FlaskClient, redis_url: str
) -> None:
    store = KeyStore(Redis.from_url(redis_url))
    issued = store.create("late")
    assert client.get("/v1/jobs", headers=bearer(issued.key)).status_code == 200
    store.revoke("late")
    problem(client.get("/v1/jobs", headers=bearer(issued.key)), 401)


def test_environment_keys_authenticate(redis_url: str) -> None:
    client = make_app(redis_url, api_keys=f"archive:{ENV_KEY}").test_client()
    assert client.get("/v1/jobs", headers=bearer(ENV_KEY)).status_code == 200
    problem(client.get("/v1/jobs", headers=bearer(ENV_KEY + "0")), 401)


def test_auth_disabled_lets_anyone_in_as_anonymous(redis_url: str) -> None:
    client = make_app(redis_url, auth="disabled").test_client()
    job = client.post("/v1/articles", json={"text": TEXT}).get_json()
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 200


def test_the_request_log_names_the_key_never_the_key_itself(
    client: FlaskClient, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="newsdesk.api"):
        client.get("/v1/jobs", headers=bearer(keys["cms"]))
    lines = [r for r in caplog.records if r.getMessage() == "request"]
    assert lines[-1].owner == "cms"
    for record in caplog.records:
        assert keys["cms"] not in str(vars(record))


# --- owners ----------------------------------------------------------------------------


def test_another_keys_job_is_404_like_an_unknown_one(
    client: FlaskClient, keys: dict[str, str]
) -> None:
    job = client.post("/v1/articles", json={"text": TEXT}, headers=bearer(keys["cms"])).get_json()
    assert client.get(f"/v1/jobs/{job['id']}", headers=bearer(keys["cms"])).status_code == 200
    theirs = problem(client.get(f"/v1/jobs/{job['id']}", headers=bearer(keys["wire"])), 404)
    unknown = problem(client.get(f"/v1/jobs/{uuid.uuid4()}", headers=bearer(keys["wire"])), 404)
    assert (theirs["type"], theirs["detail"]) == (unknown["type"], unknown["detail"])
    problem(client.delete(f"/v1/jobs/{job['id']}", headers=bearer(keys["wire"])), 404)
    # and the DELETE above did not touch it
    still = client.get(f"/v1/jobs/{job['id']}", headers=bearer(keys["cms"])).get_json()
    assert still["status"] == "queued"
    listed = client.get("/v1/jobs", headers=bearer(keys["wire"])).get_json()
    assert listed == {"jobs": [], "next_cursor": None}


def test_the_owner_is_stored_with_the_job(
    client: FlaskClient, keys: dict[str, str], redis_url: str
) -> None:
    from rq.job import Job

    from newsdesk.queueing import SERIALIZER

    job = client.post("/v1/articles", json={"text": TEXT}, headers=bearer(keys["wire"])).get_json()
    stored = Job.fetch(job["id"], connection=Redis.from_url(redis_url), serializer=SERIALIZER)
    assert stored.meta["owner"] == "wire"


# --- rate limits -----------------------------------------------------------------------


def test_the_limit_is_per_key_and_a_breach_is_429_with_the_draft_headers(
    redis_url: str, keys: dict[str, str]
) -> None:
    client = make_app(redis_url, rate_limit="3/minute").test_client()
    answers = [client.get("/v1/jobs", headers=bearer(keys["cms"])) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    first, last = answers[0], answers[-1]
    assert first.headers["RateLimit-Policy"] == '"3/minute";q=3;w=60'
    assert first.headers["RateLimit"].startswith('"3/minute";r=2;t=')
    body = problem(last, 429)
    assert body["type"] == "urn:newsdesk:problem:rate-limited"
    assert 1 <= int(last.headers["Retry-After"]) <= 60
    assert last.headers["RateLimit"].startswith('"3/minute";r=0;t=')
    # another key has its own allowance; the probes are not counted
    assert client.get("/v1/jobs", headers=bearer(keys["wire"])).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert "RateLimit" not in client.get("/healthz").headers


def test_several_limits_are_all_announced(redis_url: str, keys: dict[str, str]) -> None:
    client = make_app(redis_url, rate_limit="2/second;100/hour").test_client()
    response = client.get("/v1/jobs", headers=bearer(keys["cms"]))
    policies = response.headers["RateLimit-Policy"].split(", ")
    assert set(policies) == {'"2/second";q=2;w=1', '"100/hour";q=100;w=3600'}


def test_without_auth_the_limit_is_per_client_address(redis_url: str) -> None:
    client = make_app(redis_url, auth="disabled", rate_limit="2/minute").test_client()
    here = {"REMOTE_ADDR": "192.0.2.10"}
    there = {"REMOTE_ADDR": "192.0.2.20"}
    codes = [client.get("/v1/jobs", environ_base=here).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/v1/jobs", environ_base=there).status_code == 200


def test_rate_limit_off_means_no_limit_and_no_headers(redis_url: str, keys: dict[str, str]) -> None:
    client = make_app(redis_url, rate_limit="off").test_client()
    response = client.get("/v1/jobs", headers=bearer(keys["cms"]))
    assert response.status_code == 200 and "RateLimit" not in response.headers


@pytest.mark.parametrize("raw", ["lots", "600/fortnight", "-1/minute"])
def test_a_malformed_limit_is_refused_naming_the_setting(raw: str) -> None:
    with pytest.raises(ValueError, match="NEWSDESK_RATE_LIMIT"):
        Config(rate_limit=raw)


def test_redis_down_is_503_not_a_limiter_error(dead_redis_url: str) -> None:
    dead = dead_redis_url
    for settings in ({"auth": "disabled"}, {"api_keys": f"archive:{ENV_KEY}"}):
        client = make_app(dead, rate_limit="5/minute", **settings).test_client()
        response = client.post("/v1/articles", json={"text": TEXT}, headers=bearer(ENV_KEY))
        body = problem(response, 503)
        assert body["type"] == "urn:newsdesk:problem:queue-unavailable"
        assert response.headers["Retry-After"]
    # a Redis-held key cannot be checked either: 503, not 401
    client = make_app(dead).test_client()
    problem(client.get("/v1/jobs", headers=bearer("nd_some-key-from-redis")), 503)
