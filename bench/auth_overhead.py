"""What keys and rate limits cost per request: the same poll, open and with each added.

In-process (Flask test client, no HTTP) over a real private redis-server, so the
figures are the API's own work and its Redis round trips: a key check is one HGET; with a
rate limit, one script looks the key up and counts the request (a key from the environment
needs the counting alone), and the `RateLimit` headers come from its answer. Prints the
mean time per `GET /v1/jobs/{id}` for each set-up and its ratio to the open one,
measured in the same run (rounds interleaved, best of them kept).
"""

from __future__ import annotations

import argparse
import tempfile
import time

from newsdesk.keys import KeyStore
from newsdesk.redis_server import RedisServer
from newsdesk.settings import Config
from service.app import create_app

SETUPS = {
    "open (no key, no limit)": {"auth": "disabled", "rate_limit": "off"},
    "key in Redis": {"auth": "required", "rate_limit": "off"},
    "key in Redis + limit": {"auth": "required", "rate_limit": "1000000/minute"},
    "key in environment + limit": {
        "auth": "required",
        "rate_limit": "1000000/minute",
        "api_keys": "bench:bench-key-0123456789abcdef",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per set-up and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, RedisServer(data) as server:
        apps = {name: create_app(Config(redis_url=server.url, **s)) for name, s in SETUPS.items()}
        key = KeyStore(next(iter(apps.values())).extensions["newsdesk.jobstore"].redis)
        redis_key = key.create("bench-redis").key
        clients = {}
        for name, app in apps.items():
            client = app.test_client()
            token = "bench-key-0123456789abcdef" if "environment" in name else redis_key
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            job = client.post("/v1/articles", json={"text": "A short note."}).get_json()
            clients[name] = (client, f"/v1/jobs/{job['id']}")
        best = {name: float("inf") for name in SETUPS}
        for _ in range(args.rounds):
            for name, (client, url) in clients.items():
                started = time.perf_counter()
                for _ in range(args.requests):
                    assert client.get(url).status_code == 200
                elapsed = (time.perf_counter() - started) / args.requests
                best[name] = min(best[name], elapsed)
    base = best["open (no key, no limit)"]
    for name, seconds in best.items():
        print(f"{name:<28} {seconds * 1000:6.3f} ms/request   ratio {seconds / base:4.2f}")


if __name__ == "__main__":
    main()
