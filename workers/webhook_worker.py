"""The webhook worker: delivers webhooks, holds no model (see newsdesk.webhooks)."""

from __future__ import annotations

import logging
import os

from rq import Queue

from newsdesk import logs, webhooks
from newsdesk.queueing import SERIALIZER
from newsdesk.redis_connection import connect
from newsdesk.settings import Config
from workers.prompt_stop import PromptSimpleWorker, stop_quietly_until_rq_starts

log = logging.getLogger("newsdesk.worker")


def run_webhook_worker(config: Config, burst: bool = False, name: str | None = None) -> None:
    """Deliver webhooks until a signal asks to stop: no model, just HTTP.

    It runs RQ's scheduler too, which puts a delivery back on the queue when its backoff
    has passed (several webhook workers share it through a lock in Redis).
    """
    logs.configure(config.log_level)
    stop_quietly_until_rq_starts()
    connection = connect(config.redis_url)
    connection.ping()
    queue = Queue(
        webhooks.queue_name(config.queue_name), connection=connection, serializer=SERIALIZER
    )
    worker = PromptSimpleWorker([queue], connection=connection, serializer=SERIALIZER, name=name)
    log.info(
        "webhook worker starting",
        extra={"worker": worker.name, "queue": queue.name, "pid": os.getpid()},
    )
    worker.work(burst=burst, with_scheduler=True, logging_level=config.log_level)
    log.info("webhook worker stopped", extra={"worker": worker.name, "pid": os.getpid()})
