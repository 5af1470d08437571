"""No job is lost when a worker dies mid-job: real redis-server, real `newsdesk worker` processes.

A worker is killed with SIGKILL (no chance to clean up); its job must run again on
another worker within about one lease. A job that kills its worker every time must
end `failed` after NEWSDESK_JOB_ATTEMPTS tries while other jobs keep flowing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Retry, Worker
from rq.job import Job

from newsdesk import jobmetrics, webhooks
from newsdesk.queueing import SERIALIZER, ended_key
from newsdesk.redis_server import RedisServer
from newsdesk.results import ResultSchema
from newsdesk.settings import load
from service.jobstore import JobStore

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent / "fixtures"
LEASE = 2  # seconds; production default is 10
ATTEMPTS = 3


class WorkerPool:
    """Real worker processes, respawned when one dies (as `serve` or an orchestrator would)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}
        self.deaths = 0
        self._stop = threading.Event()
        self._respawner = threading.Thread(target=self._respawn, daemon=True)

    def start(self, names: list[str]) -> WorkerPool:
        for name in names:
            self._spawn(name)
        self._respawner.start()
        return self

    def _spawn(self, name: str) -> None:
        with (self.log_dir / f"{name}.log").open("ab") as log:
            unique = f"{name}-{uuid.uuid4().hex}"
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "newsdesk", "worker", "--name", unique],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _respawn(self) -> None:
        while not self._stop.wait(0.2):
            for name, process in list(self.processes.items()):
                if process.poll() is not None and not self._stop.is_set():
                    self.deaths += 1
                    self._spawn(name)

    def kill(self, rq_worker_name: str) -> None:
        for name, process in self.processes.items():
            if rq_worker_name.startswith(f"{name}-"):
                os.kill(process.pid, signal.SIGKILL)
                return
        raise LookupError(rq_worker_name)

    def stop(self) -> None:
        self._stop.set()
        self._respawner.join()
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def long_article(words: int) -> str:
    """Distinct paragraphs (cleanup keeps repeats once) long enough to keep NER busy."""
    story = [p for p in (FIXTURES / "wire_story.txt").read_text().split("\n\n") if p.strip()]
    paragraphs: list[str] = []
    while sum(len(p.split()) for p in paragraphs) < words:
        paragraphs += [f"Update {len(paragraphs)}: {p}" for p in story]
    return "\n\n".join(paragraphs)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture(scope="module")
def queue_env(redis_server: RedisServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        REDIS_URL=redis_server.url,
        NEWSDESK_QUEUE=f"recovery-{uuid.uuid4().hex[:8]}",
        NEWSDESK_JOB_LEASE=str(LEASE),
        NEWSDESK_JOB_ATTEMPTS=str(ATTEMPTS),
        NEWSDESK_LOG_LEVEL="INFO",
    )
    return env


@pytest.fixture(scope="module")
def store(queue_env: dict[str, str], redis_server: RedisServer) -> JobStore:
    config = replace(
        load(),
        redis_url=redis_server.url,
        queue_name=queue_env["NEWSDESK_QUEUE"],
        job_lease=LEASE,
        job_attempts=ATTEMPTS,
    )
    return JobStore(Redis.from_url(redis_server.url), config)


@pytest.fixture(scope="module")
def pool(
    queue_env: dict[str, str], store: JobStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerPool]:
    pool = WorkerPool(queue_env, tmp_path_factory.mktemp("worker-logs")).start(["a", "b"])
    try:
        wait_for(lambda: len(Worker.all(queue=store.queue)) >= 2, 120, "two workers")
        yield pool
    finally:
        pool.stop()


def test_job_of_a_killed_worker_runs_again_on_another(pool: WorkerPool, store: JobStore) -> None:
    job = store.submit({"text": long_article(12_000)}, ["cleanup", "entities", "stats"], None)
    started = wait_for(
        lambda: (j := store.get(job["id"]))["status"] == "started" and j, 60, "the job to start"
    )
    first_worker = Job.fetch(job["id"], connection=store.redis, serializer=SERIALIZER).worker_name
    pool.kill(first_worker)
    killed_at = datetime.now(UTC)

    restarted = wait_for(
        lambda: (
            (j := store.get(job["id"]))["started_at"] not in (None, started["started_at"]) and j
        ),
        LEASE + 20,
        "the job to start again",
    )
    recovery = datetime.fromisoformat(restarted["started_at"]) - killed_at
    done = store.get(job["id"], wait=60)

    assert done["status"] == "finished", done.get("error")
    assert ResultSchema().validate(done["result"]) == {}
    second_worker = Job.fetch(job["id"], connection=store.redis, serializer=SERIALIZER).worker_name
    assert second_worker != first_worker
    # Bounded: one lease for the claim to lapse, plus an idle worker's 5 s wake-up, with
    # room for a loaded machine.
    assert recovery.total_seconds() < LEASE + 15, recovery


def test_job_that_kills_its_worker_every_time_fails_after_the_attempts(
    pool: WorkerPool, store: JobStore
) -> None:
    deaths_before = pool.deaths
    failed_before = jobmetrics.read_jobs(store.redis, store.config.queue_name)["failed"]
    # A job that takes its worker down with it, every time: os._exit in the worker process.
    crasher = Queue(store.config.queue_name, connection=store.redis, serializer=SERIALIZER)
    crash = crasher.enqueue_call(
        "os._exit",
        args=(1,),
        job_id=str(uuid.uuid4()),
        retry=Retry(max=ATTEMPTS - 1),
        meta={
            "analyses": ["stats"],
            "options": {},
            "metadata": None,
            "webhook": {"url": "http://127.0.0.1:9/hook", "state": "pending", "attempts": []},
        },
    )
    failed = wait_for(
        lambda: (j := store.get(crash.id))["status"] == "failed" and j,
        ATTEMPTS * (LEASE + 30),
        "the crashing job to fail",
    )
    assert failed["error"]["type"] == "worker_lost"
    assert pool.deaths - deaths_before == ATTEMPTS
    # Its long-polls wake as for any ended job: the end marker follows the failure.
    wait_for(lambda: store.redis.exists(ended_key(crash.id)), 10, "the job's end marker")
    # RQ fails such a job itself, outside any job code; /metrics counts it all the same.
    assert jobmetrics.read_jobs(store.redis, store.config.queue_name)["failed"] == failed_before + 1
    # Failed by the registry cleanup, not by a worker's failure handling: its webhook is
    # queued all the same.
    deliveries = Queue(
        webhooks.queue_name(store.config.queue_name), connection=store.redis, serializer=SERIALIZER
    ).jobs
    assert [d.meta["job_id"] for d in deliveries] == [crash.id]

    # The queue still flows: workers were replaced and take ordinary jobs.
    ordinary = store.submit({"text": "The ferry sails again on Monday."}, ["stats"], None)
    assert store.get(ordinary["id"], wait=60)["status"] == "finished"


def test_an_analysis_error_is_not_retried(pool: WorkerPool, store: JobStore) -> None:
    # A title that is not a string makes the pipeline raise: a job error, not a lost worker.
    deaths_before = pool.deaths
    broken = Queue(store.config.queue_name, connection=store.redis, serializer=SERIALIZER)
    job = broken.enqueue_call(
        "workers.jobs.analyze_article",
        args=({"text": "The ferry sails.", "title": 42, "analyses": ["cleanup"]},),
        job_id=str(uuid.uuid4()),
        retry=Retry(max=ATTEMPTS - 1),
        meta={"analyses": ["cleanup"], "options": {}, "metadata": None},
    )
    done = store.get(job.id, wait=30)
    assert done["status"] == "failed"
    assert done["error"]["type"] == "analysis_error"
    assert Job.fetch(job.id, connection=store.redis, serializer=SERIALIZER).retries_left == 0
    assert pool.deaths == deaths_before
