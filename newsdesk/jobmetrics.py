"""Job outcomes and durations, counted in Redis by every worker, read by the API's /metrics.

Workers run on many machines and come and go; counting in Redis gives one set of
cluster-wide counters that survive a worker's restart, and the API exposes them
at scrape time. Durations are kept per analysis (and `total` for the whole job)
as a count per bucket plus the sum; the reader adds the buckets up into
Prometheus's cumulative form. Writing one bucket rather than every bucket a
duration falls into keeps a job's metrics to a few commands, which a worker
queues on the transaction that ends the job (see workers.worker).
"""

from __future__ import annotations

from collections.abc import Mapping

from redis import Redis
from redis.client import Pipeline

PREFIX = "newsdesk:metrics"
# Seconds: a short brief takes milliseconds, a 200,000-character article seconds.
DURATION_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
FINAL_STATUSES = ("finished", "failed", "canceled")


def _jobs_key(queue: str) -> str:
    return f"{PREFIX}:{queue}:jobs"


def _reused_key(queue: str) -> str:
    return f"{PREFIX}:{queue}:reused"


def _duration_key(queue: str, analysis: str) -> str:
    return f"{PREFIX}:{queue}:buckets:{analysis}"


def _durations_index(queue: str) -> str:
    return f"{PREFIX}:{queue}:analyses"


def _bucket(seconds: float) -> str:
    """The smallest bucket the duration fits in."""
    for bound in DURATION_BUCKETS:
        if seconds <= bound:
            return repr(bound)
    return "+Inf"


def record_job(pipe: Pipeline, queue: str, status: str, durations: Mapping[str, float]) -> None:
    """Queue on `pipe` the count of one ended job and how long each analysis took.

    The caller executes the pipeline (a worker: with the rest of the job's end).
    """
    pipe.hincrby(_jobs_key(queue), status, 1)
    if durations:
        pipe.sadd(_durations_index(queue), *durations)
    for analysis, seconds in durations.items():
        key = _duration_key(queue, analysis)
        pipe.hincrby(key, _bucket(seconds), 1)
        pipe.hincrbyfloat(key, "sum", seconds)


def record_reused(pipe: Pipeline, queue: str) -> None:
    """Queue on `pipe` the count of a job answered with an earlier job's result.

    Such a job ends `finished` at once, so it counts there too (`record_job` with no
    durations: nothing ran); this second counter tells how many of those were reused.
    """
    record_job(pipe, queue, "finished", {})
    pipe.incr(_reused_key(queue))


def read_reused(redis: Redis, queue: str) -> int:
    return int(redis.get(_reused_key(queue)) or 0)


def read_jobs(redis: Redis, queue: str) -> dict[str, int]:
    counts = {status: 0 for status in FINAL_STATUSES}
    for status, count in redis.hgetall(_jobs_key(queue)).items():
        counts[status.decode()] = int(count)
    return counts


def read_durations(redis: Redis, queue: str) -> dict[str, tuple[list[tuple[str, int]], float]]:
    """Per analysis: cumulative (upper bound, count) buckets ending with +Inf, and the sum."""
    found: dict[str, tuple[list[tuple[str, int]], float]] = {}
    for raw in sorted(redis.smembers(_durations_index(queue))):
        analysis = raw.decode()
        stored = {k.decode(): v for k, v in redis.hgetall(_duration_key(queue, analysis)).items()}
        buckets, seen = [], 0
        for bound in [repr(b) for b in DURATION_BUCKETS] + ["+Inf"]:
            seen += int(stored.get(bound, 0))
            buckets.append((bound, seen))
        found[analysis] = (buckets, float(stored.get("sum", 0.0)))
    return found
