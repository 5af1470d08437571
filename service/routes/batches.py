"""POST /v1/batches and GET /v1/batches/{batch_id}: many articles in one request.

Each article is validated on its own, with the rules of POST /v1/articles, so one bad
article does not cost the others their place: the valid ones are queued, the invalid ones
are listed with their index. Every article is validated before anything is queued, and the
jobs, the batch and the answer an idempotent retry gets are written in one transaction: a
batch is queued whole or not at all, and no job exists that its client was not told about.
A batch holds job ids, not results: a hundred long results would make a poll of the batch
megabytes long, so each job is read at its own URL.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, g, request, url_for
from flask_smorest import Blueprint
from marshmallow import ValidationError

from newsdesk.keys import ANONYMOUS
from newsdesk.settings import Config
from service.callbacks import callback_refusal, check_callback
from service.idempotency import idempotent, remember
from service.jobstore import BatchNotFound, JobStore
from service.openapi import REQUEST_ID
from service.problems import Problem, field_errors, validation_problem
from service.routes.articles import BodyParser, submission_problems, submit
from service.schemas import (
    BATCH_EXAMPLE,
    BATCH_JOB_STATUSES,
    BATCH_QUEUED_EXAMPLE,
    BATCH_REQUEST_EXAMPLE,
    ArticleRequestSchema,
    BatchRequestSchema,
    BatchSchema,
)


def _require_json() -> None:
    # A batch is JSON only: the article-as-body form of POST /v1/articles has no batch form.
    if request.method == "POST" and not request.is_json:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the batch as JSON with `Content-Type: application/json`.",
        )


def _article_errors(index: int, messages: Any) -> dict[str, Any]:
    errors = field_errors({"json": {"articles": {str(index): messages}}})
    return {"index": index, "errors": errors}


def _batch_view(batch: dict[str, Any]) -> dict[str, Any]:
    counts = dict.fromkeys(BATCH_JOB_STATUSES, 0)
    jobs = []
    for entry in batch["jobs"]:
        job = {**entry, "url": url_for("jobs.get_job", job_id=entry["id"])}
        if "status" in entry:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        jobs.append(job)
    return {
        "id": batch["id"],
        "created_at": batch["created_at"],
        "callback_url": batch["callback_url"],
        "counts": counts,
        "jobs": jobs,
        "errors": batch["errors"],
    }


def blueprint(config: Config) -> Blueprint:
    blp = Blueprint(
        "batches",
        __name__,
        url_prefix="/v1/batches",
        description="Submit up to 100 articles at once and follow them together.",
    )
    blp.ARGUMENTS_PARSER = BodyParser()
    blp.before_request(_require_json)
    article_schema = ArticleRequestSchema(
        max_text_chars=config.max_text_chars, max_html_chars=config.max_html_chars
    )

    @blp.route("", methods=["POST"])
    @blp.arguments(BatchRequestSchema, example=BATCH_REQUEST_EXAMPLE)
    @blp.response(
        202,
        BatchSchema,
        description="Queued: one job per valid article; `errors` lists the refused ones.",
        example=BATCH_QUEUED_EXAMPLE,
        headers={
            "Location": {
                "description": "URL of the batch: `/v1/batches/{batch_id}`.",
                "schema": {"type": "string"},
            },
            "X-Request-ID": REQUEST_ID,
        },
    )
    @submission_problems(blp)
    @idempotent
    def submit_batch(body: dict[str, Any]) -> tuple[dict, int, dict[str, str]]:
        """Submit a batch of articles

        Validates each article with the rules of `POST /v1/articles` and queues the valid
        ones, one job each. When every article is invalid the answer is 422 with each
        failing field, named from the batch body (`articles.2.text`).
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        owner = g.get("owner", ANONYMOUS)
        check_callback(body.get("callback_url"))
        valid: list[tuple[int, dict[str, Any]]] = []
        errors: list[dict[str, Any]] = []
        for index, raw in enumerate(body["articles"]):
            try:
                article = article_schema.load(raw)
            except ValidationError as exc:
                errors.append(_article_errors(index, exc.messages))
                continue
            field = f"articles.{index}.callback_url"
            refusal = callback_refusal(article.get("callback_url"), field)
            if refusal is not None:
                errors.append({"index": index, "errors": [refusal]})
                continue
            valid.append((index, article))
        if not valid:
            raise validation_problem(
                [error for article in errors for error in article["errors"]],
                "No article of the batch is valid; see `errors`.",
            )
        batch_id = str(uuid.uuid4())
        callback_url = body.get("callback_url")
        with store.transaction() as pipe:
            jobs = []
            for index, article in valid:
                job = submit(
                    store,
                    article,
                    owner,
                    callback_url=callback_url,
                    batch_id=batch_id,
                    pipeline=pipe,
                )
                jobs.append({"index": index, "id": job["id"], "status": job["status"]})
            batch = store.create_batch(owner, jobs, errors, callback_url, batch_id, pipeline=pipe)
            for stored, job in zip(batch["jobs"], jobs, strict=True):
                stored["status"] = job["status"]
            view = _batch_view(batch)
            headers = {"Location": url_for("batches.get_batch", batch_id=batch_id)}
            remember(pipe, view, 202, headers)
            pipe.execute()
        g.batch_id = batch_id
        return view, 202, headers

    @blp.route("/<batch_id>", methods=["GET"])
    @blp.response(200, BatchSchema, example=BATCH_EXAMPLE, headers={"X-Request-ID": REQUEST_ID})
    @blp.alt_response(401, "Unauthorized")
    @blp.alt_response(404, "NotFound")
    @blp.alt_response(429, "TooManyRequests")
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "QueueUnavailable")
    def get_batch(batch_id: str) -> dict:
        """Get a batch

        Counts of its jobs by status and each job's status and URL; read results at the
        jobs' URLs. A batch is kept for `NEWSDESK_RESULT_TTL` seconds after it was made.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        try:
            batch = store.get_batch(batch_id, g.get("owner", ANONYMOUS))
        except BatchNotFound:
            raise Problem(
                404,
                "batch-not-found",
                "Batch not found",
                "No batch has this id: it never existed or it has expired.",
            ) from None
        return _batch_view(batch)

    return blp
