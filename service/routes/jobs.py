"""/v1/jobs: a job's state and result, cancelling it, and the caller's jobs page by page.

A job belongs to the key that made it: any other key gets 404, exactly as for an
unknown job, so ids of other callers' jobs cannot be probed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g
from flask_smorest import Blueprint

from newsdesk.keys import ANONYMOUS
from newsdesk.settings import Config
from service.jobstore import BadCursor, JobEnded, JobNotFound, JobStore
from service.openapi import REQUEST_ID
from service.problems import Problem, validation_problem
from service.responses import json_response
from service.schemas import (
    JOB_CANCELED_EXAMPLE,
    JOB_DUPLICATE_EXAMPLE,
    JOB_FAILED_EXAMPLE,
    JOB_FINISHED_EXAMPLE,
    JOB_QUEUED_EXAMPLE,
    JOB_STOPPING_EXAMPLE,
    SIMILAR_EXAMPLE,
    JobListQuerySchema,
    JobPageSchema,
    JobSchema,
    SimilarSchema,
    WaitQuerySchema,
)


def _not_found() -> Problem:
    g.job_id = None
    return Problem(
        404,
        "job-not-found",
        "Job not found",
        "No job has this id: it never existed or it has expired.",
    )


def _owner() -> str:
    return g.get("owner", ANONYMOUS)


def blueprint(config: Config) -> Blueprint:
    blp = Blueprint(
        "jobs", __name__, url_prefix="/v1/jobs", description="Follow an article to its result."
    )

    @blp.route("", methods=["GET"])
    @blp.arguments(JobListQuerySchema, location="query", unknown=None)  # the schema raises
    @blp.response(
        200,
        JobPageSchema,
        description="One page of the caller's jobs, newest first.",
        example={"jobs": [JOB_QUEUED_EXAMPLE], "next_cursor": None},
        headers={"X-Request-ID": REQUEST_ID},
    )
    @blp.alt_response(401, "Unauthorized")
    @blp.alt_response(422, "ValidationError")
    @blp.alt_response(429, "TooManyRequests")
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "QueueUnavailable")
    def list_jobs(query: dict[str, Any]) -> dict:
        """List your jobs

        The jobs made with the caller's key that are still kept, newest first, `limit`
        per page (jobs without `result`: read a job for it). Follow `next_cursor` until
        it is null. With `status`, a page may hold fewer than `limit` jobs (at most
        1,000 are looked at per call) and still have a next page.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        try:
            jobs, next_cursor = store.list(
                _owner(),
                status=query.get("status"),
                limit=query["limit"],
                cursor=query.get("cursor"),
            )
        except BadCursor:
            error = {
                "field": "cursor",
                "location": "query",
                "detail": "Not a cursor this API gave out.",
            }
            raise validation_problem([error]) from None
        return {"jobs": jobs, "next_cursor": next_cursor}

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
            "canceled": {"summary": "Cancelled by its owner", "value": JOB_CANCELED_EXAMPLE},
            "duplicate": {
                "summary": "Done: `duplicates` found an earlier job it copies",
                "value": JOB_DUPLICATE_EXAMPLE,
            },
        },
        headers={"X-Request-ID": REQUEST_ID},
    )
    @blp.alt_response(401, "Unauthorized")
    @blp.alt_response(404, "NotFound")
    @blp.alt_response(422, "ValidationError")
    @blp.alt_response(429, "TooManyRequests")
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "QueueUnavailable")
    def get_job(query: dict[str, Any], job_id: str) -> Response:
        """Get a job

        Jobs are kept for `NEWSDESK_RESULT_TTL` seconds after they finish
        (`NEWSDESK_FAILURE_TTL` after they fail or are cancelled), then answer 404.
        Another key's job answers 404 too.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        g.job_id = job_id
        try:
            job, result = store.read(job_id, wait=query["wait"], owner=_owner())
        except JobNotFound:
            raise _not_found() from None
        # Sent as built, not dumped through JobSchema, and the result as it is stored: it
        # was validated against the same schema before it was stored, and parsing and
        # encoding a long article's result again on every read cost the API more than
        # the rest of the request.
        return json_response(job, result=result)

    @blp.route("/<job_id>", methods=["DELETE"])
    @blp.response(
        200,
        JobSchema,
        description="The job was queued: it is `canceled` and will never run.",
        example=JOB_CANCELED_EXAMPLE,
        headers={"X-Request-ID": REQUEST_ID},
    )
    @blp.alt_response(
        202,
        schema=JobSchema,
        description="The job is running: it stops before its next analysis step and then "
        "shows `canceled` (or `finished`, if its last step was already under way).",
        example=JOB_STOPPING_EXAMPLE,
        headers={"X-Request-ID": REQUEST_ID},
    )
    @blp.alt_response(401, "Unauthorized")
    @blp.alt_response(404, "NotFound")
    @blp.alt_response(409, "JobEnded")
    @blp.alt_response(429, "TooManyRequests")
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "QueueUnavailable")
    def cancel_job(job_id: str) -> tuple[dict, int]:
        """Cancel a job

        A queued job is cancelled at once and never runs (200). A running job is asked
        to stop (202): it stops before its next analysis step, so poll it until it
        shows `canceled`. A job that has already ended answers 409.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        g.job_id = job_id
        try:
            job = store.cancel(job_id, owner=_owner())
        except JobNotFound:
            raise _not_found() from None
        except JobEnded as ended:
            raise Problem(
                409,
                "job-ended",
                "Job has ended",
                f"The job is already {ended.status}; there is nothing to cancel.",
            ) from None
        return job, 200 if job["status"] == "canceled" else 202

    @blp.route("/<job_id>/similar", methods=["GET"])
    @blp.response(
        200,
        SimilarSchema,
        description="Jobs whose article is the same or much the same as this one's.",
        example=SIMILAR_EXAMPLE,
        headers={"X-Request-ID": REQUEST_ID},
    )
    @blp.alt_response(401, "Unauthorized")
    @blp.alt_response(404, "NotFound")
    @blp.alt_response(429, "TooManyRequests")
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
            return store.similar(job_id, owner=_owner())
        except JobNotFound:
            raise _not_found() from None

    return blp
