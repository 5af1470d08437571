"""Comparing two article fingerprints: exact similarity, the MinHash estimate, shared passages.

Plain functions over plain data (numpy arrays, no Redis, no NLP), shared by the workers
(a lookup while the job runs) and the API (`GET /v1/jobs/{id}/similar` looks again). The
fingerprint itself is made from a text in ``workers.duplicates``.

Similarity is *containment*: the share of the shorter body's shingles found in the other
(|A ∩ B| / min(|A|, |B|)). A partner that cuts wire copy to half its length still prints
wire copy, and Jaccard would call that 0.5; containment calls it 1.0. Jaccard is given too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

IDENTICAL = "identical"
NEAR_DUPLICATE = "near_duplicate"
SAME_STORY = "same_story"
VERDICTS: tuple[str, ...] = (IDENTICAL, NEAR_DUPLICATE, SAME_STORY)

# A paragraph pair is a shared passage when at least this share of the shorter one's
# shingles is in the other.
PASSAGE_MIN_OVERLAP = 0.5


@dataclass(frozen=True)
class Fingerprint:
    """What is kept of a cleaned body: enough to verify a match and to align paragraphs.

    ``paragraphs`` are (start, end) spans in the cleaned body; ``hashes`` holds, per
    paragraph, the sorted distinct 32-bit hashes of its word shingles; ``signature`` is the
    body's MinHash signature (uint32, one value per permutation).
    """

    paragraphs: list[tuple[int, int]]
    hashes: list[np.ndarray]
    signature: np.ndarray
    shingles: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        joined = np.concatenate(self.hashes) if self.hashes else np.empty(0, np.uint32)
        object.__setattr__(self, "shingles", np.unique(joined.astype(np.uint32)))

    @property
    def size(self) -> int:
        return int(self.shingles.size)


@dataclass(frozen=True)
class Thresholds:
    near_duplicate: float = 0.8
    same_story: float = 0.3


def overlap(a: Fingerprint, b: Fingerprint) -> int:
    return int(np.intersect1d(a.shingles, b.shingles, assume_unique=True).size)


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Share of the smaller body's shingles that the other body has too (0 to 1)."""
    smaller = min(a.size, b.size)
    return overlap(a, b) / smaller if smaller else 0.0


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    shared = overlap(a, b)
    union = a.size + b.size - shared
    return shared / union if union else 0.0


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The MinHash estimate: the share of permutations whose minimum agrees."""
    return float(np.mean(a == b)) if a.size and a.size == b.size else 0.0


def estimated_containment(a: Fingerprint, b: Fingerprint) -> float:
    """Containment as the signatures alone suggest it, using the two set sizes.

    With J the estimated Jaccard, |A ∩ B| = J (|A| + |B|) / (1 + J).
    """
    j = estimated_jaccard(a.signature, b.signature)
    smaller = min(a.size, b.size)
    if not smaller:
        return 0.0
    return min(1.0, j * (a.size + b.size) / (1 + j) / smaller)


def same_paragraphs(a: Fingerprint, b: Fingerprint) -> bool:
    """The same paragraphs with the same words, in the same order (case and punctuation aside)."""
    return len(a.hashes) == len(b.hashes) and all(
        np.array_equal(x, y) for x, y in zip(a.hashes, b.hashes, strict=True)
    )


def verdict(similarity: float, identical: bool, thresholds: Thresholds) -> str | None:
    """`identical`, `near_duplicate`, `same_story`, or None (not similar enough to list)."""
    if identical:
        return IDENTICAL
    if similarity >= thresholds.near_duplicate:
        return NEAR_DUPLICATE
    if similarity >= thresholds.same_story:
        return SAME_STORY
    return None


def passages(a: Fingerprint, b: Fingerprint) -> list[dict[str, float | int]]:
    """Each paragraph of `a` that `b` shares, with the paragraph of `b` it matches best.

    A pair counts when at least PASSAGE_MIN_OVERLAP of the shorter paragraph's shingles are
    in the other; its `similarity` is the pair's Jaccard (1.0: the same words; lower: edited,
    cut or merged). Paragraphs of `a` not listed were written anew or rewritten past that.
    A shingle that `b` has in two paragraphs counts for the first.
    """
    if not a.hashes or not b.hashes:
        return []
    a_sizes = np.array([h.size for h in a.hashes])
    b_sizes = np.array([h.size for h in b.hashes])
    a_values = np.concatenate(a.hashes)
    a_owner = np.repeat(np.arange(len(a.hashes)), a_sizes)
    b_values = np.concatenate(b.hashes)
    order = np.argsort(b_values, kind="stable")
    b_sorted = b_values[order]
    b_owner = np.repeat(np.arange(len(b.hashes)), b_sizes)[order]
    at = np.searchsorted(b_sorted, a_values).clip(max=b_sorted.size - 1)
    hit = b_sorted[at] == a_values
    pairs, shared = np.unique(a_owner[hit] * len(b.hashes) + b_owner[at[hit]], return_counts=True)
    best: dict[int, tuple[float, float, int]] = {}
    for pair, count in zip(pairs.tolist(), shared.tolist(), strict=True):
        i, j = divmod(pair, len(b.hashes))
        share = count / min(a_sizes[i], b_sizes[j])
        if share < PASSAGE_MIN_OVERLAP:
            continue
        similarity = count / (a_sizes[i] + b_sizes[j] - count)
        if i not in best or (similarity, share) > best[i][:2]:
            best[i] = (float(similarity), float(share), j)
    return [
        {
            "paragraph": i,
            "start": a.paragraphs[i][0],
            "end": a.paragraphs[i][1],
            "other_paragraph": j,
            "other_start": b.paragraphs[j][0],
            "other_end": b.paragraphs[j][1],
            "similarity": round(similarity, 4),
        }
        for i, (similarity, _, j) in sorted(best.items())
    ]


def compare(a: Fingerprint, b: Fingerprint, thresholds: Thresholds) -> dict | None:
    """The match of `b` seen from `a`, or None when they are not similar enough to list."""
    similarity = containment(a, b)
    jaccard_value = jaccard(a, b)
    kind = verdict(similarity, same_paragraphs(a, b), thresholds)
    if kind is None:
        return None
    return {
        "verdict": kind,
        "similarity": round(similarity, 4),
        "jaccard": round(jaccard_value, 4),
        "estimated": round(estimated_containment(a, b), 4),
        "passages": passages(a, b),
    }
