"""The rate limiter's counting, over a real Redis: shared, windowed, only real routes."""

from __future__ import annotations

from flask import Flask
from redis import Redis

from newsdesk.keys import KeyStore
from newsdesk.settings import Config
from service.app import create_app
from service.ratelimit import KEY_PREFIX


def make_app(redis_url: str, rate_limit: str) -> Flask:
    return create_app(Config(redis_url=redis_url, auth="required", rate_limit=rate_limit))


def test_every_api_process_shares_one_count(redis_url: str) -> None:
    key = KeyStore(Redis.from_url(redis_url)).create("desk").key
    first, second = (make_app(redis_url, "3/minute").test_client() for _ in range(2))
    headers = {"Authorization": f"Bearer {key}"}
    codes = [client.get("/v1/jobs", headers=headers).status_code for client in (first, second)]
    codes += [client.get("/v1/jobs", headers=headers).status_code for client in (first, second)]
    assert codes == [200, 200, 200, 429]


def test_a_window_ends_and_its_counter_with_it(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    key = KeyStore(redis).create("night").key
    client = make_app(redis_url, "2/minute").test_client()
    response = client.get("/v1/jobs", headers={"Authorization": f"Bearer {key}"})
    assert response.headers["RateLimit"].startswith('"2/minute";r=1;t=')
    counter = f"{KEY_PREFIX}:key:night:2/minute"
    assert int(redis.get(counter)) == 1
    assert 0 < redis.ttl(counter) <= 60


def test_a_counter_that_lost_its_expiry_gets_a_window_again(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    key = KeyStore(redis).create("stuck").key
    counter = f"{KEY_PREFIX}:key:stuck:5/minute"
    redis.set(counter, 5)  # no expiry: without one it would refuse this key for ever
    client = make_app(redis_url, "5/minute").test_client()
    response = client.get("/v1/jobs", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert 0 < redis.ttl(counter) <= 60


def test_paths_that_match_no_route_are_not_counted(redis_url: str) -> None:
    key = KeyStore(Redis.from_url(redis_url)).create("lost").key
    client = make_app(redis_url, "1/minute").test_client()
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(3):
        missing = client.get("/v1/no-such-thing", headers=headers)
        assert missing.status_code == 404 and "RateLimit" not in missing.headers
    assert client.get("/v1/jobs", headers=headers).status_code == 200


def test_a_key_that_is_not_valid_is_refused_and_counts_nothing(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    store = KeyStore(redis)
    key = store.create("gone").key
    client = make_app(redis_url, "5/minute").test_client()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/jobs", headers=headers).status_code == 200
    store.revoke("gone")  # refused from the very next request
    refused = client.get("/v1/jobs", headers=headers)
    assert refused.status_code == 401 and "RateLimit" not in refused.headers
    junk = client.get("/v1/jobs", headers={"Authorization": "Bearer nd_made-up-key"})
    assert junk.status_code == 401
    assert [k.decode() for k in redis.scan_iter(f"{KEY_PREFIX}:*")] == [
        f"{KEY_PREFIX}:key:gone:5/minute"
    ]
    assert int(redis.get(f"{KEY_PREFIX}:key:gone:5/minute")) == 1
