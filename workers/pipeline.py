"""One article in, one result out: cleanup, then one spaCy Doc shared by entities and stats.

Plain data in and out (no Redis, no Flask), so it is tested directly. It never
raises on any string: every analysis copes with empty text, and what an analysis
could not do well is reported in ``warnings`` instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from newsdesk.results import ANALYSES, DEFAULT_ANALYSES
from newsdesk.settings import load
from newsdesk.similarity import Fingerprint
from workers import duplicates, entities, gazetteer, quotes, stats
from workers.chunks import Parsed, parse
from workers.cleanup import clean
from workers.nlp import get_model

_WARM_UP_TEXT = (
    "The city council of Springfield voted on Tuesday to repair the old bridge. "
    "Work will start in May and cost about two million dollars, officials said."
)


def warm_up() -> None:
    """Load everything slow once per process so the first job is as fast as the rest."""
    nlp = get_model()
    nlp(_WARM_UP_TEXT)
    stats.language_identifier()
    gazetteer.index()
    stats.readability(_WARM_UP_TEXT)  # loads textstat's pronunciation dictionary
    clean(_WARM_UP_TEXT)


def _duplicates(
    body: str, find_similar: Callable[[Fingerprint], list[dict[str, Any]]] | None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    fingerprint = duplicates.fingerprint(body)
    found = {"indexed": False, "shingles": fingerprint.size, "matches": []}
    if duplicates.too_short(fingerprint):
        detail = "The body is too short to fingerprint; it is not compared or indexed."
        return found, [{"analysis": "duplicates", "code": "too_short", "detail": detail}]
    if find_similar is None:
        detail = "Duplicates are looked up in the service's index; this run has none."
        return found, [{"analysis": "duplicates", "code": "no_index", "detail": detail}]
    return {**found, "indexed": True, "matches": find_similar(fingerprint)}, []


@contextmanager
def _timed(
    timings: dict[str, float] | None, step: str, checkpoint: Callable[[], None] | None = None
) -> Iterator[None]:
    """Add the seconds a step takes to `timings` (a job records them; metrics chart them).

    `checkpoint` runs before the step: the job layer's way to stop a job between steps.
    """
    if checkpoint is not None:
        checkpoint()
    if timings is None:
        yield
        return
    began = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = round(timings.get(step, 0.0) + time.perf_counter() - began, 6)


def _requested(article: Mapping[str, Any]) -> list[str]:
    asked = article.get("analyses")
    if asked is None:
        return list(DEFAULT_ANALYSES)
    return [name for name in ANALYSES if name in asked]


def analyze(
    article: Mapping[str, Any],
    *,
    reading_wpm: int = 230,
    speaking_wpm: int | None = None,
    nlp: Language | None = None,
    timings: dict[str, float] | None = None,
    checkpoint: Callable[[], None] | None = None,
    find_similar: Callable[[Fingerprint], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The result for one article; see ``newsdesk.results.ResultSchema`` for its shape.

    ``timings``, when given, receives the seconds each step took: the analyses, and
    `language` (detection) and `nlp` (the spaCy parse they share).

    ``find_similar`` looks a fingerprint up in the duplicates index (the job layer gives
    one bound to Redis); without it `duplicates` lists no matches and says why.

    ``article["options"]`` holds per-analysis options as the API accepted them
    (``{"stats": {"reading_wpm": 200}}``); ``reading_wpm`` and ``speaking_wpm`` are the
    server's defaults (``speaking_wpm`` from the settings when not given).

    ``checkpoint``, when given, is called before each step; whatever it raises ends the
    analysis there (a cancelled job).
    """
    text = article.get("text") or ""
    if not isinstance(text, str):
        text = str(text)
    title = article.get("title") or None
    requested = _requested(article)
    options = article.get("options") or {}
    stats_options = options.get("stats") or {}
    reading_wpm = stats_options.get("reading_wpm") or reading_wpm
    speaking_wpm = stats_options.get("speaking_wpm") or speaking_wpm or load().speaking_wpm
    result: dict[str, Any] = {}
    warnings: list[dict[str, str]] = []

    analysed = text
    if "cleanup" in requested:
        with _timed(timings, "cleanup", checkpoint):
            cleaned = clean(text, title, content_type=article.get("content_type"))
        result["cleanup"] = cleaned
        analysed = cleaned["text"]
        title = cleaned["title"]
        if text.strip() and not analysed:
            warnings.append(
                {
                    "analysis": "cleanup",
                    "code": "empty_after_cleanup",
                    "detail": "Everything in the text looked like page furniture; "
                    "the body is empty.",
                }
            )

    if "duplicates" in requested:
        with _timed(timings, "duplicates"):
            # Shingling a page's navigation would match every page of the same site.
            body = (
                analysed
                if "cleanup" in requested
                else clean(text, title, content_type=article.get("content_type"))["text"]
            )
            result["duplicates"], duplicate_warnings = _duplicates(body, find_similar)
        warnings.extend(duplicate_warnings)

    if not {"entities", "quotes", "stats"} & set(requested):
        result["warnings"] = warnings
        return result

    with _timed(timings, "language", checkpoint):
        language = stats.detect_language(analysed, article.get("language"))
    english = stats.is_english(language)
    model = nlp or get_model()
    parsed: Parsed | None = None
    doc: Doc | None = None

    if "entities" in requested:
        if english:
            with _timed(timings, "nlp", checkpoint):
                parsed = parse(model, analysed)  # in paragraph-aligned chunks when long
            doc = parsed.doc
            with _timed(timings, "entities", checkpoint):
                result["entities"] = entities.extract(parsed, title, options.get("entities"))
        else:
            result["entities"] = []
            warnings.append(
                {
                    "analysis": "entities",
                    "code": "language_unsupported",
                    "detail": f"Entity recognition is for English; the text is "
                    f"'{language['code']}'.",
                }
            )

    if "quotes" in requested:
        if english:
            if parsed is None:
                with _timed(timings, "nlp", checkpoint):
                    parsed = parse(model, analysed)
            # Speakers link to the final entity list when there is one.
            with _timed(timings, "quotes", checkpoint):
                result["quotes"] = quotes.extract(parsed, result.get("entities"))
        else:
            result["quotes"] = []
            warnings.append(
                {
                    "analysis": "quotes",
                    "code": "language_unsupported",
                    "detail": f"Quote attribution is for English; the text is "
                    f"'{language['code']}'.",
                }
            )

    if "stats" in requested:
        if parsed is None and doc is not None:
            parsed = Parsed.from_doc(doc)
        if parsed is None:
            # Sentence boundaries only: the same senter, without the costlier NER.
            with _timed(timings, "nlp", checkpoint):
                parsed = parse(model, analysed, disable=["ner"])
        with _timed(timings, "stats", checkpoint):
            result["stats"], stats_warnings = stats.compute(
                analysed,
                [chunk for _, chunk in parsed.chunks],
                language=language,
                reading_wpm=reading_wpm,
                speaking_wpm=speaking_wpm,
                entities=result.get("entities") if english else None,
            )
        warnings.extend(stats_warnings)

    result["warnings"] = warnings
    return result
