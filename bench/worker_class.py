"""Which RQ worker class to run: forking `Worker` or non-forking `SimpleWorker`, measured.

One run, one machine, one real redis-server (`RedisServer`, in a temporary
folder), the same N real jobs through `workers.jobs.analyze_article` for each
class. The model is loaded once in this process before either worker starts:
the forking worker's work-horses inherit it (copy-on-write), the simple worker
runs jobs in this very process. Prints wall time per job, the median time
inside a job (RQ's started_at..ended_at) and the ratio.

    python bench/worker_class.py --jobs 60 --analyses entities
"""

from __future__ import annotations

import argparse
import logging
import platform
import random
import statistics
import tempfile
import time
from dataclasses import dataclass

from redis import Redis
from rq import Queue, SimpleWorker, Worker

from newsdesk.queueing import JOB_FUNCTION, SERIALIZER
from newsdesk.redis_server import RedisServer
from workers.pipeline import warm_up

# Invented material: the benchmark must not depend on anyone's real copy.
PEOPLE = ["Marta Okonkwo", "Henrik Vale", "Priya Dassault", "Tomas Reinholt", "Ines Carvalho"]
PLACES = ["Port Aldwin", "Kestrel Bay", "the Marrow Valley", "North Harlan", "Lindqvist"]
BODIES = ["the Harbour Authority", "Aldwin City Council", "the Coastal Rail Company"]
SENTENCES = [
    "{person} told reporters in {place} on Tuesday that {body} would publish its review in May.",
    "The plan, costing about 14 million dollars, was approved by {body} after a long debate.",
    "Residents of {place} said the new timetable had made the morning commute slower.",
    "{person}, who has led {body} since 2019, declined to comment on the leaked figures.",
    "A spokesperson for {body} said the first trains would run between {place} and {place2}.",
    "Critics, including {person}, argued that the consultation had been far too short.",
]


def make_article(rng: random.Random, sentences: int) -> str:
    lines = []
    for _ in range(sentences):
        lines.append(
            rng.choice(SENTENCES).format(
                person=rng.choice(PEOPLE),
                place=rng.choice(PLACES),
                place2=rng.choice(PLACES),
                body=rng.choice(BODIES),
            )
        )
    paragraphs = [" ".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]
    return "\n\n".join(paragraphs)


@dataclass
class Timing:
    name: str
    jobs: int
    wall_seconds: float
    in_job_ms: list[float]

    @property
    def ms_per_job(self) -> float:
        return self.wall_seconds / self.jobs * 1000


def run_class(worker_class: type[Worker], url: str, articles: list[dict]) -> Timing:
    connection = Redis.from_url(url)
    connection.flushall()
    queue = Queue("bench", connection=connection, serializer=SERIALIZER)
    jobs = [queue.enqueue_call(JOB_FUNCTION, args=(article,), timeout=120) for article in articles]
    worker = worker_class([queue], connection=connection, serializer=SERIALIZER)
    started = time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    wall = time.perf_counter() - started
    in_job = []
    for job in jobs:
        job.refresh()
        if job.get_status() != "finished":
            raise SystemExit(f"{worker_class.__name__}: job {job.id} ended {job.get_status()}")
        in_job.append((job.ended_at - job.started_at).total_seconds() * 1000)
    connection.close()
    return Timing(worker_class.__name__, len(jobs), wall, in_job)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=60, help="jobs per worker class")
    parser.add_argument("--sentences", type=int, default=24, help="sentences per article")
    parser.add_argument("--analyses", default="entities", help="comma-separated analyses")
    parser.add_argument("--rounds", type=int, default=2, help="alternate the classes this often")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    rng = random.Random(7)
    analyses = args.analyses.split(",")
    articles = [
        {"text": make_article(rng, args.sentences), "analyses": analyses} for _ in range(args.jobs)
    ]
    words = statistics.mean(len(a["text"].split()) for a in articles)
    print(f"python {platform.python_version()}, {platform.machine()}, analyses={args.analyses}")
    print(f"{args.jobs} jobs per class per round, ~{words:.0f} words each, {args.rounds} rounds")

    load_started = time.perf_counter()
    warm_up()  # once, before any worker: the forking worker's horses inherit it
    print(f"model load: {time.perf_counter() - load_started:.2f} s (once, not counted below)")

    results: dict[str, list[Timing]] = {"Worker": [], "SimpleWorker": []}
    with tempfile.TemporaryDirectory() as data_dir, RedisServer(data_dir) as redis:
        # One throwaway job each: first-call costs (imports, caches) are not the class's fault.
        run_class(SimpleWorker, redis.url, articles[:1])
        run_class(Worker, redis.url, articles[:1])
        for _ in range(args.rounds):
            for worker_class in (Worker, SimpleWorker):
                results[worker_class.__name__].append(run_class(worker_class, redis.url, articles))

    print(f"{'class':<14}{'wall ms/job':>14}{'median in-job ms':>20}")
    summary = {}
    for name, timings in results.items():
        wall = statistics.mean(t.ms_per_job for t in timings)
        in_job = statistics.median(ms for t in timings for ms in t.in_job_ms)
        summary[name] = wall
        print(f"{name:<14}{wall:>14.1f}{in_job:>20.1f}")
    ratio = summary["Worker"] / summary["SimpleWorker"]
    print(f"forking Worker / SimpleWorker (wall per job): {ratio:.2f}x")


if __name__ == "__main__":
    main()
