"""Parse a text with spaCy in paragraph-aligned chunks, offsets kept into the whole text.

A 200,000-character article in one ``Doc`` works but holds every token's arrays at
once; cut at paragraph breaks, the pieces go through ``nlp.pipe`` (batched). A seam only
ever falls on a blank line, which no name spans and which already starts a new
sentence (see ``workers.nlp``), so no entity or sentence is cut in two.
A paragraph longer than a chunk stays whole. An article shorter than a chunk is
one Doc, exactly as ``nlp(text)`` would give.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from workers.stats import count_words

CHUNK_CHARS = 20_000
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


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
    return bounds


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
            docs = [nlp(text)]
        else:
            pieces = (text[start:end] for start, end in bounds)
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
