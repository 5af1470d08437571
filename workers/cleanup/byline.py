"""Bylines as web pages print them, found once the body is known.

Before the model runs, a byline is only a line that starts with "By". Pages print it in
many more ways, most often beside the date: "By Ana Ruiz - 11/19/19 06:56 AM EST",
"November 18, 2019 | by Ana Ruiz", "Ana Ruiz - Nov 19, 2019, 10:31 pm", "Author: Ana Ruiz",
"Von Ana Ruiz publiziert am ...". Such lines stand in the header, above the body, so once
the body is known they are looked for there only, where a "by" is not a sentence's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workers.cleanup import metadata, rules
from workers.cleanup.features import WORD, Line, ends_sentence, normalise
from workers.cleanup.vocabulary import DATE_LABELS, MONTHS, UI_WORDS

# How far above the body's first line a byline may stand.
_REACH = 25
_MAX_WORDS = 24

# "by" and its kin: anywhere after a separator in English, at the start of the line in the
# other languages the UI rules know (mid-line they are name particles: "Ursula von der
# Leyen"), or a label with a colon.
_BY = re.compile(
    r"(?i)(?:^(?:von|por|par)\s+"
    r"|(?:^|(?<=[\s|·•,;:\-–—]))(?:posted by|written by|words by|story by|text by|by)\s*:?\s*"
    r"|(?:^|(?<=[\s|·•]))(?:author|autor|auteur|autore)\s*:\s*)(?=\w)"
)
# Where the names end: where a byline's tail begins (workers.cleanup.metadata), or at a
# label that starts the date ("by Ana Ruiz published on ...").
_NAMES_END = re.compile(
    metadata.BYLINE_TAIL.pattern
    + r"|(?i:\s(?:published|updated|posted|on|publiziert|publicado|publié|am|in)\b)"
)
# Wire agencies a one-word name may be, before a date ("Reuters November 18, 2019").
_AGENCIES = frozenset(
    [
        "reuters",
        "ap",
        "afp",
        "bloomberg",
        "pti",
        "ians",
        "ani",
        "dpa",
        "efe",
        "ansa",
        "xinhua",
        "upi",
        "kyodo",
        "tass",
        "anadolu",
    ]
)
_JOINS = frozenset(["and", "und", "et", "y"])
_NOT_NAMES = UI_WORDS | DATE_LABELS | frozenset(MONTHS)


@dataclass
class Byline:
    text: str  # as printed on the page
    authors: list[str] = field(default_factory=list)


def _names(text: str) -> list[str]:
    names = metadata.names(text)
    words = [w.casefold().strip(".") for name in names for w in name.split()]
    if not names or any(w in _NOT_NAMES for w in words):
        return []
    return names


def _opens_byline(before: str) -> bool:
    """What comes before a "by" on a byline: nothing, a separator or bullet, or a date or time
    ("March 3 | by", "7:45 am by"); not a verb ("Sort by", "Photo by")."""
    before = before.rstrip()
    if not before or before[-1] in "|·•*+,;:-–—" or before[-1].isdigit():
        return True
    last = WORD.findall(before)[-1:]
    return bool(last) and last[0].casefold() in _NOT_NAMES  # a date label, a month, UI


def _after_by(text: str) -> Byline | None:
    for match in _BY.finditer(text):
        if not _opens_byline(text[: match.start()]):
            continue
        rest = text[match.end() :]
        end = _NAMES_END.search(rest)
        segment = rest[: end.start()] if end else rest
        names = _names(segment)
        if names:
            return Byline(_printed(text[match.start() : match.end() + len(segment)]), names)
    return None


def _before_date(text: str) -> Byline | None:
    found = rules.find_date(text)
    if found is None:
        return None
    segment = text[: found[0].start()].strip(" \t|·•,-–—:")
    names = _names(segment)
    # Every word before the date must belong to a name: "New Delhi, Bureau | Updated" is not
    # a byline.
    named = {w.casefold() for name in names for w in name.split()}
    if any(w.casefold() not in named | _JOINS for w in WORD.findall(segment)):
        return None
    single = len(names) == 1 and len(names[0].split()) == 1
    if not names or (single and names[0].casefold() not in _AGENCIES):
        return None
    return Byline(_printed(segment), names)


def _printed(text: str) -> str:
    return normalise(text.strip(" \t|·•,-–—"))


def _owners(lines: list[Line]) -> str:
    """The page's copyright lines, lower-cased: a name in them is the site's, not an
    author's ("Valley Courier March 3, 2025" above "© 2025 Valley Courier")."""
    return " ".join(
        line.text.casefold()
        for line in lines
        if "©" in line.text or "copyright" in line.text.casefold()
    )


def byline_above(lines: list[Line], top: int) -> tuple[int, Byline] | None:
    """The nearest line above the body's first line (`top`) that prints a byline, and the
    names in it."""
    owners: str | None = None
    for i in range(top - 1, max(-1, top - 1 - _REACH), -1):
        line = lines[i]
        if line.reason not in rules.HEADER_OPEN or not 0 < line.size <= _MAX_WORDS:
            continue
        if ends_sentence(line.text) and not rules.date_line(line):
            continue  # a sentence, not a header line
        found = _after_by(line.text) if _BY.search(line.text) else _before_date(line.text)
        if not found:
            continue
        owners = _owners(lines) if owners is None else owners
        if not any(name.casefold() in owners for name in found.authors):
            return i, found
    return None
