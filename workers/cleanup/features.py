"""Lines of a submitted text, their shape, and the numbers the line model reads from them.

A line keeps its exact span in the submitted string (``submitted[start:end] == text``).
Everything here is about shape, never about a site: length, punctuation, function-word
density, capitals, digits, bullets, indentation, repetition, what the UI rules said, and
the same for the neighbours, because article bodies are long runs of prose and page
furniture comes in runs too. The same code makes the training rows (scripts/) and the rows
scored at run time, so the two cannot drift apart.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import ftfy
import numpy as np

from workers.cleanup.vocabulary import STOP_WORDS

# --- text -----------------------------------------------------------------------------

_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)
# Typographic quotes, dashes, the ellipsis and the no-break space: alone with ASCII they
# can be no mojibake (no UTF-8 lead byte among them), so ftfy leaves such text alone.
_PLAIN_PUNCTUATION = str.maketrans(dict.fromkeys("‘’“”–—…\u00a0", "x"))


def fix_text(text: str) -> str:
    """ftfy's repair; printable ASCII (and the punctuation above) without "&" (so no entity,
    no mojibake, no control character) is already what ftfy would return, and most
    paragraphs are like that."""
    plain = text if text.isascii() else text.translate(_PLAIN_PUNCTUATION)
    if plain.isascii() and plain.isprintable() and "&" not in text:
        return text
    return ftfy.fix_text(text, _FTFY)


# One line break; "\r\n" counts once so Windows text does not look double-spaced.
_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# White space and invisible marks around a line's content. Every character "\s" matches
# (str.isspace) is below U+3001, so the set can be spelt out for str.strip.
EDGE_SPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + (
    "\u200b\u200e\u200f\u2060\ufeff"
)
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")

WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
ENDS_SENTENCE = re.compile(r"[.!?…。！？][\"'”’»)\]」』]*$")
# Scripts written without spaces: count about one word per two characters.
UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# A full stop, then the checks that it does not end "Dr." or an initial: the stop comes
# first so the engine can jump from stop to stop instead of testing every position.
SENTENCE_BREAK = re.compile(
    r"[.!?…](?<!\b[A-Z].)(?<!\bDr.)(?<!\bMr.)(?<!\bMs.)(?<!\bMrs.)(?<!\bSt.)(?<!\bJr.)"
    r"(?<!\bNo.)[\"'”’»)\]]*\s+[\"'“‘«(\[]?[A-Z0-9]|[。！？]."
)
BULLET = re.compile(r"^(?:[*•·▪►>+\-–—o]|\d{1,2}[.)])\s+")
# What may close a sentence after its full stop: quotes and brackets.
CLOSERS = "\"'”’»)]」』"
_STOPS = frozenset(".!?…。！？")


def normalise(text: str) -> str:
    """Single spaces, no invisible marks: text as a client should see it."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def comparison_key(text: str) -> str:
    """Comparison key: case, spacing and edge punctuation do not matter."""
    return " ".join(WORD.findall(text.casefold()))


def ends_sentence(text: str) -> bool:
    """Ends with a full stop, maybe inside quotes or brackets (``ENDS_SENTENCE``, by hand:
    a regex anchored at the end scans the whole line)."""
    if text.endswith("\n"):  # "$" also matches before a final newline
        text = text[:-1]
    return text.rstrip(CLOSERS)[-1:] in _STOPS


def word_count(words: list[str], text: str = "") -> int:
    """Words of a line, counting scripts written without spaces by their characters."""
    if text and not UNSPACED.search(text):
        return len(words)
    return sum(max(1, len(UNSPACED.findall(w)) // 2) if UNSPACED.search(w) else 1 for w in words)


# --- lines ----------------------------------------------------------------------------


@dataclass
class Line:
    start: int
    end: int
    text: str
    blank_before: bool
    words: list[str] = field(default_factory=list)
    size: int = 0  # word count that also works for scripts written without spaces
    indent: int = 0  # characters of white space before the content on its raw line
    blank_after: bool = True
    reason: str | None = None
    # Named by its own words, or listed under a heading that is: removed whatever the model says.
    sure: bool = False
    headline: bool = False  # the page's headline, whose words say what the article is about


def split_lines(submitted: str) -> list[Line]:
    """Non-blank lines with the span of their content (edge whitespace excluded)."""
    lines: list[Line] = []
    blank_before = True
    position = 0
    bounds = [(m.start(), m.end()) for m in _BREAK.finditer(submitted)]
    bounds.append((len(submitted), len(submitted)))
    for break_start, break_end in bounds:
        raw = submitted[position:break_start]
        start = position + len(raw) - len(raw.lstrip(EDGE_SPACE))
        end = position + len(raw.rstrip(EDGE_SPACE))
        if end > start:
            text = submitted[start:end]
            words = WORD.findall(text)
            line = Line(start, end, text, blank_before, words, word_count(words, text))
            line.indent = start - position
            if lines and not blank_before:
                lines[-1].blank_after = False
            lines.append(line)
            blank_before = False
        else:
            blank_before = True
        position = break_end
    return lines


def body_like(line: Line) -> bool:
    """Shaped like article prose: several sentences, or one long finished sentence."""
    count = line.size
    if count >= 35:
        return True
    if count >= 20 and ends_sentence(line.text):
        return True
    return count >= 15 and bool(SENTENCE_BREAK.search(line.text)) and ends_sentence(line.text)


def headline_shaped(line: Line) -> bool:
    """Short, capitalised, not a bullet and not ended like a sentence or a clause."""
    count = line.size
    text = line.text
    return (
        3 <= count <= 25
        and 12 <= len(text) <= 200
        and not text.endswith((".", ",", ";", ":"))
        and (text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"'“‘«¿¡")
        and not BULLET.match(text)
    )


# --- the line model's numbers ---------------------------------------------------------

# The rule reasons a line can carry before the model runs ("duplicate" is decided after
# it), spelled out rather than taken from newsdesk.results.REMOVAL_REASONS: their order is
# the shipped model's feature layout, and the model checks its feature names on load.
REASONS = (
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
    "metadata",
    "other",
)
_BULLET_START = re.compile(r"^(?:[*•·▪►+\-–—o]|\d{1,3}[.)])(?:\s|$)")
_SEPARATORS = re.compile(r"[|•·»›]|\s[/–—-]\s")
_LINKISH = re.compile(r"(?i)https?://|www\.|\.(?:com|org|net|co\.uk|html?)\b|@\w")
_QUOTE = re.compile(r"[\"“”«»]")
_DIGITS = re.compile(r"\d")
_FIRST = operator.itemgetter(0)  # words are never empty
_CAMEL_GLUE = re.compile(r"[a-z](?=[A-Z])")  # counts the joins the UI rules split, faster
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ASCII_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class LineLike(Protocol):
    text: str
    words: list[str]
    size: int
    indent: int
    blank_before: bool
    blank_after: bool
    reason: str | None
    headline: bool


BASE_NAMES = (
    "log_words",
    "log_chars",
    "ends_sentence",
    "stop_ratio",
    "capital_ratio",
    "digit_word_ratio",
    "commas_per_word",
    "sentence_breaks",
    "separators",
    "bullet",
    "indent",
    "blank_before",
    "blank_after",
    "position",
    "repeats",
    "linkish",
    "mean_word_length",
    "upper_ratio",
    "quotes",
    "ends_colon",
    "starts_lower",
    "camel_glue",
    "prose",
    *(f"rule_{reason}" for reason in REASONS),
    "topic_shared",
    "topic_depth",
    "headline_words",
)
_CONTEXT_BASE = (
    "log_words",
    "ends_sentence",
    "stop_ratio",
    "bullet",
    "capital_ratio",
    "prose",
    "topic_shared",
)
_OFFSETS = (-3, -2, -1, 1, 2, 3)
_WINDOWS = (3, 10)
NAMES = (
    *BASE_NAMES,
    *(f"{name}@{offset:+d}" for offset in _OFFSETS for name in _CONTEXT_BASE),
    *(f"{name}~{width}" for width in _WINDOWS for name in _CONTEXT_BASE),
    "prose_mass_before",
    "prose_mass_after",
    "log_lines_to_prose_above",
    "log_lines_to_prose_below",
    "log_total_words",
    "block_share",
    "in_largest_block",
    "log_block_rank",
    "blocks_from_largest",
    "log_furniture_between",
    "page_has_headline",
)
_BASE_INDEX = {name: i for i, name in enumerate(BASE_NAMES)}
_CONTEXT_INDEX = tuple(_BASE_INDEX[name] for name in _CONTEXT_BASE)
_PROSE = _BASE_INDEX["prose"]
_TOPIC_COLUMNS = slice(_BASE_INDEX["topic_shared"], _BASE_INDEX["headline_words"] + 1)
_TOPIC_PLACES = (0.0, 0.0, 0.0)


def _has_stop(text: str) -> bool:
    """Cheap test before the costly sentence-break pattern: no full stop, no break."""
    return any(mark in text for mark in ".!?…。！？")


def _maybe_link(text: str) -> bool:
    """Cheap test before the link pattern, which needs a dot, "//" or "@"."""
    return "." in text or "@" in text or "//" in text


_NO_REASON = (0.0,) * len(REASONS)
_REASON_COLUMNS = {
    reason: tuple(1.0 if other == reason else 0.0 for other in REASONS) for reason in REASONS
}


def _base(line: LineLike, position: float, repeats: int) -> list[float]:
    text = line.text
    words = line.words
    n = len(words) or 1
    size = line.size
    stop = sum(map(STOP_WORDS.__contains__, map(str.casefold, words)))
    capitals = sum(map(str.isupper, map(_FIRST, words)))
    digit_words = (
        sum(1 for w in words if not w.isalpha() and _DIGITS.search(w))
        if _DIGITS.search(text)
        else 0
    )
    if text.isascii():  # the common case, counted in C
        raw = text.encode()
        letters = (len(raw) - len(raw.translate(None, _ASCII_LETTERS))) or 1
        upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    else:
        letters = sum(map(str.isalpha, text)) or 1
        upper = sum(map(str.isupper, text))
    finished = 1.0 if ends_sentence(text) else 0.0
    prose = 1.0 if size >= 12 and finished and stop / n >= 0.15 else 0.0
    row = [
        math.log1p(size),
        math.log1p(len(text)),
        finished,
        stop / n,
        capitals / n,
        digit_words / n,
        text.count(",") / n,
        float(min(5, len(SENTENCE_BREAK.findall(text)))) if _has_stop(text) else 0.0,
        float(min(5, len(_SEPARATORS.findall(text)))),
        1.0 if _BULLET_START.match(text) else 0.0,
        float(min(12, line.indent)),
        1.0 if line.blank_before else 0.0,
        1.0 if line.blank_after else 0.0,
        position,
        math.log1p(repeats),
        1.0 if _maybe_link(text) and _LINKISH.search(text) else 0.0,
        sum(map(len, words)) / n,
        upper / letters,
        1.0 if _QUOTE.search(text) else 0.0,
        1.0 if text.endswith(":") else 0.0,
        1.0 if text[:1].islower() else 0.0,
        float(min(3, len(_CAMEL_GLUE.findall(text)))),
        prose,
    ]
    row.extend(_REASON_COLUMNS.get(line.reason, _NO_REASON))
    row.extend(_TOPIC_PLACES)  # filled for the whole page at once by ``rows``
    return row


def rows(lines: Sequence[LineLike], topics: Topics | None = None) -> np.ndarray:
    """One feature row per line, in ``NAMES`` order."""
    count = len(lines)
    if count == 0:
        return np.zeros((0, len(NAMES)))
    keys = _keys(lines)
    seen = Counter(keys)
    last = max(1, count - 1)
    base = np.asarray(
        [_base(line, i / last, seen[keys[i]] - 1) for i, line in enumerate(lines)],
        dtype=np.float64,
    )
    base[:, _TOPIC_COLUMNS] = (topics or Topics(lines, keys)).first_pass()
    context = base[:, _CONTEXT_INDEX]
    columns = [base]
    pad = np.zeros((3, context.shape[1]))
    padded = np.vstack([pad, context, pad])
    for offset in _OFFSETS:
        columns.append(padded[3 + offset : 3 + offset + count])
    prefix = np.vstack([np.zeros((1, context.shape[1])), np.cumsum(context, axis=0)])
    index = np.arange(count)
    for width in _WINDOWS:
        lo = np.maximum(0, index - width)
        hi = np.minimum(count, index + width + 1)
        columns.append((prefix[hi] - prefix[lo]) / (hi - lo)[:, None])
    sizes = np.asarray([line.size for line in lines], dtype=np.float64)
    prose_words = base[:, _PROSE] * sizes
    total = float(prose_words.sum()) or 1.0
    before = np.concatenate([[0.0], np.cumsum(prose_words)[:-1]]) / total
    after = 1.0 - before - prose_words / total
    prose_at = np.flatnonzero(base[:, _PROSE])
    if len(prose_at):
        previous = np.searchsorted(prose_at, index, side="left") - 1
        above = np.where(previous >= 0, index - prose_at[np.maximum(previous, 0)], 1_000)
        following = np.searchsorted(prose_at, index, side="right")
        below = np.where(
            following < len(prose_at),
            prose_at[np.minimum(following, len(prose_at) - 1)] - index,
            1_000,
        )
    else:
        above = below = np.full(count, 1_000)
    columns.append(before[:, None])
    columns.append(after[:, None])
    columns.append(np.log1p(np.minimum(above, 1_000))[:, None])
    columns.append(np.log1p(np.minimum(below, 1_000))[:, None])
    columns.append(np.full((count, 1), math.log1p(float(sizes.sum()))))
    columns.append(np.asarray(_blocks(lines, base), dtype=np.float64).reshape(count, 5))
    has_headline = any(line.headline for line in lines)
    columns.append(np.full((count, 1), 1.0 if has_headline else 0.0))
    return np.hstack(columns)


def _keys(lines: Sequence[LineLike]) -> list[str]:
    return [" ".join(line.words).casefold() for line in lines]


# Words this short are mostly grammar, whatever the language; topic words are longer.
_TOPIC_MIN_LENGTH = 4


def _topic_words(key: str) -> set[str]:
    """The longer words of a line's comparison key (its words, case-folded)."""
    return {
        w
        for w in set(key.split()).difference(STOP_WORDS)
        if len(w) >= _TOPIC_MIN_LENGTH and not w[:1].isdigit()
    }


class Topics:
    """Which lines share which longer words. An article's paragraphs keep coming back to
    the same names and things; a teaser, a related headline or an advertisement is about
    something else, so its words are seldom found anywhere else on the page. A line pasted
    twice counts once, so a teaser does not vouch for its own copy."""

    def __init__(self, lines: Sequence[LineLike], keys: Sequence[str] | None = None) -> None:
        keys = keys if keys is not None else _keys(lines)
        first_of: dict[str, int] = {}
        original = [first_of.setdefault(key, i) for i, key in enumerate(keys)]
        per_line = [_topic_words(key) for key in keys]
        sizes = [len(words) for words in per_line]
        # One (line, word) pair per topic word of each line, in a fixed order: sums of
        # floats taken in a set's order (which changes from run to run with string hashing)
        # differ in the last bit, and that is enough to change the trees a training grows.
        every = [word for words in per_line for word in sorted(words)]
        index = {word: n for n, word in enumerate(dict.fromkeys(every))}
        self.count = len(keys)
        self.line_at = np.repeat(np.arange(len(keys), dtype=np.intp), sizes)
        self.word_at = np.asarray([index[word] for word in every], dtype=np.intp)
        self.original = np.asarray(original, dtype=np.intp)
        # Pairs of lines that are not a copy of an earlier line: what vouches for a word.
        self.counted = self.original[self.line_at] == self.line_at
        headline = next((per_line[i] for i, line in enumerate(lines) if line.headline), set())
        self.in_headline = np.fromiter(
            (word in headline for word in every), dtype=np.float64, count=len(every)
        )
        self.sizes = np.asarray(sizes, dtype=np.float64)
        self.words = len(index)

    def _per_line(self, values: np.ndarray) -> np.ndarray:
        """Mean of a value over each line's topic words (-1 for a line without any)."""
        total = np.bincount(self.line_at, weights=values, minlength=self.count)
        return np.where(self.sizes > 0, total / np.maximum(self.sizes, 1.0), -1.0)

    def first_pass(self) -> np.ndarray:
        """Per line: the share of its topic words found on other lines, the mean log of
        how many other lines hold them, and log of how many are the headline's."""
        if not len(self.line_at):
            return np.tile([-1.0, 0.0, 0.0], (self.count, 1))
        lines_with = np.bincount(self.word_at[self.counted], minlength=self.words)
        others = np.maximum(0, lines_with[self.word_at] - 1).astype(np.float64)
        shared = self._per_line((others > 0).astype(np.float64))
        depth = np.maximum(0.0, self._per_line(np.log1p(others)))
        headline = np.log1p(np.bincount(self.line_at, self.in_headline, minlength=self.count))
        return np.column_stack([shared, depth, headline])

    def supported(self, p: np.ndarray) -> np.ndarray:
        """Per line: the share of its topic words that lines the first pass believes hold
        too (each word's belief summed over the other lines, at most 1): how much the line
        is about what the body is about."""
        if not len(self.line_at):
            return np.full(self.count, -1.0)
        counted = self.counted
        belief = np.bincount(
            self.word_at[counted], weights=p[self.line_at[counted]], minlength=self.words
        )
        mass = belief[self.word_at] - p[self.original[self.line_at]]
        return self._per_line(np.clip(mass, 0.0, 1.0))


def _blocks(lines: Sequence[LineLike], base: np.ndarray) -> list[tuple[float, ...]]:
    """Where a line stands relative to the page's largest run of prose.

    A block is a run of lines not broken by a line the UI rules named; the article body
    is usually the largest block, and teasers or comments come after a named break.
    """
    block_of: list[int] = []
    words: list[float] = []
    current = -1
    open_block = False
    for i, line in enumerate(lines):
        if line.reason is not None:
            block_of.append(-1)
            open_block = False
            continue
        if not open_block:
            current += 1
            words.append(0.0)
            open_block = True
        block_of.append(current)
        words[current] += lines[i].size * (1.0 if base[i][_PROSE] else 0.3)
    if not words:
        return [(0.0, 0.0, 0.0, 0.0, 0.0)] * len(lines)
    largest = max(range(len(words)), key=words.__getitem__)
    top = words[largest] or 1.0
    order = sorted(range(len(words)), key=lambda b: -words[b])
    rank = {b: r for r, b in enumerate(order)}
    largest_lines = [i for i, b in enumerate(block_of) if b == largest]
    lo, hi = largest_lines[0], largest_lines[-1]
    flagged = [0] * (len(lines) + 1)
    for i, line in enumerate(lines):
        flagged[i + 1] = flagged[i] + (1 if line.reason is not None else 0)
    out = []
    for i, b in enumerate(block_of):
        between = flagged[lo] - flagged[i + 1] if i < lo else flagged[i] - flagged[hi + 1]
        between = max(0, between) if not lo <= i <= hi else 0
        out.append(
            (
                words[b] / top if b >= 0 else 0.0,
                1.0 if b == largest else 0.0,
                math.log1p(rank[b]) if b >= 0 else 5.0,
                float(max(-10, min(10, b - largest))) if b >= 0 else 0.0,
                math.log1p(between),
            )
        )
    return out


STAGE2_NAMES = (
    *BASE_NAMES,
    "p",
    *(f"p@{offset:+d}" for offset in _OFFSETS),
    "p~5",
    "p~15",
    "p_max_before",
    "p_max_after",
    "p_mass_before",
    "p_mass_after",
    "p_over_page_max",
    "page_max_p",
    "p_topic",
    "p_topic~3",
)


def stage2_rows(first: np.ndarray, p: np.ndarray, sizes: np.ndarray, topics: Topics) -> np.ndarray:
    """The second pass sees the first pass's belief about each neighbour: smoothing learnt
    from data instead of hand-set run lengths."""
    count = len(p)
    columns = [first[:, : len(BASE_NAMES)], p[:, None]]
    padded = np.concatenate([np.zeros(3), p, np.zeros(3)])
    for offset in _OFFSETS:
        columns.append(padded[3 + offset : 3 + offset + count, None])
    cumulative = np.concatenate([[0.0], np.cumsum(p)])
    index = np.arange(count)
    for width in (5, 15):
        lo = np.maximum(0, index - width)
        hi = np.minimum(count, index + width + 1)
        columns.append(((cumulative[hi] - cumulative[lo]) / (hi - lo))[:, None])
    columns.append(np.maximum.accumulate(np.concatenate([[0.0], p[:-1]]))[:, None])
    columns.append(np.maximum.accumulate(np.concatenate([p[:0:-1], [0.0]]))[::-1][:, None])
    mass = p * sizes
    total = mass.sum() or 1.0
    before = (np.cumsum(mass) - mass) / total
    columns.append(before[:, None])
    columns.append((1.0 - before - mass / total)[:, None])
    top = float(p.max()) if count else 0.0
    columns.append((p / (top or 1.0))[:, None])
    columns.append(np.full((count, 1), top))
    supported = topics.supported(p)
    columns.append(supported[:, None])
    cumulative = np.concatenate([[0.0], np.cumsum(np.maximum(supported, 0.0))])
    lo = np.maximum(0, index - 3)
    hi = np.minimum(count, index + 4)
    columns.append(((cumulative[hi] - cumulative[lo]) / (hi - lo))[:, None])
    return np.hstack(columns)
