"""Named entities: spaCy NER mentions grouped into entities and ranked by salience.

Mentions are grouped by a normalised name: case-folded, a leading "the" and a
possessive "'s"/"’s" removed, whitespace collapsed ("the Hajari's" and "Hajari" are
one entity). An entity's ``name`` is its most complete form (longest, preferring
mixed case over all capitals, then first seen); its ``type`` is the label most of its
mentions got (ties: the first seen).

Salience, in [0, 1], rounded to 4 decimals::

    salience   = 0.5 * frequency + 0.3 * position + 0.2 * prominence
    frequency  = count / count of the article's most mentioned entity
    position   = 1 - start of the first mention / length of the text
    prominence = 0.5 if the name occurs in the title
               + 0.5 if a mention falls in the first paragraph

Entities are sorted by salience, then count, then first appearance.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc

_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\s*['’]s?$", re.IGNORECASE)

FREQUENCY_WEIGHT = 0.5
POSITION_WEIGHT = 0.3
PROMINENCE_WEIGHT = 0.2


def display_form(text: str) -> str:
    """The mention without a leading "the", a possessive or extra spaces, case kept."""
    form = _SPACES.sub(" ", text).strip()
    form = _POSSESSIVE.sub("", form)
    stripped = _LEADING_THE.sub("", form)
    return stripped or form


def entity_key(text: str) -> str:
    return display_form(text).casefold()


@dataclass
class _Group:
    key: str
    mentions: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        best = ""
        for form in (display_form(m["text"]) for m in self.mentions):
            if (len(form), not form.isupper()) > (len(best), not best.isupper()):
                best = form
        return best

    @property
    def type(self) -> str:
        counts = Counter(self.labels)
        best = max(counts.values())
        return next(label for label in self.labels if counts[label] == best)


def _in_title(key: str, title: str | None) -> bool:
    if not title or not key:
        return False
    folded = _SPACES.sub(" ", title.casefold())
    return re.search(rf"(?<!\w){re.escape(key)}(?!\w)", folded) is not None


def extract(doc: Doc, title: str | None = None) -> list[dict[str, Any]]:
    """Entities of ``doc`` with mention offsets into ``doc.text``."""
    text = doc.text
    groups: dict[str, _Group] = {}
    for ent in doc.ents:
        key = entity_key(ent.text)
        if not key:
            continue
        group = groups.setdefault(key, _Group(key))
        group.mentions.append({"start": ent.start_char, "end": ent.end_char, "text": ent.text})
        group.labels.append(ent.label_)
    if not groups:
        return []

    length = max(len(text), 1)
    first_break = text.find("\n\n")
    first_paragraph_end = len(text) if first_break < 0 else first_break
    most_mentions = max(len(g.mentions) for g in groups.values())
    entities = []
    for group in groups.values():
        first_start = group.mentions[0]["start"]
        frequency = len(group.mentions) / most_mentions
        position = 1 - first_start / length
        prominence = 0.5 * _in_title(group.key, title) + 0.5 * (first_start < first_paragraph_end)
        salience = (
            FREQUENCY_WEIGHT * frequency
            + POSITION_WEIGHT * position
            + PROMINENCE_WEIGHT * prominence
        )
        entities.append(
            {
                "name": group.name,
                "type": group.type,
                "count": len(group.mentions),
                "salience": round(min(max(salience, 0.0), 1.0), 4),
                "mentions": group.mentions,
            }
        )
    entities.sort(key=lambda e: (-e["salience"], -e["count"], e["mentions"][0]["start"]))
    return entities
