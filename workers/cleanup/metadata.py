"""Fields read from the words of the page itself: authors, wire dateline, contributors.

Each comes from text evidence only; when the evidence is not there the field is empty,
never guessed.
"""

from __future__ import annotations

import re

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAYS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
_BY = re.compile(r"(?i)^(?:by|written by|words by|story by|text by)[ \t:]+")
# A byline's tail after the names: "| Updated 3 May", " - Reuters staff", "  Senior editor",
# a date or a time ("by Ana Ruiz September 15"), an @handle, or words glued on with no
# space ("Ana RuizStaff Writer"; three lower-case letters first, so "McDonald" stays whole).
BYLINE_TAIL = re.compile(
    r"\s(?:[|•·]|[-–—]\s)|\s{2,}|@|\s\d|,\s*\d|(?<=[a-z]{3})(?=[A-Z][a-z])|"
    rf"\s(?i:{_MONTH})\s+\d"
)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b)\s*", re.IGNORECASE)
_PARTICLES = frozenset(
    ["de", "da", "di", "van", "von", "der", "den", "la", "le", "du", "bin", "al", "el", "y", "of"]
)
_NAME_WORD = re.compile(r"^[\w'’.\-]+$")
# Letters after a name that are not a name: "Ana Ruiz, MS, RD".
_POST_NOMINALS = frozenset(
    ["ms", "msc", "ma", "mba", "md", "phd", "rd", "rn", "jd", "bsc", "ba", "cpa", "dds"]
)

# "VELMORA, March 14 (Northline) -", "LONDON (Reuters) -", "NEW YORK, N.Y. —"
_DATELINE = re.compile(
    r"^(?P<dateline>[A-Z][A-Z'’.\-]+(?: [A-Z][A-Z'’.\-]+){0,3}"
    r"(?:,\s*[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){0,2})?"
    rf"(?:,\s*{_MONTH}\s+\d{{1,2}})?"
    r"(?:\s*\([^()]{1,40}\))?)\s*[-–—]{1,2}\s+\S"
)
_CONTRIBUTED = re.compile(
    r"(?i)^(?P<names>.{2,200}?)\s+(?:also\s+)?contributed\b.{0,40}\bto this "
    r"(?:report|article|story)\W*$"
)
_ADDITIONAL = re.compile(r"(?i)^additional reporting by\s+(?P<names>[^.;]{2,200})")


def _tidy_name(name: str) -> str | None:
    words = name.strip(" .,:;()[]").split()
    if not words or len(words) > 5:
        return None
    if not all(_NAME_WORD.match(w) for w in words):
        return None
    if not all(w[:1].isupper() or w.casefold() in _PARTICLES for w in words):
        return None
    if any(any(c.isdigit() for c in w) for w in words):
        return None
    if len(words) == 1 and words[0].replace(".", "").casefold() in _POST_NOMINALS | _WEEKDAYS:
        return None
    # An agency in capitals reads as a name: "REUTERS" -> "Reuters"; "AFP" stays.
    return " ".join(w.capitalize() if w.isupper() and len(w) > 3 else w for w in words)


def names(text: str) -> list[str]:
    """The distinct names in a list of them ("Ana Ruiz, Tom Lee and Li Wei")."""
    found: list[str] = []
    for part in _NAME_SPLIT.split(text):
        name = _tidy_name(part)
        if name and name not in found:
            found.append(name)
    return found


def authors(byline: str | None) -> list[str]:
    """The people (or agency) a byline names: "By Ana Ruiz and Tom Lee" -> two names."""
    if not byline:
        return []
    rest = _BY.sub("", byline.strip(), count=1)
    rest = BYLINE_TAIL.split(rest, maxsplit=1)[0]
    return names(rest)


def dateline(paragraph: str) -> str | None:
    """The wire dateline opening a body paragraph ("VELMORA, March 14 (Northline)")."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None
    found = match.group("dateline").strip()
    place = found.split(",")[0].split("(")[0].strip()
    # The place is in capitals and is not a shouted sentence opener ("BREAKING: ...").
    if len(place) < 3 or len(place.split()) > 4 or not place.replace(" ", "").isupper():
        return None
    return found


def contributors(line: str) -> list[str]:
    """Names from "X and Y contributed to this report" or "Additional reporting by X"."""
    match = _CONTRIBUTED.match(line.strip()) or _ADDITIONAL.match(line.strip())
    return names(match.group("names")) if match else []
