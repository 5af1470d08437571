"""The API's own CPU per request under gunicorn: this checkout against a baseline checkout.

Starts one private redis-server and `newsdesk api` from each checkout (gunicorn, its
default processes and threads, each on its own port and queue) as in production: a key
made with `newsdesk keys create` (looked up in Redis on every request), a rate limit on,
JSON access logs at INFO. No worker runs: the script ends jobs itself, writing them the
way a worker does (status, result, registry, long-poll marker) with real results of the
pipeline, so only the API's work is measured. From the kernel's count of the API
processes' CPU, per round and checkout:

- POST: `POST /v1/articles` of articles built from the test fixtures (briefs to long reads);
- GET finished: `GET /v1/jobs/{id}?wait=20` of those jobs once finished (result included),
  as bench/load.py's long-poll is answered when its job ends;
- long-poll: a `?wait=` poll on a job that stays queued, per poll (the API's idle CPU
  over the same time taken off), as when bench/load.py's queue has a backlog;
- per job: POST + GET finished, what a job costs the API when one poll finds it ended.

Each phase runs on both checkouts in turn, the first one first in odd rounds and the other
in even rounds, so both share the machine's mood; the figures are medians of the rounds.
CPU is read from the kernel's scheduler statistics of every thread of the API processes.

    python bench/api_overhead.py --baseline ../newsdesk-main --requests 500 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from rq import Queue
from rq.job import Job, JobStatus
from rq.results import Result
from throughput import _descends_from, _processes, make_articles

from newsdesk.keys import KeyStore
from newsdesk.queueing import SERIALIZER, announce_end
from newsdesk.redis_server import RedisServer, unused_port

ROOT = Path(__file__).resolve().parent.parent
# Counted like the default 600/minute, but never refused: the bench pushes harder.
RATE_LIMIT = "1000000/minute"


class Api:
    """`newsdesk api` started from one checkout, on its own port and queue."""

    def __init__(self, checkout: Path, redis_url: str, key: str) -> None:
        # Either checkout may predate inherited sockets: a port it binds itself.
        self.port = unused_port()
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
        """CPU seconds of the gunicorn master and its processes so far, to the nanosecond.

        From each thread's scheduler statistics: the kernel's usual count is in 10 ms
        ticks, too coarse for a few dozen long-polls. (A thread that has exited no longer
        counts; gunicorn's threads live as long as their process.)
        """
        pids = [self.proc.pid]
        pids += [pid for pid, _, _ in _processes() if _descends_from(pid, self.proc.pid)]
        total = 0
        for pid in pids:
            for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    total += int(task.read_text().split()[0])
        return total / 1e9

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
            Queue(job.origin, connection=redis).remove(job_id, pipeline=pipe)
            announce_end(pipe, job_id)
            pipe.execute()


def idle_rate(api: Api, seconds: float = 3, times: int = 3) -> float:
    """CPU seconds per second the API spends with nothing to do (gunicorn's own loops).

    The least of a few readings: the first seconds after a burst of requests are not idle.
    """
    rates = []
    for _ in range(times):
        before, began = api.cpu(), time.monotonic()
        time.sleep(seconds)
        rates.append((api.cpu() - before) / (time.monotonic() - began))
    return min(rates)


def measure_posts(api: Api, articles: list[str], concurrency: int) -> tuple[float, list[str]]:
    """CPU milliseconds per POST, and the jobs made."""
    before = api.cpu()
    ids = asyncio.run(post_all(api, articles, concurrency))
    return (api.cpu() - before) / len(ids) * 1000, ids


def measure_gets(api: Api, ids: list[str], concurrency: int) -> float:
    """CPU milliseconds per GET of a finished job, with `?wait=20` as bench/load.py asks."""
    before = api.cpu()
    statuses = asyncio.run(get_all(api, ids, concurrency, 20))
    assert set(statuses) == {"finished"}, set(statuses)
    return (api.cpu() - before) / len(ids) * 1000


def measure_polls(api: Api, ids: list[str], seconds: float, idle: float) -> float:
    """CPU milliseconds per long-poll that waits `seconds` on a job that stays queued.

    The polls go over connections already open, as a client's long-polls mostly do.
    """

    async def polls() -> float:
        timeout = aiohttp.ClientTimeout(total=seconds + 60)
        async with aiohttp.ClientSession(api.url, headers=api.headers, timeout=timeout) as client:

            async def one(job_id: str, wait: float) -> str:
                url = f"/v1/jobs/{job_id}"
                async with client.get(url, params={"wait": f"{wait:g}"}) as response:
                    return (await response.json())["status"]

            await asyncio.gather(*(one(job_id, 0) for job_id in ids))  # opens the connections
            before, began = api.cpu(), time.monotonic()
            statuses = await asyncio.gather(*(one(job_id, seconds) for job_id in ids))
            assert set(statuses) == {"queued"}, set(statuses)
            return api.cpu() - before - idle * (time.monotonic() - began)

    return asyncio.run(polls()) / len(ids) * 1000


def real_results() -> list[dict[str, Any]]:
    """One result per article size (brief to long read), from the real pipeline."""
    from workers.pipeline import analyze

    return [analyze({"text": text}) for text in make_articles(4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--requests", type=int, default=500, help="POSTs and GETs per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--polls", type=int, default=16, help="long-polls at once")
    parser.add_argument("--poll-seconds", type=float, default=10)
    args = parser.parse_args()

    checkouts = {"this": ROOT}
    if args.baseline:
        checkouts = {"baseline": args.baseline.resolve(), **checkouts}
    articles = make_articles(args.requests)
    results = real_results()
    print(
        f"{os.cpu_count()} cores; per round and checkout: {args.requests} POSTs, "
        f"{args.requests} GETs, {args.polls} long-polls of {args.poll_seconds:g} s; "
        f"{args.rounds} rounds"
    )
    poll_name = f"long-poll ({args.poll_seconds:g} s)"
    figures: dict[str, dict[str, list[float]]] = {
        name: {"POST": [], "GET finished": [], poll_name: []} for name in checkouts
    }
    with tempfile.TemporaryDirectory() as data, RedisServer(data) as server:
        redis = Redis.from_url(server.url)
        key = KeyStore(redis).create("bench").key
        apis = {name: Api(checkout, server.url, key) for name, checkout in checkouts.items()}
        try:
            for api in apis.values():
                asyncio.run(post_all(api, articles[:50], 4))  # warm every process
            idle = {name: idle_rate(api) for name, api in apis.items()}
            for round_number in range(args.rounds):
                # Phase by phase, the checkouts in turn (first one, then the other first).
                order = list(apis) if round_number % 2 == 0 else list(reversed(apis))
                made = {}
                for name in order:
                    cost, made[name] = measure_posts(apis[name], articles, args.concurrency)
                    figures[name]["POST"].append(cost)
                for name in order:
                    finish(redis, made[name], results)
                for name in order:
                    cost = measure_gets(apis[name], made[name], args.concurrency)
                    figures[name]["GET finished"].append(cost)
                for name in order:
                    waiting = asyncio.run(post_all(apis[name], articles[: args.polls], 4))
                    cost = measure_polls(apis[name], waiting, args.poll_seconds, idle[name])
                    figures[name][poll_name].append(cost)
                for name in checkouts:
                    shown = ", ".join(f"{k} {v[-1]:.2f}" for k, v in figures[name].items())
                    print(f"round {round_number + 1} {name:<8}: {shown} ms", flush=True)
        finally:
            for api in apis.values():
                api.stop()
    print("\nCPU of the API processes per request, ms (median of the rounds):")
    print(f"{'':<22}" + "".join(f"{name:>10}" for name in checkouts) + "   this / baseline")
    medians = {
        name: {part: statistics.median(values) for part, values in parts.items()}
        for name, parts in figures.items()
    }
    for name in checkouts:
        medians[name]["per job (POST + GET)"] = (
            medians[name]["POST"] + medians[name]["GET finished"]
        )
    for part in medians["this"]:
        line = f"{part:<22}" + "".join(f"{medians[name][part]:10.2f}" for name in checkouts)
        if args.baseline and medians["baseline"][part] > 0:
            line += f"   {medians['this'][part] / medians['baseline'][part]:.2f}"
        print(line)


if __name__ == "__main__":
    main()
