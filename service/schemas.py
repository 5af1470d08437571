"""What the API accepts and answers, as marshmallow schemas: validation and openapi.yaml in one.

Limits that come from settings (`NEWSDESK_MAX_TEXT_CHARS`, `NEWSDESK_MAX_WAIT`) are given
to the schema instance, so the published document states the limits this server enforces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from newsdesk.results import ANALYSES, DEFAULT_ANALYSES, ENTITY_TYPES, MatchSchema, ResultSchema
from service.jsonvalues import MAX_INTEGER_DIGITS, Path, depth, nested_messages, unfaithful

MAX_METADATA_BYTES = 4096
MAX_METADATA_DEPTH = 16
MAX_TITLE_CHARS = 1000
MAX_URL_CHARS = 2048
MAX_CALLBACK_URL_CHARS = 2048
# Unstorable values reported per article at most: enough to show the client what to fix.
_MAX_REPORTED = 20
JOB_STATUSES: tuple[str, ...] = ("queued", "started", "finished", "failed", "canceled")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def _no_repeats(values: list[str]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Must not name an analysis twice.")


def _small_metadata(value: dict[str, Any]) -> None:
    if depth(value) > MAX_METADATA_DEPTH:
        raise ValidationError(f"Must nest objects and arrays at most {MAX_METADATA_DEPTH} deep.")
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise ValidationError(
            f"Must be at most {MAX_METADATA_BYTES} bytes as compact JSON (got {size})."
        )


def refuse_unfaithful(data: Any, skip: Callable[[Path, Any], bool] | None = None) -> None:
    """A ValidationError naming each value of `data` that cannot be stored and sent back as
    it came (see service.jsonvalues), before any other rule looks at it."""
    problems = []
    for problem in unfaithful(data, skip):
        problems.append(problem)
        if len(problems) == _MAX_REPORTED:
            break
    if problems:
        raise ValidationError(nested_messages(problems))


class StatsOptionsSchema(Schema):
    reading_wpm = fields.Integer(
        validate=validate.Range(min=50, max=1000),
        metadata={
            "description": "Reading speed for `reading_time_seconds`, in words per minute; "
            "the server's NEWSDESK_READING_WPM when absent."
        },
    )
    speaking_wpm = fields.Integer(
        validate=validate.Range(min=50, max=400),
        metadata={
            "description": "Speaking speed for `speaking_time_seconds`, in words per minute; "
            "the server's NEWSDESK_SPEAKING_WPM (150) when absent."
        },
    )


def _distinct_types(values: list[str]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Must not name a type twice.")


class EntitiesOptionsSchema(Schema):
    types = fields.List(
        fields.String(validate=validate.OneOf(ENTITY_TYPES)),
        validate=[validate.Length(min=1), _distinct_types],
        metadata={
            "description": "Entity types (OntoNotes labels) to return; all when absent. "
            "Merging, typing and salience still use every entity.",
            "uniqueItems": True,
        },
    )
    min_salience = fields.Float(
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Return only entities at least this salient (0 to 1); 0 by default."
        },
    )


class OptionsSchema(Schema):
    """Per-analysis options, one object per analysis; all optional."""

    entities = fields.Nested(
        EntitiesOptionsSchema, metadata={"description": "Options of `entities`."}
    )
    stats = fields.Nested(StatsOptionsSchema, metadata={"description": "Options of `stats`."})


class ArticleRequestSchema(Schema):
    """One article to analyse. Unknown fields are rejected."""

    text = fields.String(
        required=True,
        validate=_not_blank,
        metadata={
            "description": "The article as pasted, boilerplate and all. Must contain a "
            "non-blank character.",
            "pattern": r"\S",
        },
    )
    title = fields.String(
        validate=validate.Length(max=MAX_TITLE_CHARS),
        metadata={
            "description": "Headline, when the client knows it; used in cleanup. At most "
            f"{MAX_TITLE_CHARS:,} characters."
        },
    )
    content_type = fields.String(
        validate=validate.OneOf(("text/plain", "text/html")),
        metadata={
            "description": "What `text` is: `text/plain` (as pasted) or `text/html` (a page's "
            "HTML, extracted with trafilatura before cleanup). When absent, text that is "
            "plainly HTML is treated as HTML."
        },
    )
    url = fields.Url(
        schemes={"http", "https"},
        validate=validate.Length(max=MAX_URL_CHARS),
        metadata={
            "description": "Where the article was published (http or https), at most "
            f"{MAX_URL_CHARS:,} characters.",
            "format": "uri",
        },
    )
    language = fields.String(
        validate=[validate.Length(equal=2), validate.Regexp("^[a-z]{2}$")],
        metadata={
            "description": "ISO 639-1 code (two lowercase letters) to use instead of "
            "detecting the language."
        },
    )
    analyses = fields.List(
        fields.String(validate=validate.OneOf(ANALYSES)),
        validate=[validate.Length(min=1), _no_repeats],
        load_default=lambda: list(DEFAULT_ANALYSES),
        metadata={
            "description": "Which analyses to run; by default all but `duplicates`, which "
            "keeps the article's fingerprint in the index for as long as the job and so is "
            "asked for by name. The job lists them in canonical order whatever the order asked.",
            "uniqueItems": True,
            "default": list(DEFAULT_ANALYSES),
        },
    )
    options = fields.Nested(
        OptionsSchema,
        metadata={"description": "Options for the analyses, under the analysis's name."},
    )
    metadata = fields.Dict(
        validate=_small_metadata,
        metadata={
            "description": "Any JSON object, stored with the job and returned untouched; "
            f"at most {MAX_METADATA_BYTES} bytes as compact JSON, nested at most "
            f"{MAX_METADATA_DEPTH} deep. Numbers must be finite (no NaN or Infinity) and "
            f"integers at most {MAX_INTEGER_DIGITS:,} digits long; strings and keys must be "
            "valid Unicode (no lone surrogates)."
        },
    )
    callback_url = fields.Url(
        schemes={"http", "https"},
        validate=validate.Length(max=MAX_CALLBACK_URL_CHARS),
        metadata={
            "description": "Webhook: when the job ends (finished or failed), Newsdesk POSTs "
            "the job, as `GET /v1/jobs/{job_id}` shows it, to this URL, signed the Standard "
            "Webhooks way, and retries with exponential backoff for up to 24 hours until it "
            "gets a 2xx. A host resolving to a loopback, private, link-local, multicast, "
            "reserved or cloud-metadata address is refused (422) unless the server's "
            "NEWSDESK_WEBHOOK_ALLOWED_HOSTS names it.",
            "format": "uri",
        },
    )

    def __init__(self, *, max_text_chars: int, max_html_chars: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_text_chars = max_text_chars
        text = self.fields["text"]
        # a new list: fields are copied shallowly, so appending would reach every instance
        text.validators = [
            *text.validators,
            validate.Length(max=max(max_text_chars, max_html_chars)),
        ]
        text.metadata = {
            **text.metadata,
            "description": f"{text.metadata['description']} At most {max_text_chars:,} "
            f"characters of text, or {max_html_chars:,} of HTML (`content_type` "
            f"`text/html`): the limit of {max_text_chars:,} then applies to the text the "
            "page holds, and a longer one is analysed up to it, with a warning.",
        }

    @validates_schema
    def _text_length(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """Markup is cheap to carry and dropped first: HTML has a larger limit than text."""
        text = data.get("text")
        if data.get("content_type") == "text/html" or not isinstance(text, str):
            return
        if len(text) > self.max_text_chars:
            raise ValidationError(
                f"Longer than maximum length {self.max_text_chars} (send a page's HTML with "
                "content_type text/html: its limit is larger).",
                field_name="text",
            )

    @pre_load
    def _faithful(self, data: Any, **_kwargs: Any) -> Any:
        refuse_unfaithful(data)
        return data


class WaitQuerySchema(Schema):
    wait = fields.Float(
        load_default=0,
        metadata={
            "description": "Seconds to wait for the job to end before answering (long poll). "
            "The answer comes as soon as the job finishes or fails.",
            "default": 0,
        },
    )

    def __init__(self, *, max_wait: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        wait = self.fields["wait"]
        wait.validators = [*wait.validators, validate.Range(min=0, max=max_wait)]


# --- job control: listing a key's jobs ---


class JobListQuerySchema(Schema):
    class Meta:
        unknown = RAISE  # a misspelt `limt` should not silently give the default

    status = fields.String(
        validate=validate.OneOf(JOB_STATUSES),
        metadata={"description": "Only jobs in this state."},
    )
    limit = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Jobs per page, 1 to 100.", "default": 20},
    )
    cursor = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "`next_cursor` of the previous page; absent for the first page. "
            "Opaque: pass it back as it came."
        },
    )


# --- end job control ---


class JobErrorSchema(Schema):
    type = fields.String(
        required=True,
        metadata={
            "description": "Machine-readable kind: `timeout`, `analysis_error`, "
            "`invalid_result` or `worker_lost`."
        },
    )
    message = fields.String(
        required=True, metadata={"description": "One short sentence; never a traceback."}
    )


class JobSchema(Schema):
    """An analysis job. `result` appears once it is finished, `error` once it has failed."""

    id = fields.String(
        required=True, metadata={"description": "Job id (a UUID).", "format": "uuid"}
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf(JOB_STATUSES),
        metadata={
            "description": "`queued` (waiting for a worker), `started`, `finished` "
            "(see `result`), `failed` (see `error`) or `canceled` (by `DELETE`)."
        },
    )
    created_at = fields.String(
        required=True,
        metadata={"description": "When the job was queued (UTC, ISO 8601).", "format": "date-time"},
    )
    started_at = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "When a worker took it; null while queued.",
            "format": "date-time",
        },
    )
    ended_at = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "When it finished, failed or was cancelled; null until then.",
            "format": "date-time",
        },
    )
    analyses = fields.List(
        fields.String(validate=validate.OneOf(ANALYSES)),
        required=True,
        metadata={"description": "The analyses asked for, in canonical order."},
    )
    options = fields.Nested(
        OptionsSchema,
        required=True,
        metadata={"description": "The request's `options`, as accepted; `{}` when none."},
    )
    metadata = fields.Dict(
        required=True,
        allow_none=True,
        metadata={"description": "The request's `metadata`, untouched; null when none was sent."},
    )
    timings = fields.Dict(
        keys=fields.String(),
        values=fields.Float(validate=validate.Range(min=0)),
        required=True,
        metadata={
            "description": "Seconds each step took, once the job has ended: `cleanup`, "
            "`extract` (HTML turned into text when cleanup is not asked for), `language` "
            "(detection), `nlp` (the spaCy parse the analyses share), `entities`, `quotes`, "
            "`stats`, `duplicates` (those that ran) and `total`. `{}` until then."
        },
    )
    result = fields.Nested(
        ResultSchema,
        metadata={"description": "The analysis result; present only when `finished`."},
    )
    error = fields.Nested(
        JobErrorSchema,
        metadata={"description": "Why the job failed; present only when `failed`."},
    )
    # --- result reuse, batches, webhooks ---
    cached = fields.Boolean(
        required=True,
        metadata={
            "description": "True when the result was reused from an earlier identical request "
            "(same text, fields, analyses and options, same API key) within the result TTL: "
            "the job was finished at once and no analysis ran. `timings` is then `{}`."
        },
    )
    batch_id = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The batch the job belongs to; null when none.", "format": "uuid"},
    )
    webhook = fields.Nested(
        "WebhookSchema",
        required=True,
        allow_none=True,
        metadata={"description": "The job's `callback_url` and its deliveries; null when none."},
    )


class WebhookAttemptSchema(Schema):
    at = fields.String(
        required=True,
        metadata={
            "description": "When the attempt was made (UTC, ISO 8601).",
            "format": "date-time",
        },
    )
    status_code = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The receiver's HTTP status; null when there was no answer."},
    )
    error = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Why there was no answer (timeout, refused address...)."},
    )


class WebhookSchema(Schema):
    url = fields.String(
        required=True, metadata={"description": "The `callback_url`.", "format": "uri"}
    )
    state = fields.String(
        required=True,
        validate=validate.OneOf(("pending", "delivered", "failed")),
        metadata={
            "description": "`pending` (not yet sent, or waiting for a retry), `delivered` (a "
            "2xx answer) or `failed` (retries exhausted, or the URL was refused at delivery)."
        },
    )
    attempts = fields.List(
        fields.Nested(WebhookAttemptSchema),
        required=True,
        metadata={"description": "Every delivery attempt so far, oldest first."},
    )


# --- job control: a page of jobs ---


class JobSummarySchema(JobSchema):
    """A job as listed: everything but `result` (read the job itself for that)."""

    class Meta:
        exclude = ("result",)


class JobPageSchema(Schema):
    """One page of the caller's jobs, newest first. Jobs are shown without `result`."""

    jobs = fields.List(
        fields.Nested(JobSummarySchema),
        required=True,
        metadata={"description": "The jobs, newest first; read one job for its `result`."},
    )
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last page."},
    )


# --- end job control ---


class SimilarSchema(Schema):
    """Jobs similar to one job, looked up when asked."""

    job_id = fields.String(
        required=True, metadata={"description": "The job asked about.", "format": "uuid"}
    )
    indexed = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether the job is in the duplicates index: false while it is "
            "queued or running, when it did not ask for `duplicates`, failed, or its body "
            "was too short to fingerprint (then `matches` is empty)."
        },
    )
    matches = fields.List(
        fields.Nested(MatchSchema),
        required=True,
        metadata={
            "description": "Jobs of the same API key whose body is similar, most similar "
            "first, earlier and later ones alike; expired jobs are not listed."
        },
    )


class FieldProblemSchema(Schema):
    field = fields.String(
        required=True,
        metadata={
            "description": "Dotted path of the failing field (`metadata`, `analyses.1`); "
            "empty for the body as a whole."
        },
    )
    location = fields.String(
        required=True,
        validate=validate.OneOf(("body", "query", "header")),
        metadata={
            "description": "`body` for the JSON body, `query` for a query parameter, "
            "`header` for a request header."
        },
    )
    pointer = fields.String(
        metadata={"description": "JSON Pointer into the body as a URI fragment (`#/text`)."}
    )
    detail = fields.String(required=True, metadata={"description": "What is wrong with it."})


class ProblemSchema(Schema):
    """Every error answer: RFC 9457 problem details, as `application/problem+json`."""

    type = fields.String(
        required=True,
        metadata={
            "description": "URI naming the kind of problem, stable for clients to switch "
            "on: `urn:newsdesk:problem:` followed by validation-error, malformed-json, "
            "unsupported-media-type, body-too-large, not-found, job-not-found, "
            "method-not-allowed, unauthorized, rate-limited, job-ended, "
            "queue-unavailable, not-ready, internal-error, batch-not-found "
            "or idempotency-conflict; "
            "`about:blank` for a plain HTTP status.",
            "format": "uri-reference",
        },
    )
    title = fields.String(
        required=True, metadata={"description": "Short summary of the kind of problem."}
    )
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    detail = fields.String(
        required=True, metadata={"description": "What went wrong with this request."}
    )
    request_id = fields.String(
        metadata={"description": "The request's `X-Request-ID`; quote it when reporting."}
    )
    errors = fields.List(
        fields.Nested(FieldProblemSchema),
        metadata={"description": "Every failing field (422 only)."},
    )


class HealthSchema(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(("ok",)),
        metadata={"description": "Always `ok`: the process answers."},
    )


class ReadySchema(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(("ready",)),
        metadata={"description": "`ready`: Redis answers and workers are listening."},
    )
    workers = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "RQ workers registered for the queue."},
    )


# --- batches -------------------------------------------------------------------------

MAX_BATCH_ARTICLES = 100
BATCH_JOB_STATUSES: tuple[str, ...] = (*JOB_STATUSES, "expired")


class BatchRequestSchema(Schema):
    """Up to 100 articles, each with the fields and rules of `POST /v1/articles`."""

    articles = fields.List(
        # Any object here: each article is validated on its own by the route, so that one
        # bad article is reported by its index instead of refusing the batch.
        fields.Dict(
            metadata={
                "description": "An article: the fields and rules of `ArticleRequest` "
                "(the body of `POST /v1/articles`)."
            }
        ),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH_ARTICLES),
        metadata={
            "description": f"1 to {MAX_BATCH_ARTICLES} articles, each an object with the "
            "fields of `ArticleRequest`. Each is validated on its own: the valid ones are "
            "queued, the others listed in the batch's `errors`."
        },
    )
    callback_url = fields.Url(
        schemes={"http", "https"},
        validate=validate.Length(max=MAX_CALLBACK_URL_CHARS),
        metadata={
            "description": "Webhook for every job of the batch: one POST per job, as each "
            "job ends (an article's own `callback_url` wins over it). Same rules as an "
            "article's `callback_url`.",
            "format": "uri",
        },
    )

    @pre_load
    def _faithful(self, data: Any, **_kwargs: Any) -> Any:
        refuse_unfaithful(data, _an_article)
        return data


def _an_article(path: Path, value: Any) -> bool:
    # Each article (an object) is checked on its own, with its other rules, by the route.
    return len(path) == 2 and path[0] == "articles" and isinstance(value, dict)


class BatchJobSchema(Schema):
    index = fields.Integer(
        required=True, metadata={"description": "Position of the article in `articles`."}
    )
    id = fields.String(required=True, metadata={"description": "Job id.", "format": "uuid"})
    status = fields.String(
        validate=validate.OneOf(BATCH_JOB_STATUSES),
        metadata={"description": "The job's status now; `expired` once the job is no longer kept."},
    )
    url = fields.String(
        required=True,
        metadata={"description": "The job's URL, `/v1/jobs/{job_id}`: read its result there."},
    )


class BatchArticleErrorSchema(Schema):
    index = fields.Integer(
        required=True, metadata={"description": "Position of the refused article in `articles`."}
    )
    errors = fields.List(
        fields.Nested(FieldProblemSchema),
        required=True,
        metadata={
            "description": "Each failing field, named from the batch body "
            "(`articles.3.text`, pointer `#/articles/3/text`)."
        },
    )


class BatchSchema(Schema):
    """A batch of jobs. Results are not embedded: read each job at its `url`."""

    id = fields.String(required=True, metadata={"description": "Batch id.", "format": "uuid"})
    created_at = fields.String(
        required=True,
        metadata={"description": "When the batch was made (UTC, ISO 8601).", "format": "date-time"},
    )
    callback_url = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The batch's `callback_url`; null when none."},
    )
    counts = fields.Dict(
        keys=fields.String(validate=validate.OneOf(BATCH_JOB_STATUSES)),
        values=fields.Integer(validate=validate.Range(min=0)),
        required=True,
        metadata={
            "description": "Jobs by status: `queued`, `started`, `finished`, `failed`, "
            "`expired` (every status, zeros included)."
        },
    )
    jobs = fields.List(
        fields.Nested(BatchJobSchema),
        required=True,
        metadata={"description": "One job per valid article, in the order of `articles`."},
    )
    errors = fields.List(
        fields.Nested(BatchArticleErrorSchema),
        required=True,
        metadata={"description": "The refused articles, by index; `[]` when all were valid."},
    )


# Examples for the documentation: recorded from a real run of the service on an
# invented article (scripts/record_examples.py); a test keeps them true to the pipeline.
EXAMPLES: dict[str, Any] = json.loads(
    resources.files("service").joinpath("examples.json").read_text(encoding="utf-8")
)
ARTICLE_EXAMPLE: dict[str, Any] = EXAMPLES["article"]
JOB_QUEUED_EXAMPLE: dict[str, Any] = EXAMPLES["queued"]
JOB_FINISHED_EXAMPLE: dict[str, Any] = EXAMPLES["finished"]
JOB_FAILED_EXAMPLE: dict[str, Any] = EXAMPLES["failed"]
RESULT_EXAMPLE: dict[str, Any] = JOB_FINISHED_EXAMPLE["result"]
JOB_CANCELED_EXAMPLE: dict[str, Any] = EXAMPLES["canceled"]
# A running job asked to stop: it shows `started` until its next step.
JOB_STOPPING_EXAMPLE: dict[str, Any] = {
    **JOB_QUEUED_EXAMPLE,
    "status": "started",
    "started_at": JOB_FINISHED_EXAMPLE["started_at"],
}
BATCH_REQUEST_EXAMPLE: dict[str, Any] = EXAMPLES["batch_request"]
BATCH_QUEUED_EXAMPLE: dict[str, Any] = EXAMPLES["batch_queued"]
BATCH_EXAMPLE: dict[str, Any] = EXAMPLES["batch"]
# A lightly edited copy of an earlier article, both asking for `duplicates`: the copy's job
# lists the earlier one, and GET /similar of the earlier one lists the copy.
DUPLICATE_ARTICLES_EXAMPLE: list[dict[str, Any]] = EXAMPLES["duplicate_articles"]
JOB_DUPLICATE_EXAMPLE: dict[str, Any] = EXAMPLES["duplicate"]
SIMILAR_EXAMPLE: dict[str, Any] = EXAMPLES["similar"]
