"""The duplicates index at scale: lookup latency and Redis memory per article.

Fills a private redis-server (no persistence) with synthetic fingerprints through the
index's own code, then times lookups: a fresh article that matches nothing (the common
case) and a near copy of an indexed one (verified, passages aligned). Synthetic articles
have PARAGRAPHS paragraphs of SHINGLES_PER_PARAGRAPH random shingle hashes (about 540
words, the mean of the service's benchmark articles) and random signatures. Redis memory
is read from INFO before and after filling; per article = the difference / articles.
The fingerprint of a real article is timed too, beside cleanup of the same article.

    python bench/duplicates_scale.py [--articles 1000000] [--lookups 2000] [--batch 500]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdesk.duplicate_index import DuplicateIndex  # noqa: E402
from newsdesk.redis_server import RedisServer  # noqa: E402
from newsdesk.similarity import Fingerprint, Thresholds  # noqa: E402
from workers.cleanup import clean  # noqa: E402
from workers.duplicates import PERMUTATIONS, fingerprint  # noqa: E402

PARAGRAPHS = 10
SHINGLES_PER_PARAGRAPH = 52
TTL = 7 * 86_400


def synthetic(rng: np.random.Generator) -> Fingerprint:
    hashes = [
        np.unique(rng.integers(0, 2**32, SHINGLES_PER_PARAGRAPH, dtype=np.uint32))
        for _ in range(PARAGRAPHS)
    ]
    spans = [(i * 400, i * 400 + 380) for i in range(PARAGRAPHS)]
    signature = rng.integers(0, 2**32, PERMUTATIONS, dtype=np.uint32)
    return Fingerprint(paragraphs=spans, hashes=hashes, signature=signature)


def near_copy(fp: Fingerprint, rng: np.random.Generator) -> Fingerprint:
    """The same article with one paragraph rewritten; a third of its signature redrawn."""
    hashes = list(fp.hashes)
    hashes[0] = np.unique(rng.integers(0, 2**32, SHINGLES_PER_PARAGRAPH, dtype=np.uint32))
    signature = fp.signature.copy()
    redraw = rng.random(signature.size) < 0.1
    signature[redraw] = rng.integers(0, 2**32, int(redraw.sum()), dtype=np.uint32)
    return Fingerprint(paragraphs=fp.paragraphs, hashes=hashes, signature=signature)


def used_memory(redis: Redis) -> int:
    return int(redis.info("memory")["used_memory"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_fingerprint() -> None:
    sample = ROOT / "tests" / "fixtures" / "wire_story.txt"
    text = clean(sample.read_text(encoding="utf-8"))["text"]
    runs = 200
    began = time.perf_counter()
    for _ in range(runs):
        clean(sample.read_text(encoding="utf-8"))
    cleanup_ms = (time.perf_counter() - began) / runs * 1000
    began = time.perf_counter()
    for _ in range(runs):
        fp = fingerprint(text)
    fp_ms = (time.perf_counter() - began) / runs * 1000
    print(
        f"fingerprint : {fp_ms:.2f} ms an article ({fp.size} shingles); cleanup of the same "
        f"article {cleanup_ms:.2f} ms; ratio {fp_ms / cleanup_ms:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    time_fingerprint()
    rng = np.random.default_rng(7)
    with (
        tempfile.TemporaryDirectory() as data,
        RedisServer(data, extra_args=("--appendonly", "no")) as server,
    ):
        redis = Redis.from_url(server.url)
        index = DuplicateIndex(redis, "bench", Thresholds(), limit=20)
        before = used_memory(redis)
        kept: list[tuple[str, Fingerprint]] = []
        began = time.perf_counter()
        done = 0
        while done < args.articles:
            size = min(args.batch, args.articles - done)
            jobs = [(str(uuid.uuid4()), synthetic(rng)) for _ in range(size)]
            index.add_many(jobs, TTL)
            if len(kept) < args.lookups:
                kept.append(jobs[0])
            done += size
            if done % 100_000 == 0:
                print(f"  {done:>9,} indexed, {time.perf_counter() - began:.0f} s", flush=True)
        fill = time.perf_counter() - began
        memory = used_memory(redis) - before
        print(
            f"indexed     : {args.articles:,} articles in {fill:.0f} s "
            f"({args.articles / fill:,.0f} a second, batches of {args.batch})"
        )
        print(
            f"memory      : {memory / 2**20:,.0f} MiB, {memory / args.articles:,.0f} bytes an "
            f"article; {redis.dbsize():,} keys"
        )
        # The noise floor of this machine in the same run: one Redis round trip (a PING),
        # timed between the lookups, so a busy machine shows in both figures.
        floor: list[float] = []
        for name, probes in (
            ("no match", [synthetic(rng) for _ in range(args.lookups)]),
            ("near copy", [near_copy(kept[i % len(kept)][1], rng) for i in range(args.lookups)]),
        ):
            latencies: list[float] = []
            found = 0
            for probe in probes:
                began = time.perf_counter()
                matches = index.lookup(probe)
                latencies.append((time.perf_counter() - began) * 1000)
                found += bool(matches)
                began = time.perf_counter()
                redis.ping()
                floor.append((time.perf_counter() - began) * 1000)
            print(
                f"lookup      : {name:<9} p50 {statistics.median(latencies):.2f} ms, "
                f"p99 {percentile(latencies, 0.99):.2f} ms, max {max(latencies):.2f} ms "
                f"({found}/{len(probes)} found a match)"
            )
        print(
            f"baseline    : one PING    p50 {statistics.median(floor):.2f} ms, "
            f"p99 {percentile(floor, 0.99):.2f} ms, max {max(floor):.2f} ms"
        )


if __name__ == "__main__":
    main()
