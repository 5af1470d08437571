"""The shape of an analysis result: the one contract between workers and API.

Workers validate every result against ``ResultSchema`` before storing it; the API
documents the same schema in openapi.yaml. Plain marshmallow, no NLP imports, so
the web tier can use it.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

ANALYSES: tuple[str, ...] = ("cleanup", "entities", "quotes", "stats")

REMOVAL_REASONS: tuple[str, ...] = (
    "navigation",
    "share",
    "subscription",
    "login",
    "cookie",
    "caption",
    "credit",
    "related",
    "advertisement",
    "newsletter",
    "comments",
    "footer",
    "duplicate",
    "metadata",
    "other",
)

ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
)


class RemovedSchema(Schema):
    text = fields.String(required=True, metadata={"description": "The removed text."})
    reason = fields.String(
        required=True,
        validate=validate.OneOf(REMOVAL_REASONS),
        metadata={"description": "Why it was removed: one of a closed list."},
    )
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "Start offset in the submitted text (Python string index)."},
    )
    end = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "End offset (exclusive) in the submitted text."},
    )


class CleanupSchema(Schema):
    text = fields.String(
        required=True,
        metadata={"description": "The article body: paragraphs separated by one blank line."},
    )
    title = fields.String(
        required=True, allow_none=True, metadata={"description": "Headline, or null."}
    )
    byline = fields.String(
        required=True, allow_none=True, metadata={"description": "Byline as printed, or null."}
    )
    published_at = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "Publication date and time found in the text, ISO 8601; "
            "null when absent (never guessed)."
        },
    )
    removed = fields.List(
        fields.Nested(RemovedSchema),
        required=True,
        metadata={"description": "Every piece removed from the submitted text, in order."},
    )


class MentionSchema(Schema):
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Start offset (Python string index) into `cleanup.text` when "
            "cleanup ran, else into the submitted text."
        },
    )
    end = fields.Integer(
        required=True, validate=validate.Range(min=0), metadata={"description": "End, exclusive."}
    )
    text = fields.String(required=True, metadata={"description": "The mention as written."})


class EntitySchema(Schema):
    name = fields.String(required=True, metadata={"description": "Most complete form seen."})
    type = fields.String(
        required=True,
        validate=validate.OneOf(ENTITY_TYPES),
        metadata={"description": "OntoNotes entity label."},
    )
    count = fields.Integer(
        required=True, validate=validate.Range(min=1), metadata={"description": "Mentions."}
    )
    salience = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "Importance to the article, 0 to 1 (see README)."},
    )
    mentions = fields.List(
        fields.Nested(MentionSchema),
        required=True,
        metadata={"description": "Every mention of this entity, in text order."},
    )


class SpeakerSchema(Schema):
    name = fields.String(
        required=True,
        metadata={
            "description": "Who is quoted: the linked entity's `name` (its most complete form) "
            'when there is one, else the name as written, without a leading "the".'
        },
    )
    entity_index = fields.Integer(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Index in this result's `entities` list of the speaker's entity; "
            "null when the entities analysis did not run or has no such entry."
        },
    )
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Start offset of the words that name the speaker for this quotation "
            '(the name; the pronoun or "the group" for `pronoun` and `reference`; the '
            "previous quotation's speaker for `continuation`), into the same text as the "
            "quotation."
        },
    )
    end = fields.Integer(
        required=True, validate=validate.Range(min=0), metadata={"description": "End, exclusive."}
    )
    attribution = fields.String(
        required=True,
        validate=validate.OneOf(("explicit", "pronoun", "reference", "continuation")),
        metadata={
            "description": "How the speaker was found: `explicit` (named beside a speech verb or "
            'after "according to"), `pronoun` ("he said": the person who last spoke before it, '
            "else the last person named, when no other person shares that sentence), "
            '`reference` ("the group said": the last organisation named, preferring one whose '
            "name holds the noun) or `continuation` (a quotation with no attribution of its own "
            "after one that has it, with no other person named between them)."
        },
    )


class QuoteSchema(Schema):
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Offset of the opening quote mark, into `cleanup.text` when cleanup "
            "ran, else into the submitted text."
        },
    )
    end = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "End (exclusive), after the closing mark; a quotation over several "
            "paragraphs runs to the mark that closes its last paragraph."
        },
    )
    text = fields.String(
        required=True,
        metadata={
            "description": "The quotation without its quote marks (nor the marks that reopen "
            "it at each paragraph); paragraphs separated by a blank line."
        },
    )
    speaker = fields.Nested(
        SpeakerSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Who said it; null when no speaker is named."},
    )


def _index(description: str) -> fields.Float:
    return fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": description + " Computed with textstat; null when not English."},
    )


class ReadabilitySchema(Schema):
    """Each index is null when the text is not English or too short for the formula."""

    flesch_reading_ease = _index("Flesch reading ease: higher is easier; 60-70 is plain English.")
    flesch_kincaid_grade = _index("Flesch-Kincaid grade: US school grade needed to follow it.")
    gunning_fog = _index("Gunning fog index: years of schooling needed on a first reading.")
    smog_index = _index("SMOG grade, from words of three or more syllables.")
    coleman_liau_index = _index("Coleman-Liau index: grade from letters and sentences per word.")
    automated_readability_index = _index("Automated readability index (ARI): grade level.")
    dale_chall_readability_score = _index("Dale-Chall score, from words outside a familiar list.")


class LanguageSchema(Schema):
    code = fields.String(
        required=True, allow_none=True, metadata={"description": "ISO 639-1 code, or null."}
    )
    confidence = fields.Float(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "Detector confidence 0 to 1; null when given as a hint."},
    )
    source = fields.String(
        required=True,
        validate=validate.OneOf(("detected", "hint")),
        metadata={"description": "`hint` when the request's `language` was used."},
    )


def _count(description: str) -> fields.Integer:
    return fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": description + " The analysed text is `cleanup.text` when cleanup "
            "ran, else the submitted text."
        },
    )


class StatsSchema(Schema):
    characters = _count("Characters of the analysed text.")
    words = _count("Words of the analysed text.")
    sentences = _count("Sentences, with the same boundaries as the entities analysis.")
    paragraphs = _count("Paragraphs (blocks separated by a blank line).")
    reading_time_seconds = fields.Float(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "words / NEWSDESK_READING_WPM * 60."},
    )
    readability = fields.Nested(
        ReadabilitySchema, required=True, metadata={"description": "Readability indices."}
    )
    language = fields.Nested(
        LanguageSchema, required=True, metadata={"description": "Language of the text."}
    )


class WarningSchema(Schema):
    analysis = fields.String(
        required=True,
        validate=validate.OneOf(ANALYSES),
        metadata={"description": "The analysis the warning is about."},
    )
    code = fields.String(required=True, metadata={"description": "Machine-readable reason."})
    detail = fields.String(required=True, metadata={"description": "Human-readable reason."})


class ResultSchema(Schema):
    """Only the analyses that were asked for are present."""

    cleanup = fields.Nested(
        CleanupSchema, metadata={"description": "The article's body and metadata."}
    )
    entities = fields.List(
        fields.Nested(EntitySchema),
        metadata={"description": "One entry per entity, most salient first."},
    )
    quotes = fields.List(
        fields.Nested(QuoteSchema),
        metadata={"description": "Every direct quotation, in text order, with its speaker."},
    )
    stats = fields.Nested(StatsSchema, metadata={"description": "Summary statistics."})
    warnings = fields.List(
        fields.Nested(WarningSchema),
        required=True,
        metadata={"description": "What an analysis could not do well (e.g. unsupported language)."},
    )
