"""Throughput of the whole service against the pipeline run in-process, in one run.

Starts `newsdesk serve` (private Redis, gunicorn, N workers) on a free port, pushes
the same articles through HTTP + queue + workers and through the pipeline in N
plain processes on the same cores, and prints articles/s, words/s, end-to-end
latency and the ratio service / in-process. Machines are noisy: compare the
ratio, which both halves share, more than the absolute figures.

    python bench/throughput.py --articles 200 --workers 2
    python bench/throughput.py --url http://127.0.0.1:8000   # an already running service
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing as mp
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def make_articles(n: int) -> list[str]:
    """A mix of lengths (brief to long read) built from the project's own fixture articles.

    Each article gets a distinct closing line so no two texts are the same.
    """
    paragraphs: list[str] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        paragraphs += [p.strip() for p in path.read_text().split("\n\n") if len(p.split()) > 8]
    if not paragraphs:
        raise SystemExit("no fixture articles found under tests/fixtures")
    sizes = [3, 8, 15, 30]  # paragraphs per article: briefs to long reads
    articles = []
    for i in range(n):
        k = sizes[i % len(sizes)]
        start = (i * 7) % len(paragraphs)
        body = [paragraphs[(start + j) % len(paragraphs)] for j in range(k)]
        body.append(f"This is benchmark article number {i}.")
        articles.append("\n\n".join(body))
    return articles


# --- the service ---------------------------------------------------------------------------


@dataclass
class Service:
    """A `newsdesk serve` this script started, or a running service named by --url."""

    url: str
    proc: subprocess.Popen | None = None
    redis_url: str | None = None
    data: tempfile.TemporaryDirectory | None = None

    def worker_pids(self) -> list[int]:
        """The RQ worker processes `serve` started (empty for a service given by --url)."""
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if not entry.name.isdigit():
                    continue
                parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if parent == str(self.proc.pid) and b"worker" in command:
                pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each part of the service this script started.

        Parts: `workers`, `api` (gunicorn master and its processes), `redis`, `supervisor`.
        """
        if self.proc is None:
            return {}
        parts = {"workers": 0.0, "api": 0.0, "redis": 0.0, "supervisor": 0.0}
        for pid, comm, command in _processes():
            if pid == self.proc.pid:
                parts["supervisor"] += _cpu(pid)
            elif not _descends_from(pid, self.proc.pid):
                continue
            elif comm == "redis-server":
                parts["redis"] += _cpu(pid)
            elif b"worker" in command:
                parts["workers"] += _cpu(pid)
            else:
                parts["api"] += _cpu(pid)
        return parts

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.data is not None:
            self.data.cleanup()


def _processes() -> list[tuple[int, str, bytes]]:
    """(pid, name, command line) of every process we can read."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        found.append((int(entry.name), comm, command))
    return found


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        pid = _parent(pid)
        if pid == ancestor:
            return True
    return False


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (all cores together)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this script's own process (the load generator), all threads."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def start_service(workers: int) -> Service:
    data = tempfile.TemporaryDirectory(prefix="newsdesk-bench-")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    # A benchmark pushes harder than a rate limit allows one caller: no limit here.
    env.update(NEWSDESK_DATA_DIR=data.name, NEWSDESK_LOG_LEVEL="WARNING", NEWSDESK_RATE_LIMIT="off")
    proc = subprocess.Popen(
        # `-m` from the current folder, as serve starts its children: supervisor, API and
        # workers all run the same checkout's code.
        [sys.executable, "-m", "newsdesk", "serve", "--port", "0", "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    # serve names its private Redis ("newsdesk: Redis at unix://... (private...") and then
    # the address of the API, on the port it picked ("newsdesk: API listening on http://...")
    service = Service(url="", proc=proc, data=data)
    for line in proc.stdout or ():
        if "Redis at " in line:
            service.redis_url = line.split("Redis at ", 1)[1].split()[0]
        if "API listening on " in line:
            service.url = line.split("API listening on ", 1)[1].split()[0]
            break
    if not service.url:
        service.stop()
        raise SystemExit(f"newsdesk serve exited with {proc.wait()}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"newsdesk serve exited with {proc.returncode}")
        try:
            ready = httpx.get(f"{service.url}/readyz", timeout=1)
            # every worker must have loaded its model before we start the clock
            if ready.status_code == 200 and ready.json()["workers"] >= workers:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    service.stop()
    raise SystemExit("service did not become ready in 120 s")


def one_job(client: httpx.Client, url: str, text: str) -> tuple[float, str]:
    began = time.perf_counter()
    response = client.post(f"{url}/v1/articles", json={"text": text})
    response.raise_for_status()
    location = response.headers["Location"]
    while True:
        job = client.get(f"{url}{location}", params={"wait": 30}).json()
        if job["status"] in ("finished", "failed"):
            return time.perf_counter() - began, job["status"]


def run_service(url: str, articles: list[str], concurrency: int) -> dict:
    latencies: list[float] = []
    failed = 0
    began = time.perf_counter()
    with (
        httpx.Client(timeout=60) as client,
        cf.ThreadPoolExecutor(concurrency) as pool,
    ):
        for seconds, status in pool.map(lambda t: one_job(client, url, t), articles):
            latencies.append(seconds)
            failed += status != "finished"
    wall = time.perf_counter() - began
    return {"wall": wall, "latencies": latencies, "failed": failed}


# --- in-process ----------------------------------------------------------------------------


def _init_pipeline() -> None:
    from workers.pipeline import warm_up

    warm_up()


def _analyze(text: str) -> int:
    from workers.pipeline import analyze

    return len(json.dumps(analyze({"text": text})))


def run_in_process(articles: list[str], processes: int) -> dict:
    """The pipeline in `processes` plain processes: wall time, their CPU, the machine's CPU."""
    ctx = mp.get_context("fork")
    with ctx.Pool(processes, initializer=_init_pipeline) as pool:
        pool.map(_analyze, articles[: processes * 2])  # warm every process before timing
        pids = [process.pid for process in pool._pool]  # type: ignore[attr-defined]
        cpu = sum(_cpu(pid) for pid in pids)
        busy = machine_busy_seconds()
        began = time.perf_counter()
        pool.map(_analyze, articles, chunksize=1)
        wall = time.perf_counter() - began
        cpu = sum(_cpu(pid) for pid in pids) - cpu
        busy = machine_busy_seconds() - busy
    return {"wall": wall, "cpu": cpu, "others": max(0.0, busy - cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="RQ workers (and in-process procs)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--url", help="use a running service instead of starting one")
    args = parser.parse_args()

    articles = make_articles(args.articles)
    words = sum(len(a.split()) for a in articles)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"articles: {len(articles)}, words: {words} (mean {words / len(articles):.0f}/article)")

    service = start_service(args.workers) if args.url is None else Service(url=args.url)
    try:
        one_job(httpx.Client(timeout=60), service.url, articles[0])  # warms the path
        measured = run_service(service.url, articles, args.concurrency)
    finally:
        service.stop()

    local = run_in_process(articles, args.workers)

    s_rate = len(articles) / measured["wall"]
    l_rate = len(articles) / local["wall"]
    lat = measured["latencies"]
    pct = statistics.quantiles(lat, n=100, method="inclusive")
    print(
        f"service   : {s_rate:7.1f} articles/s {words / measured['wall']:9.0f} words/s "
        f"(failed {measured['failed']})"
    )
    print(
        f"            end-to-end latency p50 {pct[49] * 1000:.0f} ms, "
        f"p95 {pct[94] * 1000:.0f} ms, mean {statistics.mean(lat) * 1000:.0f} ms "
        f"at {args.concurrency} clients"
    )
    print(
        f"in-process: {l_rate:7.1f} articles/s {words / local['wall']:9.0f} words/s "
        f"({args.workers} processes)"
    )
    print(f"ratio service / in-process: {s_rate / l_rate:.2f}")


if __name__ == "__main__":
    main()
