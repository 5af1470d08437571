"""Parse a text with spaCy in paragraph-aligned chunks, offsets kept into the whole text.

A 200,000-character article in one ``Doc`` works but holds every token's arrays at
once; cut at paragraph breaks, the pieces go through ``nlp.pipe`` (batched). A seam only
ever falls on a blank line, which no name spans and which already starts a new
sentence (see ``workers.nlp``), so no entity or sentence is cut in two.
A paragraph longer than a chunk (no article has one) is cut at a line break or a
sentence's end, else at white space, else anywhere. An article shorter than a chunk is
one Doc, exactly as ``nlp(text)`` would give.

Each piece is tokenized by ``make_doc``, which bounds the tokenizer's work on what no
article holds (see there): a Doc's text is always its piece of the text exactly, so
every offset stays exact.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from workers.stats import count_words

CHUNK_CHARS = 20_000
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")

# spaCy's tokenizer takes a run's prefixes and suffixes (punctuation, emoji, "'s",
# "US$") off one at a time and searches what is left again each time, so its work on a
# run grows with the length of the run times the number it takes off: with the square
# of its length for a run of emoji or punctuation. A run longer than PIECE from which it
# might take more than MAX_AFFIXES is cut into pieces of PIECE characters, tokenized one
# by one. Articles have no such runs but separators ("_____"), which spaCy cuts into
# single characters anyway.
PIECE = 16
MAX_AFFIXES = 8
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{PIECE + 1},}}")
_EDGE = re.compile(r"(?:[^\w\s]|_)*")
# Tokens per character above which a text is not prose (the articles of the evaluation
# set have at most 0.28): it gets ``coarse_doc``'s tokens rather than spaCy's. Every
# step after the tokenizer costs about the same per token, and spaCy makes a token of
# every character of a run of punctuation or emoji, of "a-b-c-d", and of every line
# break of one-letter lines.
DENSE = 0.5
# Shorter texts are never taken for dense: the last paragraphs of a long article may be
# a short line of punctuation or figures, and they cost little anyway.
_MIN_DENSE_CHARS = 1000
_RUN = re.compile(r"\S+")
# What spaCy may split off a run: anything but letters, digits and white space.
_SPLITTABLE = re.compile(r"[^\w\s]|_")
# White space that is a token of its own: any but one space after a run.
_SPACE_TOKEN = re.compile(r"(?<!\S)\s+|\s(?<! )\s*|  +")
# The tokens of a dense text: 8 to 32 characters, ending at white space when there is
# some that near.
_COARSE_TOKEN = re.compile(r"[\s\S]{8,32}?(?=\s|$)|[\s\S]{1,32}")


def estimated_tokens(text: str) -> int:
    """At least about as many tokens as spaCy makes of ``text``: its runs without white
    space, two for each character it may split a run at, and its white space other than
    one space after a run. Past one a character, a text is dense without asking the
    tokenizer: prose stays far below (the evaluation set's articles at most 0.35)."""
    runs = len(_RUN.findall(text))
    return runs + 2 * len(_SPLITTABLE.findall(text)) + len(_SPACE_TOKEN.findall(text))


def coarse_doc(vocab: Vocab, text: str) -> Doc:
    """A Doc of ``text`` cut into pieces of 8 to 32 characters, white space and all: for
    a text that is no prose, whose every character spaCy would make a token of."""
    words = _COARSE_TOKEN.findall(text)
    return Doc(vocab, words=words, spaces=[False] * len(words))


def affixes(run: str) -> int:
    """About the most prefixes and suffixes spaCy's tokenizer may take off ``run`` (a
    run without white space): the characters it may split off at either end, and the
    apostrophes and dollar signs between them (of "’s" and "US$", taken off with
    letters)."""
    leading = _edge(run)
    if leading == len(run):
        return 2 * leading
    trailing = _edge(run[::-1])
    middle = run[leading : len(run) - trailing]
    return leading + trailing + middle.count("'") + middle.count("’") + middle.count("$")


def _edge(run: str) -> int:
    """How many characters at the start of ``run`` spaCy may split off."""
    found = _EDGE.match(run)
    return found.end() if found else 0


def make_doc(nlp: Language, text: str) -> Doc:
    """The tokens of ``text``, in time linear in its length whatever its characters.

    Prose gets spaCy's own tokens (``nlp.make_doc``), with a run that would cost the
    tokenizer dear (``PIECE``, ``MAX_AFFIXES``) cut into pieces tokenized one by one; a
    dense text (``DENSE``) gets ``coarse_doc``'s. The Doc's text is ``text``.
    """
    long_enough = len(text) >= _MIN_DENSE_CHARS
    if long_enough and estimated_tokens(text) > len(text):
        return coarse_doc(nlp.vocab, text)
    cuts = [
        at
        for match in _LONG_RUN.finditer(text)
        if affixes(match.group()) > MAX_AFFIXES
        for at in range(match.start() + PIECE, match.end(), PIECE)
    ]
    if cuts:
        pieces = [nlp.make_doc(text[a:b]) for a, b in pairwise([0, *cuts, len(text)])]
        doc = Doc.from_docs(pieces, ensure_whitespace=False)
    else:
        doc = nlp.make_doc(text)
    if long_enough and len(doc) > DENSE * len(text):
        return coarse_doc(nlp.vocab, text)
    return doc


def chunk_bounds(text: str, max_chars: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces covering ``text``, each ending just after a paragraph break."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    cuts = [m.end() for m in _PARAGRAPH_BREAK.finditer(text)]
    bounds: list[tuple[int, int]] = []
    start = 0
    last_cut = 0
    for cut in [*cuts, len(text)]:
        if cut - start > max_chars and last_cut > start:
            bounds.append((start, last_cut))
            start = last_cut
        last_cut = cut
    if start < len(text):
        bounds.append((start, len(text)))
    return [piece for a, b in bounds for piece in _cut_paragraph(text, a, b, max_chars)]


def model_reach(nlp: Language, text: str, max_tokens: int) -> int:
    """How many characters from the start of ``text`` hold at most ``max_tokens`` of the
    tokens the model gets (``make_doc``'s, chunk by chunk as ``parse`` cuts them):
    ``len(text)`` when all of it does.

    The model's time goes with its tokens, and a text may have twice an article's tokens
    per character (dialogue, lists, short lines) without being dense enough for coarse
    tokens: a bound on tokens bounds the parse whatever the characters.
    """
    if len(text) <= max_tokens:  # a token is at least a character
        return len(text)
    seen = 0
    for start, end in chunk_bounds(text):
        doc = make_doc(nlp, text[start:end])
        if seen + len(doc) > max_tokens:
            return start + doc[max_tokens - seen].idx
        seen += len(doc)
    return len(text)


# Where a paragraph longer than a chunk is cut, best first: after a line break, after the
# end of a sentence, after white space. Looked for in the second half of each piece.
_CUT_AFTER = (re.compile(r"\n"), re.compile(r"[.!?…。！？][\"'”’»)\]]*\s"), re.compile(r"\s"))


def _cut_paragraph(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """``text[start:end]`` in pieces of at most ``max_chars``: a paragraph that long is
    no article's, and one Doc of it would take memory, and time per token, that grow
    with its length."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        low, high = start + max_chars // 2, start + max_chars
        cut = high
        for boundary in _CUT_AFTER:
            found = [m.end() for m in boundary.finditer(text, low, high)]
            if found:
                cut = found[-1]
                break
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


@dataclass
class Parsed:
    """A text and its Docs, each with the offset of its first character in the text."""

    text: str
    chunks: list[tuple[int, Doc]]
    _sentence_starts: list[int] | None = field(default=None, repr=False)

    @classmethod
    def from_doc(cls, doc: Doc) -> Parsed:
        return cls(doc.text, [(0, doc)])

    @property
    def doc(self) -> Doc:
        """One Doc over the whole text (the chunks joined; their texts add up exactly)."""
        if len(self.chunks) == 1:
            return self.chunks[0][1]
        return Doc.from_docs([doc for _, doc in self.chunks], ensure_whitespace=False)

    def entities(self) -> Iterator[tuple[int, Span]]:
        """(offset of its chunk, span) for every entity the model found, in text order."""
        for offset, doc in self.chunks:
            for ent in doc.ents:
                yield offset, ent

    @property
    def sentence_starts(self) -> list[int]:
        """Start offsets of the sentences that hold a word (the ones stats counts)."""
        if self._sentence_starts is None:
            starts: list[int] = []
            for offset, doc in self.chunks:
                if not doc.has_annotation("SENT_START"):
                    if count_words(doc.text):
                        starts.append(offset)
                    continue
                starts.extend(
                    offset + sent.start_char for sent in doc.sents if count_words(sent.text)
                )
            self._sentence_starts = starts
        return self._sentence_starts

    def sentence_of(self, start: int) -> int:
        """Index (from 0) of the counted sentence holding the character at ``start``."""
        return max(bisect_right(self.sentence_starts, start) - 1, 0)


def parse(
    nlp: Language,
    text: str,
    *,
    disable: Sequence[str] = (),
    max_chars: int = CHUNK_CHARS,
    batch_size: int = 8,
) -> Parsed:
    bounds = chunk_bounds(text, max_chars)
    disabled = [name for name in disable if name in nlp.pipe_names]
    with nlp.select_pipes(disable=disabled):
        if len(bounds) == 1:
            docs = [nlp(make_doc(nlp, text))]
        else:
            pieces = (make_doc(nlp, text[start:end]) for start, end in bounds)
            # No cyclic garbage is made here, but the batches' allocations set off full
            # collections over the loaded model's objects; a job-timeout signal that
            # arrives during one is then handled inside whatever gc callback is
            # registered and lost (seen with hypothesis's in the test suite).
            collecting = gc.isenabled()
            gc.disable()
            try:
                docs = list(nlp.pipe(pieces, batch_size=batch_size))
            finally:
                if collecting:
                    gc.enable()
    return Parsed(text, [(start, doc) for (start, _), doc in zip(bounds, docs, strict=True)])
