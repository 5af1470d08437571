"""The RQ job: run the pipeline on one article, validate, return, or fail with a short reason.

The model is loaded once per worker process (see workers.worker), not per job.
What the job learns besides its result (step timings, a short error) goes into
`job.meta`; the worker stores it, counts the job and announces its end in the one
transaction that ends the job (workers.worker.LeasedWorker.cleanup_execution).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rq import get_current_job
from rq.job import Job
from rq.timeouts import JobTimeoutException

from newsdesk.duplicate_index import DuplicateIndex
from newsdesk.jobcontrol import WATCH, JobCanceled
from newsdesk.keys import ANONYMOUS
from newsdesk.settings import Config, load
from newsdesk.similarity import Fingerprint
from workers.nlp import get_model
from workers.pipeline import analyze
from workers.validation import InvalidResult, check_result

log = logging.getLogger("newsdesk.worker")

_settings: Config | None = None


def use_settings(config: Config) -> None:
    """Hand the worker's settings, read once as its process starts, to every job it runs."""
    global _settings
    _settings = config


def settings() -> Config:
    """The settings jobs run with: the worker's, or, in a process that handed none (a bench
    calling the job function directly), the environment's, read once."""
    global _settings
    if _settings is None:
        _settings = load()
    return _settings


def error_of(exc: BaseException) -> dict[str, str]:
    """The short error a client sees for a job that raised `exc`."""
    if isinstance(exc, JobCanceled):
        return {"type": "canceled", "message": "The job was cancelled by its owner."}
    if isinstance(exc, JobTimeoutException):
        return {"type": "timeout", "message": "The analysis took longer than the job time limit."}
    if isinstance(exc, InvalidResult):
        return {"type": "invalid_result", "message": str(exc)[:500]}
    return {"type": "analysis_error", "message": f"{type(exc).__name__} during analysis."}


def _checkpoint(job: Job | None) -> Any:
    """Called before each pipeline step: ends the job there if its owner cancelled it.

    It asks what the worker has seen (newsdesk.jobcontrol.WATCH), which costs nothing: a
    LeasedWorker reads the flag in the transaction that starts the job, then once a second.
    Under any other worker each call reads the flag from Redis.
    """
    if job is None:
        return None

    def check() -> None:
        if WATCH.requested(job.connection, job.id):
            raise JobCanceled(job.id)

    return check


class _JobDuplicates:
    """The job's view of the duplicates index: look up while analysing, add once stored.

    Jobs are indexed under their owner (the API key's name) and only ever meet that
    owner's jobs. The entry lives as long as the job's result. The index is opened only
    by a job that asks for `duplicates`.
    """

    def __init__(self, job: Job, config: Config) -> None:
        self.job = job
        self.config = config
        self.ttl = job.result_ttl if job.result_ttl is not None else config.result_ttl
        self.index: DuplicateIndex | None = None
        self.fingerprint: Fingerprint | None = None

    def find(self, fingerprint: Fingerprint) -> list[dict[str, Any]]:
        owner = self.job.meta.get("owner", ANONYMOUS)
        self.index = DuplicateIndex.for_owner(self.job.connection, owner, self.config)
        self.fingerprint = fingerprint
        return self.index.lookup(fingerprint, exclude=self.job.id)

    def add(self) -> None:
        if self.index is not None and self.fingerprint is not None and self.ttl > 0:
            self.index.add(self.job.id, self.fingerprint, self.ttl)


def analyze_article(article: dict[str, Any]) -> dict[str, Any]:
    job = get_current_job()
    job_id = job.id if job else None
    checkpoint = _checkpoint(job)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    config = settings()
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
        if checkpoint is not None:
            checkpoint()  # cancelled while it waited for this worker
        result = analyze(
            article,
            reading_wpm=config.reading_wpm,
            speaking_wpm=config.speaking_wpm,
            max_text_chars=config.max_text_chars,
            max_tokens=config.max_tokens,
            nlp=get_model(config.spacy_model),
            timings=timings,
            checkpoint=checkpoint,
            find_similar=similar.find if similar else None,
        )
        checked = check_result(result)  # ResultSchema's rules, compiled (workers.validation)
        if similar is not None:
            similar.add()  # only a valid result is indexed: a failed job is never a match
    except BaseException as exc:
        timings["total"] = round(time.perf_counter() - started, 6)
        canceled = isinstance(exc, JobCanceled)
        if job is not None:
            job.meta["error"] = error_of(exc)
            job.meta["timings"] = timings
            if canceled:
                job.meta["canceled"] = True
        log.warning(
            "job canceled" if canceled else "job failed",
            extra={"job_id": job_id, "error": type(exc).__name__, "timings": timings},
        )
        raise
    timings["total"] = round(time.perf_counter() - started, 6)
    if job is not None:
        job.meta["timings"] = timings
        # The check's JSON is the result as RQ's serializer writes it: the worker stores
        # this text rather than serializing the result again (newsdesk.rqstore.AnalysisJob).
        job.result_json = checked
    log.info("job finished", extra={"job_id": job_id, "timings": timings})
    return result
