"""Probes: /healthz says the process answers; /readyz says it can also get work done."""

from __future__ import annotations

from flask import Response, current_app
from flask_smorest import Blueprint
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from rq import Worker

from service import metrics
from service.jobstore import JobStore
from service.openapi import REQUEST_ID
from service.problems import RETRY_AFTER_SECONDS, Problem
from service.schemas import HealthSchema, ReadySchema


def _not_ready(detail: str) -> Problem:
    return Problem(
        503,
        "not-ready",
        "Not ready",
        detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def blueprint() -> Blueprint:
    blp = Blueprint("health", __name__, description="Probes for orchestrators.")

    @blp.route("/healthz", methods=["GET"])
    @blp.response(200, HealthSchema, headers={"X-Request-ID": REQUEST_ID})
    @blp.alt_response(500, "InternalError")
    def healthz() -> dict:
        """Liveness

        Answers as long as the process does; never touches Redis.
        """
        return {"status": "ok"}

    @blp.route("/readyz", methods=["GET"])
    @blp.response(200, ReadySchema, headers={"X-Request-ID": REQUEST_ID})
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "NotReady")
    def readyz() -> dict:
        """Readiness

        Ready when Redis answers PING and at least one worker listens on the queue:
        otherwise jobs would be accepted and never run.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        try:
            store.redis.ping()
            workers = len(Worker.all(queue=store.queue))
        except RedisError as exc:
            raise _not_ready(f"Redis is not answering ({type(exc).__name__}).") from None
        if workers == 0:
            raise _not_ready(f"No worker is registered for queue {store.queue.name!r}.")
        return {"status": "ready", "workers": workers}

    @blp.route("/metrics", methods=["GET"])
    @blp.response(
        200,
        description="Prometheus text exposition format: requests by route and status with "
        "latency histograms, queue depth, live workers, jobs by final status and job "
        "duration per analysis. Queue, worker and job figures come from Redis and cover the "
        "whole cluster.",
        content_type=CONTENT_TYPE_LATEST,
    )
    @blp.alt_response(500, "InternalError")
    def prometheus_metrics() -> Response:
        """Metrics

        For Prometheus to scrape. When Redis does not answer, `newsdesk_redis_up` is 0.
        """
        return metrics.exposition()

    return blp
