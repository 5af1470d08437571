"""Duplicates: fingerprints and verdicts as plain functions, the Redis index, the job, the API."""

from __future__ import annotations

import time
import uuid

import pytest
from flask import Flask
from redis import Redis
from rq import Queue

from newsdesk.duplicate_index import GRACE, DuplicateIndex, pack, unpack
from newsdesk.queueing import JOB_FUNCTION, SERIALIZER
from newsdesk.results import ResultSchema
from newsdesk.settings import Config
from newsdesk.similarity import Thresholds, compare, containment, jaccard, passages
from service.app import create_app
from workers.duplicates import fingerprint, paragraph_spans, shingles, too_short
from workers.prompt_stop import PromptSimpleWorker

FERRY = [
    "The Harlow Sound ferry service will stop running at night from the first of June, "
    "the regional transport board said on Wednesday, citing a shortage of trained crew.",
    "Board chair Ines Carvalho said the last evening crossing would leave Port Alder at "
    "nine o'clock, two hours earlier than now, and that the change would be reviewed in "
    "the autumn once new deckhands finish their training.",
    "About four hundred people use the late crossings on a typical weekday, most of them "
    "hospital and hotel staff who live on the islands and work on the mainland shifts.",
    "The islanders' association called the decision a betrayal and said it would ask the "
    "regional assembly to fund a water taxi for the hours the ferry no longer covers.",
    "The board has advertised for twelve deckhands since January but hired only three, "
    "according to figures it published alongside the timetable change.",
    "A spokesman for the seafarers' union said pay on the route had fallen behind private "
    "yacht charters, which recruit from the same small pool of qualified crew each summer.",
]

ORCHARD = [
    "A late frost has destroyed about a third of the apple blossom in the Velden valley, "
    "growers said on Monday, raising fears of a thin harvest and higher prices in autumn.",
    "Temperatures fell to minus four degrees before dawn on Saturday, the coldest May night "
    "recorded at the valley's weather station in more than forty years.",
    "Grower Tomas Brandt said he had lit straw fires between the rows all night but lost "
    "most of the blossom on his lower slopes, where cold air settles first.",
    "The growers' cooperative said it would ask the agriculture ministry for emergency aid "
    "and delay its decision on this year's contract price for cider makers.",
]

# The same event written up independently: same topic, names and facts, other words.
FERRY_OTHER_DESK = [
    "Night crossings on the Harlow Sound route end in June. Crew shortages forced the "
    "transport board's hand, its chair Ines Carvalho told islanders at a packed meeting.",
    "From June the final boat from Port Alder departs at nine in the evening. Until now "
    "it has sailed at eleven, carrying nurses and kitchen workers home after late shifts.",
    "Only three of the twelve deckhand posts opened in January have been filled. Union "
    "officials blame wages that trail what charter yachts offer in the summer season.",
]


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def edit(paragraph: str, n: int) -> str:
    """Change one word in the paragraph, as a copy editor would."""
    words = paragraph.split()
    words[len(words) // 2] = f"changed{n}"
    return " ".join(words)


FERRY_TEXT = body(FERRY)
THRESHOLDS = Thresholds(near_duplicate=0.8, same_story=0.3)


def match(a: str, b: str) -> dict | None:
    return compare(fingerprint(a), fingerprint(b), THRESHOLDS)


# --- the pure part ------------------------------------------------------------------------


def test_paragraph_spans_point_at_each_paragraph() -> None:
    text = "  First one here.\n\nSecond one\nwith a line break.\n \n\nThird."
    spans = paragraph_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "First one here.",
        "Second one\nwith a line break.",
        "Third.",
    ]


def test_shingles_fold_case_and_punctuation() -> None:
    assert shingles("The Port, of KESSEL hires a new chief!") == shingles(
        "the port of kessel hires a new chief"
    )
    assert shingles("Too short") == ["too short"]
    assert shingles("  ") == []


def test_identical_bodies() -> None:
    found = match(FERRY_TEXT, FERRY_TEXT)
    assert found is not None
    assert found["verdict"] == "identical"
    assert found["similarity"] == found["jaccard"] == 1.0
    assert [p["similarity"] for p in found["passages"]] == [1.0] * len(FERRY)


def test_edited_copy_is_a_near_duplicate_with_the_edited_paragraph_marked() -> None:
    edited = FERRY.copy()
    edited[2] = edit(FERRY[2], 1)
    found = match(body(edited), FERRY_TEXT)
    assert found is not None and found["verdict"] == "near_duplicate"
    assert 0.8 <= found["similarity"] < 1
    by_paragraph = {p["paragraph"]: p["similarity"] for p in found["passages"]}
    assert by_paragraph[2] < 1.0
    assert all(by_paragraph[i] == 1.0 for i in range(len(FERRY)) if i != 2)


def test_shortened_copy_is_contained_in_the_original() -> None:
    short = body(FERRY[:3])
    found = match(short, FERRY_TEXT)
    assert found is not None and found["verdict"] == "near_duplicate"
    assert found["similarity"] == 1.0
    assert found["jaccard"] < 0.7  # Jaccard alone would undersell a cut copy


def test_reordered_paragraphs_are_a_near_duplicate_and_passages_follow_them() -> None:
    order = [3, 0, 5, 1, 4, 2]
    reordered = body([FERRY[i] for i in order])
    found = match(reordered, FERRY_TEXT)
    assert found is not None and found["verdict"] == "near_duplicate"
    assert found["similarity"] == 1.0
    assert [p["other_paragraph"] for p in found["passages"]] == order


def test_passage_offsets_point_into_both_bodies() -> None:
    mine = body(["A short lead paragraph of our own about the ferry news today.", *FERRY[1:4]])
    found = passages(fingerprint(mine), fingerprint(FERRY_TEXT))
    assert [p["paragraph"] for p in found] == [1, 2, 3]
    for p in found:
        assert mine[p["start"] : p["end"]] == FERRY_TEXT[p["other_start"] : p["other_end"]]


def test_shared_passages_make_the_same_story() -> None:
    mixed = body([FERRY[0], FERRY[1], *FERRY_OTHER_DESK])
    found = match(mixed, FERRY_TEXT)
    assert found is not None and found["verdict"] == "same_story"
    assert 0.3 <= found["similarity"] < 0.8
    assert [p["paragraph"] for p in found["passages"]] == [0, 1]


@pytest.mark.parametrize("other", [body(ORCHARD), body(FERRY_OTHER_DESK)])
def test_a_different_story_is_not_listed(other: str) -> None:
    assert match(other, FERRY_TEXT) is None
    assert containment(fingerprint(other), fingerprint(FERRY_TEXT)) < 0.3


def test_the_estimate_is_close_to_the_exact_figure() -> None:
    found = match(body(FERRY[:4]), FERRY_TEXT)
    assert found is not None
    assert abs(found["estimated"] - found["similarity"]) < 0.25
    assert jaccard(fingerprint(FERRY_TEXT), fingerprint(FERRY_TEXT)) == 1.0


def test_a_few_words_are_too_short_to_compare() -> None:
    assert too_short(fingerprint("Ferry cancelled tonight."))
    assert not too_short(fingerprint(FERRY_TEXT))


def test_a_record_survives_packing() -> None:
    fp = fingerprint(FERRY_TEXT)
    record = unpack("some-id", pack(10.0, 20.0, fp))
    assert record is not None
    assert (record.indexed_at, record.expires_at) == (10.0, 20.0)
    assert record.fingerprint.paragraphs == fp.paragraphs
    assert (record.fingerprint.signature == fp.signature).all()
    assert all((x == y).all() for x, y in zip(record.fingerprint.hashes, fp.hashes, strict=True))


# --- the index, on a real Redis ---------------------------------------------------------


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def redis(redis_url: str) -> Redis:
    return Redis.from_url(redis_url)


def index(redis: Redis, owner: str = "anonymous") -> DuplicateIndex:
    return DuplicateIndex(redis, owner, THRESHOLDS, limit=20)


def test_index_finds_earlier_jobs_and_ranks_them(redis: Redis) -> None:
    first, second, unrelated = new_id(), new_id(), new_id()
    index(redis).add(first, fingerprint(FERRY_TEXT), ttl=600)
    index(redis).add(second, fingerprint(body([FERRY[0], FERRY[1], *FERRY_OTHER_DESK])), ttl=600)
    index(redis).add(unrelated, fingerprint(body(ORCHARD)), ttl=600)
    found = index(redis).lookup(fingerprint(body(FERRY[:4])), exclude=new_id())
    assert [(m["job_id"], m["verdict"]) for m in found] == [
        (first, "near_duplicate"),
        (second, "same_story"),
    ]
    assert found[0]["indexed_at"].endswith("Z")


def test_a_job_does_not_find_itself(redis: Redis) -> None:
    job = new_id()
    fp = fingerprint(FERRY_TEXT)
    index(redis).add(job, fp, ttl=600)
    assert index(redis).lookup(fp, exclude=job) == []
    assert index(redis).record(job) is not None


def test_owners_never_see_each_others_jobs(redis: Redis) -> None:
    job = new_id()
    index(redis, "desk-a").add(job, fingerprint(FERRY_TEXT), ttl=600)
    assert index(redis, "desk-b").lookup(fingerprint(FERRY_TEXT)) == []
    assert index(redis, "desk-b").record(job) is None
    assert [m["job_id"] for m in index(redis, "desk-a").lookup(fingerprint(FERRY_TEXT))] == [job]


def test_expired_jobs_are_not_listed_and_the_sweep_removes_them(redis: Redis) -> None:
    old, fresh = new_id(), new_id()
    now = time.time()
    fp = fingerprint(FERRY_TEXT)
    index(redis).add(old, fp, ttl=60, now=now)
    index(redis).add(fresh, fp, ttl=600, now=now)
    later = now + 120
    assert [m["job_id"] for m in index(redis).lookup(fp, now=later)] == [fresh]
    # The old record is kept a grace period for the sweep, then the sweep takes it out.
    assert 60 < redis.ttl(f"newsdesk:dup:anonymous:job:{old}") <= 60 + GRACE
    assert index(redis).sweep(now=later) == 1
    assert index(redis).record(old) is None
    assert index(redis).candidates(fp) == [fresh]
    assert redis.zcard("newsdesk:dup:anonymous:expiry") == 1


def test_members_whose_record_vanished_are_dropped_on_lookup(redis: Redis) -> None:
    job = new_id()
    fp = fingerprint(FERRY_TEXT)
    index(redis).add(job, fp, ttl=600)
    redis.delete(f"newsdesk:dup:anonymous:job:{job}")
    assert index(redis).candidates(fp) == [job]
    assert index(redis).lookup(fp) == []
    assert index(redis).candidates(fp) == []


def test_every_index_key_expires(redis: Redis) -> None:
    index(redis).add(new_id(), fingerprint(FERRY_TEXT), ttl=600)
    keys = [k for k in redis.scan_iter("newsdesk:dup:*") if not k.endswith(b":expiry")]
    assert keys and all(0 < redis.ttl(k) <= 600 + GRACE for k in keys)


# --- the job, with a real RQ worker -----------------------------------------------------


def run_job(redis: Redis, article: dict, owner: str | None = None) -> dict:
    queue = Queue("dup-test", connection=redis, serializer=SERIALIZER)
    meta = {"owner": owner} if owner else {}
    job = queue.enqueue_call(JOB_FUNCTION, args=(article,), result_ttl=600, meta=meta)
    PromptSimpleWorker([queue], connection=redis, serializer=SERIALIZER).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished", job.meta.get("error")
    result = job.return_value()
    assert ResultSchema().validate(result) == {}
    return {"id": job.id, "result": result}


def test_jobs_find_earlier_jobs_of_their_owner_only(redis: Redis) -> None:
    article = {"text": FERRY_TEXT, "analyses": ["duplicates"]}
    first = run_job(redis, article, owner="desk-a")
    assert first["result"]["duplicates"]["indexed"] is True
    assert first["result"]["duplicates"]["matches"] == []
    # Cleanup runs anyway: the page furniture around the same body changes nothing.
    pasted = {
        "text": f"Home | News | Islands\n{FERRY_TEXT}\nShare this story",
        "analyses": ["duplicates"],
    }
    second = run_job(redis, pasted, owner="desk-a")
    matches = second["result"]["duplicates"]["matches"]
    assert [(m["job_id"], m["verdict"]) for m in matches] == [(first["id"], "identical")]
    other_owner = run_job(redis, article, owner="desk-b")
    assert other_owner["result"]["duplicates"]["matches"] == []
    anonymous = run_job(redis, article)
    assert anonymous["result"]["duplicates"]["matches"] == []


def test_a_too_short_body_is_not_indexed(redis: Redis) -> None:
    job = run_job(redis, {"text": "Ferry cancelled tonight.", "analyses": ["duplicates"]})
    duplicates = job["result"]["duplicates"]
    assert duplicates == {"indexed": False, "shingles": 1, "matches": []}
    assert [w["code"] for w in job["result"]["warnings"]] == ["too_short"]


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def app(redis_url: str) -> Flask:
    return create_app(Config(redis_url=redis_url, queue_name="dup-api"))


def test_similar_answers_404_for_an_unknown_job(app: Flask) -> None:
    client = app.test_client()
    for job_id in (new_id(), "not-a-uuid"):
        response = client.get(f"/v1/jobs/{job_id}/similar")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.get_json(force=True)["type"] == "urn:newsdesk:problem:job-not-found"


def test_similar_lists_later_jobs_too(app: Flask, redis: Redis) -> None:
    client = app.test_client()
    ask = {"analyses": ["cleanup", "duplicates"]}
    first = client.post("/v1/articles", json={"text": FERRY_TEXT, **ask}).get_json()
    assert first["analyses"] == ["cleanup", "duplicates"]
    pending = client.get(f"/v1/jobs/{first['id']}/similar").get_json()
    assert pending == {"job_id": first["id"], "indexed": False, "matches": []}
    queue = Queue("dup-api", connection=redis, serializer=SERIALIZER)
    PromptSimpleWorker([queue], connection=redis, serializer=SERIALIZER).work(burst=True)
    second = client.post("/v1/articles", json={"text": body(FERRY[:4]), **ask}).get_json()
    PromptSimpleWorker([queue], connection=redis, serializer=SERIALIZER).work(burst=True)

    later = client.get(f"/v1/jobs/{first['id']}/similar")
    assert later.status_code == 200
    [found] = later.get_json()["matches"]
    assert (found["job_id"], found["verdict"], found["similarity"]) == (
        second["id"],
        "near_duplicate",
        1.0,
    )
    # The first job's own result lists only what was there before it: nothing.
    job = client.get(f"/v1/jobs/{first['id']}").get_json()
    assert job["result"]["duplicates"]["matches"] == []
    text = job["result"]["cleanup"]["text"]
    passage = found["passages"][0]
    assert text[passage["start"] : passage["end"]] == FERRY[0]


def test_duplicates_is_not_run_unless_asked(app: Flask) -> None:
    job = app.test_client().post("/v1/articles", json={"text": FERRY_TEXT}).get_json()
    assert "duplicates" not in job["analyses"]
