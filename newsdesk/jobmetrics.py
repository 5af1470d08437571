"""Job outcomes and durations, counted in Redis by every worker, read by the API's /metrics.

Workers run on many machines and come and go; counting in Redis gives one set of
cluster-wide counters that survive a worker's restart, and the API exposes them
at scrape time. Durations are kept as a Prometheus histogram: cumulative bucket
counts plus sum and count, per analysis (and `total` for the whole job).
"""

from __future__ import annotations

from collections.abc import Mapping

from redis import Redis

PREFIX = "newsdesk:metrics"
# Seconds: a short brief takes milliseconds, a 200,000-character article seconds.
DURATION_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
FINAL_STATUSES = ("finished", "failed", "canceled")


def _jobs_key(queue: str) -> str:
    return f"{PREFIX}:{queue}:jobs"


def _duration_key(queue: str, analysis: str) -> str:
    return f"{PREFIX}:{queue}:duration:{analysis}"


def _durations_index(queue: str) -> str:
    return f"{PREFIX}:{queue}:analyses"


def record_job(redis: Redis, queue: str, status: str, durations: Mapping[str, float]) -> None:
    """Count one ended job and observe how long each analysis (and the whole job) took."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.hincrby(_jobs_key(queue), status, 1)
        for analysis, seconds in durations.items():
            key = _duration_key(queue, analysis)
            pipe.sadd(_durations_index(queue), analysis)
            for bound in DURATION_BUCKETS:
                if seconds <= bound:
                    pipe.hincrby(key, repr(bound), 1)
            pipe.hincrby(key, "+Inf", 1)
            pipe.hincrbyfloat(key, "sum", seconds)
        pipe.execute()


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
        buckets = [(repr(b), int(stored.get(repr(b), 0))) for b in DURATION_BUCKETS]
        buckets.append(("+Inf", int(stored.get("+Inf", 0))))
        found[analysis] = (buckets, float(stored.get("sum", 0.0)))
    return found
