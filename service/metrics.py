"""GET /metrics in Prometheus text format: the API's requests, the queue, the workers, the jobs.

Request metrics live in this process (in prometheus-client's multiprocess mode
under gunicorn, so every API process is counted). Queue depth, live workers and
job outcomes are read from Redis at scrape time, so they describe the whole
cluster, whichever API process answers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq import Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry

from newsdesk import jobmetrics
from service.jobstore import JobStore

REQUESTS = Counter(
    "newsdesk_http_requests",
    "HTTP requests answered, by method, route and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "newsdesk_http_request_duration_seconds",
    "Time to answer a request, by method and route (long-polls included).",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def _route() -> str:
    # The URL rule, not the path: one series per route, not one per job id.
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def _observe(response: Response) -> Response:
    started = g.get("started")
    route = _route()
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
    return response


class ClusterCollector(Collector):
    """Reads the queue, the workers and the job counters from Redis at scrape time."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        queue = self.store.queue
        redis = self.store.redis
        try:
            # Counted as they stand: RQ's `count` would also run the registries' cleanup
            # (re-queueing abandoned jobs), which is the workers' maintenance, not a scrape's.
            depth = {
                "queued": queue.count,
                "started": StartedJobRegistry(queue=queue).get_job_count(cleanup=False),
                "failed": FailedJobRegistry(queue=queue).get_job_count(cleanup=False),
            }
            workers = Worker.count(queue=queue)
            ended = jobmetrics.read_jobs(redis, queue.name)
            reused = jobmetrics.read_reused(redis, queue.name)
            durations = jobmetrics.read_durations(redis, queue.name)
        except RedisError:
            up = GaugeMetricFamily("newsdesk_redis_up", "1 when Redis answered this scrape.")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("newsdesk_redis_up", "1 when Redis answered this scrape.")
        up.add_metric([], 1)
        yield up
        jobs = GaugeMetricFamily(
            "newsdesk_queue_jobs",
            "Jobs in the queue now, by state (failed ones kept for NEWSDESK_FAILURE_TTL).",
            labels=["state"],
        )
        for state, count in depth.items():
            jobs.add_metric([state], count)
        yield jobs
        live = GaugeMetricFamily("newsdesk_workers", "Workers registered on the queue.")
        live.add_metric([], workers)
        yield live
        total = CounterMetricFamily(
            "newsdesk_jobs", "Jobs that ended, by final status.", labels=["status"]
        )
        for status, count in ended.items():
            total.add_metric([status], count)
        yield total
        cached = CounterMetricFamily(
            "newsdesk_jobs_reused",
            "Jobs answered at once with an earlier identical job's result (`cached`); "
            "also counted in newsdesk_jobs_total as finished.",
        )
        cached.add_metric([], reused)
        yield cached
        duration = HistogramMetricFamily(
            "newsdesk_job_duration_seconds",
            "Time each analysis took in a job (`total`: the whole job).",
            labels=["analysis"],
        )
        for analysis, (buckets, seconds) in durations.items():
            duration.add_metric([analysis], buckets, seconds)
        yield duration


def exposition() -> Response:
    """Everything, freshly collected; under gunicorn, summed over all API processes."""
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(ClusterCollector(current_app.extensions["newsdesk.jobstore"]))
    # content_type, not mimetype: the constant names its charset already, and Flask adds
    # one to a text mimetype, which would send `charset=utf-8` twice.
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def install(app: Flask) -> None:
    app.after_request(_observe)
