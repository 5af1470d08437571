"""The page's headline, chosen once the body is known.

Before the model runs, a headline is only guessed from the page's shape (the first line set
apart, or a line just above a byline); on real pages that guess often lands on a site name
or a control ("Skip to Article", "Search"). Once the body is known there is a better
witness: a headline is written about the story, so it shares its words with the lead,
where site names, controls, dates and credits do not.
"""

from __future__ import annotations

from workers.cleanup import rules
from workers.cleanup.features import WORD, Line, ends_sentence, headline_shaped
from workers.cleanup.vocabulary import STOP_WORDS

# How far above the body's first line a headline may stand: captions, share rows, bylines,
# date lines and a standfirst often lie between.
_REACH = 40
# Body words the headline is compared with: the lead and a little more.
_LEAD_WORDS = 150
# Of the headline's own content words, at least this share and at least two words must
# also be in the lead.
_MIN_SHARE = 0.3
_MIN_SHARED = 2
# Shared words past which a longer line (a caption under the headline) is no likelier the
# headline: then the share decides. A site's name shares two words at most.
_ENOUGH_SHARED = 3


def _content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning, cut to six letters so that inflected forms
    ("recalls", "recalled") meet."""
    words = (word.casefold() for word in WORD.findall(text))
    return {
        word[:6]
        for word in words
        if len(word) > 2 and word not in STOP_WORDS and not word.isdigit()
    }


# A breadcrumb trail ("Home » Opinion » Why ferries matter") names where the page stands,
# however much its last item reads like the story's headline.
_BREADCRUMB = frozenset("»›")


def _could_be_headline(line: Line) -> bool:
    return (
        line.reason in rules.HEADER_OPEN
        and not _BREADCRUMB.intersection(line.text)
        and headline_shaped(line)
        and not rules.ui_words_only(line)
        and not rules.navigation(line)
        and rules.byline_text(line) is None
        and rules.date_line(line) is None
    )


def _lead(lines: list[Line], kept: list[int]) -> set[str]:
    lead: set[str] = set()
    words = 0
    for i in kept:
        lead |= _content_words(lines[i].text)
        words += lines[i].size
        if words >= _LEAD_WORDS:
            break
    return lead


def _rank(line: Line, lead: set[str]) -> tuple[int, float] | None:
    """How well a line names the story told in `lead`: the words it shares (up to
    `_ENOUGH_SHARED`), then their share of its own; None when it shares too little."""
    own = _content_words(line.text)
    shared = len(own & lead)
    if shared < _MIN_SHARED or shared / len(own) < _MIN_SHARE:
        return None
    return min(shared, _ENOUGH_SHARED), shared / len(own)


def headline_above(lines: list[Line], kept: list[int]) -> int | None:
    """Index of the headline-shaped line above the body (the `kept` lines) that names the
    lead best, or None when no line shares enough with it."""
    if not kept:
        return None
    lead = _lead(lines, kept)
    best: tuple[tuple[int, float], int] | None = None
    for i in range(kept[0] - 1, max(-1, kept[0] - 1 - _REACH), -1):
        if not _could_be_headline(lines[i]):
            continue
        rank = _rank(lines[i], lead)
        # Nearest the body wins a tie: a headline stands closer than a teaser above it.
        if rank is not None and (best is None or rank > best[0]):
            best = (rank, i)
    return best[1] if best else None


def heads_body(lines: list[Line], kept: list[int]) -> bool:
    """Whether the first of the `kept` lines is the story's headline rather than its
    first paragraph: shaped like one, no sentence, and naming the lead under it."""
    if len(kept) < 2:
        return False
    line = lines[kept[0]]
    return (
        _could_be_headline(line)
        and not ends_sentence(line.text)
        and _rank(line, _lead(lines, kept[1:])) is not None
    )
