"""POST /v1/articles: validate an article and queue it."""

from __future__ import annotations

import json
from typing import Any

from flask import Request, current_app, g, request, url_for
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from newsdesk.keys import ANONYMOUS
from newsdesk.results import ANALYSES
from newsdesk.settings import Config
from service.callbacks import check_callback
from service.idempotency import HEADER_PARAMETER, idempotent
from service.jobstore import JobStore
from service.openapi import REQUEST_ID
from service.problems import Problem
from service.schemas import ARTICLE_EXAMPLE, JOB_QUEUED_EXAMPLE, ArticleRequestSchema, JobSchema

ARTICLE_FIELDS = ("text", "title", "content_type", "url", "language", "options")


def _require_json() -> None:
    # Without this, webargs would read a form post as an empty object and answer 422.
    if request.method == "POST" and not request.is_json:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the body as JSON with `Content-Type: application/json`.",
        )


class BodyParser(FlaskParser):
    """webargs' parser, but JSON nested beyond what Python's parser can take is malformed (400)."""

    def _raw_load_json(self, req: Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # a non-empty document: webargs reads an empty one as "no body at all"
            raise json.JSONDecodeError("JSON nested too deeply", "(deep)", 0) from None


def blueprint(config: Config) -> Blueprint:
    blp = Blueprint(
        "articles", __name__, url_prefix="/v1/articles", description="Submit articles for analysis."
    )
    blp.ARGUMENTS_PARSER = BodyParser()
    blp.before_request(_require_json)

    @blp.route("", methods=["POST"])
    @blp.arguments(
        ArticleRequestSchema(max_text_chars=config.max_text_chars), example=ARTICLE_EXAMPLE
    )
    @blp.response(
        202,
        JobSchema,
        description="Queued. Follow `Location` (or the job's `id`) to the result.",
        example=JOB_QUEUED_EXAMPLE,
        headers={
            "Location": {
                "description": "URL of the job: `/v1/jobs/{job_id}`.",
                "schema": {"type": "string"},
            },
            "X-Request-ID": REQUEST_ID,
        },
    )
    @blp.alt_response(400, "MalformedJson")
    @blp.alt_response(409, "IdempotencyInProgress")
    @blp.alt_response(413, "BodyTooLarge")
    @blp.alt_response(415, "UnsupportedMediaType")
    @blp.alt_response(422, "ValidationError")
    @blp.alt_response(500, "InternalError")
    @blp.alt_response(503, "QueueUnavailable")
    @blp.doc(parameters=[HEADER_PARAMETER])
    @idempotent
    def submit_article(article: dict[str, Any]) -> tuple[dict, int, dict[str, str]]:
        """Submit an article for analysis

        Queues the article and answers at once with the job; the analyses run on a worker.
        An identical earlier request whose job has finished gives a job finished at once
        (`cached: true`). With `Idempotency-Key`, a retry gets the first answer again.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        check_callback(article.get("callback_url"))
        asked = set(article["analyses"])
        job = store.submit(
            {key: article[key] for key in ARTICLE_FIELDS if key in article},
            analyses=[name for name in ANALYSES if name in asked],
            metadata=article.get("metadata"),
            owner=g.get("owner", ANONYMOUS),
            callback_url=article.get("callback_url"),
        )
        g.job_id = job["id"]
        return job, 202, {"Location": url_for("jobs.get_job", job_id=job["id"])}

    return blp
