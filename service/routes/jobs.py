"""GET /v1/jobs/{job_id}: a job's state and, once finished, its result."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint

from newsdesk.settings import Config
from service.jobstore import JobNotFound, JobStore
from service.openapi import REQUEST_ID
from service.problems import Problem
from service.schemas import (
    JOB_FAILED_EXAMPLE,
    JOB_FINISHED_EXAMPLE,
    JOB_QUEUED_EXAMPLE,
    JobSchema,
    SimilarSchema,
    WaitQuerySchema,
)


def blueprint(config: Config) -> Blueprint:
    blp = Blueprint(
        "jobs", __name__, url_prefix="/v1/jobs", description="Follow an article to its result."
    )

    @blp.route("/<job_id>", methods=["GET"])
    @blp.arguments(WaitQuerySchema(max_wait=config.max_wait), location="query")
    @blp.response(
        200,
        JobSchema,
        description="The job now (or when it ended, if that came within `wait`).",
        examples={
            "queued": {"summary": "Waiting for a worker", "value": JOB_QUEUED_EXAMPLE},
            "finished": {"summary": "Done: read `result`", "value": JOB_FINISHED_EXAMPLE},
            "failed": {"summary": "Failed: read `error`", "value": JOB_FAILED_EXAMPLE},
        },
        headers={"X-Request-ID": REQUEST_ID},
    )
    @blp.alt_response(404, "NotFound")
    @blp.alt_response(422, "ValidationError")
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "QueueUnavailable")
    def get_job(query: dict[str, Any], job_id: str) -> dict:
        """Get a job

        Jobs are kept for `NEWSDESK_RESULT_TTL` seconds after they finish
        (`NEWSDESK_FAILURE_TTL` after they fail), then answer 404.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        g.job_id = job_id
        try:
            return store.get(job_id, wait=query["wait"])
        except JobNotFound:
            g.job_id = None
            raise Problem(
                404,
                "job-not-found",
                "Job not found",
                "No job has this id: it never existed or it has expired.",
            ) from None

    @blp.route("/<job_id>/similar", methods=["GET"])
    @blp.response(
        200,
        SimilarSchema,
        description="Jobs whose article is the same or much the same as this one's.",
        headers={"X-Request-ID": REQUEST_ID},
    )
    @blp.alt_response(404, "NotFound")
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "QueueUnavailable")
    def get_similar(job_id: str) -> dict:
        """Find similar jobs

        Looks the job's fingerprint up in the duplicates index now, so unlike the job's
        own `result.duplicates` (earlier jobs only, as they stood when it ran) this lists
        later jobs too. Only jobs that asked for `duplicates`, of the same API key, and not
        yet expired are in the index; verdicts use the server's current thresholds.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        g.job_id = job_id
        try:
            return store.similar(job_id)
        except JobNotFound:
            g.job_id = None
            raise Problem(
                404,
                "job-not-found",
                "Job not found",
                "No job has this id: it never existed or it has expired.",
            ) from None

    return blp
