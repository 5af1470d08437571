"""Load test: articles pushed at a fixed rate through the running service, every job accounted for.

Starts `newsdesk serve` (private Redis, gunicorn, N workers) on a free port, or
uses --url. Submits `--articles` articles (a mix of briefs to long reads) at
`--rate` submissions per second, open loop: a slow answer does not slow the
next submission, as with real wire ingesters. Then waits for every job to end
and prints:

- sustained throughput (articles/s and words/s, first start to last end);
- POST latency p50/p95/p99 and end-to-end latency p50/p95/p99 (the job's own
  created_at to ended_at, from the server's clock);
- errors (non-202 answers, failed jobs) and lost jobs (never ended, or gone);
- peak resident memory per worker, and Redis memory per stored job;
- the ratio of service throughput to the pipeline run in-process in N plain
  processes on the same cores, measured in the same run;
- the CPU time each part spent per job (workers, API, Redis, this load generator,
  and the in-process pipeline), the share of the machine other processes took in
  each half, and the ratio of CPU per job, in-process / service. On a shared machine
  the neighbours rarely leave both halves the same CPU; the CPU ratio does not
  depend on what they leave.

    python bench/load.py --articles 2000 --rate 100
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from datetime import datetime
from pathlib import Path

import aiohttp
import uvloop
from redis import Redis
from throughput import (
    Service,
    machine_busy_seconds,
    make_articles,
    own_cpu_seconds,
    run_in_process,
    start_service,
)


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def submit_all(url: str, articles: list[str], rate: float) -> tuple[list, list[float], int]:
    """POST every article at `rate`/s; returns job ids, POST latencies and refused POSTs."""
    ids: list[str] = []
    latencies: list[float] = []
    refused = 0
    # aiohttp: the generator shares the service's cores, and it costs about a third of
    # the CPU per request that httpx's async client does (measured on the same API).
    connector = aiohttp.TCPConnector(limit=200)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as client:

        async def one(text: str) -> None:
            nonlocal refused
            began = time.perf_counter()
            try:
                async with client.post("/v1/articles", json={"text": text}) as response:
                    body = await response.json()
                    latencies.append(time.perf_counter() - began)
                    if response.status == 202:
                        ids.append(body["id"])
                    else:
                        refused += 1
            except (aiohttp.ClientError, TimeoutError):
                refused += 1

        began = time.perf_counter()
        tasks = []
        for i, text in enumerate(articles):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(text)))
        await asyncio.gather(*tasks)
    return ids, latencies, refused


async def collect_all(url: str, ids: list[str], deadline: float, wait: int) -> dict[str, dict]:
    """Long-poll every job until it ends (or the deadline passes); 64 polls at a time.

    Each poll waits in the API (`?wait=`, by default the longest the service allows) until
    its job ends, so a job usually costs one GET; a poll that times out on a job still
    queued asks again.
    """
    ended: dict[str, dict] = {}
    gate = asyncio.Semaphore(64)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, timeout=timeout) as client:

        async def follow(job_id: str) -> None:
            async with gate:
                while time.monotonic() < deadline:
                    async with client.get(
                        f"/v1/jobs/{job_id}", params={"wait": str(wait)}
                    ) as response:
                        if response.status != 200:
                            return  # gone: counted as lost
                        job = await response.json()
                    if job["status"] in ("finished", "failed"):
                        ended[job_id] = job
                        return

        await asyncio.gather(*(follow(job_id) for job_id in ids))
    return ended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0, help="submissions per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--url", help="a running service (no memory figures then)")
    parser.add_argument("--skip-baseline", action="store_true", help="no in-process run")
    parser.add_argument(
        "--wait", type=int, default=30, help="long-poll seconds (NEWSDESK_MAX_WAIT's default)"
    )
    args = parser.parse_args()

    articles = make_articles(args.articles)
    words = {text: len(text.split()) for text in articles}
    total_words = sum(words.values())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"articles: {len(articles)}, words: {total_words} "
        f"(mean {total_words / len(articles):.0f}/article), at {args.rate:g} submissions/s"
    )

    service = start_service(args.workers) if args.url is None else Service(url=args.url)
    try:
        redis = Redis.from_url(service.redis_url) if service.redis_url else None
        memory_before = redis.info("memory")["used_memory"] if redis else None
        cpu_before, own_before = service.cpu_seconds(), own_cpu_seconds()
        busy_before, wall_before = machine_busy_seconds(), time.perf_counter()
        ids, post_latencies, refused = uvloop.run(submit_all(service.url, articles, args.rate))
        budget = 120 + len(ids) * 2.0  # generous: the bench reports, it does not judge
        ended = uvloop.run(collect_all(service.url, ids, time.monotonic() + budget, args.wait))
        cpu_after, own_after = service.cpu_seconds(), own_cpu_seconds()
        busy, wall = machine_busy_seconds() - busy_before, time.perf_counter() - wall_before
        memory_after = redis.info("memory")["used_memory"] if redis else None
        peaks = [peak_rss_mb(pid) for pid in service.worker_pids()]
    finally:
        service.stop()

    finished = [job for job in ended.values() if job["status"] == "finished"]
    failed = len(ended) - len(finished)
    lost = len(ids) - len(ended)
    starts = [datetime.fromisoformat(j["started_at"]) for j in finished]
    ends = [datetime.fromisoformat(j["ended_at"]) for j in finished]
    span = (max(ends) - min(starts)).total_seconds() if finished else float("nan")
    e2e = [
        (
            datetime.fromisoformat(j["ended_at"]) - datetime.fromisoformat(j["created_at"])
        ).total_seconds()
        for j in finished
    ]
    rate = len(finished) / span
    done_words = total_words * len(finished) / len(articles)

    print(f"service    : {rate:7.1f} articles/s {done_words / span:9.0f} words/s sustained")
    print(
        f"POST       : p50 {pct(post_latencies, 50) * 1000:.1f} ms, "
        f"p95 {pct(post_latencies, 95) * 1000:.1f} ms, p99 {pct(post_latencies, 99) * 1000:.1f} ms"
    )
    print(
        f"end-to-end : p50 {pct(e2e, 50):.2f} s, p95 {pct(e2e, 95):.2f} s, "
        f"p99 {pct(e2e, 99):.2f} s (queueing included)"
    )
    print(f"errors     : {refused} refused POSTs, {failed} failed jobs; lost jobs: {lost}")
    if peaks:
        shown = ", ".join(f"{p:.0f} MB" for p in peaks if p is not None)
        print(f"workers    : peak RSS {shown}")
    if memory_before is not None and memory_after is not None and ids:
        per_job = (memory_after - memory_before) / len(ids)
        print(f"redis      : {per_job / 1024:.1f} KiB per stored job (result and article kept)")
    cores = os.cpu_count() or 1
    service_cpu = None
    if cpu_after and ids:
        used = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
        used["load generator"] = own_after - own_before
        shown = ", ".join(
            f"{part} {seconds / len(ids) * 1000:.1f}" for part, seconds in used.items()
        )
        others = max(0.0, busy - sum(used.values()))
        service_cpu = (sum(used.values()) - used["load generator"]) / len(ids)
        print(f"CPU per job: {shown} ms")
        print(f"other processes on the machine: {others / (wall * cores):.0%} of its CPU")
    if not args.skip_baseline:
        local = run_in_process(articles, args.workers)
        local_rate = len(articles) / local["wall"]
        print(
            f"in-process : {local_rate:7.1f} articles/s ({args.workers} processes), "
            f"CPU per job {local['cpu'] / len(articles) * 1000:.1f} ms; other processes on "
            f"the machine: {local['others'] / (local['wall'] * cores):.0%} of its CPU"
        )
        print(f"ratio service / in-process: {rate / local_rate:.2f}")
        if service_cpu:
            local_cpu = local["cpu"] / len(articles)
            print(f"ratio of CPU per job, in-process / service: {local_cpu / service_cpu:.2f}")


if __name__ == "__main__":
    main()
