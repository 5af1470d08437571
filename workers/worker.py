"""One RQ worker process: load the model once, then drain the queue.

RQ's default `Worker` forks a fresh work-horse for every job; even with the
model loaded in the parent before the fork, each horse pays the fork, the
copy-on-write faults on the model's memory and RQ's per-horse bookkeeping. The
non-forking `SimpleWorker` runs jobs in the process that already holds the
warm model, so it is used (bench/worker_class.py compares the two; the figures are in
docs/operations.md, "Why SimpleWorker"). What forking would buy (a crash in one job cannot
take the worker down) matters less here: the analyses are pure Python over
plain data, and a job time limit still applies (SIGALRM in the main thread).

Shutdown: SIGTERM or SIGINT asks RQ for a warm shutdown: the job in hand
finishes and is stored, then the process exits 0. A second signal (after one
second) is a cold shutdown.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
import time
import traceback
from typing import Any

from redis import ConnectionPool, Redis
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, worker_registration
from rq.exceptions import AbandonedJobError
from rq.executions import Execution
from rq.job import Job, JobStatus, Retry
from rq.registry import StartedJobRegistry, clean_registries
from rq.timeouts import JobTimeoutException
from rq.utils import now
from rq.worker.base import WorkerStatus

from newsdesk import jobcontrol, jobmetrics, logs, rqstore
from newsdesk.keys import ANONYMOUS
from newsdesk.queueing import REUSE_KEY_PREFIX, SERIALIZER, announce_end, queue_delivery
from newsdesk.redis_connection import connect
from newsdesk.settings import Config, load
from workers import startup_cache
from workers.jobs import error_of, use_settings
from workers.lease_keeper import LeaseKeeper
from workers.prompt_stop import PromptStop, stop_quietly_until_rq_starts

log = logging.getLogger("newsdesk.worker")

_ENDED = {JobStatus.FINISHED: "finished", JobStatus.FAILED: "failed", JobStatus.STOPPED: "failed"}
_ENDED_STATUSES = frozenset({*_ENDED, JobStatus.CANCELED})
# RQ holds its registry-maintenance lock for up to 899 s when a worker stops mid-cleaning
# (a Redis error, or SIGTERM while idle: RQ raises StopRequested wherever the worker is),
# and while it is held no worker re-queues the job of a dead worker. Ours is released in
# all those cases and, should a worker be killed mid-cleaning, lapses after this long.
# Cleaning takes milliseconds; the margin keeps two workers from cleaning at once.
MAINTENANCE_LOCK_SECONDS = 60


# How soon a heartbeat with the same expiry as the last one is worth sending again. RQ sends
# the worker's heartbeat five times around every job (before and after taking one, before
# and after running it, before looking for a suspension); the key lasts `worker_ttl` + 60 s.
HEARTBEAT_REPEAT_SECONDS = 1.0


class _WorkerLog(logging.LoggerAdapter):
    """RQ's worker log less the line RQ writes for every job it takes: the job logs its own
    start, with its id as a field (workers.jobs), and RQ's line may show the job's arguments."""

    TAKEN = ("Worker %s: %s: %s (%s)", "Worker %s: %s: %s")

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if msg not in self.TAKEN:
            super().info(msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return msg, kwargs  # the caller's `extra` as it is (an adapter's would replace it)


class LeasedWorker(PromptStop, SimpleWorker):
    """A SimpleWorker whose job in hand is held on a short, renewed lease, and whose
    bookkeeping around a job takes as few round trips to Redis as it can.

    RQ marks a job abandoned only when its entry in the started-job registry
    expires, and a SimpleWorker sets that expiry to the whole job timeout
    without renewing it: a worker killed mid-job would leave its job stranded for
    minutes. Here the entry lasts `lease` seconds and the worker's lease keeper, a
    process of its own (workers.lease_keeper), renews it every third of that while
    the job runs, so a dead worker's job expires within one lease, and a live one's
    never does, whatever the job's code holds. Idle workers wake every few seconds
    and run RQ's registry maintenance, which puts an expired job back on the queue
    while it has attempts left (the job layer enqueues with `Retry`), and fails it
    otherwise.

    A job runs to one end: one that has already ended is never started again, and a
    worker that finds its lease was lost (taken away while it ran) drops its outcome,
    since the job is someone else's now.

    Per job, RQ's own worker makes about twenty round trips to Redis and some Python work
    whose result is thrown away; this one makes four (take the job, read it, start it, end
    it and look for a suspension) and writes the same keys and fields. How, with its
    measurements: docs/scaling.md, "Where the time goes".
    """

    lease = 10
    job_class = rqstore.AnalysisJob

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log = _WorkerLog(self.log, {})
        self._last_beat = (0.0, 0)  # (monotonic time, expiry) of the last heartbeat sent
        self._running_on = False  # the last job's end found the workers not suspended
        # The job whose cancel flag the watch thread reads, with when it started; the lock
        # keeps a read from running into the job's end.
        self._in_hand: tuple[Job, float] | None = None
        self._lease_lock = threading.Lock()
        self._stopping = threading.Event()  # set when work() ends: the watch thread stops
        self.keeper: LeaseKeeper | None = None
        self._lost: list[str] = []  # jobs failed by the registry cleaning in progress

    def get_heartbeat_ttl(self, job: Job) -> int:
        return self.lease

    def work(self, *args: Any, **kwargs: Any) -> bool:
        # What is alive now (the model, its vocabulary, the gazetteer) lives as long as the
        # process: leave it out of later collections. Otherwise every full collection,
        # which a job's garbage sets off every couple of hundred jobs, walks all of it
        # again (its cost: docs/operations.md, "Why SimpleWorker").
        gc.freeze()
        self._stopping = threading.Event()
        threading.Thread(
            target=self._watch_cancels, args=(self._stopping,), name="cancel-watch", daemon=True
        ).start()
        return super().work(*args, **kwargs)

    def teardown(self) -> None:
        self._stopping.set()
        super().teardown()

    # --- the lease keeper -------------------------------------------------------------

    def register_birth(self) -> None:
        super().register_birth()
        self._start_keeper()

    def register_death(self) -> None:
        if self.keeper is not None:  # first, so that it does not register the worker again
            self.keeper.stop()
        super().register_death()

    def _start_keeper(self) -> None:
        if self.keeper is None:
            self.keeper = LeaseKeeper(self._keeper_connection, self.lease)
        self.keeper.start(rqstore.registration_of(self))

    def _keeper_connection(self) -> Redis:
        """A client of the worker's own Redis, with a pool of its own (run in the keeper)."""
        if self.config is not None:
            return connect(self.config.redis_url)
        pool = self.connection.connection_pool
        return Redis(
            connection_pool=ConnectionPool(
                connection_class=pool.connection_class, **pool.connection_kwargs
            )
        )

    # --- fewer round trips around each job ---------------------------------------------

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        """RQ's worker heartbeat, skipped when the same one went out less than a second
        ago, and sent in one round trip (RQ's takes two) when it has no pipeline."""
        timeout = timeout or self.worker_ttl + 60
        moment = time.monotonic()
        sent_at, sent_ttl = self._last_beat
        if timeout == sent_ttl and moment - sent_at < HEARTBEAT_REPEAT_SECONDS:
            return
        if pipeline is None:
            with self.connection.pipeline(transaction=False) as own:
                super().heartbeat(timeout, pipeline=own)
                own.execute()
        else:
            super().heartbeat(timeout, pipeline=pipeline)
        self._last_beat = (moment, timeout)

    def check_for_suspension(self, burst: bool) -> None:
        """RQ's, but not asked again right after the transaction that ended the last job
        found the workers not suspended."""
        if self._running_on:
            self._running_on = False
            return
        super().check_for_suspension(burst)

    def set_state(self, state: str, pipeline: Pipeline | None = None) -> None:
        """RQ's, without the round trip when the worker is in that state already (RQ sets
        `idle` after every job and again before taking the next)."""
        if pipeline is None and state == self.get_state():
            return
        super().set_state(state, pipeline=pipeline)

    def prepare_execution(self, job: Job) -> Execution:
        """Start the job in one transaction and hold it on its lease.

        The transaction has what RQ writes in three round trips (the execution and the
        started registry, the worker's state and current job, the job's status and start)
        and a fourth, the PERSIST of the job key (RQ's `Job.perform`); and it reads the
        job's cancel flag, so the job's first checkpoint needs no read of its own.
        """
        ttl = self.get_heartbeat_ttl(job)
        with self.connection.pipeline() as pipe:
            self.execution = Execution.create(job, ttl, pipeline=pipe, worker_name=self.name)
            self.set_state(WorkerStatus.BUSY, pipeline=pipe)
            self.set_current_job_id(job.id, pipeline=pipe)
            self.set_current_job_working_time(0, pipeline=pipe)
            self.heartbeat(ttl, pipeline=pipe)
            job.prepare_for_execution(self.name, pipeline=pipe)
            if len(self.queues) == 1:  # as RQ: the job leaves the queue's intermediate list
                pipe.lrem(self.queues[0].intermediate_queue_key, 1, job.id)
            pipe.persist(job.key)
            pipe.exists(jobcontrol.cancel_key(job.id))
            canceled = bool(pipe.execute()[-1])
        if self.keeper is None or not self.keeper.alive():
            self._start_keeper()
        assert self.keeper is not None
        self.keeper.take(rqstore.lease_of(job, self.execution))
        jobcontrol.WATCH.start(job.id, canceled=canceled)
        with self._lease_lock:
            self._in_hand = (job, time.monotonic())
        return self.execution

    def execute_job(self, job: Job, queue: Queue) -> None:
        if job.get_status(refresh=False) in _ENDED_STATUSES:
            self._skip_ended(job, queue)
            return
        with self.job_in_hand():
            self.prepare_execution(job)
            try:
                self.perform_job(job, queue)
            finally:
                self._let_go()
                jobcontrol.WATCH.stop(job.id)
            self.set_state(WorkerStatus.IDLE)  # written with the job's end: no round trip

    def _skip_ended(self, job: Job, queue: Queue) -> None:
        """A job back on the queue after it ended (its lease lapsed, it was put back, and
        then its first run ended after all) has its outcome already: it is not run again."""
        log.warning(
            "job already ended; not run again",
            extra={"job_id": job.id, "status": str(job.get_status(refresh=False))},
        )
        self.connection.lrem(queue.intermediate_queue_key, 1, job.id)

    def _lease_lost(self, job: Job) -> bool:
        """Whether the job stopped being this worker's while it ran; if so, say so."""
        if self.keeper is None or self.keeper.still_held():
            return False
        log.warning(
            "job lease lost while running; its outcome here is dropped",
            extra={"job_id": job.id},
        )
        with self.connection.pipeline() as pipe:
            self.set_current_job_id(None, pipeline=pipe)
            self.set_state(WorkerStatus.IDLE, pipeline=pipe)
            pipe.execute()
        self.execution = None
        return True

    def perform_job(self, job: Job, queue: Queue) -> bool:
        """RQ's `perform_job` for a job started by `prepare_execution`.

        As RQ's: the time limit, success and failure callbacks, a returned `Retry`, the
        exception handlers, and the outcome written in one transaction. Left out: RQ's
        per-job log lines (the job logs its start and end, with its id and timings) and a
        debug line for which RQ turns the whole result into a string even when debug
        logging is off.
        """
        started_job_registry = queue.started_job_registry
        try:
            job.started_at = now()
            timeout = job.timeout or self.queue_class.DEFAULT_TIMEOUT
            with self.death_penalty_class(timeout, JobTimeoutException, job_id=job.id):
                return_value = job.perform()
            self.handle_execution_ended(job, queue, job.success_callback_timeout)
            if self._lease_lost(job):
                return False
            rqstore.set_return_value(job, return_value)
            if isinstance(return_value, Retry):
                assert self.execution
                self.handle_job_retry(
                    job=job,
                    queue=queue,
                    retry=return_value,
                    started_job_registry=started_job_registry,
                    execution=self.execution,
                )
                return True
            rqstore.set_status(job, JobStatus.FINISHED)
            job.execute_success_callback(self.death_penalty_class, return_value)
            self.handle_job_success(job=job, queue=queue, started_job_registry=started_job_registry)
            job.send_webhooks(JobStatus.FINISHED)
        except:  # noqa: E722 - as RQ: whatever the job raised, the job fails and the worker goes on
            rqstore.set_status(job, JobStatus.FAILED)
            self.handle_execution_ended(job, queue, job.failure_callback_timeout)
            if self._lease_lost(job):
                return False
            exc_info = sys.exc_info()
            # Raised outside the job function's own handling (the time limit can strike
            # anywhere): the client still learns why.
            job.meta.setdefault("error", error_of(exc_info[1]))
            exc_string = "".join(traceback.format_exception(*exc_info))
            try:
                job.execute_failure_callback(self.death_penalty_class, *exc_info)
            except:  # noqa: E722
                exc_info = sys.exc_info()
                exc_string = "".join(traceback.format_exception(*exc_info))
            self.handle_exception(job, *exc_info)
            self.handle_job_failure(
                job=job,
                exc_string=exc_string,
                queue=queue,
                started_job_registry=started_job_registry,
            )
            return False
        return True

    def handle_execution_ended(self, job: Job, queue: Queue, heartbeat_ttl: int) -> None:
        """RQ's, without its round trip: the job's last heartbeat is written with its outcome.

        The lease is no longer renewed from here on: the transaction that ends the job
        follows at once and removes it.
        """
        self._let_go()
        job.ended_at = now()
        job.last_heartbeat = job.ended_at

    def handle_job_success(
        self, job: Job, queue: Queue, started_job_registry: StartedJobRegistry
    ) -> None:
        """RQ's, in one round trip instead of three, for jobs that nothing depends on.

        RQ first WATCHes and reads the set of jobs that depend on this one, to queue them;
        no Newsdesk job has any (the API never enqueues with `depends_on`). A job that
        repeats goes through RQ's own code. The same transaction reads whether workers are
        suspended (`rq suspend`), which RQ asks again before taking the next job.
        """
        if job.repeats_left:
            super().handle_job_success(job, queue, started_job_registry)
            return
        with self.connection.pipeline() as pipeline:
            self.increment_successful_job_count(pipeline=pipeline)
            self.increment_total_working_time(job.ended_at - job.started_at, pipeline)
            result_ttl = job.get_result_ttl(self.default_result_ttl)
            if result_ttl != 0:
                rqstore.store_success(job, result_ttl, pipeline, self.name, self.execution)
            job.cleanup(result_ttl, pipeline=pipeline, remove_from_queue=False)
            self.cleanup_execution(job, pipeline=pipeline)
            rqstore.read_suspended(pipeline)  # read here, not in a round trip of its own
            self._running_on = not pipeline.execute()[-1]

    def _let_go(self) -> None:
        with self._lease_lock:
            if self._in_hand is not None and self.keeper is not None:
                self.keeper.drop()
            self._in_hand = None

    def _watch_cancels(self, stopping: threading.Event) -> None:
        """The watch thread: while a job is in hand, once it has run a second, read its
        cancel flag every second.

        One thread for the worker's life, waking a few times a second, rather than one
        started for every job. The job's checkpoints read what this thread saw
        (newsdesk.jobcontrol.WATCH) instead of asking Redis before every step; the flag
        was read as the job started, so a job shorter than a second costs no read here.
        The lease is not kept here but by the lease keeper: this thread may not run for
        as long as a job's step holds the GIL, which only delays a cancel.
        """
        poll_every = jobcontrol.POLL_SECONDS
        held: Job | None = None
        next_poll = 0.0
        while not stopping.wait(poll_every / 4):
            with self._lease_lock:
                if self._in_hand is None:
                    held = None
                    continue
                job, started = self._in_hand
                if job is not held:
                    held, next_poll = job, started + poll_every
                moment = time.monotonic()
                if moment < next_poll:
                    continue
                next_poll = moment + poll_every
                try:
                    jobcontrol.WATCH.poll(self.connection, job.id)
                except RedisError as exc:  # the next poll may get through
                    log.warning("cancel poll failed", extra={"job_id": job.id, "error": str(exc)})

    def handle_job_failure(
        self, job: Job, queue: Queue, started_job_registry=None, exc_string: str = ""
    ) -> None:
        # Attempts are for jobs whose worker died. An analysis that raised or ran out
        # of time would do the same again: it fails now.
        job.retries_left = 0
        super().handle_job_failure(job, queue, started_job_registry, exc_string)

    # --- after a job has ended: metrics, reuse record, webhook -------------------------

    config: Config | None = None

    def on_abandoned(self, job: Job, exc_type: type, exc_value: object, tb: object) -> bool:
        """An exception handler for RQ's registry cleanup, for a job whose worker died on
        its last attempt.

        Such a job ends `failed` there, never in a worker's ending transaction, so it is
        counted and its webhook queued here, in one round trip. (RQ writes the status just
        after this runs; the delivery waits for it.)
        """
        if exc_type is AbandonedJobError and not (job.retries_left and job.retries_left > 0):
            try:
                with self.connection.pipeline() as pipe:
                    jobmetrics.record_job(pipe, job.origin, "failed", {})
                    self._record_end(job, False, pipe)
                    pipe.execute()
            except RedisError as exc:
                log.warning("lost job not recorded", extra={"job_id": job.id, "error": str(exc)})
            self._lost.append(job.id)  # its long-polls wake once RQ has written the failure
        return True  # let any other handler run as well

    def _record_end(self, job: Job, finished: bool, pipeline: Pipeline) -> None:
        """Queue on `pipeline` the reuse record of a finished job and the webhook of any.

        Written with the job's end, so the reuse record never points at a job still running
        and a delivery never sends a job that has not ended. The HTTP call itself happens on
        the webhook worker: a slow receiver never holds up an analysis.
        """
        reuse_key = job.meta.get("reuse_key")
        ttl = job.result_ttl
        if finished and reuse_key and ttl != 0:
            # as long as the result is kept (a negative TTL keeps it for ever)
            expiry = ttl if ttl and ttl > 0 else None
            pipeline.set(REUSE_KEY_PREFIX + reuse_key, job.id, ex=expiry)
        if job.meta.get("webhook"):
            owner = job.meta.get("owner", ANONYMOUS)
            config = self.config or load()
            delivery = queue_delivery(self.connection, config, job.id, owner, pipeline=pipeline)
            log.info("webhook queued", extra={"job_id": job.id, "delivery_id": delivery})

    def cleanup_execution(self, job: Job, pipeline: Pipeline) -> None:
        """Store the job's meta, count it, announce its end, record it for reuse and queue
        its webhook, in the transaction that ends it.

        RQ calls this on the pipeline that records a job's success or failure, so the
        job's timings and error, the metrics, the long-poll marker, the reuse record and
        the webhook delivery are written in the same round trip and at the same moment as
        the outcome: a client woken by the marker always finds the job ended, no ended job
        goes uncounted, and a cancelled job's webhook goes out like any other. The worker's
        return to `idle` and its heartbeat go there too, instead of two round trips after.
        """
        super().cleanup_execution(job, pipeline)
        self.set_state(WorkerStatus.IDLE, pipeline=pipeline)
        self.heartbeat(pipeline=pipeline)
        status = _ENDED.get(job.get_status(refresh=False))
        if status is None:  # put back on the queue: not ended
            return
        finished = status == "finished"
        if job.meta.get("canceled"):  # stopped by its owner (newsdesk.jobcontrol)
            status = "canceled"
        rqstore.save_meta(job, pipeline)
        jobmetrics.record_job(pipeline, job.origin, status, job.meta.get("timings", {}))
        announce_end(pipeline, job.id)
        self._record_end(job, finished, pipeline)

    def clean_registries(self) -> None:
        """RQ's registry maintenance, under a lock that is always released (see above)."""
        for queue in self.queues:
            key = queue.registry_cleaning_key
            if not self.connection.set(key, 1, nx=True, ex=MAINTENANCE_LOCK_SECONDS):
                continue
            self._lost = []
            try:
                clean_registries(queue, self.exception_handlers)
                self._announce_lost()
                worker_registration.clean_worker_registry(queue)
                queue.intermediate_queue.cleanup(self, queue)
            finally:
                with contextlib.suppress(RedisError):  # Redis gone: the lock lapses by itself
                    self.connection.delete(key)
        self.last_cleaned_at = now()

    def _announce_lost(self) -> None:
        """Wake the long-polls of the jobs this cleaning failed, now that their status says
        so (RQ writes it after the exception handlers run), as a job's end does in a worker."""
        if self._lost:
            with self.connection.pipeline() as pipe:
                for job_id in self._lost:
                    announce_end(pipe, job_id)
                pipe.execute()
            self._lost = []


WORKER_CLASS = LeasedWorker


def make_worker(queue: Queue, config: Config, name: str | None = None) -> LeasedWorker:
    """The analysis worker as `newsdesk worker` runs it (the benchmarks build it here too)."""
    worker = WORKER_CLASS(
        [queue],
        connection=queue.connection,
        serializer=SERIALIZER,
        name=name,
        # Idle workers wake every 5 s (worker_ttl - 15) to look for abandoned jobs.
        worker_ttl=20,
        maintenance_interval=config.job_lease,
    )
    worker.lease = config.job_lease
    worker.config = config
    use_settings(config)
    worker.push_exc_handler(worker.on_abandoned)
    return worker


def run_worker(config: Config, burst: bool = False, name: str | None = None) -> None:
    """Work until a signal asks to stop (or, with `burst`, until the queue is empty)."""
    logs.configure(config.log_level)
    stop_quietly_until_rq_starts()
    from workers.pipeline import warm_up

    connection = connect(config.redis_url)
    connection.ping()  # an unreachable Redis should fail now, not after the model loads
    log.info("loading the language model", extra={"pid": os.getpid()})
    # the job function and its compiled result check came with this module
    startup_cache.use_folder(config.cache_dir)
    warm_up(config.spacy_model)
    queue = Queue(config.queue_name, connection=connection, serializer=SERIALIZER)
    worker = make_worker(queue, config, name)
    log.info(
        "worker starting",
        extra={"worker": worker.name, "queue": config.queue_name, "pid": os.getpid()},
    )
    worker.work(burst=burst, logging_level=config.log_level)
    log.info("worker stopped", extra={"worker": worker.name, "pid": os.getpid()})
