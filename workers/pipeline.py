"""One article in, one result out: cleanup, then one spaCy Doc shared by entities and stats.

Plain data in and out (no Redis, no Flask), so it is tested directly. It never
raises on any string: every analysis copes with empty text, and what an analysis
could not do well is reported in ``warnings`` instead.

The analyses after cleanup read one text, the *body*: ``cleanup.text`` when cleanup runs,
else the submitted text (for HTML, the text trafilatura extracts from it: markup is not
prose). A body longer than the server's character limit is cut to it, at a paragraph break
when there is one, so that a page of any size costs the model no more than the longest
text the API accepts; so is a body with more tokens than the model parses
(``max_tokens``) when an analysis needs the parse, since the model's time goes with its
tokens and some texts have twice an article's tokens a character. Cleanup itself reads a
text only up to ``bounds.MAX_LINES`` lines, and a page only up to ``bounds.MAX_TAGS``
tags and the character limit of its text (``workers.cleanup.bounds``). Each analysis that read
a cut text says so in a ``truncated`` warning. Every cut keeps the start, so every offset
stays exact.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from spacy.language import Language

from newsdesk.results import DEFAULT_ANALYSES
from newsdesk.settings import default
from newsdesk.similarity import Fingerprint
from workers import duplicates, entities, gazetteer, quotes, stats
from workers.chunks import Parsed, model_reach, parse
from workers.cleanup import bounds, clean, clean_page, html
from workers.nlp import get_model

_WARM_UP_TEXT = (
    "The city council of Springfield voted on Tuesday to repair the old bridge. "
    "Work will start in May and cost about two million dollars, officials said."
)


def warm_up(spacy_model: str | None = None) -> None:
    """Load everything slow once per process so the first job is as fast as the rest."""
    nlp = get_model(spacy_model)
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


_SPACE = re.compile(r"\s")


def truncate(text: str, limit: int) -> str:
    """The start of `text`, at most `limit` characters, ending where a reader would stop.

    At the last paragraph break that leaves at most `limit` characters, else at white
    space, else at the limit itself. Always a prefix, so offsets into it are offsets into
    `text` too.
    """
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    paragraph = text.rfind("\n\n", 0, limit + 2)
    if paragraph > 0 and text[:paragraph].strip():
        return text[:paragraph].rstrip()
    spaces = [m.start() for m in _SPACE.finditer(text, max(0, limit - 1000), limit + 1)]
    if spaces and text[: spaces[-1]].strip():
        return text[: spaces[-1]].rstrip()
    return text[:limit]


@dataclass
class _Run:
    """One article being analysed: what its steps share, each part made once when needed."""

    article: Mapping[str, Any]
    text: str
    title: str | None
    requested: frozenset[str]
    options: Mapping[str, Any]
    reading_wpm: int
    speaking_wpm: int
    max_text_chars: int
    max_tokens: int
    nlp: Language | None
    timings: dict[str, float] | None
    checkpoint: Callable[[], None] | None
    find_similar: Callable[[Fingerprint], list[dict[str, Any]]] | None
    result: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    body_size: int | None = None  # the body's length before it was cut, when it was
    # What cut the body when it was cut: "chars" (`max_text_chars`), "tokens"
    # (`max_tokens`), or "input" (cleanup read only the start of the submitted text: up to
    # `MAX_LINES` lines, or of a page up to `MAX_TAGS` tags and `max_text_chars` of its text).
    cut_by: str | None = None
    _cleaned: dict[str, Any] | None = None
    _body: str | None = None
    _language: dict[str, Any] | None = None
    _parsed: Parsed | None = None
    _parsed_entities: bool = False

    def timed(self, step: str, checkpoint: bool = True) -> Any:
        return _timed(self.timings, step, self.checkpoint if checkpoint else None)

    def cleaned(self) -> dict[str, Any]:
        """Cleanup's result, made once: cleanup and duplicates both read it."""
        if self._cleaned is None:
            # Cleanup's time goes with its text and its lines: what no article holds
            # (more of a page's text than is analysed, more lines) is not read.
            if html.is_html(self.text, self.article.get("content_type")):
                page = self.page()
                text = bounds.cut_lines(truncate(page.text, self.max_text_chars))
                if len(text) < len(page.text):
                    self.cut_by = "input"
                self._cleaned = clean_page(replace(page, text=text), self.title)
            else:
                text = bounds.cut_lines(self.text)
                if len(text) < len(self.text):
                    self.cut_by = "input"
                self._cleaned = clean(text, self.title, content_type="text/plain")
        return self._cleaned

    def page(self) -> html.Extracted:
        """The submitted page's text and metadata (trafilatura's), up to `bounds.MAX_TAGS` tags."""
        page = html.extract(self.text)
        if page.cut:
            self.cut_by = "input"
        return page

    def set_body(self, text: str) -> str:
        kept = truncate(text, self.max_text_chars)
        if len(kept) < len(text):
            self.cut_by = "chars"
        if any(step.parse and step.name in self.requested for step in STEPS):
            # Only tokenizes (about 5% of the parse's time), in the step that sets the body.
            reach = model_reach(self.model(), kept, self.max_tokens)
            if reach < len(kept):
                kept = truncate(kept, reach)
                self.cut_by = "tokens"
        if self.cut_by is not None:
            self.body_size = len(text)
        self._body = kept
        return kept

    def body(self) -> str:
        """The text the analyses after cleanup read (set by cleanup when it runs)."""
        if self._body is None:
            text = self.text
            if html.is_html(text, self.article.get("content_type")):
                if self._cleaned is not None:
                    text = self._cleaned["source_text"] or ""
                else:
                    with self.timed("extract"):
                        text = self.page().text
            self.set_body(text)
        assert self._body is not None
        return self._body

    def truncated(self, analysis: str, size: int, kept: int) -> None:
        if self.cut_by == "input":
            lines, tags = bounds.MAX_LINES, bounds.MAX_TAGS
            read = (
                f"the server reads at most {lines:,} lines of a text, and of a page at most "
                f"{tags:,} tags and {self.max_text_chars:,} characters of its text"
            )
            if analysis == "cleanup":
                detail = (
                    f"Only the start of the text was read ({read}): `text` is the body found "
                    "there, and the other analyses read only that."
                )
            else:
                detail = f"Only the start of the text was analysed ({read})."
            self.warnings.append({"analysis": analysis, "code": "truncated", "detail": detail})
            return
        if self.cut_by == "tokens":
            over = f"has more than {self.max_tokens:,} tokens, the most the server parses"
            limit = f"the server parses at most {self.max_tokens:,} tokens of a body"
        else:
            over = f"is {size:,} characters, over the server's limit of {self.max_text_chars:,}"
            limit = f"the server's limit is {self.max_text_chars:,} characters"
        if analysis == "cleanup":
            detail = (
                f"The body {over}: `text` keeps its first {kept:,} characters, up to a "
                "paragraph break, and the other analyses read only those."
            )
        else:
            detail = (
                f"Only the first {kept:,} of the body's {size:,} characters were analysed "
                f"({limit})."
            )
        self.warnings.append({"analysis": analysis, "code": "truncated", "detail": detail})

    def language(self) -> dict[str, Any]:
        if self._language is None:
            body = self.body()
            with self.timed("language"):
                self._language = stats.detect_language(body, self.article.get("language"))
        return self._language

    def english(self) -> bool:
        return stats.is_english(self.language())

    def model(self) -> Language:
        return self.nlp or get_model()

    def parsed(self, entities: bool = True) -> Parsed:
        """The spaCy parse the analyses share; `entities=False` is enough for sentences."""
        if self._parsed is None or (entities and not self._parsed_entities):
            body = self.body()
            model = self.model()
            with self.timed("nlp"):
                # in paragraph-aligned chunks when long; sentence boundaries only need the
                # senter, without the costlier NER
                self._parsed = parse(model, body, disable=[] if entities else ["ner"])
            self._parsed_entities = entities
        return self._parsed


def _cleanup(run: _Run) -> dict[str, Any]:
    cleaned = dict(run.cleaned())
    body = cleaned["text"]
    if run.text.strip() and not body:
        run.warnings.append(
            {
                "analysis": "cleanup",
                "code": "empty_after_cleanup",
                "detail": "Everything in the text looked like page furniture; the body is empty.",
            }
        )
    kept = run.set_body(body)
    if len(kept) < len(body):
        cleaned["text"] = kept
        # one span per paragraph of `text`; a paragraph cut short keeps its whole span
        cleaned["paragraphs"] = cleaned["paragraphs"][: kept.count("\n\n") + 1] if kept else []
    run.title = cleaned["title"]
    return cleaned


def _find_duplicates(run: _Run) -> dict[str, Any]:
    if "cleanup" in run.requested:
        body = run.body()
    else:
        # Shingling a page's navigation would match every page of the same site.
        whole = run.cleaned()["text"]
        body = truncate(whole, run.max_text_chars)
        if len(body) < len(whole) or run.cut_by == "input":
            run.truncated("duplicates", len(whole), len(body))
    found, warnings = _duplicates(body, run.find_similar)
    run.warnings.extend(warnings)
    return found


def _entities(run: _Run) -> list[dict[str, Any]]:
    return entities.extract(run.parsed(), run.title, run.options.get("entities"))


def _quotes(run: _Run) -> list[dict[str, Any]]:
    # Speakers link to the final entity list when there is one.
    return quotes.extract(run.parsed(), run.result.get("entities"))


def _stats(run: _Run) -> dict[str, Any]:
    figures, warnings = stats.compute(
        run.body(),
        [chunk for _, chunk in run.parsed(entities=False).chunks],
        language=run.language(),
        reading_wpm=run.reading_wpm,
        speaking_wpm=run.speaking_wpm,
        entities=run.result.get("entities") if run.english() else None,
    )
    run.warnings.extend(warnings)
    return figures


@dataclass(frozen=True)
class Step:
    """One analysis: how it runs, and what it needs made before its own time starts."""

    name: str
    run: Callable[[_Run], Any]
    # The spaCy parse it reads: made, and timed as `nlp`, before the step's own time.
    parse: Literal["entities", "sentences"] | None = None
    # What it does, for the warning a text not in English gets instead of a result.
    english_only: str | None = None
    # Whether a cancelled job may stop before it (duplicates is cheap and ends nothing).
    checkpoint: bool = True
    # Whether it reads the body (and so says when the body was cut).
    reads_body: bool = True


# The one order the analyses run in: duplicates reads cleanup's body; the analyses that
# share the spaCy parse come last, entities before quotes (whose speakers link to them).
STEPS: tuple[Step, ...] = (
    Step("cleanup", _cleanup),
    Step("duplicates", _find_duplicates, checkpoint=False, reads_body=False),
    Step("entities", _entities, parse="entities", english_only="Entity recognition"),
    Step("quotes", _quotes, parse="entities", english_only="Quote attribution"),
    Step("stats", _stats, parse="sentences"),
)


def _requested(article: Mapping[str, Any]) -> frozenset[str]:
    asked = article.get("analyses")
    return frozenset(DEFAULT_ANALYSES if asked is None else asked)


def analyze(
    article: Mapping[str, Any],
    *,
    reading_wpm: int = default("reading_wpm"),
    speaking_wpm: int | None = None,
    max_text_chars: int | None = None,
    max_tokens: int | None = None,
    nlp: Language | None = None,
    timings: dict[str, float] | None = None,
    checkpoint: Callable[[], None] | None = None,
    find_similar: Callable[[Fingerprint], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The result for one article; see ``newsdesk.results.ResultSchema`` for its shape.

    ``timings``, when given, receives the seconds each step took: the analyses, and
    `language` (detection), `nlp` (the spaCy parse they share) and `extract` (HTML turned
    into text when cleanup, which does it otherwise, is not asked for).

    ``find_similar`` looks a fingerprint up in the duplicates index (the job layer gives
    one bound to Redis); without it `duplicates` lists no matches and says why.

    ``article["options"]`` holds per-analysis options as the API accepted them
    (``{"stats": {"reading_wpm": 200}}``); ``reading_wpm`` and ``speaking_wpm`` are the
    server's defaults (``speaking_wpm`` from the settings when not given), and
    ``max_text_chars`` the longest body analysed and ``max_tokens`` the most tokens of it
    the model parses (both from the settings when not given).

    ``checkpoint``, when given, is called before each step; whatever it raises ends the
    analysis there (a cancelled job).
    """
    text = article.get("text") or ""
    if not isinstance(text, str):
        text = str(text)
    options = article.get("options") or {}
    stats_options = options.get("stats") or {}
    run = _Run(
        article=article,
        text=text,
        title=article.get("title") or None,
        requested=_requested(article),
        options=options,
        reading_wpm=stats_options.get("reading_wpm") or reading_wpm,
        speaking_wpm=(stats_options.get("speaking_wpm") or speaking_wpm or default("speaking_wpm")),
        max_text_chars=default("max_text_chars") if max_text_chars is None else max_text_chars,
        max_tokens=default("max_tokens") if max_tokens is None else max_tokens,
        nlp=nlp,
        timings=timings,
        checkpoint=checkpoint,
        find_similar=find_similar,
    )
    for step in STEPS:
        if step.name not in run.requested:
            continue
        if step.parse is not None:
            if step.english_only and not run.english():
                run.result[step.name] = []
                run.warnings.append(
                    {
                        "analysis": step.name,
                        "code": "language_unsupported",
                        "detail": f"{step.english_only} is for English; the text is "
                        f"'{run.language()['code']}'.",
                    }
                )
                continue
            run.language()
            run.parsed(entities=step.parse == "entities")
        with run.timed(step.name, step.checkpoint):
            run.result[step.name] = step.run(run)
        if step.reads_body and run.body_size is not None:
            run.truncated(step.name, run.body_size, len(run.body()))
    run.result["warnings"] = run.warnings
    return run.result
