"""The API's own CPU per request under gunicorn: this checkout against a baseline checkout.

Starts one private redis-server and, for each checkout in turn, `newsdesk api` from that
checkout (gunicorn, its default processes and threads) as in production: a key made
with `newsdesk keys create` (looked up in Redis on every request), a rate limit on, JSON
access logs at INFO. No worker runs: the script ends jobs itself, writing them the way a
worker does (status, result, registry, long-poll marker) with real results of the
pipeline, so only the API's work is measured. Per round and checkout it measures, from
the kernel's count of the API processes' CPU:

- POST: `POST /v1/articles` of articles built from the test fixtures (briefs to long reads);
- GET: `GET /v1/jobs/{id}?wait=20` of those jobs once finished (result included), as
  bench/load.py's long-poll does when it wakes;
- long-poll second: a `?wait=` poll on a job that stays queued, per second it waits
  (the API's idle CPU over the same time taken off);
- per job: POST + GET, what one job costs the API when its poll finds it ended.

Rounds alternate the checkouts, so both share the machine's mood; the ratio is of the
means over the rounds.

    python bench/api_overhead.py --baseline ../newsdesk-main --requests 1000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from redis import Redis
from rq.job import Job, JobStatus
from rq.results import Result
from throughput import _cpu, _descends_from, _processes, make_articles

from newsdesk.keys import KeyStore
from newsdesk.queueing import SERIALIZER, announce_end
from newsdesk.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
# Counted like the default 600/minute, but never refused: the bench pushes harder.
RATE_LIMIT = "1000000/minute"


class Api:
    """`newsdesk api` started from one checkout, on its own port and queue."""

    def __init__(self, checkout: Path, redis_url: str, key: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.queue = f"bench-{uuid.uuid4().hex[:8]}"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env = {k: v for k, v in env.items() if not k.startswith("NEWSDESK_")}
        env.update(
            REDIS_URL=redis_url,
            NEWSDESK_PORT=str(self.port),
            NEWSDESK_QUEUE=self.queue,
            NEWSDESK_RATE_LIMIT=RATE_LIMIT,
            NEWSDESK_LOG_LEVEL="INFO",
        )
        # `-m` from the checkout's folder: its own code comes first on sys.path.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "api"],
            cwd=checkout,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.headers = {"Authorization": f"Bearer {key}"}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"newsdesk api in {checkout} exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"newsdesk api in {checkout} did not start in 60 s")

    def cpu(self) -> float:
        """CPU seconds of the gunicorn master and its processes so far."""
        total = _cpu(self.proc.pid)
        for pid, _comm, _command in _processes():
            if pid != self.proc.pid and _descends_from(pid, self.proc.pid):
                total += _cpu(pid)
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def post_all(api: Api, articles: list[str], concurrency: int) -> list[str]:
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(api.url, headers=api.headers) as client:

        async def one(text: str) -> str:
            async with gate, client.post("/v1/articles", json={"text": text}) as response:
                body = await response.json()
                if response.status != 202:
                    raise SystemExit(f"POST answered {response.status}: {body}")
                return body["id"]

        return list(await asyncio.gather(*(one(text) for text in articles)))


async def get_all(api: Api, ids: list[str], concurrency: int, wait: float) -> list[str]:
    gate = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=wait + 60)
    async with aiohttp.ClientSession(api.url, headers=api.headers, timeout=timeout) as client:

        async def one(job_id: str) -> str:
            async with (
                gate,
                client.get(f"/v1/jobs/{job_id}", params={"wait": f"{wait:g}"}) as response,
            ):
                body = await response.json()
                if response.status != 200:
                    raise SystemExit(f"GET answered {response.status}: {body}")
                return body["status"]

        return list(await asyncio.gather(*(one(job_id) for job_id in ids)))


def finish(redis: Redis, ids: list[str], results: list[dict[str, Any]]) -> None:
    """End the jobs as a worker would: finished, with a result, off the queue, announced."""
    for index, job_id in enumerate(ids):
        job = Job.fetch(job_id, connection=redis, serializer=SERIALIZER)
        result = results[index % len(results)]
        now = datetime.now(UTC)
        with redis.pipeline() as pipe:
            job.started_at = job.ended_at = now
            job.set_status(JobStatus.FINISHED, pipeline=pipe)
            job.save(pipeline=pipe)
            Result.create(job, Result.Type.SUCCESSFUL, 3600, result, pipeline=pipe)
            job.finished_job_registry.add(job, 3600, pipe)
            pipe.lrem(f"rq:queue:{job.origin}", 0, job_id)
            announce_end(pipe, job_id)
            pipe.execute()


def measure(
    api: Api, redis: Redis, articles: list[str], results: list[dict], args: argparse.Namespace
) -> dict[str, float]:
    """CPU milliseconds per POST, per GET of a finished job and per long-poll second."""
    figures = {}
    before = api.cpu()
    ids = asyncio.run(post_all(api, articles, args.concurrency))
    figures["POST"] = (api.cpu() - before) / len(ids) * 1000
    finish(redis, ids, results)
    before = api.cpu()
    statuses = asyncio.run(get_all(api, ids, args.concurrency, 20))
    figures["GET finished"] = (api.cpu() - before) / len(ids) * 1000
    assert set(statuses) == {"finished"}, set(statuses)
    # Long-polls on jobs that stay queued: each holds a thread for --poll-seconds.
    waiting = asyncio.run(post_all(api, articles[: args.polls], args.concurrency))
    before, began = api.cpu(), time.monotonic()
    time.sleep(args.poll_seconds)
    idle = (api.cpu() - before) / (time.monotonic() - began)
    before, began = api.cpu(), time.monotonic()
    asyncio.run(get_all(api, waiting, args.polls, args.poll_seconds))
    elapsed = time.monotonic() - began
    busy = api.cpu() - before - idle * elapsed
    figures["long-poll second"] = busy / (len(waiting) * args.poll_seconds) * 1000
    figures["per job (POST + GET)"] = figures["POST"] + figures["GET finished"]
    return figures


def real_results() -> list[dict[str, Any]]:
    """One result per article size (brief to long read), from the real pipeline."""
    from workers.pipeline import analyze

    return [analyze({"text": text}) for text in make_articles(4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--requests", type=int, default=1000, help="POSTs and GETs per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--polls", type=int, default=16, help="long-polls at once")
    parser.add_argument("--poll-seconds", type=float, default=10)
    args = parser.parse_args()

    checkouts = {"this": ROOT}
    if args.baseline:
        checkouts = {"baseline": args.baseline.resolve(), **checkouts}
    articles = make_articles(args.requests)
    results = real_results()
    print(f"{os.cpu_count()} cores; {args.requests} requests per round, {args.rounds} rounds")
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory() as data, RedisServer(data) as server:
        redis = Redis.from_url(server.url)
        key = KeyStore(redis).create("bench").key
        for round_number in range(args.rounds):
            for name, checkout in checkouts.items():
                api = Api(checkout, server.url, key)
                try:
                    asyncio.run(post_all(api, articles[:20], 4))  # warm both processes
                    figures[name].append(measure(api, redis, articles, results, args))
                finally:
                    api.stop()
                shown = ", ".join(f"{k} {v:.2f}" for k, v in figures[name][-1].items())
                print(f"round {round_number + 1} {name:<8}: {shown} ms", flush=True)
    print("\nCPU of the API processes, ms (mean of the rounds):")
    parts = list(next(iter(figures.values()))[0])
    header = f"{'':<22}" + "".join(f"{name:>10}" for name in checkouts)
    print(header + ("   this / baseline" if args.baseline else ""))
    for part in parts:
        means = {name: statistics.mean(r[part] for r in rounds) for name, rounds in figures.items()}
        line = f"{part:<22}" + "".join(f"{means[name]:10.2f}" for name in checkouts)
        if args.baseline and means["baseline"] > 0:
            line += f"   {means['this'] / means['baseline']:.2f}"
        print(line)


if __name__ == "__main__":
    main()
