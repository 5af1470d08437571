"""The RQ job: run the pipeline on one article, validate, store, or fail with a short reason.

The model is loaded once per worker process (see workers.worker), not per job.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rq import get_current_job
from rq.timeouts import JobTimeoutException

from newsdesk.results import ResultSchema
from newsdesk.settings import load
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


def analyze_article(article: dict[str, Any]) -> dict[str, Any]:
    job = get_current_job()
    job_id = job.id if job else None
    started = time.perf_counter()
    try:
        log.info(
            "job started",
            extra={
                "job_id": job_id,
                "chars": len(str(article.get("text", ""))),
                "analyses": article.get("analyses"),
            },
        )
        result = analyze(article, reading_wpm=load().reading_wpm)
        errors = ResultSchema().validate(result)
        if errors:
            raise InvalidResult(f"result failed validation: {errors}")
    except BaseException as exc:
        if job is not None:
            job.meta["error"] = _error(exc)
            job.save_meta()
        log.warning(
            "job failed",
            extra={
                "job_id": job_id,
                "error": type(exc).__name__,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
        raise
    log.info(
        "job finished",
        extra={"job_id": job_id, "seconds": round(time.perf_counter() - started, 3)},
    )
    return result
