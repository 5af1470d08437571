"""Sentence length, passive voice and lexical diversity: what a copy editor looks at.

The model is loaded without its parser (NER and sentences only, for speed), so
passive voice comes from a word-pattern heuristic rather than dependency labels;
see ``is_passive``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


LONG_SENTENCE_WORDS = 30
MTLD_THRESHOLD = 0.72  # McCarthy & Jarvis 2010
MIN_MTLD_WORDS = 100  # shorter texts give unstable MTLD values

_BE = _words(
    "be am is are was were been being 're 'm"
)  # "'s" is left out: it is as often "has" ("he's gone") or a possessive
_GET = _words("get gets got gotten getting")
# Words that may stand between the auxiliary and the participle ("was quickly sold").
_BETWEEN = _words(
    "not n't n’t never also already just still often always soon now then later "
    "reportedly allegedly widely largely partly fully newly recently"
)
# Past participles that do not end in -ed. A bare "-en" ending is no evidence on its
# own ("seven", "women", "often"), so -en participles are listed here.
IRREGULAR_PARTICIPLES = _words("""
    arisen awoken beaten begun bent bet bid bitten bled blown born borne bought
    bound bred brought built burnt burst cast caught chosen clung cost crept cut
    dealt done drawn dreamt driven drunk dug dwelt eaten fallen fed felt fled flung
    flown forbidden forecast forgiven forgotten forsaken found frozen given ground
    grown hung heard held hidden hit hurt kept knelt knit known laid led leant leapt
    learnt left lent let lit lost made meant met mislaid misled mistaken
    overheard overlooked overridden overrun overseen overtaken overthrown paid proven put
    quit read rebuilt redone remade repaid reset rethought rewritten ridden rung risen
    run said sawn seen sought sold sent set sewn shaken shaven shed shorn shot shown
    shrunk shut sung sunk slain slept slid slung smelt sown spoken sped spelt spent spilt
    spun split spoilt spread sprung stood stolen stuck stung stridden struck strung
    striven sworn swept swollen swum swung taken taught torn told thought thrown thrust
    trodden understood undertaken undone upheld upset withdrawn withheld withstood woken
    worn woven wed wept won wound written
    """)
# Words ending in -ed that are not past participles.
_NOT_PARTICIPLES = _words(
    "bed need red sled sacred naked wicked hundred kindred rugged ragged crooked jagged "
    "wretched beloved"
)
# Of the -eed words only these are participles ("need", "speed" and "proceed" are not).
_EED_PARTICIPLES = _words("agreed freed guaranteed decreed disagreed refereed")


def is_participle(word: str) -> bool:
    word = word.lower()
    if word in IRREGULAR_PARTICIPLES:
        return True
    if len(word) < 4 or not word.endswith("ed") or word in _NOT_PARTICIPLES:
        return False
    if word.endswith("eed"):
        return word in _EED_PARTICIPLES
    return word.isalpha()


_AUXILIARY = "|".join(sorted((w for w in _BE | _GET if w[0] != "'"), key=len, reverse=True))
# An auxiliary ("they're" too), its "n't", up to two adverbs, then the word to test.
_PASSIVE_CANDIDATE = re.compile(
    rf"(?:(?<![\w'’])(?:{_AUXILIARY})|(?<=\w)['’](?:re|m))(?:n['’]t)?\s+"
    r"((?:[^\W\d_]+(?:['’][^\W\d_]+)?\s+){0,2})([^\W\d_]+)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _is_between(word: str) -> bool:
    word = word.lower()
    return word in _BETWEEN or word in _BE or (word.endswith("ly") and len(word) > 3)


def is_passive(sentence: str) -> bool:
    """A form of "be" or "get", then up to two adverbs, then a past participle.

    This finds "was sold", "has been arrested", "is being reviewed", "got fired",
    "were not quickly repaired", "wasn't told"; it also takes adjectival
    participles ("was tired", "is interested") and it misses passives without an
    auxiliary ("the man arrested on Monday"). Plain text matching: the model runs
    without its parser and tagger, for speed.
    """
    for match in _PASSIVE_CANDIDATE.finditer(sentence):
        between = _WORD.findall(match.group(1))
        words = [*between, match.group(2)]
        for word in words:
            if is_participle(word):
                return True
            if not _is_between(word):
                break
    return False


def mtld(words: Sequence[str], threshold: float = MTLD_THRESHOLD) -> float | None:
    """Measure of textual lexical diversity (McCarthy & Jarvis 2010), bidirectional mean.

    Walk the words keeping the type-token ratio (TTR) of the current stretch; each
    time it falls to ``threshold`` a factor ends and a new stretch starts. What is
    left at the end counts as a partial factor (1 - TTR) / (1 - threshold). MTLD is
    words / factors, averaged over a forward and a backward walk: the mean length
    of a stretch that keeps the TTR above the threshold, so it does not shrink as
    texts get longer the way the plain TTR does.
    """
    if not words:
        return None
    forward = _mtld_one_way(words, threshold)
    backward = _mtld_one_way(words[::-1], threshold)
    return (forward + backward) / 2


def _mtld_one_way(words: Sequence[str], threshold: float) -> float:
    factors = 0.0
    types: set[str] = set()
    tokens = 0
    ttr = 1.0
    for word in words:
        tokens += 1
        types.add(word)
        ttr = len(types) / tokens
        if ttr <= threshold:
            factors += 1
            types = set()
            tokens = 0
    if tokens:
        factors += (1 - ttr) / (1 - threshold)
    if factors == 0:  # every word different and no factor ever completed
        return float(len(words))
    return len(words) / factors


def style(
    sentence_words: Sequence[int],
    sentence_texts: Sequence[str],
    words: Sequence[str],
) -> dict[str, Any]:
    """``sentence_words``: words per sentence; ``sentence_texts``: the sentences;
    ``words``: the text's words, case-folded, for lexical diversity."""
    count = len(sentence_words)
    diversity = mtld(words) if len(words) >= MIN_MTLD_WORDS else None
    return {
        "average_sentence_words": round(sum(sentence_words) / count, 2) if count else 0.0,
        "longest_sentence_words": max(sentence_words, default=0),
        "long_sentence_share": (
            round(sum(1 for n in sentence_words if n > LONG_SENTENCE_WORDS) / count, 4)
            if count
            else 0.0
        ),
        "passive_sentence_share": (
            round(sum(1 for sentence in sentence_texts if is_passive(sentence)) / count, 4)
            if count
            else 0.0
        ),
        "lexical_diversity_mtld": round(diversity, 2) if diversity is not None else None,
    }
