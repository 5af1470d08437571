"""One RQ worker process: load the model once, then drain the queue.

Worker class, chosen by measurement (`make bench`, bench/worker_class.py, on the
project's 2-core machine, real redis-server, real jobs through
`workers.jobs.analyze_article`, model loaded before the first job in both cases):

    60 NER-only jobs of ~400 words per class and round, wall time per job
    (median time inside a job in brackets), two runs on a machine that was
    also running other tests:

        forking Worker, model preloaded   69.4 ms (49.3)    83.1 ms (50.8)
        SimpleWorker, model loaded once   40.1 ms (35.5)    56.5 ms (36.7)
        ratio                              1.73x             1.47x

    Earlier on the same machine type: ~112 ms vs ~42 ms per job, and ~15x slower
    for a forking worker that loads the model inside each job.

RQ's default `Worker` forks a fresh work-horse for every job; even with the
model loaded in the parent before the fork, each horse pays the fork, the
copy-on-write faults on the model's memory and RQ's per-horse bookkeeping. The
non-forking `SimpleWorker` runs jobs in the process that already holds the
warm model, so it is used. What forking would buy (a crash in one job cannot
take the worker down) matters less here: the analyses are pure Python over
plain data, and a job time limit still applies (SIGALRM in the main thread).

Shutdown: SIGTERM or SIGINT asks RQ for a warm shutdown: the job in hand
finishes and is stored, then the process exits 0. A second signal (after one
second) is a cold shutdown.
"""

from __future__ import annotations

import logging
import os
import signal
from types import FrameType

from redis import Redis
from rq import Queue, SimpleWorker

from newsdesk import logs
from newsdesk.queueing import SERIALIZER
from newsdesk.settings import Config

log = logging.getLogger("newsdesk.worker")

WORKER_CLASS = SimpleWorker


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    # Before RQ takes over the signals there is no job in hand: stop at once, no traceback.
    raise SystemExit(0)


def run_worker(config: Config, burst: bool = False, name: str | None = None) -> None:
    """Work until a signal asks to stop (or, with `burst`, until the queue is empty)."""
    logs.configure(config.log_level)
    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.signal(signal.SIGINT, _exit_quietly)
    from workers.pipeline import warm_up

    connection = Redis.from_url(config.redis_url)
    connection.ping()  # an unreachable Redis should fail now, not after the model loads
    log.info("loading the language model", extra={"pid": os.getpid()})
    warm_up()
    queue = Queue(config.queue_name, connection=connection, serializer=SERIALIZER)
    worker = WORKER_CLASS([queue], connection=connection, serializer=SERIALIZER, name=name)
    log.info(
        "worker starting",
        extra={"worker": worker.name, "queue": config.queue_name, "pid": os.getpid()},
    )
    worker.work(burst=burst, logging_level=config.log_level)
    log.info("worker stopped", extra={"worker": worker.name, "pid": os.getpid()})
