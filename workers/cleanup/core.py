"""Cleanup of pasted text: UI rules name the furniture, a line model finds the body.

Works on lines of the submitted string (``features``), so every removed piece and every
body paragraph keeps its span in what the client sent. First the rules (``rules``, with the
words of ``vocabulary``) give lines a reason when their words say what they are (share,
login, cookie, credit...) and find the header (headline, standfirst, byline, date line);
then the line model (``model``) scores every line for being article body from its shape
and its neighbours'; lines it does not keep get the rule's reason or one from their shape
and place. Unicode repair (ftfy) and white-space normalisation touch only what we output.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np

from workers.cleanup import byline, headline, html, metadata, rules
from workers.cleanup.features import (
    BULLET,
    WORD,
    Line,
    comparison_key,
    ends_sentence,
    fix_text,
    headline_shaped,
    normalise,
    split_lines,
    word_count,
)
from workers.cleanup.model import LineModel, shipped
from workers.cleanup.rules import Header

# Reasons found from the words of UI text: sure enough to remove even inside the body run.
_SURE = frozenset(
    (
        "share",
        "subscription",
        "login",
        "cookie",
        "caption",
        "credit",
        "advertisement",
        "newsletter",
        "comments",
        "metadata",
        "other",
    )
)
# UI words glued to the end of real text with no space: "...at 00:41Credit: Defense Ministry".
_GLUED_UI = re.compile(
    r"(?<=[a-z0-9.!?\"”’)\]])(?=(?:Credits?:|Photo:|Image:|Source:|Share\b|Advertisement\b|"
    r"Subscribe\b|Sign (?:in|up)\b|Read more\b|Related\b|Getty Images\b))"
)
# Every match of _GLUED_UI starts with one of these: lines without any skip the pattern.
_GLUED_HINT = re.compile(
    r"Credit|Photo:|Image:|Source:|Share|Advertisement|Subscribe|Sign |Read more|Related|"
    r"Getty Images"
)
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])-$")
# Characters of a paragraph's end kept while joining its lines: more than `_HYPHEN_END`
# reads (a letter, the hyphen, a final line break).
_TAIL = 8


def _split_glued(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        if not _GLUED_HINT.search(line.text):
            out.append(line)
            continue
        cuts = [m.start() for m in _GLUED_UI.finditer(line.text) if m.start() > 0]
        if not cuts:
            out.append(line)
            continue
        bounds = [0, *cuts, len(line.text)]
        for n, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            text = line.text[lo:hi]
            words = WORD.findall(text)
            piece = Line(
                line.start + lo,
                line.start + hi,
                text,
                line.blank_before if n == 0 else False,
                words,
                word_count(words, text),
            )
            piece.indent = line.indent if n == 0 else 0
            piece.blank_after = line.blank_after if hi == len(line.text) else False
            out.append(piece)
    return out


def prepare(submitted: str, title: str | None = None) -> tuple[list[Line], Header]:
    """Lines with what the UI rules say about them: the model's input."""
    lines = _split_glued(split_lines(submitted))
    for line in lines:
        line.reason = rules.classify(line)
        # Not prose whatever its neighbours: removed even where the model would keep it.
        line.sure = line.reason == "navigation" and rules.sure_navigation(line)
    for before, after in itertools.pairwise(lines):
        # Text glued to a credit is the photo's caption, however long: a caption is often
        # a full sentence, and body text never runs into a credit with no space.
        if after.reason == "credit" and before.end == after.start and before.reason is None:
            before.reason = "caption"
    rules.mark_caption_copies(lines)
    rules.mark_menu_runs(lines)
    rules.mark_teasers(lines)
    _mark_glued_cards(lines)
    _mark_teaser_runs(lines)
    header = rules.mark_header(lines, title)
    return lines, header


# Short lines ("Meal 2", "Ingredients") legitimately repeat; only longer paragraphs are
# treated as pasted twice.
_MIN_DUPLICATE_WORDS = 8
# What plain copy has besides its body: the header, and separators such as "* * *".
_COPY_REASONS = frozenset((None, "metadata", "other"))


def _sure_furniture(line: Line) -> bool:
    """Named by its own words, so removed even where the model would keep it."""
    return line.reason in _SURE or line.sure


def _fallback_reason(line: Line, after_body: bool) -> str:
    if line.size <= 4 or rules.navigation(line):
        return "navigation"
    if after_body and headline_shaped(line):
        return "related"
    if after_body:
        return "footer"
    return "other"


def _join(paragraph: list[Line]) -> str:
    """One paragraph from its lines; a word hyphenated at a line break is rejoined.

    Built as a list of pieces, and the hyphen looked for in the last characters only: a
    paragraph of many lines would otherwise be copied and searched whole once per line.
    """
    pieces = [paragraph[0].text]
    tail = pieces[0][-_TAIL:]  # the end of the text so far, all `_HYPHEN_END` looks at
    for previous, line in itertools.pairwise(paragraph):
        if previous.end == line.start:  # pieces of one line cut at glued UI text
            pieces.append(line.text)
            tail += line.text
        elif _HYPHEN_END.search(tail) and line.text[:1].islower():
            _drop_last_character(pieces)
            pieces.append(line.text)
            tail = tail[:-1] + line.text
        else:
            pieces.append(" " + line.text)
            tail += " " + line.text
        tail = tail[-_TAIL:]
    return "".join(pieces)


def _drop_last_character(pieces: list[str]) -> None:
    while not pieces[-1]:
        pieces.pop()
    pieces[-1] = pieces[-1][:-1]


def _continues(previous: Line, line: Line) -> bool:
    """A hard-wrapped line that continues the previous one's sentence."""
    if line.blank_before or ends_sentence(previous.text) or BULLET.match(line.text):
        return False
    first = line.text[:1]
    if first.islower():
        return True
    # A list item ends at its line: what follows it in capitals is a new block.
    return (
        len(previous.text) >= 40
        and previous.text[-1:].isalnum()
        and not BULLET.match(previous.text)
    )


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    paragraphs: list[list[Line]] = []
    previous: Line | None = None
    for line in lines:
        if line.reason is not None:
            previous = None
            continue
        if previous is not None and paragraphs and _continues(previous, line):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        previous = line
    return paragraphs


def _plain_copy(lines: list[Line]) -> bool:
    return all(line.reason in _COPY_REASONS for line in lines)


# A first-pass score under this is sure the line is not body.
_SURE_NOT_BODY = 0.05


def _keep(lines: list[Line], model: LineModel | None, use_model: bool) -> list[bool]:
    if not use_model or _plain_copy(lines):
        # Nothing of a web page around the text (wire copy, a CMS export): every line
        # but the header is the article's, whatever its shape.
        return [line.reason is None for line in lines]
    chosen = model or shipped()
    first_pass, probabilities = chosen.passes(lines)
    # The second pass weighs each line against the page's best: on a page with no body at
    # all it can lift furniture the rules named and the first pass was sure of.
    named = np.array([line.reason is not None for line in lines], dtype=bool)
    probabilities = np.where(named & (first_pass < _SURE_NOT_BODY), first_pass, probabilities)
    keep = [
        bool(p >= chosen.threshold) and not _sure_furniture(line)
        for line, p in zip(lines, probabilities, strict=True)
    ]
    if not any(keep) and len(lines):
        # Nothing sure enough (a short text, or an unusual page): keep the page's best
        # prose rather than return nothing.
        top = float(probabilities.max())
        keep = [
            line.reason is None
            and (
                bool(p >= top * 0.5)
                or (line.size >= 3 and ends_sentence(line.text))
                or line.text[:1].islower()
            )
            for line, p in zip(lines, probabilities, strict=True)
        ]
    # At the edges of the body the second pass, which has learnt that furniture follows an
    # article, can doubt a closing paragraph its own shape vouches for: either pass will do.
    _keep_closing_sentence(lines, np.maximum(first_pass, probabilities), keep)
    _fill_gaps(lines, keep)
    _end_at_comments(lines, keep)
    _drop_header_above_byline(lines, keep)
    _drop_stray_tail(lines, keep)
    kept_at = [i for i, k in enumerate(keep) if k]
    if headline.heads_body(lines, kept_at):
        # The model reads a headline set above its lead as the body's first line; the
        # headline pass below names it.
        keep[kept_at[0]] = False
    return keep


# Most a page's header (headline, standfirst, a caption) holds above its byline or date.
_HEADER_LINES = 6
_HEADER_WORDS = 100


def _drop_header_above_byline(lines: list[Line], keep: list[bool]) -> None:
    """A news page prints its headline, standfirst and lead photo above the byline and the
    date, and the article under them; above the headline stand the site's own links. When
    the model keeps a few lines above the first byline, date line or headline and much
    more below it, those few are not the body."""
    kept_at = [i for i, k in enumerate(keep) if k]
    words = 0
    for k, (before, after) in enumerate(itertools.pairwise(kept_at)):
        words += lines[before].size
        if k + 1 > _HEADER_LINES or words > _HEADER_WORDS:
            return
        if after == before + 1:
            continue
        gap = range(before + 1, after)
        if not any(lines[m].reason == "metadata" for m in gap) and (
            headline.headline_above(lines, kept_at[k + 1 :]) not in gap
        ):
            continue
        if sum(lines[i].size for i in kept_at[k + 1 :]) >= 3 * words:
            for i in kept_at[: k + 1]:
                keep[i] = False
        return


# What ends an article on a page rather than interrupting it (an advertisement label, a
# caption or a share row may stand inside a body).
_AFTER_ARTICLE = frozenset(
    ("comments", "subscription", "login", "newsletter", "related", "footer", "navigation")
)
# A stray kept line after the body is at most this long, and the body before it at least
# this long.
_STRAY_WORDS = 30
_STRAY_AFTER_WORDS = 100


def _drop_stray_tail(lines: list[Line], keep: list[bool]) -> None:
    """One line kept after the body across at least two lines of the page's closing
    furniture (a comment prompt, a subscription offer, teasers) is not the article's: it is
    a teaser's caption or summary that reads like prose."""
    kept_at = [i for i, k in enumerate(keep) if k]
    if len(kept_at) < 2:
        return
    last, before = kept_at[-1], kept_at[-2]
    closing = sum(lines[j].reason in _AFTER_ARTICLE for j in range(before + 1, last))
    body = sum(lines[i].size for i in kept_at[:-1])
    if closing >= 2 and lines[last].size <= _STRAY_WORDS and body >= _STRAY_AFTER_WORDS:
        keep[last] = False


def _mark_teaser_runs(lines: list[Line]) -> None:
    """Video playlists and "more stories" lists are copied as a run of bare headlines, or as
    cards each with its time stamp; the model, seeing each line alone, may take them for
    subheadings and paragraphs (rules.teaser_runs, rules.stamped_cards). Named before the
    model runs, like the glued cards, so that it learns the rest of the page."""
    for i in [*rules.teaser_runs(lines), *rules.stamped_cards(lines)]:
        lines[i].reason = "related"
        lines[i].sure = True


def _mark_glued_cards(lines: list[Line]) -> None:
    """A list of teaser cards copied as text, each headline glued to its summary, reads
    like prose; the glue gives it away (rules.glued_cards). Named before the model runs, so
    that it sees them as furniture and so does the look at the body's edges."""
    for i in rules.glued_cards(lines):
        lines[i].reason = "related"
        lines[i].sure = True


# Body words before a comment section's heading for it to end the article there.
_COMMENTS_AFTER_WORDS = 100


def _end_at_comments(lines: list[Line], keep: list[bool]) -> None:
    """Readers' comments are prose on the article's own topic, so the model takes them for
    more body; but once an article's worth of body has been kept, a comment section's
    heading ("Top comments", "Leave a reply", "[ 167 comments ]") ends the article. The
    unnamed lines under it are comments until other page furniture begins. A box about the
    author ("About the author", "Über Ana Ruiz") ends it the same way."""
    words = 0
    for i, line in enumerate(lines):
        if words < _COMMENTS_AFTER_WORDS or (keep[i] and not rules.about_box(line)):
            words += line.size if keep[i] else 0
            continue
        if not keep[i] and rules.comments_section(line):
            reason = "comments"
        elif line.reason is None and rules.about_box(line):
            reason = "footer"
            line.reason = reason
        else:
            continue
        keep[i] = False
        in_section = True
        for j in range(i + 1, len(lines)):
            keep[j] = False
            if lines[j].reason not in (None, reason):
                in_section = False
            elif in_section:
                lines[j].reason = reason
        return


# Longest run of unnamed lines between two body lines that is taken into the body.
_MAX_GAP = 40


def _fill_gaps(lines: list[Line], keep: list[bool]) -> None:
    """Lines the model doubts between two body lines are body when nothing between them is
    page structure (navigation, teasers, footer): a body is one run of text, and what
    interrupts it on a real page (an advertisement label, a caption, a share row) is named
    by its own words and stays removed. What falls in such gaps is the body's own short
    lines: subheadings, list items, table rows, one-line paragraphs."""
    kept_at = [i for i, k in enumerate(keep) if k]
    for before, after in itertools.pairwise(kept_at):
        gap = range(before + 1, after)
        if 0 < len(gap) <= _MAX_GAP and all(
            lines[j].reason is None or _sure_furniture(lines[j]) for j in gap
        ):
            for j in gap:
                keep[j] = lines[j].reason is None


# Below this the model is sure the line is not body, closing sentence or not.
_CLOSING_FLOOR = 0.25


def _supported_sentence(
    lines: list[Line], probabilities: np.ndarray, i: int, min_words: int
) -> bool:
    """A finished sentence with some support from the model and no rule against it."""
    line = lines[i]
    return (
        line.reason is None
        and line.size >= min_words
        and ends_sentence(line.text)
        and float(probabilities[i]) >= _CLOSING_FLOOR
    )


def _beyond_edge(lines: list[Line], probabilities: np.ndarray, beyond: int) -> bool:
    """Line `beyond` is furniture or the page's edge: neither a line the model believes
    nor prose."""
    if not 0 <= beyond < len(lines):
        return True
    other = lines[beyond]
    return other.reason is not None or (
        float(probabilities[beyond]) < _CLOSING_FLOOR and not ends_sentence(other.text)
    )


def _lead_sentence(lines: list[Line], probabilities: np.ndarray, i: int) -> bool:
    # A lead is a full sentence: longer than a headline or a caption line.
    return _supported_sentence(lines, probabilities, i, _LEAD_WORDS)


def _keep_closing_sentence(lines: list[Line], probabilities: np.ndarray, keep: list[bool]) -> None:
    """The edges of the body often score just under the line: a short article's last
    paragraph (a closing quote, one sentence), and the lead right under the page's
    navigation. Next to the kept run, a finished sentence the model gives some support
    is body when page furniture or the edge of the page lies beyond it."""
    kept_at = [i for i, k in enumerate(keep) if k]
    if not kept_at:
        return
    # The closing paragraphs: up to a few finished sentences in a row, then furniture.
    last = kept_at[-1] + 1
    for end in range(last, min(len(lines), last + _CLOSING_LINES)):
        if not _supported_sentence(lines, probabilities, end, 4):
            break
        if _beyond_edge(lines, probabilities, end + 1):
            for i in range(last, end + 1):
                keep[i] = True
            break
    # The lead may be several paragraphs (wire copy often opens with one-sentence
    # paragraphs the model is unsure of on a short page): take the whole run of full
    # sentences above the body when page furniture or the page's top lies beyond it.
    first = kept_at[0] - 1
    while first >= 0 and _lead_sentence(lines, probabilities, first):
        first -= 1
    if first < kept_at[0] - 1 and _beyond_edge(lines, probabilities, first):
        for i in range(first + 1, kept_at[0]):
            keep[i] = True


_LEAD_WORDS = 15
# Most closing sentences taken together after the kept run.
_CLOSING_LINES = 5


def _choose_headline(lines: list[Line], kept_at: list[int], header: Header, *, plain: bool) -> None:
    """The headline (and the standfirst under it) once the body is known: the line above
    the body that shares its words with the lead (workers.cleanup.headline). The guess
    made from the page's shape alone stands only on plain copy, which has no site name
    or control above the story to mistake for one."""
    at = headline.headline_above(lines, kept_at)
    if at == header.title_at or (at is None and plain):
        return
    for guessed in (header.title_at, header.standfirst_at):
        if guessed is not None and guessed not in kept_at:
            lines[guessed].reason = None  # named again below, like any other removed line
    header.title = header.standfirst = None
    header.title_at = header.standfirst_at = None
    if at is None:
        return
    lines[at].reason = "metadata"
    header.title = normalise(fix_text(lines[at].text))
    header.title_at = at
    standfirst = rules.mark_standfirst(lines, at)
    if standfirst is not None and standfirst in kept_at:
        lines[standfirst].reason = None  # the body's own first paragraph
    elif standfirst is not None:
        header.standfirst = normalise(fix_text(lines[standfirst].text))
        header.standfirst_at = standfirst


# How far above the body's first line the story's own date line may stand.
_DATE_REACH = 25


def _choose_date(lines: list[Line], top: int, header: Header) -> None:
    """The story's date is the date line nearest above its body: pages also print dates
    in menus and teaser lists above the header, and the first date line of the page may be
    one of those. The first date line stands when none is near the body's first line
    (`top`), and a more precise line of the same day wins."""
    for i in range(top - 1, max(-1, top - 1 - _DATE_REACH), -1):
        if lines[i].reason != "metadata":
            continue
        nearest = rules.date_line(lines[i])
        if nearest is None:
            continue
        known = header.published_at
        if not (known and known.startswith(nearest) and len(known) > len(nearest)):
            header.published_at = nearest
        return


def _find_byline(lines: list[Line], top: int, header: Header) -> None:
    """A byline printed the ways pages print it (workers.cleanup.byline), when no line
    opening with "By" was found; its date, too, when the page gave none on its own line."""
    found = byline.byline_above(lines, top)
    if found is None:
        return
    at, printed = found
    lines[at].reason = "metadata"
    header.byline = printed.text
    header.authors = printed.authors
    header.published_at = header.published_at or rules.date_line(lines[at])


def clean_text(
    submitted: str,
    title: str | None = None,
    *,
    model: LineModel | None = None,
    use_model: bool = True,
) -> dict[str, Any]:
    lines, header = prepare(submitted, title)
    keep = _keep(lines, model, use_model)
    kept_at = [i for i, k in enumerate(keep) if k]
    if kept_at:  # the header is read again above the body, now that it is known
        if not title:
            _choose_headline(lines, kept_at, header, plain=not use_model or _plain_copy(lines))
        if header.byline is None:
            _find_byline(lines, kept_at[0], header)
        _choose_date(lines, kept_at[0], header)
    last = kept_at[-1] if kept_at else -1
    contributors: list[str] = []
    kept_keys: set[str] | None = None  # made when first needed: most pages never need it
    for i, line in enumerate(lines):
        if keep[i]:
            line.reason = None
            continue
        if line.reason is None and line.size >= _MIN_DUPLICATE_WORDS:
            if kept_keys is None:
                kept_keys = {
                    comparison_key(kept.text) for kept, k in zip(lines, keep, strict=True) if k
                }
            if comparison_key(line.text) in kept_keys:
                line.reason = "duplicate"
        if line.reason is None:
            line.reason = _fallback_reason(line, i > last)
        if line.reason == "credit":
            contributors.extend(
                n for n in metadata.contributors(line.text) if n not in contributors
            )

    removed: list[dict[str, Any]] = [
        {"text": line.text, "reason": line.reason, "start": line.start, "end": line.end}
        for line in lines
        if line.reason is not None
    ]
    body: list[str] = []
    spans: list[dict[str, int]] = []
    seen: set[str] = set()
    for paragraph in _paragraphs(lines):
        start, end = paragraph[0].start, paragraph[-1].end
        key = comparison_key(submitted[start:end])
        text = normalise(fix_text(_join(paragraph)))
        duplicate = key in seen and sum(line.size for line in paragraph) >= _MIN_DUPLICATE_WORDS
        if duplicate or not text:
            removed.append(
                {
                    "text": submitted[start:end],
                    "reason": "duplicate" if duplicate else "other",
                    "start": start,
                    "end": end,
                }
            )
            continue
        seen.add(key)
        body.append(text)
        spans.append({"start": start, "end": end})
    removed.sort(key=lambda item: item["start"])

    given = normalise(title) if title else ""
    return {
        "text": "\n\n".join(body),
        "paragraphs": spans,
        "title": given or header.title,
        "standfirst": header.standfirst,
        "byline": header.byline,
        "authors": header.authors or metadata.authors(header.byline),
        "dateline": metadata.dateline(body[0]) if body else None,
        "contributors": contributors,
        "published_at": header.published_at,
        "source": "text",
        "source_text": None,
        "removed": removed,
    }


def clean(
    submitted: str,
    title: str | None = None,
    *,
    content_type: str | None = None,
    model: LineModel | None = None,
) -> dict[str, Any]:
    """Cleanup result (see ``newsdesk.results.CleanupSchema``) for one submitted text.

    ``content_type`` is ``"text/plain"`` or ``"text/html"``; when absent, text that is
    plainly HTML is treated as HTML.
    """
    is_html = content_type == "text/html" or (
        content_type is None and html.looks_like_html(submitted)
    )
    if not is_html:
        return clean_text(submitted, title, model=model)
    return clean_page(html.extract(submitted), title, model=model)


def clean_page(
    page: html.Extracted, title: str | None = None, *, model: LineModel | None = None
) -> dict[str, Any]:
    """Cleanup result for a page's text as trafilatura extracted it, with its metadata."""
    result = clean_text(page.text, title or page.title, model=model, use_model=False)
    result["source"] = "html"
    result["source_text"] = page.text
    if result["title"] is None and page.title:
        result["title"] = normalise(page.title)
    if result["byline"] is None and page.author:
        result["byline"] = normalise(page.author)
        result["authors"] = metadata.authors(page.author) or [normalise(page.author)]
    if result["published_at"] is None and page.date:
        result["published_at"] = page.date
    return result
