"""What the API accepts and answers, as marshmallow schemas: validation and openapi.yaml in one.

Limits that come from settings (`NEWSDESK_MAX_TEXT_CHARS`, `NEWSDESK_MAX_WAIT`) are given
to the schema instance, so the published document states the limits this server enforces.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from newsdesk.results import ANALYSES, DEFAULT_ANALYSES, ENTITY_TYPES, MatchSchema, ResultSchema

MAX_METADATA_BYTES = 4096
JOB_STATUSES: tuple[str, ...] = ("queued", "started", "finished", "failed")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def _no_repeats(values: list[str]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Must not name an analysis twice.")


def _small_metadata(value: dict[str, Any]) -> None:
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise ValidationError(
            f"Must be at most {MAX_METADATA_BYTES} bytes as compact JSON (got {size})."
        )


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
        metadata={"description": "Headline, when the client knows it; used in cleanup."}
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
        metadata={
            "description": "Where the article was published (http or https).",
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
            f"at most {MAX_METADATA_BYTES} bytes as compact JSON."
        },
    )

    def __init__(self, *, max_text_chars: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        text = self.fields["text"]
        # a new list: fields are copied shallowly, so appending would reach every instance
        text.validators = [*text.validators, validate.Length(max=max_text_chars)]


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
            "(see `result`) or `failed` (see `error`)."
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
            "description": "When it finished or failed; null until then.",
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
            "`language` (detection), `nlp` (the spaCy parse the analyses share), `entities`, "
            "`quotes`, `stats`, `duplicates` (those that ran) and `total`. `{}` until then."
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
        validate=validate.OneOf(("body", "query")),
        metadata={"description": "`body` for the JSON body, `query` for a query parameter."},
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
            "method-not-allowed, queue-unavailable, not-ready or internal-error; "
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
