"""A job runs to one end, once: real redis-server, real `newsdesk worker` processes.

A worker whose job holds the GIL for seconds (a tokenizer, a regular expression) cannot
run a thread meanwhile. Here that is made certain: the worker's process is stopped with
SIGSTOP while its job runs, past the end of the job's lease, and the registry maintenance
that any idle worker runs is run then. The lease must still hold (it is kept by a process
of its own), the job must not be handed to the other worker, and it must end once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import clean_registries
from rq.results import Result
from rq.worker_registration import REDIS_WORKER_KEYS, WORKERS_BY_QUEUE_KEY

from newsdesk import jobmetrics
from newsdesk.queueing import SERIALIZER
from newsdesk.settings import Config, load
from service.jobstore import JobStore
from workers.worker import make_worker

pytestmark = pytest.mark.integration

LEASE = 2  # seconds; production default is 10


def wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def results(job: Job) -> int:
    """How many outcomes the job's result stream holds: one per run that ended it."""
    return job.connection.xlen(Result.get_key(job.id))


@dataclass
class Pool:
    queue: Queue
    processes: dict[str, subprocess.Popen]
    log_dir: Path
    config: Config

    def store(self, **settings: int) -> JobStore:
        return JobStore(self.queue.connection, replace(self.config, **settings))

    def process_of(self, job: Job) -> subprocess.Popen:
        job.refresh()
        return self.processes[job.worker_name]

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.log_dir.glob("*.log")))


@pytest.fixture(scope="module")
def pool(redis_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:  # type: ignore[no-untyped-def]
    log_dir = tmp_path_factory.mktemp("once-logs")
    name = f"once-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        REDIS_URL=redis_server.url,
        NEWSDESK_QUEUE=name,
        NEWSDESK_JOB_LEASE=str(LEASE),
        NEWSDESK_LOG_LEVEL="INFO",
    )
    processes = {}
    for number in (1, 2):
        worker_name = f"{name}-w{number}"
        with (log_dir / f"{worker_name}.log").open("wb") as log:
            processes[worker_name] = subprocess.Popen(
                [sys.executable, "-m", "newsdesk", "worker", "--name", worker_name],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    redis = Redis.from_url(redis_server.url)
    config = replace(load(), redis_url=redis_server.url, queue_name=name, job_lease=LEASE)
    queue = Queue(name, connection=redis, serializer=SERIALIZER)
    pool = Pool(queue, processes, log_dir, config)
    try:
        wait_for(lambda: Worker.count(queue=pool.queue) == 2, 120, "two workers")
        yield pool
    finally:
        for process in processes.values():
            os.kill(process.pid, signal.SIGCONT)
            process.terminate()
        for process in processes.values():
            process.wait(30)


def frozen_job(pool: Pool, *, timeout: int, then_wait: int = 0) -> tuple[Job, int]:
    """A job that stops its own worker as it starts, the worker then frozen for three
    leases with the registry maintenance run meanwhile; returns the job and how many jobs
    had ended before it. The job freezes the worker itself: a test that froze it once it
    saw the job start would, on a busy machine, see that after a short job had ended.

    With `then_wait`, the job goes on for that many seconds once the worker runs again (a
    shell stops the worker, then sleeps while the worker waits for it): a time limit that
    ran out while the worker was frozen must end the job, and the job must still be
    running when the limit's signal is handled."""
    counts = jobmetrics.read_jobs(pool.queue.connection, pool.queue.name)
    if then_wait:
        call = "subprocess.run", (["sh", "-c", f"kill -STOP $PPID; sleep {then_wait}"],)
    else:
        call = "signal.raise_signal", (signal.SIGSTOP,)
    job = pool.queue.enqueue_call(*call, timeout=timeout, job_id=str(uuid.uuid4()))
    wait_for(lambda: job.get_status() == "started", 60, "the job to start")
    worker = pool.process_of(job)
    wait_for(lambda: stopped(worker.pid), 60, "the worker to stop itself")
    freeze_for_three_leases(pool, job, worker)
    return job, counts["finished"] + counts["failed"]


def freeze_for_three_leases(pool: Pool, job: Job, worker: subprocess.Popen) -> None:
    """With ``worker`` stopped while it runs ``job``: run the registry maintenance for three
    leases, check that the job was neither put back nor ended, and let the worker go on."""
    try:
        frozen_until = time.monotonic() + 3 * LEASE
        while time.monotonic() < frozen_until:  # what idle workers do every few seconds
            clean_registries(pool.queue)
            time.sleep(0.25)
        assert pool.queue.count == 0, "the job was put back on the queue while it ran"
        assert job.get_status() == "started"
    finally:
        os.kill(worker.pid, signal.SIGCONT)


def stopped(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def test_a_job_whose_worker_is_frozen_past_its_lease_runs_once(pool: Pool) -> None:
    job, ended_before = frozen_job(pool, timeout=60)
    wait_for(lambda: job.get_status() in ("finished", "failed"), 60, "the job to end")
    assert job.get_status() == "finished", pool.logs()
    assert results(job) == 1
    counts = jobmetrics.read_jobs(pool.queue.connection, pool.queue.name)
    assert counts["finished"] + counts["failed"] == ended_before + 1
    assert Worker.count(queue=pool.queue) == 2


def test_a_job_over_its_time_limit_fails_once_and_the_worker_goes_on(pool: Pool) -> None:
    """The one-second limit runs out while the worker is frozen. The signal that ends the
    job may be taken by any of the worker's threads as it wakes, and is handled in its main
    thread a moment later: a job that ended the instant its worker woke could win that
    race, so this one goes on for a few seconds (at most that long after the limit)."""
    job, ended_before = frozen_job(pool, timeout=1, then_wait=5)
    wait_for(lambda: job.get_status() in ("finished", "failed"), 60, "the job to end")
    job.refresh()
    assert job.get_status() == "failed"
    assert job.meta.get("error", {}).get("type") == "timeout", (job.meta, pool.logs())
    assert results(job) == 1
    counts = jobmetrics.read_jobs(pool.queue.connection, pool.queue.name)
    assert counts["finished"] + counts["failed"] == ended_before + 1
    # The same two workers take the next job.
    after = pool.queue.enqueue_call("time.sleep", args=(0,), job_id=str(uuid.uuid4()))
    wait_for(lambda: after.get_status() == "finished", 60, "the next job")
    assert all(p.poll() is None for p in pool.processes.values())


def test_a_worker_whose_registration_was_swept_registers_again(pool: Pool) -> None:
    """Readiness counts registered workers: a worker that lost its registration (its key
    lapsed and maintenance swept it) while alive must come back by itself."""
    redis = pool.queue.connection
    for worker in Worker.all(queue=pool.queue):
        redis.delete(worker.key)
        redis.srem(REDIS_WORKER_KEYS, worker.key)
        redis.srem(WORKERS_BY_QUEUE_KEY % pool.queue.name, worker.key)
    assert Worker.count(queue=pool.queue) == 0
    wait_for(lambda: Worker.count(queue=pool.queue) == 2, 10 * LEASE, "registration again")
    assert {w.name for w in Worker.all(queue=pool.queue)} == set(pool.processes)


# --- in this process: a job that ended is not run again; a lost lease drops the outcome


@pytest.fixture
def config(redis_url: str) -> Config:
    return replace(load(), redis_url=redis_url, queue_name="once", job_lease=1)


def run_burst(config: Config) -> None:
    queue = Queue(config.queue_name, connection=Redis.from_url(config.redis_url))
    make_worker(queue, config).work(burst=True)


def test_a_job_put_back_after_it_ended_is_not_run_again(config: Config) -> None:
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    job = queue.enqueue_call("time.sleep", args=(0,), job_id=str(uuid.uuid4()))
    run_burst(config)
    assert job.get_status() == "finished"
    ended_at = Job.fetch(job.id, connection=redis, serializer=SERIALIZER).ended_at
    # As a registry cleaning does when a lease lapsed just before the job's end went out.
    queue.push_job_id(job.id)
    run_burst(config)
    again = Job.fetch(job.id, connection=redis, serializer=SERIALIZER)
    assert again.get_status() == "finished"
    assert again.ended_at == ended_at
    assert results(again) == 1
    assert jobmetrics.read_jobs(redis, config.queue_name)["finished"] == 1
    assert redis.llen(queue.intermediate_queue_key) == 0


def lose_own_lease() -> str:
    """A job whose lease is taken away while it runs, as a registry cleaning does."""
    from rq import get_current_job

    job = get_current_job()
    assert job is not None
    registry = job.started_job_registry
    for member in job.connection.zrange(registry.key, 0, -1):
        job.connection.zrem(registry.key, member)
    time.sleep(1.5)  # the keeper's next renewals find the lease gone
    return "late"


def test_a_worker_that_lost_its_jobs_lease_drops_its_outcome(config: Config) -> None:
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    job = queue.enqueue_call(f"{__name__}.lose_own_lease", job_id=str(uuid.uuid4()))
    run_burst(config)
    assert results(job) == 0
    assert jobmetrics.read_jobs(redis, config.queue_name)["finished"] == 0
    assert job.get_status() != "finished"
