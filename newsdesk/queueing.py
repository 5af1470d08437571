"""What the API and the workers must agree on about the queue, in one place.

The API refers to the job function by its dotted path so that it never imports
the analysis code (and with it spaCy); both sides use the serializer of
newsdesk.rqstore, which keeps what else they rely on of RQ's storage.

When a job ends, its worker also pushes one element to the job's "ended" list and
publishes on the job's "ended" channel, in the same transaction that stores the
outcome. A long-poll (`?wait=`) waits for that message instead of reading the job
over and over: it wakes the moment the job ends, and while it waits it costs
Redis nothing but a subscription on a connection its API process shares with all
its other long-polls (service.jobstore.JobEnds). The list is the lasting trace of
the end, for a waiter that subscribes after the message went out.
"""

from __future__ import annotations

import uuid

from redis import Redis
from redis.client import Pipeline
from rq import Queue, Retry

from newsdesk import webhooks
from newsdesk.rqstore import SERIALIZER, enqueue_in
from newsdesk.settings import Config

JOB_FUNCTION = "workers.jobs.analyze_article"

# Redis keys the API and the workers share.
# reuse key (SHA-256 of a canonical request) -> id of the finished job with its result
REUSE_KEY_PREFIX = "newsdesk:reuse:"
# batch id -> the batch as JSON (owner, jobs, refused articles)
BATCH_KEY_PREFIX = "newsdesk:batch:"


# Long enough for a waiter that read the job just before it ended to find the marker.
ENDED_TTL = 60


def ended_key(job_id: str) -> str:
    return f"newsdesk:ended:{job_id}"


def announce_end(pipeline: Pipeline, job_id: str) -> None:
    """Queue, on the pipeline that ends the job, the marker its long-polls check and the
    message they wait for (on the channel of the marker's name)."""
    key = ended_key(job_id)
    pipeline.rpush(key, 1)
    pipeline.expire(key, ENDED_TTL)
    pipeline.publish(key, 1)


def queue_delivery(
    redis: Redis, config: Config, job_id: str, owner: str, pipeline: Pipeline | None = None
) -> str:
    """Queue the webhook delivery of an ended job; its id is the `webhook-id`, the same on
    every retry. A failed attempt raises, and RQ schedules the next one after the backoff
    (the delivery worker runs RQ's scheduler).

    With `pipeline`, the delivery is only written when that pipeline runs: the transaction
    that ends a job queues its delivery too, so an ended job is never left undelivered and
    a delivery never exists before its job has ended.
    """
    intervals = webhooks.retry_intervals(config.webhook_retry_base)
    queue = Queue(webhooks.queue_name(config.queue_name), connection=redis, serializer=SERIALIZER)
    delivery = queue.create_job(
        webhooks.DELIVERY_FUNCTION,
        args=(job_id,),
        job_id=str(uuid.uuid4()),
        timeout=int(config.webhook_timeout) + 30,
        retry=Retry(max=len(intervals), interval=intervals),
        result_ttl=webhooks.RETRY_HORIZON_SECONDS,
        failure_ttl=webhooks.RETRY_HORIZON_SECONDS,
        meta={"job_id": job_id, "owner": owner},
        description=f"deliver webhook of job {job_id}",
    )
    if pipeline is None:
        queue.enqueue_job(delivery)
    else:  # a delivery depends on no other job
        enqueue_in(queue, delivery, pipeline)
    return delivery.id
