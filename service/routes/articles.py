"""POST /v1/articles: validate an article and queue it.

The body is JSON, or the article itself as `text/plain` or `text/html` with the other
fields as query parameters (`?analyses=cleanup,stats&title=...`): both go through the
same schema, so the same rules give the same field-named errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from flask import Request, current_app, g, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError
from redis.client import Pipeline
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from newsdesk.keys import ANONYMOUS
from newsdesk.results import ANALYSES
from newsdesk.settings import Config
from service.bodies import parse_json
from service.callbacks import check_callback
from service.idempotency import HEADER_PARAMETER, idempotent, remember
from service.jobstore import JobStore
from service.openapi import REQUEST_ID
from service.problems import Problem, validation_problem
from service.responses import sent_as_built
from service.schemas import ARTICLE_EXAMPLE, JOB_QUEUED_EXAMPLE, ArticleRequestSchema, JobSchema

ARTICLE_FIELDS = ("text", "title", "content_type", "url", "language", "options")
# --- text bodies: the article as text/plain or text/html, the rest as query parameters ---
TEXT_TYPES = ("text/plain", "text/html")
# A text body takes the other fields from the query string (`analyses` comma-separated
# there), except these, which need a JSON body.
JSON_ONLY_FIELDS = ("text", "content_type", "options", "metadata")


def _require_supported_body() -> None:
    # Without this, webargs would read a form post as an empty object and answer 422.
    if request.method == "POST" and not (request.is_json or request.mimetype in TEXT_TYPES):
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the article as JSON (`Content-Type: application/json`), or as the body "
            "itself with `Content-Type: text/plain` or `text/html`.",
        )


def article_from_text_body(req: Request) -> dict[str, Any]:
    """A text body and its query parameters, as the JSON body they stand for."""
    charset = req.mimetype_params.get("charset", "utf-8")
    try:
        text = req.get_data(cache=True).decode(charset)
    except (LookupError, UnicodeDecodeError):
        text = None
    article: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name, value in req.args.items():
        if name in JSON_ONLY_FIELDS:  # the body is the text; these need a JSON body
            errors.append({"field": name, "location": "query", "detail": "Send it in a JSON body."})
        article[name] = value.split(",") if name == "analyses" else value
    g.query_fields = set(req.args)
    if text is None:
        errors.append(
            {
                "field": "text",
                "location": "body",
                "detail": f"The body is not text in {charset!r}.",
                "pointer": "#/text",
            }
        )
    if errors:
        raise validation_problem(errors)
    article["text"] = text
    if req.mimetype == "text/html":
        article["content_type"] = "text/html"
    return article


# --- end text bodies ---


class BodyParser(FlaskParser):
    """webargs' parser for the article: JSON, or a text body with query parameters.

    JSON is parsed strictly (service.bodies.parse_json): a repeated key, or nesting beyond
    what Python's parser can take, is malformed (400). For a text body, errors about fields
    that came from the query string are filed under `query`.
    """

    def _raw_load_json(self, req: Request) -> Any:
        if req.mimetype in TEXT_TYPES:
            return article_from_text_body(req)
        if not is_json_request(req):
            return core.missing
        return parse_json(req.get_data(cache=True))

    def _on_validation_error(
        self,
        error: ValidationError,
        req: Request,
        schema: Schema,
        location: str,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        from_query = g.get("query_fields")
        if location != "json" or not from_query or not isinstance(error.messages, dict):
            super()._on_validation_error(
                error,
                req,
                schema,
                location,
                error_status_code=error_status_code,
                error_headers=error_headers,
            )
        messages: dict[str, Any] = {}
        for field, detail in error.messages.items():
            where = "query" if field in from_query else "json"
            messages.setdefault(where, {})[field] = detail
        error.messages = messages
        self.handle_error(
            error,
            req,
            schema,
            error_status_code=error_status_code,
            error_headers=error_headers,
        )


def submit(
    store: JobStore,
    article: dict[str, Any],
    owner: str,
    *,
    callback_url: str | None = None,
    batch_id: str | None = None,
    pipeline: Pipeline | None = None,
) -> dict:
    """Queue one validated article (of a POST or of a batch): its analyses in run order.

    `callback_url` (a batch's) is used when the article names none of its own; with
    `pipeline` (JobStore.transaction), the job is written when the caller executes it.
    """
    asked = set(article["analyses"])
    return store.submit(
        {key: article[key] for key in ARTICLE_FIELDS if key in article},
        analyses=[name for name in ANALYSES if name in asked],
        metadata=article.get("metadata"),
        owner=owner,
        callback_url=article.get("callback_url") or callback_url,
        batch_id=batch_id,
        pipeline=pipeline,
    )


# The problems a submission (one article or a batch) may answer with, by status.
SUBMISSION_PROBLEMS = (
    (400, "MalformedJson"),
    (401, "Unauthorized"),
    (408, "RequestTimeout"),
    (409, "IdempotencyInProgress"),
    (413, "BodyTooLarge"),
    (415, "UnsupportedMediaType"),
    (422, "ValidationError"),
    (429, "TooManyRequests"),
    (500, "InternalError"),
    (503, "QueueUnavailable"),
)


def submission_problems(blp: Blueprint) -> Callable[[Callable], Callable]:
    """Documents a submission's problems and its `Idempotency-Key` header, the same for
    `POST /v1/articles` and `POST /v1/batches`."""

    def document(view: Callable) -> Callable:
        view = blp.doc(parameters=[HEADER_PARAMETER])(view)
        for status, name in reversed(SUBMISSION_PROBLEMS):
            view = blp.alt_response(status, name)(view)
        return view

    return document


def blueprint(config: Config) -> Blueprint:
    blp = Blueprint(
        "articles", __name__, url_prefix="/v1/articles", description="Submit articles for analysis."
    )
    blp.ARGUMENTS_PARSER = BodyParser()
    blp.before_request(_require_supported_body)

    @blp.route("", methods=["POST"])
    @blp.arguments(
        ArticleRequestSchema(
            max_text_chars=config.max_text_chars, max_html_chars=config.max_html_chars
        ),
        example=ARTICLE_EXAMPLE,
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
    @submission_problems(blp)
    @sent_as_built  # the job view as GET /v1/jobs/{id} sends it, not dumped again
    @idempotent
    def submit_article(article: dict[str, Any]) -> tuple[dict, int, dict[str, str]]:
        """Submit an article for analysis

        Queues the article and answers at once with the job; the analyses run on a worker.
        The body is JSON, or the article itself as `text/plain` or `text/html` with
        `analyses` (comma-separated), `title`, `url` and `language` as query parameters.
        An identical earlier request whose job has finished gives a job finished at once
        (`cached: true`). With `Idempotency-Key`, a retry gets the first answer again.
        """
        store: JobStore = current_app.extensions["newsdesk.jobstore"]
        from_query = "callback_url" in g.get("query_fields", ())
        check_callback(article.get("callback_url"), location="query" if from_query else "body")
        # The job and the answer a retry with the same Idempotency-Key gets: one transaction.
        with store.transaction() as pipe:
            job = submit(store, article, g.get("owner", ANONYMOUS), pipeline=pipe)
            headers = {"Location": url_for("jobs.get_job", job_id=job["id"])}
            remember(pipe, job, 202, headers)
            pipe.execute()
        g.job_id = job["id"]
        return job, 202, headers

    return blp
