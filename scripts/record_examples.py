"""Record the examples in openapi.yaml from a real run: API, Redis, an RQ worker, the pipeline.

The examples a client reads in the documentation are what the service really
answers. Run `make openapi` after changing the analyses; a test fails while the
recorded result differs from what the pipeline produces now.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

from redis import Redis
from rq import Queue

from newsdesk.queueing import SERIALIZER
from newsdesk.redis_server import RedisServer
from newsdesk.settings import load
from service.app import create_app
from workers.pipeline import warm_up
from workers.worker import WORKER_CLASS

OUT = Path(__file__).resolve().parent.parent / "service" / "examples.json"

# An invented story, pasted the way a web page arrives: menu, headline, byline, date,
# a caption with its credit, share buttons and a teaser list around the body.
ARTICLE = {
    "text": (
        "Home | News | Local | Sport | Weather\n"
        "Harbour ferry returns after winter repairs\n"
        "By Ana Ruiz\n"
        "March 3, 2025 09:10\n"
        "The repaired ferry leaves Brindle Bay on its first crossing. (Photo: Tomas Weller)\n"
        "The Brindle Bay ferry resumed service on Monday after four months of repairs, "
        "the Northern Ports Authority (NPA) said.\n\n"
        "The 40-year-old vessel carries about 1,200 passengers a day between Brindle Bay "
        "and Carrow Island. Its hull was patched and both engines were replaced at a cost "
        "of 2.3 million euros.\n\n"
        '"We have kept the island connected all winter with a smaller boat, and people '
        'have been patient," said Marta Okafor, who runs the NPA. Okafor said timetables '
        "would return to normal on Wednesday.\n"
        "Share on Facebook\n"
        "Share on X\n"
        "Related stories\n"
        "Island school reopens after storm damage\n"
    ),
    "url": "https://news.example.com/local/harbour-ferry-returns",
    "analyses": ["cleanup", "entities", "stats"],
    "metadata": {"desk": "local", "cms_id": 48213},
}


def work(config, queue: Queue, redis: Redis) -> None:
    """The project's own worker, in this process, until the queue is empty: it stores each
    job's timings, counts it and indexes it exactly as in production."""
    worker = WORKER_CLASS([queue], connection=redis, serializer=SERIALIZER)
    worker.config = config
    worker.work(burst=True)


def run_one(config, article: dict, redis: Redis) -> tuple[dict, dict]:
    """POST the article, let a real worker take it, and read the job back."""
    client = create_app(config).test_client()
    queued = client.post("/v1/articles", json=article)
    assert queued.status_code == 202, queued.get_json()
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    work(config, queue, redis)
    ended = client.get(queued.headers["Location"])
    return queued.get_json(), ended.get_json()


# Two short invented briefs and one article left blank: a batch shows both jobs and errors.
BATCH_REQUEST = {
    "articles": [
        {
            "text": "The Carrow Island library opens on Sundays from May, the island council "
            "said on Friday. Librarian Oona Berg said weekend visits had doubled.",
            "analyses": ["entities", "stats"],
            "metadata": {"cms_id": 48214},
        },
        {"text": "   ", "metadata": {"cms_id": 48215}},
        {
            "text": "Brindle Bay's harbour market moves to the old ferry shed for the "
            "winter, market manager Tariq Osei said.",
            "analyses": ["entities"],
            "metadata": {"cms_id": 48216},
        },
    ],
}


# An invented council story and a lightly edited copy of it (a partner's rewrite, three
# small changes): the second job's `duplicates` finds the first as a near duplicate, and
# GET /similar of the first finds the second, which came later.
COUNCIL_STORY = (
    "Kessel town council approved a cycle lane along Harbour Road on Tuesday, after "
    "two years of argument over parking for the fish market.\n\n"
    "Work starts in April and should take about ten weeks, council engineer Petra "
    "Lund said. The lane will run from the ferry terminal to the railway station.\n\n"
    "Shop owners on the road had asked for their loading bays to stay, and the "
    "council agreed to keep four of them.\n\n"
    '"Most of our customers come by bike already," said Jonas Berg, who sells '
    "smoked fish near the terminal. He said the market would plan its summer opening "
    "hours around the works."
)
COUNCIL_STORY_EDITED = (
    COUNCIL_STORY.replace("approved", "voted for")
    .replace("about ten weeks", "about twelve weeks")
    .replace("He said the market", "He added that the market")
)
DUPLICATE_ARTICLES = [
    {"text": COUNCIL_STORY, "analyses": ["duplicates"], "metadata": {"cms_id": 48220}},
    {
        "text": COUNCIL_STORY_EDITED,
        "analyses": ["duplicates"],
        "metadata": {"cms_id": 48231, "source": "partner"},
    },
]


def run_duplicates(config, redis: Redis) -> tuple[dict, dict]:
    """Both articles, one after the other, each run by a real worker; then the first's
    similar jobs. Returns the second job (its `duplicates` lists the first) and /similar."""
    jobs = [run_one(config, article, redis)[1] for article in DUPLICATE_ARTICLES]
    client = create_app(config).test_client()
    similar = client.get(f"/v1/jobs/{jobs[0]['id']}/similar")
    assert similar.status_code == 200, similar.get_json()
    return jobs[1], similar.get_json()


def run_batch(config, redis: Redis) -> tuple[dict, dict]:
    """POST the batch, let a real worker take its jobs, and read the batch back."""
    client = create_app(config).test_client()
    queued = client.post("/v1/batches", json=BATCH_REQUEST)
    assert queued.status_code == 202, queued.get_json()
    queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
    work(config, queue, redis)
    return queued.get_json(), client.get(queued.headers["Location"]).get_json()


def main() -> None:
    warm_up()  # as a worker does before its first job, so the recorded timings are typical
    with tempfile.TemporaryDirectory() as data, RedisServer(data) as server:
        config = replace(load(), redis_url=server.url, queue_name="examples", auth="disabled")
        redis = Redis.from_url(server.url)
        queued, finished = run_one(config, ARTICLE, redis)
        # A failed job, for real: an article far too long for a one-second time limit.
        story = (Path(__file__).parent.parent / "tests" / "fixtures" / "wire_story.txt").read_text()
        paragraphs = (
            f"Update {i}: {p}" for i in range(120) for p in story.split("\n\n") if p.strip()
        )
        long_article = {**ARTICLE, "text": "\n\n".join(paragraphs)}
        _, failed = run_one(replace(config, job_timeout=1), long_article, redis)
        # A cancelled job: queued, then DELETEd before any worker took it. The text differs
        # from the first article's, which would otherwise come back at once as a reused result.
        client = create_app(config).test_client()
        queued_again = client.post("/v1/articles", json={**ARTICLE, "title": "Ferry strike"})
        canceled = client.delete(queued_again.headers["Location"]).get_json()
        batch_queued, batch = run_batch(config, redis)
        duplicate, similar = run_duplicates(config, redis)
    assert finished["status"] == "finished", finished["status"]
    assert failed["status"] == "failed", failed["status"]
    assert canceled["status"] == "canceled", canceled["status"]
    [match] = duplicate["result"]["duplicates"]["matches"]
    assert match["verdict"] == "near_duplicate", match
    assert [m["job_id"] for m in similar["matches"]] == [duplicate["id"]], similar
    examples = {
        "article": ARTICLE,
        "queued": queued,
        "finished": finished,
        "failed": failed,
        "canceled": canceled,
        "batch_request": BATCH_REQUEST,
        "batch_queued": batch_queued,
        "batch": batch,
        "duplicate_articles": DUPLICATE_ARTICLES,
        "duplicate": duplicate,
        "similar": similar,
    }
    OUT.write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {OUT.name}")


if __name__ == "__main__":
    main()
