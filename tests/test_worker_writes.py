"""What Newsdesk reads and writes of RQ's records itself (newsdesk.rqstore) is what RQ reads
and writes, against a real Redis.

The analysis worker ends a job its own, shorter way: the same article goes through RQ's stock
SimpleWorker and through a LeasedWorker, and what each left behind is compared, with the
round trips each took. The API's own reads, its reused jobs and the jobs it queues inside a
transaction, and the lease keeper's heartbeat, are compared with RQ's in the same way.
"""

from __future__ import annotations

import time
import uuid
from base64 import b64decode
from dataclasses import replace

import pytest
from redis import Redis
from redis.connection import ConnectionPool
from rq import Queue, Worker, get_current_job
from rq.job import Job
from rq.results import Result
from rq.suspension import resume, suspend

from newsdesk import rqstore
from newsdesk.jobcontrol import request_cancel
from newsdesk.queueing import SERIALIZER
from newsdesk.settings import Config, load
from service.jobstore import JobStore
from workers.prompt_stop import PromptSimpleWorker
from workers.worker import LeasedWorker, make_worker

ARTICLE = (
    "The town of Marrow Bay opened its new lifeboat station on Saturday. "
    "Harbour master Ines Calloway said the crew had waited eleven years for it.\n\n"
    '"We can launch in four minutes now," Calloway said.'
)
# Fields that name a moment or a worker: they differ between any two runs.
MOMENTS = {"created_at", "enqueued_at", "started_at", "ended_at", "last_heartbeat", "worker_name"}


@pytest.fixture
def config(redis_url: str) -> Config:
    return replace(load(), redis_url=redis_url, queue_name="writes")


def submit(config: Config, owner: str, text: str = ARTICLE) -> str:
    store = JobStore(Redis.from_url(config.redis_url), config)
    return store.submit({"text": text}, ["cleanup", "stats"], None, owner=owner)["id"]


def stock_worker(queue: Queue) -> PromptSimpleWorker:
    return PromptSimpleWorker([queue], connection=queue.connection, serializer=SERIALIZER)


def test_a_finished_job_is_stored_as_rq_stores_it(config: Config) -> None:
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    stock_id = submit(config, "stock")
    stock_worker(queue).work(burst=True)
    lean_id = submit(config, "lean")
    make_worker(queue, config).work(burst=True)

    stock, lean = (redis.hgetall(Job.key_for(i)) for i in (stock_id, lean_id))
    assert stock[b"status"] == lean[b"status"] == b"finished"
    assert set(lean) == set(stock)
    for field in set(stock) - {f.encode() for f in MOMENTS} - {b"meta"}:
        assert lean[field] == stock[field], field  # the article itself (`data`) included
    for job in (Job.fetch(i, connection=redis, serializer=SERIALIZER) for i in (lean_id,)):
        assert job.started_at <= job.ended_at and job.last_heartbeat >= job.started_at
    assert abs(redis.ttl(Job.key_for(lean_id)) - redis.ttl(Job.key_for(stock_id))) <= 2

    # The result stream: one entry each, the same fields in the same order, the same value.
    entries = [redis.xrange(Result.get_key(i)) for i in (stock_id, lean_id)]
    assert [len(e) for e in entries] == [1, 1]
    (_, stock_entry), (_, lean_entry) = entries[0][0], entries[1][0]
    assert list(lean_entry) == list(stock_entry)
    assert lean_entry[b"return_value"] == stock_entry[b"return_value"]
    assert lean_entry[b"type"] == stock_entry[b"type"]
    stored = Job.fetch(lean_id, connection=redis, serializer=SERIALIZER).return_value()
    assert stored == SERIALIZER.loads(b64decode(stock_entry[b"return_value"]))
    assert stored["stats"]["words"] > 10
    assert abs(redis.ttl(Result.get_key(lean_id)) - redis.ttl(Result.get_key(stock_id))) <= 2

    # Registries: finished, no longer started, nothing left of the execution.
    assert set(queue.finished_job_registry.get_job_ids()) == {stock_id, lean_id}
    assert redis.zcard(queue.started_job_registry.key) == 0
    assert redis.llen(queue.intermediate_queue_key) == 0
    assert redis.keys("rq:execution:*") == []
    assert redis.zcard(f"rq:executions:{lean_id}") == 0


class Counting:
    """Counts what a client sends: one send is one round trip (a pipeline is one send)."""

    sends = 0

    def send_packed_command(self, command, check_health=True):  # type: ignore[no-untyped-def]
        Counting.sends += 1
        return super().send_packed_command(command, check_health)  # type: ignore[misc]


def counting_pool(url: str) -> ConnectionPool:
    """A pool for `url` (TCP or unix socket) whose connections count their sends."""
    plain = ConnectionPool.from_url(url).connection_class
    counting = type(f"Counting{plain.__name__}", (Counting, plain), {})
    return ConnectionPool.from_url(url, connection_class=counting)


def round_trips_per_job(config: Config, build) -> float:  # type: ignore[no-untyped-def]
    """Round trips a burst worker makes for each job beyond the first (its start and stop
    cost the same however many jobs it takes)."""
    pool = counting_pool(config.redis_url)
    redis = Redis(connection_pool=pool)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    counts = []
    # The first run loads what the pipeline loads on first use; every text is new, so no
    # job is answered with an earlier one's result.
    for run, jobs in enumerate((1, 1, 4)):
        for n in range(jobs):
            submit(config, "counted", text=f"{ARTICLE}\n\nCorrection {n} of run {run}.")
        worker = build(queue)
        Counting.sends = 0
        worker.work(burst=True)
        counts.append(Counting.sends)
    return (counts[2] - counts[1]) / 3


def test_a_leased_worker_takes_four_round_trips_a_job_where_rq_takes_many_more(
    config: Config,
) -> None:
    stock = round_trips_per_job(config, stock_worker)
    lean = round_trips_per_job(config, lambda queue: make_worker(queue, config))
    # Take the job, read it, start it, end it (and look for a suspension).
    assert lean == 4
    assert stock >= 15


def suspend_workers() -> str:
    """A job that suspends the workers, as `rq suspend` does."""
    job = get_current_job()
    assert job is not None
    suspend(job.connection)
    return "suspended"


def test_a_suspension_seen_as_a_job_ends_stops_the_worker_taking_more(config: Config) -> None:
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    first = queue.enqueue_call(f"{__name__}.suspend_workers", job_id=str(uuid.uuid4()))
    waiting = submit(config, "suspended")
    try:
        make_worker(queue, config).work(burst=True)  # a burst worker quits when suspended
        assert first.get_status() == "finished"
        assert Job.fetch(waiting, connection=redis, serializer=SERIALIZER).get_status() == "queued"
        assert queue.job_ids == [waiting]
    finally:
        resume(redis)


def test_a_job_cancelled_before_it_starts_stops_before_its_first_step(config: Config) -> None:
    """The cancel flag is read in the transaction that starts the job, not at a checkpoint."""
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    job_id = submit(config, "cancelled")
    request_cancel(redis, job_id, ttl=60)  # as the API does first, before the job is taken
    worker = LeasedWorker([queue], connection=redis, serializer=SERIALIZER)
    worker.work(burst=True)
    job = Job.fetch(job_id, connection=redis, serializer=SERIALIZER)
    assert job.get_status() == "failed"
    assert job.meta["canceled"] is True and job.meta["error"]["type"] == "canceled"
    assert set(job.meta["timings"]) == {"total"}  # not one analysis step ran


def test_a_job_read_without_rq_reads_as_rq_reads_it(config: Config) -> None:
    """rqstore.read_job reads the job hash and result stream itself: it must agree with
    RQ's Job.fetch for a queued, a finished and a failed job."""
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    finished = submit(config, "reader")
    make_worker(queue, config).work(burst=True)
    failed = queue.enqueue_call(f"{__name__}.fail", job_id=str(uuid.uuid4())).id
    stock_worker(queue).work(burst=True)
    queued = submit(config, "reader", text=f"{ARTICLE}\n\nStill waiting.")
    for job_id in (finished, failed, queued):
        stored = rqstore.read_job(redis, job_id)
        job = Job.fetch(job_id, connection=redis, serializer=SERIALIZER)
        assert stored is not None
        assert stored.status == job.get_status(refresh=False)
        assert (stored.created_at, stored.started_at, stored.ended_at) == (
            job.created_at,
            job.started_at,
            job.ended_at,
        )
        assert stored.meta == job.meta
        returned = job.return_value()
        assert stored.result == (None if returned is None else SERIALIZER.dumps(returned))
    assert rqstore.read_job(redis, str(uuid.uuid4())) is None


def fail() -> None:
    raise RuntimeError("as planned")


def test_a_reused_job_is_stored_as_rq_stores_a_finished_one(config: Config) -> None:
    """A reused result makes a job written finished at once (rqstore.store_finished)."""
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    ran = submit(config, "reuser")
    make_worker(queue, config).work(burst=True)
    store = JobStore(redis, config)
    reused = store.submit({"text": ARTICLE}, ["cleanup", "stats"], None, owner="reuser")
    assert reused["cached"] is True and reused["status"] == "finished"

    first, second = (redis.hgetall(Job.key_for(i)) for i in (ran, reused["id"]))
    # What a worker adds (its attempts) is not there; RQ's `save` writes the return value.
    assert set(second) == set(first) - {b"retries_left", b"retry_intervals"} | {b"result"}
    for field in set(second) - {f.encode() for f in MOMENTS} - {b"meta", b"result"}:
        assert second[field] == first[field], field
    assert abs(redis.ttl(Job.key_for(reused["id"])) - redis.ttl(Job.key_for(ran))) <= 2

    entries = [redis.xrange(Result.get_key(i)) for i in (ran, reused["id"])]
    assert [len(e) for e in entries] == [1, 1]
    (_, ran_entry), (_, reused_entry) = entries[0][0], entries[1][0]
    assert reused_entry[b"type"] == ran_entry[b"type"]
    assert reused_entry[b"return_value"] == ran_entry[b"return_value"]
    assert set(queue.finished_job_registry.get_job_ids()) == {ran, reused["id"]}
    job = Job.fetch(reused["id"], connection=redis, serializer=SERIALIZER)
    assert job.get_status() == "finished"
    assert job.return_value() == SERIALIZER.loads(b64decode(ran_entry[b"return_value"]))


def test_a_job_queued_in_a_transaction_is_queued_as_rq_queues_one(config: Config) -> None:
    """rqstore.enqueue_in, on a pipeline that holds other writes, against RQ's enqueue_job."""
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    made = [
        queue.create_job(f"{__name__}.fail", job_id=str(uuid.uuid4()), meta={"n": n})
        for n in range(2)
    ]
    queue.enqueue_job(made[0])
    with redis.pipeline() as pipe:
        pipe.set("other", 1)
        rqstore.enqueue_in(queue, made[1], pipe)
        pipe.execute()
    assert queue.job_ids == [job.id for job in made]
    stock, ours = (redis.hgetall(job.key) for job in made)
    assert set(ours) == set(stock)
    for field in set(stock) - {f.encode() for f in MOMENTS} - {b"meta"}:
        assert ours[field] == stock[field], field


def test_the_lease_keepers_heartbeat_registers_a_worker_as_rq_does(config: Config) -> None:
    """A worker whose registration lapsed is written back whole by the keeper's heartbeat
    (rqstore.LeaseWrites.beat), as RQ wrote it when the worker started."""
    redis = Redis.from_url(config.redis_url)
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    worker = PromptSimpleWorker([queue], connection=redis, serializer=SERIALIZER)
    worker.register_birth()
    try:
        born = redis.hgetall(worker.key)
        sets = {key: redis.smembers(key) for key in rqstore.registration_of(worker).sets}
        redis.delete(worker.key, *sets)
        rqstore.LeaseWrites(redis).beat(rqstore.registration_of(worker), time.time())
        again = redis.hgetall(worker.key)
        assert set(again) == set(born)
        for field in set(born) - {b"last_heartbeat"}:
            assert again[field] == born[field], field
        assert {key: redis.smembers(key) for key in sets} == sets
        assert abs(redis.ttl(worker.key) - (worker.worker_ttl + 60)) <= 2
        assert Worker.find_by_key(worker.key, connection=redis) is not None
    finally:
        worker.register_death()
