"""What Newsdesk relies on of RQ beyond its public API: how RQ keeps jobs, results and
workers in Redis, and the private names that reach them.

Where RQ's own calls cost too much, Newsdesk reads and writes RQ's records itself: the API
reads a job's view fields and its latest result without `Job.fetch` (which also reads and
decompresses the article), writes a finished job when it reuses a result, and queues a job
on a transaction it already holds; the analysis worker ends a job writing only what changed;
its lease keeper renews RQ's lease and registration records in Lua. Each must read and write
what RQ would (`tests/test_worker_writes.py` compares them with RQ's own), so this is the file
to check against a new RQ release.

Only RQ and redis-py are imported: the API imports this module too.
"""

from __future__ import annotations

import time
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq import Queue
from rq.executions import Execution, ExecutionRegistry
from rq.job import Job, JobStatus, _job_stack
from rq.results import Result
from rq.serializers import JSONSerializer
from rq.suspension import WORKERS_SUSPENDED
from rq.utils import utcformat
from rq.worker_registration import REDIS_WORKER_KEYS, WORKERS_BY_QUEUE_KEY

# Jobs are stored as JSON so that they are plain data in Redis, readable by any tool; the API
# and the workers must use the same serializer.
SERIALIZER = JSONSerializer

# The fields of a job's hash its view needs: not `data`, which holds the whole article.
_VIEW_FIELDS = ("status", "created_at", "started_at", "ended_at", "meta")


# --- dates ------------------------------------------------------------------------------


def format_date(seconds: float) -> str:
    """A unix time as RQ writes dates (rq.utils.utcformat): `2026-11-23T12:42:15.063788Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + (
        f".{int(seconds % 1 * 1_000_000):06d}Z"
    )


def parse_date(raw: bytes | None) -> datetime | None:
    """A date as RQ stores it, or None for a field that is empty or absent."""
    return datetime.fromisoformat(raw.decode()) if raw else None


# --- reading jobs -----------------------------------------------------------------------


def job_key(job_id: str) -> str:
    return Job.key_for(job_id)


def read_status(pipe: Pipeline, job_id: str) -> None:
    """Queue on `pipe` a read of the job's RQ status: its reply is the status as bytes, or
    None for a job that is gone."""
    pipe.hget(job_key(job_id), "status")


@dataclass(frozen=True)
class StoredJob:
    """What a job's view is made of, as read from Redis."""

    id: str
    status: str  # RQ's status (JobStatus)
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    meta: dict[str, Any]
    result: bytes | None  # the JSON of a successful job's return value


def read_job(redis: Redis, job_id: str) -> StoredJob | None:
    """The job's view fields and its latest result as stored, in one round trip; None for a
    job that does not exist."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.hmget(job_key(job_id), _VIEW_FIELDS)
        pipe.xrevrange(Result.get_key(job_id), "+", "-", count=1)
        fields, latest = pipe.execute()
    status, created_at, started_at, ended_at, meta = fields
    if status is None and created_at is None:
        return None
    return StoredJob(
        id=job_id,
        status=status.decode() if status else JobStatus.CREATED,
        created_at=parse_date(created_at),
        started_at=parse_date(started_at),
        ended_at=parse_date(ended_at),
        meta=SERIALIZER.loads(meta) if meta else {},
        result=_successful_return_value(latest),
    )


def _successful_return_value(latest: list) -> bytes | None:
    """The JSON a job returned, from the newest entry of its results stream (`type` 1 for
    success, `return_value` the serialized value in base64)."""
    if not latest:
        return None
    _entry_id, payload = latest[0]
    if int(payload.get(b"type", 0)) != Result.Type.SUCCESSFUL.value:
        return None
    value = payload.get(b"return_value")
    return b64decode(value) if value is not None else None


# --- writing jobs -----------------------------------------------------------------------


def enqueue_in(queue: Queue, job: Job, pipeline: Pipeline) -> None:
    """Queue a job that depends on no other as part of `pipeline`'s transaction.

    RQ's public `enqueue_job` opens a transaction of its own, which a pipeline that already
    holds other writes cannot do; for a job without dependencies the step it adds is empty.
    """
    queue._enqueue_job(job, pipeline=pipeline)


def store_finished(job: Job, result: Any, ttl: int, pipeline: Pipeline) -> None:
    """Write on `pipeline` a job created finished, as RQ stores a finished one: the job hash
    (with its return value), its result, the finished registry and the TTL."""
    job._result = result  # what RQ's `save` writes as the hash's `result`
    job.save(pipeline=pipeline)
    Result.create(job, Result.Type.SUCCESSFUL, ttl, result, pipeline=pipeline)
    job.finished_job_registry.add(job, ttl, pipeline)
    job.cleanup(ttl, pipeline=pipeline)


def save_meta(job: Job, pipeline: Pipeline) -> None:
    """RQ's `Job.save_meta`, on a pipeline (RQ's own makes a round trip)."""
    pipeline.hset(job.key, "meta", job.serializer.dumps(job.meta))


def read_suspended(pipe: Pipeline) -> None:
    """Queue on `pipe` the read of whether workers are suspended (`rq suspend`)."""
    pipe.exists(WORKERS_SUSPENDED)


# --- the analysis worker's jobs -----------------------------------------------------------


class _CheckedResult(Result):
    """RQ's Result of a finished job, stored with JSON text made earlier (`payload`).

    The fields and their order are those of `Result.serialize` for a successful job.
    """

    def __init__(self, *args: Any, payload: bytes | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payload = payload

    def serialize(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type.value, "worker_name": self.worker_name}
        if self.payload is not None:  # RQ leaves it out for a job that returned None
            data["return_value"] = b64encode(self.payload).decode()
        if self.execution_id:
            data["execution_id"] = self.execution_id
        if self.execution_started_at:
            data["execution_started_at"] = self.execution_started_at.timestamp()
        if self.execution_ended_at:
            data["execution_ended_at"] = self.execution_ended_at.timestamp()
        return data


class AnalysisJob(Job):
    """RQ's Job, writing only what changes when it starts and ends.

    RQ's `Job` rewrites the whole job hash when a job finishes, the article included
    (compressed again, and sent back to Redis unchanged), and serializes the return value a
    second time for its result stream, right after the job's own check made the same JSON of
    it. This one writes only the fields that changed and stores the JSON the check made; what
    ends up in Redis is the same. Failed, stopped and retried jobs go through RQ's own code:
    they are rare, and they write more.

    `result_json`: the return value as the job's serializer would write it, set by the job
    function when it already has it (workers.jobs: the result check makes it); None
    otherwise, and the return value is serialized as RQ does.
    """

    result_json: bytes | None = None

    def perform(self) -> Any:
        """RQ's `perform` without its PERSIST of the job key: the worker sends that in the
        transaction that starts the job (workers.worker.LeasedWorker.prepare_execution)."""
        _job_stack.push(self)
        try:
            self._result = self._execute()
        finally:
            assert self is _job_stack.pop()
        return self._result

    def _handle_success(
        self,
        result_ttl: int,
        pipeline: Pipeline,
        worker_name: str = "",
        execution_id: str | None = None,
        execution_started_at: datetime | None = None,
        execution_ended_at: datetime | None = None,
    ) -> None:
        """What RQ writes for a finished job, less the fields that did not change.

        RQ saves the whole hash here (`include_meta=False`); since the job was read, only
        its status, times, heartbeat and worker have changed, so only they are written.
        """
        self._status = JobStatus.FINISHED
        pipeline.hset(
            self.key,
            mapping={
                "status": self._status,
                "started_at": utcformat(self.started_at) if self.started_at else "",
                "ended_at": utcformat(self.ended_at) if self.ended_at else "",
                "last_heartbeat": utcformat(self.last_heartbeat) if self.last_heartbeat else "",
                "worker_name": self.worker_name or "",
            },
        )
        payload = self.result_json
        if payload is None and self._result is not None:
            payload = self.serializer.dumps(self._result)
        result = _CheckedResult(
            job_id=self.id,
            type=Result.Type.SUCCESSFUL,
            connection=self.connection,
            worker_name=worker_name,
            serializer=self.serializer,
            execution_id=execution_id,
            execution_started_at=execution_started_at,
            execution_ended_at=execution_ended_at,
            payload=payload,
        )
        result.save(ttl=result_ttl, pipeline=pipeline)
        if result_ttl != 0:
            self.finished_job_registry.add(self, result_ttl, pipeline)


def set_return_value(job: Job, value: Any) -> None:
    """Set, in memory only, what the job returned: RQ's handlers store it with its end."""
    job._result = value


def set_status(job: Job, status: JobStatus) -> None:
    """Set, in memory only, the job's status: RQ's handlers write it with its end."""
    job._status = status


def store_success(
    job: Job, result_ttl: int, pipeline: Pipeline, worker_name: str, execution: Execution | None
) -> None:
    """Write on `pipeline` the job's success: its hash, its result and the finished registry
    (for an AnalysisJob, only what changed)."""
    job._handle_success(
        result_ttl,
        pipeline=pipeline,
        worker_name=worker_name,
        execution_id=execution.id if execution else None,
        execution_started_at=execution.created_at if execution else None,
        execution_ended_at=job.ended_at,
    )


# --- workers --------------------------------------------------------------------------------


class WorkerInternals:
    """RQ's private worker hooks under names of our own, for a mixin placed before RQ's
    worker class.

    `on_signal_handlers` runs once RQ has installed its SIGTERM and SIGINT handlers;
    `on_stop_request` runs when a signal asks the worker to stop, and by default does what
    RQ does (`rq_stop`).
    """

    def _install_signal_handlers(self: Any) -> None:
        super()._install_signal_handlers()  # type: ignore[misc]
        self.on_signal_handlers()

    def _shutdown(self: Any) -> None:
        self.on_stop_request()

    def on_signal_handlers(self) -> None:
        pass

    def on_stop_request(self) -> None:
        self.rq_stop()

    def rq_stop(self: Any) -> None:
        """RQ's answer to a stop: busy, stop after the job; idle, raise StopRequested."""
        super()._shutdown()  # type: ignore[misc]

    def stop_after_job(self: Any) -> None:
        """Have the work loop stop before it takes another job."""
        self._stop_requested = True

    @property
    def scheduler_process(self: Any) -> Any:
        """The process RQ forked for its scheduler, or None."""
        return self.scheduler._process if self.scheduler else None

    @property
    def exception_handlers(self: Any) -> list[Callable[..., Any]]:
        return self._exc_handlers

    @property
    def pubsub_error_handler(self: Any) -> Callable[..., Any]:
        """What RQ runs when its command-listening thread fails."""
        return self._pubsub_exception_handler


# --- what the lease keeper renews ---------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """What keeps a worker registered: its hash, the sets that list it, the hash's fields."""

    key: str
    sets: tuple[str, ...]
    fields: dict[str, Any]
    ttl: int


@dataclass(frozen=True)
class Lease:
    """The keys a job's lease lives in."""

    registry: str
    member: str
    execution_key: str
    executions: str
    execution_id: str
    job_key: str


def registration_of(worker: Any) -> Registration:
    """The registration of an RQ worker, as RQ writes it when the worker starts."""
    sets = [REDIS_WORKER_KEYS, *(WORKERS_BY_QUEUE_KEY % name for name in worker.queue_names())]
    fields = {key: "" if value is None else str(value) for key, value in worker.serialize().items()}
    return Registration(worker.key, tuple(sets), fields, worker.worker_ttl + 60)


def lease_of(job: Job, execution: Execution) -> Lease:
    """The keys of a started job's lease: its entry in the started registry and its
    execution's records."""
    return Lease(
        registry=job.started_job_registry.key,
        member=execution.composite_key,
        execution_key=execution.key,
        executions=ExecutionRegistry(job.id, connection=job.connection).key,
        execution_id=execution.id,
        job_key=job.key,
    )


# Renews the job's lease only while its execution is still in the started registry: a
# renewal that comes just after the job ended (or after its lease was taken away) must not
# bring any of its keys back. Returns 1 when renewed, 0 when the lease was gone.
# KEYS: started registry, execution hash, the job's execution registry, job hash.
# ARGV: registry member, execution id, expiry (unix seconds), lease seconds,
#       heartbeat as a unix time, heartbeat as RQ's date text.
_RENEW_LEASE = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], 'last_heartbeat', ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3] + 60, ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[4] + 60)
redis.call('HSET', KEYS[4], 'last_heartbeat', ARGV[6])
return 1
"""

# The worker's heartbeat, and its registration put back if it was lost (a lapsed key,
# swept from the worker sets by some worker's maintenance): the hash is written again in
# full and the worker is added to its sets again. KEYS: worker hash, then its sets.
# ARGV: key lifetime, heartbeat as RQ's date text, then the hash's fields and values.
_BEAT = """
if redis.call('EXPIRE', KEYS[1], ARGV[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
redis.call('HSET', KEYS[1], 'last_heartbeat', ARGV[2])
for i = 2, #KEYS do redis.call('SADD', KEYS[i], KEYS[1]) end
return 1
"""


class LeaseWrites:
    """The lease keeper's writes, each one round trip: RQ's worker heartbeat and its job
    heartbeat, made safe to send from another process at any moment."""

    def __init__(self, redis: Redis) -> None:
        self._renew = redis.register_script(_RENEW_LEASE)
        self._beat = redis.register_script(_BEAT)

    def beat(self, registration: Registration, now: float) -> None:
        """The worker's heartbeat; its whole registration again if it had lapsed."""
        fields = [part for pair in registration.fields.items() for part in pair]
        self._beat(
            keys=[registration.key, *registration.sets],
            args=[registration.ttl, format_date(now), *fields],
        )

    def renew(self, lease: Lease, seconds: int, now: float) -> bool:
        """Extend the job's lease by `seconds`; False when the lease was gone."""
        return bool(
            self._renew(
                keys=[lease.registry, lease.execution_key, lease.executions, lease.job_key],
                args=[
                    lease.member,
                    lease.execution_id,
                    int(now) + seconds,
                    seconds,
                    now,
                    format_date(now),
                ],
            )
        )
