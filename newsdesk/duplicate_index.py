"""The duplicates index in Redis: MinHash LSH bands -> job ids, one record per job, expiry.

Shared by the workers (look up, then add, as a job runs) and the API (look up again for
`GET /v1/jobs/{id}/similar`); it needs numpy and redis, nothing heavier.

Layout, all under ``newsdesk:dup:{owner}:`` so owners never meet:

- ``job:{id}`` - the job's record (signature, paragraph spans, shingle hashes; packed
  binary), expiring GRACE seconds after the job itself.
- ``band:{b}:{shard}`` - a sorted set per LSH band and shard: member the job id's 16 bytes,
  score the band's 52-bit value (exact in a double), found with ZRANGEBYSCORE v v. The
  shard (top SHARD_BITS of the value) keeps each set small enough for Redis's compact
  encoding at a million articles; the key's own TTL is renewed on each write into it.
- ``expiry`` - a sorted set of job ids scored by when each job expires. Every add first
  removes up to SWEEP_BATCH expired jobs from their bands (read from their records, which
  outlive the job by GRACE for that); a lookup skips expired jobs and drops members whose
  record has gone.
"""

from __future__ import annotations

import struct
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from redis import Redis

from newsdesk.settings import Config
from newsdesk.similarity import Fingerprint, Thresholds, compare

BANDS = 64
ROWS = 2  # BANDS * ROWS permutations are used: a pair at Jaccard 0.2 is a candidate 93% of the time
SHARD_BITS = 14
VALUE_BITS = 52
GRACE = 86_400  # seconds a record outlives its job, so the sweep can still read its bands
SWEEP_BATCH = 100
MAX_CANDIDATES = 200  # the most candidates verified per lookup, most shared bands first

# One round trip per article each way: the bands are written and read server-side.
_ADD_BANDS = """
for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, ARGV[i + 2], ARGV[1])
    redis.call('EXPIRE', key, ARGV[2])
end
"""
_READ_BANDS = """
local found = {}
for i, key in ipairs(KEYS) do
    local members = redis.call('ZRANGEBYSCORE', key, ARGV[i], ARGV[i])
    for _, member in ipairs(members) do found[#found + 1] = member end
end
return found
"""

_HEADER = struct.Struct("<BddII")  # version, indexed_at, expires_at, paragraphs, permutations
_VERSION = 1
_MASK52 = np.uint64((1 << VALUE_BITS) - 1)


@dataclass(frozen=True)
class Record:
    job_id: str
    indexed_at: float
    expires_at: float
    fingerprint: Fingerprint


def _prefix(owner: str) -> str:
    return f"newsdesk:dup:{owner}:"


def _member(job_id: str) -> bytes:
    return uuid.UUID(job_id).bytes


def band_values(signature: np.ndarray) -> list[int]:
    """One 52-bit value per band: the band's ROWS minima mixed into one number."""
    rows = signature[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    value = np.zeros(BANDS, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            value = (value ^ rows[:, r]) * np.uint64(0x9E3779B97F4A7C15)
            value ^= value >> np.uint64(29)
        value = (value ^ np.arange(BANDS, dtype=np.uint64)) * np.uint64(0xBF58476D1CE4E5B9)
        value ^= value >> np.uint64(32)
    return [int(v) for v in value & _MASK52]


def _band_keys(prefix: str, values: list[int]) -> list[str]:
    shift = VALUE_BITS - SHARD_BITS
    return [f"{prefix}band:{b}:{v >> shift}" for b, v in enumerate(values)]


def pack(indexed_at: float, expires_at: float, fp: Fingerprint) -> bytes:
    table = np.array(
        [(s, e, h.size) for (s, e), h in zip(fp.paragraphs, fp.hashes, strict=True)],
        dtype="<u4",
    ).reshape(-1, 3)
    hashes = np.concatenate(fp.hashes) if fp.hashes else np.empty(0, np.uint32)
    return b"".join(
        (
            _HEADER.pack(_VERSION, indexed_at, expires_at, len(fp.paragraphs), fp.signature.size),
            fp.signature.astype("<u4").tobytes(),
            table.tobytes(),
            hashes.astype("<u4").tobytes(),
        )
    )


def unpack(job_id: str, raw: bytes) -> Record | None:
    """The record, or None for one written by another version of this layout."""
    version, indexed_at, expires_at, count, perms = _HEADER.unpack_from(raw)
    if version != _VERSION:
        return None
    at = _HEADER.size
    signature = np.frombuffer(raw, "<u4", perms, at).astype(np.uint32)
    at += perms * 4
    table = np.frombuffer(raw, "<u4", count * 3, at).reshape(-1, 3)
    at += count * 12
    hashes = np.frombuffer(raw, "<u4", offset=at).astype(np.uint32)
    bounds = np.cumsum(table[:, 2]) if count else np.empty(0, np.int64)
    groups = np.split(hashes, bounds[:-1]) if count else []
    fp = Fingerprint(
        paragraphs=[(int(s), int(e)) for s, e, _ in table.tolist()],
        hashes=list(groups),
        signature=signature,
    )
    return Record(job_id, indexed_at, expires_at, fp)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


class DuplicateIndex:
    """One owner's index. Thresholds decide which candidates are listed."""

    def __init__(self, redis: Redis, owner: str, thresholds: Thresholds, limit: int) -> None:
        self.redis = redis
        self.prefix = _prefix(owner)
        self.thresholds = thresholds
        self.limit = limit
        self._add_bands = redis.register_script(_ADD_BANDS)
        self._read_bands = redis.register_script(_READ_BANDS)

    @classmethod
    def for_owner(cls, redis: Redis, owner: str, config: Config) -> DuplicateIndex:
        """`owner`'s index with the thresholds and match count the settings give."""
        thresholds = Thresholds(config.duplicate_near, config.duplicate_same_story)
        return cls(redis, owner, thresholds, config.duplicate_max_matches)

    def record(self, job_id: str) -> Record | None:
        """The job's record; None when it was not indexed or has gone."""
        raw = self.redis.get(f"{self.prefix}job:{job_id}")
        return unpack(job_id, raw) if raw else None

    def add(self, job_id: str, fp: Fingerprint, ttl: int, now: float | None = None) -> None:
        """Index a finished job for `ttl` seconds (its result TTL): then it is gone too."""
        self.add_many([(job_id, fp)], ttl, now)

    def add_many(
        self, jobs: list[tuple[str, Fingerprint]], ttl: int, now: float | None = None
    ) -> None:
        """Index several jobs in one round trip (a backfill, the scale benchmark)."""
        now = time.time() if now is None else now
        self.sweep(now)
        keep = ttl + GRACE
        pipe = self.redis.pipeline(transaction=False)
        for job_id, fp in jobs:
            member = _member(job_id)
            values = band_values(fp.signature)
            pipe.set(f"{self.prefix}job:{job_id}", pack(now, now + ttl, fp), ex=keep)
            pipe.zadd(f"{self.prefix}expiry", {member: now + ttl})
            self._add_bands(_band_keys(self.prefix, values), [member, keep, *values], pipe)
        pipe.execute()

    def sweep(self, now: float | None = None) -> int:
        """Take up to SWEEP_BATCH expired jobs out of their bands; how many were taken."""
        now = time.time() if now is None else now
        expired = self.redis.zrangebyscore(
            f"{self.prefix}expiry", "-inf", now, start=0, num=SWEEP_BATCH
        )
        if not expired:
            return 0
        ids = [str(uuid.UUID(bytes=m)) for m in expired]
        raws = self.redis.mget([f"{self.prefix}job:{i}" for i in ids])
        pipe = self.redis.pipeline(transaction=False)
        for member, job_id, raw in zip(expired, ids, raws, strict=True):
            record = unpack(job_id, raw) if raw else None
            if record is not None:
                for key in _band_keys(self.prefix, band_values(record.fingerprint.signature)):
                    pipe.zrem(key, member)
            pipe.delete(f"{self.prefix}job:{job_id}")
        pipe.zrem(f"{self.prefix}expiry", *expired)
        pipe.execute()
        return len(expired)

    def candidates(self, fp: Fingerprint, exclude: str | None = None) -> list[str]:
        """Job ids sharing at least one band with `fp`, most shared bands first."""
        values = band_values(fp.signature)
        keys = _band_keys(self.prefix, values)
        hits: Counter[bytes] = Counter(self._read_bands(keys, values))
        if exclude is not None:
            hits.pop(_member(exclude), None)
        return [str(uuid.UUID(bytes=m)) for m, _ in hits.most_common(MAX_CANDIDATES)]

    def lookup(
        self, fp: Fingerprint, exclude: str | None = None, now: float | None = None
    ) -> list[dict]:
        """Indexed jobs similar to `fp`, most similar first, verified on their records."""
        now = time.time() if now is None else now
        ids = self.candidates(fp, exclude)
        if not ids:
            return []
        raws = self.redis.mget([f"{self.prefix}job:{i}" for i in ids])
        gone: list[str] = []
        matches: list[dict] = []
        for job_id, raw in zip(ids, raws, strict=True):
            record = unpack(job_id, raw) if raw else None
            if record is None:
                gone.append(job_id)
                continue
            if record.expires_at <= now:
                continue
            match = compare(fp, record.fingerprint, self.thresholds)
            if match is not None:
                matches.append({"job_id": job_id, "indexed_at": _iso(record.indexed_at), **match})
        if gone:
            self._drop(fp, gone)
        matches.sort(key=lambda m: (-m["similarity"], m["indexed_at"]))
        return matches[: self.limit]

    def _drop(self, fp: Fingerprint, job_ids: list[str]) -> None:
        """Members whose record has gone: drop them from the bands this lookup read."""
        members = [_member(i) for i in job_ids]
        pipe = self.redis.pipeline(transaction=False)
        for key in _band_keys(self.prefix, band_values(fp.signature)):
            pipe.zrem(key, *members)
        pipe.execute()
