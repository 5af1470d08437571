"""The fingerprint of a cleaned body: word shingles per paragraph and a MinHash signature.

Plain functions, no Redis: the job layer hands the fingerprint to the index
(``newsdesk.duplicate_index``), which compares fingerprints with ``newsdesk.similarity``.

Shingles are runs of SHINGLE_WORDS words, case-folded, punctuation dropped, taken inside
each paragraph (so moving paragraphs around changes nothing). Each is hashed to 32 bits
with BLAKE2b (stable across processes and versions, unlike ``hash()``). The signature is
rensa's MinHash (Rust), far cheaper than datasketch's (docs/duplicates.md, "What is
compared", has the figures).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from rensa import RMinHash

from newsdesk.similarity import Fingerprint

SHINGLE_WORDS = 5
PERMUTATIONS = 128
SEED = 20261123  # fixed for good: signatures from different seeds do not compare
# Fewer distinct shingles than this (a body of about a dozen words) is not fingerprinted:
# such a text would be "contained" in any long article that uses the same phrase.
MIN_SHINGLES = 10

_WORD = re.compile(r"\w+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: blocks separated by a blank line, as cleanup writes."""
    spans: list[tuple[int, int]] = []
    start = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        block = text[start:end]
        if block.strip():
            lead = len(block) - len(block.lstrip())
            spans.append((start + lead, start + len(block.rstrip())))
        if brk:
            start = brk.end()
    return spans


def shingles(text: str, size: int = SHINGLE_WORDS) -> list[str]:
    """Distinct runs of `size` words, in order; a shorter text is one shingle of all its words."""
    words = _WORD.findall(text.casefold())
    if not words:
        return []
    runs = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
    return list(dict.fromkeys(runs))


def _hash32(shingle: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(shingle, digest_size=4).digest(), "little")


def _encoded(group: list[str]) -> list[bytes]:
    # "surrogatepass": a pasted text may hold lone surrogates; they must not fail the job.
    return [s.encode("utf-8", "surrogatepass") for s in group]


def fingerprint(text: str) -> Fingerprint:
    """The body's fingerprint (see ``too_short`` before comparing it with anything)."""
    spans = paragraph_spans(text)
    per_paragraph = [_encoded(shingles(text[start:end])) for start, end in spans]
    every = list(dict.fromkeys(s for group in per_paragraph for s in group))
    minhash = RMinHash(num_perm=PERMUTATIONS, seed=SEED)
    minhash.update(every)
    hashes = [
        np.unique(np.array([_hash32(s) for s in group], dtype=np.uint32)) for group in per_paragraph
    ]
    return Fingerprint(
        paragraphs=spans,
        hashes=hashes,
        signature=np.array(minhash.digest(), dtype=np.uint32),
    )


def too_short(fp: Fingerprint) -> bool:
    """Too few words to tell anything apart: neither compared nor indexed."""
    return fp.size < MIN_SHINGLES
