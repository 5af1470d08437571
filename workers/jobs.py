"""The RQ job: run the pipeline on one article, validate, store, or fail with a short reason.

The model is loaded once per worker process (see workers.worker), not per job.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import RedisError
from rq import get_current_job
from rq.job import Job
from rq.timeouts import JobTimeoutException

from newsdesk import jobmetrics
from newsdesk.duplicate_index import DuplicateIndex
from newsdesk.results import ResultSchema
from newsdesk.settings import Config, load
from newsdesk.similarity import Fingerprint, Thresholds
from workers.pipeline import analyze

log = logging.getLogger("newsdesk.worker")


class InvalidResult(RuntimeError):
    """The pipeline produced something the result schema rejects: a bug, never stored."""


def _error(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, JobTimeoutException):
        return {"type": "timeout", "message": "The analysis took longer than the job time limit."}
    if isinstance(exc, InvalidResult):
        return {"type": "invalid_result", "message": str(exc)[:500]}
    return {"type": "analysis_error", "message": f"{type(exc).__name__} during analysis."}


def _count(job: Job, status: str, durations: dict[str, float]) -> None:
    """Metrics must never fail a job: a Redis hiccup here costs one sample, nothing more."""
    try:
        jobmetrics.record_job(job.connection, job.origin, status, durations)
    except RedisError as exc:
        log.warning("metrics not recorded", extra={"job_id": job.id, "error": str(exc)})


class _JobDuplicates:
    """The job's view of the duplicates index: look up while analysing, add once stored.

    Jobs are indexed under their owner (the API key's name) and only ever meet that
    owner's jobs. The entry lives as long as the job's result.
    """

    def __init__(self, job: Job, config: Config) -> None:
        self.job = job
        self.ttl = job.result_ttl if job.result_ttl is not None else config.result_ttl
        self.index = DuplicateIndex(
            job.connection,
            job.meta.get("owner", "anonymous"),
            Thresholds(config.duplicate_near, config.duplicate_same_story),
            config.duplicate_max_matches,
        )
        self.fingerprint: Fingerprint | None = None

    def find(self, fingerprint: Fingerprint) -> list[dict[str, Any]]:
        self.fingerprint = fingerprint
        return self.index.lookup(fingerprint, exclude=self.job.id)

    def add(self) -> None:
        if self.fingerprint is not None and self.ttl > 0:
            self.index.add(self.job.id, self.fingerprint, self.ttl)


def analyze_article(article: dict[str, Any]) -> dict[str, Any]:
    job = get_current_job()
    job_id = job.id if job else None
    started = time.perf_counter()
    timings: dict[str, float] = {}
    config = load()
    similar = _JobDuplicates(job, config) if job is not None else None
    try:
        log.info(
            "job started",
            extra={
                "job_id": job_id,
                "chars": len(str(article.get("text", ""))),
                "analyses": article.get("analyses"),
            },
        )
        result = analyze(
            article,
            reading_wpm=config.reading_wpm,
            timings=timings,
            find_similar=similar.find if similar else None,
        )
        errors = ResultSchema().validate(result)
        if errors:
            raise InvalidResult(f"result failed validation: {errors}")
        if similar is not None:
            similar.add()  # only a valid result is indexed: a failed job is never a match
    except BaseException as exc:
        timings["total"] = round(time.perf_counter() - started, 6)
        if job is not None:
            job.meta["error"] = _error(exc)
            job.meta["timings"] = timings
            job.save_meta()
            _count(job, "failed", timings)
        log.warning(
            "job failed",
            extra={"job_id": job_id, "error": type(exc).__name__, "timings": timings},
        )
        raise
    timings["total"] = round(time.perf_counter() - started, 6)
    if job is not None:
        job.meta["timings"] = timings
        job.save_meta()
        _count(job, "finished", timings)
    log.info("job finished", extra={"job_id": job_id, "timings": timings})
    return result
