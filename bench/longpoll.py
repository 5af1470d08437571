"""Long-polls and slow clients against one `newsdesk api`: what other requests feel meanwhile.

Starts a private redis-server and `newsdesk api` (its default processes, on a socket this
script binds and hands on, as `newsdesk serve` does), from this checkout or another one
(`--checkout`), with no worker, no key and no rate limit. Then, in one run:

- baseline: probes alone: a `POST /v1/articles` and a `GET /healthz`, `--probe-rate` of
  each a second for `--seconds`, each on a new connection, sent on schedule whether the
  one before has been answered or not;
- long-polls: `--long-polls` `GET /v1/jobs/{id}?wait=30` on queued jobs, all sent before
  the probes start (`--settle` seconds before, and, from a server whose polls subscribe to
  their jobs' channels, not before every poll has), and the same probes meanwhile; the
  API's Redis connections (CLIENT LIST) and its processes' memory are read while they
  wait; then the jobs are ended the way a worker ends one, `--end-rate` a second, and the
  time from each job's end to its poll's answer is read;
- slow clients: `--half-open` connections that send a request line and one header and
  never finish the headers, and `--stalled-bodies` that send a POST's headers with
  `Content-Length: 1000` and 8 bytes of it; the same probes meanwhile; then how many of
  those connections the server closed within `--drop-wait` seconds of their opening.

Prints p50 and p99 of each probe in each phase and their ratio to the baseline measured in
the same run, and the share of the machine's cores the API, Redis, this script and everything
else took while probing. A probe not answered within `--probe-timeout` seconds counts as a
timeout and enters the percentiles at that value.

    python bench/longpoll.py [--long-polls 1000] [--half-open 300] [--stalled-bodies 100]
    python bench/longpoll.py --checkout /tmp/newsdesk-before   # another checkout's API
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx
import uvloop
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.results import Result
from throughput import _cpu, machine_busy_seconds, own_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdesk.queueing import SERIALIZER, announce_end, ended_key  # noqa: E402
from newsdesk.redis_server import RedisServer  # noqa: E402

ARTICLE = {"text": "The harbour ferry sails again on Monday, the council said."}
HALF_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
STALLED_BODY = (
    b"POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n" + b'{"text":'
)


class Api:
    """`newsdesk api` from one checkout, serving a socket bound here."""

    def __init__(self, checkout: Path, redis_url: str, redis_pid: int) -> None:
        self.redis_pid = redis_pid
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.queue = f"bench-{uuid.uuid4().hex[:8]}"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env = {k: v for k, v in env.items() if not k.startswith(("NEWSDESK_", "PROMETHEUS"))}
        env.update(
            REDIS_URL=redis_url,
            NEWSDESK_PORT=str(self.port),
            NEWSDESK_LISTEN_FD=str(self.listener.fileno()),
            NEWSDESK_QUEUE=self.queue,
            NEWSDESK_AUTH="disabled",
            NEWSDESK_RATE_LIMIT="off",
            NEWSDESK_LOG_LEVEL="WARNING",
        )
        # `-m` from the checkout's folder: its own code comes first on sys.path.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "api"],
            cwd=checkout,
            env=env,
            pass_fds=(self.listener.fileno(),),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"newsdesk api in {checkout} exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"newsdesk api in {checkout} did not start in 60 s")

    def pids(self) -> list[int]:
        """gunicorn's master and its processes."""
        found = [self.proc.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    found.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return found

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the API processes and of Redis."""
        return sum(_cpu(pid) for pid in self.pids()), _cpu(self.redis_pid)

    def resident_mb(self) -> list[float]:
        """Resident memory of each API process (gunicorn's workers, not its master)."""
        sizes = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:
                continue
            if fields.get("PPid", "").strip() == str(self.proc.pid):
                sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sorted(sizes)

    def stop(self) -> None:
        self.proc.kill()  # the slow phases may leave requests that would hold a graceful stop
        self.proc.wait()
        self.listener.close()


@dataclass
class Probes:
    post: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: int = 0
    # Shares of the machine (all cores) while probing: the API, Redis, this script, the rest.
    shares: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


class Meter:
    """Who used the machine's cores over a stretch of time."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.began = time.monotonic()
        self.start = (*api.cpu(), own_cpu_seconds(), machine_busy_seconds())

    def shares(self) -> tuple[float, float, float, float]:
        api, redis = self.api.cpu()
        end = (api, redis, own_cpu_seconds(), machine_busy_seconds())
        used = [after - before for after, before in zip(end, self.start, strict=True)]
        capacity = (time.monotonic() - self.began) * (os.cpu_count() or 1)
        others = used[3] - used[0] - used[1] - used[2]
        return used[0] / capacity, used[1] / capacity, used[2] / capacity, others / capacity


async def probe(api: Api, seconds: float, rate: float, timeout: float) -> Probes:
    """`rate` POSTs and `rate` GET /healthz a second for `seconds`, open loop, new connections."""
    found = Probes()
    connector = aiohttp.TCPConnector(force_close=True, limit=0)
    limit = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(api.url, connector=connector, timeout=limit) as client:

        async def one(kind: str, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            began = time.monotonic()
            try:
                if kind == "post":
                    request = client.post("/v1/articles", json=ARTICLE)
                else:
                    request = client.get("/healthz")
                async with request as response:
                    await response.read()
                    ok = response.status == (202 if kind == "post" else 200)
                elapsed = time.monotonic() - began
                if not ok:
                    found.errors += 1
            except TimeoutError:
                found.timeouts += 1
                elapsed = timeout
            except aiohttp.ClientError:
                found.errors += 1
                return
            (found.post if kind == "post" else found.health).append(elapsed * 1000)

        start = time.monotonic() + 0.1
        count = int(seconds * rate)
        tasks = [one(kind, start + i / rate) for i in range(count) for kind in ("post", "health")]
        meter = Meter(api)
        await asyncio.gather(*tasks)
        found.shares = meter.shares()
    return found


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def post_jobs(api: Api, count: int) -> list[str]:
    async def run() -> list[str]:
        gate = asyncio.Semaphore(50)
        async with aiohttp.ClientSession(api.url) as client:

            async def one(i: int) -> str:
                article = {"text": f"{ARTICLE['text']} Item {i}."}
                async with gate, client.post("/v1/articles", json=article) as response:
                    assert response.status == 202, response.status
                    return (await response.json())["id"]

            return list(await asyncio.gather(*(one(i) for i in range(count))))

    return asyncio.run(run())


def end_jobs(redis: Redis, ids: list[str], rate: float) -> dict[str, float]:
    """End the jobs as a worker does (finished, a result, the end announced), `rate` a
    second; when each ended."""
    ended = {}
    began = time.monotonic()
    for index, job_id in enumerate(ids):
        time.sleep(max(0.0, began + index / rate - time.monotonic()))
        job = Job.fetch(job_id, connection=redis, serializer=SERIALIZER)
        with redis.pipeline() as pipe:
            job.started_at = job.ended_at = datetime.now(UTC)
            job.set_status(JobStatus.FINISHED, pipeline=pipe)
            job.save(pipeline=pipe)
            Result.create(job, Result.Type.SUCCESSFUL, 3600, {"ok": True}, pipeline=pipe)
            Queue(job.origin, connection=redis).remove(job_id, pipeline=pipe)
            announce_end(pipe, job_id)
            pipe.execute()
        ended[job_id] = time.monotonic()
    return ended


def redis_clients(redis: Redis) -> int:
    """Connections to Redis other than this script's own."""
    return len(redis.client_list()) - 1


async def long_poll_phase(
    api: Api, redis: Redis, ids: list[str], args: argparse.Namespace
) -> tuple[Probes, int, list[float], Counter[str], list[float]]:
    """Probes while the long-polls wait; Redis connections meanwhile; each poll's answer
    after its job's end (ms); the answers of polls answered before their job ended; the API
    processes' resident memory (MB) meanwhile."""
    connector = aiohttp.TCPConnector(limit=0)
    limit = aiohttp.ClientTimeout(total=120)
    answered: dict[str, tuple[float, str]] = {}
    async with aiohttp.ClientSession(api.url, connector=connector, timeout=limit) as client:

        async def poll(job_id: str) -> None:
            try:
                async with client.get(f"/v1/jobs/{job_id}", params={"wait": "30"}) as response:
                    body = await response.json(content_type=None)
                    status = body["status"] if response.status == 200 else str(response.status)
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                status = type(error).__name__
            answered[job_id] = (time.monotonic(), status)

        polls = [asyncio.create_task(poll(job_id)) for job_id in ids]
        await asyncio.sleep(args.settle)
        # A server whose long-polls subscribe to their jobs' channels: until every poll has
        # (or has been answered), so that the probes meet polls waiting, not arriving.
        until = time.monotonic() + 10
        while time.monotonic() < until:
            waiting = len(await asyncio.to_thread(redis.pubsub_channels, ended_key("*")))
            if waiting == 0 or waiting + len(answered) >= len(ids):
                break
            await asyncio.sleep(0.2)
        connections = await asyncio.to_thread(redis_clients, redis)
        memory = api.resident_mb()
        probes = await probe(api, args.seconds, args.probe_rate, args.probe_timeout)
        early = Counter(status for _, status in answered.values())
        ended = await asyncio.to_thread(end_jobs, redis, ids, args.end_rate)
        await asyncio.gather(*polls)
    wake = [
        (answered[job_id][0] - ended[job_id]) * 1000
        for job_id in ids
        if answered[job_id][1] == "finished"
    ]
    return probes, connections, wake, early, memory


async def slow_phase(api: Api, args: argparse.Namespace) -> tuple[Probes, int, list[float]]:
    """Probes while half-open connections sit there; how many the server closed, and when."""

    async def closed_after(reader: asyncio.StreamReader, since: float) -> float | None:
        """Seconds from the opening to the server's close (an answer to a stalled body,
        such as a 408, is read and the close still awaited)."""
        left = since + args.drop_wait - time.monotonic()
        try:
            while left > 0:
                if not await asyncio.wait_for(reader.read(65536), left):
                    return time.monotonic() - since
                left = since + args.drop_wait - time.monotonic()
        except TimeoutError:
            return None
        except OSError:
            return time.monotonic() - since
        return None

    writers: list[asyncio.StreamWriter] = []
    watches = []
    for i in range(args.half_open + args.stalled_bodies):
        reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
        writer.write(HALF_HEADERS if i < args.half_open else STALLED_BODY)
        await writer.drain()
        writers.append(writer)
        watches.append(asyncio.create_task(closed_after(reader, time.monotonic())))
    await asyncio.sleep(args.settle)
    probes = await probe(api, args.seconds, args.probe_rate, args.probe_timeout)
    closed = await asyncio.gather(*watches)
    for writer in writers:
        writer.close()
    times = [t for t in closed if t is not None]
    return probes, len(times), times


def line(name: str, found: Probes, base: Probes | None) -> str:
    figures = [pct(found.post, 50), pct(found.post, 99), pct(found.health, 50)]
    figures.append(pct(found.health, 99))
    text = f"{name:<34}" + "".join(f"{value:>10.1f}" for value in figures)
    text += f"{found.timeouts:>10}{found.errors:>8}"
    ratios = ("", "")
    if base is not None:
        post = pct(found.post, 99) / pct(base.post, 99)
        health = pct(found.health, 99) / pct(base.health, 99)
        ratios = (f"{post:.2f}", f"{health:.2f}")
    text += f"{ratios[0]:>10}{ratios[1]:>10}"
    return text + "".join(f"{share:>8.0%}" for share in found.shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--long-polls", type=int, default=1000)
    parser.add_argument("--half-open", type=int, default=300)
    parser.add_argument("--stalled-bodies", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10, help="probing time per phase")
    parser.add_argument("--probe-rate", type=float, default=20, help="probes of each kind a second")
    parser.add_argument("--probe-timeout", type=float, default=10)
    parser.add_argument("--settle", type=float, default=3, help="seconds before probing")
    parser.add_argument("--drop-wait", type=float, default=30)
    parser.add_argument("--end-rate", type=float, default=250, help="jobs ended a second")
    parser.add_argument("--skip", nargs="*", default=[], choices=["long-polls", "slow"])
    args = parser.parse_args()
    ending = args.long_polls / args.end_rate
    if args.settle + args.seconds + args.probe_timeout + ending >= 30:
        raise SystemExit(
            "--settle + --seconds + --probe-timeout + --long-polls / --end-rate must stay "
            "under the 30 s wait (the polls' subscribing may take up to 10 s more)"
        )

    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as folder:
        server = RedisServer(Path(folder)).start()
        redis = Redis.from_url(server.url)
        assert server.process is not None
        api = Api(args.checkout.resolve(), server.url, server.process.pid)
        try:
            print(
                f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
                f" API from {args.checkout.resolve()}"
            )
            asyncio.run(probe(api, 1, args.probe_rate, args.probe_timeout))  # warm-up
            base = asyncio.run(probe(api, args.seconds, args.probe_rate, args.probe_timeout))
            rows = [("baseline", base)]
            notes = []
            if "long-polls" not in args.skip:
                ids = post_jobs(api, args.long_polls)
                idle = api.resident_mb()
                found, connections, wake, early, memory = asyncio.run(
                    long_poll_phase(api, redis, ids, args)
                )
                rows.append((f"{args.long_polls} long-polls waiting", found))
                notes.append(f"Redis connections while {args.long_polls} long-polls waited: "
                             f"{connections}")  # fmt: skip
                notes.append(
                    "API processes' resident memory: "
                    + ", ".join(f"{mb:.0f}" for mb in idle)
                    + " MB before the long-polls, "
                    + ", ".join(f"{mb:.0f}" for mb in memory)
                    + " MB while they waited"
                )
                notes.append(
                    f"long-poll answer after its job ended: p50 {pct(wake, 50):.1f} ms, "
                    f"p99 {pct(wake, 99):.1f} ms, max {max(wake, default=float('nan')):.1f} ms "
                    f"({len(wake)} polls; answered before their job ended: "
                    f"{', '.join(f'{n} {status}' for status, n in early.items()) or 'none'})"
                )
            if "slow" not in args.skip:
                found, closed, times = asyncio.run(slow_phase(api, args))
                rows.append((f"{args.half_open} half-open + {args.stalled_bodies} stalled", found))
                total = args.half_open + args.stalled_bodies
                when = f", after {min(times):.1f} to {max(times):.1f} s" if times else ""
                notes.append(
                    f"slow connections closed by the server within {args.drop_wait:g} s: "
                    f"{closed} of {total}{when}"
                )
            print(
                f"\n{'ms':<34}{'POST p50':>10}{'POST p99':>10}{'hz p50':>10}{'hz p99':>10}"
                f"{'timeouts':>10}{'errors':>8}{'POST x':>10}{'hz x':>10}"
                f"{'API':>8}{'Redis':>8}{'bench':>8}{'others':>8}"
            )
            for name, found in rows:
                print(line(name, found, None if found is base else base))
            print(f"(probes: {int(args.seconds * args.probe_rate)} of each kind per phase; "
                  f"x = p99 / baseline p99; hz = GET /healthz; API, Redis, bench, others: "
                  f"their share of the {os.cpu_count()} cores while probing)")  # fmt: skip
            for note in notes:
                print(note)
        finally:
            api.stop()
            redis.close()
            server.stop()


if __name__ == "__main__":
    uvloop.install()
    main()
